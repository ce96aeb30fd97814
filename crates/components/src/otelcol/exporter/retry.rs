//! Exponential backoff with jitter for `retry_on_failure`: each wait is the
//! current interval randomised by ±`randomization_factor`, then the interval
//! grows by `multiplier` up to `max_interval`; retries stop once the next wait
//! would end after `max_elapsed_time` (0 = never stop). A delay the server
//! asked for is honoured when it is longer.

use crate::otelcol::config::client::RetryOnFailure;
use std::time::{Duration, Instant};

pub struct Backoff {
    interval: Duration,
    randomization: f64,
    multiplier: f64,
    max_interval: Duration,
    /// `None`: retry forever.
    deadline: Option<Instant>,
}

impl Backoff {
    pub fn new(config: &RetryOnFailure) -> Backoff {
        let max_elapsed = config.max_elapsed_time.to_std().unwrap_or_default();
        Backoff {
            interval: config.initial_interval.to_std().unwrap_or_default(),
            randomization: config.randomization_factor,
            multiplier: config.multiplier,
            max_interval: config.max_interval.to_std().unwrap_or_default(),
            deadline: (!max_elapsed.is_zero()).then(|| Instant::now() + max_elapsed),
        }
    }

    /// How long to wait before the next attempt, or `None` when the retry
    /// budget is spent.
    pub fn next(&mut self, server_delay: Option<Duration>) -> Option<Duration> {
        let jitter = 1.0 + self.randomization * (2.0 * random_unit() - 1.0);
        let mut delay = self.interval.mul_f64(jitter.max(0.0));
        if let Some(asked) = server_delay {
            delay = delay.max(asked);
        }
        self.interval = self
            .interval
            .mul_f64(self.multiplier)
            .min(self.max_interval.max(Duration::from_nanos(1)));
        match self.deadline {
            Some(deadline) if Instant::now() + delay > deadline => None,
            _ => Some(delay),
        }
    }
}

/// A number in [0, 1): jitter only needs to spread clients apart, not be
/// unpredictable, so the standard hasher's random keys (fresh for every
/// `RandomState`) are enough.
fn random_unit() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(0u8);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntax::decode::GoDuration;

    fn config(randomization_factor: f64, max_elapsed_ms: u64) -> RetryOnFailure {
        RetryOnFailure {
            initial_interval: GoDuration::from_std(Duration::from_millis(100)),
            randomization_factor,
            multiplier: 2.0,
            max_interval: GoDuration::from_std(Duration::from_millis(300)),
            max_elapsed_time: GoDuration::from_std(Duration::from_millis(max_elapsed_ms)),
            ..RetryOnFailure::default()
        }
    }

    #[test]
    fn grows_to_the_maximum_and_honours_the_server() {
        let mut backoff = Backoff::new(&config(0.0, 0));
        let waits: Vec<_> = (0..4).map(|_| backoff.next(None).unwrap()).collect();
        assert_eq!(
            waits,
            [100, 200, 300, 300].map(Duration::from_millis),
            "no jitter: exact intervals, capped"
        );
        assert_eq!(
            backoff.next(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn jitter_stays_within_the_factor_and_budget_ends() {
        let mut backoff = Backoff::new(&config(0.5, 0));
        let first = backoff.next(None).unwrap();
        assert!((50..=150).contains(&first.as_millis()), "{first:?}");
        let mut bounded = Backoff::new(&config(0.0, 250));
        assert!(bounded.next(None).is_some());
        assert!(bounded.next(None).is_some());
        assert_eq!(bounded.next(None), None, "100+200+300 ms exceed 250 ms");
    }
}
