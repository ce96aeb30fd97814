//! The arguments of the root-only configuration blocks (SPEC §1.13): `logging`,
//! `tracing`, `http` and `livedebugging`. The controller evaluates them like
//! components and publishes the results; the binary applies them (log level and
//! format, the HTTP server's TLS and authentication).

use syntax::decode::{Block, GoDuration};
use syntax::value::{Secret, Value};

/// `logging { … }`: Alloy's own logs.
#[derive(Clone, Debug, Block)]
pub struct LoggingArguments {
    /// `error`, `warn`, `info` or `debug`.
    #[alloy(attr, optional)]
    pub level: String,
    /// `logfmt` or `json`.
    #[alloy(attr, optional)]
    pub format: String,
    /// `loki.*` receivers Alloy's own logs are copied to.
    #[alloy(attr, optional)]
    pub write_to: Vec<Value>,
    #[alloy(attr, optional)]
    pub destination: String,
}

impl Default for LoggingArguments {
    fn default() -> LoggingArguments {
        LoggingArguments {
            level: "info".into(),
            format: "logfmt".into(),
            write_to: Vec::new(),
            destination: "stderr".into(),
        }
    }
}

/// `http { … }`: runtime settings of the built-in HTTP server (its address comes
/// from the command line).
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct HttpArguments {
    #[alloy(block, optional)]
    pub auth: Option<HttpAuth>,
    #[alloy(block, optional)]
    pub tls: Option<HttpTls>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct HttpAuth {
    #[alloy(block, optional)]
    pub basic: Option<BasicAuth>,
    #[alloy(block, optional)]
    pub filter: Option<AuthFilter>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct BasicAuth {
    #[alloy(attr)]
    pub username: String,
    #[alloy(attr)]
    pub password: Secret,
}

/// Which paths basic authentication applies to.
#[derive(Clone, Debug, PartialEq, Block)]
pub struct AuthFilter {
    /// Path prefixes.
    #[alloy(attr, optional)]
    pub paths: Vec<String>,
    /// `true`: the listed paths require authentication; `false`: every other path does.
    #[alloy(attr, optional)]
    pub authenticate_matching_paths: bool,
}

impl Default for AuthFilter {
    fn default() -> AuthFilter {
        AuthFilter {
            paths: Vec::new(),
            authenticate_matching_paths: true,
        }
    }
}

/// `http > tls`: the server's certificate, client verification and versions.
#[derive(Clone, Debug, PartialEq, Block)]
pub struct HttpTls {
    #[alloy(attr, optional)]
    pub cert_pem: String,
    #[alloy(attr, optional)]
    pub cert_file: String,
    #[alloy(attr, optional)]
    pub key_pem: Secret,
    #[alloy(attr, optional)]
    pub key_file: String,
    #[alloy(attr, optional)]
    pub client_ca_pem: String,
    #[alloy(attr, optional)]
    pub client_ca_file: String,
    /// `NoClientCert`, `RequestClientCert`, `RequireAnyClientCert`,
    /// `VerifyClientCertIfGiven` or `RequireAndVerifyClientCert`.
    #[alloy(attr, optional)]
    pub client_auth_type: String,
    #[alloy(attr, optional)]
    pub cipher_suites: Vec<String>,
    #[alloy(attr, optional)]
    pub curve_preferences: Vec<String>,
    /// `TLS10` … `TLS13`; empty for the library's default.
    #[alloy(attr, optional)]
    pub min_version: String,
    #[alloy(attr, optional)]
    pub max_version: String,
}

impl Default for HttpTls {
    fn default() -> HttpTls {
        HttpTls {
            cert_pem: String::new(),
            cert_file: String::new(),
            key_pem: Secret::default(),
            key_file: String::new(),
            client_ca_pem: String::new(),
            client_ca_file: String::new(),
            client_auth_type: "NoClientCert".into(),
            cipher_suites: Vec::new(),
            curve_preferences: Vec::new(),
            min_version: String::new(),
            max_version: String::new(),
        }
    }
}

/// `tracing { … }`: Alloy's own traces. Accepted; nothing is exported yet.
#[derive(Clone, Debug, Block)]
pub struct TracingArguments {
    #[alloy(attr, optional)]
    pub sampling_fraction: f64,
    #[alloy(attr, optional)]
    pub write_to: Vec<Value>,
    #[alloy(attr, optional)]
    pub send_traceparent: bool,
    #[alloy(block, optional)]
    pub sampler: Option<TracingSampler>,
}

impl Default for TracingArguments {
    fn default() -> TracingArguments {
        TracingArguments {
            sampling_fraction: 0.1,
            write_to: Vec::new(),
            send_traceparent: false,
            sampler: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct TracingSampler {
    #[alloy(block, optional)]
    pub jaeger_remote: Option<JaegerRemoteSampler>,
}

#[derive(Clone, Debug, PartialEq, Block)]
pub struct JaegerRemoteSampler {
    #[alloy(attr, optional)]
    pub url: String,
    #[alloy(attr, optional)]
    pub max_operations: i64,
    #[alloy(attr, optional)]
    pub refresh_interval: GoDuration,
}

impl Default for JaegerRemoteSampler {
    fn default() -> JaegerRemoteSampler {
        JaegerRemoteSampler {
            url: "http://127.0.0.1:5778/sampling".into(),
            max_operations: 256,
            refresh_interval: GoDuration::from_std(std::time::Duration::from_secs(60)),
        }
    }
}

/// `livedebugging { … }`: whether the UI's live-debugging streams produce data.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct LiveDebuggingArguments {
    #[alloy(attr, optional)]
    pub enabled: bool,
}
