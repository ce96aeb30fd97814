//! WAL records and their framing. A frame is `length u32 LE | crc32 u32 LE |
//! body`, the checksum (CRC-32, as zlib's) covering the body; the body starts
//! with the record type. A frame whose length runs past the end of the file
//! or whose checksum fails is a torn write.
//!
//! Series record: `1 | (ref varint, label count varint, (name, value)*)*`,
//! strings as `length varint | bytes`. Samples record: `2 | count varint |
//! (ref varint, timestamp i64 LE, value f64 bits LE)*`. Exemplars record:
//! `3 | count varint | (ref varint, timestamp i64 LE, value f64 bits LE,
//! labels)*`, labels in the compact form of [`encode_labels`].

use model::labels::Labels;

pub const FRAME_HEADER: usize = 8;
const SERIES: u8 = 1;
const SAMPLES: u8 = 2;
const EXEMPLARS: u8 = 3;
/// Frames larger than this are corrupt: one append never writes as much.
pub const MAX_FRAME: usize = 256 << 20;

/// A series reference: the WAL's short name for a label set.
pub type SeriesRef = u64;

/// A sample as the WAL stores it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefSample {
    pub series: SeriesRef,
    pub timestamp: i64,
    pub value: f64,
}

/// An exemplar as the WAL stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct RefExemplar {
    pub series: SeriesRef,
    pub timestamp: i64,
    pub value: f64,
    pub labels: Labels,
}

#[derive(Debug, PartialEq)]
pub enum Record {
    Series(Vec<(SeriesRef, Labels)>),
    Samples(Vec<RefSample>),
    Exemplars(Vec<RefExemplar>),
}

/// Appends frames to a reusable buffer.
#[derive(Default)]
pub struct Encoder {
    pub buf: Vec<u8>,
    frame_start: usize,
}

impl Encoder {
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    fn begin(&mut self, kind: u8) {
        self.frame_start = self.buf.len();
        self.buf.extend_from_slice(&[0; FRAME_HEADER]);
        self.buf.push(kind);
    }

    fn finish(&mut self) {
        let body = &self.buf[self.frame_start + FRAME_HEADER..];
        let len = body.len() as u32;
        let crc = checksum(body);
        let header = &mut self.buf[self.frame_start..self.frame_start + FRAME_HEADER];
        header[..4].copy_from_slice(&len.to_le_bytes());
        header[4..].copy_from_slice(&crc.to_le_bytes());
    }

    pub fn series<'a>(&mut self, series: impl IntoIterator<Item = (SeriesRef, &'a Labels)>) {
        self.begin(SERIES);
        for (series_ref, labels) in series {
            put_varint(&mut self.buf, series_ref);
            put_labels(&mut self.buf, labels);
        }
        self.finish();
    }

    pub fn samples(&mut self, samples: impl ExactSizeIterator<Item = RefSample>) {
        self.begin(SAMPLES);
        put_varint(&mut self.buf, samples.len() as u64);
        for s in samples {
            put_varint(&mut self.buf, s.series);
            self.buf.extend_from_slice(&s.timestamp.to_le_bytes());
            self.buf.extend_from_slice(&s.value.to_bits().to_le_bytes());
        }
        self.finish();
    }

    pub fn exemplars<'a>(
        &mut self,
        exemplars: impl ExactSizeIterator<Item = (SeriesRef, i64, f64, &'a Labels)>,
    ) {
        self.begin(EXEMPLARS);
        put_varint(&mut self.buf, exemplars.len() as u64);
        for (series, timestamp, value, labels) in exemplars {
            put_varint(&mut self.buf, series);
            self.buf.extend_from_slice(&timestamp.to_le_bytes());
            self.buf.extend_from_slice(&value.to_bits().to_le_bytes());
            put_labels(&mut self.buf, labels);
        }
        self.finish();
    }
}

/// A label set as records hold it: `count varint | (name, value)*`.
fn put_labels(buf: &mut Vec<u8>, labels: &Labels) {
    put_varint(buf, labels.len() as u64);
    for (name, value) in labels.iter() {
        put_str(buf, name);
        put_str(buf, value);
    }
}

fn checksum(body: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(body);
    crc.sum()
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_varint(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

/// What is at the start of some bytes.
#[derive(Debug, PartialEq)]
pub enum Frame<'a> {
    /// A whole, intact frame body and the frame's total size.
    Complete(&'a [u8], usize),
    /// The bytes end inside a frame of `usize` bytes in total.
    Partial(usize),
    /// A frame that can never be valid: bad length or checksum.
    Corrupt(String),
}

pub fn frame(bytes: &[u8]) -> Frame<'_> {
    if bytes.len() < FRAME_HEADER {
        return Frame::Partial(FRAME_HEADER);
    }
    let len = u32::from_le_bytes(bytes[..4].try_into().unwrap_or_default()) as usize;
    let crc = u32::from_le_bytes(bytes[4..8].try_into().unwrap_or_default());
    if len == 0 || len > MAX_FRAME {
        return Frame::Corrupt(format!("invalid record length {len}"));
    }
    let total = FRAME_HEADER + len;
    if bytes.len() < total {
        return Frame::Partial(total);
    }
    let body = &bytes[FRAME_HEADER..total];
    if checksum(body) != crc {
        return Frame::Corrupt("record checksum mismatch".into());
    }
    Frame::Complete(body, total)
}

/// Decodes a frame body.
pub fn decode(body: &[u8]) -> Result<Record, String> {
    let (&kind, mut rest) = body.split_first().ok_or("empty record")?;
    match kind {
        SERIES => {
            let mut series = Vec::new();
            while !rest.is_empty() {
                let series_ref = get_varint(&mut rest)?;
                let count = get_varint(&mut rest)? as usize;
                let mut pairs = Vec::with_capacity(count.min(256));
                for _ in 0..count {
                    let name = get_str(&mut rest)?;
                    let value = get_str(&mut rest)?;
                    pairs.push((name, value));
                }
                series.push((series_ref, Labels::from_pairs(pairs)));
            }
            Ok(Record::Series(series))
        }
        SAMPLES => {
            let count = get_varint(&mut rest)? as usize;
            let mut samples = Vec::with_capacity(count.min(rest.len() / 17));
            for _ in 0..count {
                let series = get_varint(&mut rest)?;
                let timestamp =
                    i64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap_or_default());
                let bits = u64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap_or_default());
                samples.push(RefSample {
                    series,
                    timestamp,
                    value: f64::from_bits(bits),
                });
            }
            Ok(Record::Samples(samples))
        }
        EXEMPLARS => {
            let count = get_varint(&mut rest)? as usize;
            let mut exemplars = Vec::with_capacity(count.min(rest.len() / 18));
            for _ in 0..count {
                let series = get_varint(&mut rest)?;
                let timestamp =
                    i64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap_or_default());
                let bits = u64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap_or_default());
                let pairs = get_varint(&mut rest)? as usize;
                let mut labels = Vec::with_capacity(pairs.min(64));
                for _ in 0..pairs {
                    labels.push((get_str(&mut rest)?, get_str(&mut rest)?));
                }
                exemplars.push(RefExemplar {
                    series,
                    timestamp,
                    value: f64::from_bits(bits),
                    labels: Labels::from_pairs(labels),
                });
            }
            Ok(Record::Exemplars(exemplars))
        }
        other => Err(format!("unknown record type {other}")),
    }
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if rest.len() < n {
        return Err("record truncated".into());
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn get_varint(rest: &mut &[u8]) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let &b = take(rest, 1)?.first().ok_or("record truncated")?;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err("varint too long".into())
}

fn get_str(rest: &mut &[u8]) -> Result<String, String> {
    get_str_ref(rest).map(str::to_string)
}

fn get_str_ref<'a>(rest: &mut &'a [u8]) -> Result<&'a str, String> {
    let len = get_varint(rest)? as usize;
    let bytes = take(rest, len)?;
    std::str::from_utf8(bytes).map_err(|_| "label is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::metrics::{is_stale_nan, stale_nan};

    fn one_frame(enc: &Encoder) -> Record {
        match frame(&enc.buf) {
            Frame::Complete(body, total) => {
                assert_eq!(total, enc.buf.len());
                decode(body).unwrap()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn records_round_trip() {
        let labels = Labels::from_pairs([("__name__", "up"), ("job", "ü")]);
        let mut enc = Encoder::default();
        enc.series([(7, &labels), (300, &Labels::new())]);
        assert_eq!(
            one_frame(&enc),
            Record::Series(vec![(7, labels), (300, Labels::new())])
        );
        enc.clear();
        let samples = [
            RefSample {
                series: 7,
                timestamp: -5,
                value: 1.5,
            },
            RefSample {
                series: u64::MAX,
                timestamp: i64::MAX,
                value: stale_nan(),
            },
        ];
        enc.samples(samples.iter().copied());
        let Record::Samples(back) = one_frame(&enc) else {
            panic!()
        };
        assert_eq!(back[0], samples[0]);
        assert_eq!((back[1].series, back[1].timestamp), (u64::MAX, i64::MAX));
        assert!(is_stale_nan(back[1].value));
    }

    #[test]
    fn exemplar_records_round_trip() {
        let trace = Labels::from_pairs([("trace_id", "abc")]);
        let mut enc = Encoder::default();
        enc.exemplars([(3, 10, 0.5, &trace)].into_iter());
        assert_eq!(
            one_frame(&enc),
            Record::Exemplars(vec![RefExemplar {
                series: 3,
                timestamp: 10,
                value: 0.5,
                labels: trace
            }])
        );
    }

    #[test]
    fn torn_and_corrupt_frames_are_told_apart() {
        let mut enc = Encoder::default();
        enc.samples(
            [RefSample {
                series: 1,
                timestamp: 2,
                value: 3.0,
            }]
            .into_iter(),
        );
        let whole = enc.buf.clone();
        assert_eq!(frame(&whole[..5]), Frame::Partial(FRAME_HEADER));
        assert_eq!(
            frame(&whole[..whole.len() - 1]),
            Frame::Partial(whole.len())
        );
        let mut flipped = whole.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(frame(&flipped), Frame::Corrupt(_)));
        assert!(matches!(frame(&[0; 12]), Frame::Corrupt(_)));
        assert!(decode(&[9]).is_err());
        assert!(
            decode(&[SAMPLES, 5, 1]).is_err(),
            "count larger than the data"
        );
    }
}
