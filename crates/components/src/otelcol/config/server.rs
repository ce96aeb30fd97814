//! Server blocks of otelcol receivers: `grpc`, `http`, server `tls`, `cors`,
//! `keepalive` (SPEC §2.0.3), with Alloy's defaults, and what they turn into:
//! a rustls server configuration, a CORS layer, HTTP/2 settings.

use crate::otelcol::auth::Handler;
use axum::http::{HeaderName, HeaderValue, Method};
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::{Block, ByteSize, GoDuration, Validate};
use syntax::value::Secret;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer, ExposeHeaders};

const KIB: i64 = 1024;
const MIB: i64 = 1024 * KIB;

/// The gRPC server block.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct GrpcServer {
    #[alloy(attr, optional)]
    pub endpoint: String,
    #[alloy(attr, optional)]
    pub transport: String,
    #[alloy(block, optional)]
    pub tls: Option<ServerTls>,
    #[alloy(attr, optional)]
    pub max_recv_msg_size: ByteSize,
    #[alloy(attr, optional)]
    pub max_concurrent_streams: u32,
    #[alloy(attr, optional)]
    pub read_buffer_size: ByteSize,
    #[alloy(attr, optional)]
    pub write_buffer_size: ByteSize,
    #[alloy(block, optional)]
    pub keepalive: Option<Keepalive>,
    #[alloy(attr, optional)]
    pub auth: Option<Handler>,
    #[alloy(attr, optional)]
    pub include_metadata: bool,
}

/// The OTLP receiver's defaults (other receivers set their own endpoint).
impl Default for GrpcServer {
    fn default() -> GrpcServer {
        GrpcServer {
            endpoint: "0.0.0.0:4317".into(),
            transport: "tcp".into(),
            tls: None,
            max_recv_msg_size: ByteSize(4 * MIB),
            max_concurrent_streams: 0,
            read_buffer_size: ByteSize(512 * KIB),
            write_buffer_size: ByteSize(0),
            keepalive: None,
            auth: None,
            include_metadata: false,
        }
    }
}

impl Validate for GrpcServer {
    fn validate(&self) -> Result<(), String> {
        if !matches!(self.transport.as_str(), "tcp" | "tcp4" | "tcp6") {
            return Err(format!(
                "transport {:?} is not supported: only tcp is",
                self.transport
            ));
        }
        if self.max_recv_msg_size.0 < 0 {
            return Err("max_recv_msg_size must not be negative".into());
        }
        Ok(())
    }
}

impl GrpcServer {
    /// The largest message accepted, after decompression.
    pub fn max_message_size(&self) -> usize {
        usize::try_from(self.max_recv_msg_size.0)
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(4 * MIB as usize)
    }

    /// HTTP/2 settings the gRPC server applies to its connections.
    pub fn http2(&self) -> Http2Settings {
        let parameters = self
            .keepalive
            .as_ref()
            .and_then(|k| k.server_parameters.clone())
            .unwrap_or_default();
        Http2Settings {
            max_concurrent_streams: (self.max_concurrent_streams > 0)
                .then_some(self.max_concurrent_streams),
            keepalive_interval: parameters.time.to_std().filter(|d| !d.is_zero()),
            keepalive_timeout: parameters.timeout.to_std().filter(|d| !d.is_zero()),
        }
    }
}

/// HTTP/2 settings of a server's connections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Http2Settings {
    pub max_concurrent_streams: Option<u32>,
    /// Ping an idle client this often, and drop it when the ping is not
    /// answered within `keepalive_timeout`.
    pub keepalive_interval: Option<Duration>,
    pub keepalive_timeout: Option<Duration>,
}

/// The `keepalive` block of a gRPC server.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Keepalive {
    #[alloy(block, optional)]
    pub server_parameters: Option<KeepaliveServerParameters>,
    #[alloy(block, optional)]
    pub enforcement_policy: Option<KeepaliveEnforcementPolicy>,
}

#[derive(Clone, Debug, PartialEq, Block)]
pub struct KeepaliveServerParameters {
    #[alloy(attr, optional)]
    pub max_connection_idle: GoDuration,
    #[alloy(attr, optional)]
    pub max_connection_age: GoDuration,
    #[alloy(attr, optional)]
    pub max_connection_age_grace: GoDuration,
    #[alloy(attr, optional)]
    pub time: GoDuration,
    #[alloy(attr, optional)]
    pub timeout: GoDuration,
}

/// gRPC's defaults: no idle or age limits, a ping every 2h, 20s to answer.
impl Default for KeepaliveServerParameters {
    fn default() -> KeepaliveServerParameters {
        KeepaliveServerParameters {
            max_connection_idle: GoDuration(0),
            max_connection_age: GoDuration(0),
            max_connection_age_grace: GoDuration(0),
            time: GoDuration::from_secs(2 * 60 * 60),
            timeout: GoDuration::from_secs(20),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Block)]
pub struct KeepaliveEnforcementPolicy {
    #[alloy(attr, optional)]
    pub min_time: GoDuration,
    #[alloy(attr, optional)]
    pub permit_without_stream: bool,
}

impl Default for KeepaliveEnforcementPolicy {
    fn default() -> KeepaliveEnforcementPolicy {
        KeepaliveEnforcementPolicy {
            min_time: GoDuration::from_secs(5 * 60),
            permit_without_stream: false,
        }
    }
}

/// The compression algorithms an HTTP server accepts by default.
pub const DEFAULT_COMPRESSION_ALGORITHMS: [&str; 7] =
    ["", "gzip", "zstd", "zlib", "snappy", "deflate", "lz4"];

/// The HTTP server block.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct HttpServer {
    #[alloy(attr, optional)]
    pub endpoint: String,
    #[alloy(block, optional)]
    pub tls: Option<ServerTls>,
    #[alloy(block, optional)]
    pub cors: Option<Cors>,
    #[alloy(attr, optional)]
    pub auth: Option<Handler>,
    #[alloy(attr, optional)]
    pub max_request_body_size: ByteSize,
    #[alloy(attr, optional)]
    pub include_metadata: bool,
    #[alloy(attr, optional)]
    pub compression_algorithms: Vec<String>,
    #[alloy(attr, optional)]
    pub keep_alives_enabled: bool,
    #[alloy(attr, optional)]
    pub idle_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub read_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub write_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub read_header_timeout: GoDuration,
}

/// The OTLP receiver's defaults (other receivers set their own endpoint).
impl Default for HttpServer {
    fn default() -> HttpServer {
        HttpServer {
            endpoint: "0.0.0.0:4318".into(),
            tls: None,
            cors: None,
            auth: None,
            max_request_body_size: ByteSize(20 * MIB),
            include_metadata: false,
            compression_algorithms: DEFAULT_COMPRESSION_ALGORITHMS.map(String::from).to_vec(),
            keep_alives_enabled: true,
            idle_timeout: GoDuration::from_secs(60),
            read_timeout: GoDuration(0),
            write_timeout: GoDuration::from_secs(30),
            read_header_timeout: GoDuration::from_secs(60),
        }
    }
}

impl Validate for HttpServer {
    fn validate(&self) -> Result<(), String> {
        if let Some(unknown) = self
            .compression_algorithms
            .iter()
            .find(|a| !DEFAULT_COMPRESSION_ALGORITHMS.contains(&a.as_str()))
        {
            return Err(format!("unsupported compression type {unknown:?}"));
        }
        if self.max_request_body_size.0 < 0 {
            return Err("max_request_body_size must not be negative".into());
        }
        Ok(())
    }
}

impl HttpServer {
    /// The largest request body accepted, after decompression (0 = 20 MiB,
    /// as the Collector).
    pub fn max_body_size(&self) -> usize {
        usize::try_from(self.max_request_body_size.0)
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(20 * MIB as usize)
    }

    /// Whether `Content-Encoding: encoding` is accepted (`""` = none).
    pub fn accepts_encoding(&self, encoding: &str) -> bool {
        self.compression_algorithms
            .iter()
            .any(|a| a.eq_ignore_ascii_case(encoding))
    }
}

/// The server `tls` block.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct ServerTls {
    #[alloy(attr, optional)]
    pub ca_file: String,
    #[alloy(attr, optional)]
    pub ca_pem: String,
    #[alloy(attr, optional)]
    pub cert_file: String,
    #[alloy(attr, optional)]
    pub cert_pem: String,
    #[alloy(attr, optional)]
    pub key_file: String,
    #[alloy(attr, optional)]
    pub key_pem: Secret,
    #[alloy(attr, optional)]
    pub client_ca_file: String,
    #[alloy(attr, optional)]
    pub min_version: String,
    #[alloy(attr, optional)]
    pub max_version: String,
    #[alloy(attr, optional)]
    pub cipher_suites: Vec<String>,
    #[alloy(attr, optional)]
    pub curve_preferences: Vec<String>,
    #[alloy(attr, optional)]
    pub include_insecure_cipher_suites: bool,
    #[alloy(attr, optional)]
    pub include_system_ca_certs_pool: bool,
    #[alloy(attr, optional)]
    pub reload_interval: GoDuration,
    #[alloy(block, optional)]
    pub tpm: Option<Tpm>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Tpm {
    #[alloy(attr, optional)]
    pub enabled: bool,
    #[alloy(attr, optional)]
    pub path: String,
    #[alloy(attr, optional)]
    pub auth: String,
    #[alloy(attr, optional)]
    pub owner_auth: String,
}

impl ServerTls {
    /// The rustls configuration, offering `alpn` (`h2` for gRPC). A
    /// `client_ca_file` makes client certificates required (mutual TLS).
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, String> {
        self.refuse_unsupported()?;
        let certs = tls::certificates(
            &tls::pem_or_file(&self.cert_pem, &self.cert_file, "cert")?,
            "cert",
        )?;
        let key = tls::private_key(&tls::pem_or_file(
            self.key_pem.expose(),
            &self.key_file,
            "key",
        )?)?;
        let version = |v: &str| {
            (!v.is_empty())
                .then(|| v.parse::<tls::TlsVersion>())
                .transpose()
        };
        let versions =
            tls::protocol_versions(version(&self.min_version)?, version(&self.max_version)?)?;
        let builder = ServerConfig::builder_with_protocol_versions(&versions);
        let builder = if self.client_ca_file.is_empty() {
            builder.with_no_client_auth()
        } else {
            let pem = tls::pem_or_file("", &self.client_ca_file, "client_ca")?;
            let roots = tls::root_store(&pem, "client_ca")?;
            let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
                .build()
                .map_err(|e| format!("failed to load client_ca: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        };
        let mut config = builder.with_single_cert(certs, key).map_err(|e| {
            format!("failed to load TLS config: failed to load TLS cert and key: {e}")
        })?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }

    /// Settings rustls cannot honour are refused rather than ignored.
    fn refuse_unsupported(&self) -> Result<(), String> {
        let unsupported = [
            ("cipher_suites", !self.cipher_suites.is_empty()),
            ("curve_preferences", !self.curve_preferences.is_empty()),
            (
                "include_insecure_cipher_suites",
                self.include_insecure_cipher_suites,
            ),
            ("reload_interval", self.reload_interval.0 != 0),
            ("tpm", self.tpm.as_ref().is_some_and(|t| t.enabled)),
        ];
        match unsupported.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(format!("tls: {name} is not supported by ferroalloy")),
            None => Ok(()),
        }
    }
}

/// The `cors` block.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Cors {
    #[alloy(attr, optional)]
    pub allowed_origins: Vec<String>,
    #[alloy(attr, optional)]
    pub allowed_headers: Vec<String>,
    #[alloy(attr, optional)]
    pub exposed_headers: Vec<String>,
    #[alloy(attr, optional)]
    pub max_age: i64,
}

/// Headers every CORS request may carry.
const ALWAYS_ALLOWED_HEADERS: [&str; 5] = [
    "accept",
    "accept-language",
    "content-type",
    "content-language",
    "x-requested-with",
];

impl Cors {
    /// The layer answering preflights and adding CORS headers; `None` when no
    /// origin is allowed (the Collector then leaves CORS off).
    pub fn layer(&self) -> Result<Option<CorsLayer>, String> {
        if self.allowed_origins.is_empty() {
            return Ok(None);
        }
        let origins = self.allowed_origins.clone();
        let mut layer = CorsLayer::new()
            .allow_methods([Method::POST, Method::OPTIONS])
            .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                origin
                    .to_str()
                    .is_ok_and(|origin| origins.iter().any(|p| origin_matches(p, origin)))
            }));
        layer = if self.allowed_headers.iter().any(|h| h == "*") {
            layer.allow_headers(AllowHeaders::mirror_request())
        } else {
            let headers = ALWAYS_ALLOWED_HEADERS
                .iter()
                .map(|h| h.to_string())
                .chain(self.allowed_headers.iter().cloned())
                .map(|h| header_name(&h))
                .collect::<Result<Vec<_>, _>>()?;
            layer.allow_headers(headers)
        };
        if !self.exposed_headers.is_empty() {
            let headers = self
                .exposed_headers
                .iter()
                .map(|h| header_name(h))
                .collect::<Result<Vec<_>, _>>()?;
            layer = layer.expose_headers(ExposeHeaders::list(headers));
        }
        if self.max_age > 0 {
            layer = layer.max_age(Duration::from_secs(self.max_age as u64));
        }
        Ok(Some(layer))
    }
}

fn header_name(name: &str) -> Result<HeaderName, String> {
    HeaderName::try_from(name).map_err(|e| format!("cors: invalid header name {name:?}: {e}"))
}

/// `*` allows every origin; one `*` inside a pattern matches any text
/// (`https://*.example.com`), as the Collector's CORS handler does.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern.eq_ignore_ascii_case(origin),
        Some((prefix, suffix)) => {
            origin.len() >= prefix.len() + suffix.len()
                && origin[..prefix.len()].eq_ignore_ascii_case(prefix)
                && origin[origin.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_or_by_wildcard() {
        assert!(origin_matches("*", "https://anything"));
        assert!(origin_matches(
            "https://a.example.com",
            "https://A.example.com"
        ));
        assert!(origin_matches(
            "https://*.example.com",
            "https://x.example.com"
        ));
        assert!(!origin_matches(
            "https://*.example.com",
            "https://example.org"
        ));
        assert!(!origin_matches(
            "https://a.example.com",
            "https://b.example.com"
        ));
    }

    #[test]
    fn unsupported_tls_settings_are_refused() {
        let tls = ServerTls {
            cipher_suites: vec!["TLS_AES_128_GCM_SHA256".into()],
            ..ServerTls::default()
        };
        assert_eq!(
            tls.server_config(&[]).unwrap_err(),
            "tls: cipher_suites is not supported by ferroalloy"
        );
    }

    #[test]
    fn defaults_are_alloys() {
        let grpc = GrpcServer::default();
        assert_eq!(grpc.endpoint, "0.0.0.0:4317");
        assert_eq!(grpc.max_message_size(), 4 << 20);
        let http = HttpServer::default();
        assert_eq!(http.endpoint, "0.0.0.0:4318");
        assert_eq!(http.max_body_size(), 20 << 20);
        assert!(http.accepts_encoding("") && http.accepts_encoding("GZIP"));
        assert!(
            HttpServer {
                compression_algorithms: vec!["brotli".into()],
                ..HttpServer::default()
            }
            .validate()
            .is_err()
        );
    }
}
