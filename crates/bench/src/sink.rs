//! The counting OTLP server behind `otlp-sink`. One port answers OTLP/HTTP
//! (protobuf) on HTTP/1.1 and gRPC on cleartext HTTP/2; items are counted from
//! the wire format without decoding. `GET /count` serves the counts as JSON and
//! `PUT /answer?http=503&grpc=14&retry_after=2` changes what exports are
//! answered (for fault tests).

use crate::Signal;
use crate::compression::Compression;
use crate::{grpc, wire};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[derive(Default)]
struct SignalCounts {
    requests: AtomicU64,
    items: AtomicU64,
    bytes: AtomicU64,
}

/// What the sink received and how it answers.
pub struct Sink {
    accepted: [SignalCounts; 3],
    refused_requests: AtomicU64,
    refused_items: AtomicU64,
    invalid_requests: AtomicU64,
    http_status: AtomicU32,
    grpc_status: AtomicU32,
    retry_after: AtomicU32,
    max_body: u64,
}

type Body = BoxBody<Bytes, Infallible>;

impl Sink {
    /// A sink answering exports with `http_status` / `grpc_status` (0 = OK)
    /// and, on refusals, `Retry-After: retry_after` when non-zero.
    pub fn new(http_status: u16, grpc_status: u32, retry_after: u32, max_body: u64) -> Sink {
        Sink {
            accepted: Default::default(),
            refused_requests: AtomicU64::new(0),
            refused_items: AtomicU64::new(0),
            invalid_requests: AtomicU64::new(0),
            http_status: AtomicU32::new(u32::from(http_status)),
            grpc_status: AtomicU32::new(grpc_status),
            retry_after: AtomicU32::new(retry_after),
            max_body,
        }
    }

    /// Items of `signal` accepted so far.
    pub fn items(&self, signal: Signal) -> u64 {
        self.accepted[signal as usize].items.load(Ordering::Relaxed)
    }

    pub fn counts_json(&self) -> serde_json::Value {
        let mut counts = serde_json::Map::new();
        for signal in Signal::ALL {
            let c = &self.accepted[signal as usize];
            counts.insert(
                signal.as_str().into(),
                serde_json::json!({
                    "requests": c.requests.load(Ordering::Relaxed),
                    "items": c.items.load(Ordering::Relaxed),
                    "bytes": c.bytes.load(Ordering::Relaxed),
                }),
            );
        }
        counts.insert(
            "refused_requests".into(),
            self.refused_requests.load(Ordering::Relaxed).into(),
        );
        counts.insert(
            "refused_items".into(),
            self.refused_items.load(Ordering::Relaxed).into(),
        );
        counts.insert(
            "invalid_requests".into(),
            self.invalid_requests.load(Ordering::Relaxed).into(),
        );
        serde_json::Value::Object(counts)
    }

    /// Decompresses and counts one export body; counts it as accepted when
    /// `accept`, else as refused. `Err` says why the body is invalid.
    fn receive(
        &self,
        signal: Signal,
        encoding: Option<&str>,
        body: &[u8],
        accept: bool,
    ) -> Result<(), String> {
        let message = match Compression::from_header(encoding) {
            Ok(None) => Cow::Borrowed(body),
            Ok(Some(c)) => match c.decompress(body, self.max_body) {
                Ok(plain) => Cow::Owned(plain),
                Err(e) => return self.invalid(format!("{} body: {e}", c.name())),
            },
            Err(name) => return self.invalid(format!("unsupported compression {name:?}")),
        };
        let items = match wire::count_items(signal, &message) {
            Ok(items) => items,
            Err(e) => return self.invalid(format!("malformed {} request: {e}", signal.as_str())),
        };
        if accept {
            let c = &self.accepted[signal as usize];
            c.requests.fetch_add(1, Ordering::Relaxed);
            c.items.fetch_add(items, Ordering::Relaxed);
            c.bytes.fetch_add(message.len() as u64, Ordering::Relaxed);
        } else {
            self.refused_requests.fetch_add(1, Ordering::Relaxed);
            self.refused_items.fetch_add(items, Ordering::Relaxed);
        }
        Ok(())
    }

    fn invalid(&self, reason: String) -> Result<(), String> {
        self.invalid_requests.fetch_add(1, Ordering::Relaxed);
        Err(reason)
    }

    async fn serve(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let is_grpc = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"));
        if is_grpc {
            return self.grpc(req).await;
        }
        match (req.method(), req.uri().path()) {
            (&Method::GET, "/count") => json(StatusCode::OK, &self.counts_json()),
            (&Method::PUT, "/answer") => self.set_answer(req.uri().query().unwrap_or_default()),
            (&Method::POST, path) => match crate::signal_of_path(path) {
                Some(signal) => self.http_export(signal, req).await,
                None => plain(StatusCode::NOT_FOUND, "unknown path"),
            },
            _ => plain(StatusCode::NOT_FOUND, "unknown path"),
        }
    }

    fn set_answer(&self, query: &str) -> Response<Body> {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Ok(value) = value.parse::<u32>() else {
                return plain(StatusCode::BAD_REQUEST, &format!("{name}: not a number"));
            };
            let target = match name {
                "http" if value < 1000 && StatusCode::from_u16(value as u16).is_ok() => {
                    &self.http_status
                }
                "grpc" if value <= 16 => &self.grpc_status,
                "retry_after" => &self.retry_after,
                _ => return plain(StatusCode::BAD_REQUEST, &format!("bad setting {pair:?}")),
            };
            target.store(value, Ordering::Relaxed);
        }
        plain(StatusCode::OK, "ok")
    }

    async fn http_export(&self, signal: Signal, req: Request<Incoming>) -> Response<Body> {
        let content_type = header_str(req.headers(), header::CONTENT_TYPE.as_str());
        if content_type != Some("application/x-protobuf") {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the sink counts application/x-protobuf only",
            );
        }
        let encoding =
            header_str(req.headers(), header::CONTENT_ENCODING.as_str()).map(str::to_owned);
        let body = match read_body(req, self.max_body).await {
            Ok(body) => body,
            Err(e) => return rpc_status(StatusCode::BAD_REQUEST, grpc::INVALID_ARGUMENT, &e),
        };
        let status = self.http_status.load(Ordering::Relaxed) as u16;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        match self.receive(signal, encoding.as_deref(), &body, status.is_success()) {
            Err(reason) => rpc_status(StatusCode::BAD_REQUEST, grpc::INVALID_ARGUMENT, &reason),
            Ok(()) if status.is_success() => Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "application/x-protobuf")
                .body(empty())
                .expect("valid response"),
            Ok(()) => {
                let mut response = rpc_status(
                    status,
                    grpc::UNAVAILABLE,
                    &format!("the sink answers {status} to {}", signal.as_str()),
                );
                let retry_after = self.retry_after.load(Ordering::Relaxed);
                if retry_after > 0 {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, retry_after.into());
                }
                response
            }
        }
    }

    async fn grpc(&self, req: Request<Incoming>) -> Response<Body> {
        let Some(signal) = crate::signal_of_path(req.uri().path()) else {
            return grpc_answer(grpc::UNIMPLEMENTED, "unknown method");
        };
        let encoding = header_str(req.headers(), "grpc-encoding").map(str::to_owned);
        let body = match read_body(req, self.max_body).await {
            Ok(body) => body,
            Err(e) => return grpc_answer(grpc::INVALID_ARGUMENT, &e),
        };
        let (compressed, message) = match grpc::unframe(&body) {
            Ok(frame) => frame,
            Err(e) => {
                self.invalid_requests.fetch_add(1, Ordering::Relaxed);
                return grpc_answer(grpc::INVALID_ARGUMENT, &e);
            }
        };
        let encoding = if compressed {
            encoding.as_deref()
        } else {
            None
        };
        let code = self.grpc_status.load(Ordering::Relaxed);
        match self.receive(signal, encoding, message, code == grpc::OK) {
            Err(reason) => grpc_answer(grpc::INVALID_ARGUMENT, &reason),
            Ok(()) if code == grpc::OK => {
                let mut trailers = HeaderMap::new();
                trailers.insert("grpc-status", "0".parse().expect("valid header"));
                // An empty Export*ServiceResponse: full success.
                let body = Full::new(grpc::frame(&[], false))
                    .with_trailers(async move { Some(Ok(trailers)) })
                    .boxed();
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/grpc")
                    .body(body)
                    .expect("valid response")
            }
            Ok(()) => grpc_answer(
                code,
                &format!("the sink answers code {code} to {}", signal.as_str()),
            ),
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn read_body(req: Request<Incoming>, limit: u64) -> Result<Bytes, String> {
    Limited::new(req.into_body(), limit as usize)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| format!("reading the body: {e}"))
}

fn empty() -> Body {
    Full::new(Bytes::new()).boxed()
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(format!("{text}\n"))).boxed())
        .expect("valid response")
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(value.to_string())).boxed())
        .expect("valid response")
}

/// An OTLP/HTTP failure: a `google.rpc.Status` with the code and message.
fn rpc_status(status: StatusCode, code: u32, message: &str) -> Response<Body> {
    let mut body = Vec::new();
    prost::encoding::int32::encode(1, &(code as i32), &mut body);
    prost::encoding::string::encode(2, &message.to_owned(), &mut body);
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/x-protobuf")
        .body(Full::new(Bytes::from(body)).boxed())
        .expect("valid response")
}

/// A trailers-only gRPC answer.
fn grpc_answer(code: u32, message: &str) -> Response<Body> {
    let mut response = Response::builder().header(header::CONTENT_TYPE, "application/grpc");
    response = response.header("grpc-status", code);
    if let Ok(message) = http::HeaderValue::from_str(message) {
        response = response.header("grpc-message", message);
    }
    response.body(empty()).expect("valid response")
}

/// Serves `sink` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sink: Arc<Sink>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // Small gRPC answers must not wait for delayed ACKs.
                let _ = stream.set_nodelay(true);
                let sink = sink.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let sink = sink.clone();
                        async move { Ok::<_, Infallible>(sink.serve(req).await) }
                    });
                    // A client that breaks its connection only ends that connection.
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            () = &mut shutdown => break,
        }
    }
}
