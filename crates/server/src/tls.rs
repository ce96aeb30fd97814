//! The server's TLS settings from the `http > tls` block, as a rustls
//! configuration. rustls speaks TLS 1.2 and 1.3 only: an older minimum means
//! 1.2, an older maximum is refused.

use runtime::services::HttpTls;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use std::sync::Arc;
use tls::{TlsVersion, certificates, pem_or_file, private_key, protocol_versions, root_store};

pub fn server_config(tls: &HttpTls) -> Result<Arc<ServerConfig>, String> {
    let certs = certificates(&pem_or_file(&tls.cert_pem, &tls.cert_file, "cert")?, "cert")?;
    let key = private_key(&pem_or_file(tls.key_pem.expose(), &tls.key_file, "key")?)?;
    let version = |v: &str| (!v.is_empty()).then(|| v.parse::<TlsVersion>()).transpose();
    let versions = protocol_versions(version(&tls.min_version)?, version(&tls.max_version)?)?;
    let builder = ServerConfig::builder_with_protocol_versions(&versions);
    let builder = match client_verifier(tls)? {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("failed to load X509 key pair: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn client_verifier(
    tls: &HttpTls,
) -> Result<Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>, String> {
    let optional = match tls.client_auth_type.as_str() {
        "" | "NoClientCert" => return Ok(None),
        "VerifyClientCertIfGiven" => true,
        "RequireAndVerifyClientCert" => false,
        "RequestClientCert" | "RequireAnyClientCert" => {
            return Err(format!(
                "client_auth_type {} is not supported: client certificates are always verified against client_ca",
                tls.client_auth_type
            ));
        }
        other => return Err(format!("unknown client_auth_type: {other}")),
    };
    let pem = pem_or_file(&tls.client_ca_pem, &tls.client_ca_file, "client_ca")?;
    let roots = root_store(&pem, "client_ca")?;
    let builder = WebPkiClientVerifier::builder(Arc::new(roots));
    let builder = if optional {
        builder.allow_unauthenticated()
    } else {
        builder
    };
    builder
        .build()
        .map(|v| Some(v as Arc<dyn rustls::server::danger::ClientCertVerifier>))
        .map_err(|e| format!("failed to load client_ca: {e}"))
}
