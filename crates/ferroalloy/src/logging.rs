//! ferroalloy's own logs, as the `logging` block asks: a level and a format
//! (`logfmt` or `json`, with Alloy's keys `ts`, `level`, `msg`), to stderr,
//! changed in place when a reload changes the block.

use runtime::services::LoggingArguments;
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Registry, reload};

/// Changes the level and format of the installed logger.
pub struct LogHandle {
    level: reload::Handle<LevelFilter, Layered<reload::Layer<Format, Registry>, Registry>>,
    format: reload::Handle<Format, Registry>,
}

/// Installs the logger with the `logging` block's defaults.
pub fn init() -> LogHandle {
    let (level, level_handle) = reload::Layer::new(LevelFilter::INFO);
    let (format, format_handle) = reload::Layer::new(Format::Logfmt);
    let fmt_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(FormatHandle(format_handle.clone()));
    tracing_subscriber::registry()
        .with(format)
        .with(level)
        .with(fmt_layer)
        .init();
    LogHandle {
        level: level_handle,
        format: format_handle,
    }
}

impl LogHandle {
    pub fn apply(&self, args: &LoggingArguments) {
        let level = match args.level.as_str() {
            "error" => LevelFilter::ERROR,
            "warn" => LevelFilter::WARN,
            "debug" => LevelFilter::DEBUG,
            _ => LevelFilter::INFO,
        };
        let format = if args.format == "json" {
            Format::Json
        } else {
            Format::Logfmt
        };
        let _ = self.level.reload(level);
        let _ = self.format.reload(format);
    }
}

/// How a log line is written.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Format {
    Logfmt,
    Json,
}

// The format is kept in a reloadable layer (which does nothing else) so the
// event formatter can read the current choice for every line.
impl<S: Subscriber> tracing_subscriber::Layer<S> for Format {}

struct FormatHandle(reload::Handle<Format, Registry>);

impl<S, N> FormatEvent<S, N> for FormatHandle
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let format = self.0.with_current(|f| *f).unwrap_or(Format::Logfmt);
        let mut ts = String::new();
        SystemTime.format_time(&mut Writer::new(&mut ts))?;
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = level_name(event.metadata().level());
        let mut pairs = vec![("ts", ts), ("level", level.to_string())];
        pairs.push(("msg", fields.message));
        pairs.extend(fields.others);
        match format {
            Format::Logfmt => {
                for (i, (key, value)) in pairs.iter().enumerate() {
                    let sep = if i == 0 { "" } else { " " };
                    write!(writer, "{sep}{key}={}", logfmt_value(value))?;
                }
            }
            Format::Json => {
                writer.write_char('{')?;
                for (i, (key, value)) in pairs.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    write!(writer, "{sep}{}:{}", json_string(key), json_string(value))?;
                }
                writer.write_char('}')?;
            }
        }
        writeln!(writer)
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        _ => "debug",
    }
}

/// A logfmt value: bare when it needs no quoting, else a quoted string.
fn logfmt_value(value: &str) -> String {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c > ' ' && c != '"' && c != '=' && c != '\\' && c != '\u{7f}');
    if bare {
        value.to_string()
    } else {
        json_string(value)
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The message and the other fields of an event, as text.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.others.push((field.name(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others.push((field.name(), format!("{value:?}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_quotes_only_when_needed() {
        assert_eq!(logfmt_value("127.0.0.1:12345"), "127.0.0.1:12345");
        assert_eq!(
            logfmt_value("now listening for http traffic"),
            "\"now listening for http traffic\""
        );
        assert_eq!(logfmt_value(""), "\"\"");
        assert_eq!(logfmt_value("a=b"), "\"a=b\"");
    }
}
