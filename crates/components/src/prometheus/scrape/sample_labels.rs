//! The label set of a scraped series: the exposed labels merged with the
//! target's (`honor_labels`, `exported_` prefixes) and checked against the
//! label limits and the name validation scheme, in Prometheus's words.

use model::labels::Labels;
use textparse::Series;

/// The label limits; 0 means unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LabelLimits {
    pub labels: usize,
    pub name_length: usize,
    pub value_length: usize,
}

/// How label sets are built; a change invalidates the cached ones.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LabelRules {
    pub honor_labels: bool,
    pub limits: LabelLimits,
    /// `metric_name_validation_scheme = "legacy"`: names must be
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (metrics) and `[a-zA-Z_][a-zA-Z0-9_]*`
    /// (labels), else the scrape fails.
    pub legacy_names: bool,
}

/// The final labels of `series` scraped from a target labelled `target`.
pub(crate) fn series_labels(
    series: &Series<'_>,
    target: &Labels,
    rules: LabelRules,
) -> Result<Labels, String> {
    let mut labels = Labels::from_pairs(
        std::iter::once((std::borrow::Cow::Borrowed("__name__"), series.name()))
            .chain(series.labels())
            .map(|(n, v)| (n.into_owned(), v.into_owned())),
    );
    merge_target_labels(&mut labels, target, rules.honor_labels);
    labels.retain(|_, value| !value.is_empty());
    if rules.legacy_names && !legacy_names(&labels) {
        return Err(format!("invalid metric name or label names: {labels}"));
    }
    check_limits(&labels, rules.limits)?;
    Ok(labels)
}

fn legacy_names(labels: &Labels) -> bool {
    let name = |text: &str, colons: bool| {
        let mut bytes = text.bytes();
        let ok = |c: u8| c.is_ascii_alphabetic() || c == b'_' || (colons && c == b':');
        bytes.next().is_some_and(ok) && bytes.all(|c| ok(c) || c.is_ascii_digit())
    };
    name(labels.value("__name__"), true) && labels.iter().all(|(label, _)| name(label, false))
}

/// With `honor_labels` the exposed value wins; otherwise the target's does
/// and a clashing exposed label is kept as `exported_<name>` (prefixed again
/// while that name is taken too).
pub(crate) fn merge_target_labels(labels: &mut Labels, target: &Labels, honor_labels: bool) {
    if honor_labels {
        for (name, value) in target.iter() {
            if labels.value(name).is_empty() {
                labels.set(name, value);
            }
        }
        return;
    }
    let mut conflicts = Vec::new();
    for (name, value) in target.iter() {
        let exposed = labels.value(name);
        if !exposed.is_empty() {
            conflicts.push((name.to_owned(), exposed.to_owned()));
        }
        labels.set(name, value);
    }
    conflicts.sort_by_key(|(name, _)| name.len());
    for (name, value) in conflicts {
        let mut exported = format!("exported_{name}");
        while !labels.value(&exported).is_empty() {
            exported.insert_str(0, "exported_");
        }
        labels.set(exported, value);
    }
}

fn check_limits(labels: &Labels, limits: LabelLimits) -> Result<(), String> {
    let metric: String = labels.value("__name__").chars().take(50).collect();
    if limits.labels > 0 && labels.len() > limits.labels {
        return Err(format!(
            "label_limit exceeded (metric: {metric}, number of labels: {}, limit: {})",
            labels.len(),
            limits.labels
        ));
    }
    for (name, value) in labels.iter() {
        if limits.name_length > 0 && name.len() > limits.name_length {
            let shown: String = name.chars().take(50).collect();
            return Err(format!(
                "label_name_length_limit exceeded (metric: {metric}, label name: {shown}, length: {}, limit: {})",
                name.len(),
                limits.name_length
            ));
        }
        if limits.value_length > 0 && value.len() > limits.value_length {
            let shown: String = value.chars().take(50).collect();
            return Err(format!(
                "label_value_length_limit exceeded (metric: {metric}, label name: {name}, value: {shown:?}, length: {}, limit: {})",
                value.len(),
                limits.value_length
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use textparse::{Entry, Format, Parser};

    fn labels_of(line: &str, honor_labels: bool, limits: LabelLimits) -> Result<String, String> {
        let rules = LabelRules {
            honor_labels,
            limits,
            legacy_names: true,
        };
        let target = Labels::from_pairs([("job", "j"), ("instance", "i:1")]);
        let mut parser = Parser::new(line.as_bytes(), Format::PrometheusText);
        let Some(Entry::Series(series)) = parser.next().unwrap() else {
            panic!("a series")
        };
        series_labels(&series, &target, rules).map(|l| l.to_string())
    }

    #[test]
    fn target_labels_win_unless_honored() {
        let line = r#"m{job="mine",exported_job="x",a=""} 1"#;
        assert_eq!(
            labels_of(line, false, LabelLimits::default()).unwrap(),
            r#"{__name__="m", exported_exported_job="mine", exported_job="x", instance="i:1", job="j"}"#
        );
        assert_eq!(
            labels_of(line, true, LabelLimits::default()).unwrap(),
            r#"{__name__="m", exported_job="x", instance="i:1", job="mine"}"#
        );
    }

    #[test]
    fn legacy_validation_refuses_utf8_names() {
        assert_eq!(
            labels_of(r#"{"my.metric", a="1"} 1"#, false, LabelLimits::default()).unwrap_err(),
            r#"invalid metric name or label names: {__name__="my.metric", a="1", instance="i:1", job="j"}"#
        );
        assert!(labels_of(r#"{"m", "a.b"="1"} 1"#, false, LabelLimits::default()).is_err());
        assert!(labels_of(r#"a:b_c{d_e="1"} 1"#, false, LabelLimits::default()).is_ok());
    }

    #[test]
    fn limits_fail_with_prometheus_messages() {
        let limits = |labels, name_length, value_length| LabelLimits {
            labels,
            name_length,
            value_length,
        };
        assert_eq!(
            labels_of(r#"m{a="1"} 1"#, false, limits(3, 0, 0)).unwrap_err(),
            "label_limit exceeded (metric: m, number of labels: 4, limit: 3)"
        );
        assert_eq!(
            labels_of(r#"m{long_name="1"} 1"#, false, limits(0, 8, 0)).unwrap_err(),
            "label_name_length_limit exceeded (metric: m, label name: long_name, length: 9, limit: 8)"
        );
        assert_eq!(
            labels_of(r#"m{a="toolong"} 1"#, false, limits(0, 0, 5)).unwrap_err(),
            r#"label_value_length_limit exceeded (metric: m, label name: a, value: "toolong", length: 7, limit: 5)"#
        );
        assert!(labels_of(r#"m{a="1"} 1"#, false, limits(4, 9, 3)).is_ok());
    }
}
