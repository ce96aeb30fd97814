//! The server's TLS settings from the `http > tls` block, as a rustls
//! configuration. rustls speaks TLS 1.2 and 1.3 only: an older minimum means
//! 1.2, an older maximum is refused.

use runtime::services::HttpTls;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

pub fn server_config(tls: &HttpTls) -> Result<Arc<ServerConfig>, String> {
    let certs = certificates(pem_or_file(&tls.cert_pem, &tls.cert_file, "cert")?, "cert")?;
    let key_pem = pem_or_file(tls.key_pem.expose(), &tls.key_file, "key")?;
    let key =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| format!("failed to load key: {e}"))?;
    let builder = ServerConfig::builder_with_protocol_versions(&versions(tls)?);
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

/// The PEM text given inline or the contents of the file; exactly one of them.
fn pem_or_file(pem: &str, file: &str, what: &str) -> Result<Vec<u8>, String> {
    match (pem.is_empty(), file.is_empty()) {
        (false, true) => Ok(pem.as_bytes().to_vec()),
        (true, false) => {
            std::fs::read(file).map_err(|e| format!("failed to read {what}_file {file}: {e}"))
        }
        (false, false) => Err(format!(
            "at most one of {what}_pem and {what}_file must be provided"
        )),
        (true, true) => Err(format!("{what}_pem or {what}_file must be provided")),
    }
}

fn certificates(pem: Vec<u8>, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("failed to load {what}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("failed to load {what}: no certificate found"));
    }
    Ok(certs)
}

fn versions(tls: &HttpTls) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let rank = |v: &str| -> Result<u8, String> {
        match v {
            "" => Ok(0),
            "TLS10" => Ok(10),
            "TLS11" => Ok(11),
            "TLS12" => Ok(12),
            "TLS13" => Ok(13),
            other => Err(format!("unknown TLS version: {other}")),
        }
    };
    let min = rank(&tls.min_version)?;
    let max = match rank(&tls.max_version)? {
        0 => 13,
        n if n < 12 => {
            return Err(format!(
                "max_version {} is not supported: TLS 1.2 is the oldest version offered",
                tls.max_version
            ));
        }
        n => n,
    };
    let mut versions = Vec::new();
    if min <= 12 && max >= 12 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= 13 {
        versions.push(&rustls::version::TLS13);
    }
    if versions.is_empty() {
        return Err("min_version is greater than max_version".into());
    }
    Ok(versions)
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
    let mut roots = RootCertStore::empty();
    for cert in certificates(pem, "client_ca")? {
        roots
            .add(cert)
            .map_err(|e| format!("failed to load client_ca: {e}"))?;
    }
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
