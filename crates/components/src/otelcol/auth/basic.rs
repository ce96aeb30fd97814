//! `otelcol.auth.basic` (SPEC §2.12): HTTP Basic credentials. As a client it
//! sends `client_auth` (or the deprecated top-level `username`/`password`);
//! as a server it checks requests against `htpasswd` entries (a file and
//! inline lines; the deprecated pair is accepted too).
//!
//! Hash formats of htpasswd lines: plain text, `{SHA}` and `{SSHA}`. bcrypt
//! (`$2y$`), Apache MD5 (`$apr1$`) and SHA-crypt (`$5$`, `$6$`) entries are
//! refused when the component is built rather than compared wrongly.

use super::{Authenticator, Handler};
use crate::otelcol::DebugMetrics;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use runtime::component::{Component, Options};
use std::sync::Arc;
use syntax::decode::{Block, Validate};
use syntax::value::{Secret, Value};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    /// Deprecated: `client_auth` replaces it.
    #[alloy(attr, optional)]
    pub username: String,
    /// Deprecated: `client_auth` replaces it.
    #[alloy(attr, optional)]
    pub password: Secret,
    #[alloy(block, optional)]
    pub client_auth: Option<ClientAuth>,
    #[alloy(block, optional)]
    pub htpasswd: Option<Htpasswd>,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct ClientAuth {
    #[alloy(attr, optional)]
    pub username: String,
    #[alloy(attr, optional)]
    pub username_file: String,
    #[alloy(attr, optional)]
    pub password: Secret,
    #[alloy(attr, optional)]
    pub password_file: String,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Htpasswd {
    #[alloy(attr, optional)]
    pub file: String,
    #[alloy(attr, optional)]
    pub inline: String,
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.username.is_empty()
            && self.password.expose().is_empty()
            && self.htpasswd.is_none()
            && self.client_auth.is_none()
        {
            return Err("no credential source provided".into());
        }
        if !self.username.is_empty() && self.password.expose().is_empty() {
            return Err("no password provided".into());
        }
        Ok(())
    }
}

/// How an htpasswd entry stores its password.
#[derive(Debug, PartialEq)]
enum Hash {
    Plain(String),
    /// `{SHA}`: base64 of the SHA-1 digest.
    Sha(Vec<u8>),
    /// `{SSHA}`: base64 of the SHA-1 digest of password + salt, then the salt.
    SaltedSha {
        digest: Vec<u8>,
        salt: Vec<u8>,
    },
}

impl Hash {
    fn parse(user: &str, stored: &str) -> Result<Hash, String> {
        let unsupported = [
            ("$2a$", "bcrypt"),
            ("$2b$", "bcrypt"),
            ("$2y$", "bcrypt"),
            ("$apr1$", "Apache MD5"),
            ("$1$", "MD5-crypt"),
            ("$5$", "SHA-256-crypt"),
            ("$6$", "SHA-512-crypt"),
        ];
        if let Some((_, name)) = unsupported.iter().find(|(p, _)| stored.starts_with(p)) {
            return Err(format!(
                "htpasswd: the {name} hash of user {user:?} is not supported by ferroalloy (use plain, {{SHA}} or {{SSHA}})"
            ));
        }
        let decode = |b64: &str| {
            STANDARD
                .decode(b64)
                .map_err(|e| format!("htpasswd: invalid hash for user {user:?}: {e}"))
        };
        if let Some(b64) = stored.strip_prefix("{SHA}") {
            return Ok(Hash::Sha(decode(b64)?));
        }
        if let Some(b64) = stored.strip_prefix("{SSHA}") {
            let mut digest = decode(b64)?;
            if digest.len() <= 20 {
                return Err(format!("htpasswd: invalid {{SSHA}} hash for user {user:?}"));
            }
            let salt = digest.split_off(20);
            return Ok(Hash::SaltedSha { digest, salt });
        }
        Ok(Hash::Plain(stored.to_owned()))
    }

    fn matches(&self, password: &str) -> bool {
        let sha1 = |parts: &[&[u8]]| {
            let mut context = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
            for part in parts {
                context.update(part);
            }
            context.finish().as_ref().to_vec()
        };
        match self {
            Hash::Plain(stored) => constant_time_eq(stored.as_bytes(), password.as_bytes()),
            Hash::Sha(digest) => constant_time_eq(digest, &sha1(&[password.as_bytes()])),
            Hash::SaltedSha { digest, salt } => {
                constant_time_eq(digest, &sha1(&[password.as_bytes(), salt]))
            }
        }
    }
}

/// Publishes the `handler` export every `otelcol.auth.*` component has.
pub(super) fn export_handler(opts: &Options, handler: Handler) {
    let exports = [("handler".to_string(), Value::capsule(handler))];
    opts.export_value(Value::Object(exports.into_iter().collect()));
}

/// Compares without stopping at the first difference, so timing does not
/// reveal how much of a password was right.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Users and their hashes, from `htpasswd` lines (`user:hash`; blank lines and
/// `#` comments skipped). A later line for the same user wins.
fn parse_htpasswd(text: &str) -> Result<Vec<(String, Hash)>, String> {
    let mut users: Vec<(String, Hash)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, stored)) = line.split_once(':') else {
            return Err(format!(
                "htpasswd: malformed line (expected user:hash): {line:?}"
            ));
        };
        let hash = Hash::parse(user, stored)?;
        users.retain(|(u, _)| u != user);
        users.push((user.to_owned(), hash));
    }
    Ok(users)
}

fn read_file(path: &str, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("failed to read {what} {path}: {e}"))
}

struct BasicAuth {
    client: ClientCredentials,
    users: Vec<(String, Hash)>,
}

/// What the client sends; files are read at each request so rotated
/// credentials apply.
enum ClientCredentials {
    None,
    Given(ClientAuth),
}

impl BasicAuth {
    fn new(args: &Arguments) -> Result<BasicAuth, String> {
        let client = match &args.client_auth {
            Some(client) => ClientCredentials::Given(client.clone()),
            None if !args.username.is_empty() => ClientCredentials::Given(ClientAuth {
                username: args.username.clone(),
                password: args.password.clone(),
                ..ClientAuth::default()
            }),
            None => ClientCredentials::None,
        };
        let mut text = String::new();
        if let Some(htpasswd) = &args.htpasswd {
            if !htpasswd.file.is_empty() {
                text.push_str(&read_file(&htpasswd.file, "htpasswd file")?);
            }
            text.push('\n');
            text.push_str(&htpasswd.inline);
        }
        if !args.username.is_empty() {
            text.push_str(&format!("\n{}:{}", args.username, args.password.expose()));
        }
        Ok(BasicAuth {
            client,
            users: parse_htpasswd(&text)?,
        })
    }
}

impl Authenticator for BasicAuth {
    fn client_headers(&self) -> Result<Vec<(String, String)>, String> {
        let ClientCredentials::Given(client) = &self.client else {
            return Err("otelcol.auth.basic: no client credentials configured".into());
        };
        let username = if client.username_file.is_empty() {
            client.username.clone()
        } else {
            read_file(&client.username_file, "username_file")?
                .trim()
                .to_owned()
        };
        let password = if client.password_file.is_empty() {
            client.password.expose().to_owned()
        } else {
            read_file(&client.password_file, "password_file")?
                .trim()
                .to_owned()
        };
        let encoded = STANDARD.encode(format!("{username}:{password}"));
        Ok(vec![(
            header::AUTHORIZATION.to_string(),
            format!("Basic {encoded}"),
        )])
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<Vec<(String, String)>, String> {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or("no basic auth provided")?;
        let (scheme, encoded) = value
            .split_once(' ')
            .ok_or("invalid authorization format")?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err("invalid authorization scheme prefix".into());
        }
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or("invalid authorization format")?;
        let (username, password) = decoded
            .split_once(':')
            .ok_or("invalid authorization format")?;
        let known = self
            .users
            .iter()
            .find(|(user, _)| user == username)
            .is_some_and(|(_, hash)| hash.matches(password));
        if !known {
            return Err("invalid credentials".into());
        }
        Ok(vec![
            ("username".into(), username.to_owned()),
            ("raw".into(), encoded.trim().to_owned()),
        ])
    }
}

pub struct AuthBasic {
    opts: Options,
}

impl AuthBasic {
    /// Exports a new handler: dependants see the new credentials.
    fn publish(&self, args: &Arguments) -> Result<(), String> {
        let auth = BasicAuth::new(args)?;
        export_handler(&self.opts, Handler(Arc::new(auth)));
        Ok(())
    }
}

impl Component for AuthBasic {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<AuthBasic, String> {
        let component = AuthBasic { opts };
        component.publish(&args)?;
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.publish(&args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{field, options};

    fn handler(args: Arguments) -> Result<Handler, String> {
        let (opts, exports) = options("otelcol.auth.basic.test");
        AuthBasic::build(opts, args)?;
        match field(&exports.last().unwrap(), "handler") {
            Value::Capsule(c) => Ok(c.downcast_ref::<Handler>().cloned().unwrap()),
            other => panic!("handler is {other:?}"),
        }
    }

    fn basic(credentials: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(credentials));
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn htpasswd_plain_sha_and_ssha_entries_are_checked() {
        let sha = STANDARD.encode(ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            b"sha-secret",
        ));
        let mut salted =
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, b"ssha-secretSALT")
                .as_ref()
                .to_vec();
        salted.extend_from_slice(b"SALT");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("htpasswd");
        std::fs::write(&file, format!("# users\nfile-user:{{SHA}}{sha}\n")).unwrap();
        let handler = handler(Arguments {
            htpasswd: Some(Htpasswd {
                file: file.to_string_lossy().into_owned(),
                inline: format!("plain:pw\nsalty:{{SSHA}}{}", STANDARD.encode(&salted)),
            }),
            ..Arguments::default()
        })
        .unwrap();
        let auth = &handler.0;
        assert_eq!(
            auth.authenticate(&basic("plain:pw")).unwrap()[0],
            ("username".to_string(), "plain".to_string())
        );
        assert!(auth.authenticate(&basic("file-user:sha-secret")).is_ok());
        assert!(auth.authenticate(&basic("salty:ssha-secret")).is_ok());
        assert_eq!(
            auth.authenticate(&basic("plain:wrong")).unwrap_err(),
            "invalid credentials"
        );
        assert_eq!(
            auth.authenticate(&basic("nobody:pw")).unwrap_err(),
            "invalid credentials"
        );
        assert_eq!(
            auth.authenticate(&HeaderMap::new()).unwrap_err(),
            "no basic auth provided"
        );
        let mut bearer = HeaderMap::new();
        bearer.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(
            auth.authenticate(&bearer).unwrap_err(),
            "invalid authorization scheme prefix"
        );
    }

    #[test]
    fn unsupported_hashes_and_missing_credentials_are_refused() {
        let err = handler(Arguments {
            htpasswd: Some(Htpasswd {
                inline: "u:$2y$05$abcdefghijklmnopqrstuv".into(),
                ..Htpasswd::default()
            }),
            ..Arguments::default()
        })
        .err()
        .unwrap();
        assert!(
            err.contains("bcrypt hash of user \"u\" is not supported"),
            "{err}"
        );
        assert_eq!(
            Arguments::default().validate().unwrap_err(),
            "no credential source provided"
        );
        assert_eq!(
            Arguments {
                username: "u".into(),
                ..Arguments::default()
            }
            .validate()
            .unwrap_err(),
            "no password provided"
        );
    }

    #[test]
    fn clients_send_basic_credentials_read_from_files_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, "one\n").unwrap();
        let handler = handler(Arguments {
            client_auth: Some(ClientAuth {
                username: "me".into(),
                password_file: password_file.to_string_lossy().into_owned(),
                ..ClientAuth::default()
            }),
            ..Arguments::default()
        })
        .unwrap();
        let expected = |pw: &str| {
            vec![(
                "authorization".to_string(),
                format!("Basic {}", STANDARD.encode(format!("me:{pw}"))),
            )]
        };
        assert_eq!(handler.0.client_headers().unwrap(), expected("one"));
        std::fs::write(&password_file, "two").unwrap();
        assert_eq!(handler.0.client_headers().unwrap(), expected("two"));

        // The deprecated pair works both ways.
        let handler = handler_from_pair();
        let headers = handler.0.client_headers().unwrap();
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, headers[0].1.parse().unwrap());
        assert!(handler.0.authenticate(&map).is_ok());
    }

    fn handler_from_pair() -> Handler {
        handler(Arguments {
            username: "old".into(),
            password: Secret::new("style"),
            ..Arguments::default()
        })
        .unwrap()
    }
}
