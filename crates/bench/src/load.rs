//! The load generator behind `otlp-load` (and tests that need load): a pool
//! of realistic requests encoded up front, sent from N connections with one
//! request in flight each, at a fixed rate of items per second or as fast as
//! the server accepts.

use crate::Signal;
use crate::client::{Answer, Connection, Outcome, Protocol, Target};
use crate::compression::Compression;
use crate::requests::Generator;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to send, where and how fast.
#[derive(Clone, Debug)]
pub struct Options {
    /// `host:port` of the receiver.
    pub endpoint: String,
    pub protocol: Protocol,
    pub signal: Signal,
    /// Items (spans, data points, log records) per request.
    pub batch: usize,
    pub connections: usize,
    /// Items per second over all connections; 0 sends as fast as accepted.
    pub rate: u64,
    pub duration: Duration,
    /// Distinct pre-encoded requests to cycle through.
    pub pool: usize,
    pub compression: Option<Compression>,
    /// Extra `(name, value)` request headers.
    pub headers: Vec<(String, String)>,
}

/// What happened, over all connections.
#[derive(Debug, Default)]
pub struct Report {
    pub seconds: f64,
    pub requests: u64,
    pub items_sent: u64,
    pub items_accepted: u64,
    /// Items of requests refused for now (retryable answers).
    pub items_refused: u64,
    /// Items of requests rejected for good, or lost with a broken connection.
    pub items_rejected: u64,
    /// Requests that failed other than by a refusal.
    pub errors: u64,
    /// Answers by HTTP status, `grpc:<code>`, `ok`, `transport` or `connect`.
    pub answers: BTreeMap<String, u64>,
    pub first_error: Option<String>,
    latencies_us: Vec<u32>,
}

impl Report {
    fn merge(&mut self, other: Report) {
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

    fn error(&mut self, items: u64, code: String, message: String) {
        self.errors += 1;
        self.items_rejected += items;
        *self.answers.entry(code).or_default() += 1;
        self.first_error.get_or_insert(message);
    }

    /// The latency (ms) below which a fraction `p` of the requests finished.
    pub fn latency_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let Some(last) = sorted.len().checked_sub(1) else {
            return 0.0;
        };
        f64::from(sorted[((last as f64) * p).round() as usize]) / 1000.0
    }

    pub fn to_json(&self, options: &Options) -> serde_json::Value {
        serde_json::json!({
            "protocol": options.protocol.name(),
            "signal": options.signal.as_str(),
            "batch": options.batch,
            "connections": options.connections,
            "target_rate": options.rate,
            "seconds": self.seconds,
            "requests": self.requests,
            "items_sent": self.items_sent,
            "items_accepted": self.items_accepted,
            "items_refused": self.items_refused,
            "items_rejected": self.items_rejected,
            "errors": self.errors,
            "accepted_per_second": self.items_accepted as f64 / self.seconds,
            "answers": self.answers,
            "first_error": self.first_error,
            "latency_ms": {
                "p50": self.latency_ms(0.5),
                "p90": self.latency_ms(0.9),
                "p99": self.latency_ms(0.99),
                "max": self.latency_ms(1.0),
            },
        })
    }
}

/// What every connection shares.
struct Plan {
    target: Target,
    batch: u64,
    bodies: Vec<Bytes>,
    /// Time between two requests of one connection; zero for open loop.
    period: Duration,
    connections: usize,
    deadline: Instant,
}

/// Sends for `options.duration` and reports.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.batch > 0 && options.connections > 0 && options.pool > 0,
        "batch, connections and pool must be positive"
    );
    let target = Target::new(
        options.protocol,
        options.signal,
        &options.endpoint,
        options.compression,
        &options.headers,
    )?;
    let bodies = Generator::new(0x5eed)
        .pool(options.signal, options.batch, options.pool)
        .iter()
        .map(|request| target.body(request))
        .collect();
    let period = if options.rate == 0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(
            options.batch as f64 * options.connections as f64 / options.rate as f64,
        )
    };
    let started = Instant::now();
    let plan = Arc::new(Plan {
        target,
        batch: options.batch as u64,
        bodies,
        period,
        connections: options.connections,
        deadline: started + options.duration,
    });
    let workers: Vec<_> = (0..options.connections)
        .map(|i| tokio::spawn(connection(plan.clone(), i)))
        .collect();
    let mut report = Report::default();
    for worker in workers {
        report.merge(worker.await?);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Sends from one connection until the deadline; reconnects after a broken
/// connection.
async fn connection(plan: Arc<Plan>, index: usize) -> Report {
    let mut report = Report::default();
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
            None => match Connection::open(plan.target.protocol, &plan.target.endpoint).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    report.error(0, "connect".into(), e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let started = Instant::now();
        let answer = sender.export(&plan.target, plan.bodies[body].clone()).await;
        let micros = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        report.latencies_us.push(micros);
        report.requests += 1;
        report.items_sent += plan.batch;
        body = (body + 1) % plan.bodies.len();
        tally(&mut report, plan.batch, answer, &mut conn);
    }
    report
}

fn tally(report: &mut Report, batch: u64, answer: Answer, conn: &mut Option<Connection>) {
    match answer.outcome {
        Outcome::Accepted { rejected } => {
            let rejected = rejected.min(batch);
            report.items_accepted += batch - rejected;
            report.items_rejected += rejected;
            *report.answers.entry("ok".into()).or_default() += 1;
        }
        Outcome::Refused => {
            report.items_refused += batch;
            *report.answers.entry(answer.code).or_default() += 1;
        }
        Outcome::Rejected => {
            let message = format!("{}: {}", answer.code, answer.message);
            report.error(batch, answer.code, message);
        }
        Outcome::Broken => {
            *conn = None;
            report.error(batch, answer.code, answer.message);
        }
    }
}
