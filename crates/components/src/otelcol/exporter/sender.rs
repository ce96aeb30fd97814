//! Delivering one request: attempts with a per-attempt timeout, retries of
//! retryable failures per `retry_on_failure`, counting and logging of what
//! was sent, rejected or dropped, and the component's health.

use super::metrics::ExporterMetrics;
use super::retry::Backoff;
use super::{Accepted, Outgoing, SendError, Transport};
use crate::otelcol::config::client::RetryOnFailure;
use model::otlp::ConsumeError;
use parking_lot::Mutex;
use runtime::health::Health;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct Sender<T> {
    pub transport: T,
    pub retry: RetryOnFailure,
    /// Per attempt.
    pub timeout: Duration,
    pub id: String,
    pub metrics: Arc<ExporterMetrics>,
    pub health: Arc<Mutex<Health>>,
    /// Cancelled when the component stops: waits between retries end.
    pub stop: CancellationToken,
}

impl<T: Transport> Sender<T> {
    /// Sends `request` until it is accepted, refused for good, or the retry
    /// budget is spent. Dropped data is counted and logged here; the error is
    /// returned for callers that wait for the result.
    pub async fn deliver(&self, request: &Outgoing) -> Result<(), ConsumeError> {
        let mut backoff = Backoff::new(&self.retry);
        loop {
            let outcome =
                match tokio::time::timeout(self.timeout, self.transport.send(request)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(SendError::retryable(format!(
                        "context deadline exceeded: no answer within {:?}",
                        self.timeout
                    ))),
                };
            let (reason, retry_after) = match outcome {
                Ok(accepted) => {
                    self.accepted(request, accepted);
                    return Ok(());
                }
                Err(SendError::Permanent(reason)) => {
                    let reason = format!("Not retrying, permanent error: {reason}");
                    self.dropped(request, &reason);
                    return Err(ConsumeError::permanent(reason));
                }
                Err(SendError::Retryable {
                    reason,
                    retry_after,
                }) => (reason, retry_after),
            };
            if !self.retry.enabled {
                self.dropped(request, &reason);
                return Err(ConsumeError::retryable(reason));
            }
            let Some(delay) = backoff.next(retry_after) else {
                let reason = format!("no more retries left: {reason}");
                self.dropped(request, &reason);
                return Err(ConsumeError::retryable(reason));
            };
            self.unhealthy(&reason);
            tracing::info!(
                component_id = %self.id,
                error = %reason,
                interval = ?delay,
                "Exporting failed. Will retry the request after interval."
            );
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.stop.cancelled() => {
                    let reason = format!("interrupted due to shutdown: {reason}");
                    self.dropped(request, &reason);
                    return Err(ConsumeError::retryable(reason));
                }
            }
        }
    }

    fn accepted(&self, request: &Outgoing, accepted: Accepted) {
        let rejected = accepted.rejected.min(request.items as u64);
        self.metrics
            .sent(request.signal, request.items as u64 - rejected);
        if rejected > 0 {
            self.metrics.send_failed(request.signal, rejected);
            tracing::warn!(
                component_id = %self.id,
                rejected,
                message = %accepted.message,
                "Partial success response: the server rejected some {}",
                request.signal.item_name()
            );
        } else if !accepted.message.is_empty() {
            tracing::warn!(component_id = %self.id, message = %accepted.message, "Partial success response with a warning");
        }
        *self.health.lock() = Health::healthy("sending");
    }

    fn dropped(&self, request: &Outgoing, reason: &str) {
        self.metrics
            .send_failed(request.signal, request.items as u64);
        self.unhealthy(reason);
        tracing::error!(
            component_id = %self.id,
            error = %reason,
            dropped_items = request.items,
            "Exporting failed. Dropping data."
        );
    }

    fn unhealthy(&self, reason: &str) {
        *self.health.lock() = Health::new(runtime::health::HealthState::Unhealthy, reason);
    }
}
