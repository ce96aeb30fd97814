//! What a select returns: series with their chunks from the head and the
//! blocks, and an iterator that merges those chunks in time order, dropping
//! duplicate timestamps (a block and the head overlap briefly while a head
//! compaction completes).

use crate::chunk::XorIterator;
use bytes::Bytes;
use model::labels::Labels;
use std::sync::Arc;

/// An encoded chunk and the time range it covers. Block chunks are slices of
/// the memory-mapped chunks file; head chunks are copies.
#[derive(Clone, Debug)]
pub struct ChunkRef {
    pub mint: i64,
    pub maxt: i64,
    pub data: Bytes,
}

/// One selected series.
#[derive(Clone, Debug)]
pub struct Series {
    pub labels: Arc<Labels>,
    /// The chunks, sorted by `mint`.
    pub chunks: Vec<ChunkRef>,
    mint: i64,
    maxt: i64,
}

impl Series {
    pub(crate) fn new(
        labels: Arc<Labels>,
        mut chunks: Vec<ChunkRef>,
        mint: i64,
        maxt: i64,
    ) -> Series {
        chunks.sort_by_key(|c| c.mint);
        Series {
            labels,
            chunks,
            mint,
            maxt,
        }
    }

    /// The samples in the selected time range, in time order, each timestamp once.
    pub fn samples(&self) -> SampleIter<'_> {
        SampleIter {
            chunks: &self.chunks,
            next_chunk: 0,
            active: Vec::new(),
            mint: self.mint,
            maxt: self.maxt,
        }
    }
}

/// Merges the chunks of one series. Chunks join the active set only when
/// their start is reached, so a long series of disjoint chunks costs one
/// comparison per sample.
pub struct SampleIter<'a> {
    chunks: &'a [ChunkRef],
    next_chunk: usize,
    /// Iterators with their current sample.
    active: Vec<((i64, f64), XorIterator<'a>)>,
    mint: i64,
    maxt: i64,
}

impl<'a> SampleIter<'a> {
    fn activate(&mut self, mut it: XorIterator<'a>) {
        if let Some(first) = it.seek(self.mint) {
            self.active.push((first, it));
        }
    }

    fn fill(&mut self) {
        while let Some(c) = self.chunks.get(self.next_chunk) {
            let frontier = self.active.iter().map(|(s, _)| s.0).min();
            if frontier.is_some_and(|f| c.mint > f) {
                break;
            }
            self.next_chunk += 1;
            if c.maxt >= self.mint && c.mint <= self.maxt {
                self.activate(XorIterator::new(&c.data));
            }
        }
    }

    /// Skips to the first sample at or after `t`.
    pub fn seek(&mut self, t: i64) -> Option<(i64, f64)> {
        self.mint = self.mint.max(t);
        let mint = self.mint;
        for (s, it) in &mut self.active {
            if s.0 < mint {
                *s = it.seek(mint).unwrap_or((i64::MIN, 0.0));
            }
        }
        self.active.retain(|(s, _)| s.0 >= mint);
        while self
            .chunks
            .get(self.next_chunk)
            .is_some_and(|c| c.maxt < mint)
        {
            self.next_chunk += 1;
        }
        self.next()
    }
}

impl Iterator for SampleIter<'_> {
    type Item = (i64, f64);

    fn next(&mut self) -> Option<(i64, f64)> {
        self.fill();
        let (t, v) = self.active.iter().map(|(s, _)| *s).min_by_key(|s| s.0)?;
        if t > self.maxt {
            self.active.clear();
            self.next_chunk = self.chunks.len();
            return None;
        }
        let mut i = 0;
        while i < self.active.len() {
            if self.active[i].0.0 == t {
                match self.active[i].1.next() {
                    Some(s) => self.active[i].0 = s,
                    None => {
                        self.active.swap_remove(i);
                        continue;
                    }
                }
            }
            i += 1;
        }
        // Later samples are at least `t + 1`.
        self.mint = t.saturating_add(1);
        Some((t, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::encode;

    fn chunk(samples: &[(i64, f64)]) -> ChunkRef {
        ChunkRef {
            mint: samples[0].0,
            maxt: samples[samples.len() - 1].0,
            data: encode(samples).into(),
        }
    }

    #[test]
    fn overlapping_chunks_merge_without_duplicates() {
        let series = Series::new(
            Arc::new(Labels::new()),
            vec![
                chunk(&[(10, 1.0), (20, 2.0), (30, 3.0)]),
                chunk(&[(1, 0.1), (20, 2.0), (25, 2.5)]),
                chunk(&[(40, 4.0), (50, 5.0)]),
            ],
            5,
            45,
        );
        let got: Vec<_> = series.samples().collect();
        assert_eq!(
            got,
            vec![(10, 1.0), (20, 2.0), (25, 2.5), (30, 3.0), (40, 4.0)]
        );
        let mut it = series.samples();
        assert_eq!(it.seek(26), Some((30, 3.0)));
        assert_eq!(it.next(), Some((40, 4.0)));
        assert_eq!(it.next(), None);
    }
}
