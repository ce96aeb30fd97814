//! Throughput of `otelcol.processor.batch` on the captured OTLP trace requests,
//! in spans per second: joining requests by their bytes (batches of 2000, no
//! `send_batch_max_size`) and cutting every batch (batches of 100 cut at 150,
//! which decodes).
//!
//! Run with `cargo bench -p ferroalloy-components --bench otelcol_processors`.

use bytes::Bytes;
use components::otelcol::Output;
use components::otelcol::processor::batch::{Arguments, Batch};
use divan::counter::ItemsCount;
use model::otlp::{
    Consume, ConsumeFuture, Consumer, Context, ExportTraceServiceRequest, Payload, Telemetry,
};
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use syntax::decode::GoDuration;
use syntax::stability::Stability;
use tokio_util::sync::CancellationToken;

/// How many times the captured requests are sent per measured run.
const ROUNDS: usize = 500;

fn main() {
    divan::main();
}

/// The captured trace requests.
fn captured_traces() -> Vec<Payload<ExportTraceServiceRequest>> {
    let dir = testutil::shared("testdata/payloads/otlp/captured");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("captured payloads")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with("-traces.pb"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let bytes = Bytes::from(std::fs::read(p).expect("payload"));
            Payload::from_encoded(bytes).expect("a valid trace request")
        })
        .collect()
}

/// Counts the spans it receives.
#[derive(Default)]
struct Count(AtomicUsize);

impl Consume for Count {
    fn consume(&self, data: Telemetry, _: Context) -> ConsumeFuture {
        self.0.fetch_add(data.items(), Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }
}

/// Sends every captured request `ROUNDS` times through a new batch processor
/// and shuts it down, which sends what is pending.
fn run_batch(
    payloads: &[Payload<ExportTraceServiceRequest>],
    (send_batch_size, send_batch_max_size): (u32, u32),
) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let count = Arc::new(Count::default());
        let exports = Arc::new(Mutex::new(None));
        let sink = exports.clone();
        let opts = Options::new(
            "otelcol.processor.batch.bench",
            std::env::temp_dir(),
            Stability::GenerallyAvailable,
            Arc::default(),
            Arc::new(move |v| *sink.lock() = Some(v)),
        );
        let args = Arguments {
            timeout: GoDuration::from_secs(3600),
            send_batch_size,
            send_batch_max_size,
            output: Output {
                traces: vec![Consumer(count.clone())],
                ..Output::default()
            },
            ..Arguments::default()
        };
        let batch = Arc::new(Batch::build(opts, args).expect("batch processor"));
        let input = input(exports.lock().take().expect("exports"));
        let shutdown = CancellationToken::new();
        let run = tokio::spawn(batch.run(shutdown.clone()));
        for _ in 0..ROUNDS {
            for payload in payloads {
                input
                    .consume(Telemetry::Traces(payload.clone()), Context::default())
                    .await
                    .expect("accepted");
            }
        }
        shutdown.cancel();
        run.await.expect("run").expect("clean shutdown");
        count.0.load(Ordering::Relaxed)
    })
}

fn input(exports: syntax::value::Value) -> Consumer {
    use syntax::decode::Codec;
    let syntax::value::Value::Object(fields) = exports else {
        panic!("exports are an object")
    };
    Consumer::decode(&fields["input"]).expect("an otelcol.Consumer")
}

/// `(send_batch_size, send_batch_max_size)`.
#[divan::bench(args = [(2000, 0), (100, 150)])]
fn batch_traces(bencher: divan::Bencher, sizes: (u32, u32)) {
    let payloads = captured_traces();
    let spans = ROUNDS * payloads.iter().map(Payload::items).sum::<usize>();
    bencher
        .counter(ItemsCount::new(spans))
        .bench(|| assert_eq!(run_batch(&payloads, sizes), spans));
}
