//! The Prometheus text format 0.0.4: blanks between tokens are free, commas
//! between labels optional, `#` lines without HELP/TYPE are comments, and the
//! last line may lack its newline.

use crate::cursor::{Cursor, LabelRules, Span, is_name_start};
use crate::entry::{Entry, MetricType, Series, text};
use crate::error::{Error, quote};
use crate::number::{parse_float, unescape_with};

const RULES: LabelRules = LabelRules {
    free_whitespace: true,
    exemplar: false,
};

pub(crate) struct PromParser<'a> {
    c: Cursor<'a>,
    labels: Vec<(Span, Span)>,
}

enum Meta {
    Help,
    Type,
}

impl<'a> PromParser<'a> {
    pub fn new(body: &'a [u8]) -> PromParser<'a> {
        PromParser {
            c: Cursor::new(body),
            labels: Vec::new(),
        }
    }

    pub fn next(&mut self) -> Result<Option<Entry<'_>>, Error> {
        loop {
            self.c.skip_blanks();
            self.c.begin_entry();
            match self.c.peek() {
                None => return Ok(None),
                Some(b'\n') => self.c.newline(),
                Some(b'#') => return self.comment_or_meta().map(Some),
                Some(c) if c == b'{' || is_name_start(c) => return self.series().map(Some),
                Some(_) => {
                    return Err(self.c.unexpected("expected a valid start token", self.c.i));
                }
            }
        }
    }

    /// Ends an entry: the line break (or the end of the body).
    fn end_line(&mut self, expected: &str) -> Result<(), Error> {
        self.c.skip_blanks();
        match self.c.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.c.newline();
                Ok(())
            }
            Some(_) => Err(self.c.unexpected(expected, self.c.i)),
        }
    }

    fn comment_or_meta(&mut self) -> Result<Entry<'_>, Error> {
        let start = self.c.i;
        self.c.i += 1;
        let blanks = self.c.i;
        self.c.skip_blanks();
        let meta = if self.c.i == blanks {
            None
        } else if self.c.starts_with(b"HELP") {
            Some(Meta::Help)
        } else if self.c.starts_with(b"TYPE") {
            Some(Meta::Type)
        } else {
            None
        };
        let keyword_end = self.c.i + 4;
        let meta = meta.filter(|_| matches!(self.c.b.get(keyword_end), Some(b' ' | b'\t')));
        let Some(meta) = meta else {
            let (_, end) = self.c.rest_of_line();
            let comment = &self.c.b[start..end];
            self.end_line("linebreak expected after comment")?;
            return Ok(Entry::Comment(comment));
        };
        self.c.i = keyword_end;
        self.c.skip_blanks();
        let keyword = match meta {
            Meta::Help => "HELP",
            Meta::Type => "TYPE",
        };
        let name = self.c.meta_name(keyword)?;
        let (rest_start, rest_end) = self.c.rest_of_line();
        let rest = &self.c.b[rest_start..rest_end];
        // The text token includes the blank that separates it from the name.
        let text_span = if rest.len() > 1 && !rest.iter().all(|&c| c == b' ' || c == b'\t') {
            (rest_start + 1, rest_end)
        } else {
            (rest_end, rest_end)
        };
        let text_bytes = &self.c.b[text_span.0..text_span.1];
        let body = self.c.b;
        let entry = match meta {
            Meta::Help => {
                let Ok(help) = std::str::from_utf8(text_bytes) else {
                    return Err(self.c.error(format!(
                        "help text {} is not a valid utf8 string",
                        quote(text_bytes)
                    )));
                };
                Entry::Help {
                    name: text(body, name),
                    text: unescape_with(help, false),
                }
            }
            Meta::Type => {
                let metric_type = match text_bytes {
                    b"counter" => MetricType::Counter,
                    b"gauge" => MetricType::Gauge,
                    b"histogram" => MetricType::Histogram,
                    b"summary" => MetricType::Summary,
                    b"untyped" => MetricType::Unknown,
                    other => {
                        return Err(self
                            .c
                            .error(format!("invalid metric type {}", quote(other))));
                    }
                };
                Entry::Type {
                    name: text(body, name),
                    metric_type,
                }
            }
        };
        if self.c.peek() == Some(b'\n') {
            self.c.newline();
        }
        Ok(entry)
    }

    fn series(&mut self) -> Result<Entry<'_>, Error> {
        let start = self.c.i;
        self.labels.clear();
        let mut name = self.c.metric_name();
        let mut raw_end = self.c.i;
        if name.is_some() {
            self.c.skip_blanks();
        }
        if self.c.peek() == Some(b'{') {
            self.c.i += 1;
            self.c.labels(&mut name, &mut self.labels, RULES)?;
            raw_end = self.c.i;
        }
        let Some(name) = name else {
            return Err(self.c.error(format!(
                "metric name not set while parsing: {}",
                quote(&self.c.b[start..self.c.i])
            )));
        };
        self.c.skip_blanks();
        let value_start = self.c.i;
        while self
            .c
            .peek()
            .is_some_and(|c| !matches!(c, b'{' | b' ' | b'\t' | b'\n' | 0))
        {
            self.c.i += 1;
        }
        if self.c.i == value_start {
            return Err(self
                .c
                .unexpected("expected value after metric", value_start));
        }
        let value =
            parse_float(&self.c.b[value_start..self.c.i]).map_err(|e| self.c.while_parsing(e))?;
        self.c.skip_blanks();
        let mut timestamp = None;
        if self.c.peek().is_some_and(|c| c.is_ascii_digit()) {
            let ts_start = self.c.i;
            while self.c.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.c.i += 1;
            }
            let digits = &self.c.b[ts_start..self.c.i];
            let ts = std::str::from_utf8(digits)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| {
                    self.c
                        .while_parsing(format!("invalid timestamp {}", quote(digits)))
                })?;
            timestamp = Some(ts);
            self.end_line("expected next entry after timestamp")?;
        } else {
            self.end_line("expected timestamp or new record")?;
        }
        Ok(Entry::Series(Series {
            body: self.c.b,
            raw: &self.c.b[start..raw_end],
            name,
            labels: &self.labels,
            value,
            timestamp,
            exemplar: None,
        }))
    }
}
