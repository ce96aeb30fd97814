//! The Prometheus-style HTTP client settings (SPEC §2.0.1) shared by
//! `prometheus.scrape` and `prometheus.remote_write` endpoints: the argument
//! block meant to be `#[alloy(squash)]`ed, its validation in Alloy's words,
//! and the [`HttpClient`] built from it, which adds the credentials to every
//! request (files are re-read per request, OAuth2 tokens are cached).

use parking_lot::Mutex;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::decode::{Block, Validate};
use syntax::value::Secret;

/// The HTTP client attributes and blocks. `enable_http2` has no default of its
/// own: scrape defaults to `true`, remote_write to `false`, so the caller
/// passes its default to [`HttpClient::new`].
#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct HttpClientConfig {
    #[alloy(block, optional)]
    pub basic_auth: Option<BasicAuth>,
    #[alloy(block, optional)]
    pub authorization: Option<Authorization>,
    #[alloy(block, optional)]
    pub oauth2: Option<OAuth2>,
    #[alloy(attr, optional)]
    pub bearer_token: Secret,
    #[alloy(attr, optional)]
    pub bearer_token_file: String,
    #[alloy(squash)]
    pub proxy: ProxyConfig,
    #[alloy(block, optional)]
    pub tls_config: TlsConfig,
    #[alloy(attr, optional)]
    pub follow_redirects: bool,
    #[alloy(attr, optional)]
    pub enable_http2: Option<bool>,
    #[alloy(attr, optional)]
    pub http_headers: BTreeMap<String, Vec<Secret>>,
}

impl Default for HttpClientConfig {
    fn default() -> HttpClientConfig {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Secret::default(),
            bearer_token_file: String::new(),
            proxy: ProxyConfig::default(),
            tls_config: TlsConfig::default(),
            follow_redirects: true,
            enable_http2: None,
            http_headers: BTreeMap::new(),
        }
    }
}

/// Headers a user may not set through `http_headers`: the client or the
/// protocol owns them (Prometheus's reserved list).
const RESERVED_HEADERS: &[&str] = &[
    "Authorization",
    "Host",
    "Content-Encoding",
    "Content-Length",
    "Content-Type",
    "User-Agent",
    "Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Www-Authenticate",
    "Accept-Encoding",
    "X-Prometheus-Remote-Write-Version",
    "X-Prometheus-Remote-Read-Version",
    "X-Prometheus-Scrape-Timeout-Seconds",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "Upgrade",
    "Te",
    "Trailer",
    "Transfer-Encoding",
];

/// Go's `http.CanonicalHeaderKey`: each dash-separated word capitalised.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

impl Validate for HttpClientConfig {
    fn validate(&self) -> Result<(), String> {
        let auth_count = [
            self.basic_auth.is_some(),
            self.authorization.is_some(),
            self.oauth2.is_some(),
            !self.bearer_token.expose().is_empty(),
            !self.bearer_token_file.is_empty(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count();
        if auth_count > 1 {
            return Err("at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured".into());
        }
        for name in self.http_headers.keys() {
            let canonical = canonical_header(name);
            if RESERVED_HEADERS.contains(&canonical.as_str()) {
                return Err(format!("setting header {canonical:?} is not allowed"));
            }
        }
        self.proxy.validate()
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
#[alloy(validate)]
pub struct BasicAuth {
    #[alloy(attr, optional)]
    pub username: String,
    #[alloy(attr, optional)]
    pub password: Secret,
    #[alloy(attr, optional)]
    pub password_file: String,
}

impl Validate for BasicAuth {
    fn validate(&self) -> Result<(), String> {
        if !self.password.expose().is_empty() && !self.password_file.is_empty() {
            return Err(
                "at most one of basic_auth password & password_file must be configured".into(),
            );
        }
        Ok(())
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
#[alloy(validate)]
pub struct Authorization {
    #[alloy(attr, optional, name = "type")]
    pub kind: String,
    #[alloy(attr, optional)]
    pub credentials: Secret,
    #[alloy(attr, optional)]
    pub credentials_file: String,
}

impl Authorization {
    /// The scheme, `Bearer` when none is given.
    fn scheme(&self) -> &str {
        match self.kind.trim() {
            "" => "Bearer",
            kind => kind,
        }
    }
}

impl Validate for Authorization {
    fn validate(&self) -> Result<(), String> {
        if !self.credentials.expose().is_empty() && !self.credentials_file.is_empty() {
            return Err(
                "at most one of authorization credentials & credentials_file must be configured"
                    .into(),
            );
        }
        if self.scheme().eq_ignore_ascii_case("basic") {
            return Err(
                r#"authorization type cannot be set to "basic", use "basic_auth" block instead"#
                    .into(),
            );
        }
        Ok(())
    }
}

/// OAuth2 with the client credentials grant.
#[derive(Clone, PartialEq, Debug, Default, Block)]
#[alloy(validate)]
pub struct OAuth2 {
    #[alloy(attr, optional)]
    pub client_id: String,
    #[alloy(attr, optional)]
    pub client_secret: Secret,
    #[alloy(attr, optional)]
    pub client_secret_file: String,
    #[alloy(attr, optional)]
    pub scopes: Vec<String>,
    #[alloy(attr, optional)]
    pub token_url: String,
    #[alloy(attr, optional)]
    pub endpoint_params: BTreeMap<String, String>,
    #[alloy(squash)]
    pub proxy: ProxyConfig,
    #[alloy(block, optional)]
    pub tls_config: Option<TlsConfig>,
}

impl Validate for OAuth2 {
    fn validate(&self) -> Result<(), String> {
        if self.client_id.is_empty() {
            return Err("oauth2 client_id must be configured".into());
        }
        if self.token_url.is_empty() {
            return Err("oauth2 token_url must be configured".into());
        }
        match (
            self.client_secret.expose().is_empty(),
            self.client_secret_file.is_empty(),
        ) {
            (true, true) => {
                return Err(
                    "either oauth2 client_secret or client_secret_file must be configured".into(),
                );
            }
            (false, false) => {
                return Err(
                    "at most one of oauth2 client_secret & client_secret_file must be configured"
                        .into(),
                );
            }
            _ => {}
        }
        self.proxy.validate()
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct ProxyConfig {
    #[alloy(attr, optional)]
    pub proxy_url: String,
    #[alloy(attr, optional)]
    pub no_proxy: String,
    #[alloy(attr, optional)]
    pub proxy_from_environment: bool,
    #[alloy(attr, optional)]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
}

impl ProxyConfig {
    fn validate(&self) -> Result<(), String> {
        let has_url = !self.proxy_url.is_empty();
        if !self.proxy_connect_header.is_empty() && !self.proxy_from_environment && !has_url {
            return Err("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured".into());
        }
        if self.proxy_from_environment && has_url {
            return Err(
                "if proxy_from_environment is configured, proxy_url must not be configured".into(),
            );
        }
        if self.proxy_from_environment && !self.no_proxy.is_empty() {
            return Err(
                "if proxy_from_environment is configured, no_proxy must not be configured".into(),
            );
        }
        if !has_url && !self.no_proxy.is_empty() {
            return Err("if no_proxy is configured, proxy_url must also be configured".into());
        }
        if has_url {
            reqwest::Url::parse(&self.proxy_url)
                .map_err(|e| format!("invalid proxy_url {:?}: {e}", self.proxy_url))?;
        }
        Ok(())
    }

    /// Applies the proxy settings; without any, no proxy is used (Prometheus
    /// ignores the environment unless `proxy_from_environment` is set).
    fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        if self.proxy_from_environment {
            let mut headers = HeaderMap::new();
            append_headers(&mut headers, &self.proxy_connect_header)?;
            if headers.is_empty() {
                return Ok(builder);
            }
            // reqwest reads the environment itself only for its default
            // proxies; a custom one carrying the CONNECT headers replaces them.
            let proxy = reqwest::Proxy::custom(env_proxy_for)
                .headers(headers)
                .no_proxy(reqwest::NoProxy::from_env());
            return Ok(builder.proxy(proxy));
        }
        if self.proxy_url.is_empty() {
            return Ok(builder.no_proxy());
        }
        let mut headers = HeaderMap::new();
        append_headers(&mut headers, &self.proxy_connect_header)?;
        let proxy = reqwest::Proxy::all(&self.proxy_url)
            .map_err(|e| format!("invalid proxy_url {:?}: {e}", self.proxy_url))?
            .no_proxy(reqwest::NoProxy::from_string(&self.no_proxy))
            .headers(headers);
        Ok(builder.proxy(proxy))
    }
}

/// The proxy the environment names for `url` (`HTTPS_PROXY`/`HTTP_PROXY`,
/// upper or lower case), as Go's `http.ProxyFromEnvironment`.
fn env_proxy_for(url: &reqwest::Url) -> Option<reqwest::Url> {
    let names: &[&str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .and_then(|value| reqwest::Url::parse(&value).ok())
}

/// `tls_config`: the CA to trust, a client certificate, the name to verify.
#[derive(Clone, PartialEq, Debug, Default, Block)]
#[alloy(validate)]
pub struct TlsConfig {
    #[alloy(attr, optional)]
    pub ca_pem: String,
    #[alloy(attr, optional)]
    pub ca_file: String,
    #[alloy(attr, optional)]
    pub cert_pem: String,
    #[alloy(attr, optional)]
    pub cert_file: String,
    #[alloy(attr, optional)]
    pub key_pem: Secret,
    #[alloy(attr, optional)]
    pub key_file: String,
    #[alloy(attr, optional)]
    pub server_name: String,
    #[alloy(attr, optional)]
    pub insecure_skip_verify: bool,
    #[alloy(attr, optional)]
    pub min_version: String,
}

impl Validate for TlsConfig {
    fn validate(&self) -> Result<(), String> {
        if !self.ca_pem.is_empty() && !self.ca_file.is_empty() {
            return Err("at most one of ca_pem and ca_file must be configured".into());
        }
        if !self.cert_pem.is_empty() && !self.cert_file.is_empty() {
            return Err("at most one of cert_pem and cert_file must be configured".into());
        }
        let key_pem = !self.key_pem.expose().is_empty();
        if key_pem && !self.key_file.is_empty() {
            return Err("at most one of key_pem and key_file must be configured".into());
        }
        let cert = !self.cert_pem.is_empty() || !self.cert_file.is_empty();
        let key = key_pem || !self.key_file.is_empty();
        if cert && !key {
            return Err("exactly one of key_pem or key_file must be configured when a client certificate is configured".into());
        }
        if key && !cert {
            return Err("exactly one of cert_pem or cert_file must be configured when a client key is configured".into());
        }
        if !self.min_version.is_empty() {
            self.min_version.parse::<tls::TlsVersion>()?;
        }
        Ok(())
    }
}

impl TlsConfig {
    /// The rustls configuration; `alpn` lists the protocols to offer.
    fn client_config(&self, alpn: Vec<Vec<u8>>) -> Result<rustls::ClientConfig, String> {
        let roots = if self.ca_pem.is_empty() && self.ca_file.is_empty() {
            None
        } else {
            let pem = tls::pem_or_file(&self.ca_pem, &self.ca_file, "ca")?;
            Some(tls::root_store(&pem, "CA")?)
        };
        let identity = if self.cert_pem.is_empty() && self.cert_file.is_empty() {
            None
        } else {
            let cert = tls::pem_or_file(&self.cert_pem, &self.cert_file, "cert")?;
            let key = tls::pem_or_file(self.key_pem.expose(), &self.key_file, "key")?;
            Some((
                tls::certificates(&cert, "client certificate")?,
                tls::private_key(&key)?,
            ))
        };
        let min_version = match self.min_version.as_str() {
            "" => None,
            v => Some(v.parse()?),
        };
        let config = tls::client_config(tls::ClientSettings {
            roots,
            identity,
            skip_verify: self.insecure_skip_verify,
            min_version,
            max_version: None,
            alpn,
            server_name: (!self.server_name.is_empty()).then(|| self.server_name.clone()),
        })?;
        Ok(Arc::unwrap_or_clone(config))
    }
}

fn append_headers(
    headers: &mut HeaderMap,
    values: &BTreeMap<String, Vec<Secret>>,
) -> Result<(), String> {
    for (name, list) in values {
        let name = HeaderName::try_from(name.as_str())
            .map_err(|e| format!("invalid header name {name:?}: {e}"))?;
        for value in list {
            let mut value = HeaderValue::try_from(value.expose())
                .map_err(|e| format!("invalid value for header {name:?}: {e}"))?;
            value.set_sensitive(true);
            headers.append(name.clone(), value);
        }
    }
    Ok(())
}

/// A `reqwest::Client` with the configured TLS, proxy, redirects and HTTP
/// version, and the credentials to add to each request.
pub struct HttpClient {
    pub client: reqwest::Client,
    credentials: Credentials,
    headers: HeaderMap,
}

/// Where the `Authorization` header comes from.
enum Credentials {
    None,
    Basic {
        username: String,
        password: Secret,
        password_file: String,
    },
    /// `authorization`, `bearer_token` and `bearer_token_file`.
    Scheme {
        scheme: String,
        credentials: Secret,
        credentials_file: String,
    },
    OAuth2(Box<OAuth2Source>),
}

impl HttpClient {
    /// The client for `config`; `enable_http2_default` applies when the
    /// configuration does not say. `timeout` bounds every request.
    pub fn new(
        config: &HttpClientConfig,
        enable_http2_default: bool,
        user_agent: &str,
        timeout: Option<Duration>,
    ) -> Result<HttpClient, String> {
        let http2 = config.enable_http2.unwrap_or(enable_http2_default);
        let mut builder = client_builder(&config.tls_config, &config.proxy, http2, timeout)?
            .user_agent(user_agent)
            .redirect(if config.follow_redirects {
                reqwest::redirect::Policy::limited(10)
            } else {
                reqwest::redirect::Policy::none()
            });
        if !http2 {
            builder = builder.http1_only();
        }
        let client = builder
            .build()
            .map_err(|e| format!("failed to build HTTP client: {e}"))?;
        let mut headers = HeaderMap::new();
        append_headers(&mut headers, &config.http_headers)?;
        Ok(HttpClient {
            client,
            credentials: Credentials::of(config, timeout)?,
            headers,
        })
    }

    /// `request` with the configured headers and credentials added. Fails
    /// when a credentials file cannot be read or no OAuth2 token is obtained.
    pub async fn authorize(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, String> {
        let request = request.headers(self.headers.clone());
        let value = match &self.credentials {
            Credentials::None => return Ok(request),
            Credentials::Basic {
                username,
                password,
                password_file,
            } => {
                let password = secret_or_file(password, password_file, "basic auth password")?;
                return Ok(request.basic_auth(username, Some(password)));
            }
            Credentials::Scheme {
                scheme,
                credentials,
                credentials_file,
            } => {
                let credentials =
                    secret_or_file(credentials, credentials_file, "authorization credentials")?;
                format!("{scheme} {credentials}")
            }
            Credentials::OAuth2(source) => format!("Bearer {}", source.token().await?),
        };
        let mut value = HeaderValue::try_from(value)
            .map_err(|e| format!("invalid Authorization header: {e}"))?;
        value.set_sensitive(true);
        Ok(request.header(AUTHORIZATION, value))
    }
}

fn client_builder(
    tls_config: &TlsConfig,
    proxy: &ProxyConfig,
    http2: bool,
    timeout: Option<Duration>,
) -> Result<reqwest::ClientBuilder, String> {
    let alpn = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    let mut builder =
        reqwest::Client::builder().tls_backend_preconfigured(tls_config.client_config(alpn)?);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    proxy.apply(builder)
}

impl Credentials {
    fn of(config: &HttpClientConfig, timeout: Option<Duration>) -> Result<Credentials, String> {
        let bearer = |credentials: Secret, credentials_file: String| Credentials::Scheme {
            scheme: "Bearer".into(),
            credentials,
            credentials_file,
        };
        Ok(if let Some(basic) = &config.basic_auth {
            Credentials::Basic {
                username: basic.username.clone(),
                password: basic.password.clone(),
                password_file: basic.password_file.clone(),
            }
        } else if let Some(auth) = &config.authorization {
            Credentials::Scheme {
                scheme: auth.scheme().to_string(),
                credentials: auth.credentials.clone(),
                credentials_file: auth.credentials_file.clone(),
            }
        } else if let Some(oauth2) = &config.oauth2 {
            Credentials::OAuth2(Box::new(OAuth2Source::new(oauth2, timeout)?))
        } else if !config.bearer_token.expose().is_empty() {
            bearer(config.bearer_token.clone(), String::new())
        } else if !config.bearer_token_file.is_empty() {
            bearer(Secret::default(), config.bearer_token_file.clone())
        } else {
            Credentials::None
        })
    }
}

/// The inline secret, or the trimmed contents of `file`, read now so that a
/// rotated file takes effect on the next request.
fn secret_or_file(secret: &Secret, file: &str, what: &str) -> Result<String, String> {
    if file.is_empty() {
        return Ok(secret.expose().to_string());
    }
    std::fs::read_to_string(file)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("unable to read {what} file {file}: {e}"))
}

/// Fetches OAuth2 access tokens with the client credentials grant and keeps
/// each until shortly before it expires.
struct OAuth2Source {
    config: OAuth2,
    client: reqwest::Client,
    cached: Mutex<Option<(String, Option<Instant>)>>,
}

/// Tokens are renewed this long before they expire (Go's oauth2 expiryDelta).
const TOKEN_EXPIRY_MARGIN: Duration = Duration::from_secs(10);

impl OAuth2Source {
    fn new(config: &OAuth2, timeout: Option<Duration>) -> Result<OAuth2Source, String> {
        let tls_config = config.tls_config.clone().unwrap_or_default();
        let client = client_builder(&tls_config, &config.proxy, true, timeout)?
            .build()
            .map_err(|e| format!("failed to build OAuth2 client: {e}"))?;
        Ok(OAuth2Source {
            config: config.clone(),
            client,
            cached: Mutex::new(None),
        })
    }

    async fn token(&self) -> Result<String, String> {
        if let Some((token, expiry)) = &*self.cached.lock()
            && expiry.is_none_or(|at| Instant::now() + TOKEN_EXPIRY_MARGIN < at)
        {
            return Ok(token.clone());
        }
        let secret = secret_or_file(
            &self.config.client_secret,
            &self.config.client_secret_file,
            "oauth2 client_secret",
        )?;
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        let scopes = self.config.scopes.join(" ");
        if !scopes.is_empty() {
            form.push(("scope", &scopes));
        }
        for (k, v) in &self.config.endpoint_params {
            form.push((k, v));
        }
        let form = form
            .iter()
            .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .client
            .post(&self.config.token_url)
            .basic_auth(
                form_escape(&self.config.client_id),
                Some(form_escape(&secret)),
            )
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| format!("oauth2: cannot fetch token: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("oauth2: cannot fetch token: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "oauth2: cannot fetch token: {status}\nResponse: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        let parsed: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("oauth2: cannot parse token response: {e}"))?;
        let token = parsed
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or("oauth2: server response missing access_token")?
            .to_string();
        let expiry = parsed
            .get("expires_in")
            .and_then(|e| e.as_u64())
            .filter(|secs| *secs > 0)
            .map(|secs| Instant::now() + Duration::from_secs(secs));
        *self.cached.lock() = Some((token.clone(), expiry));
        Ok(token)
    }
}

/// `application/x-www-form-urlencoded` escaping (RFC 6749 §2.3.1 also uses
/// it for the client id and secret in the basic auth header).
fn form_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn install_provider() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }

    async fn serve(router: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{addr}")
    }

    /// A server answering with the request's Authorization header.
    fn echo_auth() -> axum::Router {
        axum::Router::new().route(
            "/",
            get(|headers: HeaderMap| async move {
                headers
                    .get_all(AUTHORIZATION)
                    .iter()
                    .map(|v| v.to_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(",")
                    + "|"
                    + headers.get("x-extra").map_or("", |v| v.to_str().unwrap())
            }),
        )
    }

    async fn auth_seen(config: &HttpClientConfig, url: &str) -> String {
        let client = HttpClient::new(config, false, "test", None).unwrap();
        let request = client.authorize(client.client.get(url)).await.unwrap();
        request.send().await.unwrap().text().await.unwrap()
    }

    #[test]
    fn validation_uses_alloys_words() {
        let two = HttpClientConfig {
            bearer_token: Secret::new("t"),
            basic_auth: Some(BasicAuth::default()),
            ..HttpClientConfig::default()
        };
        assert_eq!(
            two.validate().unwrap_err(),
            "at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured"
        );
        let header = HttpClientConfig {
            http_headers: BTreeMap::from([("user-agent".into(), vec![Secret::new("x")])]),
            ..HttpClientConfig::default()
        };
        assert_eq!(
            header.validate().unwrap_err(),
            r#"setting header "User-Agent" is not allowed"#
        );
        let no_proxy = HttpClientConfig {
            proxy: ProxyConfig {
                no_proxy: "localhost".into(),
                ..ProxyConfig::default()
            },
            ..HttpClientConfig::default()
        };
        assert_eq!(
            no_proxy.validate().unwrap_err(),
            "if no_proxy is configured, proxy_url must also be configured"
        );
        let basic = Authorization {
            kind: "Basic".into(),
            ..Authorization::default()
        };
        assert!(basic.validate().unwrap_err().contains("basic_auth"));
        let key_only = TlsConfig {
            key_file: "k".into(),
            ..TlsConfig::default()
        };
        assert_eq!(
            key_only.validate().unwrap_err(),
            "exactly one of cert_pem or cert_file must be configured when a client key is configured"
        );
        assert_eq!(
            OAuth2 {
                client_id: "id".into(),
                token_url: "http://x".into(),
                ..OAuth2::default()
            }
            .validate()
            .unwrap_err(),
            "either oauth2 client_secret or client_secret_file must be configured"
        );
    }

    #[tokio::test]
    async fn adds_credentials_and_headers() {
        install_provider();
        let url = serve(echo_auth()).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "first\n").unwrap();
        let basic = HttpClientConfig {
            basic_auth: Some(BasicAuth {
                username: "user".into(),
                password_file: file.to_str().unwrap().into(),
                ..BasicAuth::default()
            }),
            http_headers: BTreeMap::from([("X-Extra".into(), vec![Secret::new("yes")])]),
            ..HttpClientConfig::default()
        };
        assert_eq!(auth_seen(&basic, &url).await, "Basic dXNlcjpmaXJzdA==|yes");
        // The password file is read again for each request.
        std::fs::write(&file, "second").unwrap();
        assert_eq!(auth_seen(&basic, &url).await, "Basic dXNlcjpzZWNvbmQ=|yes");

        let bearer = HttpClientConfig {
            bearer_token: Secret::new("tok"),
            ..HttpClientConfig::default()
        };
        assert_eq!(auth_seen(&bearer, &url).await, "Bearer tok|");
        let custom = HttpClientConfig {
            authorization: Some(Authorization {
                kind: "Token".into(),
                credentials: Secret::new("abc"),
                ..Authorization::default()
            }),
            ..HttpClientConfig::default()
        };
        assert_eq!(auth_seen(&custom, &url).await, "Token abc|");
    }

    #[tokio::test]
    async fn oauth2_tokens_are_fetched_once_and_cached() {
        install_provider();
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let token_server = axum::Router::new().route(
            "/token",
            post(move |headers: HeaderMap, body: String| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(
                        headers[AUTHORIZATION], "Basic aWQ6c2VjcmV0",
                        "client credentials in the header"
                    );
                    assert_eq!(body, "grant_type=client_credentials&scope=a+b&aud=x");
                    axum::Json(serde_json::json!({
                        "access_token": "the-token", "token_type": "Bearer", "expires_in": 3600
                    }))
                }
            }),
        );
        let token_url = serve(token_server).await + "/token";
        let url = serve(echo_auth()).await;
        let config = HttpClientConfig {
            oauth2: Some(OAuth2 {
                client_id: "id".into(),
                client_secret: Secret::new("secret"),
                scopes: vec!["a".into(), "b".into()],
                token_url,
                endpoint_params: BTreeMap::from([("aud".into(), "x".into())]),
                ..OAuth2::default()
            }),
            ..HttpClientConfig::default()
        };
        let client = HttpClient::new(&config, false, "test", None).unwrap();
        for _ in 0..3 {
            let request = client.authorize(client.client.get(&url)).await.unwrap();
            let seen = request.send().await.unwrap().text().await.unwrap();
            assert_eq!(seen, "Bearer the-token|");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unreadable_credentials_file_is_an_error() {
        install_provider();
        let config = HttpClientConfig {
            bearer_token_file: "/nonexistent/token".into(),
            ..HttpClientConfig::default()
        };
        let client = HttpClient::new(&config, true, "test", None).unwrap();
        let err = client
            .authorize(client.client.get("http://127.0.0.1:1"))
            .await
            .unwrap_err();
        assert!(
            err.starts_with("unable to read authorization credentials file /nonexistent/token"),
            "{err}"
        );
    }

    /// An HTTPS server for `localhost` on 127.0.0.1 answering `ok`; the URL
    /// and the certificate file.
    async fn serve_tls(dir: &std::path::Path) -> (String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (cert, key) = testutil::tls::self_signed_cert(dir);
        let certs = tls::certificates(&std::fs::read(&cert).unwrap(), "cert").unwrap();
        let key = tls::private_key(&std::fs::read(&key).unwrap()).unwrap();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut stream) = acceptor.accept(socket).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let answer =
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        (
            format!("https://{addr}/"),
            cert.to_str().unwrap().to_string(),
        )
    }

    #[tokio::test]
    async fn tls_config_decides_which_servers_are_trusted() {
        install_provider();
        let dir = tempfile::tempdir().unwrap();
        let (url, ca_file) = serve_tls(dir.path()).await;
        let get = |tls_config: TlsConfig| {
            let url = url.clone();
            async move {
                let config = HttpClientConfig {
                    tls_config,
                    ..HttpClientConfig::default()
                };
                let client = HttpClient::new(&config, false, "test", None)?;
                let response = client
                    .client
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                response.text().await.map_err(|e| e.to_string())
            }
        };
        // The certificate names localhost, not 127.0.0.1.
        let trusted = TlsConfig {
            ca_file: ca_file.clone(),
            ..TlsConfig::default()
        };
        assert!(get(trusted.clone()).await.is_err());
        let named = TlsConfig {
            server_name: "localhost".into(),
            ..trusted
        };
        assert_eq!(get(named).await.unwrap(), "ok");
        let wrong_name = TlsConfig {
            ca_file,
            server_name: "example.com".into(),
            ..TlsConfig::default()
        };
        assert!(get(wrong_name).await.is_err());
        let skip = TlsConfig {
            insecure_skip_verify: true,
            ..TlsConfig::default()
        };
        assert_eq!(get(skip).await.unwrap(), "ok");
    }
}
