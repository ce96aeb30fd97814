//! The components in the real controller: a file's content flows through
//! `local.file` into `discovery.relabel`'s targets, file matches join them, and
//! changing the file on disk changes the relabelled output.

use model::target::Target;
use runtime::controller::{Controller, ControllerOptions};
use runtime::health::HealthState;
use runtime::host::Host;
use std::time::{Duration, Instant};
use syntax::decode::Codec;
use syntax::stability::Stability;
use syntax::value::Value;

const CONFIG: &str = r#"
local.file "env" {
  filename = file.path_join(module_path, "env.txt")
}

local.file_match "logs" {
  path_targets = [{"__path__" = file.path_join(module_path, "*.log"), "job" = "logs"}]
  sync_period  = "50ms"
}

discovery.relabel "annotated" {
  targets = array.concat(
    [{"__address__" = "api:8000", "env" = local.file.env.content}],
    local.file_match.logs.targets,
  )

  rule {
    source_labels = ["env"]
    regex         = "prod|"
    action        = "keep"
  }

  rule {
    source_labels = ["__address__"]
    regex         = "(.*):\\d+"
    target_label  = "host"
  }
}
"#;

async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn output(controller: &Controller) -> Vec<Target> {
    let detail = controller
        .component("discovery.relabel.annotated")
        .expect("the component exists");
    match detail.exports {
        Value::Object(o) => {
            Vec::<Target>::decode(o.get("output").unwrap_or(&Value::Null)).expect("targets")
        }
        _ => Vec::new(),
    }
}

fn hosts_and_paths(controller: &Controller) -> Vec<String> {
    output(controller)
        .iter()
        .map(|t| {
            t.get("host")
                .or_else(|| t.get("__path__"))
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn file_content_and_matches_flow_through_relabelling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().display().to_string();
    std::fs::write(dir.path().join("env.txt"), "prod").expect("write");
    std::fs::write(dir.path().join("main.alloy"), CONFIG).expect("write");
    let controller = Controller::new(ControllerOptions {
        config_path: dir.path().join("main.alloy"),
        storage_path: dir.path().join("data"),
        min_stability: Stability::GenerallyAvailable,
        registry: components::registry(),
    });
    controller.load().await.expect("loads");
    assert_eq!(hosts_and_paths(&controller), ["api"]);

    // A new log file joins the targets.
    std::fs::write(dir.path().join("app.log"), "").expect("write");
    eventually("the log file's target", || {
        hosts_and_paths(&controller) == ["api".to_string(), format!("{root}/app.log")]
    })
    .await;

    // The file's new content reaches the rule, which now drops the API target.
    std::fs::write(dir.path().join("env.txt"), "dev").expect("write");
    eventually("the API target dropped", || {
        hosts_and_paths(&controller) == [format!("{root}/app.log")]
    })
    .await;

    // A vanished file makes local.file unhealthy; its last content stays.
    std::fs::remove_file(dir.path().join("env.txt")).expect("remove");
    eventually("local.file unhealthy", || {
        controller
            .component("local.file.env")
            .is_some_and(|d| d.info.health.state == HealthState::Unhealthy)
    })
    .await;
    assert_eq!(hosts_and_paths(&controller), [format!("{root}/app.log")]);

    controller.shutdown(Duration::from_secs(5)).await;
}
