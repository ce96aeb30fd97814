//! `constants`: facts about the running host and build, with Go's names.

use super::object_of;
use crate::value::Value;

pub fn namespace() -> Value {
    object_of(vec![
        ("hostname", Value::String(hostname())),
        ("os", Value::string(go_os(std::env::consts::OS))),
        ("arch", Value::string(go_arch(std::env::consts::ARCH))),
        ("version", Value::String(version())),
    ])
}

/// The host name, empty when it cannot be read (as `os.Hostname` failing).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Go's `GOOS` for Rust's OS name.
fn go_os(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        other => other,
    }
}

/// Go's `GOARCH` for Rust's architecture name.
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// The build version as `v<semver>`.
fn version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names() {
        assert_eq!(go_os("linux"), "linux");
        assert_eq!(go_os("macos"), "darwin");
        assert_eq!(go_arch("x86_64"), "amd64");
        assert_eq!(go_arch("aarch64"), "arm64");
        assert!(version().starts_with('v'));
        let Value::Object(o) = namespace() else {
            panic!()
        };
        assert_eq!(o.len(), 4);
    }
}
