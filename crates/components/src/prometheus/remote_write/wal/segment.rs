//! Segment files on disk: `wal/00000001`, `wal/00000002`, … each a sequence of
//! frames, and reading frames back in bounded chunks.

use super::record::{self, Frame, Record};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:08}"))
}

/// The segment numbers in `dir`, ascending.
pub fn list(dir: &Path) -> io::Result<Vec<u64>> {
    let mut segments: Vec<u64> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    segments.sort_unstable();
    Ok(segments)
}

/// Records read from a segment and where reading stopped.
pub struct Chunk {
    /// Each record with the file offset just after it.
    pub records: Vec<(u64, Record)>,
    /// Where the next read starts.
    pub next: u64,
    /// Why reading stopped before `to`, when the data there is unreadable.
    pub corrupt: Option<String>,
}

/// Reads whole frames of the segment at `path` between `from` and `to`
/// (`None`: the end of the file), about `max` bytes at a time (more when one
/// frame is larger). A frame cut off at `to` is left for a later read.
pub fn read(path: &Path, from: u64, to: Option<u64>, max: usize) -> io::Result<Chunk> {
    let mut file = std::fs::File::open(path)?;
    let end = match to {
        Some(to) => to,
        None => file.metadata()?.len(),
    };
    let mut chunk = Chunk {
        records: Vec::new(),
        next: from,
        corrupt: None,
    };
    let available = end.saturating_sub(from) as usize;
    let mut want = available.min(max);
    let mut buf = Vec::new();
    while want > 0 {
        buf.resize(want, 0);
        file.seek(SeekFrom::Start(from))?;
        let got = read_full(&mut file, &mut buf)?;
        buf.truncate(got);
        let mut at = 0;
        let mut bigger = None;
        while at < buf.len() {
            match record::frame(&buf[at..]) {
                Frame::Complete(body, total) => {
                    at += total;
                    match record::decode(body) {
                        Ok(rec) => chunk.records.push((from + at as u64, rec)),
                        Err(e) => {
                            chunk.corrupt = Some(e);
                            break;
                        }
                    }
                }
                Frame::Partial(total) => {
                    // The first frame is larger than the window: widen it.
                    if at == 0 && total > got && total <= available && got == want {
                        bigger = Some(total);
                    }
                    break;
                }
                Frame::Corrupt(e) => {
                    chunk.corrupt = Some(e);
                    break;
                }
            }
        }
        chunk.next = from + at as u64;
        match bigger {
            Some(total) => want = total,
            None => break,
        }
    }
    Ok(chunk)
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}
