//! The arguments of `prometheus.remote_write` with Alloy's defaults and
//! validation messages.

use crate::prometheus::http_client::HttpClientConfig;
use model::relabel::Rule;
use std::collections::BTreeMap;
use syntax::decode::{Block, GoDuration, Validate};

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub external_labels: BTreeMap<String, String>,
    #[alloy(block, optional, name = "endpoint")]
    pub endpoints: Vec<Endpoint>,
    #[alloy(block, optional)]
    pub wal: WalOptions,
}

/// The only message this implementation sends.
pub const PROTOBUF_V1: &str = "prometheus.WriteRequest";
const PROTOBUF_V2: &str = "io.prometheus.write.v2.Request";

#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct Endpoint {
    #[alloy(attr, optional)]
    pub name: String,
    #[alloy(attr)]
    pub url: String,
    #[alloy(attr, optional)]
    pub remote_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub headers: BTreeMap<String, String>,
    #[alloy(attr, optional)]
    pub send_exemplars: bool,
    #[alloy(attr, optional)]
    pub send_native_histograms: bool,
    #[alloy(attr, optional)]
    pub protobuf_message: String,
    #[alloy(squash)]
    pub http_client: HttpClientConfig,
    #[alloy(block, optional)]
    pub queue_config: QueueOptions,
    #[alloy(block, optional)]
    pub metadata_config: MetadataOptions,
    #[alloy(block, optional, name = "write_relabel_config")]
    pub write_relabel_configs: Vec<Rule>,
}

impl Default for Endpoint {
    fn default() -> Endpoint {
        Endpoint {
            name: String::new(),
            url: String::new(),
            remote_timeout: GoDuration::from_std(std::time::Duration::from_secs(30)),
            headers: BTreeMap::new(),
            send_exemplars: true,
            send_native_histograms: false,
            protobuf_message: PROTOBUF_V1.into(),
            http_client: HttpClientConfig::default(),
            queue_config: QueueOptions::default(),
            metadata_config: MetadataOptions::default(),
            write_relabel_configs: Vec::new(),
        }
    }
}

impl Validate for Endpoint {
    fn validate(&self) -> Result<(), String> {
        // The client block is squashed, so its own check does not run by itself.
        self.http_client.validate()?;
        reqwest::Url::parse(&self.url)
            .map_err(|e| format!("cannot parse remote_write url {:?}: {e}", self.url))?;
        match self.protobuf_message.as_str() {
            PROTOBUF_V1 => Ok(()),
            PROTOBUF_V2 => Err(format!(
                "invalid protobuf_message {PROTOBUF_V2:?} for endpoint {:?}: remote-write 2.0 is not supported by this build",
                self.name
            )),
            other => Err(format!(
                "invalid protobuf_message {other:?} for endpoint {:?}: must be {PROTOBUF_V1:?} or {PROTOBUF_V2:?}",
                self.name
            )),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct QueueOptions {
    #[alloy(attr, optional)]
    pub capacity: u64,
    #[alloy(attr, optional)]
    pub max_shards: u64,
    #[alloy(attr, optional)]
    pub min_shards: u64,
    #[alloy(attr, optional)]
    pub max_samples_per_send: u64,
    #[alloy(attr, optional)]
    pub batch_send_deadline: GoDuration,
    #[alloy(attr, optional)]
    pub min_backoff: GoDuration,
    #[alloy(attr, optional)]
    pub max_backoff: GoDuration,
    #[alloy(attr, optional)]
    pub retry_on_http_429: bool,
    #[alloy(attr, optional)]
    pub sample_age_limit: GoDuration,
}

fn millis(ms: u64) -> GoDuration {
    GoDuration::from_std(std::time::Duration::from_millis(ms))
}

impl Default for QueueOptions {
    fn default() -> QueueOptions {
        QueueOptions {
            capacity: 10_000,
            max_shards: 50,
            min_shards: 1,
            max_samples_per_send: 2000,
            batch_send_deadline: millis(5000),
            min_backoff: millis(30),
            max_backoff: millis(5000),
            retry_on_http_429: true,
            sample_age_limit: GoDuration(0),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct MetadataOptions {
    #[alloy(attr, optional)]
    pub send: bool,
    #[alloy(attr, optional)]
    pub send_interval: GoDuration,
    #[alloy(attr, optional)]
    pub max_samples_per_send: u64,
}

impl Default for MetadataOptions {
    fn default() -> MetadataOptions {
        MetadataOptions {
            send: true,
            send_interval: millis(60_000),
            max_samples_per_send: 2000,
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct WalOptions {
    #[alloy(attr, optional)]
    pub truncate_frequency: GoDuration,
    #[alloy(attr, optional)]
    pub min_keepalive_time: GoDuration,
    #[alloy(attr, optional)]
    pub max_keepalive_time: GoDuration,
    /// Not an Alloy attribute: a product guide names `max_keepalive_time` so.
    /// Accepted as its alias (issue 5); the component warns about it.
    #[alloy(attr, optional)]
    pub max_age: Option<GoDuration>,
}

impl Default for WalOptions {
    fn default() -> WalOptions {
        WalOptions {
            truncate_frequency: millis(2 * 3600 * 1000),
            min_keepalive_time: millis(5 * 60 * 1000),
            max_keepalive_time: millis(8 * 3600 * 1000),
            max_age: None,
        }
    }
}

impl WalOptions {
    /// `max_keepalive_time`, or its alias `max_age` when given.
    pub fn max_keepalive(&self) -> GoDuration {
        self.max_age.unwrap_or(self.max_keepalive_time)
    }
}

impl Validate for WalOptions {
    fn validate(&self) -> Result<(), String> {
        if self.max_age.is_some()
            && self.max_keepalive_time != WalOptions::default().max_keepalive_time
        {
            return Err("max_age is an alias of max_keepalive_time: set only one of them".into());
        }
        if self.truncate_frequency.0 == 0 {
            return Err("truncate_frequency must not be 0".into());
        }
        if self.max_keepalive().0 <= self.min_keepalive_time.0 {
            return Err("min_keepalive_time must be smaller than max_keepalive_time".into());
        }
        Ok(())
    }
}
