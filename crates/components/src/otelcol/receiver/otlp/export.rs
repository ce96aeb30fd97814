//! One export request, whatever the transport: decode (or only check) the
//! body, remove invalid items, hand the rest to the `output` consumers, count,
//! and encode the response in the request's format.

use super::validate::{self, Filter};
use crate::otelcol::Output;
use bytes::Bytes;
use model::otlp::{
    ConsumeError, Context, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, Payload, Request, Signal, Telemetry, fan_out,
};
use model::otlp_json::OtlpJson;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use prost::Message;

/// How the request body is encoded; the response uses the same.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Protobuf,
    Json,
}

/// The transport, as the `transport` label of the self-metrics says it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Transport {
    Grpc,
    Http,
}

impl Transport {
    fn label(self) -> &'static str {
        match self {
            Transport::Grpc => "grpc",
            Transport::Http => "http",
        }
    }
}

/// Why a request failed as a whole.
#[derive(Debug, PartialEq)]
pub enum ExportError {
    /// Undecodable: HTTP 400, gRPC `INVALID_ARGUMENT`.
    Malformed(String),
    /// A consumer refused the data.
    Refused(ConsumeError),
}

type Labels = Vec<(&'static str, &'static str)>;

/// `otelcol_receiver_accepted_*` and `otelcol_receiver_refused_*`, per signal.
struct Counters {
    accepted: [Family<Labels, Counter>; 3],
    refused: [Family<Labels, Counter>; 3],
}

fn index(signal: Signal) -> usize {
    match signal {
        Signal::Traces => 0,
        Signal::Metrics => 1,
        Signal::Logs => 2,
    }
}

impl Counters {
    fn register(registry: &Mutex<Registry>) -> Counters {
        let counters = Counters {
            accepted: Default::default(),
            refused: Default::default(),
        };
        let mut registry = registry.lock();
        for signal in Signal::ALL {
            let item = signal.item_name();
            registry.register(
                format!("otelcol_receiver_accepted_{item}"),
                format!(
                    "Number of {} successfully pushed into the pipeline.",
                    item.replace('_', " ")
                ),
                counters.accepted[index(signal)].clone(),
            );
            registry.register(
                format!("otelcol_receiver_refused_{item}"),
                format!(
                    "Number of {} that could not be pushed into the pipeline.",
                    item.replace('_', " ")
                ),
                counters.refused[index(signal)].clone(),
            );
        }
        counters
    }

    fn add(&self, signal: Signal, transport: Transport, accepted: usize, refused: usize) {
        let labels = vec![("transport", transport.label())];
        if accepted > 0 {
            self.accepted[index(signal)]
                .get_or_create(&labels)
                .inc_by(accepted as u64);
        }
        if refused > 0 {
            self.refused[index(signal)]
                .get_or_create(&labels)
                .inc_by(refused as u64);
        }
    }
}

/// What both servers share: where data goes and the counters.
pub struct Exporter {
    output: RwLock<Output>,
    counters: Counters,
}

impl Exporter {
    pub fn new(output: Output, registry: &Mutex<Registry>) -> Exporter {
        Exporter {
            output: RwLock::new(output),
            counters: Counters::register(registry),
        }
    }

    pub fn set_output(&self, output: Output) {
        *self.output.write() = output;
    }

    /// Handles one request of `signal`; `Ok` is the encoded response.
    pub async fn export(
        &self,
        signal: Signal,
        format: Format,
        body: Bytes,
        context: Context,
        transport: Transport,
    ) -> Result<Bytes, ExportError> {
        match signal {
            Signal::Traces => {
                self.export_as::<ExportTraceServiceRequest>(format, body, context, transport)
                    .await
            }
            Signal::Metrics => {
                self.export_as::<ExportMetricsServiceRequest>(format, body, context, transport)
                    .await
            }
            Signal::Logs => {
                self.export_as::<ExportLogsServiceRequest>(format, body, context, transport)
                    .await
            }
        }
    }

    async fn export_as<M: Exportable>(
        &self,
        format: Format,
        body: Bytes,
        context: Context,
        transport: Transport,
    ) -> Result<Bytes, ExportError> {
        let (payload, rejected) = match format {
            Format::Protobuf => {
                let invalid = validate::invalid_on_wire(M::SIGNAL, &body);
                let mut payload = Payload::<M>::from_encoded(body)
                    .map_err(|e| ExportError::Malformed(e.to_string()))?;
                let rejected = match invalid {
                    Some(0) => 0,
                    _ => payload.modify(|m| m.remove_invalid()),
                };
                (payload, rejected)
            }
            Format::Json => {
                let mut message =
                    M::from_json(&body).map_err(|e| ExportError::Malformed(e.to_string()))?;
                let rejected = message.remove_invalid();
                (Payload::from_message(message), rejected)
            }
        };
        let items = payload.items();
        let consumers = self.output.read().consumers(M::SIGNAL).to_vec();
        if items > 0
            && let Err(e) = fan_out(&consumers, M::telemetry(payload), context).await
        {
            self.counters.add(M::SIGNAL, transport, 0, items + rejected);
            return Err(ExportError::Refused(e));
        }
        self.counters.add(M::SIGNAL, transport, items, rejected);
        let response = M::response(rejected);
        Ok(Bytes::from(match format {
            Format::Protobuf => response.encode_to_vec(),
            Format::Json => response.to_json(),
        }))
    }
}

/// An export request type with its response.
trait Exportable: Request + OtlpJson + Filter {
    type Response: Message + OtlpJson;
    fn telemetry(payload: Payload<Self>) -> Telemetry;
    /// The response; `partial_success` only when items were rejected.
    fn response(rejected: usize) -> Self::Response;
}

impl Exportable for ExportTraceServiceRequest {
    type Response = ExportTraceServiceResponse;
    fn telemetry(payload: Payload<Self>) -> Telemetry {
        Telemetry::Traces(payload)
    }
    fn response(rejected: usize) -> Self::Response {
        ExportTraceServiceResponse {
            partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
                rejected_spans: rejected as i64,
                error_message: validate::SPAN_REASON.into(),
            }),
        }
    }
}

impl Exportable for ExportMetricsServiceRequest {
    type Response = ExportMetricsServiceResponse;
    fn telemetry(payload: Payload<Self>) -> Telemetry {
        Telemetry::Metrics(payload)
    }
    fn response(rejected: usize) -> Self::Response {
        ExportMetricsServiceResponse {
            partial_success: (rejected > 0).then(|| ExportMetricsPartialSuccess {
                rejected_data_points: rejected as i64,
                error_message: validate::METRIC_REASON.into(),
            }),
        }
    }
}

impl Exportable for ExportLogsServiceRequest {
    type Response = ExportLogsServiceResponse;
    fn telemetry(payload: Payload<Self>) -> Telemetry {
        Telemetry::Logs(payload)
    }
    fn response(rejected: usize) -> Self::Response {
        ExportLogsServiceResponse {
            partial_success: (rejected > 0).then(|| ExportLogsPartialSuccess {
                rejected_log_records: rejected as i64,
                error_message: validate::LOG_REASON.into(),
            }),
        }
    }
}

/// `google.rpc.Status`, the body of an HTTP error response.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

impl RpcStatus {
    pub fn encode_as(&self, format: Format) -> Bytes {
        Bytes::from(match format {
            Format::Protobuf => self.encode_to_vec(),
            Format::Json => serde_json::json!({"code": self.code, "message": self.message})
                .to_string()
                .into_bytes(),
        })
    }
}
