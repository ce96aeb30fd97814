//! The component shared by the OTLP exporters: it exports `input`, builds the
//! transport and the sending pipeline from the arguments, and replaces the
//! pipeline on update (the old queue drains in the background).

use super::metrics::ExporterMetrics;
use super::queue::Queue;
use super::sender::Sender;
use super::{Outgoing, Transport};
use crate::otelcol::config::client::{RetryOnFailure, SendingQueue};
use model::otlp::{Consume, ConsumeFuture, Consumer, Context, Telemetry};
use parking_lot::{Mutex, RwLock};
use runtime::component::{Component, Options};
use runtime::health::Health;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::Block;
use tokio_util::sync::CancellationToken;

/// What every OTLP exporter's arguments say about sending.
pub struct Settings<'a> {
    pub queue: &'a SendingQueue,
    pub retry: &'a RetryOnFailure,
    /// Per attempt.
    pub timeout: Duration,
}

/// One kind of exporter: its arguments and how they make a transport.
pub trait ExporterKind: Send + Sync + 'static {
    type Arguments: Block + Clone + PartialEq + Send + Sync + 'static;
    type Transport: Transport;

    fn settings(args: &Self::Arguments) -> Settings<'_>;
    fn transport(args: &Self::Arguments) -> Result<Self::Transport, String>;
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
pub struct Exports {
    #[alloy(attr)]
    pub input: Option<Consumer>,
}

enum Dispatch<T> {
    Direct(Arc<Sender<T>>),
    Queued(Queue),
}

/// What `input` sends to; swapped on update.
struct Pipeline<T> {
    dispatch: RwLock<Arc<Dispatch<T>>>,
}

impl<T: Transport> Consume for Pipeline<T> {
    fn consume(&self, data: Telemetry, _: Context) -> ConsumeFuture {
        let dispatch = self.dispatch.read().clone();
        Box::pin(async move {
            let request = Outgoing::new(data);
            match &*dispatch {
                Dispatch::Direct(sender) => sender.deliver(&request).await,
                Dispatch::Queued(queue) => queue.push(request).await,
            }
        })
    }
}

/// What outlives a pipeline: the component's identity, metrics, health and
/// stop signal.
struct Shared {
    id: String,
    metrics: Arc<ExporterMetrics>,
    health: Arc<Mutex<Health>>,
    stop: CancellationToken,
}

impl Shared {
    fn dispatch<K: ExporterKind>(
        &self,
        args: &K::Arguments,
    ) -> Result<Dispatch<K::Transport>, String> {
        let settings = K::settings(args);
        let sender = Arc::new(Sender {
            transport: K::transport(args)?,
            retry: settings.retry.clone(),
            timeout: settings.timeout,
            id: self.id.clone(),
            metrics: self.metrics.clone(),
            health: self.health.clone(),
            stop: self.stop.clone(),
        });
        Ok(if settings.queue.enabled {
            Dispatch::Queued(Queue::start(settings.queue, sender, self.stop.clone()))
        } else {
            Dispatch::Direct(sender)
        })
    }
}

pub struct Exporter<K: ExporterKind> {
    shared: Shared,
    pipeline: Arc<Pipeline<K::Transport>>,
    kind: PhantomData<K>,
}

impl<K: ExporterKind> Component for Exporter<K> {
    type Arguments = K::Arguments;

    fn build(opts: Options, args: K::Arguments) -> Result<Exporter<K>, String> {
        let shared = Shared {
            id: opts.id.clone(),
            metrics: Arc::new(ExporterMetrics::default()),
            health: Arc::new(Mutex::new(Health::healthy("started"))),
            stop: CancellationToken::new(),
        };
        let pipeline = Arc::new(Pipeline {
            dispatch: RwLock::new(Arc::new(shared.dispatch::<K>(&args)?)),
        });
        shared.metrics.register(&mut opts.metrics.lock());
        opts.export(&Exports {
            input: Some(Consumer(pipeline.clone())),
        });
        Ok(Exporter {
            shared,
            pipeline,
            kind: PhantomData,
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        self.shared.stop.cancel();
        Ok(())
    }

    fn update(&self, args: K::Arguments) -> Result<(), String> {
        let dispatch = self.shared.dispatch::<K>(&args)?;
        *self.pipeline.dispatch.write() = Arc::new(dispatch);
        Ok(())
    }

    fn health(&self) -> Option<Health> {
        Some(self.shared.health.lock().clone())
    }
}
