//! The XOR float chunk of Prometheus (`tsdb/chunkenc/xor.go`), bit for bit:
//! a big-endian sample count, then timestamps as delta-of-delta in variable
//! bit buckets and values XORed with their predecessor (Gorilla). Values keep
//! their exact bits, so staleness markers and other NaNs survive.

/// How many samples a head chunk takes before a new one is started
/// (Prometheus's target; about 1.3 bytes per sample on regular scrapes).
pub const SAMPLES_PER_CHUNK: usize = 120;

/// Appends bits to a byte vector, most significant bit first.
#[derive(Clone, Debug, Default)]
struct BitWriter {
    bytes: Vec<u8>,
    /// Bits still free in the last byte (0 when a new byte is needed).
    free: u8,
}

impl BitWriter {
    fn write_bit(&mut self, bit: bool) {
        if self.free == 0 {
            self.bytes.push(0);
            self.free = 8;
        }
        self.free -= 1;
        if bit {
            *self.bytes.last_mut().expect("pushed above") |= 1 << self.free;
        }
    }

    /// Writes the low `n` bits of `value`, the highest of them first, a
    /// byte's worth at a time.
    fn write_bits(&mut self, value: u64, mut n: u8) {
        while n > 0 {
            if self.free == 0 {
                self.bytes.push(0);
                self.free = 8;
            }
            let take = n.min(self.free);
            let bits = ((value >> (n - take)) & ((1u64 << take) - 1)) as u8;
            *self.bytes.last_mut().expect("pushed above") |= bits << (self.free - take);
            self.free -= take;
            n -= take;
        }
    }

    fn write_byte(&mut self, byte: u8) {
        self.write_bits(byte as u64, 8);
    }
}

/// Reads bits written by [`BitWriter`]; running past the end is an error, not
/// a panic, because block chunks come from disk.
#[derive(Clone, Debug)]
struct BitReader<'a> {
    bytes: &'a [u8],
    /// Position in bits.
    pos: usize,
}

impl BitReader<'_> {
    fn read_bit(&mut self) -> Option<bool> {
        let byte = *self.bytes.get(self.pos / 8)?;
        let bit = (byte >> (7 - (self.pos % 8))) & 1 == 1;
        self.pos += 1;
        Some(bit)
    }

    fn read_bits(&mut self, mut n: u8) -> Option<u64> {
        let mut value = 0u64;
        while n > 0 {
            let byte = *self.bytes.get(self.pos / 8)?;
            let available = 8 - (self.pos % 8) as u8;
            let take = n.min(available);
            let bits = (byte >> (available - take)) as u64 & ((1u64 << take) - 1);
            value = (value << take) | bits;
            self.pos += take as usize;
            n -= take;
        }
        Some(value)
    }

    fn read_byte(&mut self) -> Option<u8> {
        self.read_bits(8).map(|b| b as u8)
    }

    fn read_uvarint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.read_byte()?;
            value |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn read_varint(&mut self) -> Option<i64> {
        let u = self.read_uvarint()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

fn write_uvarint(w: &mut BitWriter, mut value: u64) {
    while value >= 0x80 {
        w.write_byte((value as u8) | 0x80);
        value >>= 7;
    }
    w.write_byte(value as u8);
}

fn write_varint(w: &mut BitWriter, value: i64) {
    write_uvarint(w, ((value << 1) ^ (value >> 63)) as u64);
}

/// The delta-of-delta buckets: (prefix bits, prefix length, value bits).
const DOD_BUCKETS: [(u64, u8, u8); 3] = [(0b10, 2, 14), (0b110, 3, 17), (0b1110, 4, 20)];

/// A chunk being written.
#[derive(Clone, Debug)]
pub struct XorAppender {
    w: BitWriter,
    count: u16,
    t: i64,
    t_delta: i64,
    v: f64,
    leading: u8,
    trailing: u8,
}

impl Default for XorAppender {
    fn default() -> XorAppender {
        let mut w = BitWriter::default();
        w.write_bits(0, 16);
        XorAppender {
            w,
            count: 0,
            t: 0,
            t_delta: 0,
            v: 0.0,
            leading: 0xff,
            trailing: 0,
        }
    }
}

impl XorAppender {
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The last appended timestamp (meaningless while empty).
    pub fn last_timestamp(&self) -> i64 {
        self.t
    }

    /// The encoded chunk as it stands.
    pub fn bytes(&self) -> &[u8] {
        &self.w.bytes
    }

    /// Appends a sample; timestamps must increase (the head checks that).
    pub fn append(&mut self, t: i64, v: f64) {
        match self.count {
            0 => {
                write_varint(&mut self.w, t);
                self.w.write_bits(v.to_bits(), 64);
            }
            1 => {
                let delta = t.wrapping_sub(self.t);
                write_uvarint(&mut self.w, delta as u64);
                self.write_value(v);
                self.t_delta = delta;
            }
            _ => {
                let delta = t.wrapping_sub(self.t);
                let dod = delta.wrapping_sub(self.t_delta);
                self.write_dod(dod);
                self.write_value(v);
                self.t_delta = delta;
            }
        }
        self.t = t;
        self.v = v;
        self.count += 1;
        self.w.bytes[..2].copy_from_slice(&self.count.to_be_bytes());
    }

    fn write_dod(&mut self, dod: i64) {
        if dod == 0 {
            self.w.write_bit(false);
            return;
        }
        for (prefix, prefix_len, bits) in DOD_BUCKETS {
            let low = -(1i64 << (bits - 1)) + 1;
            let high = 1i64 << (bits - 1);
            if (low..=high).contains(&dod) {
                self.w.write_bits(prefix, prefix_len);
                self.w.write_bits(dod as u64, bits);
                return;
            }
        }
        self.w.write_bits(0b1111, 4);
        self.w.write_bits(dod as u64, 64);
    }

    fn write_value(&mut self, v: f64) {
        let xor = v.to_bits() ^ self.v.to_bits();
        if xor == 0 {
            self.w.write_bit(false);
            return;
        }
        self.w.write_bit(true);
        // Only 5 bits hold the leading count.
        let leading = (xor.leading_zeros() as u8).min(31);
        let trailing = xor.trailing_zeros() as u8;
        if self.leading != 0xff && leading >= self.leading && trailing >= self.trailing {
            self.w.write_bit(false);
            self.w
                .write_bits(xor >> self.trailing, 64 - self.leading - self.trailing);
            return;
        }
        self.leading = leading;
        self.trailing = trailing;
        self.w.write_bit(true);
        self.w.write_bits(leading as u64, 5);
        let significant = 64 - leading - trailing;
        // 64 significant bits do not fit in 6 bits and are written as 0.
        self.w.write_bits((significant % 64) as u64, 6);
        self.w.write_bits(xor >> trailing, significant);
    }
}

/// The samples of an encoded chunk, in order. A malformed chunk ends the
/// iteration early and sets [`XorIterator::error`].
#[derive(Clone, Debug)]
pub struct XorIterator<'a> {
    r: BitReader<'a>,
    total: u16,
    read: u16,
    t: i64,
    t_delta: i64,
    v: f64,
    leading: u8,
    trailing: u8,
    error: bool,
}

impl<'a> XorIterator<'a> {
    pub fn new(bytes: &'a [u8]) -> XorIterator<'a> {
        let (total, error) = match bytes {
            [a, b, ..] => (u16::from_be_bytes([*a, *b]), false),
            _ => (0, !bytes.is_empty()),
        };
        XorIterator {
            r: BitReader { bytes, pos: 16 },
            total,
            read: 0,
            t: 0,
            t_delta: 0,
            v: 0.0,
            leading: 0,
            trailing: 0,
            error,
        }
    }

    /// Whether the chunk turned out malformed.
    pub fn error(&self) -> bool {
        self.error
    }

    /// The number of samples the chunk header announces.
    pub fn total(&self) -> usize {
        self.total as usize
    }

    /// Skips to the first sample at or after `t` and returns it.
    pub fn seek(&mut self, t: i64) -> Option<(i64, f64)> {
        if self.read > 0 && self.t >= t {
            return Some((self.t, self.v));
        }
        self.find(|&(ts, _)| ts >= t)
    }

    fn decode_next(&mut self) -> Option<(i64, f64)> {
        match self.read {
            0 => {
                self.t = self.r.read_varint()?;
                self.v = f64::from_bits(self.r.read_bits(64)?);
            }
            1 => {
                self.t_delta = self.r.read_uvarint()? as i64;
                self.t = self.t.wrapping_add(self.t_delta);
                self.read_value()?;
            }
            _ => {
                let dod = self.read_dod()?;
                self.t_delta = self.t_delta.wrapping_add(dod);
                self.t = self.t.wrapping_add(self.t_delta);
                self.read_value()?;
            }
        }
        Some((self.t, self.v))
    }

    fn read_dod(&mut self) -> Option<i64> {
        let mut ones = 0;
        while ones < 4 && self.r.read_bit()? {
            ones += 1;
        }
        let bits = match ones {
            0 => return Some(0),
            1..=3 => DOD_BUCKETS[ones - 1].2,
            _ => 64,
        };
        let raw = self.r.read_bits(bits)?;
        if bits == 64 {
            return Some(raw as i64);
        }
        // Sign-extend; Go also treats the all-ones high value as positive
        // (the bucket range is (-2^(n-1), 2^(n-1)]).
        let mut value = raw as i64;
        if value > (1 << (bits - 1)) {
            value -= 1 << bits;
        }
        Some(value)
    }

    fn read_value(&mut self) -> Option<()> {
        if !self.r.read_bit()? {
            return Some(());
        }
        if self.r.read_bit()? {
            self.leading = self.r.read_bits(5)? as u8;
            let mut significant = self.r.read_bits(6)? as u8;
            if significant == 0 {
                significant = 64;
            }
            self.trailing = 64u8.checked_sub(self.leading + significant)?;
        }
        let significant = 64 - self.leading - self.trailing;
        let bits = self.r.read_bits(significant)?;
        self.v = f64::from_bits(self.v.to_bits() ^ (bits << self.trailing));
        Some(())
    }
}

impl Iterator for XorIterator<'_> {
    type Item = (i64, f64);

    fn next(&mut self) -> Option<(i64, f64)> {
        if self.error || self.read >= self.total {
            return None;
        }
        match self.decode_next() {
            Some(sample) => {
                self.read += 1;
                Some(sample)
            }
            None => {
                self.error = true;
                None
            }
        }
    }
}

/// Encodes `samples` (ascending timestamps) into one chunk.
pub fn encode(samples: &[(i64, f64)]) -> Vec<u8> {
    let mut appender = XorAppender::default();
    for &(t, v) in samples {
        appender.append(t, v);
    }
    appender.w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::metrics::{is_stale_nan, stale_nan};

    fn round_trip(samples: &[(i64, f64)]) {
        let bytes = encode(samples);
        let mut it = XorIterator::new(&bytes);
        let decoded: Vec<_> = it.by_ref().collect();
        assert!(!it.error());
        assert_eq!(decoded.len(), samples.len());
        for (a, b) in decoded.iter().zip(samples) {
            assert_eq!(a.0, b.0);
            assert_eq!(a.1.to_bits(), b.1.to_bits());
        }
    }

    #[test]
    fn regular_scrapes_round_trip_compactly() {
        let samples: Vec<_> = (0..120)
            .map(|i| (1_700_000_000_000 + i * 15_000, (i * 3) as f64))
            .collect();
        round_trip(&samples);
        let bytes = encode(&samples);
        assert!(bytes.len() < 120 * 3, "{} bytes", bytes.len());
    }

    #[test]
    fn nans_stale_markers_and_extremes_keep_their_bits() {
        let samples = vec![
            (i64::MIN + 1, f64::NAN),
            (-5, stale_nan()),
            (0, f64::INFINITY),
            (1, f64::NEG_INFINITY),
            (2, f64::MAX),
            (3, f64::MIN_POSITIVE),
            (1_000_000_000, -0.0),
            (1_000_000_001, stale_nan()),
            (i64::MAX, 1.5),
        ];
        round_trip(&samples);
        let bytes = encode(&samples);
        assert!(is_stale_nan(XorIterator::new(&bytes).nth(1).unwrap().1));
    }

    #[test]
    fn every_delta_of_delta_bucket_round_trips() {
        let mut t = 0i64;
        let mut samples = vec![];
        for (i, step) in [1, 10, 8193, 8192, 1, 65537, 3, 524_289, 2, 1 << 40, 5, 5]
            .into_iter()
            .enumerate()
        {
            t += step;
            samples.push((t, i as f64 * 0.1));
        }
        round_trip(&samples);
    }

    #[test]
    fn seek_finds_the_first_sample_not_before() {
        let samples: Vec<_> = (0..50).map(|i| (i * 10, i as f64)).collect();
        let bytes = encode(&samples);
        let mut it = XorIterator::new(&bytes);
        assert_eq!(it.seek(95), Some((100, 10.0)));
        assert_eq!(it.seek(50), Some((100, 10.0)));
        assert_eq!(it.next(), Some((110, 11.0)));
        assert_eq!(it.seek(10_000), None);
    }

    #[test]
    fn truncated_chunks_end_with_an_error() {
        let samples: Vec<_> = (0..50).map(|i| (i * 10, i as f64 * 1.7)).collect();
        let bytes = encode(&samples);
        let mut it = XorIterator::new(&bytes[..bytes.len() / 2]);
        assert!(it.by_ref().count() < 50);
        assert!(it.error());
    }
}
