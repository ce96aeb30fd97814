//! Prometheus names for OTLP metrics and attributes (the OpenTelemetry
//! "Prometheus and OpenMetrics compatibility" rules, as the Collector's
//! `pkg/translator/prometheus` applies them).
//!
//! Only ASCII letters and digits survive: Prometheus 2.x refuses other
//! characters in metric and label names, so a name made here is always one
//! it takes.

/// The kind of metric a name is made for: only counters get `_total` and
/// only gauges `_ratio`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Counter,
    Gauge,
    Other,
}

/// UCUM units → Prometheus base-unit words; unknown units are kept as they are.
fn unit_word(unit: &str) -> &str {
    match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => "",
        "%" => "percent",
        other => other,
    }
}

/// The denominator of `a/b` units, in the singular (`By/s` → `bytes_per_second`).
fn per_unit_word(unit: &str) -> &str {
    match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        other => other,
    }
}

/// The runs of ASCII letters and digits in `text`.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// `text` with every run of other characters turned into one `_`.
fn clean_up(text: &str) -> String {
    tokens(text).collect::<Vec<_>>().join("_")
}

/// The unit's word to append, unless it is empty, an annotation (`{…}`) or
/// already one of the name's tokens.
fn unit_suffix(unit: &str, word: fn(&str) -> &str, name: &[&str]) -> Option<String> {
    let unit = unit.trim();
    if unit.is_empty() || unit.contains(['{', '}']) {
        return None;
    }
    let suffix = clean_up(word(unit));
    (!suffix.is_empty() && !name.contains(&suffix.as_str())).then_some(suffix)
}

/// The Prometheus name of a metric called `name` with `unit`. With
/// `add_suffixes` the name is normalised into `_`-separated words with unit,
/// `_total` (counters) and `_ratio` (gauges of unit `1`) suffixes; without it
/// only forbidden characters are replaced.
pub fn metric_name(name: &str, unit: &str, kind: NameKind, add_suffixes: bool) -> String {
    let mut joined = if add_suffixes {
        suffixed_name(name, unit, kind)
    } else {
        let mut out = String::with_capacity(name.len());
        let mut in_gap = false;
        for c in name.chars() {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                if in_gap && !out.is_empty() {
                    out.push('_');
                }
                in_gap = false;
                out.push(c);
            } else {
                in_gap = true;
            }
        }
        out
    };
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        joined.insert(0, '_');
    }
    joined
}

fn suffixed_name(name: &str, unit: &str, kind: NameKind) -> String {
    let mut words: Vec<&str> = tokens(name).collect();
    let (main, per) = match unit.split_once('/') {
        Some((main, per)) => (main, Some(per)),
        None => (unit, None),
    };
    let main_suffix = unit_suffix(main, unit_word, &words);
    let per_suffix = per.and_then(|per| unit_suffix(per, per_unit_word, &words));
    if let Some(suffix) = &main_suffix {
        words.push(suffix);
    }
    if let Some(suffix) = &per_suffix {
        words.push("per");
        words.push(suffix);
    }
    let last = match kind {
        NameKind::Counter => Some("total"),
        NameKind::Gauge if unit == "1" => Some("ratio"),
        _ => None,
    };
    if let Some(last) = last {
        words.retain(|w| *w != last);
        words.push(last);
    }
    words.join("_")
}

/// The Prometheus label name of an attribute key: other characters → `_`,
/// a leading digit gets `key_`, a single leading `_` gets `key` (`__` is
/// kept).
pub fn label_name(key: &str) -> String {
    if key.is_empty() {
        return String::new();
    }
    let mut label: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if label.starts_with(|c: char| c.is_ascii_digit()) {
        label.insert_str(0, "key_");
    } else if label.starts_with('_') && !label.starts_with("__") {
        label.insert_str(0, "key");
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;
    use NameKind::*;

    #[test]
    fn names_get_unit_and_type_suffixes() {
        let cases = [
            (
                "http.server.duration",
                "ms",
                Other,
                "http_server_duration_milliseconds",
            ),
            (
                "system.network.io",
                "By",
                Counter,
                "system_network_io_bytes_total",
            ),
            (
                "process.cpu.time",
                "s",
                Counter,
                "process_cpu_time_seconds_total",
            ),
            (
                "system.disk.io",
                "By/s",
                Gauge,
                "system_disk_io_bytes_per_second",
            ),
            ("requests", "{request}", Counter, "requests_total"),
            ("requests_total", "1", Counter, "requests_total"),
            ("cpu.utilization", "1", Gauge, "cpu_utilization_ratio"),
            ("cpu.ratio.used", "1", Gauge, "cpu_used_ratio"),
            ("heap", "1", Other, "heap"),
            ("latency_seconds", "s", Other, "latency_seconds"),
            ("temperature", "Cel", Gauge, "temperature_celsius"),
            ("throughput", "packets/{x}", Gauge, "throughput_packets"),
            ("rate", "1/s", Gauge, "rate_per_second"),
            ("disk", "%", Gauge, "disk_percent"),
            ("odd unit", "foo.bar", Gauge, "odd_unit_foo_bar"),
            ("2xx.responses", "", Counter, "_2xx_responses_total"),
            ("total.things", "", Counter, "things_total"),
            ("spaced ", " s ", Gauge, "spaced_seconds"),
        ];
        for (name, unit, kind, want) in cases {
            assert_eq!(metric_name(name, unit, kind, true), want, "{name} {unit}");
        }
    }

    #[test]
    fn without_suffixes_only_forbidden_characters_go() {
        assert_eq!(
            metric_name("http.server.duration", "ms", Other, false),
            "http_server_duration"
        );
        assert_eq!(metric_name("a:b__c", "s", Counter, false), "a:b__c");
        assert_eq!(metric_name("1st..x", "", Gauge, false), "_1st_x");
        assert_eq!(metric_name("ünits", "", Gauge, false), "nits");
    }

    #[test]
    fn label_names_are_sanitised() {
        let cases = [
            ("host.name", "host_name"),
            ("2 cents", "key_2_cents"),
            ("_name", "key_name"),
            ("__name", "__name"),
            ("http-method", "http_method"),
            ("", ""),
            ("dé", "d_"),
        ];
        for (key, want) in cases {
            assert_eq!(label_name(key), want, "{key}");
        }
    }
}
