//! The write-ahead log every append goes to before it is acknowledged.
//!
//! Layout under `<data_path>/wal/`: segment files `00000001`, `00000002`, …
//! (a new one when the current exceeds the segment size, at every start and
//! at every truncation) and `checkpoint`, the series still alive when older
//! segments were deleted. Series get a reference on first sight; the series
//! record is written in the same write as the first sample using it.
//!
//! Durability: an append is written to the file (the page cache) before it is
//! acknowledged, so it survives the process being killed; segments are
//! fsynced when they are closed and the checkpoint before it replaces the old
//! one — as Prometheus's WAL, a machine crash can lose the unsynced tail.
//! A write error (disk full, read-only disk) truncates the partial write away
//! and refuses the batch with a retryable error; the next append tries again.

pub mod record;
pub mod segment;

use hashbrown::HashTable;
use model::labels::Labels;
use model::metrics::{AppendError, MetricsBatch};
use parking_lot::Mutex;
use record::{Encoder, Record, RefSample, SeriesRef};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::hash::BuildHasher;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

type Hasher = foldhash::fast::RandomState;

/// A place in the WAL: a segment and a byte offset in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub segment: u64,
    pub offset: u64,
}

const CHECKPOINT: &str = "checkpoint";
/// How much of a segment is read at once during replay.
const REPLAY_CHUNK: usize = 8 << 20;

/// A live series: its labels shared with whoever appended them (the scrape
/// cache holds the same set), so the WAL adds no copy of its own.
struct SeriesEntry {
    labels: Arc<Labels>,
    /// The newest segment holding a sample of the series: once that segment
    /// is deleted, the series is no longer needed.
    last_segment: u64,
}

struct State {
    file: File,
    segment: u64,
    offset: u64,
    next_ref: SeriesRef,
    series: HashMap<SeriesRef, SeriesEntry, Hasher>,
    /// The references of `series`, found by the hash of their labels.
    index: HashTable<SeriesRef>,
    hasher: Hasher,
    /// The newest sample timestamp in each segment (keepalive decisions).
    segment_max_ts: BTreeMap<u64, i64>,
    encoder: Encoder,
    /// Scratch space of one append, kept to avoid allocating per append.
    refs: Vec<SeriesRef>,
    new_series: Vec<SeriesRef>,
    /// The last write error, cleared by the next successful write.
    error: Option<String>,
}

/// What replay found at start-up.
#[derive(Debug, Default, PartialEq)]
pub struct Replay {
    pub series: usize,
    pub samples: usize,
    /// Segments whose tail was torn or corrupt and cut off.
    pub truncated: Vec<String>,
}

/// What a truncation removed.
#[derive(Debug, Default, PartialEq)]
pub struct Truncation {
    pub segments_deleted: usize,
    pub series_dropped: usize,
    pub series_kept: usize,
}

pub struct Wal {
    dir: PathBuf,
    segment_size: u64,
    state: Mutex<State>,
    /// The end of what has been written; readers tail up to it.
    committed: watch::Sender<Pos>,
    /// Counts truncations that dropped series, so readers know when to
    /// forget the series they cached.
    series_generation: AtomicU64,
    opened_at: Pos,
}

impl Wal {
    /// Opens the WAL in `dir`, replaying the checkpoint and the segments to
    /// rebuild the series table; a torn tail is cut off, not fatal.
    pub fn open(dir: &Path, segment_size: u64) -> io::Result<(Wal, Replay)> {
        std::fs::create_dir_all(dir)?;
        let mut replay = Replay::default();
        let mut by_ref: HashMap<SeriesRef, Arc<Labels>, Hasher> = HashMap::default();
        let mut last_segment: HashMap<SeriesRef, u64, Hasher> = HashMap::default();
        let mut segment_max_ts = BTreeMap::new();
        let mut sample_count = 0;
        let mut visit = |seg: u64, record: Record| match record {
            Record::Series(series) => {
                for (series_ref, labels) in series {
                    by_ref.insert(series_ref, Arc::new(labels));
                }
            }
            Record::Exemplars(exemplars) => {
                for e in exemplars {
                    last_segment.insert(e.series, seg);
                }
            }
            Record::Samples(samples) => {
                sample_count += samples.len();
                for s in samples {
                    last_segment.insert(s.series, seg);
                    let max = segment_max_ts.entry(seg).or_insert(i64::MIN);
                    *max = (*max).max(s.timestamp);
                }
            }
        };
        let checkpoint = dir.join(CHECKPOINT);
        if checkpoint.exists() {
            replay_file(&checkpoint, 0, &mut visit, &mut replay)?;
        }
        let segments = segment::list(dir)?;
        for &seg in &segments {
            replay_file(
                &segment::segment_path(dir, seg),
                seg,
                &mut visit,
                &mut replay,
            )?;
        }
        replay.samples = sample_count;
        let next_ref = by_ref.keys().max().map_or(1, |m| m + 1);
        replay.series = by_ref.len();
        let series: HashMap<SeriesRef, SeriesEntry, Hasher> = by_ref
            .into_iter()
            .map(|(series_ref, labels)| {
                let last_segment = last_segment.get(&series_ref).copied().unwrap_or(0);
                (
                    series_ref,
                    SeriesEntry {
                        labels,
                        last_segment,
                    },
                )
            })
            .collect();
        let hasher = Hasher::default();
        let rehash = |r: &SeriesRef| hasher.hash_one(&*series[r].labels);
        let mut index = HashTable::with_capacity(series.len());
        for series_ref in series.keys() {
            index.insert_unique(rehash(series_ref), *series_ref, rehash);
        }
        let segment = segments.last().map_or(1, |s| s + 1);
        let file = create_segment(dir, segment)?;
        let wal = Wal {
            dir: dir.to_path_buf(),
            segment_size,
            state: Mutex::new(State {
                file,
                segment,
                offset: 0,
                next_ref,
                series,
                index,
                hasher,
                segment_max_ts,
                encoder: Encoder::default(),
                refs: Vec::new(),
                new_series: Vec::new(),
                error: None,
            }),
            committed: watch::Sender::new(Pos { segment, offset: 0 }),
            series_generation: AtomicU64::new(0),
            opened_at: Pos { segment, offset: 0 },
        };
        Ok((wal, replay))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Follows the end of the written data.
    pub fn subscribe(&self) -> watch::Receiver<Pos> {
        self.committed.subscribe()
    }

    /// Where this process started writing.
    pub fn opened_at(&self) -> Pos {
        self.opened_at
    }

    pub fn end(&self) -> Pos {
        *self.committed.borrow()
    }

    /// The labels of a series reference, while the series is alive.
    pub fn labels(&self, series_ref: SeriesRef) -> Option<Arc<Labels>> {
        let st = self.state.lock();
        st.series.get(&series_ref).map(|entry| entry.labels.clone())
    }

    /// Whether a series reference is alive.
    pub fn contains(&self, series_ref: SeriesRef) -> bool {
        self.state.lock().series.contains_key(&series_ref)
    }

    /// Changes whenever series were dropped.
    pub fn series_generation(&self) -> u64 {
        self.series_generation.load(Ordering::Relaxed)
    }

    pub fn active_series(&self) -> usize {
        self.state.lock().series.len()
    }

    /// The last write error, if the last write failed.
    pub fn error(&self) -> Option<String> {
        self.state.lock().error.clone()
    }

    /// Writes the samples and exemplars of `batch`. Returns how many samples
    /// were written. An exemplar without a timestamp gets the batch's newest
    /// sample timestamp (remote-write requires one).
    pub fn append(&self, batch: &MetricsBatch) -> Result<usize, AppendError> {
        if batch.samples.is_empty() && batch.exemplars.is_empty() {
            return Ok(0);
        }
        let mut guard = self.state.lock();
        let st = &mut *guard;
        st.refs.clear();
        st.new_series.clear();
        let segment = st.segment;
        // Consecutive samples of one series (a scrape's repeated label set)
        // reuse the lookup.
        let mut previous: Option<(&Arc<Labels>, SeriesRef)> = None;
        for sample in &batch.samples {
            let series_ref = match previous {
                Some((labels, series_ref)) if Arc::ptr_eq(labels, &sample.labels) => series_ref,
                _ => st.series_ref(&sample.labels, segment),
            };
            previous = Some((&sample.labels, series_ref));
            st.refs.push(series_ref);
        }
        for exemplar in &batch.exemplars {
            let series_ref = st.series_ref(&exemplar.series, segment);
            st.refs.push(series_ref);
        }
        let max_ts = batch.samples.iter().map(|s| s.timestamp).max();
        st.encoder.clear();
        if !st.new_series.is_empty() {
            let series = &st.series;
            st.encoder
                .series(st.new_series.iter().map(|r| (*r, &*series[r].labels)));
        }
        let (sample_refs, exemplar_refs) = st.refs.split_at(batch.samples.len());
        if !batch.samples.is_empty() {
            let samples = batch.samples.iter().zip(sample_refs);
            st.encoder.samples(samples.map(|(s, &series)| RefSample {
                series,
                timestamp: s.timestamp,
                value: s.value,
            }));
        }
        if !batch.exemplars.is_empty() {
            let fallback = max_ts.unwrap_or_else(now_ms);
            let exemplars = batch.exemplars.iter().zip(exemplar_refs);
            st.encoder.exemplars(
                exemplars.map(|(e, &series)| {
                    (series, e.timestamp.unwrap_or(fallback), e.value, &e.labels)
                }),
            );
        }
        if let Err(e) = st.file.write_all(&st.encoder.buf) {
            // Cut off whatever part was written so the segment stays readable.
            let _ = st.file.set_len(st.offset);
            for series_ref in std::mem::take(&mut st.new_series) {
                st.forget(series_ref);
            }
            let message = format!("failed to write to the WAL in {}: {e}", self.dir.display());
            st.error = Some(message.clone());
            return Err(AppendError::retryable(message));
        }
        st.error = None;
        st.offset += st.encoder.buf.len() as u64;
        if let Some(max_ts) = max_ts {
            let seg_max = st.segment_max_ts.entry(segment).or_insert(i64::MIN);
            *seg_max = (*seg_max).max(max_ts);
        }
        self.committed.send_replace(Pos {
            segment,
            offset: st.offset,
        });
        if st.offset >= self.segment_size {
            self.rotate(st);
        }
        Ok(batch.samples.len())
    }

    /// Closes the current segment and starts the next; on failure the current
    /// one stays in use.
    fn rotate(&self, st: &mut State) {
        match create_segment(&self.dir, st.segment + 1) {
            Ok(file) => {
                let _ = st.file.sync_data();
                st.file = file;
                st.segment += 1;
                st.offset = 0;
                self.committed.send_replace(Pos {
                    segment: st.segment,
                    offset: 0,
                });
            }
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), "failed to start a new WAL segment: {e}");
            }
        }
    }

    /// Deletes the closed segments that are no longer needed and the series
    /// only they used, after writing the surviving series to the checkpoint.
    /// A segment goes when every queue has sent it (`sent_before`: the oldest
    /// segment some queue still needs; `None` without queues) and its newest
    /// sample is older than `min_keep_ts`, or regardless of queues when its
    /// newest sample is older than `max_keep_ts`.
    pub fn truncate(
        &self,
        sent_before: Option<u64>,
        min_keep_ts: i64,
        max_keep_ts: i64,
    ) -> io::Result<Truncation> {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        if st.offset > 0 {
            self.rotate(st);
        }
        let current = st.segment;
        let mut first_kept = current;
        for seg in segment::list(&self.dir)? {
            if seg >= current {
                break;
            }
            let max_ts = st.segment_max_ts.get(&seg).copied().unwrap_or(i64::MIN);
            let sent = sent_before.is_none_or(|before| seg < before);
            if !((sent && max_ts < min_keep_ts) || max_ts < max_keep_ts) {
                first_kept = seg;
                break;
            }
        }
        let deletable: Vec<u64> = segment::list(&self.dir)?
            .into_iter()
            .filter(|&s| s < first_kept)
            .collect();
        let mut result = Truncation::default();
        if deletable.is_empty() {
            return Ok(result);
        }
        let before = st.series.len();
        st.series
            .retain(|_, entry| entry.last_segment >= first_kept);
        let series = &st.series;
        st.index
            .retain(|series_ref| series.contains_key(series_ref));
        result.series_dropped = before - st.series.len();
        if result.series_dropped > 0 {
            self.series_generation.fetch_add(1, Ordering::Relaxed);
        }
        result.series_kept = st.series.len();
        self.write_checkpoint(st)?;
        for seg in deletable {
            std::fs::remove_file(segment::segment_path(&self.dir, seg))?;
            st.segment_max_ts.remove(&seg);
            result.segments_deleted += 1;
        }
        Ok(result)
    }

    fn write_checkpoint(&self, st: &mut State) -> io::Result<()> {
        let tmp = self.dir.join("checkpoint.tmp");
        let mut file = File::create(&tmp)?;
        let mut encoder = Encoder::default();
        let refs: Vec<SeriesRef> = st.series.keys().copied().collect();
        for chunk in refs.chunks(1000) {
            encoder.clear();
            encoder.series(chunk.iter().map(|r| (*r, &*st.series[r].labels)));
            file.write_all(&encoder.buf)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, self.dir.join(CHECKPOINT))?;
        Ok(())
    }
}

impl State {
    /// The reference of `labels`, created (and listed in `new_series`) on
    /// first sight; the series is marked as used in `segment`.
    fn series_ref(&mut self, labels: &Arc<Labels>, segment: u64) -> SeriesRef {
        let hash = self.hasher.hash_one(&**labels);
        let series = &mut self.series;
        let found = self.index.find(hash, |r| {
            series
                .get(r)
                .is_some_and(|entry| Arc::ptr_eq(&entry.labels, labels) || entry.labels == *labels)
        });
        if let Some(&series_ref) = found {
            if let Some(entry) = series.get_mut(&series_ref) {
                entry.last_segment = segment;
            }
            return series_ref;
        }
        let series_ref = self.next_ref;
        self.next_ref += 1;
        let entry = SeriesEntry {
            labels: labels.clone(),
            last_segment: segment,
        };
        self.series.insert(series_ref, entry);
        let (series, hasher) = (&self.series, &self.hasher);
        self.index
            .insert_unique(hash, series_ref, |r| hasher.hash_one(&*series[r].labels));
        self.new_series.push(series_ref);
        series_ref
    }

    fn forget(&mut self, series_ref: SeriesRef) {
        if let Some(entry) = self.series.remove(&series_ref) {
            let hash = self.hasher.hash_one(&*entry.labels);
            if let Ok(found) = self.index.find_entry(hash, |r| *r == series_ref) {
                found.remove();
            }
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64
}

fn create_segment(dir: &Path, segment: u64) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(segment::segment_path(dir, segment))
}

/// Feeds every record of `path` to `visit`; an unreadable tail is cut off.
fn replay_file(
    path: &Path,
    segment: u64,
    visit: &mut impl FnMut(u64, Record),
    replay: &mut Replay,
) -> io::Result<()> {
    let len = std::fs::metadata(path)?.len();
    let mut offset = 0;
    loop {
        let chunk = segment::read(path, offset, None, REPLAY_CHUNK)?;
        let progressed = chunk.next > offset;
        offset = chunk.next;
        for (_, record) in chunk.records {
            visit(segment, record);
        }
        if chunk.corrupt.is_some() || !progressed || offset >= len {
            break;
        }
    }
    if offset < len {
        tracing::warn!(
            file = %path.display(),
            "WAL: cutting off {} unreadable bytes at offset {offset}",
            len - offset
        );
        OpenOptions::new().write(true).open(path)?.set_len(offset)?;
        replay.truncated.push(path.display().to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
