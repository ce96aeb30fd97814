//! One endpoint's queue: a reader tails the WAL from the last acknowledged
//! position and spreads samples over a fixed number of shards by series (so
//! each series stays in order); each shard batches up to
//! `max_samples_per_send` samples or `batch_send_deadline` and sends them.
//! The shard count is fixed at `min_shards` (at least one) — no resharding.
//!
//! Progress: the position up to which every shard has delivered (or dropped
//! for good) all samples is written to `<data_path>/queues/<name>` after each
//! delivery, so a restart resends only what was not acknowledged.

use super::metrics::QueueMetrics;
use super::send::{Delivery, RequestBuilder, Sender, prepare_labels};
use super::wal::record::{Record, SeriesRef};
use super::wal::{Pos, Wal, segment};
use model::labels::Labels;
use model::relabel::Rule;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How much of a segment the reader reads at once.
const READ_CHUNK: usize = 1 << 20;

pub struct QueueSettings {
    pub name: String,
    pub shards: usize,
    /// Samples buffered per shard before the reader waits.
    pub capacity: usize,
    pub max_samples_per_send: usize,
    pub batch_send_deadline: Duration,
    pub sample_age_limit: Option<Duration>,
    pub external_labels: Labels,
    pub rules: Arc<[Rule]>,
    pub send_exemplars: bool,
}

/// Where a queue is: what the reader dispatched, what each shard delivered.
pub struct Progress {
    file: PathBuf,
    state: Mutex<ProgressState>,
}

struct ProgressState {
    reader: Pos,
    shards: Vec<ShardProgress>,
    /// What the file holds; `None` before the first write.
    saved: Option<Pos>,
}

#[derive(Clone, Copy)]
struct ShardProgress {
    /// Chunks handed to the shard and not yet delivered.
    pending: usize,
    /// Everything this shard got before this position is delivered.
    done: Pos,
}

impl Progress {
    fn new(file: PathBuf, start: Pos, shards: usize) -> Progress {
        Progress {
            file,
            state: Mutex::new(ProgressState {
                reader: start,
                shards: vec![
                    ShardProgress {
                        pending: 0,
                        done: start
                    };
                    shards
                ],
                saved: None,
            }),
        }
    }

    /// The saved position of a queue, if it ran before.
    pub fn load(file: &std::path::Path) -> Option<Pos> {
        let bytes = std::fs::read(file).ok()?;
        let bytes: [u8; 16] = bytes.try_into().ok()?;
        Some(Pos {
            segment: u64::from_le_bytes(bytes[..8].try_into().ok()?),
            offset: u64::from_le_bytes(bytes[8..].try_into().ok()?),
        })
    }

    /// Every sample before this position has been delivered.
    pub fn acked(&self) -> Pos {
        let st = self.state.lock();
        st.shards
            .iter()
            .filter(|s| s.pending > 0)
            .map(|s| s.done)
            .fold(st.reader, Pos::min)
    }

    fn chunk_started(&self, shard: usize) {
        let mut st = self.state.lock();
        let reader = st.reader;
        let s = &mut st.shards[shard];
        if s.pending == 0 {
            s.done = reader;
        }
        s.pending += 1;
    }

    fn chunks_done(&self, shard: usize, count: usize, through: Pos) {
        let mut st = self.state.lock();
        let s = &mut st.shards[shard];
        s.pending -= count;
        s.done = through;
    }

    fn read_through(&self, pos: Pos) {
        self.state.lock().reader = pos;
    }

    /// Writes the acknowledged position when it moved.
    fn save(&self) {
        let acked = self.acked();
        if self.state.lock().saved == Some(acked) {
            return;
        }
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&acked.segment.to_le_bytes());
        bytes[8..].copy_from_slice(&acked.offset.to_le_bytes());
        let tmp = self.file.with_extension("tmp");
        let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &self.file));
        match written {
            Ok(()) => self.state.lock().saved = Some(acked),
            Err(e) => {
                tracing::warn!(file = %self.file.display(), "failed to save queue position: {e}")
            }
        }
    }
}

/// A WAL sample, or an exemplar (with its labels), on its way to a shard.
#[derive(Clone)]
struct Item {
    series: SeriesRef,
    timestamp: i64,
    value: f64,
    exemplar: Option<Box<Labels>>,
}

/// The samples of one WAL record for one shard.
struct Chunk {
    items: Vec<Item>,
    /// The position just after the record.
    end: Pos,
    permits: u32,
}

/// Starts the queue's reader and shards; they stop with `cancel`.
pub fn start(
    wal: Arc<Wal>,
    settings: QueueSettings,
    sender: Arc<Sender>,
    metrics: QueueMetrics,
    queues_dir: PathBuf,
    cancel: CancellationToken,
) -> Result<Arc<Progress>, String> {
    std::fs::create_dir_all(&queues_dir)
        .map_err(|e| format!("failed to create {}: {e}", queues_dir.display()))?;
    let file = queues_dir.join(&settings.name);
    // A new queue sends what this process appended, not older history.
    let start = Progress::load(&file).unwrap_or_else(|| wal.opened_at());
    let shards = settings.shards.max(1);
    let progress = Arc::new(Progress::new(file, start, shards));
    // Written at once: after a restart, an existing queue resumes here even
    // if it never delivered anything.
    progress.save();
    metrics.shards.set(shards as i64);
    let settings = Arc::new(settings);
    let mut senders = Vec::with_capacity(shards);
    for index in 0..shards {
        let (tx, rx) = mpsc::channel(64);
        let semaphore = Arc::new(Semaphore::new(settings.capacity.max(1)));
        senders.push((tx, semaphore.clone()));
        let shard = Shard {
            index,
            wal: wal.clone(),
            settings: settings.clone(),
            sender: sender.clone(),
            metrics: metrics.clone(),
            progress: progress.clone(),
            semaphore,
            cache: HashMap::default(),
            generation: wal.series_generation(),
            buffer: Vec::new(),
            chunk_ends: VecDeque::new(),
            received: 0,
            consumed: 0,
            request: RequestBuilder::default(),
        };
        tokio::spawn(shard.run(rx, cancel.clone()));
    }
    let reader = Reader {
        wal,
        progress: progress.clone(),
        shards: senders,
        capacity: settings.capacity.max(1) as u32,
        send_exemplars: settings.send_exemplars,
        metrics,
        pos: start,
    };
    tokio::spawn(reader.run(cancel));
    Ok(progress)
}

struct Reader {
    wal: Arc<Wal>,
    progress: Arc<Progress>,
    shards: Vec<(mpsc::Sender<Chunk>, Arc<Semaphore>)>,
    capacity: u32,
    send_exemplars: bool,
    metrics: QueueMetrics,
    pos: Pos,
}

impl Reader {
    async fn run(mut self, cancel: CancellationToken) {
        let mut committed = self.wal.subscribe();
        loop {
            let end = *committed.borrow_and_update();
            if self.pos > end {
                self.pos = end;
            }
            let path = segment::segment_path(self.wal.dir(), self.pos.segment);
            let closed = self.pos.segment < end.segment;
            let to = (!closed).then_some(end.offset);
            if !closed && self.pos.offset >= end.offset {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    changed = committed.changed() => if changed.is_err() { return },
                }
                continue;
            }
            // File reads stay off the async workers.
            let (file, from) = (path.clone(), self.pos.offset);
            let read =
                tokio::task::spawn_blocking(move || segment::read(&file, from, to, READ_CHUNK))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
            let chunk = match read {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::warn!(
                        segment = self.pos.segment,
                        "WAL segment gone before it was sent (max_keepalive_time); skipping"
                    );
                    self.next_segment(end);
                    continue;
                }
                Err(e) => {
                    tracing::error!(file = %path.display(), "failed to read the WAL: {e}");
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            };
            if let Some(reason) = &chunk.corrupt {
                tracing::error!(file = %path.display(), offset = chunk.next, "unreadable WAL record, skipping the rest of the segment: {reason}");
            }
            let stuck = chunk.records.is_empty();
            for (offset, record) in chunk.records {
                let end_pos = Pos {
                    segment: self.pos.segment,
                    offset,
                };
                let items: Vec<Item> = match record {
                    Record::Samples(samples) => samples
                        .into_iter()
                        .map(|s| Item {
                            series: s.series,
                            timestamp: s.timestamp,
                            value: s.value,
                            exemplar: None,
                        })
                        .collect(),
                    Record::Exemplars(exemplars) if self.send_exemplars => exemplars
                        .into_iter()
                        .map(|e| Item {
                            series: e.series,
                            timestamp: e.timestamp,
                            value: e.value,
                            exemplar: Some(Box::new(e.labels)),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if !items.is_empty() && !self.dispatch(items, end_pos, &cancel).await {
                    return;
                }
                self.pos = end_pos;
                self.progress.read_through(end_pos);
            }
            if closed && (stuck || chunk.corrupt.is_some()) {
                self.next_segment(end);
            } else if chunk.corrupt.is_some() {
                self.pos = end;
            }
        }
    }

    fn next_segment(&mut self, end: Pos) {
        let next = segment::list(self.wal.dir())
            .ok()
            .and_then(|segments| segments.into_iter().find(|&s| s > self.pos.segment))
            .unwrap_or(end.segment);
        self.pos = Pos {
            segment: next,
            offset: 0,
        };
        self.progress.read_through(self.pos);
    }

    /// Hands a record's items to the shards; false when cancelled.
    async fn dispatch(&mut self, items: Vec<Item>, end: Pos, cancel: &CancellationToken) -> bool {
        let n = self.shards.len();
        let mut per_shard: Vec<Vec<Item>> = vec![Vec::new(); n];
        for item in items {
            per_shard[(item.series % n as u64) as usize].push(item);
        }
        for (index, items) in per_shard.into_iter().enumerate() {
            if items.is_empty() {
                continue;
            }
            let (tx, semaphore) = &self.shards[index];
            let permits = (items.len() as u32).min(self.capacity);
            let acquired = tokio::select! {
                _ = cancel.cancelled() => return false,
                acquired = semaphore.acquire_many(permits) => acquired,
            };
            let Ok(acquired) = acquired else { return false };
            acquired.forget();
            self.metrics.samples_pending.inc_by(items.len() as i64);
            self.progress.chunk_started(index);
            if tx
                .send(Chunk {
                    items,
                    end,
                    permits,
                })
                .await
                .is_err()
            {
                return false;
            }
        }
        true
    }
}

struct Shard {
    index: usize,
    wal: Arc<Wal>,
    settings: Arc<QueueSettings>,
    sender: Arc<Sender>,
    metrics: QueueMetrics,
    progress: Arc<Progress>,
    semaphore: Arc<Semaphore>,
    /// Series labels as sent (`None`: dropped by relabelling).
    cache: HashMap<SeriesRef, Option<Arc<Labels>>, foldhash::fast::RandomState>,
    generation: u64,
    buffer: Vec<Item>,
    /// Per chunk received: the running item count at its end, its WAL end
    /// position and its permits.
    chunk_ends: VecDeque<(u64, Pos, u32)>,
    received: u64,
    consumed: u64,
    request: RequestBuilder,
}

impl Shard {
    async fn run(mut self, mut rx: mpsc::Receiver<Chunk>, cancel: CancellationToken) {
        let max = self.settings.max_samples_per_send.max(1);
        let mut deadline = None;
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                chunk = rx.recv() => {
                    let Some(chunk) = chunk else { return };
                    self.received += chunk.items.len() as u64;
                    self.chunk_ends.push_back((self.received, chunk.end, chunk.permits));
                    if self.buffer.is_empty() {
                        deadline = Some(Instant::now() + self.settings.batch_send_deadline);
                    }
                    self.buffer.extend(chunk.items);
                    while self.buffer.len() >= max {
                        if !self.flush(max, &cancel).await {
                            return;
                        }
                        deadline = Some(Instant::now() + self.settings.batch_send_deadline);
                    }
                }
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() && !self.buffer.is_empty() => {
                    if !self.flush(self.buffer.len().min(max), &cancel).await {
                        return;
                    }
                    deadline = (!self.buffer.is_empty()).then(|| Instant::now() + self.settings.batch_send_deadline);
                }
            }
        }
    }

    fn labels(&mut self, series: SeriesRef) -> Option<&Labels> {
        let generation = self.wal.series_generation();
        if generation != self.generation {
            self.generation = generation;
            let wal = &self.wal;
            self.cache.retain(|series, _| wal.contains(*series));
        }
        let settings = &self.settings;
        let wal = &self.wal;
        self.cache
            .entry(series)
            .or_insert_with(|| {
                let labels = wal.labels(series)?;
                prepare_labels(&labels, &settings.external_labels, &settings.rules)
            })
            .as_deref()
    }

    /// Sends the first `n` buffered samples; false when cancelled.
    async fn flush(&mut self, n: usize, cancel: &CancellationToken) -> bool {
        let oldest_allowed = self.settings.sample_age_limit.map(|limit| {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            now.saturating_sub(limit).as_millis() as i64
        });
        let mut request = std::mem::take(&mut self.request);
        request.clear();
        let mut dropped = 0u64;
        for i in 0..n {
            let item = self.buffer[i].clone();
            let too_old = oldest_allowed.is_some_and(|oldest| item.timestamp < oldest);
            let labels = if too_old {
                None
            } else {
                self.labels(item.series)
            };
            match (labels, &item.exemplar) {
                (Some(labels), None) => request.push(labels, item.timestamp, item.value),
                (Some(labels), Some(exemplar)) => {
                    request.push_exemplar(labels, exemplar, item.timestamp, item.value)
                }
                (None, None) => dropped += 1,
                (None, Some(_)) => {}
            }
        }
        self.metrics.samples_dropped.inc_by(dropped);
        if request.samples > 0 || request.exemplars > 0 {
            let delivery = self
                .sender
                .send(request.body(), request.samples, &self.metrics, cancel)
                .await;
            match delivery {
                Delivery::Sent => {
                    self.metrics.samples.inc_by(request.samples as u64);
                    let highest = request.highest_timestamp as f64 / 1000.0;
                    if highest > self.metrics.highest_sent.get() {
                        self.metrics.highest_sent.set(highest);
                    }
                }
                Delivery::Dropped(reason) => {
                    tracing::error!(url = %self.sender.url, "non-recoverable error sending {} samples, dropping them: {reason}", request.samples);
                    self.metrics.samples_failed.inc_by(request.samples as u64);
                }
                Delivery::Cancelled => return false,
            }
        }
        self.request = request;
        self.buffer.drain(..n);
        self.consumed += n as u64;
        self.metrics.samples_pending.dec_by(n as i64);
        let (mut completed, mut through) = (0, None);
        while let Some(&(end_count, end_pos, permits)) = self.chunk_ends.front() {
            if end_count > self.consumed {
                break;
            }
            self.chunk_ends.pop_front();
            self.semaphore.add_permits(permits as usize);
            completed += 1;
            through = Some(end_pos);
        }
        if let Some(through) = through {
            self.progress.chunks_done(self.index, completed, through);
            self.progress.save();
        }
        true
    }
}
