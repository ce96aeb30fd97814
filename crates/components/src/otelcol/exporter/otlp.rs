//! `otelcol.exporter.otlp`: sends OTLP over gRPC (SPEC §2.7). The request's
//! protobuf bytes go out as they arrived: a pass-through codec hands them to
//! tonic, which only frames and compresses them.

use super::{
    Accepted, Encoding, ExporterKind, Outgoing, SendError, Settings, Transport, partial_success,
    rpc,
};
use crate::otelcol::DebugMetrics;
use crate::otelcol::auth::Handler;
use crate::otelcol::config::client::{Compression, GrpcClient, RetryOnFailure, SendingQueue};
use bytes::{Buf, BufMut, Bytes};
use http::Uri;
use hyper_util::rt::TokioIo;
use model::otlp::Signal;
use prost::Message;
use rustls_pki_types::ServerName;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use syntax::decode::{Block, GoDuration};
use tokio::net::TcpStream;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

#[derive(Clone, Debug, PartialEq, Block)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub timeout: GoDuration,
    #[alloy(block)]
    pub client: GrpcClient,
    #[alloy(block, optional)]
    pub sending_queue: SendingQueue,
    #[alloy(block, optional)]
    pub retry_on_failure: RetryOnFailure,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            timeout: GoDuration::from_std(Duration::from_secs(5)),
            client: GrpcClient::default(),
            sending_queue: SendingQueue::default(),
            retry_on_failure: RetryOnFailure::default(),
            debug_metrics: DebugMetrics::default(),
        }
    }
}

/// The `otelcol.exporter.otlp` component.
pub type OtlpExporter = super::Exporter<Grpc>;

pub struct Grpc;

impl ExporterKind for Grpc {
    type Arguments = Arguments;
    type Transport = GrpcTransport;

    fn settings(args: &Arguments) -> Settings<'_> {
        Settings {
            queue: &args.sending_queue,
            retry: &args.retry_on_failure,
            timeout: args.timeout.to_std().unwrap_or_default(),
        }
    }

    fn transport(args: &Arguments) -> Result<GrpcTransport, String> {
        GrpcTransport::new(&args.client)
    }
}

pub struct GrpcTransport {
    channel: Channel,
    compression: Option<CompressionEncoding>,
    headers: MetadataMap,
    auth: Option<Handler>,
}

impl GrpcTransport {
    fn new(client: &GrpcClient) -> Result<GrpcTransport, String> {
        let compression = match Compression::parse(&client.compression)? {
            Compression::None => None,
            Compression::Gzip => Some(CompressionEncoding::Gzip),
            Compression::Zstd => Some(CompressionEncoding::Zstd),
            other => {
                return Err(format!(
                    "compression {other:?} is not supported by otelcol.exporter.otlp yet: use gzip, zstd or none"
                ));
            }
        };
        let tls = client.tls.rustls_config(&[b"h2"])?;
        if tls.is_none() && client.auth.is_some() {
            return Err("grpc: the credentials require transport level security (use grpc.WithTransportCredentials() to set)".into());
        }
        let mut endpoint = Endpoint::from_shared(format!("http://{}", client.endpoint))
            .map_err(|e| format!("invalid endpoint {:?}: {e}", client.endpoint))?;
        let authority = if client.authority.is_empty() {
            &client.endpoint
        } else {
            &client.authority
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let origin: Uri = format!("{scheme}://{authority}")
            .parse()
            .map_err(|e| format!("invalid authority {authority:?}: {e}"))?;
        endpoint = endpoint.origin(origin);
        if let Some(keepalive) = &client.keepalive {
            if let Some(wait) = keepalive.ping_wait.to_std().filter(|d| !d.is_zero()) {
                endpoint = endpoint.http2_keep_alive_interval(wait);
            }
            if let Some(timeout) = keepalive
                .ping_response_timeout
                .to_std()
                .filter(|d| !d.is_zero())
            {
                endpoint = endpoint.keep_alive_timeout(timeout);
            }
            endpoint = endpoint.keep_alive_while_idle(keepalive.ping_without_stream);
        }
        let channel = match tls {
            None => endpoint.connect_lazy(),
            Some(config) => endpoint.connect_with_connector_lazy(TlsConnector {
                config: tokio_rustls::TlsConnector::from(config),
                server_name: Some(client.tls.server_name.clone()).filter(|n| !n.is_empty()),
            }),
        };
        let mut headers = MetadataMap::new();
        insert_headers(
            &mut headers,
            client.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        Ok(GrpcTransport {
            channel,
            compression,
            headers,
            auth: client.auth.clone(),
        })
    }
}

fn insert_headers<'a>(
    map: &mut MetadataMap,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), String> {
    for (name, value) in headers {
        let key = MetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        let value = MetadataValue::try_from(value)
            .map_err(|_| format!("invalid value for header {name:?}"))?;
        map.insert(key, value);
    }
    Ok(())
}

fn method(signal: Signal) -> http::uri::PathAndQuery {
    http::uri::PathAndQuery::from_static(match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    })
}

impl Transport for GrpcTransport {
    async fn send(&self, request: &Outgoing) -> Result<Accepted, SendError> {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd);
        if let Some(compression) = self.compression {
            grpc = grpc.send_compressed(compression);
        }
        let mut call = tonic::Request::new(request.body.clone());
        *call.metadata_mut() = self.headers.clone();
        if let Some(auth) = &self.auth {
            let headers = auth.0.client_headers().map_err(SendError::Permanent)?;
            insert_headers(
                call.metadata_mut(),
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .map_err(SendError::Permanent)?;
        }
        grpc.ready()
            .await
            .map_err(|e| SendError::retryable(format!("connection error: {e}")))?;
        match grpc.unary(call, method(request.signal), PassThrough).await {
            Ok(response) => {
                partial_success(request.signal, &response.into_inner(), Encoding::Protobuf)
                    .map_err(|e| SendError::Permanent(format!("invalid response: {e}")))
            }
            Err(status) => Err(classify(&status)),
        }
    }
}

/// Whether a failed call may be retried (OTLP spec): `RESOURCE_EXHAUSTED`
/// only when the server says when (`RetryInfo`).
fn classify(status: &Status) -> SendError {
    let reason = format!(
        "rpc error: code = {:?} desc = {}",
        status.code(),
        status.message()
    );
    let retry_after = rpc::Status::decode(status.details())
        .ok()
        .and_then(|s| s.retry_delay());
    let retryable = match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => retry_after.is_some(),
        _ => false,
    };
    if retryable {
        SendError::Retryable {
            reason,
            retry_after,
        }
    } else {
        SendError::Permanent(reason)
    }
}

/// A codec that sends `Bytes` as the message and returns the response's
/// bytes: the payload is already protobuf.
struct PassThrough;

impl Codec for PassThrough {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = PassThrough;
    type Decoder = PassThrough;

    fn encoder(&mut self) -> PassThrough {
        PassThrough
    }

    fn decoder(&mut self) -> PassThrough {
        PassThrough
    }
}

impl Encoder for PassThrough {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for PassThrough {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Connects over TCP and TLS with our rustls configuration (tonic's own TLS
/// settings cannot skip verification or bound versions).
#[derive(Clone)]
struct TlsConnector {
    config: tokio_rustls::TlsConnector,
    server_name: Option<String>,
}

type TlsStream = TokioIo<tokio_rustls::client::TlsStream<TcpStream>>;

impl tower::Service<Uri> for TlsConnector {
    type Response = TlsStream;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<TlsStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.config.clone();
        let server_name = self.server_name.clone();
        Box::pin(async move {
            let invalid =
                |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
            let host = uri
                .host()
                .ok_or_else(|| invalid(format!("no host in {uri}")))?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = uri.port_u16().unwrap_or(443);
            let tcp = TcpStream::connect((host.as_str(), port)).await?;
            tcp.set_nodelay(true)?;
            let name = ServerName::try_from(server_name.unwrap_or(host))
                .map_err(|e| invalid(e.to_string()))?;
            Ok(TokioIo::new(connector.connect(name, tcp).await?))
        })
    }
}
