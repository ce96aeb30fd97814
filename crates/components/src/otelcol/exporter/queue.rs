//! The `sending_queue`: a bounded in-memory queue measured by `sizer`
//! (requests, items or bytes) and `num_consumers` workers that deliver from
//! it. A request holds its share of the capacity until it has been delivered
//! or dropped, so memory stays bounded even while the server is down. When the
//! queue is full the caller gets a retryable refusal, or waits with
//! `block_on_overflow`.

use super::metrics::ExporterMetrics;
use super::sender::Sender;
use super::{Outgoing, Transport};
use crate::otelcol::config::client::{SendingQueue, Sizer};
use model::otlp::ConsumeError;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

struct Job {
    request: Outgoing,
    /// The request's share of the capacity, given back once it is done.
    reserved: OwnedSemaphorePermit,
    /// Set with `wait_for_result`: where the outcome goes.
    result: Option<oneshot::Sender<Result<(), ConsumeError>>>,
}

pub struct Queue {
    jobs: mpsc::UnboundedSender<Job>,
    capacity: Arc<Semaphore>,
    size_limit: u32,
    sizer: Sizer,
    block_on_overflow: bool,
    wait_for_result: bool,
    metrics: Arc<ExporterMetrics>,
    /// Ends waits for room when the component stops.
    stop: CancellationToken,
}

impl Queue {
    /// Starts the workers; they stop when `stop` is cancelled or when the
    /// queue is dropped and emptied (an update replaces the queue and lets the
    /// old one drain).
    pub fn start<T: Transport>(
        config: &SendingQueue,
        sender: Arc<Sender<T>>,
        stop: CancellationToken,
    ) -> Queue {
        let size_limit = u32::try_from(config.queue_size).unwrap_or(u32::MAX);
        let metrics = sender.metrics.clone();
        metrics.queue_capacity.set(i64::from(size_limit));
        metrics.queue_size.set(0);
        let capacity = Arc::new(Semaphore::new(size_limit as usize));
        let (jobs, receiver) = mpsc::unbounded_channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..config.num_consumers {
            let (receiver, sender, stop) = (receiver.clone(), sender.clone(), stop.clone());
            let (capacity, metrics) = (capacity.clone(), metrics.clone());
            tokio::spawn(async move {
                loop {
                    let job = tokio::select! {
                        job = async { receiver.lock().await.recv().await } => job,
                        () = stop.cancelled() => None,
                    };
                    let Some(job) = job else { return };
                    let outcome = sender.deliver(&job.request).await;
                    if let Some(result) = job.result {
                        let _ = result.send(outcome);
                    }
                    drop(job.reserved);
                    metrics.queue_size.set(in_use(&capacity, size_limit));
                }
            });
        }
        Queue {
            jobs,
            capacity,
            size_limit,
            sizer: config.sizer(),
            block_on_overflow: config.block_on_overflow,
            wait_for_result: config.wait_for_result,
            metrics,
            stop,
        }
    }

    /// Queues `request`; with `wait_for_result`, also waits for its delivery.
    pub async fn push(&self, request: Outgoing) -> Result<(), ConsumeError> {
        let size = match self.sizer {
            Sizer::Requests => 1,
            Sizer::Items => request.items,
            Sizer::Bytes => request.body.len(),
        };
        let refuse = |reason: &str| {
            self.metrics
                .enqueue_failed(request.signal, request.items as u64);
            reason.to_owned()
        };
        let size = match u32::try_from(size) {
            Ok(size) if size <= self.size_limit => size,
            _ => {
                return Err(ConsumeError::permanent(refuse(
                    "the request is larger than the sending queue's capacity",
                )));
            }
        };
        let reserved = match self.capacity.clone().try_acquire_many_owned(size) {
            Ok(reserved) => reserved,
            Err(_) if self.block_on_overflow => {
                tokio::select! {
                    reserved = self.capacity.clone().acquire_many_owned(size) => reserved
                        .map_err(|_| ConsumeError::retryable("the sending queue is closed"))?,
                    () = self.stop.cancelled() => {
                        return Err(ConsumeError::retryable("the exporter stopped"));
                    }
                }
            }
            Err(_) => {
                return Err(ConsumeError::retryable(refuse("sending queue is full")));
            }
        };
        self.metrics
            .queue_size
            .set(in_use(&self.capacity, self.size_limit));
        let (result, outcome) = if self.wait_for_result {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let job = Job {
            request,
            reserved,
            result,
        };
        if self.jobs.send(job).is_err() {
            return Err(ConsumeError::retryable("the sending queue is closed"));
        }
        match outcome {
            Some(outcome) => outcome
                .await
                .unwrap_or_else(|_| Err(ConsumeError::retryable("the exporter stopped"))),
            None => Ok(()),
        }
    }
}

/// How much of the capacity queued requests hold.
fn in_use(capacity: &Semaphore, size_limit: u32) -> i64 {
    i64::from(size_limit) - capacity.available_permits() as i64
}
