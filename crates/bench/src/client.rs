//! An OTLP export client over one connection, gRPC (cleartext HTTP/2) or
//! HTTP/protobuf (HTTP/1.1), that sends prepared bytes and sorts the answer
//! into accepted, refused (to retry) or rejected. The load generator sends
//! through it, and tests use it to post deliberately broken requests.

use crate::compression::Compression;
use crate::{Signal, grpc, wire};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    Grpc,
    Http,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::Http => "http",
        }
    }
}

/// Where and how requests of one signal go: the URI, the headers and the
/// body preparation (compression, gRPC framing).
#[derive(Clone, Debug)]
pub struct Target {
    pub protocol: Protocol,
    pub signal: Signal,
    pub endpoint: String,
    uri: Uri,
    headers: HeaderMap,
    compression: Option<Compression>,
}

impl Target {
    /// `endpoint` is `host:port`; `headers` are extra `(name, value)` pairs.
    pub fn new(
        protocol: Protocol,
        signal: Signal,
        endpoint: &str,
        compression: Option<Compression>,
        headers: &[(String, String)],
    ) -> anyhow::Result<Target> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes())?,
                value.parse()?,
            );
        }
        let path = match protocol {
            Protocol::Grpc => {
                map.insert(header::CONTENT_TYPE, "application/grpc".parse()?);
                map.insert(header::TE, "trailers".parse()?);
                if let Some(c) = compression {
                    map.insert("grpc-encoding", c.name().parse()?);
                }
                crate::grpc_path(signal)
            }
            Protocol::Http => {
                map.insert(header::CONTENT_TYPE, "application/x-protobuf".parse()?);
                if let Some(c) = compression {
                    map.insert(header::CONTENT_ENCODING, c.name().parse()?);
                }
                crate::http_path(signal)
            }
        };
        Ok(Target {
            protocol,
            signal,
            endpoint: endpoint.to_owned(),
            uri: format!("http://{endpoint}{path}").parse()?,
            headers: map,
            compression,
        })
    }

    /// The body that carries `message` (an encoded export request, or any
    /// bytes a test wants to send as one).
    pub fn body(&self, message: &[u8]) -> Bytes {
        let compressed = self.compression.map(|c| c.compress(message));
        let message = compressed.as_deref().unwrap_or(message);
        match self.protocol {
            Protocol::Grpc => grpc::frame(message, compressed.is_some()),
            Protocol::Http => Bytes::copy_from_slice(message),
        }
    }

    /// Replaces a header, e.g. a content type a test wants to vary.
    pub fn set_header(&mut self, name: &'static str, value: &str) -> anyhow::Result<()> {
        self.headers.insert(name, value.parse()?);
        Ok(())
    }

    fn request(&self, body: Bytes) -> Request<Full<Bytes>> {
        let mut request = Request::post(self.uri.clone());
        if let Some(headers) = request.headers_mut() {
            headers.extend(self.headers.clone());
        }
        request.body(Full::new(body)).expect("valid request")
    }
}

/// How the server answered an export.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success; `rejected` items per a partial success.
    Accepted { rejected: u64 },
    /// Throttled or pushed back: to be retried.
    Refused,
    /// Not to be retried.
    Rejected,
    /// The connection failed.
    Broken,
}

#[derive(Debug)]
pub struct Answer {
    pub outcome: Outcome,
    /// The HTTP status or `grpc:<code>`; `transport` when the connection failed.
    pub code: String,
    /// The server's message (gRPC message or HTTP body) or the transport error.
    pub message: String,
}

impl Answer {
    fn broken(message: String) -> Answer {
        Answer {
            outcome: Outcome::Broken,
            code: "transport".into(),
            message,
        }
    }
}

/// One connection of the right HTTP version for its protocol.
pub enum Connection {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Connection {
    pub async fn open(protocol: Protocol, endpoint: &str) -> Result<Connection, String> {
        let stream = tokio::net::TcpStream::connect(endpoint)
            .await
            .map_err(|e| format!("connect to {endpoint}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(stream);
        match protocol {
            Protocol::Grpc => {
                let (sender, conn) =
                    hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                        .await
                        .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
                tokio::spawn(conn);
                Ok(Connection::H2(sender))
            }
            Protocol::Http => {
                let (sender, conn) = hyper::client::conn::http1::handshake(io)
                    .await
                    .map_err(|e| format!("HTTP/1.1 handshake: {e}"))?;
                tokio::spawn(conn);
                Ok(Connection::H1(sender))
            }
        }
    }

    /// Sends one prepared body (see [`Target::body`]) and waits for the answer.
    pub async fn export(&mut self, target: &Target, body: Bytes) -> Answer {
        let request = target.request(body);
        let response = match self {
            Connection::H2(sender) => sender.send_request(request).await,
            Connection::H1(sender) => {
                if sender.ready().await.is_err() {
                    return Answer::broken("connection closed".into());
                }
                sender.send_request(request).await
            }
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => return Answer::broken(format!("request: {e}")),
        };
        let (parts, body) = response.into_parts();
        let collected = match body.collect().await {
            Ok(c) => c,
            Err(e) => return Answer::broken(format!("answer body: {e}")),
        };
        let trailers = collected.trailers().cloned();
        let body = collected.to_bytes();
        match target.protocol {
            Protocol::Grpc => {
                let (code, message) = grpc::status(&parts.headers, trailers.as_ref());
                let outcome = if code == grpc::OK {
                    let response = grpc::unframe(&body).map(|(_, m)| m).unwrap_or_default();
                    Outcome::Accepted {
                        rejected: wire::rejected_items(response).unwrap_or(0),
                    }
                } else if grpc::is_refusal(code) {
                    Outcome::Refused
                } else {
                    Outcome::Rejected
                };
                Answer {
                    outcome,
                    code: format!("grpc:{code}"),
                    message,
                }
            }
            Protocol::Http => {
                let status = parts.status;
                let outcome = if status.is_success() {
                    Outcome::Accepted {
                        rejected: wire::rejected_items(&body).unwrap_or(0),
                    }
                } else if matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS
                        | StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                ) {
                    Outcome::Refused
                } else {
                    Outcome::Rejected
                };
                Answer {
                    outcome,
                    code: status.as_u16().to_string(),
                    message: String::from_utf8_lossy(&body).into_owned(),
                }
            }
        }
    }
}
