//! `prometheus.*`: scraping, relabelling, remote_write and the embedded
//! exporters (SPEC §2.15–§2.22).

pub mod exporter;
pub mod http_client;
pub mod receive_http;
pub mod relabel;
pub mod remote_write;
pub mod scrape;
