//! Retention: whole blocks are dropped once they end more than `retention`
//! before the newest sample, and the oldest blocks go while blocks and WAL
//! together take more than `retention_size`. Readers holding a block keep
//! its mapping alive after the directory is removed.

use crate::db::Db;
use std::fs;
use std::io;

impl Db {
    pub(crate) fn apply_retention(&self) -> io::Result<()> {
        let newest = {
            let head = self.head.read();
            let blocks = self.blocks.read();
            let head_max = head.time_range().map(|r| r.1);
            let block_max = blocks.iter().map(|b| b.meta.max_time - 1).max();
            head_max.into_iter().chain(block_max).max()
        };
        let Some(newest) = newest else { return Ok(()) };
        let cutoff = newest.saturating_sub(self.opts.retention);
        let mut blocks = self.blocks.write();
        let mut doomed = Vec::new();
        blocks.retain(|b| {
            let keep = b.meta.max_time > cutoff;
            if !keep {
                doomed.push(b.clone());
            }
            keep
        });
        if let Some(limit) = self.opts.retention_size {
            let mut total: u64 =
                self.wal.lock().disk_size() + blocks.iter().map(|b| b.size()).sum::<u64>();
            // Sorted by time: the oldest first.
            while total > limit && !blocks.is_empty() {
                let b = blocks.remove(0);
                total -= b.size();
                doomed.push(b);
            }
        }
        drop(blocks);
        for b in doomed {
            tracing::info!(block = %b.meta.name, "deleting block past retention");
            fs::remove_dir_all(&b.dir)?;
        }
        Ok(())
    }
}
