//! Running a component in tests: options whose exports are recorded, and
//! waiting for a condition with a deadline instead of sleeping.

use parking_lot::Mutex;
use runtime::component::Options;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::stability::Stability;
use syntax::value::Value;

/// The exports a component published, oldest first.
#[derive(Clone, Default)]
pub struct Exports(Arc<Mutex<Vec<Value>>>);

impl Exports {
    pub fn last(&self) -> Option<Value> {
        self.0.lock().last().cloned()
    }

    pub fn count(&self) -> usize {
        self.0.lock().len()
    }
}

/// Options for a component named `id`, and where its exports go.
pub fn options(id: &str) -> (Options, Exports) {
    let exports = Exports::default();
    let sink = exports.0.clone();
    let opts = Options::new(
        id,
        std::env::temp_dir()
            .join("ferroalloy-component-tests")
            .join(id),
        Stability::Experimental,
        Arc::new(Mutex::new(prometheus_client::registry::Registry::default())),
        Arc::new(move |v| sink.lock().push(v)),
    );
    (opts, exports)
}

/// Waits until `cond` holds, failing the test after a generous deadline.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The attribute `name` of an exports object.
pub fn field<'a>(exports: &'a Value, name: &str) -> &'a Value {
    match exports {
        Value::Object(o) => o.get(name).unwrap_or(&Value::Null),
        other => panic!("exports are not an object: {other:?}"),
    }
}
