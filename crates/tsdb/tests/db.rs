//! The database as its users see it: appends, selects, restarts, compaction,
//! retention and a corrupt block, on real files.

use model::labels::Labels;
use model::metrics::{MetricsBatch, Sample, is_stale_nan, stale_nan};
use std::fs;
use std::path::Path;
use std::sync::Arc;
use tsdb::{Db, MatchType, Matcher, Options};

fn series(name: &str, job: &str) -> Arc<Labels> {
    Arc::new(Labels::from_pairs([("__name__", name), ("job", job)]))
}

fn batch(samples: impl IntoIterator<Item = (Arc<Labels>, i64, f64)>) -> MetricsBatch {
    MetricsBatch {
        samples: samples
            .into_iter()
            .map(|(labels, timestamp, value)| Sample {
                labels,
                timestamp,
                value,
            })
            .collect(),
        ..MetricsBatch::default()
    }
}

fn read(db: &Db, matchers: &[Matcher], mint: i64, maxt: i64) -> Vec<(String, Vec<(i64, f64)>)> {
    db.select(matchers, mint, maxt)
        .iter()
        .map(|s| (s.labels.to_string(), s.samples().collect()))
        .collect()
}

fn small(range: i64) -> Options {
    Options {
        block_range: range,
        retention: 1000 * range,
        ..Options::default()
    }
}

/// Appends one sample per series every `step` over `[from, to)`.
fn fill(db: &Db, jobs: &[&str], from: i64, to: i64, step: i64) {
    let labels: Vec<_> = jobs.iter().map(|j| series("up", j)).collect();
    let mut t = from;
    while t < to {
        db.append(&batch(labels.iter().map(|l| (l.clone(), t, t as f64))))
            .unwrap();
        t += step;
    }
}

#[test]
fn selects_by_matchers_and_time_and_keeps_stale_markers() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), Options::default()).unwrap();
    db.append(&batch([
        (series("up", "a"), 1000, 1.0),
        (series("up", "b"), 1000, 0.0),
        (series("other", "a"), 1000, 5.0),
    ]))
    .unwrap();
    db.append(&batch([(series("up", "a"), 2000, stale_nan())]))
        .unwrap();
    let up = [Matcher::equal("__name__", "up")];
    let got = db.select(&up, 0, 5000);
    assert_eq!(got.len(), 2);
    let a: Vec<_> = got[0].samples().collect();
    assert_eq!(a[0], (1000, 1.0));
    assert!(is_stale_nan(a[1].1));
    let re = [Matcher::new(MatchType::Regex, "job", "a|c").unwrap()];
    assert_eq!(db.select(&re, 0, 5000).len(), 2);
    assert_eq!(
        read(&db, &up, 1500, 5000).len(),
        1,
        "b has no sample in range"
    );
    assert_eq!(db.label_names(&[], 0, 5000), vec!["__name__", "job"]);
    assert_eq!(
        db.label_values("__name__", &[Matcher::equal("job", "a")], 0, 5000),
        vec!["other", "up"]
    );
    assert_eq!(db.stats().head_series, 3);
}

#[test]
fn a_batch_with_an_out_of_order_sample_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), Options::default()).unwrap();
    db.append(&batch([(series("up", "a"), 5000, 1.0)])).unwrap();
    let err = db
        .append(&batch([
            (series("up", "new"), 6000, 1.0),
            (series("up", "a"), 4000, 2.0),
        ]))
        .unwrap_err();
    assert!(err.to_string().starts_with("out of order sample"), "{err}");
    let all = [Matcher::new(MatchType::Regex, "job", ".+").unwrap()];
    assert_eq!(
        read(&db, &all, 0, 10_000).len(),
        1,
        "the new series was not kept"
    );
    let err = db
        .append(&batch([(series("up", "a"), 5000, 3.0)]))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("duplicate sample for timestamp"),
        "{err}"
    );
    db.append(&batch([(series("up", "a"), 5000, 1.0)])).unwrap();
}

#[test]
fn out_of_order_samples_within_the_window_are_served_and_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        out_of_order_window: 60_000,
        ..Options::default()
    };
    let db = Db::open(dir.path(), opts.clone()).unwrap();
    let a = series("up", "a");
    db.append(&batch([
        (a.clone(), 100_000, 1.0),
        (a.clone(), 90_000, 0.9),
    ]))
    .unwrap();
    db.append(&batch([(a.clone(), 95_000, 0.95)])).unwrap();
    assert!(db.append(&batch([(a.clone(), 10_000, 0.1)])).is_err());
    let want = vec![(90_000, 0.9), (95_000, 0.95), (100_000, 1.0)];
    assert_eq!(read(&db, &[], 0, i64::MAX)[0].1, want);
    drop(db);
    let db = Db::open(dir.path(), opts).unwrap();
    assert_eq!(read(&db, &[], 0, i64::MAX)[0].1, want);
}

#[test]
fn restart_replays_the_wal_and_a_torn_tail_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), Options::default()).unwrap();
    fill(&db, &["a", "b"], 0, 600_000, 15_000);
    drop(db);
    let segment = fs::read_dir(dir.path().join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| fs::metadata(p).unwrap().len())
        .unwrap();
    let mut f = fs::OpenOptions::new().append(true).open(&segment).unwrap();
    std::io::Write::write_all(&mut f, &[2, 200, 0, 0, 0, 1, 2]).unwrap();
    drop(f);
    let db = Db::open(dir.path(), Options::default()).unwrap();
    assert_eq!(db.replay_report().truncated_bytes, 7);
    let got = read(&db, &[], 0, i64::MAX);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1.len(), 40);
    fill(&db, &["a"], 600_000, 615_000, 15_000);
    drop(db);
    let db = Db::open(dir.path(), Options::default()).unwrap();
    assert_eq!(read(&db, &[], 0, i64::MAX)[0].1.len(), 41);
}

#[test]
fn the_head_is_cut_into_blocks_that_merge_and_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let range = 60_000;
    let db = Db::open(dir.path(), small(range)).unwrap();
    fill(&db, &["a", "b"], 0, 10 * range, 1000);
    db.maintain().unwrap();
    let blocks = db.blocks();
    assert!(!blocks.is_empty());
    assert!(blocks.iter().any(|b| b.compaction.level > 1), "{blocks:?}");
    let spans: Vec<_> = blocks.iter().map(|b| (b.min_time, b.max_time)).collect();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "blocks overlap: {spans:?}");
    }
    let want: Vec<_> = (0..10 * range)
        .step_by(1000)
        .map(|t| (t, t as f64))
        .collect();
    let check = |db: &Db| {
        let got = read(db, &[Matcher::equal("job", "b")], 0, i64::MAX);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, want);
    };
    check(&db);
    let stats = db.stats();
    assert!(stats.blocks > 0 && stats.block_samples > 0 && stats.bytes_on_disk > 0);
    // Samples before the last block's end are refused from now on.
    assert!(db.append(&batch([(series("up", "late"), 0, 1.0)])).is_err());
    drop(db);
    let db = Db::open(dir.path(), small(range)).unwrap();
    check(&db);
    let a = db
        .select(&[Matcher::equal("job", "a")], 0, i64::MAX)
        .remove(0);
    let t = 5 * range + 1000;
    assert_eq!(a.samples().seek(t - 500), Some((t, t as f64)));
}

#[test]
fn churned_series_are_collected_at_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let range = 60_000;
    let db = Db::open(dir.path(), small(range)).unwrap();
    for i in 0..50 {
        db.append(&batch([(series("up", &format!("gone-{i}")), 1000, 1.0)]))
            .unwrap();
    }
    fill(&db, &["kept"], 0, 4 * range, 5000);
    db.maintain().unwrap();
    assert_eq!(db.stats().head_series, 1);
    assert_eq!(
        db.label_values("job", &[], 0, i64::MAX).len(),
        51,
        "the old series are in a block"
    );
}

#[test]
fn retention_drops_whole_blocks_by_time_and_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let range = 60_000;
    let opts = Options {
        block_range: range,
        retention: 3 * range,
        ..Options::default()
    };
    let db = Db::open(dir.path(), opts).unwrap();
    fill(&db, &["a"], 0, 10 * range, 1000);
    db.maintain().unwrap();
    let first = db.blocks()[0].min_time;
    assert!(
        first >= 10 * range - 5 * range,
        "old blocks are gone: {:?}",
        db.blocks()
    );
    let got = read(&db, &[], 0, i64::MAX);
    assert!(got[0].1[0].0 >= first);
    drop(db);

    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), small(range)).unwrap();
    fill(&db, &["a", "b", "c"], 0, 10 * range, 1000);
    db.maintain().unwrap();
    let before = db.stats();
    drop(db);
    let limit = before.bytes_on_disk - 1;
    let opts = Options {
        retention_size: Some(limit),
        ..small(range)
    };
    let db = Db::open(dir.path(), opts).unwrap();
    db.maintain().unwrap();
    let after = db.stats();
    assert!(after.blocks < before.blocks, "{before:?} {after:?}");
    assert!(after.bytes_on_disk <= limit);
}

fn corrupt_first_chunk(block: &Path) {
    let path = block.join("chunks");
    let mut data = fs::read(&path).unwrap();
    data[5] ^= 0x55;
    fs::write(&path, data).unwrap();
}

#[test]
fn a_corrupt_block_is_quarantined_and_the_rest_served() {
    let dir = tempfile::tempdir().unwrap();
    let range = 60_000;
    let opts = Options {
        block_range: range,
        // Short retention: no merging beyond level 1.
        retention: 20 * range,
        ..Options::default()
    };
    let db = Db::open(dir.path(), opts.clone()).unwrap();
    fill(&db, &["a"], 0, 4 * range, 1000);
    db.maintain().unwrap();
    let blocks = db.blocks();
    assert!(blocks.len() >= 2, "{blocks:?}");
    drop(db);
    corrupt_first_chunk(&dir.path().join(&blocks[0].name));
    let db = Db::open(dir.path(), opts).unwrap();
    let stats = db.stats();
    assert_eq!(stats.quarantined.len(), 1, "{stats:?}");
    assert!(stats.quarantined[0].contains(&blocks[0].name));
    assert!(dir.path().join("quarantine").join(&blocks[0].name).exists());
    let got = read(&db, &[], 0, i64::MAX);
    assert_eq!(got[0].1[0].0, blocks[1].min_time);
}
