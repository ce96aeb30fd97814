//! Blocks shared by otelcol components (SPEC §2.0.3): the gRPC and HTTP server
//! blocks of receivers, and the client, `retry_on_failure` and `sending_queue`
//! blocks of exporters.

pub mod client;
pub mod server;
