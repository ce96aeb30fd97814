//! The read interface the engine needs from a metrics storage, close to
//! Prometheus's `storage.Querier`, and an in-memory implementation.

use std::sync::Arc;

use model::labels::Labels;

use crate::matcher::LabelMatcher;

/// One stored series: its labels and its float samples in time order.
#[derive(Clone, Debug)]
pub struct StoredSeries {
    pub labels: Arc<Labels>,
    /// `(timestamp ms, value)`, strictly increasing timestamps.
    pub samples: Arc<[(i64, f64)]>,
}

/// Read access to stored series.
pub trait Querier: Send + Sync {
    /// The series matching every matcher, with their samples in `[mint, maxt]`
    /// (an implementation may return more; the engine cuts its windows).
    fn select(&self, matchers: &[LabelMatcher], mint: i64, maxt: i64) -> Vec<StoredSeries>;

    /// Every label name of the series matching `matchers` (all series when empty), sorted.
    fn label_names(&self, matchers: &[LabelMatcher]) -> Vec<String>;

    /// Every value of label `name` among the series matching `matchers`, sorted.
    fn label_values(&self, name: &str, matchers: &[LabelMatcher]) -> Vec<String>;
}

/// A series still being appended to.
struct GrowingSeries {
    labels: Arc<Labels>,
    samples: Vec<(i64, f64)>,
}

/// Series held in memory; samples appended in time order.
#[derive(Default)]
pub struct MemoryStorage {
    series: Vec<GrowingSeries>,
    index: std::collections::HashMap<Labels, usize>,
}

/// A sample older than or as old as the series' last one.
#[derive(Debug, thiserror::Error)]
#[error("out of order sample for series {labels}: {timestamp} <= {last}")]
pub struct OutOfOrder {
    pub labels: Labels,
    pub timestamp: i64,
    pub last: i64,
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// Appends a sample; samples of one series must come in increasing time order.
    pub fn append(
        &mut self,
        labels: &Labels,
        timestamp: i64,
        value: f64,
    ) -> Result<(), OutOfOrder> {
        let i = match self.index.get(labels) {
            Some(&i) => i,
            None => {
                self.series.push(GrowingSeries {
                    labels: Arc::new(labels.clone()),
                    samples: Vec::new(),
                });
                self.index.insert(labels.clone(), self.series.len() - 1);
                self.series.len() - 1
            }
        };
        let samples = &mut self.series[i].samples;
        if let Some(&(last, _)) = samples.last()
            && last >= timestamp
        {
            return Err(OutOfOrder {
                labels: labels.clone(),
                timestamp,
                last,
            });
        }
        samples.push((timestamp, value));
        Ok(())
    }

    /// Freezes the appended data into a querier.
    pub fn into_querier(self) -> MemoryQuerier {
        let mut series: Vec<StoredSeries> = self
            .series
            .into_iter()
            .map(|s| StoredSeries {
                labels: s.labels,
                samples: s.samples.into(),
            })
            .collect();
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        MemoryQuerier { series }
    }
}

/// An immutable set of in-memory series.
pub struct MemoryQuerier {
    series: Vec<StoredSeries>,
}

impl MemoryQuerier {
    fn matching<'a>(
        &'a self,
        matchers: &'a [LabelMatcher],
    ) -> impl Iterator<Item = &'a StoredSeries> {
        self.series
            .iter()
            .filter(move |s| matchers.iter().all(|m| m.matches(s.labels.value(&m.name))))
    }
}

impl Querier for MemoryQuerier {
    fn select(&self, matchers: &[LabelMatcher], mint: i64, maxt: i64) -> Vec<StoredSeries> {
        self.matching(matchers)
            .filter_map(|s| {
                let from = s.samples.partition_point(|&(t, _)| t < mint);
                let to = s.samples.partition_point(|&(t, _)| t <= maxt);
                (from < to).then(|| StoredSeries {
                    labels: s.labels.clone(),
                    samples: if from == 0 && to == s.samples.len() {
                        s.samples.clone()
                    } else {
                        s.samples[from..to].into()
                    },
                })
            })
            .collect()
    }

    fn label_names(&self, matchers: &[LabelMatcher]) -> Vec<String> {
        let mut names: Vec<String> = self
            .matching(matchers)
            .flat_map(|s| s.labels.iter().map(|(n, _)| n.to_string()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn label_values(&self, name: &str, matchers: &[LabelMatcher]) -> Vec<String> {
        let mut values: Vec<String> = self
            .matching(matchers)
            .filter_map(|s| s.labels.get(name).map(str::to_string))
            .collect();
        values.sort();
        values.dedup();
        values
    }
}
