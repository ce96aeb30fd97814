//! The `http` block: basic authentication and TLS on the server, applied at
//! load and changed by a reload.

mod run_support;

use run_support::{Alloy, dir_with, get_tls, request};
use testutil::tls::self_signed_cert;

// admin:s3cret
const CREDENTIALS: (&str, &str) = ("authorization", "Basic YWRtaW46czNjcmV0");

const BASIC_AUTH: &str = r#"http {
  auth {
    basic {
      username = "admin"
      password = "s3cret"
    }
  }
}
"#;

#[test]
fn basic_auth_from_the_http_block() {
    let dir = dir_with(&[("main.alloy", BASIC_AUTH)]);
    let alloy = Alloy::start(dir.path(), "main.alloy", &[]);
    alloy.wait_until(|| request(alloy.addr, "GET", "/-/ready", &[CREDENTIALS]).status == 200);

    let denied = alloy.get("/metrics");
    assert_eq!(
        (denied.status, denied.body.as_str()),
        (401, "unauthorized\n")
    );
    assert_eq!(
        denied.header("www-authenticate"),
        Some("Basic realm=\"Restricted\"")
    );
    let wrong = request(
        alloy.addr,
        "GET",
        "/metrics",
        &[("authorization", "Basic YWRtaW46eA==")],
    );
    assert_eq!(wrong.status, 401);

    // A reload without the block lifts authentication.
    std::fs::write(dir.path().join("main.alloy"), "").unwrap();
    assert_eq!(
        request(alloy.addr, "POST", "/-/reload", &[CREDENTIALS]).status,
        200
    );
    alloy.wait_until(|| alloy.get("/metrics").status == 200);
}

#[test]
fn basic_auth_path_filter() {
    let config = BASIC_AUTH.replace(
        "    }\n  }",
        "    }\n    filter {\n      paths = [\"/metrics\"]\n    }\n  }",
    );
    let dir = dir_with(&[("main.alloy", &config)]);
    let alloy = Alloy::start(dir.path(), "main.alloy", &[]);
    alloy.wait_until(|| alloy.get("/-/ready").status == 200);
    alloy.wait_until(|| alloy.get("/metrics").status == 401);
    assert_eq!(
        request(alloy.addr, "GET", "/metrics", &[CREDENTIALS]).status,
        200
    );
}

#[test]
fn tls_from_the_http_block() {
    let dir = dir_with(&[(
        "main.alloy",
        "http {\n  tls {\n    cert_file = \"cert.pem\"\n    key_file  = \"key.pem\"\n  }\n}\n",
    )]);
    self_signed_cert(dir.path());
    let ca = std::fs::read(dir.path().join("cert.pem")).unwrap();
    let alloy = Alloy::start(dir.path(), "main.alloy", &[]);
    alloy.wait_until(|| get_tls(alloy.addr, &ca, "/-/ready").is_ok_and(|a| a.status == 200));
    let ready = get_tls(alloy.addr, &ca, "/-/ready").unwrap();
    assert_eq!(ready.body, "Alloy is ready.\n");
}
