//! The component types ferroalloy knows, one module per Alloy namespace and one
//! file per component; [`registry`] lists them for the runtime and `validate`.

pub mod discovery;
pub mod local;
pub mod otelcol;
pub mod prometheus;
pub mod storage;

#[cfg(test)]
mod testing;

use runtime::component::Registration;
use runtime::registry::Registry;
use syntax::stability::Stability;

/// Every component type, with its stability, one line each.
#[rustfmt::skip]
pub fn registry() -> Registry {
    use Stability::{Experimental, GenerallyAvailable as Ga};
    let mut registry = Registry::new();
    registry.register(Registration::of::<discovery::relabel::DiscoveryRelabel>("discovery.relabel", Ga));
    registry.register(Registration::of::<local::file::LocalFile>("local.file", Ga));
    registry.register(Registration::of::<local::file_match::LocalFileMatch>("local.file_match", Ga));
    registry.register(Registration::of::<otelcol::auth::basic::AuthBasic>("otelcol.auth.basic", Ga));
    registry.register(Registration::of::<otelcol::auth::bearer::AuthBearer>("otelcol.auth.bearer", Ga));
    registry.register(Registration::of::<otelcol::exporter::debug::DebugExporter>("otelcol.exporter.debug", Experimental));
    registry.register(Registration::of::<otelcol::exporter::otlp::OtlpExporter>("otelcol.exporter.otlp", Ga));
    registry.register(Registration::of::<otelcol::exporter::otlphttp::OtlpHttpExporter>("otelcol.exporter.otlphttp", Ga));
    registry.register(Registration::of::<otelcol::processor::attributes::AttributesProcessor>("otelcol.processor.attributes", Ga));
    registry.register(Registration::of::<otelcol::processor::batch::Batch>("otelcol.processor.batch", Ga));
    registry.register(Registration::of::<otelcol::processor::memory_limiter::MemoryLimiter>("otelcol.processor.memory_limiter", Ga));
    registry.register(Registration::of::<otelcol::processor::probabilistic_sampler::ProbabilisticSampler>("otelcol.processor.probabilistic_sampler", Ga));
    registry.register(Registration::of::<otelcol::receiver::otlp::OtlpReceiver>("otelcol.receiver.otlp", Ga));
    registry.register(Registration::of::<prometheus::exporter::self_::SelfExporter>("prometheus.exporter.self", Ga));
    registry.register(Registration::of::<prometheus::exporter::unix::UnixExporter>("prometheus.exporter.unix", Ga));
    registry.register(Registration::of::<prometheus::receive_http::ReceiveHttp>("prometheus.receive_http", Ga));
    registry.register(Registration::of::<prometheus::relabel::PrometheusRelabel>("prometheus.relabel", Ga));
    registry.register(Registration::of::<prometheus::remote_write::RemoteWrite>("prometheus.remote_write", Ga));
    registry.register(Registration::of::<prometheus::scrape::PrometheusScrape>("prometheus.scrape", Ga));
    registry.register(Registration::of::<storage::metrics::StorageMetrics>("storage.metrics", Ga));
    registry
}
