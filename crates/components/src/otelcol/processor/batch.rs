//! `otelcol.processor.batch` (SPEC §2.2): joins requests of a signal into
//! batches sent when `send_batch_size` items are pending or `timeout` has passed
//! since the last send; batches above `send_batch_max_size` are cut.
//!
//! Each signal, and each combination of `metadata_keys` values, has a batcher: a
//! task fed through a small bounded channel (a full channel makes senders wait).
//! Pending requests are joined by their encodings, without decoding; only a
//! batch that must be cut is decoded. The caller's `consume` returns once its
//! data is pending, as the Collector's does.

use super::export_input;
use super::split::Split;
use crate::otelcol::{DebugMetrics, Output};
use model::otlp::{
    ClientInfo, Consume, ConsumeError, ConsumeFuture, Consumer, Context, ExportLogsServiceRequest,
    ExportMetricsServiceRequest, ExportTraceServiceRequest, Payload, Signal, Telemetry,
};
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use runtime::component::{Component, Options};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::{Block, GoDuration, Validate};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Requests waiting for a batcher: enough to keep it busy while it sends.
const BATCHER_QUEUE: usize = 16;

#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub timeout: GoDuration,
    #[alloy(attr, optional)]
    pub send_batch_size: u32,
    #[alloy(attr, optional)]
    pub send_batch_max_size: u32,
    #[alloy(attr, optional)]
    pub metadata_keys: Vec<String>,
    #[alloy(attr, optional)]
    pub metadata_cardinality_limit: u32,
    #[alloy(block)]
    pub output: Output,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            timeout: GoDuration::from_nanos(200_000_000),
            send_batch_size: 2000,
            send_batch_max_size: 3000,
            metadata_keys: Vec::new(),
            metadata_cardinality_limit: 1000,
            output: Output::default(),
            debug_metrics: DebugMetrics::default(),
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.send_batch_max_size > 0 && self.send_batch_max_size < self.send_batch_size {
            return Err(
                "send_batch_max_size must be greater or equal to send_batch_size when not 0".into(),
            );
        }
        // The Collector's own check: metadata keys are matched case-insensitively.
        for (i, key) in self.metadata_keys.iter().enumerate() {
            if self.metadata_keys[..i]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
            {
                return Err(format!(
                    "duplicate entry in metadata_keys: {key:?} (case-insensitive)"
                ));
            }
        }
        Ok(())
    }
}

/// When a batcher sends.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// `None`: every request is sent as it arrives.
    timeout: Option<Duration>,
    send_batch_size: usize,
    /// 0: no limit.
    send_batch_max_size: usize,
}

/// The Collector's self-metrics of the batch processor.
struct BatchMetrics {
    size_trigger: Counter,
    timeout_trigger: Counter,
    send_size: Histogram,
    cardinality: Gauge,
}

impl BatchMetrics {
    fn register(opts: &Options) -> Arc<BatchMetrics> {
        let metrics = BatchMetrics {
            size_trigger: Counter::default(),
            timeout_trigger: Counter::default(),
            send_size: Histogram::new(SEND_SIZE_BUCKETS),
            cardinality: Gauge::default(),
        };
        let mut registry = opts.metrics.lock();
        registry.register(
            "otelcol_processor_batch_batch_size_trigger_send",
            "Number of times the batch was sent due to a size trigger",
            metrics.size_trigger.clone(),
        );
        registry.register(
            "otelcol_processor_batch_timeout_trigger_send",
            "Number of times the batch was sent due to a timeout trigger",
            metrics.timeout_trigger.clone(),
        );
        registry.register(
            "otelcol_processor_batch_batch_send_size",
            "Number of units in the batch",
            metrics.send_size.clone(),
        );
        registry.register(
            "otelcol_processor_batch_metadata_cardinality",
            "Number of distinct metadata value combinations being processed",
            metrics.cardinality.clone(),
        );
        Arc::new(metrics)
    }
}

/// The Collector's buckets for `otelcol_processor_batch_batch_send_size`.
const SEND_SIZE_BUCKETS: [f64; 22] = [
    10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0,
    6000.0, 7000.0, 8000.0, 9000.0, 10000.0, 20000.0, 30000.0, 50000.0, 100000.0,
];

/// A batcher's identity: the signal and the values of the metadata keys.
type BatcherKey = (Signal, Vec<Vec<String>>);

/// The live state shared by the component and its `input`.
struct Batching {
    args: Arguments,
    output: Arc<RwLock<Output>>,
    batchers: HashMap<BatcherKey, mpsc::Sender<Telemetry>>,
    metrics: Arc<BatchMetrics>,
    /// Set at shutdown: no new batchers.
    closed: bool,
}

struct Input {
    state: Mutex<Batching>,
    tasks: TaskTracker,
}

impl Input {
    /// The channel of the batcher for `signal` and this client's metadata,
    /// started on first use.
    fn batcher(
        &self,
        signal: Signal,
        client: &ClientInfo,
    ) -> Result<mpsc::Sender<Telemetry>, ConsumeError> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(ConsumeError::retryable(
                "the batch processor is shutting down",
            ));
        }
        let values: Vec<Vec<String>> = state
            .args
            .metadata_keys
            .iter()
            .map(|key| client.metadata(key).to_vec())
            .collect();
        let key = (signal, values);
        if let Some(sender) = state.batchers.get(&key) {
            return Ok(sender.clone());
        }
        let distinct = state.batchers.keys().filter(|(s, _)| *s == signal).count();
        if !state.args.metadata_keys.is_empty()
            && distinct >= state.args.metadata_cardinality_limit as usize
        {
            return Err(ConsumeError::permanent(
                "too many batcher metadata-value combinations",
            ));
        }
        let (sender, receiver) = mpsc::channel(BATCHER_QUEUE);
        let limits = Limits {
            timeout: state.args.timeout.to_std().filter(|t| !t.is_zero()),
            send_batch_size: state.args.send_batch_size as usize,
            send_batch_max_size: state.args.send_batch_max_size as usize,
        };
        let context = Context::new(ClientInfo {
            metadata: state
                .args
                .metadata_keys
                .iter()
                .zip(&key.1)
                .filter(|(_, values)| !values.is_empty())
                .map(|(k, values)| (k.to_ascii_lowercase(), values.clone()))
                .collect(),
            ..ClientInfo::default()
        });
        let batcher = Batcher {
            limits,
            output: state.output.clone(),
            context,
            metrics: state.metrics.clone(),
        };
        match signal {
            Signal::Traces => self
                .tasks
                .spawn(batcher.run::<ExportTraceServiceRequest>(receiver)),
            Signal::Metrics => self
                .tasks
                .spawn(batcher.run::<ExportMetricsServiceRequest>(receiver)),
            Signal::Logs => self
                .tasks
                .spawn(batcher.run::<ExportLogsServiceRequest>(receiver)),
        };
        state.batchers.insert(key, sender.clone());
        state.metrics.cardinality.set(state.batchers.len() as i64);
        Ok(sender)
    }
}

impl Consume for Input {
    fn consume(&self, data: Telemetry, context: Context) -> ConsumeFuture {
        let batcher = self.batcher(data.signal(), &context);
        Box::pin(async move {
            batcher?
                .send(data)
                .await
                .map_err(|_| ConsumeError::retryable("the batch processor is shutting down"))
        })
    }
}

/// A request type the batcher can take out of [`Telemetry`] and put back.
trait Batchable: Split + Send {
    fn unwrap(data: Telemetry) -> Option<Payload<Self>>;
    fn wrap(payload: Payload<Self>) -> Telemetry;
}

/// `Batchable` for the request type of a `Telemetry` variant.
macro_rules! batchable {
    ($($request:ty => $variant:ident),*) => {$(
        impl Batchable for $request {
            fn unwrap(data: Telemetry) -> Option<Payload<Self>> {
                match data {
                    Telemetry::$variant(p) => Some(p),
                    _ => None,
                }
            }
            fn wrap(payload: Payload<Self>) -> Telemetry {
                Telemetry::$variant(payload)
            }
        }
    )*};
}

batchable!(
    ExportTraceServiceRequest => Traces,
    ExportMetricsServiceRequest => Metrics,
    ExportLogsServiceRequest => Logs
);

/// The requests a batcher holds, oldest first.
struct Pending<M> {
    parts: Vec<Payload<M>>,
    items: usize,
}

impl<M: Batchable> Pending<M> {
    fn push(&mut self, payload: Payload<M>) {
        self.items += payload.items();
        self.parts.push(payload);
    }

    /// Takes at most `max` items (all when `max` is 0), oldest first; what is
    /// left stays pending.
    fn take(&mut self, max: usize) -> Payload<M> {
        if max == 0 || self.items <= max {
            self.items = 0;
            return Payload::concat(std::mem::take(&mut self.parts));
        }
        let mut parts = std::mem::take(&mut self.parts).into_iter();
        let mut joined = parts.next().expect("items are pending").into_message();
        for part in parts {
            joined.append(part.into_message());
        }
        let front = joined.take_front(max);
        let rest = Payload::from_message(joined);
        self.items = rest.items();
        self.parts.push(rest);
        Payload::from_message(front)
    }
}

/// What one batcher task needs.
struct Batcher {
    limits: Limits,
    output: Arc<RwLock<Output>>,
    context: Context,
    metrics: Arc<BatchMetrics>,
}

impl Batcher {
    /// Takes a batch off `pending` and sends it to the current output; a
    /// refusal is logged, as the Collector does (the senders were answered
    /// when their data became pending).
    async fn send<M: Batchable>(&self, pending: &mut Pending<M>, trigger: &Counter) {
        let payload = pending.take(self.limits.send_batch_max_size);
        let items = payload.items();
        trigger.inc();
        self.metrics.send_size.observe(items as f64);
        let consumers = self.output.read().consumers(M::SIGNAL).to_vec();
        if let Err(e) =
            model::otlp::fan_out(&consumers, M::wrap(payload), self.context.clone()).await
        {
            tracing::warn!(error = %e, items, "the batch processor could not send a batch");
        }
    }

    async fn run<M: Batchable>(self, mut receiver: mpsc::Receiver<Telemetry>) {
        let mut pending = Pending::<M> {
            parts: Vec::new(),
            items: 0,
        };
        let limits = self.limits;
        let next_deadline = || limits.timeout.map(|t| Instant::now() + t);
        let mut deadline = next_deadline();
        loop {
            let received = match deadline {
                Some(at) => tokio::select! {
                    received = receiver.recv() => received,
                    () = tokio::time::sleep_until(at) => {
                        if pending.items > 0 {
                            self.send(&mut pending, &self.metrics.timeout_trigger).await;
                        }
                        deadline = next_deadline();
                        continue;
                    }
                },
                None => receiver.recv().await,
            };
            let Some(data) = received else { break };
            let Some(payload) = M::unwrap(data) else {
                continue;
            };
            pending.push(payload);
            let mut sent = false;
            while pending.items > 0
                && (deadline.is_none() || pending.items >= limits.send_batch_size)
            {
                self.send(&mut pending, &self.metrics.size_trigger).await;
                sent = true;
            }
            if sent {
                deadline = next_deadline();
            }
        }
        // The input is closed (shutdown or new arguments): send what is left.
        while pending.items > 0 {
            self.send(&mut pending, &self.metrics.timeout_trigger).await;
        }
    }
}

pub struct Batch {
    input: Arc<Input>,
}

impl Component for Batch {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<Batch, String> {
        let metrics = BatchMetrics::register(&opts);
        let input = Arc::new(Input {
            state: Mutex::new(Batching {
                metrics,
                output: Arc::new(RwLock::new(args.output.clone())),
                args,
                batchers: HashMap::new(),
                closed: false,
            }),
            tasks: TaskTracker::new(),
        });
        export_input(&opts, Consumer(input.clone()));
        Ok(Batch { input })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        {
            let mut state = self.input.state.lock();
            state.closed = true;
            // Dropping the channels makes each batcher send what it holds and end.
            state.batchers.clear();
            state.metrics.cardinality.set(0);
        }
        self.input.tasks.close();
        self.input.tasks.wait().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        let mut state = self.input.state.lock();
        if state.args.output != args.output {
            *state.output.write() = args.output.clone();
        }
        let mut batching = args.clone();
        batching.output = Output::default();
        let mut old = state.args.clone();
        old.output = Output::default();
        if batching != old {
            // New limits or keys: the old batchers send what they hold and end;
            // new ones start on demand.
            state.batchers.clear();
            state.metrics.cardinality.set(0);
        }
        state.args = args;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::{Recorder, captured, input_of, traces};
    use crate::testing::{eventually, options};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn spans(first_id: u32, n: u32) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: (first_id..first_id + n)
                        .map(|id| Span {
                            span_id: id.to_be_bytes().to_vec(),
                            ..Span::default()
                        })
                        .collect(),
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
    }

    fn span_ids(requests: &[ExportTraceServiceRequest]) -> Vec<u32> {
        requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| u32::from_be_bytes(s.span_id.clone().try_into().unwrap()))
            .collect()
    }

    fn start(
        args: Arguments,
    ) -> (
        Arc<Batch>,
        Consumer,
        CancellationToken,
        tokio::task::JoinHandle<()>,
    ) {
        let (opts, exports) = options("otelcol.processor.batch.test");
        let component = Arc::new(Batch::build(opts, args).unwrap());
        let input = input_of(&exports);
        let shutdown = CancellationToken::new();
        let run = tokio::spawn({
            let component = component.clone();
            let shutdown = shutdown.clone();
            async move { component.run(shutdown).await.unwrap() }
        });
        (component, input, shutdown, run)
    }

    fn output(consumer: Consumer) -> Output {
        Output {
            traces: vec![consumer.clone()],
            metrics: vec![consumer.clone()],
            logs: vec![consumer],
        }
    }

    #[tokio::test]
    async fn sends_when_the_batch_size_is_reached_and_cuts_at_the_max_size() {
        let (recorder, consumer) = Recorder::new();
        let (c, input, shutdown, run) = start(Arguments {
            timeout: GoDuration::from_secs(3600),
            send_batch_size: 10,
            send_batch_max_size: 15,
            output: output(consumer),
            ..Arguments::default()
        });
        let ctx = Context::default();
        input
            .consume(traces(spans(0, 4)), ctx.clone())
            .await
            .unwrap();
        input
            .consume(traces(spans(4, 4)), ctx.clone())
            .await
            .unwrap();
        // 8 items: below the batch size, nothing is sent before the timeout.
        input
            .consume(traces(spans(8, 9)), ctx.clone())
            .await
            .unwrap();
        // 17 items: 15 go, 2 stay.
        eventually("a batch", || recorder.sizes() == [15]).await;
        input
            .consume(traces(spans(17, 30)), ctx.clone())
            .await
            .unwrap();
        eventually("two more batches", || recorder.sizes() == [15, 15, 15]).await;
        shutdown.cancel();
        run.await.unwrap();
        assert_eq!(
            recorder.sizes(),
            [15, 15, 15, 2],
            "the rest is sent at shutdown"
        );
        let state = c.input.state.lock();
        assert_eq!(state.metrics.size_trigger.get(), 3);
        assert_eq!(state.metrics.timeout_trigger.get(), 1);
        assert_eq!(span_ids(&recorder.traces()), (0..47).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn sends_after_the_timeout() {
        let (recorder, consumer) = Recorder::new();
        let (_c, input, shutdown, run) = start(Arguments {
            timeout: GoDuration::from_nanos(20_000_000),
            send_batch_size: 1000,
            output: output(consumer),
            ..Arguments::default()
        });
        input
            .consume(traces(spans(0, 3)), Context::default())
            .await
            .unwrap();
        input
            .consume(traces(spans(3, 2)), Context::default())
            .await
            .unwrap();
        eventually("the timeout", || {
            recorder.sizes().iter().sum::<usize>() == 5
        })
        .await;
        shutdown.cancel();
        run.await.unwrap();
        assert_eq!(span_ids(&recorder.traces()), [0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_zero_timeout_sends_each_request_cut_at_the_max_size() {
        let (recorder, consumer) = Recorder::new();
        let (_c, input, shutdown, run) = start(Arguments {
            timeout: GoDuration::from_nanos(0),
            send_batch_size: 2,
            send_batch_max_size: 4,
            output: output(consumer),
            ..Arguments::default()
        });
        input
            .consume(traces(spans(0, 1)), Context::default())
            .await
            .unwrap();
        input
            .consume(traces(spans(1, 9)), Context::default())
            .await
            .unwrap();
        eventually("four batches", || recorder.sizes() == [1, 4, 4, 1]).await;
        shutdown.cancel();
        run.await.unwrap();
        assert_eq!(span_ids(&recorder.traces()), (0..10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn joins_captured_requests_by_their_bytes() {
        let (recorder, consumer) = Recorder::new();
        let (_c, input, shutdown, run) = start(Arguments {
            timeout: GoDuration::from_secs(3600),
            send_batch_max_size: 0,
            output: output(consumer),
            ..Arguments::default()
        });
        let mut expected = 0;
        let mut messages = Vec::new();
        for name in [
            "0001-http-traces.pb",
            "0004-grpc-traces.pb",
            "0005-grpc-traces.pb",
        ] {
            let payload =
                Payload::<ExportTraceServiceRequest>::from_encoded(captured(name)).unwrap();
            expected += payload.items();
            messages.push(payload.clone().into_message());
            input
                .consume(Telemetry::Traces(payload), Context::default())
                .await
                .unwrap();
        }
        shutdown.cancel();
        run.await.unwrap();
        let mut joined = messages.remove(0);
        for m in messages {
            joined.append(m);
        }
        assert_eq!(recorder.sizes(), [expected]);
        assert_eq!(recorder.traces(), [joined]);
    }

    #[tokio::test]
    async fn one_batcher_per_metadata_value_and_a_cardinality_limit() {
        let (recorder, consumer) = Recorder::new();
        let (_c, input, shutdown, run) = start(Arguments {
            timeout: GoDuration::from_secs(3600),
            metadata_keys: vec!["X-Tenant".into()],
            metadata_cardinality_limit: 2,
            output: output(consumer),
            ..Arguments::default()
        });
        let tenant = |t: &str| {
            Context::new(ClientInfo {
                metadata: vec![("x-tenant".into(), vec![t.into()])],
                ..ClientInfo::default()
            })
        };
        input
            .consume(traces(spans(0, 2)), tenant("a"))
            .await
            .unwrap();
        input
            .consume(traces(spans(2, 3)), tenant("b"))
            .await
            .unwrap();
        input
            .consume(traces(spans(5, 1)), tenant("a"))
            .await
            .unwrap();
        let refused = input
            .consume(traces(spans(6, 1)), tenant("c"))
            .await
            .unwrap_err();
        assert_eq!(
            refused.message,
            "too many batcher metadata-value combinations"
        );
        assert!(!refused.is_retryable());
        shutdown.cancel();
        run.await.unwrap();
        let mut by_tenant: Vec<(Vec<String>, usize)> = recorder
            .0
            .lock()
            .iter()
            .map(|(t, ctx)| (ctx.metadata("x-tenant").to_vec(), t.items()))
            .collect();
        by_tenant.sort();
        assert_eq!(
            by_tenant,
            [(vec!["a".to_string()], 3), (vec!["b".to_string()], 3)]
        );
    }

    #[tokio::test]
    async fn update_sends_pending_data_and_switches_output() {
        let (first, consumer) = Recorder::new();
        let args = Arguments {
            timeout: GoDuration::from_secs(3600),
            output: output(consumer),
            ..Arguments::default()
        };
        let (component, input, shutdown, run) = start(args.clone());
        input
            .consume(traces(spans(0, 3)), Context::default())
            .await
            .unwrap();
        let (second, consumer) = Recorder::new();
        component
            .update(Arguments {
                send_batch_size: 5,
                output: output(consumer),
                ..args
            })
            .unwrap();
        input
            .consume(traces(spans(3, 5)), Context::default())
            .await
            .unwrap();
        eventually("both batches", || {
            first.sizes().len() + second.sizes().len() == 2
        })
        .await;
        shutdown.cancel();
        run.await.unwrap();
        let mut ids = span_ids(&first.traces());
        ids.extend(span_ids(&second.traces()));
        ids.sort_unstable();
        assert_eq!(ids, (0..8).collect::<Vec<_>>(), "nothing lost or repeated");
        // The old batcher sends its 3 items to the new output when it closes.
        let mut sizes = second.sizes();
        sizes.sort_unstable();
        assert_eq!(sizes, [3, 5]);
    }

    #[test]
    fn validation() {
        let bad = Arguments {
            send_batch_size: 10,
            send_batch_max_size: 5,
            ..Arguments::default()
        };
        assert_eq!(
            bad.validate().unwrap_err(),
            "send_batch_max_size must be greater or equal to send_batch_size when not 0"
        );
        let dup = Arguments {
            metadata_keys: vec!["a".into(), "A".into()],
            ..Arguments::default()
        };
        assert_eq!(
            dup.validate().unwrap_err(),
            "duplicate entry in metadata_keys: \"A\" (case-insensitive)"
        );
    }
}
