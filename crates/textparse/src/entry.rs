//! What the parsers hand out: entries borrowing from the body.

use crate::cursor::Span;
use crate::number::unescape;
use std::borrow::Cow;

/// A metric family's type as the exposition declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    /// `untyped` in the text format, `unknown` in OpenMetrics.
    #[default]
    Unknown,
}

impl MetricType {
    /// The name in the text formats (`untyped` reads as [`MetricType::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }
}

/// One entry of an exposition.
#[derive(Debug)]
pub enum Entry<'a> {
    Series(Series<'a>),
    /// `# HELP name text`, the text unescaped.
    Help {
        name: Cow<'a, str>,
        text: Cow<'a, str>,
    },
    /// `# TYPE name type`.
    Type {
        name: Cow<'a, str>,
        metric_type: MetricType,
    },
    /// `# UNIT name unit` (OpenMetrics only).
    Unit {
        name: Cow<'a, str>,
        unit: Cow<'a, str>,
    },
    /// A free comment line (text format only), `#` included.
    Comment(&'a [u8]),
}

/// One sample line.
#[derive(Debug)]
pub struct Series<'a> {
    pub(crate) body: &'a [u8],
    /// The series as written — metric name and label block — usable as a
    /// cache key: equal text means an equal label set.
    pub raw: &'a [u8],
    pub(crate) name: Span,
    /// Label name and value spans, in written order.
    pub(crate) labels: &'a [(Span, Span)],
    pub value: f64,
    /// Milliseconds since the epoch, when the line carries a timestamp.
    pub timestamp: Option<i64>,
    pub exemplar: Option<Exemplar<'a>>,
}

impl<'a> Series<'a> {
    /// The metric name, unescaped.
    pub fn name(&self) -> Cow<'a, str> {
        text(self.body, self.name)
    }

    /// The labels (without the metric name) in written order, unescaped.
    pub fn labels(&self) -> LabelPairs<'a> {
        LabelPairs {
            body: self.body,
            spans: self.labels.iter(),
        }
    }
}

/// An OpenMetrics exemplar (`# {trace_id="…"} 1.0 1520879607.789`).
#[derive(Debug)]
pub struct Exemplar<'a> {
    pub(crate) body: &'a [u8],
    pub(crate) labels: &'a [(Span, Span)],
    pub value: f64,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
}

impl<'a> Exemplar<'a> {
    pub fn labels(&self) -> LabelPairs<'a> {
        LabelPairs {
            body: self.body,
            spans: self.labels.iter(),
        }
    }

    /// Whether the label names and values together exceed
    /// [`crate::EXEMPLAR_MAX_LABEL_SET_LENGTH`] UTF-8 characters.
    pub fn too_long(&self) -> bool {
        let length: usize = self
            .labels()
            .map(|(name, value)| name.chars().count() + value.chars().count())
            .sum();
        length > crate::EXEMPLAR_MAX_LABEL_SET_LENGTH
    }
}

/// Iterator over unescaped label pairs.
#[derive(Clone, Debug)]
pub struct LabelPairs<'a> {
    body: &'a [u8],
    spans: std::slice::Iter<'a, (Span, Span)>,
}

impl<'a> Iterator for LabelPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let &(name, value) = self.spans.next()?;
        Some((text(self.body, name), text(self.body, value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for LabelPairs<'_> {}

/// The unescaped text of a span. The parsers validated every span they hand
/// out as UTF-8, so the lossy conversion always borrows.
pub(crate) fn text(body: &[u8], span: Span) -> Cow<'_, str> {
    match String::from_utf8_lossy(&body[span.0..span.1]) {
        Cow::Borrowed(s) => unescape(s),
        Cow::Owned(s) => Cow::Owned(unescape(&s).into_owned()),
    }
}
