//! Body compression as OTLP clients use it (`Content-Encoding` over HTTP,
//! `grpc-encoding` over gRPC): gzip, the exporters' default, and zstd.

use std::io::{Read, Write};

/// A body compression, by its header name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    /// `None` for `identity` or no header; `Err` with the name when unknown.
    pub fn from_header(value: Option<&str>) -> Result<Option<Compression>, String> {
        match value.map(str::trim) {
            None | Some("" | "identity") => Ok(None),
            Some("gzip") => Ok(Some(Compression::Gzip)),
            Some("zstd") => Ok(Some(Compression::Zstd)),
            Some(other) => Err(other.to_owned()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                encoder
                    .write_all(data)
                    .expect("writing to a Vec cannot fail");
                encoder.finish().expect("writing to a Vec cannot fail")
            }
            Compression::Zstd => zstd::bulk::compress(data, 1).expect("zstd level 1 is valid"),
        }
    }

    /// Decompresses at most `limit` bytes; more is an error, so a small
    /// compressed body cannot make the sink allocate without bound.
    pub fn decompress(self, data: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            Compression::Gzip => flate2::read::MultiGzDecoder::new(data)
                .take(limit + 1)
                .read_to_end(&mut out)?,
            Compression::Zstd => zstd::stream::read::Decoder::new(data)?
                .take(limit + 1)
                .read_to_end(&mut out)?,
        };
        if out.len() as u64 > limit {
            return Err(std::io::Error::other(format!(
                "decompressed body larger than {limit} bytes"
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_limits() {
        let data = vec![7u8; 10_000];
        for c in [Compression::Gzip, Compression::Zstd] {
            let packed = c.compress(&data);
            assert!(packed.len() < data.len());
            assert_eq!(c.decompress(&packed, 10_000).unwrap(), data);
            assert!(c.decompress(&packed, 9_999).is_err());
            assert!(c.decompress(b"not compressed", 100).is_err());
        }
        assert_eq!(Compression::from_header(Some("br")), Err("br".into()));
        assert_eq!(Compression::from_header(Some("identity")), Ok(None));
    }
}
