//! `otelcol.processor.*`: components that take OTLP data on their exported
//! `input`, work on it and pass it to the consumers of their `output` block.
//!
//! Processors that change or refuse each request as it passes (attributes,
//! sampling, memory limiting) share [`Stage`]: the request is worked on in the
//! caller's `consume` and forwarded at once. `batch` holds data back and has its
//! own machinery.

pub mod attributes;
pub mod batch;
pub mod memory_limiter;
pub mod probabilistic_sampler;
mod sampling;
mod split;

use crate::otelcol::Output;
use model::otlp::{ClientInfo, Consume, ConsumeError, ConsumeFuture, Consumer, Context, Telemetry};
use parking_lot::RwLock;
use runtime::component::Options;
use std::sync::Arc;
use syntax::decode::Codec;

/// Publishes what every processor exports: `input`, where to send it data.
fn export_input(opts: &Options, input: Consumer) {
    let mut exports = syntax::value::Object::new();
    exports.insert("input".into(), input.encode());
    opts.export_value(syntax::value::Value::Object(exports));
}

/// How a [`Stage`] processor works on one request.
pub trait Process: Send + Sync + 'static {
    /// Changes `data` in place (removing items drops them) or refuses it.
    fn process(&self, data: &mut Telemetry, client: &ClientInfo) -> Result<(), ConsumeError>;
}

/// A processor's input: each request is processed in `consume` and what is left
/// of it goes to the output. `update` swaps the processing and the output
/// together; requests already past `consume` finish with the old ones.
pub struct Stage<P> {
    current: RwLock<(Arc<P>, Output)>,
}

impl<P: Process> Stage<P> {
    pub fn new(process: P, output: Output) -> Arc<Stage<P>> {
        Arc::new(Stage {
            current: RwLock::new((Arc::new(process), output)),
        })
    }

    pub fn set(&self, process: P, output: Output) {
        *self.current.write() = (Arc::new(process), output);
    }
}

impl<P: Process> Consume for Stage<P> {
    fn consume(&self, mut data: Telemetry, context: Context) -> ConsumeFuture {
        let (process, consumers) = {
            let current = self.current.read();
            let consumers = current.1.consumers(data.signal()).to_vec();
            (current.0.clone(), consumers)
        };
        let arrived = data.items();
        if let Err(e) = process.process(&mut data, &context) {
            return Box::pin(async move { Err(e) });
        }
        // The Collector does not pass on a request that processing emptied.
        let emptied = arrived > 0 && data.items() == 0;
        Box::pin(async move {
            if emptied {
                return Ok(());
            }
            model::otlp::fan_out(&consumers, data, context).await
        })
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A recording consumer and payload helpers for the processors' tests.

    use model::otlp::{
        Consume, ConsumeFuture, Consumer, Context, ExportLogsServiceRequest,
        ExportMetricsServiceRequest, ExportTraceServiceRequest, Payload, Telemetry,
    };
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
    use parking_lot::Mutex;
    use std::sync::Arc;

    /// An attribute.
    pub fn kv(key: &str, value: Any) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }
    }

    /// A string attribute.
    pub fn str_kv(key: &str, value: &str) -> KeyValue {
        kv(key, Any::StringValue(value.into()))
    }

    /// Keeps everything it is given, with its context.
    #[derive(Default)]
    pub struct Recorder(pub Mutex<Vec<(Telemetry, Context)>>);

    impl Consume for Recorder {
        fn consume(&self, data: Telemetry, context: Context) -> ConsumeFuture {
            self.0.lock().push((data, context));
            Box::pin(async { Ok(()) })
        }
    }

    impl Recorder {
        pub fn new() -> (Arc<Recorder>, Consumer) {
            let recorder = Arc::new(Recorder::default());
            (recorder.clone(), Consumer(recorder))
        }

        /// Items per request received, in order.
        pub fn sizes(&self) -> Vec<usize> {
            self.0.lock().iter().map(|(t, _)| t.items()).collect()
        }

        pub fn traces(&self) -> Vec<ExportTraceServiceRequest> {
            self.take(|t| match t {
                Telemetry::Traces(p) => Some(p.into_message()),
                _ => None,
            })
        }

        pub fn logs(&self) -> Vec<ExportLogsServiceRequest> {
            self.take(|t| match t {
                Telemetry::Logs(p) => Some(p.into_message()),
                _ => None,
            })
        }

        pub fn metrics(&self) -> Vec<ExportMetricsServiceRequest> {
            self.take(|t| match t {
                Telemetry::Metrics(p) => Some(p.into_message()),
                _ => None,
            })
        }

        fn take<M>(&self, pick: impl Fn(Telemetry) -> Option<M>) -> Vec<M> {
            self.0
                .lock()
                .iter()
                .filter_map(|(t, _)| pick(t.clone()))
                .collect()
        }
    }

    /// The `input` a processor exported.
    pub fn input_of(exports: &crate::testing::Exports) -> Consumer {
        use syntax::decode::Codec;
        let exports = exports.last().expect("exports published");
        Consumer::decode(crate::testing::field(&exports, "input")).expect("an otelcol.Consumer")
    }

    /// A captured request from the shared test data.
    pub fn captured(name: &str) -> bytes::Bytes {
        let path = testutil::shared(&format!("testdata/payloads/otlp/captured/{name}"));
        bytes::Bytes::from(std::fs::read(&path).expect("captured payload"))
    }

    pub fn traces(message: ExportTraceServiceRequest) -> Telemetry {
        Telemetry::Traces(Payload::from_message(message))
    }

    pub fn logs(message: ExportLogsServiceRequest) -> Telemetry {
        Telemetry::Logs(Payload::from_message(message))
    }

    pub fn metrics(message: ExportMetricsServiceRequest) -> Telemetry {
        Telemetry::Metrics(Payload::from_message(message))
    }
}
