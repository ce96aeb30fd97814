//! Basic authentication from the `http > auth` block, with upstream's path
//! filter: without a `filter` block every path needs credentials; with one, the
//! listed path prefixes do (or, with `authenticate_matching_paths = false`,
//! every other path does).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use ring::digest::{SHA256, digest};
use runtime::services::HttpAuth;

use crate::text::go_error;

pub struct BasicAuth {
    // Credentials are compared as hashes so the comparison takes the same time
    // whatever their lengths.
    username: Vec<u8>,
    password: Vec<u8>,
    filter: Option<(Vec<String>, bool)>,
}

impl BasicAuth {
    /// `None` when the block configures no basic authentication.
    pub fn from_arguments(auth: &HttpAuth) -> Option<BasicAuth> {
        let basic = auth.basic.as_ref()?;
        Some(BasicAuth {
            username: hash(basic.username.as_bytes()),
            password: hash(basic.password.expose().as_bytes()),
            filter: auth
                .filter
                .as_ref()
                .map(|f| (f.paths.clone(), f.authenticate_matching_paths)),
        })
    }

    fn applies_to(&self, path: &str) -> bool {
        match &self.filter {
            None => true,
            Some((paths, authenticate_matching)) => {
                let matches = paths.iter().any(|p| path.starts_with(p.as_str()));
                matches == *authenticate_matching
            }
        }
    }

    /// The 401 answer when `path` needs credentials that `headers` do not carry.
    pub fn deny(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        if !self.applies_to(path) {
            return None;
        }
        let granted = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| credentials(v.as_bytes()))
            .is_some_and(|(user, pass)| {
                // Both are compared, always, so timing tells nothing of which failed.
                same_digest(&hash(&user), &self.username)
                    & same_digest(&hash(&pass), &self.password)
            });
        if granted {
            return None;
        }
        let mut response = go_error(StatusCode::UNAUTHORIZED, "unauthorized");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Restricted\""),
        );
        Some(response)
    }
}

/// Compares two digests of equal length in time independent of where they differ.
fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hash(bytes: &[u8]) -> Vec<u8> {
    digest(&SHA256, bytes).as_ref().to_vec()
}

/// The user and password of an `Authorization: Basic …` header.
fn credentials(value: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let scheme_len = "basic ".len();
    if value.len() < scheme_len || !value[..scheme_len].eq_ignore_ascii_case(b"basic ") {
        return None;
    }
    let decoded = base64_decode(value[scheme_len..].trim_ascii())?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

/// Standard base64 with padding, as browsers and curl send credentials.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let sextet = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for (i, chunk) in text.chunks(4).enumerate() {
        let last = i + 1 == text.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut word = 0u32;
        for &c in &chunk[..4 - pad] {
            word = word << 6 | sextet(c)?;
        }
        word <<= 6 * pad as u32;
        let bytes = word.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use runtime::services::{AuthFilter, BasicAuth as BasicArgs};
    use syntax::value::Secret;

    fn auth(filter: Option<AuthFilter>) -> BasicAuth {
        BasicAuth::from_arguments(&HttpAuth {
            basic: Some(BasicArgs {
                username: "admin".into(),
                password: Secret::new("s3cret"),
            }),
            filter,
        })
        .expect("basic auth configured")
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(base64_decode(b"YWRtaW46czNjcmV0").unwrap(), b"admin:s3cret");
        assert_eq!(base64_decode(b"YQ==").unwrap(), b"a");
        assert_eq!(base64_decode(b"YWI=").unwrap(), b"ab");
        assert!(base64_decode(b"YQ=").is_none());
        assert!(base64_decode(b"Y!==").is_none());
    }

    #[test]
    fn checks_credentials() {
        let a = auth(None);
        assert!(a.deny("/", &headers("Basic YWRtaW46czNjcmV0")).is_none());
        assert!(a.deny("/", &headers("basic YWRtaW46czNjcmV0")).is_none());
        let denied = a.deny("/", &headers("Basic YWRtaW46d3Jvbmc=")).unwrap();
        assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
        assert!(denied.headers().contains_key(header::WWW_AUTHENTICATE));
        assert!(a.deny("/metrics", &HeaderMap::new()).is_some());
    }

    #[test]
    fn filters_paths() {
        let only_metrics = auth(Some(AuthFilter {
            paths: vec!["/metrics".into()],
            authenticate_matching_paths: true,
        }));
        assert!(only_metrics.deny("/metrics", &HeaderMap::new()).is_some());
        assert!(only_metrics.deny("/-/ready", &HeaderMap::new()).is_none());
        let all_but_ready = auth(Some(AuthFilter {
            paths: vec!["/-/ready".into()],
            authenticate_matching_paths: false,
        }));
        assert!(all_but_ready.deny("/-/ready", &HeaderMap::new()).is_none());
        assert!(all_but_ready.deny("/metrics", &HeaderMap::new()).is_some());
    }
}
