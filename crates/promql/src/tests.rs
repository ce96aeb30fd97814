//! Engine behaviours the upstream suite does not cover: limits, matcher
//! anchoring, range-query result types and the storage's windows.

use std::time::Duration;

use model::labels::Labels;

use crate::storage::{MemoryQuerier, MemoryStorage, Querier};
use crate::{Engine, EngineOptions, LabelMatcher, MatchKind, QueryError, Value};

fn storage() -> MemoryQuerier {
    let mut s = MemoryStorage::new();
    for (name, path) in [("a", "/x"), ("b", "/x\ny")] {
        let labels = Labels::from_pairs([
            ("__name__", "requests_total"),
            ("job", name),
            ("path", path),
        ]);
        for i in 0..=20 {
            s.append(&labels, i * 15_000, i as f64).unwrap();
        }
    }
    s.into_querier()
}

#[test]
fn out_of_order_samples_are_refused() {
    let mut s = MemoryStorage::new();
    let labels = Labels::from_pairs([("__name__", "m")]);
    s.append(&labels, 10, 1.0).unwrap();
    assert!(s.append(&labels, 10, 2.0).is_err());
    assert!(s.append(&labels, 5, 2.0).is_err());
}

#[test]
fn select_cuts_the_window_and_lists_labels() {
    let q = storage();
    let job_a = [LabelMatcher::new("job", MatchKind::Equal("a".into()))];
    let series = q.select(&job_a, 30_000, 60_000);
    assert_eq!(series.len(), 1);
    assert_eq!(
        series[0].samples.iter().map(|s| s.0).collect::<Vec<_>>(),
        [30_000, 45_000, 60_000]
    );
    assert_eq!(q.label_names(&[]), ["__name__", "job", "path"]);
    assert_eq!(q.label_values("job", &[]), ["a", "b"]);
    assert_eq!(q.label_values("path", &job_a), ["/x"]);
}

#[test]
fn regex_matchers_are_anchored_and_dot_matches_newline() {
    let engine = Engine::new(EngineOptions::default());
    let q = storage();
    let count = |query: &str| match engine.instant(&q, query, 300_000).unwrap().value {
        Value::Vector(v) => v.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(count(r#"requests_total{path=~"/x.*"}"#), 2);
    assert_eq!(count(r#"requests_total{path=~"x"}"#), 0);
    assert_eq!(count(r#"requests_total{path!~"/x"}"#), 1);
}

#[test]
fn too_many_samples_fail_with_prometheus_message() {
    let engine = Engine::new(EngineOptions {
        max_samples: 10,
        ..EngineOptions::default()
    });
    let err = engine
        .instant(&storage(), "requests_total[5m]", 300_000)
        .unwrap_err();
    assert_eq!(err, QueryError::TooManySamples);
    assert_eq!(
        err.to_string(),
        "query processing would load too many samples into memory in query execution"
    );
}

#[test]
fn range_results_count_against_the_sample_limit() {
    // 2 series × 21 steps of output, at most 2 samples read per step.
    let limited = |max_samples| {
        Engine::new(EngineOptions {
            max_samples,
            ..EngineOptions::default()
        })
        .range(&storage(), "requests_total", 0, 300_000, 15_000)
    };
    assert_eq!(limited(41).unwrap_err(), QueryError::TooManySamples);
    assert!(limited(42).is_ok());
}

#[test]
fn an_exhausted_time_budget_is_a_timeout() {
    let engine = Engine::new(EngineOptions {
        timeout: Duration::ZERO,
        ..EngineOptions::default()
    });
    let err = engine
        .range(&storage(), "requests_total", 0, 300_000, 15_000)
        .unwrap_err();
    assert_eq!(err, QueryError::Timeout);
}

#[test]
fn range_queries_refuse_range_vectors_and_strings() {
    let engine = Engine::new(EngineOptions::default());
    let err = engine
        .range(&storage(), "requests_total[5m]", 0, 60_000, 15_000)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
    );
    assert!(matches!(
        engine.range(&storage(), "\"x\"", 0, 60_000, 15_000),
        Err(QueryError::Execution(_))
    ));
}

#[test]
fn rate_of_a_non_counter_name_is_annotated() {
    let mut s = MemoryStorage::new();
    let labels = Labels::from_pairs([("__name__", "temperature")]);
    for i in 0..=20 {
        s.append(&labels, i * 15_000, i as f64).unwrap();
    }
    let result = Engine::new(EngineOptions::default())
        .instant(&s.into_querier(), "rate(temperature[1m])", 300_000)
        .unwrap();
    assert_eq!(
        result.infos,
        [
            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"temperature\""
        ]
    );
}

/// A range query's per-step state (sliding windows, derived label sets)
/// must give what separate instant queries give at each step, also with
/// steps that jump further than the windows slide and with gaps in the data.
#[test]
fn range_steps_agree_with_instant_queries() {
    let mut s = MemoryStorage::new();
    for (job, every) in [("a", 15_000), ("b", 40_000)] {
        let labels = Labels::from_pairs([("__name__", "requests_total"), ("job", job)]);
        let mut t = 0;
        while t <= 3_600_000 {
            // A gap of ten minutes: the lookback and the windows run dry.
            if !(1_200_000..1_800_000).contains(&t) {
                s.append(&labels, t, t as f64 / 1000.0).unwrap();
            }
            t += every;
        }
    }
    let q = s.into_querier();
    let engine = Engine::new(EngineOptions::default());
    for query in [
        "requests_total",
        "rate(requests_total[2m])",
        "sum by (job) (rate(requests_total[5m]))",
        "rate(requests_total[1m]) * on (job) group_left requests_total",
        "max_over_time(rate(requests_total[1m])[10m:1m])",
    ] {
        for step in [10_000, 60_000, 700_000] {
            let Value::Matrix(range) = engine.range(&q, query, 0, 3_600_000, step).unwrap().value
            else {
                panic!("{query}: not a matrix");
            };
            let mut t = 0;
            while t <= 3_600_000 {
                let Value::Vector(instant) = engine.instant(&q, query, t).unwrap().value else {
                    panic!("{query}: not a vector");
                };
                for sample in &instant {
                    let series = range
                        .iter()
                        .find(|s| s.metric == sample.metric)
                        .unwrap_or_else(|| panic!("{query} at {t}: {} missing", sample.metric));
                    let point = series.points.iter().find(|p| p.0 == t);
                    assert_eq!(
                        point.map(|p| p.1),
                        Some(sample.v),
                        "{query} at {t} step {step}"
                    );
                }
                let in_range = range.iter().filter(|s| s.points.iter().any(|p| p.0 == t));
                assert_eq!(
                    in_range.count(),
                    instant.len(),
                    "{query} at {t} step {step}"
                );
                t += step;
            }
        }
    }
}
