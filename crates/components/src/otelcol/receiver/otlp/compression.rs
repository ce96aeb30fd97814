//! Reading and decompressing request bodies (HTTP `Content-Encoding`, gRPC
//! `grpc-encoding`), never past a size limit: a small compressed body must not
//! grow into unbounded memory.

use bytes::Bytes;
use std::io::Read;

/// Why a body could not be decompressed.
#[derive(Debug, PartialEq)]
pub enum DecompressError {
    /// The decompressed body would be larger than the limit.
    TooLarge,
    /// The encoding is not one of ours.
    Unsupported,
    /// The body is not valid in its encoding.
    Corrupt(String),
}

/// Why a request body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Longer than the limit.
    TooLarge,
    /// The client went away or broke the framing.
    Failed(String),
}

/// Reads a whole request body of at most `limit` bytes.
pub async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, ReadError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let cause = e.into_inner();
        if cause.is::<http_body_util::LengthLimitError>() {
            ReadError::TooLarge
        } else {
            ReadError::Failed(cause.to_string())
        }
    })
}

/// The body of `encoding` (`""`/`identity` = none), decompressed, at most
/// `limit` bytes.
pub fn decompress(encoding: &str, body: Bytes, limit: usize) -> Result<Bytes, DecompressError> {
    let encoding = encoding.trim().to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" => {
            if body.len() > limit {
                return Err(DecompressError::TooLarge);
            }
            Ok(body)
        }
        "gzip" | "x-gzip" => read_limited(flate2::read::MultiGzDecoder::new(&body[..]), limit),
        // HTTP's "deflate" is the zlib format (RFC 9110), as the Collector reads it.
        "zlib" | "deflate" => read_limited(flate2::read::ZlibDecoder::new(&body[..]), limit),
        "zstd" => {
            let decoder = zstd::stream::read::Decoder::new(&body[..])
                .map_err(|e| DecompressError::Corrupt(e.to_string()))?;
            read_limited(decoder, limit)
        }
        "snappy" => snappy(&body, limit),
        "x-snappy-framed" => read_limited(snap::read::FrameDecoder::new(&body[..]), limit),
        "lz4" => read_limited(lz4_flex::frame::FrameDecoder::new(&body[..]), limit),
        _ => Err(DecompressError::Unsupported),
    }
}

/// Snappy's block format; a body that starts with the framing format's stream
/// identifier is read as frames (older Collector clients sent those).
fn snappy(body: &[u8], limit: usize) -> Result<Bytes, DecompressError> {
    const STREAM_IDENTIFIER: &[u8] = b"\xff\x06\x00\x00sNaPpY";
    if body.starts_with(STREAM_IDENTIFIER) {
        return read_limited(snap::read::FrameDecoder::new(body), limit);
    }
    let length =
        snap::raw::decompress_len(body).map_err(|e| DecompressError::Corrupt(e.to_string()))?;
    if length > limit {
        return Err(DecompressError::TooLarge);
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map(Bytes::from)
        .map_err(|e| DecompressError::Corrupt(e.to_string()))
}

fn read_limited(reader: impl Read, limit: usize) -> Result<Bytes, DecompressError> {
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DecompressError::Corrupt(e.to_string()))?;
    if out.len() > limit {
        return Err(DecompressError::TooLarge);
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Bytes {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        Bytes::from(encoder.finish().unwrap())
    }

    #[test]
    fn every_encoding_round_trips() {
        let data = b"hello hello hello hello".repeat(10);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(&data).unwrap();
        let zlib = Bytes::from(zlib.finish().unwrap());
        let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz4.write_all(&data).unwrap();
        let mut framed = snap::write::FrameEncoder::new(Vec::new());
        framed.write_all(&data).unwrap();
        let cases = [
            ("", Bytes::from(data.clone())),
            ("gzip", gzip(&data)),
            ("zlib", zlib.clone()),
            ("deflate", zlib),
            ("zstd", Bytes::from(zstd::encode_all(&data[..], 1).unwrap())),
            (
                "snappy",
                Bytes::from(snap::raw::Encoder::new().compress_vec(&data).unwrap()),
            ),
            ("snappy", Bytes::from(framed.into_inner().unwrap())),
            ("lz4", Bytes::from(lz4.finish().unwrap())),
        ];
        for (encoding, body) in cases {
            assert_eq!(
                decompress(encoding, body, 1 << 20).unwrap(),
                data,
                "{encoding}"
            );
        }
    }

    #[test]
    fn limits_apply_after_decompression() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 10_000);
        assert_eq!(
            decompress("gzip", bomb, 1000),
            Err(DecompressError::TooLarge)
        );
        assert_eq!(
            decompress("br", Bytes::new(), 10),
            Err(DecompressError::Unsupported)
        );
        assert!(matches!(
            decompress("gzip", Bytes::from_static(b"not gzip"), 10),
            Err(DecompressError::Corrupt(_))
        ));
    }
}
