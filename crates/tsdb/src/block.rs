//! Immutable persisted blocks: a directory with `meta.json`, a `chunks` file
//! and an `index` file, written to `<name>.tmp` and renamed when complete.
//!
//! - `chunks`: per chunk `len (u32 LE) | XOR chunk | CRC-32 (u32 LE)`; a
//!   chunk is referenced by its offset.
//! - `index`: magic, symbols (sorted strings), series sorted by labels (label
//!   symbol pairs and chunk metas), postings per label pair (delta-encoded
//!   series numbers), then a CRC-32 of all of it.
//!
//! Opening memory-maps both files, checks the index and every chunk checksum,
//! and keeps the decoded index in memory; chunk bytes stay in the mapping.

use crate::encoding::{Decoder, put_str, put_uvarint, put_varint};
use crate::postings::LabelIndex;
use crate::query::ChunkRef;
use bytes::Bytes;
use hashbrown::HashMap;
use model::labels::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

const INDEX_MAGIC: &[u8; 4] = b"FAI1";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BlockStats {
    #[serde(rename = "numSamples")]
    pub num_samples: u64,
    #[serde(rename = "numSeries")]
    pub num_series: u64,
    #[serde(rename = "numChunks")]
    pub num_chunks: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Compaction {
    pub level: u32,
    /// The blocks this one replaces; on open they are deleted if a crash left
    /// them behind.
    #[serde(default)]
    pub parents: Vec<String>,
}

/// `meta.json`: the block's time range `[min_time, max_time)`, stats and level.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    pub name: String,
    #[serde(rename = "minTime")]
    pub min_time: i64,
    #[serde(rename = "maxTime")]
    pub max_time: i64,
    pub stats: BlockStats,
    pub compaction: Compaction,
    pub version: u32,
}

/// Writes a block from series sorted by labels, each with its chunks sorted
/// by time; returns the block's directory.
pub fn write(
    parent: &Path,
    mut meta: Meta,
    series: impl IntoIterator<Item = (Labels, Vec<ChunkRef>)>,
) -> io::Result<PathBuf> {
    let tmp = parent.join(format!("{}.tmp", meta.name));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    let mut chunks = BufWriter::new(File::create(tmp.join("chunks"))?);
    let mut offset = 0u64;
    let mut entries: Vec<(Labels, Vec<ChunkMeta>)> = Vec::new();
    let mut symbols = BTreeSet::new();
    for (labels, series_chunks) in series {
        if series_chunks.is_empty() {
            continue;
        }
        let mut metas = Vec::with_capacity(series_chunks.len());
        for c in series_chunks {
            chunks.write_all(&(c.data.len() as u32).to_le_bytes())?;
            chunks.write_all(&c.data)?;
            chunks.write_all(&crc32fast::hash(&c.data).to_le_bytes())?;
            metas.push((c.mint, c.maxt, offset));
            offset += c.data.len() as u64 + 8;
            meta.stats.num_chunks += 1;
            meta.stats.num_samples += c
                .data
                .get(..2)
                .map_or(0, |n| u16::from_be_bytes([n[0], n[1]]) as u64);
        }
        for (n, v) in labels.iter() {
            if !symbols.contains(n) {
                symbols.insert(n.to_string());
            }
            if !symbols.contains(v) {
                symbols.insert(v.to_string());
            }
        }
        entries.push((labels, metas));
    }
    meta.stats.num_series = entries.len() as u64;
    chunks
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;

    let symbol_ids: std::collections::HashMap<&str, u64> = symbols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u64))
        .collect();
    let mut index = INDEX_MAGIC.to_vec();
    put_uvarint(&mut index, symbols.len() as u64);
    for s in &symbols {
        put_str(&mut index, s);
    }
    let mut postings: std::collections::BTreeMap<(u64, u64), Vec<u64>> = Default::default();
    put_uvarint(&mut index, entries.len() as u64);
    for (i, (labels, metas)) in entries.iter().enumerate() {
        put_uvarint(&mut index, labels.len() as u64);
        for (n, v) in labels.iter() {
            let pair = (symbol_ids[n], symbol_ids[v]);
            put_uvarint(&mut index, pair.0);
            put_uvarint(&mut index, pair.1);
            postings.entry(pair).or_default().push(i as u64);
        }
        put_uvarint(&mut index, metas.len() as u64);
        for &(mint, maxt, off) in metas {
            put_varint(&mut index, mint);
            put_uvarint(&mut index, maxt.wrapping_sub(mint) as u64);
            put_uvarint(&mut index, off);
        }
    }
    put_uvarint(&mut index, postings.len() as u64);
    for ((n, v), list) in &postings {
        put_uvarint(&mut index, *n);
        put_uvarint(&mut index, *v);
        put_uvarint(&mut index, list.len() as u64);
        let mut prev = 0;
        for &id in list {
            put_uvarint(&mut index, id - prev);
            prev = id;
        }
    }
    let crc = crc32fast::hash(&index);
    index.extend_from_slice(&crc.to_le_bytes());
    let mut file = File::create(tmp.join("index"))?;
    file.write_all(&index)?;
    file.sync_all()?;
    let mut file = File::create(tmp.join("meta.json"))?;
    file.write_all(&serde_json::to_vec_pretty(&meta).map_err(io::Error::other)?)?;
    file.sync_all()?;
    crate::wal::sync_dir(&tmp)?;
    let dir = parent.join(&meta.name);
    fs::rename(&tmp, &dir)?;
    crate::wal::sync_dir(parent)?;
    Ok(dir)
}

/// A chunk's `(min time, max time, offset in the chunks file)`.
type ChunkMeta = (i64, i64, u64);

struct BlockSeries {
    labels: Box<[(u32, u32)]>,
    chunks: Box<[ChunkMeta]>,
}

/// An open block.
pub struct Block {
    pub dir: PathBuf,
    pub meta: Meta,
    chunks: Bytes,
    symbols: Vec<String>,
    symbol_ids: HashMap<String, u32>,
    series: Vec<BlockSeries>,
    postings: HashMap<u32, HashMap<u32, Vec<u64>>>,
    size: u64,
}

fn corrupt(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

impl Block {
    /// Opens and verifies the block in `dir`.
    pub fn open(dir: &Path) -> io::Result<Block> {
        let meta: Meta = serde_json::from_slice(&fs::read(dir.join("meta.json"))?)
            .map_err(|e| corrupt(format!("meta.json: {e}")))?;
        let index_file = File::open(dir.join("index"))?;
        // SAFETY: block files are immutable once renamed into place; nothing
        // in this process writes to them.
        let index = unsafe { memmap2::Mmap::map(&index_file)? };
        let chunks_file = File::open(dir.join("chunks"))?;
        // SAFETY: as above.
        let chunks = unsafe { memmap2::Mmap::map(&chunks_file)? };
        let size = index.len() as u64 + chunks.len() as u64;
        let (symbols, series, postings) =
            parse_index(&index).ok_or_else(|| corrupt("index is malformed"))?;
        let chunks = Bytes::from_owner(chunks);
        for s in &series {
            for &(_, _, off) in s.chunks.iter() {
                chunk_at(&chunks, off)
                    .ok_or_else(|| corrupt(format!("chunk at {off} fails its checksum")))?;
            }
            if s.labels
                .iter()
                .any(|&(n, v)| n as usize >= symbols.len() || v as usize >= symbols.len())
            {
                return Err(corrupt("series refers to a missing symbol"));
            }
        }
        let symbol_ids = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Ok(Block {
            dir: dir.to_path_buf(),
            meta,
            chunks,
            symbols,
            symbol_ids,
            series,
            postings,
            size,
        })
    }

    /// Bytes of the block's files.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn overlaps(&self, mint: i64, maxt: i64) -> bool {
        self.meta.min_time <= maxt && mint < self.meta.max_time
    }

    pub fn labels(&self, id: u64) -> Labels {
        self.series[id as usize]
            .labels
            .iter()
            .map(|&(n, v)| {
                (
                    self.symbols[n as usize].as_str(),
                    self.symbols[v as usize].as_str(),
                )
            })
            .collect()
    }

    /// The chunks of series `id` overlapping `[mint, maxt]`.
    pub fn chunks(&self, id: u64, mint: i64, maxt: i64, out: &mut Vec<ChunkRef>) {
        for &(cmin, cmax, off) in self.series[id as usize].chunks.iter() {
            if cmax >= mint
                && cmin <= maxt
                && let Some(data) = chunk_at(&self.chunks, off)
            {
                out.push(ChunkRef {
                    mint: cmin,
                    maxt: cmax,
                    data,
                });
            }
        }
    }

    pub fn num_series(&self) -> u64 {
        self.series.len() as u64
    }
}

/// The chunk at `off`, if it is whole and its checksum matches.
fn chunk_at(chunks: &Bytes, off: u64) -> Option<Bytes> {
    let off = usize::try_from(off).ok()?;
    let len = u32::from_le_bytes(chunks.get(off..off + 4)?.try_into().ok()?) as usize;
    let start = off + 4;
    let data = chunks.get(start..start + len)?;
    let crc = u32::from_le_bytes(chunks.get(start + len..start + len + 4)?.try_into().ok()?);
    (crc32fast::hash(data) == crc).then(|| chunks.slice(start..start + len))
}

type ParsedIndex = (
    Vec<String>,
    Vec<BlockSeries>,
    HashMap<u32, HashMap<u32, Vec<u64>>>,
);

fn parse_index(index: &[u8]) -> Option<ParsedIndex> {
    let (body, crc) = index.split_at_checked(index.len().checked_sub(4)?)?;
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().ok()?)
        || !body.starts_with(INDEX_MAGIC)
    {
        return None;
    }
    let mut d = Decoder::new(&body[4..]);
    let n = d.uvarint()?;
    let mut symbols = Vec::new();
    for _ in 0..n {
        symbols.push(d.str()?.to_string());
    }
    let n = d.uvarint()?;
    let mut series = Vec::new();
    for _ in 0..n {
        let nl = d.uvarint()?;
        let mut labels = Vec::new();
        for _ in 0..nl {
            labels.push((
                u32::try_from(d.uvarint()?).ok()?,
                u32::try_from(d.uvarint()?).ok()?,
            ));
        }
        let nc = d.uvarint()?;
        let mut chunks = Vec::new();
        for _ in 0..nc {
            let mint = d.varint()?;
            let maxt = mint.wrapping_add(d.uvarint()? as i64);
            chunks.push((mint, maxt, d.uvarint()?));
        }
        series.push(BlockSeries {
            labels: labels.into(),
            chunks: chunks.into(),
        });
    }
    let n = d.uvarint()?;
    let mut postings: HashMap<u32, HashMap<u32, Vec<u64>>> = HashMap::new();
    for _ in 0..n {
        let name = u32::try_from(d.uvarint()?).ok()?;
        let value = u32::try_from(d.uvarint()?).ok()?;
        let count = d.uvarint()?;
        let mut list = Vec::new();
        let mut prev = 0u64;
        for _ in 0..count {
            prev = prev.checked_add(d.uvarint()?)?;
            if prev >= series.len() as u64 {
                return None;
            }
            list.push(prev);
        }
        postings.entry(name).or_default().insert(value, list);
    }
    Some((symbols, series, postings))
}

impl LabelIndex for Block {
    fn postings(&self, name: &str, value: &str) -> Vec<u64> {
        let (Some(n), Some(v)) = (self.symbol_ids.get(name), self.symbol_ids.get(value)) else {
            return Vec::new();
        };
        self.postings
            .get(n)
            .and_then(|values| values.get(v))
            .cloned()
            .unwrap_or_default()
    }

    fn all_postings(&self) -> Vec<u64> {
        (0..self.series.len() as u64).collect()
    }

    fn values(&self, name: &str) -> Vec<String> {
        let Some(n) = self.symbol_ids.get(name) else {
            return Vec::new();
        };
        self.postings
            .get(n)
            .map(|values| {
                values
                    .keys()
                    .map(|&v| self.symbols[v as usize].clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{XorIterator, encode};
    use crate::matcher::Matcher;

    fn chunk(samples: &[(i64, f64)]) -> ChunkRef {
        ChunkRef {
            mint: samples[0].0,
            maxt: samples[samples.len() - 1].0,
            data: encode(samples).into(),
        }
    }

    fn write_two(dir: &Path) -> PathBuf {
        let meta = Meta {
            name: "b1".into(),
            min_time: 0,
            max_time: 100,
            version: 1,
            ..Meta::default()
        };
        let a = Labels::from_pairs([("__name__", "m"), ("job", "a")]);
        let b = Labels::from_pairs([("__name__", "m"), ("job", "b")]);
        write(
            dir,
            meta,
            vec![
                (a, vec![chunk(&[(1, 1.0), (2, 2.0)]), chunk(&[(50, 5.0)])]),
                (b, vec![chunk(&[(3, 3.0)])]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_written_block_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_two(dir.path());
        let block = Block::open(&path).unwrap();
        assert_eq!(block.meta.stats.num_samples, 4);
        assert_eq!(block.meta.stats.num_series, 2);
        let ids = crate::postings::select(&block, &[Matcher::equal("job", "a")]);
        assert_eq!(ids, vec![0]);
        assert_eq!(block.labels(0).get("job"), Some("a"));
        let mut chunks = Vec::new();
        block.chunks(0, 40, 100, &mut chunks);
        assert_eq!(chunks.len(), 1);
        assert_eq!(
            XorIterator::new(&chunks[0].data).collect::<Vec<_>>(),
            vec![(50, 5.0)]
        );
        assert!(!dir.path().join("b1.tmp").exists());
    }

    #[test]
    fn corrupt_files_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_two(dir.path());
        let mut chunks = fs::read(path.join("chunks")).unwrap();
        chunks[6] ^= 0xff;
        fs::write(path.join("chunks"), &chunks).unwrap();
        let err = Block::open(&path).err().unwrap();
        assert!(err.to_string().contains("checksum"), "{err}");

        let path = write_two(&dir.path().join("other"));
        let index = fs::read(path.join("index")).unwrap();
        fs::write(path.join("index"), &index[..index.len() - 10]).unwrap();
        assert!(Block::open(&path).is_err());
    }
}
