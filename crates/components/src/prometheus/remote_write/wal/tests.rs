use super::*;
use model::metrics::Sample;

fn batch(series: &[(&str, i64, f64)]) -> MetricsBatch {
    MetricsBatch {
        samples: series
            .iter()
            .map(|(name, timestamp, value)| Sample {
                labels: Arc::new(Labels::from_pairs([("__name__", *name), ("job", "j")])),
                timestamp: *timestamp,
                value: *value,
            })
            .collect(),
        ..MetricsBatch::default()
    }
}

/// Every sample in the segments, with its series' name.
fn read_all(wal: &Wal) -> Vec<(String, i64, f64)> {
    let mut out = Vec::new();
    for seg in segment::list(wal.dir()).unwrap() {
        let chunk =
            segment::read(&segment::segment_path(wal.dir(), seg), 0, None, 1 << 20).unwrap();
        assert!(chunk.corrupt.is_none());
        for (_, record) in chunk.records {
            if let Record::Samples(samples) = record {
                for s in samples {
                    let labels = wal.labels(s.series).expect("series known");
                    out.push((labels.value("__name__").to_string(), s.timestamp, s.value));
                }
            }
        }
    }
    out
}

#[test]
fn appends_replay_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, replay) = Wal::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(replay, Replay::default());
    wal.append(&batch(&[("a", 1, 1.0), ("b", 1, 2.0)])).unwrap();
    wal.append(&batch(&[("a", 2, 3.0)])).unwrap();
    assert_eq!(wal.active_series(), 2);
    assert!(wal.end().offset > 0);
    drop(wal);

    let (wal, replay) = Wal::open(dir.path(), 1 << 20).unwrap();
    assert_eq!((replay.series, replay.samples), (2, 3));
    assert_eq!(
        wal.end(),
        Pos {
            segment: 2,
            offset: 0
        },
        "a new segment per start"
    );
    // Known series keep their reference: no second series record.
    wal.append(&batch(&[("a", 3, 4.0)])).unwrap();
    assert_eq!(wal.active_series(), 2);
    assert_eq!(
        read_all(&wal),
        [
            ("a".into(), 1, 1.0),
            ("b".into(), 1, 2.0),
            ("a".into(), 2, 3.0),
            ("a".into(), 3, 4.0)
        ]
    );
}

#[test]
fn torn_tail_is_cut_off_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), 1 << 20).unwrap();
    wal.append(&batch(&[("a", 1, 1.0)])).unwrap();
    let good = wal.end().offset;
    wal.append(&batch(&[("b", 2, 2.0)])).unwrap();
    drop(wal);
    let path = segment::segment_path(dir.path(), 1);
    let len = std::fs::metadata(&path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 3)
        .unwrap();

    let (wal, replay) = Wal::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(replay.truncated, [path.display().to_string()]);
    // The series record of "b" was whole; its samples record was cut off.
    let cut = std::fs::metadata(&path).unwrap().len();
    assert!(good < cut && cut < len - 3, "{good} < {cut} < {len}");
    assert_eq!(replay.series, 2);
    assert_eq!(read_all(&wal), [("a".into(), 1, 1.0)]);
    wal.append(&batch(&[("b", 3, 3.0)])).unwrap();
    assert_eq!(read_all(&wal).len(), 2);
}

#[test]
fn segments_rotate_and_truncation_checkpoints_live_series() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), 50).unwrap();
    wal.append(&batch(&[("old", 10, 1.0), ("both", 10, 1.0)]))
        .unwrap();
    assert_eq!(wal.end().segment, 2, "rotated past 50 bytes");
    wal.append(&batch(&[("both", 20, 2.0), ("new", 20, 2.0)]))
        .unwrap();
    assert_eq!(wal.end().segment, 3);

    // Queues still need segment 2: only segment 1 may go.
    let t = wal.truncate(Some(2), 1000, 0).unwrap();
    assert_eq!(t.segments_deleted, 1);
    assert_eq!(
        (t.series_dropped, t.series_kept),
        (1, 2),
        "'old' was only in segment 1"
    );
    assert!(wal.labels(1).is_none());
    assert_eq!(segment::list(dir.path()).unwrap(), [2, 3]);
    drop(wal);

    // The checkpoint keeps the series whose samples remain.
    let (wal, replay) = Wal::open(dir.path(), 50).unwrap();
    assert_eq!(replay.series, 2);
    assert_eq!(
        read_all(&wal),
        [("both".into(), 20, 2.0), ("new".into(), 20, 2.0)]
    );
    // Samples older than the max keepalive go even if unsent.
    let t = wal.truncate(Some(0), i64::MIN, 21).unwrap();
    assert_eq!(t.segments_deleted, 2);
    assert_eq!(wal.active_series(), 0);
}

#[test]
fn recent_or_unsent_segments_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), 1 << 20).unwrap();
    wal.append(&batch(&[("a", 100, 1.0)])).unwrap();
    // Sent, but newer than the min keepalive bound.
    assert_eq!(wal.truncate(None, 50, 0).unwrap().segments_deleted, 0);
    // Old enough, but a queue has not sent it.
    assert_eq!(wal.truncate(Some(1), 200, 0).unwrap().segments_deleted, 0);
    assert_eq!(wal.truncate(Some(3), 200, 0).unwrap().segments_deleted, 1);
}

#[test]
fn write_errors_are_retryable_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), 1 << 20).unwrap();
    wal.append(&batch(&[("a", 1, 1.0)])).unwrap();
    let end = wal.end();
    // Swap the segment for a read-only handle: writes fail like on a full disk.
    wal.state.lock().file = File::open(segment::segment_path(dir.path(), 1)).unwrap();
    let err = wal.append(&batch(&[("b", 2, 2.0)])).unwrap_err();
    assert!(err.retryable);
    assert!(
        err.message.starts_with("failed to write to the WAL"),
        "{}",
        err.message
    );
    assert_eq!(wal.error(), Some(err.message));
    assert_eq!(wal.end(), end);
    assert_eq!(wal.active_series(), 1, "the new series was rolled back");
    wal.state.lock().file = create_segment(dir.path(), 1).unwrap();
    wal.append(&batch(&[("b", 2, 2.0)])).unwrap();
    assert_eq!(wal.error(), None);
    assert_eq!(read_all(&wal).len(), 2);
}
