//! OpenMetrics 1.0: exactly one space between tokens, no comments, timestamps
//! in (fractional) seconds, exemplars after ` # `, UNIT lines, and a body that
//! must end with `# EOF`.

use crate::cursor::{Cursor, LabelRules, Span, is_name_start};
use crate::entry::{Entry, Exemplar, MetricType, Series, text};
use crate::error::{Error, quote};
use crate::number::{parse_float, unescape};

const SERIES_RULES: LabelRules = LabelRules {
    free_whitespace: false,
    exemplar: false,
};

const EXEMPLAR_RULES: LabelRules = LabelRules {
    free_whitespace: false,
    exemplar: true,
};

const NO_EOF: &str = "data does not end with # EOF";

pub(crate) struct OpenMetricsParser<'a> {
    c: Cursor<'a>,
    labels: Vec<(Span, Span)>,
    exemplar_labels: Vec<(Span, Span)>,
    done: bool,
}

#[derive(Clone, Copy)]
enum Meta {
    Help,
    Type,
    Unit,
}

impl<'a> OpenMetricsParser<'a> {
    pub fn new(body: &'a [u8]) -> OpenMetricsParser<'a> {
        OpenMetricsParser {
            c: Cursor::new(body),
            labels: Vec::new(),
            exemplar_labels: Vec::new(),
            done: false,
        }
    }

    pub fn next(&mut self) -> Result<Option<Entry<'_>>, Error> {
        if self.done {
            return Ok(None);
        }
        self.c.begin_entry();
        match self.c.peek() {
            None => Err(self.c.error(NO_EOF.to_owned())),
            Some(b'#') => self.comment(),
            Some(c) if c == b'{' || is_name_start(c) => self.series().map(Some),
            Some(_) => Err(self.c.unexpected("expected a valid start token", self.c.i)),
        }
    }

    fn comment(&mut self) -> Result<Option<Entry<'_>>, Error> {
        let token = self.c.i;
        let meta = if self.c.starts_with(b"# HELP ") {
            Meta::Help
        } else if self.c.starts_with(b"# TYPE ") {
            Meta::Type
        } else if self.c.starts_with(b"# UNIT ") {
            Meta::Unit
        } else if self.c.starts_with(b"# EOF") {
            self.c.i += 5;
            if self.c.peek() == Some(b'\n') {
                self.c.i += 1;
            }
            if self.c.i != self.c.b.len() {
                return Err(self.c.error("unexpected data after # EOF".to_owned()));
            }
            self.done = true;
            return Ok(None);
        } else {
            self.c.i = (token + 3).min(self.c.b.len());
            return Err(self.c.unexpected("expected a valid start token", token));
        };
        self.c.i += 7;
        let keyword = match meta {
            Meta::Help => "HELP",
            Meta::Type => "TYPE",
            Meta::Unit => "UNIT",
        };
        let name = self.c.meta_name(keyword)?;
        if self.c.peek() != Some(b' ') {
            return Err(self.c.error(format!("expected text in {keyword}")));
        }
        self.c.i += 1;
        let (start, end) = self.c.rest_of_line();
        if self.c.peek() != Some(b'\n') {
            return Err(self.c.error(format!("expected text in {keyword}")));
        }
        let body = self.c.b;
        let value = &body[start..end];
        let entry = match meta {
            Meta::Help => {
                let Ok(help) = std::str::from_utf8(value) else {
                    return Err(self.c.error(format!(
                        "help text {} is not a valid utf8 string",
                        quote(value)
                    )));
                };
                Entry::Help {
                    name: text(body, name),
                    text: unescape(help),
                }
            }
            Meta::Type => Entry::Type {
                name: text(body, name),
                metric_type: metric_type(value).ok_or_else(|| {
                    self.c
                        .error(format!("invalid metric type {}", quote(value)))
                })?,
            },
            Meta::Unit => {
                let metric = &body[name.0..name.1];
                let suffixed = metric.len() > value.len()
                    && metric.ends_with(value)
                    && metric[metric.len() - value.len() - 1] == b'_';
                if !value.is_empty() && !suffixed {
                    return Err(self.c.error(format!(
                        "unit {} not a suffix of metric {}",
                        quote(value),
                        quote(metric)
                    )));
                }
                self.c.check_utf8((start, end), "unit")?;
                Entry::Unit {
                    name: text(body, name),
                    unit: text(body, (start, end)),
                }
            }
        };
        self.c.newline();
        Ok(Some(entry))
    }

    fn series(&mut self) -> Result<Entry<'_>, Error> {
        let start = self.c.i;
        self.labels.clear();
        self.exemplar_labels.clear();
        let mut name = self.c.metric_name();
        if self.c.peek() == Some(b'{') {
            self.c.i += 1;
            self.c.labels(&mut name, &mut self.labels, SERIES_RULES)?;
        }
        let raw_end = self.c.i;
        let Some(name) = name else {
            return Err(self.c.error(format!(
                "metric name not set while parsing: {}",
                quote(&self.c.b[start..self.c.i])
            )));
        };
        let value = self.value("metric")?;
        let mut timestamp = None;
        let mut exemplar = None;
        if self.at_exemplar() {
            exemplar = Some(self.exemplar()?);
        } else if self.c.peek() == Some(b' ') {
            timestamp = Some(self.timestamp("timestamp")?);
            if self.at_exemplar() {
                exemplar = Some(self.exemplar()?);
            } else {
                self.end_line("expected next entry after timestamp")?;
            }
        } else {
            self.end_line("expected timestamp or new record")?;
        }
        let body = self.c.b;
        Ok(Entry::Series(Series {
            body,
            raw: &body[start..raw_end],
            name,
            labels: &self.labels,
            value,
            timestamp,
            exemplar: exemplar.map(|(value, timestamp)| Exemplar {
                body,
                labels: &self.exemplar_labels,
                value,
                timestamp,
            }),
        }))
    }

    fn at_exemplar(&self) -> bool {
        self.c.starts_with(b" # {")
    }

    /// ` VALUE` after a series or an exemplar's labels.
    fn value(&mut self, after: &str) -> Result<f64, Error> {
        let token = self.c.i;
        let text = self.token();
        if text.is_empty() {
            return Err(self
                .c
                .unexpected(&format!("expected value after {after}"), token));
        }
        parse_float(text).map_err(|e| self.c.while_parsing(e))
    }

    /// ` TOKEN`: the bytes up to the next space or line break, or nothing
    /// when the cursor is not at a single space followed by such bytes.
    fn token(&mut self) -> &'a [u8] {
        let b = self.c.b;
        if self.c.peek() != Some(b' ') {
            return &[];
        }
        let start = self.c.i + 1;
        let len = b[start..]
            .iter()
            .position(|&c| c == b' ' || c == b'\n')
            .unwrap_or(b.len() - start);
        if len == 0 {
            return &[];
        }
        self.c.i = start + len;
        &b[start..start + len]
    }

    /// ` SECONDS` as milliseconds.
    fn timestamp(&mut self, what: &str) -> Result<i64, Error> {
        let token = self.c.i;
        let text = self.token();
        if text.is_empty() {
            return Err(self.c.unexpected("expected next entry after value", token));
        }
        let seconds = parse_float(text).map_err(|e| self.c.while_parsing(e))?;
        if !seconds.is_finite() {
            return Err(self
                .c
                .error(format!("invalid {what} {}", go_float(seconds))));
        }
        Ok((seconds * 1000.0) as i64)
    }

    /// ` # {labels} value [timestamp]` up to the end of the line.
    fn exemplar(&mut self) -> Result<(f64, Option<i64>), Error> {
        self.c.i += 4;
        self.c
            .labels(&mut None, &mut self.exemplar_labels, EXEMPLAR_RULES)?;
        let value = self.value("exemplar labels")?;
        let mut timestamp = None;
        if self.c.peek() == Some(b' ') {
            timestamp = Some(self.timestamp("exemplar timestamp")?);
            self.end_line("expected next entry after exemplar timestamp")?;
        } else {
            self.end_line("expected timestamp or comment")?;
        }
        Ok((value, timestamp))
    }

    /// Every line ends with `\n`: the body must still hold `# EOF`.
    fn end_line(&mut self, expected: &str) -> Result<(), Error> {
        match self.c.peek() {
            Some(b'\n') => {
                self.c.newline();
                Ok(())
            }
            None => Err(self.c.error(NO_EOF.to_owned())),
            Some(_) => Err(self.c.unexpected(expected, self.c.i)),
        }
    }
}

fn metric_type(text: &[u8]) -> Option<MetricType> {
    Some(match text {
        b"counter" => MetricType::Counter,
        b"gauge" => MetricType::Gauge,
        b"histogram" => MetricType::Histogram,
        b"gaugehistogram" => MetricType::GaugeHistogram,
        b"summary" => MetricType::Summary,
        b"info" => MetricType::Info,
        b"stateset" => MetricType::StateSet,
        b"unknown" => MetricType::Unknown,
        _ => return None,
    })
}

/// NaN and the infinities as Go prints them in Prometheus's messages.
fn go_float(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}
