//! Zero-copy parsers for the two text exposition formats a Prometheus scrape
//! receives: the Prometheus text format 0.0.4 and OpenMetrics 1.0.
//!
//! The parser walks the body once and hands out [`Entry`]s that borrow from
//! the body and from the parser's reusable span buffers, so parsing a scrape
//! allocates nothing per sample. Label names and values are unescaped only
//! when they contain a backslash. The accepted grammar and the error messages
//! follow Prometheus's `model/textparse` lexers, including their quirks (free
//! whitespace and optional commas in the text format, the strict single
//! spaces, mandatory `# EOF` and absence of comments in OpenMetrics).

mod cursor;
mod entry;
mod error;
mod number;
mod openmetrics;
mod prometheus;

pub use entry::{Entry, Exemplar, LabelPairs, MetricType, Series};
pub use error::Error;
pub use number::{NORMAL_NAN_BITS, unescape};

use openmetrics::OpenMetricsParser;
use prometheus::PromParser;

/// The OpenMetrics limit on the combined length, in UTF-8 characters, of an
/// exemplar's label names and values. Prometheus drops longer exemplars at
/// scrape time rather than failing the scrape; [`Exemplar::too_long`] lets the
/// caller do the same.
pub const EXEMPLAR_MAX_LABEL_SET_LENGTH: usize = 128;

/// Which exposition format a body is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4` (and the identical `1.0.0`).
    PrometheusText,
    /// `application/openmetrics-text; version=1.0.0` (or `0.0.1`).
    OpenMetrics,
}

impl Format {
    /// The format a `Content-Type` announces, or `None` for media types the
    /// text parsers do not handle (protobuf, HTML error pages, …). An absent
    /// or empty content type is `None` as well: the caller picks its fallback.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if media_type.eq_ignore_ascii_case("application/openmetrics-text") {
            Some(Format::OpenMetrics)
        } else if media_type.eq_ignore_ascii_case("text/plain") {
            Some(Format::PrometheusText)
        } else {
            None
        }
    }
}

/// A parser over one exposition body.
pub struct Parser<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Prom(PromParser<'a>),
    OpenMetrics(OpenMetricsParser<'a>),
}

impl<'a> Parser<'a> {
    pub fn new(body: &'a [u8], format: Format) -> Parser<'a> {
        let inner = match format {
            Format::PrometheusText => Inner::Prom(PromParser::new(body)),
            Format::OpenMetrics => Inner::OpenMetrics(OpenMetricsParser::new(body)),
        };
        Parser { inner }
    }

    /// The next entry, `Ok(None)` at the clean end of the body (for
    /// OpenMetrics: after `# EOF`), or the first error. After an error the
    /// parser must not be used further.
    #[allow(clippy::should_implement_trait)] // entries borrow the parser, so no Iterator
    pub fn next(&mut self) -> Result<Option<Entry<'_>>, Error> {
        match &mut self.inner {
            Inner::Prom(p) => p.next(),
            Inner::OpenMetrics(p) => p.next(),
        }
    }
}
