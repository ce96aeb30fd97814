//! The in-memory head: the series of the recent past with their compressed
//! chunks, an interned label index, and the WAL record encodings that rebuild
//! it after a restart.
//!
//! Labels are interned: a series keeps `(name, value)` symbol numbers (8 bytes
//! a label) and the postings map symbol pairs to sorted series references.
//! Chunks are cut every [`SAMPLES_PER_CHUNK`] samples and at every block
//! boundary, so a head compaction takes whole chunks and truncation drops
//! whole chunks. Samples older than a series' last one (inside the
//! out-of-order window) are kept in a small sorted side buffer per series.

use crate::chunk::{SAMPLES_PER_CHUNK, XorAppender, XorIterator};
use crate::encoding::{Decoder, put_str, put_uvarint, put_varint};
use crate::postings::LabelIndex;
use crate::query::ChunkRef;
use crate::wal::{RecordKind, encode_record};
use bytes::Bytes;
use hashbrown::HashMap;
use model::labels::Labels;
use std::hash::BuildHasher;
use std::sync::{Arc, Weak};

/// A closed head chunk.
struct HeadChunk {
    mint: i64,
    maxt: i64,
    data: Box<[u8]>,
}

struct MemSeries {
    /// Interned `(name, value)` pairs, sorted by name.
    labels: Box<[(u32, u32)]>,
    closed: Vec<HeadChunk>,
    open: XorAppender,
    open_mint: i64,
    /// Out-of-order samples, sorted by timestamp, none at a timestamp the
    /// chunks already hold.
    ooo: Vec<(i64, f64)>,
}

impl MemSeries {
    fn new(labels: Box<[(u32, u32)]>) -> MemSeries {
        MemSeries {
            labels,
            closed: Vec::new(),
            open: XorAppender::default(),
            open_mint: 0,
            ooo: Vec::new(),
        }
    }

    /// The newest in-order timestamp.
    fn last_timestamp(&self) -> Option<i64> {
        if !self.open.is_empty() {
            Some(self.open.last_timestamp())
        } else {
            self.closed.last().map(|c| c.maxt)
        }
    }

    fn is_empty(&self) -> bool {
        self.open.is_empty() && self.closed.is_empty() && self.ooo.is_empty()
    }

    /// The value stored at `t`, if any (the out-of-order path only).
    fn value_at(&self, t: i64) -> Option<f64> {
        if let Ok(i) = self.ooo.binary_search_by_key(&t, |s| s.0) {
            return Some(self.ooo[i].1);
        }
        let in_chunk = |data: &[u8]| XorIterator::new(data).find(|s| s.0 == t).map(|s| s.1);
        if let Some(c) = self.closed.iter().find(|c| c.mint <= t && t <= c.maxt) {
            return in_chunk(&c.data);
        }
        if !self.open.is_empty() && self.open_mint <= t {
            return in_chunk(self.open.bytes());
        }
        None
    }

    fn cut(&mut self) {
        let open = std::mem::take(&mut self.open);
        self.closed.push(HeadChunk {
            mint: self.open_mint,
            maxt: open.last_timestamp(),
            data: open.bytes().into(),
        });
    }

    fn append(&mut self, t: i64, v: f64, chunk_range: i64) {
        match self.last_timestamp() {
            Some(last) if t <= last => {
                if self.value_at(t).is_none() {
                    let i = self.ooo.partition_point(|s| s.0 < t);
                    self.ooo.insert(i, (t, v));
                }
            }
            _ => {
                let boundary =
                    (self.open_mint.div_euclid(chunk_range) + 1).saturating_mul(chunk_range);
                if !self.open.is_empty() && (self.open.len() >= SAMPLES_PER_CHUNK || t >= boundary)
                {
                    self.cut();
                }
                if self.open.is_empty() {
                    self.open_mint = t;
                }
                self.open.append(t, v);
            }
        }
    }

    /// Chunks overlapping `[mint, maxt]`, copied out of the head.
    fn chunks(&self, mint: i64, maxt: i64, out: &mut Vec<ChunkRef>) {
        for c in self
            .closed
            .iter()
            .filter(|c| c.maxt >= mint && c.mint <= maxt)
        {
            out.push(ChunkRef {
                mint: c.mint,
                maxt: c.maxt,
                data: Bytes::copy_from_slice(&c.data),
            });
        }
        if !self.open.is_empty() && self.open_mint <= maxt && self.open.last_timestamp() >= mint {
            out.push(ChunkRef {
                mint: self.open_mint,
                maxt: self.open.last_timestamp(),
                data: Bytes::copy_from_slice(self.open.bytes()),
            });
        }
        let ooo: Vec<_> = self
            .ooo
            .iter()
            .copied()
            .filter(|s| s.0 >= mint && s.0 <= maxt)
            .collect();
        if let (Some(first), Some(last)) = (ooo.first(), ooo.last()) {
            out.push(ChunkRef {
                mint: first.0,
                maxt: last.0,
                data: crate::chunk::encode(&ooo).into(),
            });
        }
    }

    /// Drops everything before `boundary` (a block boundary, so whole chunks).
    fn truncate(&mut self, boundary: i64) {
        self.closed.retain(|c| c.maxt >= boundary);
        if !self.open.is_empty() && self.open.last_timestamp() < boundary {
            self.open = XorAppender::default();
        }
        self.ooo.retain(|s| s.0 >= boundary);
    }

    /// Bytes of encoded samples.
    fn chunk_bytes(&self) -> usize {
        self.closed.iter().map(|c| c.data.len()).sum::<usize>() + self.open.bytes().len()
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<MemSeries>()
            + self.labels.len() * 8
            + self.closed.capacity() * std::mem::size_of::<HeadChunk>()
            + self.chunk_bytes()
            + self.ooo.capacity() * 16
    }
}

/// Why a sample is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SampleError {
    OutOfOrder,
    OutOfBounds,
    DuplicateTimestamp,
}

impl SampleError {
    /// Prometheus's wording of `storage.ErrOutOfOrderSample` and friends.
    pub fn as_str(&self) -> &'static str {
        match self {
            SampleError::OutOfOrder => "out of order sample",
            SampleError::OutOfBounds => "out of bounds",
            SampleError::DuplicateTimestamp => "duplicate sample for timestamp",
        }
    }
}

#[derive(Default)]
struct Symbols {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Symbols {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        let s: Arc<str> = s.into();
        self.names.push(s.clone());
        self.ids.insert(s, id);
        id
    }

    fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// The in-memory head.
pub struct Head {
    symbols: Symbols,
    series: HashMap<u64, MemSeries>,
    /// Label-set hash → series with that hash.
    by_hash: HashMap<u64, Vec<u64>>,
    /// Label-set allocation → series: scrape loops hand in the same `Arc`
    /// for a series every time, so its address identifies it without hashing.
    /// The `Weak` keeps the allocation (not the labels) from being freed and
    /// its address reused. Cleared when series are removed or it outgrows
    /// the head.
    by_arc: HashMap<usize, (Weak<Labels>, u64)>,
    /// Name symbol → value symbol → sorted series references.
    postings: HashMap<u32, HashMap<u32, Vec<u64>>>,
    next_ref: u64,
    hasher: foldhash::fast::FixedState,
    chunk_range: i64,
    /// Samples before this time belong to persisted blocks and are refused.
    pub min_valid: i64,
    min_time: i64,
    max_time: i64,
}

impl Head {
    pub fn new(chunk_range: i64) -> Head {
        Head {
            symbols: Symbols::default(),
            series: HashMap::new(),
            by_hash: HashMap::new(),
            by_arc: HashMap::new(),
            postings: HashMap::new(),
            next_ref: 1,
            hasher: foldhash::fast::FixedState::with_seed(0x7473_6462),
            chunk_range,
            min_valid: i64::MIN,
            min_time: i64::MAX,
            max_time: i64::MIN,
        }
    }

    pub fn num_series(&self) -> usize {
        self.series.len()
    }

    /// The time span of the head's samples, `None` when it holds none.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        (self.min_time <= self.max_time).then_some((self.min_time, self.max_time))
    }

    fn hash(&self, labels: &Labels) -> u64 {
        self.hasher.hash_one(labels)
    }

    fn same_labels(&self, series: &MemSeries, labels: &Labels) -> bool {
        series.labels.len() == labels.len()
            && series
                .labels
                .iter()
                .zip(labels.iter())
                .all(|(&(n, v), (ln, lv))| self.symbols.get(n) == ln && self.symbols.get(v) == lv)
    }

    /// The reference of the series with `labels`, if the head has it.
    pub fn lookup(&self, labels: &Labels) -> Option<u64> {
        let refs = self.by_hash.get(&self.hash(labels))?;
        refs.iter()
            .copied()
            .find(|r| self.same_labels(&self.series[r], labels))
    }

    /// The reference of the series with `labels`, through the address cache.
    pub fn lookup_shared(&mut self, labels: &Arc<Labels>) -> Option<u64> {
        let address = Arc::as_ptr(labels) as usize;
        if let Some((_, r)) = self.by_arc.get(&address) {
            return Some(*r);
        }
        let r = self.lookup(labels)?;
        self.remember(labels, r);
        Some(r)
    }

    /// Caches the reference of the series whose labels `labels` holds.
    pub fn remember(&mut self, labels: &Arc<Labels>, series_ref: u64) {
        if self.by_arc.len() > 2 * self.series.len() + 1024 {
            self.by_arc.clear();
        }
        self.by_arc.insert(
            Arc::as_ptr(labels) as usize,
            (Arc::downgrade(labels), series_ref),
        );
    }

    /// Creates the series (with reference `series_ref`, or a new one); the
    /// caller logs it.
    pub fn create(&mut self, labels: &Labels, series_ref: Option<u64>) -> u64 {
        let series_ref = series_ref.unwrap_or(self.next_ref);
        self.next_ref = self.next_ref.max(series_ref + 1);
        let interned: Box<[(u32, u32)]> = labels
            .iter()
            .map(|(n, v)| (self.symbols.intern(n), self.symbols.intern(v)))
            .collect();
        for &(n, v) in interned.iter() {
            let list = self.postings.entry(n).or_default().entry(v).or_default();
            // References grow, except when replay re-creates older series.
            let at = list.partition_point(|r| *r < series_ref);
            list.insert(at, series_ref);
        }
        let hash = self.hash(labels);
        self.by_hash.entry(hash).or_default().push(series_ref);
        self.series.insert(series_ref, MemSeries::new(interned));
        series_ref
    }

    /// Whether `(t, v)` may be appended to the series whose newest sample
    /// (counting earlier samples of the same batch) is `last`.
    pub fn check(
        &self,
        series_ref: u64,
        last: Option<i64>,
        t: i64,
        v: f64,
        ooo_window: i64,
    ) -> Result<(), SampleError> {
        if t < self.min_valid {
            return Err(SampleError::OutOfBounds);
        }
        let Some(last) = last else { return Ok(()) };
        if t > last {
            return Ok(());
        }
        let existing = self.series.get(&series_ref).and_then(|s| s.value_at(t));
        match existing {
            Some(e) if e.to_bits() == v.to_bits() => Ok(()),
            Some(_) => Err(SampleError::DuplicateTimestamp),
            None if ooo_window > 0 && t >= self.max_time.max(last).saturating_sub(ooo_window) => {
                Ok(())
            }
            None => Err(SampleError::OutOfOrder),
        }
    }

    pub fn last_timestamp(&self, series_ref: u64) -> Option<i64> {
        self.series
            .get(&series_ref)
            .and_then(MemSeries::last_timestamp)
    }

    /// Stores a checked sample (unknown references are ignored: a replayed
    /// sample of a series that was garbage-collected).
    pub fn append(&mut self, series_ref: u64, t: i64, v: f64) {
        if t < self.min_valid {
            return;
        }
        let Some(series) = self.series.get_mut(&series_ref) else {
            return;
        };
        series.append(t, v, self.chunk_range);
        self.min_time = self.min_time.min(t);
        self.max_time = self.max_time.max(t);
    }

    pub fn labels(&self, series_ref: u64) -> Option<Labels> {
        let series = self.series.get(&series_ref)?;
        Some(
            series
                .labels
                .iter()
                .map(|&(n, v)| (self.symbols.get(n), self.symbols.get(v)))
                .collect(),
        )
    }

    /// The chunks of a series overlapping `[mint, maxt]`.
    pub fn chunks(&self, series_ref: u64, mint: i64, maxt: i64, out: &mut Vec<ChunkRef>) {
        if let Some(series) = self.series.get(&series_ref) {
            series.chunks(mint, maxt, out);
        }
    }

    /// Drops the data before `boundary` (now in a block), removes the series
    /// left without samples and the symbols nobody uses any more.
    pub fn truncate(&mut self, boundary: i64) {
        self.min_valid = self.min_valid.max(boundary);
        for series in self.series.values_mut() {
            series.truncate(boundary);
        }
        let dead: Vec<u64> = self
            .series
            .iter()
            .filter(|(_, s)| s.is_empty())
            .map(|(r, _)| *r)
            .collect();
        for r in &dead {
            self.discard(*r);
        }
        if !dead.is_empty() {
            self.rebuild_symbols();
        }
        self.min_time = self.min_time.max(boundary);
        if self.series.is_empty() {
            self.min_time = i64::MAX;
            self.max_time = i64::MIN;
        }
    }

    /// Removes a series (one a refused append created, or an empty one).
    pub fn discard(&mut self, series_ref: u64) {
        let Some(series) = self.series.remove(&series_ref) else {
            return;
        };
        self.by_arc.clear();
        for &(n, v) in series.labels.iter() {
            if let Some(values) = self.postings.get_mut(&n) {
                if let Some(list) = values.get_mut(&v) {
                    list.retain(|r| *r != series_ref);
                    if list.is_empty() {
                        values.remove(&v);
                    }
                }
                if values.is_empty() {
                    self.postings.remove(&n);
                }
            }
        }
        let labels: Labels = series
            .labels
            .iter()
            .map(|&(n, v)| (self.symbols.get(n), self.symbols.get(v)))
            .collect();
        let hash = self.hash(&labels);
        if let Some(refs) = self.by_hash.get_mut(&hash) {
            refs.retain(|r| *r != series_ref);
            if refs.is_empty() {
                self.by_hash.remove(&hash);
            }
        }
    }

    /// Renumbers the symbols still in use so churned label values are freed.
    fn rebuild_symbols(&mut self) {
        let old = std::mem::take(&mut self.symbols);
        let remap = |id: u32, symbols: &mut Symbols| symbols.intern(old.get(id));
        let mut symbols = Symbols::default();
        for series in self.series.values_mut() {
            for pair in series.labels.iter_mut() {
                *pair = (remap(pair.0, &mut symbols), remap(pair.1, &mut symbols));
            }
        }
        let postings = std::mem::take(&mut self.postings);
        for (n, values) in postings {
            let n = remap(n, &mut symbols);
            let entry = self.postings.entry(n).or_default();
            for (v, list) in values {
                entry.insert(remap(v, &mut symbols), list);
            }
        }
        self.symbols = symbols;
    }

    /// Every series reference, sorted.
    pub fn refs(&self) -> Vec<u64> {
        let mut refs: Vec<u64> = self.series.keys().copied().collect();
        refs.sort_unstable();
        refs
    }

    /// The head's whole state as WAL records (series, then their chunks), for
    /// a checkpoint.
    pub fn checkpoint_records(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut payload = Vec::new();
        for r in self.refs() {
            let Some(labels) = self.labels(r) else {
                continue;
            };
            payload.clear();
            encode_series(&mut payload, r, &labels);
            encode_record(&mut out, RecordKind::Series, &payload);
            let mut chunks = Vec::new();
            self.chunks(r, i64::MIN, i64::MAX, &mut chunks);
            for c in chunks {
                payload.clear();
                put_uvarint(&mut payload, r);
                payload.extend_from_slice(&c.data);
                encode_record(&mut out, RecordKind::Chunk, &payload);
            }
        }
        out
    }

    /// Applies one replayed WAL record; malformed payloads end early.
    pub fn replay(&mut self, kind: RecordKind, payload: &[u8]) {
        let mut d = Decoder::new(payload);
        match kind {
            RecordKind::Series => {
                while let Some((r, labels)) = decode_series(&mut d) {
                    if self.lookup(&labels).is_none() {
                        self.create(&labels, Some(r));
                    }
                }
            }
            RecordKind::Samples => {
                let mut prev = (0u64, 0i64);
                while let Some(s) = decode_sample(&mut d, &mut prev) {
                    self.append(s.0, s.1, s.2);
                }
            }
            RecordKind::Chunk => {
                let Some(r) = d.uvarint() else { return };
                for (t, v) in XorIterator::new(d.rest()) {
                    self.append(r, t, v);
                }
            }
        }
    }

    /// Bytes of encoded samples in the head's chunks.
    pub fn chunk_bytes(&self) -> usize {
        self.series.values().map(MemSeries::chunk_bytes).sum()
    }

    /// Bytes the head accounts for (series, chunks, index, symbols).
    pub fn accounted_bytes(&self) -> usize {
        let series: usize = self.series.values().map(MemSeries::bytes).sum();
        let map_entry = std::mem::size_of::<(u64, MemSeries)>() + 8;
        let postings: usize = self
            .postings
            .values()
            .flat_map(|v| v.values())
            .map(|l| l.capacity() * 8 + 48)
            .sum();
        let symbols: usize = self
            .symbols
            .names
            .iter()
            .map(|s| s.len() + 16 + 8 + 24)
            .sum();
        series
            + self.series.capacity() * map_entry
            + self.by_hash.capacity() * 40
            + postings
            + symbols
    }
}

impl LabelIndex for Head {
    fn postings(&self, name: &str, value: &str) -> Vec<u64> {
        let (Some(n), Some(v)) = (self.symbols.ids.get(name), self.symbols.ids.get(value)) else {
            return Vec::new();
        };
        self.postings
            .get(n)
            .and_then(|values| values.get(v))
            .cloned()
            .unwrap_or_default()
    }

    fn all_postings(&self) -> Vec<u64> {
        self.refs()
    }

    fn values(&self, name: &str) -> Vec<String> {
        let Some(n) = self.symbols.ids.get(name) else {
            return Vec::new();
        };
        self.postings
            .get(n)
            .map(|values| {
                values
                    .keys()
                    .map(|&v| self.symbols.get(v).to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn encode_series(out: &mut Vec<u8>, series_ref: u64, labels: &Labels) {
    put_uvarint(out, series_ref);
    put_uvarint(out, labels.len() as u64);
    for (n, v) in labels.iter() {
        put_str(out, n);
        put_str(out, v);
    }
}

fn decode_series(d: &mut Decoder<'_>) -> Option<(u64, Labels)> {
    let r = d.uvarint()?;
    let n = d.uvarint()?;
    let mut labels = Vec::new();
    for _ in 0..n {
        labels.push((d.str()?, d.str()?));
    }
    Some((r, labels.into_iter().collect()))
}

/// Appends one sample to a samples record, delta-encoded against the previous.
pub fn encode_sample(out: &mut Vec<u8>, prev: &mut (u64, i64), series_ref: u64, t: i64, v: f64) {
    put_varint(out, series_ref.wrapping_sub(prev.0) as i64);
    put_varint(out, t.wrapping_sub(prev.1));
    out.extend_from_slice(&v.to_bits().to_le_bytes());
    *prev = (series_ref, t);
}

fn decode_sample(d: &mut Decoder<'_>, prev: &mut (u64, i64)) -> Option<(u64, i64, f64)> {
    let r = prev.0.wrapping_add(d.varint()? as u64);
    let t = prev.1.wrapping_add(d.varint()?);
    let v = f64::from_bits(d.u64_le()?);
    *prev = (r, t);
    Some((r, t, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn labels(job: &str) -> Labels {
        Labels::from_pairs([("__name__", "up"), ("job", job)])
    }

    fn samples(head: &Head, r: u64) -> Vec<(i64, f64)> {
        let mut chunks = Vec::new();
        head.chunks(r, i64::MIN, i64::MAX, &mut chunks);
        let mut all: Vec<_> = chunks
            .iter()
            .flat_map(|c| XorIterator::new(&c.data).collect::<Vec<_>>())
            .collect();
        all.sort_by_key(|s| s.0);
        all
    }

    #[test]
    fn the_address_cache_never_confuses_label_sets() {
        let mut head = Head::new(2 * HOUR);
        // Each set is dropped before the next is allocated, so without the
        // cache's `Weak` the allocator would hand out the same address.
        for i in 0..1000 {
            let set = Arc::new(labels(&format!("job-{i}")));
            let r = match head.lookup_shared(&set) {
                Some(r) => r,
                None => {
                    let r = head.create(&set, None);
                    head.remember(&set, r);
                    r
                }
            };
            assert_eq!(head.labels(r).as_ref(), Some(&*set));
        }
        assert_eq!(head.num_series(), 1000);
    }

    #[test]
    fn chunks_are_cut_by_size_and_at_block_boundaries() {
        let mut head = Head::new(2 * HOUR);
        let r = head.create(&labels("a"), None);
        for i in 0..300 {
            head.append(r, i * 15_000, i as f64);
        }
        let s = &head.series[&r];
        // 4500 s of data: cut at 120 and 240 samples.
        assert_eq!(s.closed.len(), 2);
        head.append(r, 2 * HOUR, 1.0);
        assert_eq!(
            head.series[&r].closed.len(),
            3,
            "the 2h boundary cuts the chunk"
        );
        assert_eq!(samples(&head, r).len(), 301);
    }

    #[test]
    fn out_of_order_samples_inside_the_window_are_kept_sorted() {
        let mut head = Head::new(2 * HOUR);
        let r = head.create(&labels("a"), None);
        head.append(r, 1000, 1.0);
        head.append(r, 5000, 5.0);
        let last = head.last_timestamp(r);
        assert_eq!(
            head.check(r, last, 3000, 3.0, 0),
            Err(SampleError::OutOfOrder)
        );
        assert_eq!(head.check(r, last, 3000, 3.0, 10_000), Ok(()));
        assert_eq!(
            head.check(r, last, 1000, 2.0, 10_000),
            Err(SampleError::DuplicateTimestamp)
        );
        assert_eq!(head.check(r, last, 1000, 1.0, 0), Ok(()));
        head.append(r, 3000, 3.0);
        head.append(r, 2000, 2.0);
        assert_eq!(
            samples(&head, r),
            vec![(1000, 1.0), (2000, 2.0), (3000, 3.0), (5000, 5.0)]
        );
    }

    #[test]
    fn truncation_collects_empty_series_and_their_symbols() {
        let mut head = Head::new(2 * HOUR);
        for i in 0..100 {
            let r = head.create(&labels(&format!("job-{i}")), None);
            head.append(r, 1000, 1.0);
        }
        let keep = head.create(&labels("kept"), None);
        head.append(keep, 3 * HOUR, 1.0);
        head.truncate(2 * HOUR);
        assert_eq!(head.num_series(), 1);
        assert_eq!(head.symbols.names.len(), 4, "__name__ up job kept");
        assert_eq!(head.lookup(&labels("kept")), Some(keep));
        assert_eq!(head.postings("job", "kept"), vec![keep]);
        assert_eq!(
            head.check(keep, Some(3 * HOUR), 1000, 1.0, HOUR * 10),
            Err(SampleError::OutOfBounds)
        );
    }

    #[test]
    fn checkpoint_records_rebuild_the_head() {
        let mut head = Head::new(2 * HOUR);
        let r = head.create(&labels("a"), None);
        for i in 0..200 {
            head.append(r, i * 1000, i as f64);
        }
        head.append(r, 500, 0.5);
        let records = head.checkpoint_records();
        let mut again = Head::new(2 * HOUR);
        let mut d = &records[..];
        while !d.is_empty() {
            let kind = match d[0] {
                1 => RecordKind::Series,
                _ => RecordKind::Chunk,
            };
            let len = u32::from_le_bytes(d[1..5].try_into().unwrap()) as usize;
            again.replay(kind, &d[9..9 + len]);
            d = &d[9 + len..];
        }
        assert_eq!(again.lookup(&labels("a")), Some(r));
        assert_eq!(samples(&again, r), samples(&head, r));
    }
}
