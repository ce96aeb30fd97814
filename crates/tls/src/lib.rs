//! TLS settings as rustls configurations, shared by every listener and client
//! of ferroalloy (the HTTP server's `tls` block, otelcol server and client `tls`
//! blocks, Prometheus `tls_config`). Certificates and keys come as inline PEM or
//! files, never both; rustls speaks TLS 1.2 and 1.3 only.

mod pem;
mod verify;
mod versions;

pub use pem::{certificates, pem_or_file, private_key, root_store};
pub use versions::{TlsVersion, protocol_versions};

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// What a client needs to build its TLS configuration.
#[derive(Default)]
pub struct ClientSettings {
    /// Trusted CAs; `None` trusts the system's roots.
    pub roots: Option<RootCertStore>,
    /// A client certificate chain and its key, for mutual TLS.
    pub identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// Accept any server certificate (`insecure_skip_verify`).
    pub skip_verify: bool,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
    /// ALPN protocols to offer (`h2` for gRPC).
    pub alpn: Vec<Vec<u8>>,
    /// The name the server's certificate must be valid for, instead of the
    /// host connected to (`server_name`).
    pub server_name: Option<String>,
}

/// A rustls client configuration from `settings`.
pub fn client_config(settings: ClientSettings) -> Result<Arc<ClientConfig>, String> {
    let versions = protocol_versions(settings.min_version, settings.max_version)?;
    let builder = ClientConfig::builder_with_protocol_versions(&versions);
    let builder = if settings.skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verify::AcceptAnyServerCert::new()))
    } else {
        let roots = match settings.roots {
            Some(roots) => roots,
            None => system_roots()?,
        };
        match settings.server_name {
            None => builder.with_root_certificates(roots),
            Some(name) => {
                let webpki = rustls::client::WebPkiServerVerifier::builder(Arc::new(roots))
                    .build()
                    .map_err(|e| format!("failed to load root certificates: {e}"))?;
                let verifier = verify::VerifyAsName::new(webpki, &name)?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
            }
        }
    };
    let mut config = match settings.identity {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("failed to load X509 key pair: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = settings.alpn;
    Ok(Arc::new(config))
}

/// The operating system's trusted roots.
pub fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 && !found.errors.is_empty() {
        return Err(format!(
            "failed to load system root certificates: {}",
            found.errors[0]
        ));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_must_be_a_name() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let (cert, _) = testutil::tls::self_signed_cert(dir.path());
        let roots = root_store(&std::fs::read(cert).unwrap(), "ca").unwrap();
        let settings = |name: &str| ClientSettings {
            roots: Some(roots.clone()),
            server_name: Some(name.into()),
            ..ClientSettings::default()
        };
        assert!(client_config(settings("collector.example")).is_ok());
        assert!(client_config(settings("10.0.0.1")).is_ok());
        assert_eq!(
            client_config(settings("not a name")).unwrap_err(),
            "invalid server_name \"not a name\": invalid dns name"
        );
    }
}
