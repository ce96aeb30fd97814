//! Server blocks of otelcol receivers: `grpc`, `http`, server `tls`, `cors`,
//! `keepalive` (SPEC §2.0.3).
