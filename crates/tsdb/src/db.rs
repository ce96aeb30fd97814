//! The database: a head with its WAL and the persisted blocks, the append
//! transaction, and the read interface (select, label names and values).
//! Compaction and retention are in `compact` and `retention`; the owner
//! calls [`Db::maintain`] periodically (the crate starts no threads).

use crate::block::Block;
use crate::head::{Head, SampleError, encode_sample, encode_series};
use crate::matcher::Matcher;
use crate::postings;
use crate::query::{ChunkRef, Series};
use crate::wal::{RecordKind, ReplayReport, Wal, encode_record};
use hashbrown::HashMap;
use model::labels::Labels;
use model::metrics::{AppendError, Appender, MetricsBatch};
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const HOUR_MS: i64 = 3_600_000;
pub(crate) const QUARANTINE_DIR: &str = "quarantine";
pub(crate) const WAL_DIR: &str = "wal";

#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// How long data is kept, in milliseconds (default 15 days).
    pub retention: i64,
    /// The most bytes blocks and WAL may take; the oldest blocks go first.
    pub retention_size: Option<u64>,
    /// How far behind the newest sample an older one is still accepted, in
    /// milliseconds (0: out-of-order samples are refused). At most half the
    /// block range, so such samples always land in the head.
    pub out_of_order_window: i64,
    /// The time span of a level-1 block, in milliseconds (default 2 h).
    pub block_range: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            retention: 15 * 24 * HOUR_MS,
            retention_size: None,
            out_of_order_window: 0,
            block_range: 2 * HOUR_MS,
        }
    }
}

/// Why an append or an open failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: series {labels}, timestamp {timestamp}", kind.as_str())]
    Sample {
        kind: SampleError,
        labels: Labels,
        timestamp: i64,
    },
    #[error("label set is empty")]
    EmptyLabels,
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<Error> for AppendError {
    fn from(e: Error) -> AppendError {
        match e {
            Error::Io(_) => AppendError::retryable(e.to_string()),
            Error::Sample { .. } | Error::EmptyLabels => AppendError::permanent(e.to_string()),
        }
    }
}

/// Figures about the database.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub head_series: u64,
    /// Bytes the head accounts for (series, chunks, index).
    pub head_bytes: u64,
    /// Of which encoded samples.
    pub head_chunk_bytes: u64,
    pub head_min_time: Option<i64>,
    pub head_max_time: Option<i64>,
    /// Samples appended since open (replay not counted).
    pub appended_samples: u64,
    pub blocks: u64,
    pub block_samples: u64,
    /// Blocks and WAL.
    pub bytes_on_disk: u64,
    /// Blocks moved aside at open because they failed verification, with why.
    pub quarantined: Vec<String>,
}

pub struct Db {
    pub(crate) dir: PathBuf,
    pub(crate) opts: Options,
    pub(crate) head: RwLock<Head>,
    pub(crate) wal: Mutex<Wal>,
    /// Sorted by min time.
    pub(crate) blocks: RwLock<Vec<Arc<Block>>>,
    /// One maintenance pass at a time.
    pub(crate) maintenance: Mutex<()>,
    quarantined: Vec<String>,
    appended: AtomicU64,
    replay: ReplayReport,
}

impl Db {
    /// Opens the database in `dir`: loads the blocks (quarantining those that
    /// fail verification) and replays the WAL into the head.
    pub fn open(dir: &Path, opts: Options) -> Result<Db, Error> {
        fs::create_dir_all(dir)?;
        let mut opts = opts;
        opts.block_range = opts.block_range.max(1);
        opts.out_of_order_window = opts.out_of_order_window.clamp(0, opts.block_range / 2);
        let (blocks, quarantined) = crate::compact::open_blocks(dir)?;
        let mut head = Head::new(opts.block_range);
        head.min_valid = blocks
            .iter()
            .map(|b| b.meta.max_time)
            .max()
            .unwrap_or(i64::MIN);
        let (wal, replay) = Wal::open(&dir.join(WAL_DIR), |kind, payload| {
            head.replay(kind, payload)
        })?;
        Ok(Db {
            dir: dir.to_path_buf(),
            opts,
            head: RwLock::new(head),
            wal: Mutex::new(wal),
            blocks: RwLock::new(blocks),
            maintenance: Mutex::new(()),
            quarantined,
            appended: AtomicU64::new(0),
            replay,
        })
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// What the WAL replay at open found.
    pub fn replay_report(&self) -> &ReplayReport {
        &self.replay
    }

    /// Appends a batch as one transaction: every sample is stored or none is.
    pub fn append(&self, batch: &MetricsBatch) -> Result<(), Error> {
        if batch.samples.is_empty() {
            return Ok(());
        }
        let mut head = self.head.write();
        let mut refs = Vec::with_capacity(batch.samples.len());
        let mut created = Vec::new();
        let mut records = Vec::new();
        let mut payload = Vec::new();
        // The newest timestamp per series within this batch.
        let mut newest: HashMap<u64, i64> = HashMap::with_capacity(batch.samples.len());
        let mut result = Ok(());
        for sample in &batch.samples {
            if sample.labels.is_empty() {
                result = Err(Error::EmptyLabels);
                break;
            }
            let r = match head.lookup_shared(&sample.labels) {
                Some(r) => r,
                None => {
                    let r = head.create(&sample.labels, None);
                    head.remember(&sample.labels, r);
                    encode_series(&mut payload, r, &sample.labels);
                    created.push(r);
                    r
                }
            };
            let last = newest.get(&r).copied().or_else(|| head.last_timestamp(r));
            if let Err(kind) = head.check(
                r,
                last,
                sample.timestamp,
                sample.value,
                self.opts.out_of_order_window,
            ) {
                result = Err(Error::Sample {
                    kind,
                    labels: (*sample.labels).clone(),
                    timestamp: sample.timestamp,
                });
                break;
            }
            newest.insert(
                r,
                last.map_or(sample.timestamp, |l| l.max(sample.timestamp)),
            );
            refs.push(r);
        }
        if result.is_ok() {
            if !payload.is_empty() {
                encode_record(&mut records, RecordKind::Series, &payload);
            }
            payload.clear();
            let mut prev = (0, 0);
            for (sample, &r) in batch.samples.iter().zip(&refs) {
                encode_sample(&mut payload, &mut prev, r, sample.timestamp, sample.value);
            }
            encode_record(&mut records, RecordKind::Samples, &payload);
            result = self.wal.lock().log(&records).map_err(Error::Io);
        }
        if let Err(e) = result {
            for r in created {
                head.discard(r);
            }
            return Err(e);
        }
        for (sample, &r) in batch.samples.iter().zip(&refs) {
            head.append(r, sample.timestamp, sample.value);
        }
        self.appended
            .fetch_add(batch.samples.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Makes every appended sample durable against a machine crash.
    pub fn sync(&self) -> io::Result<()> {
        self.wal.lock().sync()
    }

    /// Visits every series with data in `[mint, maxt]` that all `matchers`
    /// accept, blocks first, then the head; a series may be visited once per
    /// source.
    fn for_each_series(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
        mut visit: impl FnMut(Labels, Vec<ChunkRef>),
    ) {
        let blocks = self.blocks.read().clone();
        for block in blocks.iter().filter(|b| b.overlaps(mint, maxt)) {
            for id in postings::select(block.as_ref(), matchers) {
                let mut chunks = Vec::new();
                block.chunks(id, mint, maxt, &mut chunks);
                if !chunks.is_empty() {
                    visit(block.labels(id), chunks);
                }
            }
        }
        let head = self.head.read();
        for r in postings::select(&*head, matchers) {
            let mut chunks = Vec::new();
            head.chunks(r, mint, maxt, &mut chunks);
            if let (false, Some(labels)) = (chunks.is_empty(), head.labels(r)) {
                visit(labels, chunks);
            }
        }
    }

    /// The series all `matchers` accept with samples in `[mint, maxt]`
    /// (milliseconds, inclusive), sorted by labels, each with an iterator
    /// over its samples from head and blocks merged.
    pub fn select(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Vec<Series> {
        let mut merged: BTreeMap<Labels, Vec<ChunkRef>> = BTreeMap::new();
        self.for_each_series(matchers, mint, maxt, |labels, chunks| {
            merged.entry(labels).or_default().extend(chunks);
        });
        merged
            .into_iter()
            .map(|(labels, chunks)| Series::new(Arc::new(labels), chunks, mint, maxt))
            .filter(|s| s.samples().next().is_some())
            .collect()
    }

    /// The label names of the selected series, sorted.
    pub fn label_names(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Vec<String> {
        let mut names = BTreeSet::new();
        self.for_each_series(matchers, mint, maxt, |labels, _| {
            for (n, _) in labels.iter() {
                if !names.contains(n) {
                    names.insert(n.to_string());
                }
            }
        });
        names.into_iter().collect()
    }

    /// The values of label `name` among the selected series, sorted.
    pub fn label_values(
        &self,
        name: &str,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Vec<String> {
        let mut values = BTreeSet::new();
        self.for_each_series(matchers, mint, maxt, |labels, _| {
            if let Some(v) = labels.get(name).filter(|v| !values.contains(*v)) {
                values.insert(v.to_string());
            }
        });
        values.into_iter().collect()
    }

    pub fn stats(&self) -> Stats {
        let head = self.head.read();
        let range = head.time_range();
        let blocks = self.blocks.read();
        let block_bytes: u64 = blocks.iter().map(|b| b.size()).sum();
        Stats {
            head_series: head.num_series() as u64,
            head_bytes: head.accounted_bytes() as u64,
            head_chunk_bytes: head.chunk_bytes() as u64,
            head_min_time: range.map(|r| r.0),
            head_max_time: range.map(|r| r.1),
            appended_samples: self.appended.load(Ordering::Relaxed),
            blocks: blocks.len() as u64,
            block_samples: blocks.iter().map(|b| b.meta.stats.num_samples).sum(),
            bytes_on_disk: block_bytes + self.wal.lock().disk_size(),
            quarantined: self.quarantined.clone(),
        }
    }

    /// The names of the persisted blocks with their time ranges and levels.
    pub fn blocks(&self) -> Vec<crate::block::Meta> {
        self.blocks.read().iter().map(|b| b.meta.clone()).collect()
    }

    /// Cuts head blocks, merges small blocks and applies retention.
    pub fn maintain(&self) -> io::Result<()> {
        let _one = self.maintenance.lock();
        self.compact_head()?;
        self.compact_blocks()?;
        self.apply_retention()
    }
}

impl Appender for Db {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        Db::append(self, batch).map_err(AppendError::from)
    }
}
