//! The in-memory HTTP address (`--server.http.memory-addr`, default
//! `alloy.internal:12345`): exporters' targets point at it, and a scrape of a
//! target there is answered by the process's own HTTP router without touching
//! the network, as Alloy's in-memory listener does (SPEC §2.0.5).

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Alloy's default in-memory address.
pub const DEFAULT_MEMORY_ADDR: &str = "alloy.internal:12345";

static ROUTERS: LazyLock<RwLock<HashMap<String, axum::Router>>> = LazyLock::new(Default::default);

/// Serves `router` at in-memory address `addr` until the returned guard drops.
pub fn serve(addr: &str, router: axum::Router) -> Served {
    ROUTERS.write().insert(addr.to_string(), router);
    Served(addr.to_string())
}

/// The process's own address, set by [`serve_process`].
static PROCESS_ADDR: RwLock<Option<String>> = RwLock::new(None);

/// Serves the process's HTTP router at `addr` (`run`'s
/// `--server.http.memory-addr`), the address exporters' targets name.
pub fn serve_process(addr: &str, router: axum::Router) -> Served {
    *PROCESS_ADDR.write() = Some(addr.to_string());
    serve(addr, router)
}

/// The in-memory address of the process's router, for exporters' targets;
/// Alloy's default when none is served.
pub fn address() -> String {
    PROCESS_ADDR
        .read()
        .clone()
        .unwrap_or_else(|| DEFAULT_MEMORY_ADDR.to_string())
}

/// The router answering at in-memory address `addr` (a `host:port`), if any;
/// call it with `tower::ServiceExt::oneshot`.
pub fn router(addr: &str) -> Option<axum::Router> {
    ROUTERS.read().get(addr).cloned()
}

/// Keeps a router served at an in-memory address.
#[must_use = "the router is served only while this lives"]
pub struct Served(String);

impl Drop for Served {
    fn drop(&mut self) {
        ROUTERS.write().remove(&self.0);
        let mut process = PROCESS_ADDR.write();
        if process.as_deref() == Some(self.0.as_str()) {
            *process = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_while_the_guard_lives() {
        let served = serve("test.internal:1", axum::Router::new());
        assert!(router("test.internal:1").is_some());
        assert!(router("other.internal:1").is_none());
        assert_eq!(address(), DEFAULT_MEMORY_ADDR);
        let process = serve_process("process.internal:1", axum::Router::new());
        assert_eq!(address(), "process.internal:1");
        drop(process);
        drop(served);
        assert!(router("test.internal:1").is_none());
        assert_eq!(address(), DEFAULT_MEMORY_ADDR);
    }
}
