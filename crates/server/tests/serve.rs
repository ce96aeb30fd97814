//! The server over real sockets, against a host whose state each test sets:
//! every endpoint's status and body, the component mounts, the UI, basic
//! authentication and TLS applied (and changed) at run time, graceful stop.

use axum::Router;
use axum::routing::get;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use runtime::component::BoxFuture;
use runtime::health::Health;
use runtime::host::{ComponentDetail, ComponentInfo, Host, ReloadError};
use runtime::services::{AuthFilter, BasicAuth, HttpArguments, HttpAuth, HttpTls};
use server::Security;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use syntax::decode::EncodedBody;
use syntax::diag::{Diagnostic, Diagnostics};
use syntax::pos::{Pos, SourceFile, Span};
use syntax::value::{Object, Secret, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A configuration of two components: a healthy `local.file.token` with a
/// handler, and an unhealthy `discovery.relabel.x`.
struct FakeHost {
    ready: AtomicBool,
    source: SourceFile,
}

impl FakeHost {
    fn new() -> Arc<FakeHost> {
        Arc::new(FakeHost {
            ready: AtomicBool::new(true),
            source: SourceFile::new("main.alloy", "local.file \"token\" {\n  bogus = 1\n}\n"),
        })
    }

    fn infos(&self) -> Vec<ComponentInfo> {
        let info = |name: &str, label: &str, health: Health| ComponentInfo {
            name: name.into(),
            local_id: format!("{name}.{label}"),
            module_id: String::new(),
            label: label.into(),
            references_to: Vec::new(),
            referenced_by: Vec::new(),
            data_flow_edges_to: Vec::new(),
            health,
            created_module_ids: Vec::new(),
            live_debugging_enabled: false,
        };
        vec![
            info("local.file", "token", Health::healthy("started component")),
            info(
                "discovery.relabel",
                "x",
                Health::unhealthy("component evaluation failed"),
            ),
        ]
    }
}

impl Host for FakeHost {
    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    fn components(&self, module_id: &str) -> Option<Vec<ComponentInfo>> {
        module_id.is_empty().then(|| self.infos())
    }

    fn component(&self, global_id: &str) -> Option<ComponentDetail> {
        let info = self
            .infos()
            .into_iter()
            .find(|c| c.global_id() == global_id)?;
        let mut arguments = EncodedBody::default();
        arguments.attribute("filename", Value::string("/etc/token"));
        arguments.attribute("is_secret", Value::Bool(true));
        let mut exports = Object::new();
        exports.insert("content".into(), Value::secret("hunter2"));
        Some(ComponentDetail {
            info,
            arguments,
            exports: Value::Object(exports),
            debug_info: Value::Null,
        })
    }

    fn handler(&self, global_id: &str) -> Option<Router> {
        (global_id == "local.file.token").then(|| {
            Router::new().route(
                "/echo",
                get(|uri: axum::http::Uri| async move { uri.to_string() }),
            )
        })
    }

    fn reload(&self) -> BoxFuture<Result<(), ReloadError>> {
        let span = Span::new(Pos::new(23), Pos::new(27));
        let diagnostics = Diagnostics::from(Diagnostic::error_at(
            &self.source,
            span,
            "unrecognized attribute name \"bogus\"",
        ));
        let err = ReloadError::Diagnostics {
            diagnostics,
            sources: vec![self.source.clone()],
        };
        Box::pin(async move { Err(err) })
    }

    fn encode_component_metrics(&self, out: &mut String) {
        out.push_str("# TYPE x counter\nx_total{component_id=\"local.file.token\"} 1\n");
    }
}

struct Running {
    addr: SocketAddr,
    security: watch::Sender<Arc<Security>>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

async fn start(host: Arc<FakeHost>, ui_prefix: &str, http: HttpArguments) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let security = Security::from_arguments(&http).expect("valid http block");
    let (tx, rx) = watch::channel(Arc::new(security));
    let stop = CancellationToken::new();
    let task = tokio::spawn(server::serve(
        listener,
        server::router(host, ui_prefix),
        rx,
        stop.clone(),
        Duration::from_secs(5),
    ));
    Running {
        addr,
        security: tx,
        stop,
        task,
    }
}

struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

/// One HTTP/1.1 request over `io`; `Err` when the connection fails.
async fn request_over<I>(
    io: I,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, hyper::Error>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(conn);
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let response = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let stream = TcpStream::connect(addr).await.unwrap();
    request_over(stream, method, path, headers).await.unwrap()
}

async fn get_ok(addr: SocketAddr, path: &str) -> Answer {
    let answer = request(addr, "GET", path, &[]).await;
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
    answer
}

#[tokio::test]
async fn ready_healthy_and_reload() {
    let host = FakeHost::new();
    let server = start(host.clone(), "/", HttpArguments::default()).await;
    let addr = server.addr;

    assert_eq!(get_ok(addr, "/-/ready").await.body, "Alloy is ready.\n");
    assert_eq!(get_ok(addr, "/ready").await.body, "Alloy is ready.\n");
    host.ready.store(false, Ordering::SeqCst);
    let not_ready = request(addr, "GET", "/-/ready", &[]).await;
    assert_eq!(
        (not_ready.status, not_ready.body.as_str()),
        (503, "Alloy is not ready.\n")
    );

    let healthy = request(addr, "GET", "/-/healthy", &[]).await;
    assert_eq!(
        (healthy.status, healthy.body.as_str()),
        (500, "unhealthy components: discovery.relabel\n")
    );

    for method in ["GET", "POST"] {
        let reload = request(addr, method, "/-/reload", &[]).await;
        assert_eq!(reload.status, 400);
        assert_eq!(
            reload.body,
            "main.alloy:2:3: unrecognized attribute name \"bogus\"\n\n\
             Error: main.alloy:2:3: unrecognized attribute name \"bogus\"\n\n\
             1 | local.file \"token\" {\n\
             2 |   bogus = 1\n  \
             |   ^^^^^\n\
             3 | }\n"
        );
    }
    let wrong_method = request(addr, "PUT", "/-/reload", &[]).await;
    assert_eq!(wrong_method.status, 405);
}

#[tokio::test]
async fn metrics_are_openmetrics_with_component_metrics() {
    let server = start(FakeHost::new(), "/", HttpArguments::default()).await;
    let metrics = get_ok(server.addr, "/metrics").await;
    assert_eq!(
        metrics.headers["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(metrics.body.contains("\nprocess_resident_memory_bytes "));
    assert!(metrics.body.contains("alloy_build_info{"));
    assert!(
        metrics
            .body
            .contains("x_total{component_id=\"local.file.token\"} 1\n")
    );
    assert!(metrics.body.ends_with("# EOF\n"));
}

#[tokio::test]
async fn web_api_in_alloys_json_shape() {
    let server = start(FakeHost::new(), "/", HttpArguments::default()).await;
    let addr = server.addr;

    let list = get_ok(addr, "/api/v0/web/components").await;
    assert_eq!(list.headers["content-type"], "application/json");
    let list: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let first = &list[0];
    assert_eq!(first["name"], "local.file");
    assert_eq!(first["type"], "block");
    assert_eq!(first["localID"], "local.file.token");
    assert_eq!(first["moduleID"], "");
    assert_eq!(first["label"], "token");
    assert_eq!(first["health"]["state"], "healthy");
    assert_eq!(first["health"]["message"], "started component");
    assert!(
        first["health"]["updatedTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(first["referencesTo"], serde_json::json!([]));
    assert_eq!(first["arguments"], serde_json::json!([]));
    assert_eq!(list[1]["health"]["state"], "unhealthy");

    let detail = get_ok(addr, "/api/v0/web/components/local.file.token").await;
    let detail: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert_eq!(
        detail["arguments"][0],
        serde_json::json!({"name": "filename", "type": "attr", "value": {"type": "string", "value": "/etc/token"}})
    );
    assert_eq!(
        detail["exports"],
        serde_json::json!([{"name": "content", "type": "attr", "value": {"type": "capsule", "value": "(secret)"}}])
    );
    assert_eq!(detail["debugInfo"], serde_json::json!([]));
    assert!(!detail.to_string().contains("hunter2"));

    let unknown = request(addr, "GET", "/api/v0/web/components/local.file.nope", &[]).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, "404 page not found\n")
    );
    let module = request(addr, "GET", "/api/v0/web/modules/nope.x/components", &[]).await;
    assert_eq!(
        (module.status, module.body.as_str()),
        (500, "module not found\n")
    );

    let gzipped = request(
        addr,
        "GET",
        "/api/v0/web/components",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
}

#[tokio::test]
async fn component_handlers_are_mounted_under_their_id() {
    let server = start(FakeHost::new(), "/", HttpArguments::default()).await;
    let addr = server.addr;
    let echoed = get_ok(addr, "/api/v0/component/local.file.token/echo?x=1").await;
    assert_eq!(echoed.body, "/echo?x=1");
    for path in [
        "/api/v0/component/local.file.nope/echo",
        "/api/v0/component/local.file.token/other",
    ] {
        assert_eq!(request(addr, "GET", path, &[]).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn ui_under_its_prefix_with_client_routes() {
    let server = start(FakeHost::new(), "/alloy", HttpArguments::default()).await;
    let addr = server.addr;
    for page in [
        "/alloy/",
        "/alloy",
        "/alloy/component/local.file.token",
        "/alloy/graph",
    ] {
        let answer = get_ok(addr, page).await;
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{page}"
        );
        assert!(answer.body.contains("<base href=\"/alloy/\">"), "{page}");
    }
    let script = get_ok(addr, "/alloy/app.js").await;
    assert!(
        script.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    // The API moves with the UI; unknown API paths and paths outside the prefix are not pages.
    get_ok(addr, "/alloy/api/v0/web/components").await;
    for path in ["/alloy/api/v0/web/nope", "/elsewhere"] {
        assert_eq!(request(addr, "GET", path, &[]).await.status, 404, "{path}");
    }
}

fn basic_auth(filter: Option<AuthFilter>) -> HttpArguments {
    HttpArguments {
        auth: Some(HttpAuth {
            basic: Some(BasicAuth {
                username: "admin".into(),
                password: Secret::new("s3cret"),
            }),
            filter,
        }),
        tls: None,
    }
}

#[tokio::test]
async fn basic_auth_applies_and_changes_at_run_time() {
    let server = start(FakeHost::new(), "/", basic_auth(None)).await;
    let addr = server.addr;
    let denied = request(addr, "GET", "/metrics", &[]).await;
    assert_eq!(
        (denied.status, denied.body.as_str()),
        (401, "unauthorized\n")
    );
    assert_eq!(
        denied.headers["www-authenticate"],
        "Basic realm=\"Restricted\""
    );
    // admin:s3cret
    let granted = request(
        addr,
        "GET",
        "/metrics",
        &[("authorization", "Basic YWRtaW46czNjcmV0")],
    )
    .await;
    assert_eq!(granted.status, 200);

    let only_metrics = basic_auth(Some(AuthFilter {
        paths: vec!["/metrics".into()],
        authenticate_matching_paths: true,
    }));
    server
        .security
        .send(Arc::new(Security::from_arguments(&only_metrics).unwrap()))
        .unwrap();
    assert_eq!(request(addr, "GET", "/-/ready", &[]).await.status, 200);
    assert_eq!(request(addr, "GET", "/metrics", &[]).await.status, 401);

    server.security.send(Arc::new(Security::default())).unwrap();
    assert_eq!(request(addr, "GET", "/metrics", &[]).await.status, 200);
}

/// A self-signed certificate for `localhost`: the paths of its PEM files.
fn self_signed(dir: &std::path::Path) -> (String, String) {
    let (cert, key) = testutil::tls::self_signed_cert(dir);
    let text = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    (text(cert), text(key))
}

/// A client certificate and its key, as PEM.
type ClientCert<'a> = Option<(&'a [u8], &'a [u8])>;

/// A GET over TLS trusting `ca_pem`, presenting `client` if given; `Err` when
/// the handshake or the request fails.
async fn tls_request(
    addr: SocketAddr,
    ca_pem: &[u8],
    client: ClientCert<'_>,
    path: &str,
) -> Result<Answer, String> {
    let identity = client.map(|(cert, key)| {
        (
            tls::certificates(cert, "cert").unwrap(),
            tls::private_key(key).unwrap(),
        )
    });
    let config = tls::client_config(tls::ClientSettings {
        roots: Some(tls::root_store(ca_pem, "ca").unwrap()),
        identity,
        ..tls::ClientSettings::default()
    })
    .unwrap();
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector
        .connect(name, stream)
        .await
        .map_err(|e| e.to_string())?;
    request_over(tls, "GET", path, &[])
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn tls_client_certificates_verified_against_client_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_file, key_file) = self_signed(dir.path());
    let path = dir.path();
    // The server keeps its self-signed certificate; the CA signs the client's.
    testutil::tls::test_ca(path, "DNS:localhost");
    let read = |name: &str| std::fs::read(path.join(name)).unwrap();
    let (server_pem, client_pem, client_key) =
        (read("cert.pem"), read("client.pem"), read("client.key"));
    let http = HttpArguments {
        auth: None,
        tls: Some(HttpTls {
            cert_file,
            key_file,
            client_ca_file: path.join("ca.pem").to_string_lossy().into_owned(),
            client_auth_type: "RequireAndVerifyClientCert".into(),
            ..HttpTls::default()
        }),
    };
    let server = start(FakeHost::new(), "/", http).await;
    let with_cert = tls_request(
        server.addr,
        &server_pem,
        Some((&client_pem, &client_key)),
        "/-/ready",
    )
    .await;
    assert_eq!(with_cert.map(|a| a.status), Ok(200));
    let without = tls_request(server.addr, &server_pem, None, "/-/ready").await;
    assert!(without.is_err());
}

#[tokio::test]
async fn tls_from_files_then_back_to_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_file, key_file) = self_signed(dir.path());
    let cert_pem = std::fs::read(&cert_file).unwrap();
    let http = HttpArguments {
        auth: None,
        tls: Some(HttpTls {
            cert_file,
            key_file,
            ..HttpTls::default()
        }),
    };
    let server = start(FakeHost::new(), "/", http).await;
    let addr = server.addr;
    let answer = tls_request(addr, &cert_pem, None, "/-/ready")
        .await
        .unwrap();
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "Alloy is ready.\n")
    );

    // Plain HTTP to a TLS port gets no HTTP answer.
    let stream = TcpStream::connect(addr).await.unwrap();
    let plain = tokio::time::timeout(Duration::from_secs(10), async move {
        let io = TokioIo::new(stream);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.ok()?;
        tokio::spawn(conn);
        let req = hyper::Request::get("/-/ready")
            .header("host", "localhost")
            .body(Empty::<Bytes>::new())
            .ok()?;
        sender.send_request(req).await.ok()
    })
    .await
    .expect("the server answers or closes");
    assert!(plain.is_none());

    server.security.send(Arc::new(Security::default())).unwrap();
    assert_eq!(get_ok(addr, "/-/ready").await.body, "Alloy is ready.\n");
}

#[test]
fn tls_errors_are_reported() {
    let missing = HttpArguments {
        auth: None,
        tls: Some(HttpTls::default()),
    };
    assert_eq!(
        Security::from_arguments(&missing).err().unwrap(),
        "cert_pem or cert_file must be provided"
    );
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_returns() {
    let server = start(FakeHost::new(), "/", HttpArguments::default()).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let client = tokio::spawn(conn);
    let req = hyper::Request::get("/-/ready")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    assert_eq!(sender.send_request(req).await.unwrap().status(), 200);

    server.stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), server.task)
        .await
        .expect("serve returns after shutdown")
        .unwrap();
    // The kept-alive connection was closed by the server.
    tokio::time::timeout(Duration::from_secs(10), client)
        .await
        .expect("the server closes idle connections")
        .unwrap()
        .unwrap();
}
