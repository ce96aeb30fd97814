//! Certificates for TLS tests, made by the `openssl` tool (`scripts/test`
//! installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `openssl` with `args` in `dir`; fails the test when it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed (scripts/test installs it)");
    assert!(status.success(), "openssl {args:?}");
}

/// A self-signed certificate and key for `localhost`, written to `dir` as
/// `cert.pem` and `key.pem`; returns their paths.
pub fn self_signed_cert(dir: &Path) -> (PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            // An end-entity certificate: webpki refuses a CA certificate as a server's.
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ],
    );
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// A test CA and two certificates it signed, written to `dir`: `ca.pem` /
/// `ca.key`, a server certificate for `server_names` (`server.pem` /
/// `server.key`; a subjectAltName list such as `DNS:localhost,IP:127.0.0.1`)
/// and a client certificate (`client.pem` / `client.key`).
pub fn test_ca(dir: &Path, server_names: &str) {
    const EC_KEY: [&str; 5] = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        dir,
        &[
            &[
                "req",
                "-x509",
                "-days",
                "1",
                "-subj",
                "/CN=ferroalloy test CA",
            ][..],
            &EC_KEY,
            &[
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    );
    let sign = |name: &str, subject: &str, extensions: &str| {
        let (key, csr, ext, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.ext"),
            format!("{name}.pem"),
        );
        openssl(
            dir,
            &[
                &["req", "-subj", subject][..],
                &EC_KEY,
                &["-keyout", &key, "-out", &csr],
            ]
            .concat(),
        );
        std::fs::write(dir.join(&ext), extensions).expect("write the extensions file");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                &ext,
                "-out",
                &pem,
            ],
        );
    };
    sign(
        "server",
        "/CN=localhost",
        &format!(
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\n\
             subjectAltName={server_names}\n"
        ),
    );
    sign(
        "client",
        "/CN=ferroalloy test client",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    );
}
