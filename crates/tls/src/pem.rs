//! PEM text from a block attribute or a file.

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The PEM text given inline or the contents of the file; exactly one of them.
/// `what` names the pair in messages (`cert` for `cert_pem`/`cert_file`).
pub fn pem_or_file(pem: &str, file: &str, what: &str) -> Result<Vec<u8>, String> {
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

/// Every certificate in `pem`; at least one.
pub fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("failed to load {what}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("failed to load {what}: no certificate found"));
    }
    Ok(certs)
}

/// The first private key in `pem`.
pub fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| format!("failed to load key: {e}"))
}

/// A root store of the certificates in `pem`.
pub fn root_store(pem: &[u8], what: &str) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(pem, what)? {
        roots
            .add(cert)
            .map_err(|e| format!("failed to load {what}: {e}"))?;
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_source() {
        assert_eq!(
            pem_or_file("x", "f", "cert").unwrap_err(),
            "at most one of cert_pem and cert_file must be provided"
        );
        assert_eq!(
            pem_or_file("", "", "ca").unwrap_err(),
            "ca_pem or ca_file must be provided"
        );
        assert_eq!(pem_or_file("x", "", "ca").unwrap(), b"x");
        assert!(
            pem_or_file("", "/nonexistent/ca.pem", "ca")
                .unwrap_err()
                .starts_with("failed to read ca_file /nonexistent/ca.pem: ")
        );
    }

    #[test]
    fn loads_a_generated_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = testutil::tls::self_signed_cert(dir.path());
        let cert = std::fs::read(cert).unwrap();
        assert_eq!(certificates(&cert, "cert").unwrap().len(), 1);
        assert_eq!(root_store(&cert, "ca").unwrap().len(), 1);
        private_key(&std::fs::read(key).unwrap()).unwrap();
        assert_eq!(
            certificates(b"junk", "cert").unwrap_err(),
            "failed to load cert: no certificate found"
        );
    }
}
