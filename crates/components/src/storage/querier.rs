//! The PromQL engine's read interface over the embedded database: matchers
//! are translated to the storage's own, and every sample handed to the engine
//! is counted for the query statistics.

use promql::storage::{Querier, StoredSeries};
use promql::{LabelMatcher, MatchKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tsdb::chunk::XorIterator;
use tsdb::{Db, MatchType, Matcher};

/// One query's view of the database.
pub struct DbQuerier<'a> {
    db: &'a Db,
    /// Samples decoded for the engine so far (`totalQueryableSamples`).
    samples: AtomicU64,
}

impl<'a> DbQuerier<'a> {
    pub fn new(db: &'a Db) -> DbQuerier<'a> {
        DbQuerier {
            db,
            samples: AtomicU64::new(0),
        }
    }

    /// How many samples the engine has read through this querier.
    pub fn samples_read(&self) -> u64 {
        self.samples.load(Ordering::Relaxed)
    }
}

/// The storage matchers equivalent to the engine's; the engine's regexes
/// already compiled, so recompiling their source cannot fail — an error here
/// only means the two compilers disagree, and the matcher then selects nothing.
pub fn storage_matchers(matchers: &[LabelMatcher]) -> Result<Vec<Matcher>, String> {
    matchers
        .iter()
        .map(|m| match &m.kind {
            MatchKind::Equal(v) => Ok(Matcher::equal(m.name.as_str(), v.as_str())),
            MatchKind::NotEqual(v) => {
                Matcher::new(MatchType::NotEqual, m.name.as_str(), v.as_str())
            }
            MatchKind::Regex(r) => Matcher::new(MatchType::Regex, m.name.as_str(), r.as_str()),
            MatchKind::NotRegex(r) => {
                Matcher::new(MatchType::NotRegex, m.name.as_str(), r.as_str())
            }
        })
        .collect()
}

/// The whole time range, for label lookups that give none.
const ALL_TIME: (i64, i64) = (i64::MIN, i64::MAX);

impl Querier for DbQuerier<'_> {
    fn select(&self, matchers: &[LabelMatcher], mint: i64, maxt: i64) -> Vec<StoredSeries> {
        let Ok(matchers) = storage_matchers(matchers) else {
            return Vec::new();
        };
        let series = self.db.select(&matchers, mint, maxt);
        let mut read = 0u64;
        let out = series
            .into_iter()
            .map(|s| {
                // The engine keeps whole sample slices, so each series is
                // decoded once, into a buffer sized from the chunk headers
                // (an upper bound: chunks may reach outside the range).
                let bound: usize = s
                    .chunks
                    .iter()
                    .map(|c| XorIterator::new(&c.data).total())
                    .sum();
                let mut buffer = Vec::with_capacity(bound);
                buffer.extend(s.samples());
                let samples: Arc<[(i64, f64)]> = buffer.into();
                read += samples.len() as u64;
                StoredSeries {
                    labels: s.labels,
                    samples,
                }
            })
            .collect();
        self.samples.fetch_add(read, Ordering::Relaxed);
        out
    }

    fn label_names(&self, matchers: &[LabelMatcher]) -> Vec<String> {
        storage_matchers(matchers)
            .map(|m| self.db.label_names(&m, ALL_TIME.0, ALL_TIME.1))
            .unwrap_or_default()
    }

    fn label_values(&self, name: &str, matchers: &[LabelMatcher]) -> Vec<String> {
        storage_matchers(matchers)
            .map(|m| self.db.label_values(name, &m, ALL_TIME.0, ALL_TIME.1))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::labels::Labels;
    use model::metrics::{MetricsBatch, Sample};
    use promql::{Engine, EngineOptions, Value};

    /// A series' label pairs and its samples.
    type TestSeries<'a> = (&'a [(&'a str, &'a str)], &'a [(i64, f64)]);

    fn db_with(series: &[TestSeries]) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), tsdb::Options::default()).unwrap();
        let mut batch = MetricsBatch::default();
        for (labels, samples) in series {
            let labels = Arc::new(Labels::from_pairs(labels.iter().copied()));
            for &(timestamp, value) in *samples {
                batch.samples.push(Sample {
                    labels: labels.clone(),
                    timestamp,
                    value,
                });
            }
        }
        db.append(&batch).unwrap();
        (dir, db)
    }

    #[test]
    fn engine_reads_the_database_through_the_adapter() {
        let (_dir, db) = db_with(&[
            (
                &[("__name__", "req_total"), ("code", "200")],
                &[(0, 0.0), (60_000, 60.0), (120_000, 120.0)],
            ),
            (
                &[("__name__", "req_total"), ("code", "500")],
                &[(0, 0.0), (60_000, 6.0), (120_000, 12.0)],
            ),
            (&[("__name__", "other")], &[(60_000, 1.0)]),
        ]);
        let querier = DbQuerier::new(&db);
        let engine = Engine::new(EngineOptions::default());
        let result = engine
            .instant(
                &querier,
                r#"sum(rate(req_total{code=~"5.."}[2m]))"#,
                120_000,
            )
            .unwrap();
        let Value::Vector(v) = result.value else {
            panic!("not a vector: {:?}", result.value)
        };
        assert_eq!(v.len(), 1);
        assert!((v[0].v - 0.1).abs() < 1e-9, "{}", v[0].v);
        assert_eq!(querier.samples_read(), 3);
        assert_eq!(querier.label_values("code", &[]), ["200", "500"]);
        let only_500 = [LabelMatcher::new("code", MatchKind::Equal("500".into()))];
        assert_eq!(querier.label_names(&only_500), ["__name__", "code"]);
    }

    #[test]
    fn negative_matchers_select_series_without_the_label() {
        let (_dir, db) = db_with(&[
            (&[("__name__", "m"), ("env", "prod")], &[(1000, 1.0)]),
            (&[("__name__", "m")], &[(1000, 2.0)]),
        ]);
        let querier = DbQuerier::new(&db);
        let name = LabelMatcher::new("__name__", MatchKind::Equal("m".into()));
        let not_prod = LabelMatcher::new(
            "env",
            MatchKind::NotRegex(model::relabel::Regex::new("prod").unwrap()),
        );
        let got = querier.select(&[name, not_prod], 0, 2000);
        assert_eq!(got.len(), 1);
        assert_eq!(&*got[0].samples, &[(1000, 2.0)]);
    }
}
