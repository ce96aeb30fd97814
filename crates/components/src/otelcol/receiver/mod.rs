//! `otelcol.receiver.*`: components that take OTLP data from the network and
//! hand it to the consumers of their `output` block.

pub mod otlp;
