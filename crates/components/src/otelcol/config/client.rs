//! Client blocks of otelcol exporters: the gRPC and HTTP `client` blocks, the
//! client `tls` block, `retry_on_failure` and `sending_queue` (SPEC §2.0.3,
//! §2.7, §2.8), with Alloy's defaults and validation messages.

use crate::otelcol::auth::Handler;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::{Block, ByteSize, GoDuration, Validate};
use syntax::value::Secret;

/// The `client` block of `otelcol.exporter.otlp`.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct GrpcClient {
    #[alloy(attr)]
    pub endpoint: String,
    #[alloy(attr, optional)]
    pub auth: Option<Handler>,
    #[alloy(attr, optional)]
    pub authority: String,
    #[alloy(attr, optional)]
    pub balancer_name: String,
    #[alloy(attr, optional)]
    pub compression: String,
    #[alloy(attr, optional)]
    pub headers: BTreeMap<String, String>,
    #[alloy(attr, optional)]
    pub read_buffer_size: ByteSize,
    #[alloy(attr, optional)]
    pub write_buffer_size: ByteSize,
    #[alloy(attr, optional)]
    pub wait_for_ready: bool,
    #[alloy(block, optional)]
    pub tls: ClientTls,
    #[alloy(block, optional)]
    pub keepalive: Option<Keepalive>,
}

impl Default for GrpcClient {
    fn default() -> GrpcClient {
        GrpcClient {
            endpoint: String::new(),
            auth: None,
            authority: String::new(),
            balancer_name: "round_robin".into(),
            compression: "gzip".into(),
            headers: BTreeMap::new(),
            read_buffer_size: ByteSize(0),
            write_buffer_size: ByteSize(512 * 1024),
            wait_for_ready: false,
            tls: ClientTls::default(),
            keepalive: None,
        }
    }
}

impl Validate for GrpcClient {
    fn validate(&self) -> Result<(), String> {
        if !matches!(self.balancer_name.as_str(), "round_robin" | "pick_first") {
            return Err(format!(
                "invalid balancer_name {:?}: must be round_robin or pick_first",
                self.balancer_name
            ));
        }
        Compression::parse(&self.compression)?;
        Ok(())
    }
}

/// The gRPC `keepalive` block: pings keep idle connections open.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Keepalive {
    #[alloy(attr, optional)]
    pub ping_wait: GoDuration,
    #[alloy(attr, optional)]
    pub ping_response_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub ping_without_stream: bool,
}

/// The `client` block of `otelcol.exporter.otlphttp`.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct HttpClient {
    #[alloy(attr)]
    pub endpoint: String,
    #[alloy(attr, optional)]
    pub auth: Option<Handler>,
    #[alloy(attr, optional)]
    pub compression: String,
    #[alloy(attr, optional)]
    pub headers: BTreeMap<String, String>,
    #[alloy(attr, optional)]
    pub timeout: GoDuration,
    #[alloy(attr, optional)]
    pub proxy_url: String,
    #[alloy(attr, optional)]
    pub read_buffer_size: ByteSize,
    #[alloy(attr, optional)]
    pub write_buffer_size: ByteSize,
    #[alloy(attr, optional)]
    pub max_idle_conns: i64,
    #[alloy(attr, optional)]
    pub max_idle_conns_per_host: i64,
    #[alloy(attr, optional)]
    pub max_conns_per_host: i64,
    #[alloy(attr, optional)]
    pub idle_conn_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub disable_keep_alives: bool,
    #[alloy(attr, optional)]
    pub force_attempt_http2: bool,
    #[alloy(attr, optional)]
    pub http2_read_idle_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub http2_ping_timeout: GoDuration,
    #[alloy(block, optional)]
    pub tls: ClientTls,
    #[alloy(block, optional)]
    pub compression_params: Option<CompressionParams>,
    #[alloy(block, optional)]
    pub cookies: Option<Cookies>,
}

/// The `compression_params` block.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct CompressionParams {
    #[alloy(attr)]
    pub level: i64,
}

/// The `cookies` block.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Cookies {
    #[alloy(attr, optional)]
    pub enabled: bool,
}

impl Default for HttpClient {
    fn default() -> HttpClient {
        HttpClient {
            endpoint: String::new(),
            auth: None,
            compression: "gzip".into(),
            headers: BTreeMap::new(),
            timeout: GoDuration::from_std(Duration::from_secs(30)),
            proxy_url: String::new(),
            read_buffer_size: ByteSize(0),
            write_buffer_size: ByteSize(512 * 1024),
            max_idle_conns: 100,
            max_idle_conns_per_host: 0,
            max_conns_per_host: 0,
            idle_conn_timeout: GoDuration::from_std(Duration::from_secs(90)),
            disable_keep_alives: false,
            force_attempt_http2: true,
            http2_read_idle_timeout: GoDuration(0),
            http2_ping_timeout: GoDuration::from_std(Duration::from_secs(15)),
            tls: ClientTls::default(),
            compression_params: None,
            cookies: None,
        }
    }
}

impl Validate for HttpClient {
    fn validate(&self) -> Result<(), String> {
        let compression = Compression::parse(&self.compression)?;
        if let Some(params) = &self.compression_params {
            compression.check_level(params.level)?;
        }
        if self.cookies.as_ref().is_some_and(|c| c.enabled) {
            return Err("cookies are not supported yet".into());
        }
        if self.max_idle_conns < 0 || self.max_idle_conns_per_host < 0 {
            return Err("max_idle_conns and max_idle_conns_per_host must not be negative".into());
        }
        Ok(())
    }
}

/// A request body compression an exporter may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Zlib,
    Deflate,
    Snappy,
}

impl Compression {
    /// The `compression` attribute; `""` and `none` mean none.
    pub fn parse(name: &str) -> Result<Compression, String> {
        Ok(match name {
            "" | "none" => Compression::None,
            "gzip" => Compression::Gzip,
            "zstd" => Compression::Zstd,
            "zlib" => Compression::Zlib,
            "deflate" => Compression::Deflate,
            "snappy" => Compression::Snappy,
            other => return Err(format!("unsupported compression type {other:?}")),
        })
    }

    /// Whether `level` is a level of this compression (gzip, zlib and deflate
    /// 0–9 or -1 for the default; zstd 1–22).
    pub fn check_level(self, level: i64) -> Result<(), String> {
        let valid = match self {
            Compression::Gzip | Compression::Zlib | Compression::Deflate => {
                (-1..=9).contains(&level)
            }
            Compression::Zstd => (1..=22).contains(&level),
            Compression::None | Compression::Snappy => true,
        };
        if valid {
            Ok(())
        } else {
            Err(format!(
                "unsupported compression level {level} for {self:?}"
            ))
        }
    }
}

/// The client `tls` block. TLS is on unless `insecure` is set.
#[derive(Clone, Debug, PartialEq, Block)]
pub struct ClientTls {
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
    pub min_version: String,
    #[alloy(attr, optional)]
    pub max_version: String,
    #[alloy(attr, optional)]
    pub cipher_suites: Vec<String>,
    #[alloy(attr, optional)]
    pub curve_preferences: Vec<String>,
    #[alloy(attr, optional)]
    pub include_system_ca_certs_pool: bool,
    #[alloy(attr, optional)]
    pub reload_interval: GoDuration,
    #[alloy(attr, optional)]
    pub insecure: bool,
    #[alloy(attr, optional)]
    pub insecure_skip_verify: bool,
    #[alloy(attr, optional)]
    pub server_name: String,
}

impl Default for ClientTls {
    fn default() -> ClientTls {
        ClientTls {
            ca_file: String::new(),
            ca_pem: String::new(),
            cert_file: String::new(),
            cert_pem: String::new(),
            key_file: String::new(),
            key_pem: Secret::default(),
            min_version: "TLS 1.2".into(),
            max_version: String::new(),
            cipher_suites: Vec::new(),
            curve_preferences: Vec::new(),
            include_system_ca_certs_pool: false,
            reload_interval: GoDuration(0),
            insecure: false,
            insecure_skip_verify: false,
            server_name: String::new(),
        }
    }
}

impl ClientTls {
    /// The rustls configuration, or `None` for a plaintext connection.
    pub fn rustls_config(
        &self,
        alpn: &[&[u8]],
    ) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
        if self.insecure {
            return Ok(None);
        }
        let roots = if self.ca_pem.is_empty() && self.ca_file.is_empty() {
            None
        } else {
            let pem = tls::pem_or_file(&self.ca_pem, &self.ca_file, "ca")?;
            let mut roots = tls::root_store(&pem, "CA")?;
            if self.include_system_ca_certs_pool {
                roots.extend(tls::system_roots()?.roots);
            }
            Some(roots)
        };
        let has_cert = !self.cert_pem.is_empty() || !self.cert_file.is_empty();
        let has_key = !self.key_pem.expose().is_empty() || !self.key_file.is_empty();
        let identity = match (has_cert, has_key) {
            (false, false) => None,
            (true, true) => {
                let cert = tls::pem_or_file(&self.cert_pem, &self.cert_file, "cert")?;
                let key = tls::pem_or_file(self.key_pem.expose(), &self.key_file, "key")?;
                Some((tls::certificates(&cert, "cert")?, tls::private_key(&key)?))
            }
            _ => {
                return Err(
                    "failed to load TLS config: for auth via TLS, provide both certificate and key, or neither"
                        .into(),
                );
            }
        };
        let version = |text: &str| {
            (!text.is_empty())
                .then(|| text.parse::<tls::TlsVersion>())
                .transpose()
        };
        let config = tls::client_config(tls::ClientSettings {
            roots,
            identity,
            skip_verify: self.insecure_skip_verify,
            min_version: version(&self.min_version)?,
            max_version: version(&self.max_version)?,
            alpn: alpn.iter().map(|p| p.to_vec()).collect(),
            server_name: (!self.server_name.is_empty()).then(|| self.server_name.clone()),
        })?;
        Ok(Some(config))
    }
}

/// The `retry_on_failure` block: exponential backoff with jitter.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct RetryOnFailure {
    #[alloy(attr, optional)]
    pub enabled: bool,
    #[alloy(attr, optional)]
    pub initial_interval: GoDuration,
    #[alloy(attr, optional)]
    pub randomization_factor: f64,
    #[alloy(attr, optional)]
    pub multiplier: f64,
    #[alloy(attr, optional)]
    pub max_interval: GoDuration,
    /// `0s` retries forever.
    #[alloy(attr, optional)]
    pub max_elapsed_time: GoDuration,
}

impl Default for RetryOnFailure {
    fn default() -> RetryOnFailure {
        RetryOnFailure {
            enabled: true,
            initial_interval: GoDuration::from_std(Duration::from_secs(5)),
            randomization_factor: 0.5,
            multiplier: 1.5,
            max_interval: GoDuration::from_std(Duration::from_secs(30)),
            max_elapsed_time: GoDuration::from_std(Duration::from_secs(300)),
        }
    }
}

impl Validate for RetryOnFailure {
    fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if self.initial_interval.0 < 0 {
            return Err("'initial_interval' must be non-negative".into());
        }
        if !(0.0..=1.0).contains(&self.randomization_factor) {
            return Err("'randomization_factor' must be within [0, 1]".into());
        }
        if self.multiplier <= 1.0 {
            return Err("multiplier must be greater than 1.0".into());
        }
        if self.max_interval.0 < 0 {
            return Err("'max_interval' must be non-negative".into());
        }
        if self.max_elapsed_time.0 < 0 {
            return Err("'max_elapsed_time' must be non-negative".into());
        }
        Ok(())
    }
}

/// How a `sending_queue` measures its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizer {
    Requests,
    Items,
    Bytes,
}

/// The `sending_queue` block.
#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct SendingQueue {
    #[alloy(attr, optional)]
    pub enabled: bool,
    #[alloy(attr, optional)]
    pub num_consumers: i64,
    #[alloy(attr, optional)]
    pub queue_size: i64,
    #[alloy(attr, optional)]
    pub block_on_overflow: bool,
    #[alloy(attr, optional)]
    pub sizer: String,
    #[alloy(attr, optional)]
    pub wait_for_result: bool,
    #[alloy(attr, optional)]
    pub storage: Option<Handler>,
    #[alloy(block, optional)]
    pub batch: Option<QueueBatch>,
}

impl Default for SendingQueue {
    fn default() -> SendingQueue {
        SendingQueue {
            enabled: true,
            num_consumers: 10,
            queue_size: 1000,
            block_on_overflow: false,
            sizer: "requests".into(),
            wait_for_result: false,
            storage: None,
            batch: None,
        }
    }
}

impl SendingQueue {
    pub fn sizer(&self) -> Sizer {
        match self.sizer.as_str() {
            "items" => Sizer::Items,
            "bytes" => Sizer::Bytes,
            _ => Sizer::Requests,
        }
    }
}

impl Validate for SendingQueue {
    fn validate(&self) -> Result<(), String> {
        if !matches!(self.sizer.as_str(), "requests" | "items" | "bytes") {
            return Err(format!(
                "invalid sizer {:?}: must be one of requests, items, bytes",
                self.sizer
            ));
        }
        if !self.enabled {
            return Ok(());
        }
        if self.num_consumers <= 0 {
            return Err("`num_consumers` must be positive".into());
        }
        if self.queue_size <= 0 {
            return Err("`queue_size` must be positive".into());
        }
        if self.storage.is_some() {
            return Err("sending_queue: persistent storage is not supported yet".into());
        }
        if self.batch.is_some() {
            return Err("sending_queue: the batch block is not supported yet".into());
        }
        Ok(())
    }
}

/// The `sending_queue` > `batch` block (accepted by the schema so the error
/// can say it is not supported yet, rather than that it is unknown).
#[derive(Clone, Debug, PartialEq, Block)]
pub struct QueueBatch {
    #[alloy(attr, optional)]
    pub flush_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub min_size: i64,
    #[alloy(attr, optional)]
    pub max_size: i64,
    #[alloy(attr, optional)]
    pub sizer: String,
}

impl Default for QueueBatch {
    fn default() -> QueueBatch {
        QueueBatch {
            flush_timeout: GoDuration::from_std(Duration::from_millis(200)),
            min_size: 2000,
            max_size: 3000,
            sizer: "items".into(),
        }
    }
}
