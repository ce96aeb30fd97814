//! `otelcol.*`: the OpenTelemetry pipeline (SPEC §2.0.3–§2.13). The pieces
//! every otelcol component shares live here: the `output` block that names the
//! next consumers per signal, and the `debug_metrics` block.

pub mod auth;
pub mod config;
pub mod exporter;
pub mod processor;
pub mod receiver;

use model::otlp::{Consumer, Signal};
use syntax::decode::Block;

/// The `output` block: where each signal goes next. A signal without
/// consumers is dropped.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Output {
    #[alloy(attr, optional)]
    pub metrics: Vec<Consumer>,
    #[alloy(attr, optional)]
    pub logs: Vec<Consumer>,
    #[alloy(attr, optional)]
    pub traces: Vec<Consumer>,
}

impl Output {
    /// The consumers of `signal`.
    pub fn consumers(&self, signal: Signal) -> &[Consumer] {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }
}

/// The `debug_metrics` block.
#[derive(Clone, Debug, PartialEq, Block)]
pub struct DebugMetrics {
    #[alloy(attr, optional)]
    pub disable_high_cardinality_metrics: bool,
}

impl Default for DebugMetrics {
    fn default() -> DebugMetrics {
        DebugMetrics {
            disable_high_cardinality_metrics: true,
        }
    }
}
