//! Byte-level encodings shared by WAL records and block files: varints and
//! length-prefixed strings, and a reader that refuses truncated input instead
//! of panicking (the bytes come from disk).

pub fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub fn put_varint(out: &mut Vec<u8>, value: i64) {
    put_uvarint(out, ((value << 1) ^ (value >> 63)) as u64);
}

pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_uvarint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads what the `put_*` functions wrote; `None` on truncated or malformed input.
#[derive(Clone, Debug)]
pub struct Decoder<'a> {
    data: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub fn new(data: &'a [u8]) -> Decoder<'a> {
        Decoder { data }
    }

    pub fn uvarint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (i, &byte) in self.data.iter().enumerate().take(10) {
            value |= ((byte & 0x7f) as u64) << (7 * i);
            if byte & 0x80 == 0 {
                self.data = &self.data[i + 1..];
                return Some(value);
            }
        }
        None
    }

    pub fn varint(&mut self) -> Option<i64> {
        let u = self.uvarint()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.data.len() {
            return None;
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Some(head)
    }

    pub fn u64_le(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.uvarint()?).ok()?;
        std::str::from_utf8(self.bytes(n)?).ok()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_truncation_is_refused() {
        let mut out = Vec::new();
        put_uvarint(&mut out, u64::MAX);
        put_varint(&mut out, i64::MIN);
        put_varint(&mut out, -3);
        put_str(&mut out, "héllo");
        out.extend_from_slice(&7u64.to_le_bytes());
        let mut d = Decoder::new(&out);
        assert_eq!(d.uvarint(), Some(u64::MAX));
        assert_eq!(d.varint(), Some(i64::MIN));
        assert_eq!(d.varint(), Some(-3));
        assert_eq!(d.str(), Some("héllo"));
        assert_eq!(d.u64_le(), Some(7));
        assert!(d.rest().is_empty());
        let mut short = Decoder::new(&out[..3]);
        short.uvarint();
        assert_eq!(short.str(), None);
    }
}
