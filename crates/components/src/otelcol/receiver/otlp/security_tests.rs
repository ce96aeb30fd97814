//! The receiver's access controls over real sockets: `auth` handlers on both
//! transports, TLS and mutual TLS, CORS preflights.

use super::tests::{captured_traces, grpc_block, http_block, http_client, post, start_with};
use super::*;
use crate::otelcol::auth::{basic, bearer};
use crate::otelcol::config::server::{Cors, ServerTls};
use crate::testing::{field, options};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use std::path::Path;
use syntax::value::{Secret, Value};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

fn exported_handler(exports: &crate::testing::Exports) -> crate::otelcol::auth::Handler {
    match field(&exports.last().unwrap(), "handler") {
        Value::Capsule(c) => c.downcast_ref().cloned().unwrap(),
        other => panic!("handler is {other:?}"),
    }
}

fn bearer_handler(token: &str) -> crate::otelcol::auth::Handler {
    let (opts, exports) = options("otelcol.auth.bearer.test");
    bearer::AuthBearer::build(
        opts,
        bearer::Arguments {
            token: Secret::new(token),
            ..bearer::Arguments::default()
        },
    )
    .unwrap();
    exported_handler(&exports)
}

fn basic_handler(htpasswd: &str) -> crate::otelcol::auth::Handler {
    let (opts, exports) = options("otelcol.auth.basic.test");
    basic::AuthBasic::build(
        opts,
        basic::Arguments {
            htpasswd: Some(basic::Htpasswd {
                inline: htpasswd.into(),
                ..basic::Htpasswd::default()
            }),
            ..basic::Arguments::default()
        },
    )
    .unwrap();
    exported_handler(&exports)
}

async fn grpc_export(channel: Channel, authorization: Option<&str>) -> Result<(), tonic::Status> {
    let mut request = tonic::Request::new(captured_traces());
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.parse().unwrap());
    }
    TraceServiceClient::new(channel)
        .export(request)
        .await
        .map(|_| ())
}

async fn plain_channel(addr: std::net::SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn bearer_and_basic_auth_on_both_transports() {
    for (handler, good, bad) in [
        (
            bearer_handler("s3cret"),
            "Bearer s3cret".to_string(),
            "Bearer nope",
        ),
        (
            basic_handler("alice:wonderland"),
            format!("Basic {}", base64_of("alice:wonderland")),
            "Basic YWxpY2U6bm9wZQ==",
        ),
    ] {
        let mut grpc = grpc_block();
        grpc.auth = Some(handler.clone());
        let mut http = http_block();
        http.server.auth = Some(handler);
        let running = start_with(Some(grpc), Some(http));

        let client = http_client();
        let url = format!("http://{}/v1/traces", running.http());
        let body = prost::Message::encode_to_vec(&captured_traces());
        let send = |authorization: Option<&str>| {
            let mut request = client
                .post(&url)
                .header("content-type", "application/x-protobuf")
                .body(body.clone());
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            request.send()
        };
        assert_eq!(send(Some(&good)).await.unwrap().status(), 200);
        assert_eq!(send(Some(bad)).await.unwrap().status(), 401);
        assert_eq!(send(None).await.unwrap().status(), 401);

        let channel = plain_channel(running.grpc()).await;
        grpc_export(channel.clone(), Some(&good)).await.unwrap();
        let refused = grpc_export(channel.clone(), Some(bad)).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Unauthenticated);
        let refused = grpc_export(channel, None).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Unauthenticated);

        let got = running.recorder.got.lock();
        assert_eq!(got.len(), 2, "only the authenticated requests arrive");
        if good.starts_with("Basic") {
            assert_eq!(got[0].1.auth[0], ("username".into(), "alice".into()));
        }
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn tls_and_mutual_tls_on_both_transports() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = testutil::tls::self_signed_cert(dir.path());
    testutil::tls::test_ca(dir.path(), "DNS:localhost");
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let server_tls = |client_ca: bool| ServerTls {
        cert_file: path_text(&cert),
        key_file: path_text(&key),
        client_ca_file: if client_ca {
            path_text(&dir.path().join("ca.pem"))
        } else {
            String::new()
        },
        ..ServerTls::default()
    };

    for mutual in [false, true] {
        let mut grpc = grpc_block();
        grpc.tls = Some(server_tls(mutual));
        let mut http = http_block();
        http.server.tls = Some(server_tls(mutual));
        let running = start_with(Some(grpc), Some(http));

        // HTTP: with the client certificate, and without.
        let http_client = |identity: bool| {
            let config = tls::client_config(tls::ClientSettings {
                roots: Some(tls::root_store(&read("cert.pem"), "ca").unwrap()),
                identity: identity.then(|| {
                    (
                        tls::certificates(&read("client.pem"), "cert").unwrap(),
                        tls::private_key(&read("client.key")).unwrap(),
                    )
                }),
                ..tls::ClientSettings::default()
            })
            .unwrap();
            reqwest::Client::builder()
                .no_proxy()
                .tls_backend_preconfigured((*config).clone())
                .resolve("localhost", running.http())
                .build()
                .unwrap()
        };
        let url = format!("https://localhost:{}/v1/traces", running.http().port());
        let body = prost::Message::encode_to_vec(&captured_traces());
        let with_cert = post(
            &http_client(true),
            &url,
            "application/x-protobuf",
            None,
            body.clone(),
        )
        .await;
        assert_eq!(with_cert.status(), 200);
        let without = http_client(false)
            .post(&url)
            .header("content-type", "application/x-protobuf")
            .body(body)
            .send()
            .await;
        assert_eq!(without.is_ok(), !mutual, "mutual TLS: {mutual}");

        // gRPC.
        let connect = |identity: bool| {
            let mut config = ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(read("cert.pem")))
                .domain_name("localhost");
            if identity {
                config =
                    config.identity(Identity::from_pem(read("client.pem"), read("client.key")));
            }
            let endpoint =
                Channel::from_shared(format!("https://localhost:{}", running.grpc().port()))
                    .unwrap()
                    .tls_config(config)
                    .unwrap();
            async move { endpoint.connect().await }
        };
        grpc_export(connect(true).await.unwrap(), None)
            .await
            .unwrap();
        let without = match connect(false).await {
            Ok(channel) => grpc_export(channel, None).await.is_ok(),
            Err(_) => false,
        };
        assert_eq!(without, !mutual, "gRPC, mutual TLS: {mutual}");
        let expected = if mutual { 2 } else { 4 };
        assert_eq!(running.recorder.got.lock().len(), expected);
    }
}

#[tokio::test]
async fn cors_preflights_are_answered_for_allowed_origins() {
    let mut http = http_block();
    http.server.cors = Some(Cors {
        allowed_origins: vec!["https://*.example.com".into()],
        allowed_headers: vec!["X-Custom".into()],
        max_age: 600,
        ..Cors::default()
    });
    let running = start_with(None, Some(http));
    let client = http_client();
    let url = format!("http://{}/v1/traces", running.http());
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,x-custom")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(headers["access-control-max-age"], "600");
    let allowed_headers = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed_headers.contains("x-custom"), "{allowed_headers}");

    let refused = preflight("https://evil.org").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // The actual request carries the CORS header too.
    let response = client
        .post(&url)
        .header("origin", "https://app.example.com")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
}
