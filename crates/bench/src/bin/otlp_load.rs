//! otlp-load: an OTLP load generator. It encodes a pool of realistic export
//! requests up front, then sends them over gRPC or HTTP/protobuf from N
//! connections, each with one request in flight, at a fixed rate of items per
//! second or as fast as the server accepts (rate 0). At the end it prints one
//! JSON object: what was sent, accepted, refused (throttled or pushed back,
//! to be retried) and rejected, the achieved rate and latency percentiles.

use bench::compression::Compression;
use bench::requests::Generator;
use bench::{Signal, grpc, wire};
use bytes::Bytes;
use clap::Parser;
use http::{HeaderMap, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Protocol {
    Grpc,
    Http,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BodyCompression {
    None,
    Gzip,
    Zstd,
}

#[derive(Parser)]
#[command(about = "Sends OTLP export requests at a fixed rate or as fast as accepted")]
struct Args {
    /// host:port of the OTLP receiver.
    #[arg(long, default_value = "127.0.0.1:4317")]
    endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    protocol: Protocol,
    #[arg(long, value_enum, default_value = "traces")]
    signal: Signal,
    /// Items (spans, data points, log records) per request.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Concurrent connections, each with one request in flight.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Items per second over all connections; 0 sends as fast as accepted.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Distinct pre-encoded requests to cycle through.
    #[arg(long, default_value_t = 64)]
    pool: usize,
    #[arg(long, value_enum, default_value = "none")]
    compression: BodyCompression,
    /// Extra request header `name: value` (e.g. an authorization), repeatable.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

/// The tally of one connection.
#[derive(Default)]
struct Tally {
    requests: u64,
    items_sent: u64,
    items_accepted: u64,
    items_refused: u64,
    items_rejected: u64,
    errors: u64,
    /// Answers by HTTP status or `grpc:<code>`, and transport errors.
    answers: BTreeMap<String, u64>,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.items_sent += other.items_sent;
        self.items_accepted += other.items_accepted;
        self.items_refused += other.items_refused;
        self.items_rejected += other.items_rejected;
        self.errors += other.errors;
        for (answer, n) in other.answers {
            *self.answers.entry(answer).or_default() += n;
        }
        self.first_error = self.first_error.take().or(other.first_error);
        self.latencies_us.extend(other.latencies_us);
    }

    fn error(&mut self, items: u64, answer: String, message: String) {
        self.errors += 1;
        self.items_rejected += items;
        *self.answers.entry(answer).or_default() += 1;
        self.first_error.get_or_insert(message);
    }
}

/// What a connection sends: the pool, ready to go on the wire.
struct Plan {
    protocol: Protocol,
    signal: Signal,
    batch: u64,
    connections: usize,
    uri: Uri,
    headers: HeaderMap,
    bodies: Vec<Bytes>,
    /// Time between two requests of one connection; zero for open loop.
    period: Duration,
    deadline: Instant,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.batch > 0 && args.connections > 0 && args.pool > 0,
        "batch, connections and pool must be positive"
    );
    let plan = std::sync::Arc::new(plan(&args)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let started = Instant::now();
    let tally = runtime.block_on(async {
        let workers: Vec<_> = (0..args.connections)
            .map(|i| tokio::spawn(connection(plan.clone(), args.endpoint.clone(), i)))
            .collect();
        let mut total = Tally::default();
        for worker in workers {
            total.merge(worker.await.expect("connection task"));
        }
        total
    });
    let elapsed = started.elapsed().as_secs_f64();
    println!("{}", report(&args, tally, elapsed));
    Ok(())
}

fn plan(args: &Args) -> anyhow::Result<Plan> {
    let mut bodies = Generator::new(0x5eed).pool(args.signal, args.batch, args.pool);
    let compression = match args.compression {
        BodyCompression::None => None,
        BodyCompression::Gzip => Some(Compression::Gzip),
        BodyCompression::Zstd => Some(Compression::Zstd),
    };
    if let Some(c) = compression {
        bodies = bodies.iter().map(|b| Bytes::from(c.compress(b))).collect();
    }
    let mut headers = HeaderMap::new();
    for line in &args.headers {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("header {line:?} is not `name: value`"))?;
        headers.append(
            http::HeaderName::from_bytes(name.trim().as_bytes())?,
            value.trim().parse()?,
        );
    }
    let path = match args.protocol {
        Protocol::Grpc => {
            headers.insert(header::CONTENT_TYPE, "application/grpc".parse()?);
            headers.insert(header::TE, "trailers".parse()?);
            if let Some(c) = compression {
                headers.insert("grpc-encoding", c.name().parse()?);
            }
            bodies = bodies
                .iter()
                .map(|b| grpc::frame(b, compression.is_some()))
                .collect();
            args.signal.grpc_path()
        }
        Protocol::Http => {
            headers.insert(header::CONTENT_TYPE, "application/x-protobuf".parse()?);
            if let Some(c) = compression {
                headers.insert(header::CONTENT_ENCODING, c.name().parse()?);
            }
            args.signal.http_path()
        }
    };
    let period = if args.rate == 0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(args.batch as f64 * args.connections as f64 / args.rate as f64)
    };
    Ok(Plan {
        protocol: args.protocol,
        signal: args.signal,
        batch: args.batch as u64,
        connections: args.connections,
        uri: format!("http://{}{path}", args.endpoint).parse()?,
        headers,
        bodies,
        period,
        deadline: Instant::now() + Duration::from_secs_f64(args.duration),
    })
}

type Sender = hyper::client::conn::http2::SendRequest<Full<Bytes>>;
type Sender1 = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// A connection of the right HTTP version.
enum Connection {
    H1(Sender1),
    H2(Sender),
}

async fn connect(protocol: Protocol, endpoint: &str) -> Result<Connection, String> {
    let stream = tokio::net::TcpStream::connect(endpoint)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(stream);
    match protocol {
        Protocol::Grpc => {
            let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
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

/// Sends from one connection until the deadline; reconnects after a broken
/// connection.
async fn connection(plan: std::sync::Arc<Plan>, endpoint: String, index: usize) -> Tally {
    let mut tally = Tally::default();
    let mut conn: Option<Connection> = None;
    // Connections start spread over one period so their requests interleave.
    let offset = plan.period.mul_f64(index as f64 / plan.connections as f64);
    let mut next_send = Instant::now() + offset;
    let mut body = index % plan.bodies.len();
    while Instant::now() < plan.deadline {
        if !plan.period.is_zero() {
            let now = Instant::now();
            // After a stall longer than a second the schedule restarts
            // instead of bursting to catch up.
            if now > next_send + Duration::from_secs(1) {
                next_send = now;
            }
            tokio::time::sleep_until(next_send.into()).await;
            next_send += plan.period;
        }
        let sender = match conn.as_mut() {
            Some(sender) => sender,
            None => match connect(plan.protocol, &endpoint).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    tally.error(0, "connect".into(), e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let started = Instant::now();
        let result = send(&plan, sender, plan.bodies[body].clone()).await;
        tally
            .latencies_us
            .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        tally.requests += 1;
        tally.items_sent += plan.batch;
        body = (body + 1) % plan.bodies.len();
        match result {
            Answer::Accepted { rejected } => {
                tally.items_accepted += plan.batch - rejected.min(plan.batch);
                tally.items_rejected += rejected.min(plan.batch);
                *tally.answers.entry("ok".into()).or_default() += 1;
            }
            Answer::Refused(answer) => {
                tally.items_refused += plan.batch;
                *tally.answers.entry(answer).or_default() += 1;
            }
            Answer::Rejected(answer, message) => tally.error(plan.batch, answer, message),
            Answer::Broken(message) => {
                conn = None;
                tally.error(plan.batch, "transport".into(), message);
            }
        }
    }
    tally
}

enum Answer {
    /// Success, possibly partial.
    Accepted { rejected: u64 },
    /// Throttled or pushed back: to be retried.
    Refused(String),
    /// Not to be retried.
    Rejected(String, String),
    /// The connection failed.
    Broken(String),
}

async fn send(plan: &Plan, conn: &mut Connection, body: Bytes) -> Answer {
    let mut request = Request::post(plan.uri.clone());
    if let Some(headers) = request.headers_mut() {
        headers.extend(plan.headers.clone());
    }
    let request = request.body(Full::new(body)).expect("valid request");
    let response = match conn {
        Connection::H2(sender) => sender.send_request(request).await,
        Connection::H1(sender) => {
            if sender.ready().await.is_err() {
                return Answer::Broken("connection closed".into());
            }
            sender.send_request(request).await
        }
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => return Answer::Broken(format!("request: {e}")),
    };
    let (parts, body) = response.into_parts();
    let collected = match body.collect().await {
        Ok(c) => c,
        Err(e) => return Answer::Broken(format!("answer body: {e}")),
    };
    let trailers = collected.trailers().cloned();
    let body = collected.to_bytes();
    match plan.protocol {
        Protocol::Grpc => {
            let (code, message) = grpc::status(&parts.headers, trailers.as_ref());
            let answer = format!("grpc:{code}");
            if code == grpc::OK {
                let message = grpc::unframe(&body).map(|(_, m)| m).unwrap_or_default();
                Answer::Accepted {
                    rejected: wire::rejected_items(message).unwrap_or(0),
                }
            } else if grpc::is_refusal(code) {
                Answer::Refused(answer)
            } else {
                Answer::Rejected(
                    answer,
                    format!("{} export: code {code}: {message}", plan.signal.name()),
                )
            }
        }
        Protocol::Http => {
            let status = parts.status;
            if status.is_success() {
                Answer::Accepted {
                    rejected: wire::rejected_items(&body).unwrap_or(0),
                }
            } else if matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ) {
                Answer::Refused(status.as_u16().to_string())
            } else {
                Answer::Rejected(
                    status.as_u16().to_string(),
                    format!(
                        "{} export: {status}: {}",
                        plan.signal.name(),
                        String::from_utf8_lossy(&body)
                    ),
                )
            }
        }
    }
}

fn report(args: &Args, mut tally: Tally, elapsed: f64) -> serde_json::Value {
    tally.latencies_us.sort_unstable();
    let percentile = |p: f64| -> f64 {
        let Some(last) = tally.latencies_us.len().checked_sub(1) else {
            return 0.0;
        };
        let at = ((last as f64) * p).round() as usize;
        f64::from(tally.latencies_us[at]) / 1000.0
    };
    serde_json::json!({
        "protocol": match args.protocol { Protocol::Grpc => "grpc", Protocol::Http => "http" },
        "signal": args.signal.name(),
        "batch": args.batch,
        "connections": args.connections,
        "target_rate": args.rate,
        "seconds": elapsed,
        "requests": tally.requests,
        "items_sent": tally.items_sent,
        "items_accepted": tally.items_accepted,
        "items_refused": tally.items_refused,
        "items_rejected": tally.items_rejected,
        "errors": tally.errors,
        "accepted_per_second": tally.items_accepted as f64 / elapsed,
        "answers": tally.answers,
        "first_error": tally.first_error,
        "latency_ms": {
            "p50": percentile(0.5),
            "p90": percentile(0.9),
            "p99": percentile(0.99),
            "max": percentile(1.0),
        },
    })
}
