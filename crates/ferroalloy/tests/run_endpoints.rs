//! `ferroalloy run` serving a small pipeline: every endpoint's status codes and
//! bodies over a real socket.

mod run_support;

use run_support::{Alloy, dir_with, request};

const CONFIG: &str = r#"local.file "token" {
  filename  = "token.txt"
  is_secret = true
}

local.file "motd" {
  filename = "motd.txt"
}
"#;

fn start() -> (tempfile::TempDir, Alloy) {
    let dir = dir_with(&[
        ("main.alloy", CONFIG),
        ("token.txt", "hunter2"),
        ("motd.txt", "hello"),
    ]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
    (dir, alloy)
}

#[test]
fn ready_and_healthy() {
    let (_dir, alloy) = start();
    for path in ["/-/ready", "/ready"] {
        let ready = alloy.get(path);
        assert_eq!(
            (ready.status, ready.body.as_str()),
            (200, "Alloy is ready.\n")
        );
    }
    let healthy = alloy.get("/-/healthy");
    assert_eq!(
        (healthy.status, healthy.body.as_str()),
        (200, "All Alloy components are healthy.\n")
    );
}

#[test]
fn metrics() {
    let (_dir, alloy) = start();
    let metrics = alloy.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metrics.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(metrics.body.contains("\nprocess_resident_memory_bytes "));
    assert!(metrics.body.contains("alloy_build_info{"));
    assert!(metrics.body.ends_with("# EOF\n"), "{}", metrics.body);
}

#[test]
fn component_list_and_detail() {
    let (_dir, alloy) = start();
    let list = alloy.get("/api/v0/web/components");
    assert_eq!(list.status, 200);
    let list = list.json();
    let ids: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["localID"].as_str())
        .collect();
    assert!(ids.contains(&"local.file.token"), "{ids:?}");
    assert!(ids.contains(&"local.file.motd"), "{ids:?}");
    let token = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["localID"] == "local.file.token")
        .unwrap();
    assert_eq!(token["name"], "local.file");
    assert_eq!(token["label"], "token");
    assert_eq!(token["moduleID"], "");
    assert_eq!(token["type"], "block");
    assert_eq!(token["health"]["state"], "healthy");

    let detail = alloy.get("/api/v0/web/components/local.file.token");
    assert_eq!(detail.status, 200);
    let detail = detail.json();
    assert_eq!(
        detail["exports"],
        serde_json::json!([{"name": "content", "type": "attr", "value": {"type": "capsule", "value": "(secret)"}}])
    );
    assert!(!detail.to_string().contains("hunter2"));
    let filename = detail["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "filename")
        .expect("filename argument");
    assert_eq!(
        filename["value"],
        serde_json::json!({"type": "string", "value": "token.txt"})
    );

    // A content that is not secret shows as Alloy tokenizes it: quoted.
    let motd = alloy.get("/api/v0/web/components/local.file.motd").json();
    assert_eq!(
        motd["exports"][0]["value"],
        serde_json::json!({"type": "capsule", "value": "\"hello\""})
    );

    let unknown = alloy.get("/api/v0/web/components/local.file.nope");
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, "404 page not found\n")
    );
    let module = alloy.get("/api/v0/web/modules/nope.x/components");
    assert_eq!(module.status, 500);
}

#[test]
fn component_mounts_and_ui() {
    let (_dir, alloy) = start();
    assert_eq!(
        alloy
            .get("/api/v0/component/local.file.nope/metrics")
            .status,
        404
    );
    for page in ["/", "/component/local.file.token", "/graph"] {
        let ui = alloy.get(page);
        assert_eq!(ui.status, 200, "{page}");
        assert!(
            ui.header("content-type")
                .unwrap_or("")
                .starts_with("text/html")
        );
        assert!(ui.body.contains("<base href=\"/\">"), "{page}");
    }
    let reload_put = request(alloy.addr, "PUT", "/-/reload", &[]);
    assert_eq!(reload_put.status, 405);
}

#[test]
fn ui_prefix_moves_the_ui_and_its_api() {
    let dir = dir_with(&[
        ("main.alloy", CONFIG),
        ("token.txt", "x"),
        ("motd.txt", "y"),
    ]);
    let alloy = Alloy::start_ready(
        dir.path(),
        "main.alloy",
        &["--server.http.ui-path-prefix=/alloy/"],
    );
    assert!(
        alloy
            .get("/alloy/")
            .body
            .contains("<base href=\"/alloy/\">")
    );
    assert_eq!(alloy.get("/alloy/api/v0/web/components").status, 200);
    assert_eq!(alloy.get("/api/v0/web/components").status, 404);
}

#[test]
fn module_components_by_module_id() {
    let config = r#"declare "reader" {
  local.file "inner" {
    filename = "motd.txt"
  }
}

reader "a" { }
"#;
    let dir = dir_with(&[("main.alloy", config), ("motd.txt", "hello")]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
    let root = alloy.get("/api/v0/web/components").json();
    let instance = root
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["localID"] == "reader.a")
        .expect("the custom component instance");
    assert_eq!(
        instance["createdModuleIDs"],
        serde_json::json!(["reader.a"])
    );

    let inner = alloy.get("/api/v0/web/modules/reader.a/components");
    assert_eq!(inner.status, 200, "{}", inner.body);
    let inner = inner.json();
    let file = inner
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["localID"] == "local.file.inner")
        .expect("the module's component");
    assert_eq!(file["moduleID"], "reader.a");

    let detail = alloy.get("/api/v0/web/components/reader.a/local.file.inner");
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.json()["moduleID"], "reader.a");
}

#[test]
fn healthy_names_unhealthy_component_types() {
    let config = "local.file \"a\" {\n  filename       = \"data.txt\"\n  detector       = \"poll\"\n  poll_frequency = \"20ms\"\n}\n";
    let dir = dir_with(&[("main.alloy", config), ("data.txt", "x")]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
    assert_eq!(alloy.get("/-/healthy").status, 200);
    std::fs::remove_file(dir.path().join("data.txt")).unwrap();
    alloy.wait_until(|| alloy.get("/-/healthy").status == 500);
    assert_eq!(
        alloy.get("/-/healthy").body,
        "unhealthy components: local.file\n"
    );
}
