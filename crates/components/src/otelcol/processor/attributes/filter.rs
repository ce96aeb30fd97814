//! The `include` / `exclude` blocks: which spans, log records and metrics the
//! actions apply to. Checked per signal in the Collector's words; strings match
//! exactly (`strict`) or by unanchored regular expression (`regexp`).

use super::value::{ConfigValue, get};
use model::otlp::Signal;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use regex::Regex;
use syntax::decode::Block;

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct MatchArgs {
    #[alloy(attr)]
    pub match_type: String,
    #[alloy(attr, optional)]
    pub services: Vec<String>,
    #[alloy(attr, optional)]
    pub span_names: Vec<String>,
    #[alloy(attr, optional)]
    pub span_kinds: Vec<String>,
    #[alloy(attr, optional)]
    pub log_bodies: Vec<String>,
    #[alloy(attr, optional)]
    pub log_severity_texts: Vec<String>,
    #[alloy(attr, optional)]
    pub metric_names: Vec<String>,
    #[alloy(block, optional, name = "attribute")]
    pub attributes: Vec<AttributeArgs>,
    #[alloy(block, optional, name = "resource")]
    pub resources: Vec<AttributeArgs>,
    #[alloy(block, optional, name = "library")]
    pub libraries: Vec<LibraryArgs>,
    #[alloy(block, optional)]
    pub log_severity: Option<SeverityArgs>,
    #[alloy(block, optional)]
    pub regexp: Option<RegexpArgs>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct AttributeArgs {
    #[alloy(attr)]
    pub key: String,
    #[alloy(attr, optional)]
    pub value: Option<ConfigValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct LibraryArgs {
    #[alloy(attr)]
    pub name: String,
    #[alloy(attr, optional)]
    pub version: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct SeverityArgs {
    #[alloy(attr)]
    pub min: String,
    #[alloy(attr)]
    pub match_undefined: bool,
}

/// Accepted for compatibility; compiled expressions are always kept.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct RegexpArgs {
    #[alloy(attr, optional)]
    pub cache_enabled: bool,
    #[alloy(attr, optional)]
    pub cache_max_num_entries: i64,
}

const SPAN_KINDS: [&str; 5] = [
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_CONSUMER",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_SERVER",
];

/// The OTLP name of a span kind, as filters match it.
fn span_kind_name(kind: i32) -> &'static str {
    match kind {
        1 => "SPAN_KIND_INTERNAL",
        2 => "SPAN_KIND_SERVER",
        3 => "SPAN_KIND_CLIENT",
        4 => "SPAN_KIND_PRODUCER",
        5 => "SPAN_KIND_CONSUMER",
        _ => "SPAN_KIND_UNSPECIFIED",
    }
}

/// The severity number of a level name (`INFO` = 9, `ERROR3` = 19).
fn severity_number(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let (base, rest) = [
        ("TRACE", 1),
        ("DEBUG", 5),
        ("INFO", 9),
        ("WARN", 13),
        ("ERROR", 17),
        ("FATAL", 21),
    ]
    .iter()
    .find_map(|(level, n)| upper.strip_prefix(level).map(|rest| (*n, rest)))?;
    let step = match rest {
        "" => 0,
        "2" => 1,
        "3" => 2,
        "4" => 3,
        _ => return None,
    };
    Some(base + step)
}

/// Names compared exactly or by regular expression.
#[derive(Debug)]
enum Patterns {
    Strict(Vec<String>),
    Regexp(Vec<Regex>),
}

impl Patterns {
    fn matches(&self, text: &str) -> bool {
        match self {
            Patterns::Strict(names) => names.iter().any(|n| n == text),
            Patterns::Regexp(res) => res.iter().any(|r| r.is_match(text)),
        }
    }
}

#[derive(Debug)]
struct AttributeMatch {
    key: String,
    value: Option<ValueMatch>,
}

#[derive(Debug)]
enum ValueMatch {
    Equal(Any),
    Regexp(Regex),
}

impl AttributeMatch {
    fn matches(&self, attributes: &[KeyValue]) -> bool {
        let Some(found) = get(attributes, &self.key) else {
            return false;
        };
        match &self.value {
            None => true,
            Some(ValueMatch::Equal(v)) => v == found,
            Some(ValueMatch::Regexp(re)) => {
                matches!(found, Any::StringValue(s) if re.is_match(s))
            }
        }
    }
}

#[derive(Debug)]
struct LibraryMatch {
    name: Patterns,
    version: Option<Patterns>,
}

/// A checked `include` or `exclude` block.
#[derive(Debug)]
pub struct Matcher {
    services: Option<Patterns>,
    span_names: Option<Patterns>,
    span_kinds: Option<Patterns>,
    log_bodies: Option<Patterns>,
    log_severity_texts: Option<Patterns>,
    /// Minimum severity and whether an undefined one matches.
    log_severity: Option<(i32, bool)>,
    metric_names: Option<Patterns>,
    attributes: Vec<AttributeMatch>,
    resources: Vec<AttributeMatch>,
    libraries: Vec<LibraryMatch>,
}

impl Matcher {
    /// Checks `args` for the signals the component forwards.
    pub fn new(args: &MatchArgs, signals: &[Signal]) -> Result<Matcher, String> {
        for signal in signals {
            check_for(args, *signal)?;
        }
        let regexp = match args.match_type.as_str() {
            "strict" => false,
            "regexp" => true,
            other => {
                return Err(format!(
                    "unrecognized match_type: '{other}', valid types are: [regexp strict]"
                ));
            }
        };
        let patterns = |names: &[String], what: &str| -> Result<Option<Patterns>, String> {
            if names.is_empty() {
                return Ok(None);
            }
            Ok(Some(if regexp {
                Patterns::Regexp(
                    names
                        .iter()
                        .map(|n| Regex::new(n))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("error creating {what} filters: {e}"))?,
                )
            } else {
                Patterns::Strict(names.to_vec())
            }))
        };
        let attribute_matches = |list: &[AttributeArgs],
                                 what: &str|
         -> Result<Vec<AttributeMatch>, String> {
            list.iter()
                .map(|a| {
                    let value = match &a.value {
                        None => None,
                        Some(ConfigValue::Str(s)) if regexp => Some(ValueMatch::Regexp(
                            Regex::new(s).map_err(|e| format!("error creating {what} filters: {e}"))?,
                        )),
                        Some(other) if regexp => {
                            return Err(format!(
                                "error creating {what} filters: match_type=regexp for {:?} only supports STRING, but found {}",
                                a.key,
                                other.type_name()
                            ));
                        }
                        Some(v) => Some(ValueMatch::Equal(v.to_any())),
                    };
                    Ok(AttributeMatch {
                        key: a.key.clone(),
                        value,
                    })
                })
                .collect()
        };
        let log_severity = match &args.log_severity {
            None => None,
            Some(s) => Some((
                severity_number(&s.min)
                    .ok_or_else(|| format!("unrecognized severity level {:?}", s.min))?,
                s.match_undefined,
            )),
        };
        Ok(Matcher {
            services: patterns(&args.services, "service name")?,
            span_names: patterns(&args.span_names, "span name")?,
            span_kinds: patterns(&args.span_kinds, "span kind")?,
            log_bodies: patterns(&args.log_bodies, "log body")?,
            log_severity_texts: patterns(&args.log_severity_texts, "log severity text")?,
            log_severity,
            metric_names: patterns(&args.metric_names, "metric name")?,
            attributes: attribute_matches(&args.attributes, "attribute")?,
            resources: attribute_matches(&args.resources, "resource")?,
            libraries: args
                .libraries
                .iter()
                .map(|l| {
                    Ok(LibraryMatch {
                        name: patterns(std::slice::from_ref(&l.name), "library")?
                            .expect("one name"),
                        version: match &l.version {
                            None => None,
                            Some(v) => patterns(std::slice::from_ref(v), "library")?,
                        },
                    })
                })
                .collect::<Result<_, String>>()?,
        })
    }

    /// Resource and scope conditions, shared by every signal.
    fn matches_origin(&self, resource: &[KeyValue], scope: Option<&InstrumentationScope>) -> bool {
        if !self.libraries.is_empty() {
            let (name, version) = scope.map_or(("", ""), |s| (s.name.as_str(), s.version.as_str()));
            let any = self.libraries.iter().any(|l| {
                l.name.matches(name) && l.version.as_ref().is_none_or(|v| v.matches(version))
            });
            if !any {
                return false;
            }
        }
        self.resources.iter().all(|m| m.matches(resource))
    }

    pub fn matches_span(
        &self,
        span: &Span,
        resource: &[KeyValue],
        scope: Option<&InstrumentationScope>,
    ) -> bool {
        if let Some(services) = &self.services {
            let service = match get(resource, "service.name") {
                Some(Any::StringValue(s)) => s.as_str(),
                _ => "",
            };
            if !services.matches(service) {
                return false;
            }
        }
        if self
            .span_names
            .as_ref()
            .is_some_and(|p| !p.matches(&span.name))
        {
            return false;
        }
        if self
            .span_kinds
            .as_ref()
            .is_some_and(|p| !p.matches(span_kind_name(span.kind)))
        {
            return false;
        }
        self.matches_origin(resource, scope)
            && self.attributes.iter().all(|m| m.matches(&span.attributes))
    }

    pub fn matches_log(
        &self,
        log: &LogRecord,
        resource: &[KeyValue],
        scope: Option<&InstrumentationScope>,
    ) -> bool {
        if let Some(bodies) = &self.log_bodies {
            let body = log
                .body
                .as_ref()
                .and_then(|b| b.value.as_ref())
                .map(super::value::as_string)
                .unwrap_or_default();
            if !bodies.matches(&body) {
                return false;
            }
        }
        if self
            .log_severity_texts
            .as_ref()
            .is_some_and(|p| !p.matches(&log.severity_text))
        {
            return false;
        }
        if let Some((min, match_undefined)) = self.log_severity {
            let ok = if log.severity_number == 0 {
                match_undefined
            } else {
                log.severity_number >= min
            };
            if !ok {
                return false;
            }
        }
        self.matches_origin(resource, scope)
            && self.attributes.iter().all(|m| m.matches(&log.attributes))
    }

    pub fn matches_metric(&self, name: &str, resource: &[KeyValue]) -> bool {
        if self.metric_names.as_ref().is_some_and(|p| !p.matches(name)) {
            return false;
        }
        self.resources.iter().all(|m| m.matches(resource))
    }
}

/// The Collector's per-signal checks of a match block.
fn check_for(args: &MatchArgs, signal: Signal) -> Result<(), String> {
    match signal {
        Signal::Traces => {
            let misplaced = [
                (!args.log_bodies.is_empty(), "log_bodies"),
                (!args.log_severity_texts.is_empty(), "log_severity_texts"),
                (args.log_severity.is_some(), "log_severity_number"),
                (!args.metric_names.is_empty(), "metric_names"),
            ];
            if let Some((_, name)) = misplaced.iter().find(|(set, _)| *set) {
                return Err(format!("{name} should not be specified for trace spans"));
            }
            if args.services.is_empty()
                && args.span_names.is_empty()
                && args.attributes.is_empty()
                && args.libraries.is_empty()
                && args.resources.is_empty()
                && args.span_kinds.is_empty()
            {
                return Err(r#"at least one of "attributes", "libraries",  or "resources" field must be specified"#.into());
            }
            if args.match_type == "strict"
                && let Some(kind) = args
                    .span_kinds
                    .iter()
                    .find(|k| !SPAN_KINDS.contains(&k.as_str()))
            {
                return Err(format!(
                    "span_kinds string must match one of the standard span kinds when match_type=strict: [{}] (got {kind:?})",
                    SPAN_KINDS.join(" ")
                ));
            }
        }
        Signal::Logs => {
            if !args.span_names.is_empty()
                || !args.services.is_empty()
                || !args.span_kinds.is_empty()
                || !args.metric_names.is_empty()
            {
                return Err("services, span_names, span_kinds and metric_names are not valid for log records".into());
            }
            if args.attributes.is_empty()
                && args.libraries.is_empty()
                && args.resources.is_empty()
                && args.log_bodies.is_empty()
                && args.log_severity_texts.is_empty()
                && args.log_severity.is_none()
            {
                return Err(r#"at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", "log_severity_texts" or "log_severity_number" field must be specified"#.into());
            }
        }
        Signal::Metrics => {
            if !args.log_bodies.is_empty()
                || !args.log_severity_texts.is_empty()
                || !args.span_names.is_empty()
                || !args.services.is_empty()
                || !args.span_kinds.is_empty()
                || !args.attributes.is_empty()
                || !args.libraries.is_empty()
                || args.log_severity.is_some()
            {
                return Err(r#""span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", "services", "attributes" and "libraries" are not valid for metrics"#.into());
            }
            if args.metric_names.is_empty() && args.resources.is_empty() {
                return Err(
                    r#"at least one of "metric_names" or "resources" field must be specified"#
                        .into(),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::str_kv as kv;
    use opentelemetry_proto::tonic::common::v1::AnyValue;

    fn span(name: &str, kind: i32, attributes: Vec<KeyValue>) -> Span {
        Span {
            name: name.into(),
            kind,
            attributes,
            ..Span::default()
        }
    }

    fn matcher(args: MatchArgs, signal: Signal) -> Matcher {
        Matcher::new(&args, &[signal]).unwrap()
    }

    #[test]
    fn spans_by_service_name_kind_attribute_and_library() {
        let resource = [kv("service.name", "checkout")];
        let scope = InstrumentationScope {
            name: "io.opentelemetry.http".into(),
            version: "1.2".into(),
            ..InstrumentationScope::default()
        };
        let strict = matcher(
            MatchArgs {
                match_type: "strict".into(),
                services: vec!["checkout".into()],
                span_kinds: vec!["SPAN_KIND_SERVER".into()],
                attributes: vec![AttributeArgs {
                    key: "env".into(),
                    value: Some(ConfigValue::Str("prod".into())),
                }],
                libraries: vec![LibraryArgs {
                    name: "io.opentelemetry.http".into(),
                    version: None,
                }],
                ..MatchArgs::default()
            },
            Signal::Traces,
        );
        let good = span("GET /", 2, vec![kv("env", "prod")]);
        assert!(strict.matches_span(&good, &resource, Some(&scope)));
        assert!(!strict.matches_span(
            &span("GET /", 3, vec![kv("env", "prod")]),
            &resource,
            Some(&scope)
        ));
        assert!(!strict.matches_span(
            &span("GET /", 2, vec![kv("env", "dev")]),
            &resource,
            Some(&scope)
        ));
        assert!(!strict.matches_span(&good, &[kv("service.name", "cart")], Some(&scope)));
        assert!(!strict.matches_span(&good, &resource, None));

        let regexp = matcher(
            MatchArgs {
                match_type: "regexp".into(),
                span_names: vec!["^GET".into()],
                resources: vec![AttributeArgs {
                    key: "service.name".into(),
                    value: Some(ConfigValue::Str("check".into())),
                }],
                ..MatchArgs::default()
            },
            Signal::Traces,
        );
        assert!(regexp.matches_span(&good, &resource, None), "unanchored");
        assert!(!regexp.matches_span(&span("POST /", 2, vec![]), &resource, None));
    }

    #[test]
    fn logs_by_body_severity_and_text() {
        let m = matcher(
            MatchArgs {
                match_type: "regexp".into(),
                log_bodies: vec!["timeout".into()],
                log_severity: Some(SeverityArgs {
                    min: "WARN".into(),
                    match_undefined: true,
                }),
                ..MatchArgs::default()
            },
            Signal::Logs,
        );
        let log = |body: &str, severity| LogRecord {
            body: Some(AnyValue {
                value: Some(Any::StringValue(body.into())),
            }),
            severity_number: severity,
            ..LogRecord::default()
        };
        assert!(m.matches_log(&log("db timeout", 17), &[], None));
        assert!(
            m.matches_log(&log("db timeout", 0), &[], None),
            "undefined matches"
        );
        assert!(
            !m.matches_log(&log("db timeout", 9), &[], None),
            "INFO < WARN"
        );
        assert!(!m.matches_log(&log("ok", 17), &[], None));
        let texts = matcher(
            MatchArgs {
                match_type: "strict".into(),
                log_severity_texts: vec!["error".into()],
                ..MatchArgs::default()
            },
            Signal::Logs,
        );
        let mut record = log("x", 0);
        record.severity_text = "error".into();
        assert!(texts.matches_log(&record, &[], None));
        assert_eq!(severity_number("FATAL4"), Some(24));
        assert_eq!(severity_number("info"), Some(9));
        assert_eq!(severity_number("LOUD"), None);
    }

    #[test]
    fn metrics_by_name_and_resource() {
        let m = matcher(
            MatchArgs {
                match_type: "strict".into(),
                metric_names: vec!["http.duration".into()],
                ..MatchArgs::default()
            },
            Signal::Metrics,
        );
        assert!(m.matches_metric("http.duration", &[]));
        assert!(!m.matches_metric("rpc.duration", &[]));
    }

    #[test]
    fn checks_per_signal_in_the_collectors_words() {
        let err = |args: MatchArgs, signal| Matcher::new(&args, &[signal]).unwrap_err();
        let bodies = MatchArgs {
            match_type: "strict".into(),
            log_bodies: vec!["x".into()],
            ..MatchArgs::default()
        };
        assert_eq!(
            err(bodies.clone(), Signal::Traces),
            "log_bodies should not be specified for trace spans"
        );
        assert_eq!(
            err(bodies, Signal::Metrics),
            r#""span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", "services", "attributes" and "libraries" are not valid for metrics"#
        );
        let services = MatchArgs {
            match_type: "strict".into(),
            services: vec!["x".into()],
            ..MatchArgs::default()
        };
        assert_eq!(
            err(services.clone(), Signal::Logs),
            "services, span_names, span_kinds and metric_names are not valid for log records"
        );
        assert_eq!(
            err(
                MatchArgs {
                    match_type: "fuzzy".into(),
                    ..services
                },
                Signal::Traces
            ),
            "unrecognized match_type: 'fuzzy', valid types are: [regexp strict]"
        );
        let int_regexp = MatchArgs {
            match_type: "regexp".into(),
            attributes: vec![AttributeArgs {
                key: "key".into(),
                value: Some(ConfigValue::Int(1)),
            }],
            ..MatchArgs::default()
        };
        assert_eq!(
            err(int_regexp, Signal::Traces),
            "error creating attribute filters: match_type=regexp for \"key\" only supports STRING, but found INT"
        );
    }
}
