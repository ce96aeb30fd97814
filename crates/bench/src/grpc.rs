//! The little of gRPC that unary OTLP calls need, over plain HTTP/2: the
//! length-prefixed message frame and the status carried in `grpc-status` /
//! `grpc-message`. The generator and the sink speak it directly through hyper
//! so they send and count raw bytes without a codec in the way.

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderMap;

pub const OK: u32 = 0;
pub const INVALID_ARGUMENT: u32 = 3;
pub const RESOURCE_EXHAUSTED: u32 = 8;
pub const UNIMPLEMENTED: u32 = 12;
pub const INTERNAL: u32 = 13;
pub const UNAVAILABLE: u32 = 14;

/// One message in its frame: a compressed flag, the length (big endian) and
/// the bytes.
pub fn frame(message: &[u8], compressed: bool) -> Bytes {
    let mut out = BytesMut::with_capacity(5 + message.len());
    out.put_u8(u8::from(compressed));
    out.put_u32(message.len() as u32);
    out.put_slice(message);
    out.freeze()
}

/// The single message of a unary call's body and whether it is compressed.
pub fn unframe(body: &[u8]) -> Result<(bool, &[u8]), String> {
    let Some((head, rest)) = body.split_first_chunk::<5>() else {
        return Err(format!("gRPC frame of {} bytes has no header", body.len()));
    };
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if rest.len() != len {
        return Err(format!(
            "gRPC frame announces {len} bytes but carries {}",
            rest.len()
        ));
    }
    match head[0] {
        0 => Ok((false, rest)),
        1 => Ok((true, rest)),
        flag => Err(format!("gRPC frame has an unknown flag {flag}")),
    }
}

/// The status of a finished call: from the trailers, or from the headers of a
/// trailers-only answer. A missing status is an error of the server.
pub fn status(headers: &HeaderMap, trailers: Option<&HeaderMap>) -> (u32, String) {
    let field = |name: &str| {
        trailers
            .and_then(|t| t.get(name))
            .or_else(|| headers.get(name))
            .and_then(|v| v.to_str().ok())
    };
    match field("grpc-status").map(str::parse::<u32>) {
        Some(Ok(code)) => (code, field("grpc-message").unwrap_or_default().to_owned()),
        _ => (INTERNAL, "the answer carries no grpc-status".to_owned()),
    }
}

/// Codes by which a server turns a request away for now rather than reject
/// its data: the ones OTLP clients retry, and RESOURCE_EXHAUSTED, which memory
/// limiters answer under pressure.
pub fn is_refusal(code: u32) -> bool {
    matches!(code, 1 | 4 | 10 | 11 | 14 | 15) || code == RESOURCE_EXHAUSTED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_bad_frames_are_errors() {
        let framed = frame(b"hello", true);
        assert_eq!(unframe(&framed), Ok((true, &b"hello"[..])));
        assert!(unframe(&framed[..4]).is_err());
        assert!(unframe(&framed[..7]).is_err());
        let mut bad_flag = framed.to_vec();
        bad_flag[0] = 9;
        assert!(unframe(&bad_flag).is_err());
    }

    #[test]
    fn status_prefers_trailers() {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", "14".parse().unwrap());
        assert_eq!(status(&headers, None).0, UNAVAILABLE);
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "0".parse().unwrap());
        assert_eq!(status(&headers, Some(&trailers)).0, OK);
        assert_eq!(status(&HeaderMap::new(), None).0, INTERNAL);
    }
}
