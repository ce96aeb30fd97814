//! The write-ahead log: numbered segment files of checksummed records, and
//! checkpoints that replace the segments a head compaction made redundant.
//!
//! Record layout: kind (1 byte), payload length (u32 LE), CRC-32 of kind and
//! payload (u32 LE), payload. One append is one `write` call, so a process
//! crash (SIGKILL) loses nothing acknowledged. Segments are fsynced when they
//! are cut and when the log is closed or [`Wal::sync`] is called; a machine
//! crash may lose what was written since (Prometheus's default policy too).
//! On replay a record that is cut short or fails its checksum ends the log:
//! the file is truncated there and later segments are removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A segment is cut when it grows past this size.
pub const SEGMENT_SIZE: u64 = 128 << 20;
const HEADER_LEN: usize = 9;
const CHECKPOINT_PREFIX: &str = "checkpoint.";

/// What a record holds; the payload encodings are in `head`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordKind {
    Series = 1,
    Samples = 2,
    /// A whole encoded chunk of one series (checkpoints only).
    Chunk = 3,
}

impl RecordKind {
    fn from_byte(b: u8) -> Option<RecordKind> {
        match b {
            1 => Some(RecordKind::Series),
            2 => Some(RecordKind::Samples),
            3 => Some(RecordKind::Chunk),
            _ => None,
        }
    }
}

/// Appends `payload` as one record to `out`.
pub fn encode_record(out: &mut Vec<u8>, kind: RecordKind, payload: &[u8]) {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&[kind as u8]);
    crc.update(payload);
    out.push(kind as u8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(payload);
}

/// The well-formed records at the start of `data` and the length they cover.
fn decode_records(data: &[u8]) -> (Vec<(RecordKind, &[u8])>, usize) {
    let mut records = Vec::new();
    let mut pos = 0;
    while data.len() - pos >= HEADER_LEN {
        let header = &data[pos..pos + HEADER_LEN];
        let Some(kind) = RecordKind::from_byte(header[0]) else {
            break;
        };
        let len = u32::from_le_bytes(header[1..5].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(header[5..9].try_into().expect("4 bytes"));
        let Some(payload) = data.get(pos + HEADER_LEN..pos + HEADER_LEN + len) else {
            break;
        };
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&header[..1]);
        hasher.update(payload);
        if hasher.finalize() != crc {
            break;
        }
        records.push((kind, payload));
        pos += HEADER_LEN + len;
    }
    (records, pos)
}

/// An open log, appending to its last segment.
pub struct Wal {
    dir: PathBuf,
    file: File,
    segment: u64,
    size: u64,
}

/// What [`Wal::open`] found and repaired.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReplayReport {
    /// Bytes cut from a torn or corrupt tail.
    pub truncated_bytes: u64,
    pub records: usize,
}

impl Wal {
    /// Opens (or creates) the log in `dir`, feeding every record of the latest
    /// checkpoint and of the segments after it to `apply`, and starts a new
    /// segment for appends.
    pub fn open(
        dir: &Path,
        mut apply: impl FnMut(RecordKind, &[u8]),
    ) -> io::Result<(Wal, ReplayReport)> {
        fs::create_dir_all(dir)?;
        let mut report = ReplayReport::default();
        let (checkpoint, segments) = list(dir)?;
        if let Some((_, path)) = &checkpoint {
            let data = fs::read(path)?;
            let (records, _) = decode_records(&data);
            report.records += records.len();
            for (kind, payload) in records {
                apply(kind, payload);
            }
        }
        let mut last = checkpoint.as_ref().map_or(0, |(n, _)| *n);
        let mut torn = false;
        for (n, path) in segments {
            if torn {
                // Records after a corrupt one would replay with a gap.
                fs::remove_file(&path)?;
                continue;
            }
            let mut data = Vec::new();
            File::open(&path)?.read_to_end(&mut data)?;
            let (records, valid) = decode_records(&data);
            report.records += records.len();
            for (kind, payload) in records {
                apply(kind, payload);
            }
            if valid < data.len() {
                tracing::warn!(segment = %path.display(), at = valid, "WAL tail is torn or corrupt; truncating it");
                OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .set_len(valid as u64)?;
                report.truncated_bytes += (data.len() - valid) as u64;
                torn = true;
            }
            last = last.max(n);
        }
        let segment = last + 1;
        let file = create_segment(dir, segment)?;
        sync_dir(dir)?;
        Ok((
            Wal {
                dir: dir.to_path_buf(),
                file,
                segment,
                size: 0,
            },
            report,
        ))
    }

    /// Writes encoded records (one or more) with a single `write`.
    pub fn log(&mut self, records: &[u8]) -> io::Result<()> {
        if self.size > 0 && self.size + records.len() as u64 > SEGMENT_SIZE {
            self.cut()?;
        }
        self.file.write_all(records)?;
        self.size += records.len() as u64;
        Ok(())
    }

    /// Makes everything logged so far durable.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Starts a new segment; returns the number of the last complete one.
    fn cut(&mut self) -> io::Result<u64> {
        self.file.sync_data()?;
        let done = self.segment;
        self.segment += 1;
        self.file = create_segment(&self.dir, self.segment)?;
        self.size = 0;
        sync_dir(&self.dir)?;
        Ok(done)
    }

    /// Replaces everything logged so far by `records` (the head's state, as
    /// the caller encoded it while holding off appends): the current segment
    /// is cut, the checkpoint written to a temporary file and renamed, then
    /// the older segments and checkpoints are deleted.
    pub fn checkpoint(&mut self, records: &[u8]) -> io::Result<()> {
        let done = self.cut()?;
        let final_path = self.dir.join(format!("{CHECKPOINT_PREFIX}{done:08}"));
        let tmp = self.dir.join(format!("{CHECKPOINT_PREFIX}{done:08}.tmp"));
        {
            let mut file = File::create(&tmp)?;
            file.write_all(records)?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &final_path)?;
        sync_dir(&self.dir)?;
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let older = match name.strip_prefix(CHECKPOINT_PREFIX) {
                Some(n) => n.parse::<u64>().is_ok_and(|n| n < done) || n.ends_with(".tmp"),
                None => name.parse::<u64>().is_ok_and(|n| n <= done),
            };
            if older {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }

    /// Bytes the log takes on disk.
    pub fn disk_size(&self) -> u64 {
        dir_size(&self.dir)
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        let _ = self.file.sync_data();
    }
}

/// The latest checkpoint and the segments after it, in order.
type Listing = (Option<(u64, PathBuf)>, Vec<(u64, PathBuf)>);

fn list(dir: &Path) -> io::Result<Listing> {
    let mut checkpoint: Option<(u64, PathBuf)> = None;
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix(CHECKPOINT_PREFIX)
            .and_then(|n| n.parse::<u64>().ok())
        {
            if checkpoint.as_ref().is_none_or(|(c, _)| n > *c) {
                checkpoint = Some((n, entry.path()));
            }
        } else if let Ok(n) = name.parse::<u64>() {
            segments.push((n, entry.path()));
        }
    }
    let after = checkpoint.as_ref().map_or(0, |(n, _)| *n);
    segments.retain(|(n, _)| *n > after);
    segments.sort();
    Ok((checkpoint, segments))
}

fn create_segment(dir: &Path, n: u64) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{n:08}")))
}

/// Makes renames and new files in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The total size of the files under `dir`.
pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(dir: &Path) -> (Vec<Vec<u8>>, ReplayReport, Wal) {
        let mut seen = Vec::new();
        let (wal, report) = Wal::open(dir, |_, p| seen.push(p.to_vec())).unwrap();
        (seen, report, wal)
    }

    fn record(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_record(&mut out, RecordKind::Samples, payload);
        out
    }

    #[test]
    fn records_replay_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, mut wal) = replay(dir.path());
        wal.log(&record(b"one")).unwrap();
        wal.log(&record(b"two")).unwrap();
        drop(wal);
        let (seen, report, _) = replay(dir.path());
        assert_eq!(seen, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(report.truncated_bytes, 0);
    }

    #[test]
    fn a_torn_tail_is_truncated_and_appends_continue() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, mut wal) = replay(dir.path());
        wal.log(&record(b"kept")).unwrap();
        let torn = record(b"torn record");
        wal.log(&torn[..torn.len() - 3]).unwrap();
        drop(wal);
        let (seen, report, mut wal) = replay(dir.path());
        assert_eq!(seen, vec![b"kept".to_vec()]);
        assert_eq!(report.truncated_bytes, torn.len() as u64 - 3);
        wal.log(&record(b"after")).unwrap();
        drop(wal);
        let (seen, report, _) = replay(dir.path());
        assert_eq!(seen, vec![b"kept".to_vec(), b"after".to_vec()]);
        assert_eq!(report.truncated_bytes, 0);
    }

    #[test]
    fn a_flipped_bit_fails_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, mut wal) = replay(dir.path());
        wal.log(&record(b"good")).unwrap();
        let mut bad = record(b"bad!");
        *bad.last_mut().unwrap() ^= 1;
        wal.log(&bad).unwrap();
        drop(wal);
        let (seen, report, _) = replay(dir.path());
        assert_eq!(seen, vec![b"good".to_vec()]);
        assert!(report.truncated_bytes > 0);
    }

    #[test]
    fn a_checkpoint_replaces_older_segments() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, mut wal) = replay(dir.path());
        wal.log(&record(b"old")).unwrap();
        wal.checkpoint(&record(b"state")).unwrap();
        wal.log(&record(b"new")).unwrap();
        drop(wal);
        let (seen, _, _) = replay(dir.path());
        assert_eq!(seen, vec![b"state".to_vec(), b"new".to_vec()]);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n != "00000001"), "{names:?}");
    }
}
