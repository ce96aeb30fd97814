//! Compaction: the head is cut into a level-1 block once it spans 1.5 block
//! ranges (Prometheus's rule, leaving half a range for late samples), and
//! adjacent blocks are merged into ranges three times as long (2h → 6h →
//! 18h …, no longer than a tenth of the retention or 31 days) once no more
//! data can arrive for them. Blocks are tombstone-free, so merging only
//! concatenates chunks.

use crate::block::{self, Block, Compaction, Meta};
use crate::db::{Db, QUARANTINE_DIR, WAL_DIR};
use crate::postings::LabelIndex;
use crate::query::ChunkRef;
use model::labels::Labels;
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

const MAX_BLOCK_DURATION: i64 = 31 * 24 * 3_600_000;

/// Opens the blocks under `dir`: leftovers of interrupted writes and blocks
/// a merge replaced are deleted, blocks that fail verification are moved to
/// `quarantine/` and reported.
pub(crate) fn open_blocks(dir: &Path) -> io::Result<(Vec<Arc<Block>>, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut quarantined = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() || name == WAL_DIR || name == QUARANTINE_DIR {
            continue;
        }
        if name.ends_with(".tmp") {
            fs::remove_dir_all(entry.path())?;
            continue;
        }
        match Block::open(&entry.path()) {
            Ok(block) => blocks.push(Arc::new(block)),
            Err(e) => {
                let target = dir.join(QUARANTINE_DIR).join(&name);
                fs::create_dir_all(dir.join(QUARANTINE_DIR))?;
                let _ = fs::remove_dir_all(&target);
                fs::rename(entry.path(), &target)?;
                tracing::error!(block = %name, error = %e, "block is corrupt; moved to quarantine");
                quarantined.push(format!("{name}: {e}"));
            }
        }
    }
    let replaced: HashSet<String> = blocks
        .iter()
        .flat_map(|b| b.meta.compaction.parents.iter().cloned())
        .collect();
    let (gone, mut kept): (Vec<_>, Vec<_>) = blocks
        .into_iter()
        .partition(|b| replaced.contains(&b.meta.name));
    for b in gone {
        fs::remove_dir_all(&b.dir)?;
    }
    kept.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
    Ok((kept, quarantined))
}

/// The block ranges by level: 1 → `base`, then ×3 up to the longest allowed.
fn ranges(base: i64, retention: i64) -> Vec<i64> {
    let longest = (retention / 10).min(MAX_BLOCK_DURATION);
    let mut out = vec![base];
    while out.len() < 10 {
        let next = out[out.len() - 1].saturating_mul(3);
        if next > longest {
            break;
        }
        out.push(next);
    }
    out
}

fn block_name(min_time: i64, max_time: i64, level: u32) -> String {
    format!("b-{min_time:016x}-{max_time:016x}-l{level}")
}

impl Db {
    /// Cuts the head into blocks while it spans more than 1.5 block ranges.
    pub(crate) fn compact_head(&self) -> io::Result<()> {
        let range = self.opts.block_range;
        loop {
            let Some((mint, maxt)) = self.head.read().time_range() else {
                return Ok(());
            };
            if maxt.saturating_sub(mint) <= range / 2 * 3 {
                return Ok(());
            }
            let start = mint.div_euclid(range) * range;
            let end = start + range;
            {
                // From now on samples before `end` are refused, so the block
                // below has all of them.
                let mut head = self.head.write();
                head.min_valid = head.min_valid.max(end);
            }
            let series = {
                let head = self.head.read();
                let mut series: Vec<(Labels, Vec<ChunkRef>)> = Vec::new();
                for r in head.all_postings() {
                    let mut chunks = Vec::new();
                    head.chunks(r, start, end - 1, &mut chunks);
                    if let (false, Some(labels)) = (chunks.is_empty(), head.labels(r)) {
                        series.push((labels, chunks));
                    }
                }
                series
            };
            let mut series = series;
            series.sort_by(|a, b| a.0.cmp(&b.0));
            self.add_block(start, end, 1, Vec::new(), series)?;
            let mut head = self.head.write();
            head.truncate(end);
            let records = head.checkpoint_records();
            self.wal.lock().checkpoint(&records)?;
        }
    }

    fn add_block(
        &self,
        min_time: i64,
        max_time: i64,
        level: u32,
        parents: Vec<String>,
        series: Vec<(Labels, Vec<ChunkRef>)>,
    ) -> io::Result<()> {
        let meta = Meta {
            name: block_name(min_time, max_time, level),
            min_time,
            max_time,
            compaction: Compaction { level, parents },
            version: 1,
            ..Meta::default()
        };
        let dir = block::write(&self.dir, meta, series)?;
        let opened = Arc::new(Block::open(&dir)?);
        let mut blocks = self.blocks.write();
        let replaced: HashSet<&String> = opened.meta.compaction.parents.iter().collect();
        blocks.retain(|b| !replaced.contains(&b.meta.name));
        blocks.push(opened);
        blocks.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
        Ok(())
    }

    /// Merges the blocks that lie in one range of the next level once that
    /// range is complete (entirely before the head's accepted time).
    pub(crate) fn compact_blocks(&self) -> io::Result<()> {
        let levels = ranges(self.opts.block_range, self.opts.retention);
        loop {
            let min_valid = self.head.read().min_valid;
            let blocks = self.blocks.read().clone();
            let group = levels.iter().skip(1).find_map(|&range| {
                let mut groups: BTreeMap<i64, Vec<Arc<Block>>> = BTreeMap::new();
                for b in &blocks {
                    let start = b.meta.min_time.div_euclid(range) * range;
                    if b.meta.max_time <= start + range && b.meta.max_time - b.meta.min_time < range
                    {
                        groups.entry(start).or_default().push(b.clone());
                    }
                }
                groups
                    .into_iter()
                    .find(|(start, g)| g.len() > 1 && start + range <= min_valid)
                    .map(|(start, g)| (start, start + range, g))
            });
            let Some((start, end, group)) = group else {
                return Ok(());
            };
            let mut merged: BTreeMap<Labels, Vec<ChunkRef>> = BTreeMap::new();
            for b in &group {
                for id in b.all_postings() {
                    let mut chunks = Vec::new();
                    b.chunks(id, i64::MIN, i64::MAX, &mut chunks);
                    merged.entry(b.labels(id)).or_default().extend(chunks);
                }
            }
            let series = merged
                .into_iter()
                .map(|(labels, mut chunks)| {
                    chunks.sort_by_key(|c| c.mint);
                    (labels, chunks)
                })
                .collect();
            let level = group
                .iter()
                .map(|b| b.meta.compaction.level)
                .max()
                .unwrap_or(1)
                + 1;
            let parents = group.iter().map(|b| b.meta.name.clone()).collect();
            self.add_block(start, end, level, parents, series)?;
            for b in group {
                fs::remove_dir_all(&b.dir)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_grow_by_three_up_to_a_tenth_of_retention() {
        let h = 3_600_000;
        assert_eq!(ranges(2 * h, 15 * 24 * h), vec![2 * h, 6 * h, 18 * h]);
        assert_eq!(ranges(10, 1000), vec![10, 30, 90]);
    }
}
