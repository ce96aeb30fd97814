//! The controller end to end with the test components: references, exports
//! re-evaluation, updates, evaluation failures, reloads, modules, config
//! blocks, metrics and shutdown.

mod testcomponents;

use runtime::controller::{Controller, ControllerOptions};
use runtime::health::HealthState;
use runtime::host::{ComponentDetail, Host, ReloadError};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::stability::Stability;
use syntax::value::Value;
use tempfile::TempDir;

struct Setup {
    dir: TempDir,
    controller: Arc<Controller>,
}

impl Setup {
    fn new(config: &str) -> Setup {
        Setup::with_stability(config, Stability::PublicPreview)
    }

    fn with_stability(config: &str, min_stability: Stability) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("main.alloy"), config).expect("write config");
        let controller = Controller::new(ControllerOptions {
            config_path: dir.path().join("main.alloy"),
            storage_path: dir.path().join("data"),
            min_stability,
            registry: testcomponents::registry(),
        });
        Setup { dir, controller }
    }

    async fn reload(&self, config: &str) -> Result<(), ReloadError> {
        std::fs::write(self.dir.path().join("main.alloy"), config).expect("write config");
        self.controller.load().await
    }

    fn detail(&self, id: &str) -> ComponentDetail {
        self.controller
            .component(id)
            .unwrap_or_else(|| panic!("no component {id}"))
    }

    fn export(&self, id: &str, name: &str) -> Value {
        match self.detail(id).exports {
            Value::Object(o) => o.get(name).cloned().unwrap_or_default(),
            _ => Value::Null,
        }
    }

    fn string_export(&self, id: &str) -> Option<String> {
        match self.export(id, "output") {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    fn int_export(&self, id: &str, name: &str) -> Option<i64> {
        match self.export(id, name) {
            Value::Number(n) => Some(n.as_i64()),
            _ => None,
        }
    }
}

async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn messages(error: &ReloadError) -> Vec<String> {
    match error {
        ReloadError::Diagnostics { diagnostics, .. } => diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.start, d.message))
            .collect(),
        ReloadError::Other(e) => vec![e.clone()],
    }
}

fn updates(setup: &Setup, id: &str) -> i64 {
    match setup.detail(id).debug_info {
        Value::Object(o) => match o.get("updates") {
            Some(Value::Number(n)) => n.as_i64(),
            _ => -1,
        },
        _ => -1,
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

const CHAIN: &str = r#"
testcomponents.passthrough "first" {
  input = "hello"
}

testcomponents.passthrough "second" {
  input = testcomponents.passthrough.first.output + " world"
}
"#;

#[tokio::test]
async fn references_resolve_across_components() {
    let s = Setup::new(CHAIN);
    s.controller.load().await.expect("loads");
    assert_eq!(
        s.string_export("testcomponents.passthrough.second")
            .as_deref(),
        Some("hello world")
    );
    let infos = s.controller.components("").expect("root module");
    let second = infos
        .iter()
        .find(|c| c.local_id == "testcomponents.passthrough.second")
        .expect("second listed");
    assert_eq!(second.references_to, ["testcomponents.passthrough.first"]);
    let first = infos
        .iter()
        .find(|c| c.local_id == "testcomponents.passthrough.first")
        .expect("first listed");
    assert_eq!(first.referenced_by, ["testcomponents.passthrough.second"]);
    // `output` is no receiver: data flows from the referenced component.
    assert_eq!(
        first.data_flow_edges_to,
        ["testcomponents.passthrough.second"]
    );
    assert!(s.controller.is_ready());
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_cascade_through_dependants() {
    let s = Setup::new(
        r#"
testcomponents.count "inc" {
  frequency = "5ms"
  max = 5
}

testcomponents.passthrough "pt" {
  input = testcomponents.count.inc.count
}

testcomponents.summation "sum" {
  input = testcomponents.passthrough.pt.output
}
"#,
    );
    s.controller.load().await.expect("loads");
    // 0 + 1 + 2 + 3 + 4 + 5: every count reached the summation once.
    eventually("the sum of every count", || {
        s.int_export("testcomponents.summation.sum", "sum") == Some(15)
    })
    .await;
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn update_only_when_arguments_change() {
    let s = Setup::new(CHAIN);
    s.controller.load().await.expect("loads");
    assert_eq!(updates(&s, "testcomponents.passthrough.second"), 0);
    s.controller.load().await.expect("same config reloads");
    assert_eq!(updates(&s, "testcomponents.passthrough.second"), 0);
    s.reload(&CHAIN.replace("hello", "goodbye"))
        .await
        .expect("changed config reloads");
    assert_eq!(updates(&s, "testcomponents.passthrough.first"), 1);
    assert_eq!(updates(&s, "testcomponents.passthrough.second"), 1);
    assert_eq!(
        s.string_export("testcomponents.passthrough.second")
            .as_deref(),
        Some("goodbye world")
    );
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn evaluation_failure_keeps_last_good_arguments() {
    let good = "testcomponents.count \"c\" {\n  frequency = \"1h\"\n  max = 3\n}\n\ntestcomponents.passthrough \"after\" {\n  input = \"still evaluated\"\n}\n";
    let s = Setup::new(good);
    s.controller.load().await.expect("loads");

    let error = s
        .reload(&good.replace("\"1h\"", "\"0s\"").replace("still", "yes,"))
        .await
        .expect_err("update fails");
    assert_eq!(
        messages(&error),
        ["main.alloy:1:1: updating component: frequency must not be 0"]
            .map(|m| format!("{}/{m}", s.dir.path().display()))
    );
    let detail = s.detail("testcomponents.count.c");
    assert_eq!(detail.info.health.state, HealthState::Unhealthy);
    assert_eq!(
        detail.info.health.message,
        "component evaluation failed: updating component: frequency must not be 0"
    );
    let frequency = detail
        .arguments
        .entries
        .iter()
        .find_map(|e| match e {
            syntax::decode::EncodedEntry::Attribute { name, value } if name == "frequency" => {
                Some(format!("{value:?}"))
            }
            _ => None,
        })
        .expect("frequency argument");
    assert!(frequency.contains("1h"), "{frequency}");
    // Dependants and later nodes are still evaluated.
    assert_eq!(
        s.string_export("testcomponents.passthrough.after")
            .as_deref(),
        Some("yes, evaluated")
    );

    let error = s
        // Only evaluation can tell this is no number (`alloy validate` cannot).
        .reload(&good.replace("max = 3", "max = sys.env(\"FERROALLOY_TEST_UNSET\")"))
        .await
        .expect_err("decoding fails");
    let health = s.detail("testcomponents.count.c").info.health;
    assert!(
        health
            .message
            .starts_with("component evaluation failed: decoding configuration: "),
        "{}",
        health.message
    );
    assert_eq!(messages(&error).len(), 1);

    s.reload(good).await.expect("a good config heals it");
    eventually("the component to be healthy", || {
        s.detail("testcomponents.count.c").info.health.state == HealthState::Healthy
    })
    .await;
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn first_load_fails_on_build_errors() {
    let s = Setup::new("testcomponents.count \"c\" {\n  frequency = \"0s\"\n  max = 3\n}\n");
    let error = s.controller.load().await.expect_err("build fails");
    assert!(
        messages(&error)[0]
            .ends_with("main.alloy:1:1: building component: frequency must not be 0"),
        "{:?}",
        messages(&error)
    );
    assert!(!s.controller.is_ready());
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn graph_errors_are_reported_together() {
    let s = Setup::new(
        "testcomponents.nope \"a\" {}\n\ntestcomponents.passthrough \"b\" {\n  input = missing.value\n}\n",
    );
    let error = s.controller.load().await.expect_err("invalid");
    let text = messages(&error).join("\n");
    assert!(
        text.contains("cannot find the definition of component name \"testcomponents.nope\""),
        "{text}"
    );
    assert!(
        text.contains("component \"missing.value\" does not exist or is out of scope"),
        "{text}"
    );
}

#[tokio::test]
async fn reload_keeps_unchanged_state_and_updates_changed() {
    let config = "testcomponents.summation \"sum\" {\n  input = 1\n}\n\ntestcomponents.summation \"other\" {\n  input = 5\n}\n";
    let s = Setup::new(config);
    s.controller.load().await.expect("loads");
    s.reload(&config.replace("input = 5", "input = 7"))
        .await
        .expect("reloads");
    // The unchanged component kept its state (and was not updated again).
    assert_eq!(s.int_export("testcomponents.summation.sum", "sum"), Some(1));
    // The changed one was updated in place, keeping its running total.
    assert_eq!(
        s.int_export("testcomponents.summation.other", "sum"),
        Some(12)
    );
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn renamed_component_is_stopped_before_its_replacement_is_built() {
    let port = free_port();
    let s = Setup::new(&format!(
        "testcomponents.port \"old\" {{\n  port = {port}\n}}\n"
    ));
    s.controller.load().await.expect("loads");
    eventually("the run loop to start", || {
        s.detail("testcomponents.port.old").info.health.state == HealthState::Healthy
    })
    .await;
    assert!(!port_is_free(port));
    // One reload: the replacement binds the same port.
    s.reload(&format!(
        "testcomponents.port \"new\" {{\n  port = {port}\n}}\n"
    ))
    .await
    .expect("the renamed component gets the port");
    assert!(s.controller.component("testcomponents.port.old").is_none());
    s.controller.shutdown(Duration::from_secs(5)).await;
    assert!(port_is_free(port), "shutdown releases the port");
}

#[tokio::test]
async fn broken_reload_keeps_the_old_pipeline() {
    let s = Setup::new(CHAIN);
    s.controller.load().await.expect("loads");
    let error = s
        .reload("testcomponents.passthrough \"first\" {\n  input = \n")
        .await
        .expect_err("syntax error");
    assert!(matches!(error, ReloadError::Diagnostics { .. }));
    assert_eq!(s.controller.components("").expect("root").len(), 2);
    assert_eq!(
        s.string_export("testcomponents.passthrough.second")
            .as_deref(),
        Some("hello world")
    );
    let mut metrics = String::new();
    s.controller.encode_component_metrics(&mut metrics);
    assert!(
        metrics.contains("alloy_config_last_load_successful 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alloy_config_load_failures_total 1"),
        "{metrics}"
    );
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn shutdown_gives_up_at_the_deadline() {
    let port = free_port();
    let s = Setup::new(&format!(
        "testcomponents.stubborn \"s\" {{}}\n\ntestcomponents.port \"p\" {{\n  port = {port}\n}}\n"
    ));
    s.controller.load().await.expect("loads");
    eventually("the run loops to start", || {
        s.detail("testcomponents.port.p").info.health.state == HealthState::Healthy
    })
    .await;
    // The stubborn component never returns; shutdown returns anyway.
    s.controller.shutdown(Duration::from_millis(50)).await;
    assert!(port_is_free(port));
    let health = s.detail("testcomponents.port.p").info.health;
    assert_eq!(health.state, HealthState::Exited);
    assert_eq!(health.message, "component shut down cleanly");
}

#[tokio::test]
async fn modules_expose_their_components() {
    let s = Setup::new(
        r#"
declare "greeter" {
  argument "name" {}

  argument "greeting" {
    optional = true
    default  = "hello"
  }

  testcomponents.passthrough "pt" {
    input = argument.greeting.value + " " + argument.name.value
  }

  export "text" {
    value = testcomponents.passthrough.pt.output
  }
}

greeter "world" {
  name = "world"
}

testcomponents.passthrough "out" {
  input = greeter.world.text
}
"#,
    );
    s.controller.load().await.expect("loads");
    assert_eq!(
        s.string_export("testcomponents.passthrough.out").as_deref(),
        Some("hello world")
    );
    let root = s.controller.components("").expect("root");
    let instance = root
        .iter()
        .find(|c| c.local_id == "greeter.world")
        .expect("instance");
    assert_eq!(instance.created_module_ids, ["greeter.world"]);
    let inside = s.controller.components("greeter.world").expect("module");
    assert!(
        inside.iter().any(
            |c| c.local_id == "testcomponents.passthrough.pt" && c.module_id == "greeter.world"
        )
    );
    let detail = s.detail("greeter.world/testcomponents.passthrough.pt");
    assert_eq!(
        detail.info.global_id(),
        "greeter.world/testcomponents.passthrough.pt"
    );

    let error = s
        .reload("declare \"d\" {\n  argument \"x\" {}\n}\n\nd \"i\" {\n  x = 1\n  y = 2\n}\n")
        .await
        .expect_err("unknown argument");
    assert!(
        messages(&error)
            .join("\n")
            .contains("Provided argument \"y\" is not defined in the module")
            || messages(&error)
                .join("\n")
                .contains("unrecognized attribute name \"y\""),
        "{:?}",
        messages(&error)
    );
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn config_blocks_are_published() {
    let s = Setup::new(
        "logging {\n  level  = \"debug\"\n  format = \"json\"\n}\n\nlivedebugging {\n  enabled = true\n}\n\nhttp {\n  auth {\n    basic {\n      username = \"u\"\n      password = \"p\"\n    }\n  }\n}\n",
    );
    let logging = s.controller.logging();
    s.controller.load().await.expect("loads");
    assert_eq!(logging.borrow().level, "debug");
    assert_eq!(logging.borrow().format, "json");
    let http = s.controller.http().borrow().clone();
    let basic = http.auth.and_then(|a| a.basic).expect("basic auth");
    assert_eq!(basic.username, "u");
    assert_eq!(basic.password.expose(), "p");
    assert!(s.controller.live_debugging().borrow().enabled);

    s.reload("").await.expect("empty config");
    assert_eq!(logging.borrow().level, "info");
    assert!(s.controller.http().borrow().auth.is_none());
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn component_metrics_are_labelled() {
    let s = Setup::new(CHAIN);
    s.controller.load().await.expect("loads");
    let mut metrics = String::new();
    s.controller.encode_component_metrics(&mut metrics);
    assert!(
        metrics.contains("alloy_config_last_load_successful 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alloy_component_controller_running_components{health_type=\"healthy\"}")
            || metrics
                .contains("alloy_component_controller_running_components{health_type=\"unknown\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE alloy_component_evaluation_seconds histogram"),
        "{metrics}"
    );
    assert!(!metrics.contains("# EOF"));
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn module_path_is_the_config_directory() {
    let s = Setup::new("testcomponents.passthrough \"p\" {\n  input = module_path\n}\n");
    s.controller.load().await.expect("loads");
    let Value::String(path) = s.export("testcomponents.passthrough.p", "output") else {
        panic!("no output");
    };
    assert_eq!(Path::new(&path), s.dir.path());
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_flows_into_receivers_and_foreach_creates_modules() {
    // foreach is experimental.
    let s = Setup::with_stability(
        r#"
foreach "pulses" {
  collection = [2, 3]
  var = "n"

  template {
    testcomponents.pulse "p" {
      max        = n
      frequency  = "1ms"
      forward_to = [testcomponents.summation_receiver.sum.receiver]
    }
  }
}

testcomponents.pulse "direct" {
  max        = 1
  frequency  = "1ms"
  forward_to = [testcomponents.summation_receiver.sum.receiver]
}

testcomponents.summation_receiver "sum" {}
"#,
        Stability::Experimental,
    );
    s.controller.load().await.expect("loads");
    eventually("every pulse to arrive", || {
        matches!(s.detail("testcomponents.summation_receiver.sum").debug_info,
            Value::Number(n) if n.as_i64() == 6)
    })
    .await;
    let root = s.controller.components("").expect("root");
    let direct = root
        .iter()
        .find(|c| c.local_id == "testcomponents.pulse.direct")
        .expect("direct");
    // The receiver is a telemetry input: data flows from the sender to it.
    assert_eq!(
        direct.data_flow_edges_to,
        ["testcomponents.summation_receiver.sum"]
    );
    let foreach = root
        .iter()
        .find(|c| c.local_id == "foreach.pulses")
        .expect("foreach");
    assert_eq!(
        foreach.created_module_ids,
        ["foreach.pulses/foreach_2", "foreach.pulses/foreach_3"]
    );
    let inside = s
        .controller
        .components("foreach.pulses/foreach_3")
        .expect("instance module");
    assert_eq!(inside[0].local_id, "testcomponents.pulse.p");
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn nested_modules_have_path_ids() {
    let s = Setup::new(
        r#"
declare "outer" {
  declare "inner" {
    testcomponents.passthrough "pt" {
      input = "deep"
    }

    export "out" {
      value = testcomponents.passthrough.pt.output
    }
  }

  inner "i" {}

  export "out" {
    value = inner.i.out
  }
}

outer "o" {}

testcomponents.passthrough "top" {
  input = outer.o.out
}
"#,
    );
    s.controller.load().await.expect("loads");
    assert_eq!(
        s.string_export("testcomponents.passthrough.top").as_deref(),
        Some("deep")
    );
    let outer = s.controller.components("outer.o").expect("outer module");
    let inner = outer
        .iter()
        .find(|c| c.local_id == "inner.i")
        .expect("inner instance");
    assert_eq!(inner.created_module_ids, ["outer.o/inner.i"]);
    let detail = s.detail("outer.o/inner.i/testcomponents.passthrough.pt");
    assert_eq!(detail.info.module_id, "outer.o/inner.i");
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_files_are_reread_when_they_change() {
    let s = Setup::new(
        r#"
import.file "lib" {
  filename = file.path_join(module_path, "lib.alloy")
}

lib.greeting "g" {}

testcomponents.passthrough "out" {
  input = lib.greeting.g.text
}
"#,
    );
    let lib = s.dir.path().join("lib.alloy");
    let module = |text: &str| {
        format!("declare \"greeting\" {{\n  export \"text\" {{\n    value = \"{text}\"\n  }}\n}}\n")
    };
    std::fs::write(&lib, module("first")).expect("write module");
    s.controller.load().await.expect("loads");
    assert_eq!(
        s.string_export("testcomponents.passthrough.out").as_deref(),
        Some("first")
    );
    std::fs::write(&lib, module("second")).expect("write module");
    eventually("the new module text", || {
        s.string_export("testcomponents.passthrough.out").as_deref() == Some("second")
    })
    .await;
    s.controller.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_component_inside_a_module_frees_its_port_first() {
    let port = free_port();
    let config = |label: &str| {
        format!(
            "declare \"server\" {{\n  testcomponents.port \"{label}\" {{\n    port = {port}\n  }}\n}}\n\nserver \"s\" {{}}\n"
        )
    };
    let s = Setup::new(&config("old"));
    s.controller.load().await.expect("loads");
    s.reload(&config("new"))
        .await
        .expect("the renamed component gets the port");
    assert!(
        s.controller
            .component("server.s/testcomponents.port.new")
            .is_some()
    );
    assert_eq!(
        s.detail("server.s").arguments.entries.len(),
        0,
        "no arguments were passed"
    );
    s.controller.shutdown(Duration::from_secs(5)).await;
    assert!(port_is_free(port));
}
