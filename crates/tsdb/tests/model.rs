//! The database against a trivial model (a sorted map per series) under
//! random appends (in order, late, duplicated), maintenance (compaction and
//! retention) and restarts.
//!
//! Whether the Db must accept a batch is decided by the model where the rules
//! leave no doubt; otherwise the Db's answer is taken and the model follows it.

use model::labels::Labels;
use model::metrics::{MetricsBatch, Sample};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use tsdb::{Db, Options};

const RANGE: i64 = 1000;
const WINDOW: i64 = 400;
const RETENTION: i64 = 40 * RANGE;
const SERIES: usize = 4;

#[derive(Clone, Debug)]
enum Op {
    /// Moves time forward.
    Advance(i64),
    /// Samples `(series, lag behind now, value)`.
    Append(Vec<(usize, i64, u8)>),
    /// Re-sends an existing sample of a series, same or other value.
    Resend(usize, bool),
    Maintain,
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..500i64).prop_map(Op::Advance),
        6 => prop::collection::vec(
            (0..SERIES, prop_oneof![3 => Just(0i64), 1 => 0..WINDOW, 1 => WINDOW..3 * WINDOW], any::<u8>()),
            1..5
        )
        .prop_map(Op::Append),
        1 => (0..SERIES, any::<bool>()).prop_map(|(s, same)| Op::Resend(s, same)),
        1 => Just(Op::Maintain),
        1 => Just(Op::Restart),
    ]
}

#[derive(PartialEq, Debug)]
enum Verdict {
    Accept,
    Refuse,
    Unsure,
}

struct Model {
    series: Vec<BTreeMap<i64, f64>>,
    newest: Option<i64>,
}

impl Model {
    /// What the rules say about `samples` (series, t, v) as one batch.
    fn verdict(&self, samples: &[(usize, i64, f64)]) -> Verdict {
        let mut pending: Vec<BTreeMap<i64, f64>> = self.series.clone();
        let mut newest = self.newest;
        let mut verdict = Verdict::Accept;
        for &(s, t, v) in samples {
            let last = pending[s].keys().next_back().copied();
            // Samples this recent are past every block boundary (blocks are
            // cut 1.5 ranges behind the newest sample, the window is ≤ 0.5).
            let recent = newest.is_none_or(|n| t >= n - WINDOW);
            let committed = self.series[s].get(&t);
            let this = match pending[s].get(&t) {
                // A sample already in a block is refused as out of bounds.
                Some(e)
                    if e.to_bits() == v.to_bits() && newest.is_some_and(|n| t >= n - RANGE / 2) =>
                {
                    Verdict::Accept
                }
                Some(e) if committed.is_some() && e.to_bits() != v.to_bits() => Verdict::Refuse,
                // An earlier sample of the same batch: the first one wins.
                Some(_) => Verdict::Unsure,
                None if last.is_none_or(|l| t > l) => {
                    if recent || newest.is_some_and(|n| t >= n - RANGE / 2) {
                        Verdict::Accept
                    } else {
                        Verdict::Unsure
                    }
                }
                None if recent => Verdict::Accept,
                None if last.is_some_and(|l| t < l - WINDOW) => Verdict::Refuse,
                None => Verdict::Unsure,
            };
            match this {
                Verdict::Refuse => return Verdict::Refuse,
                Verdict::Unsure => verdict = Verdict::Unsure,
                Verdict::Accept => {}
            }
            pending[s].entry(t).or_insert(v);
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        verdict
    }

    fn apply(&mut self, samples: &[(usize, i64, f64)]) {
        for &(s, t, v) in samples {
            self.series[s].entry(t).or_insert(v);
            self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
        }
    }
}

fn labels(s: usize) -> Arc<Labels> {
    Arc::new(Labels::from_pairs([
        ("__name__", "m".to_string()),
        ("i", s.to_string()),
    ]))
}

fn contents(db: &Db) -> Vec<BTreeMap<i64, f64>> {
    let mut out = vec![BTreeMap::new(); SERIES];
    for series in db.select(&[], i64::MIN, i64::MAX) {
        let s: usize = series.labels.get("i").unwrap().parse().unwrap();
        let samples: Vec<_> = series.samples().collect();
        assert!(
            samples.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
        out[s] = samples.into_iter().collect();
    }
    out
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        block_range: RANGE,
        retention: RETENTION,
        out_of_order_window: WINDOW,
        retention_size: None,
    };
    let mut db = Db::open(dir.path(), opts.clone()).unwrap();
    let mut model = Model {
        series: vec![BTreeMap::new(); SERIES],
        newest: None,
    };
    let mut now = 10 * RANGE;
    let mut seen_block_end = i64::MIN;
    for op in ops {
        let samples: Vec<(usize, i64, f64)> = match op {
            Op::Advance(d) => {
                now += d;
                continue;
            }
            Op::Append(list) => list
                .into_iter()
                .map(|(s, lag, v)| (s, now - lag, v as f64))
                .collect(),
            Op::Resend(s, same) => match model.series[s].iter().next_back() {
                Some((&t, &v)) => vec![(s, t, if same { v } else { v + 1.0 })],
                None => continue,
            },
            Op::Maintain => {
                db.maintain().unwrap();
                let blocks = db.blocks();
                seen_block_end = blocks
                    .iter()
                    .map(|b| b.max_time)
                    .max()
                    .unwrap_or(seen_block_end)
                    .max(seen_block_end);
                let kept_from = blocks.first().map_or(seen_block_end, |b| b.min_time);
                let cutoff = model.newest.map_or(i64::MIN, |n| n - RETENTION);
                for series in &mut model.series {
                    let dropped = series.range(..kept_from).next_back().map(|(t, _)| *t);
                    prop_assert!(
                        dropped.is_none_or(|t| t <= cutoff),
                        "sample at {dropped:?} dropped, cutoff {cutoff}"
                    );
                    series.retain(|t, _| *t >= kept_from);
                }
                prop_assert_eq!(contents(&db), model.series.clone());
                continue;
            }
            Op::Restart => {
                drop(db);
                db = Db::open(dir.path(), opts.clone()).unwrap();
                prop_assert_eq!(contents(&db), model.series.clone());
                continue;
            }
        };
        let batch = MetricsBatch {
            samples: samples
                .iter()
                .map(|&(s, timestamp, value)| Sample {
                    labels: labels(s),
                    timestamp,
                    value,
                })
                .collect(),
            ..MetricsBatch::default()
        };
        let verdict = model.verdict(&samples);
        let result = db.append(&batch);
        match (&verdict, &result) {
            (Verdict::Accept, Err(e)) => prop_assert!(false, "refused {samples:?}: {e}"),
            (Verdict::Refuse, Ok(())) => prop_assert!(false, "accepted {samples:?}"),
            _ => {}
        }
        if result.is_ok() {
            model.apply(&samples);
        }
        prop_assert_eq!(contents(&db), model.series.clone());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_db_behaves_like_a_sorted_map(ops in prop::collection::vec(op(), 1..200)) {
        run(ops)?;
    }
}
