//! `otelcol.auth.bearer` (SPEC §2.13): a static token. Clients send
//! `<header>: <scheme> <token>`; servers accept exactly that value.

use super::{Authenticator, Handler};
use crate::otelcol::DebugMetrics;
use axum::http::HeaderMap;
use runtime::component::{Component, Options};
use std::sync::Arc;
use syntax::decode::Block;
use syntax::value::Secret;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, PartialEq, Block)]
pub struct Arguments {
    #[alloy(attr)]
    pub token: Secret,
    #[alloy(attr, optional)]
    pub scheme: String,
    #[alloy(attr, optional)]
    pub header: String,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            token: Secret::default(),
            scheme: "Bearer".into(),
            header: "Authorization".into(),
            debug_metrics: DebugMetrics::default(),
        }
    }
}

struct BearerAuth {
    header: String,
    /// The whole header value: scheme, space, token (or the token alone when
    /// the scheme is empty).
    expected: String,
}

impl BearerAuth {
    fn new(args: &Arguments) -> BearerAuth {
        let token = args.token.expose();
        BearerAuth {
            header: args.header.clone(),
            expected: if args.scheme.is_empty() {
                token.to_owned()
            } else {
                format!("{} {token}", args.scheme)
            },
        }
    }
}

impl Authenticator for BearerAuth {
    fn client_headers(&self) -> Result<Vec<(String, String)>, String> {
        Ok(vec![(self.header.clone(), self.expected.clone())])
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<Vec<(String, String)>, String> {
        let value = headers
            .get(self.header.as_str())
            .map(|v| v.as_bytes())
            .filter(|v| !v.is_empty())
            .ok_or("missing or empty authorization header")?;
        if super::basic::constant_time_eq(value, self.expected.as_bytes()) {
            Ok(Vec::new())
        } else {
            Err("scheme or token does not match".into())
        }
    }
}

pub struct AuthBearer {
    opts: Options,
}

impl AuthBearer {
    fn publish(&self, args: &Arguments) {
        let auth = BearerAuth::new(args);
        super::basic::export_handler(&self.opts, Handler(Arc::new(auth)));
    }
}

impl Component for AuthBearer {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<AuthBearer, String> {
        let component = AuthBearer { opts };
        component.publish(&args);
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.publish(&args);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_goes_out_and_is_checked_coming_in() {
        let auth = BearerAuth::new(&Arguments {
            token: Secret::new("s3cret"),
            ..Arguments::default()
        });
        let sent = auth.client_headers().unwrap();
        assert_eq!(
            sent,
            [("Authorization".to_string(), "Bearer s3cret".to_string())]
        );
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert!(auth.authenticate(&headers).is_ok());
        headers.insert("authorization", "Bearer other".parse().unwrap());
        assert_eq!(
            auth.authenticate(&headers).unwrap_err(),
            "scheme or token does not match"
        );
        assert_eq!(
            auth.authenticate(&HeaderMap::new()).unwrap_err(),
            "missing or empty authorization header"
        );

        let custom = BearerAuth::new(&Arguments {
            token: Secret::new("t"),
            scheme: String::new(),
            header: "X-Api-Key".into(),
            ..Arguments::default()
        });
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", "t".parse().unwrap());
        assert!(custom.authenticate(&headers).is_ok());
    }
}
