//! The shared parser inputs (`testdata/textparse`, `testdata/exporters`):
//! Prometheus's own accept/reject tables and real exporter scrapes.

use std::collections::BTreeSet;
use textparse::{Entry, Error, Format, MetricType, Parser};

/// A parsed sample, owned: name, labels, value, timestamp.
type OwnedSeries = (String, Vec<(String, String)>, f64, Option<i64>);

/// Everything a parse produced, owned, for assertions.
#[derive(Debug, Default)]
struct Parsed {
    series: Vec<OwnedSeries>,
    exemplars: usize,
    types: Vec<(String, MetricType)>,
    helps: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

fn parse(body: &[u8], format: Format) -> Result<Parsed, Error> {
    let mut parser = Parser::new(body, format);
    let mut parsed = Parsed::default();
    while let Some(entry) = parser.next()? {
        match entry {
            Entry::Series(s) => {
                let labels = s
                    .labels()
                    .map(|(n, v)| (n.into_owned(), v.into_owned()))
                    .collect();
                parsed.exemplars += usize::from(s.exemplar.is_some());
                parsed
                    .series
                    .push((s.name().into_owned(), labels, s.value, s.timestamp));
            }
            Entry::Type { name, metric_type } => {
                parsed.types.push((name.into_owned(), metric_type))
            }
            Entry::Help { name, text } => parsed.helps.push((name.into_owned(), text.into_owned())),
            Entry::Unit { name, unit } => parsed.units.push((name.into_owned(), unit.into_owned())),
            Entry::Comment(_) => {}
        }
    }
    Ok(parsed)
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            n |= u32::from(*d) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

struct Case {
    test: String,
    input: Vec<u8>,
    should_fail: bool,
}

fn cases(file: &str) -> Vec<Case> {
    let path = testutil::shared(&format!("testdata/textparse/{file}"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for (test, table) in json.as_object().unwrap() {
        if let Some(valid) = table.get("valid_input").filter(|v| !v.is_null()) {
            out.push(Case {
                test: format!("{test}/valid_input"),
                input: decode_base64(valid["b64"].as_str().unwrap()),
                should_fail: false,
            });
        }
        for (i, case) in table["cases"].as_array().into_iter().flatten().enumerate() {
            out.push(Case {
                test: format!("{test}/{i}"),
                input: decode_base64(case["input"]["b64"].as_str().unwrap()),
                should_fail: case["should_fail"].as_bool().unwrap(),
            });
        }
    }
    out
}

fn check_cases(file: &str, format: Format, expected_cases: usize) {
    let cases = cases(file);
    assert_eq!(cases.len(), expected_cases, "{file}: number of cases");
    let mut wrong = Vec::new();
    for case in &cases {
        let result = parse(&case.input, format);
        if result.is_err() != case.should_fail {
            wrong.push(format!(
                "{}: {:?} -> {:?}",
                case.test,
                String::from_utf8_lossy(&case.input),
                result.map(|p| p.series.len())
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn prometheus_text_cases() {
    // 2 valid inputs + 18 errors + 9 NUL-byte cases.
    check_cases("promparse_cases.json", Format::PrometheusText, 29);
}

#[test]
fn openmetrics_cases() {
    // 2 valid inputs + 70 error cases + 12 NUL-byte cases.
    check_cases("openmetricsparse_cases.json", Format::OpenMetrics, 84);
}

fn valid_input(file: &str, test: &str) -> Vec<u8> {
    cases(file)
        .into_iter()
        .find(|c| c.test == format!("{test}/valid_input"))
        .unwrap()
        .input
}

#[test]
fn prometheus_text_valid_input_content() {
    let parsed = parse(
        &valid_input("promparse_cases.json", "TestPromParse"),
        Format::PrometheusText,
    )
    .unwrap();
    let find = |name: &str, label: (&str, &str)| {
        parsed
            .series
            .iter()
            .find(|(n, l, ..)| n == name && l.contains(&(label.0.into(), label.1.into())))
            .unwrap_or_else(|| panic!("{name} {label:?}"))
    };
    assert_eq!(
        find("go_gc_duration_seconds", ("quantile", "0.25")).2,
        7.424100000000001e-05
    );
    // Labels without a comma between them (text format only).
    let s = find("go_gc_duration_seconds", ("quantile", "2.0"));
    assert_eq!(
        s.1,
        [("quantile".into(), "2.0".into()), ("a".into(), "b".into())]
    );
    let goroutines = find_by_name(&parsed, "go_goroutines");
    assert_eq!((goroutines.2, goroutines.3), (33.0, Some(123123)));
    assert_eq!(find("testmetric", ("label", "\"bar\"")).2, 1.0);
    assert_eq!(find("null_byte_metric", ("a", "abc\0")).2, 1.0);
    assert!(
        parsed
            .types
            .contains(&("go_gc_duration_seconds".into(), MetricType::Summary))
    );
    assert!(parsed.helps.contains(&("nohelp1".into(), String::new())));
    assert!(parsed.helps.contains(&("metric".into(), "foo\0bar".into())));
    assert_eq!(parsed.series.len(), 27);
}

fn find_by_name<'p>(parsed: &'p Parsed, name: &str) -> &'p OwnedSeries {
    parsed.series.iter().find(|s| s.0 == name).unwrap()
}

#[test]
fn utf8_names() {
    let parsed = parse(
        &valid_input("promparse_cases.json", "TestUTF8PromParse"),
        Format::PrometheusText,
    )
    .unwrap();
    let last = parsed.series.last().unwrap();
    assert_eq!(
        last.0,
        "Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}"
    );
    assert_eq!(
        last.1,
        [("strange©™\n'quoted' \"name\"".into(), "6".into())]
    );
    assert_eq!(
        find_by_name(&parsed, "go.gc_duration_seconds_count").2,
        99.0
    );

    let om = parse(
        &valid_input("openmetricsparse_cases.json", "TestOpenMetricsParse_UTF8"),
        Format::OpenMetrics,
    )
    .unwrap();
    let reordered = &om.series[6];
    assert_eq!(reordered.0, "http.status");
    assert_eq!(
        reordered.1,
        [("q".into(), "0.9".into()), ("a".into(), "b".into())]
    );
    assert_eq!(om.exemplars, 2);
}

#[test]
fn openmetrics_valid_input_content() {
    let body = valid_input("openmetricsparse_cases.json", "TestOpenMetricsParse");
    let mut parser = Parser::new(&body, Format::OpenMetrics);
    let mut exemplars = Vec::new();
    let mut created = None;
    while let Some(entry) = parser.next().unwrap() {
        if let Entry::Series(s) = entry {
            if let Some(e) = &s.exemplar {
                let labels: Vec<_> = e.labels().map(|(n, v)| format!("{n}={v}")).collect();
                exemplars.push((
                    s.name().into_owned(),
                    labels.join(","),
                    e.value,
                    e.timestamp,
                ));
            }
            if s.name() == "foo_total" && s.labels().len() == 0 {
                assert_eq!(s.timestamp, Some(1520879607789));
            }
            if s.name() == "foo_created" && s.labels().len() == 0 {
                created = Some(s.value);
            }
        }
    }
    assert_eq!(created, Some(1520872607.123));
    assert!(exemplars.contains(&(
        "ggh_bucket".into(),
        "id=gaugehistogram-bucket-test,xx=yy".into(),
        4.0,
        Some(123123)
    )));
    assert!(exemplars.contains(&(
        "hhh_bucket".into(),
        "id=histogram-bucket-test".into(),
        4.0,
        None
    )));
    assert_eq!(exemplars.len(), 8);

    let parsed = parse(&body, Format::OpenMetrics).unwrap();
    assert!(
        parsed
            .units
            .contains(&("go_gc_duration_seconds".into(), "seconds".into()))
    );
    assert!(
        parsed
            .helps
            .contains(&("help2".into(), "escape \\ \n \\ \" \\x chars".into()))
    );
    assert!(parsed.types.contains(&("ss".into(), MetricType::StateSet)));
    assert!(parsed.types.contains(&("ii".into(), MetricType::Info)));
    assert!(
        parsed
            .types
            .contains(&("gh".into(), MetricType::GaugeHistogram))
    );
    let nan = parsed.series.iter().find(|s| s.0 == "nansum").unwrap();
    assert_eq!(nan.2.to_bits(), textparse::NORMAL_NAN_BITS);
}

#[test]
fn errors_name_the_line_and_the_problem() {
    let err = parse(b"ok 1\nok 2\na{\xff=\"foo\"} 1\n", Format::PrometheusText).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.message.starts_with("expected label name, got \"\\xff"),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("line 3: expected label name"),
        "{err}"
    );
    let err = parse(b"a 1\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.message, "data does not end with # EOF");
    let err = parse(b"# TYPE c  counter\n# EOF\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.message, "invalid metric type \" counter\"");
    let err = parse(b"# UNIT m suffix\n# EOF\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.message, "unit \"suffix\" not a suffix of metric \"m\"");
    let err = parse(b"a 1 NaN\n# EOF\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.message, "invalid timestamp NaN");
    let err = parse(b"# EOF\na 1", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.message, "unexpected data after # EOF");
}

#[test]
fn exemplar_size_limit() {
    let long = "x".repeat(127);
    let body = format!("a_total 1 # {{ab=\"{long}\"}} 1\nb_total 1 # {{a=\"{long}\"}} 1\n# EOF\n");
    let mut parser = Parser::new(body.as_bytes(), Format::OpenMetrics);
    let mut too_long = Vec::new();
    while let Some(Entry::Series(s)) = parser.next().unwrap() {
        too_long.push(s.exemplar.unwrap().too_long());
    }
    assert_eq!(too_long, [true, false]);
}

#[test]
fn testdata_txt_files_parse_fully() {
    for (file, format) in [
        ("alltypes.237mfs.prom.txt", Format::PrometheusText),
        ("alltypes.237mfs.nometa.prom.txt", Format::PrometheusText),
        ("promtestdata.v2.42.txt", Format::PrometheusText),
        ("promtestdata.nometa.v2.42.txt", Format::PrometheusText),
        ("alltypes.5mfs.om.txt", Format::OpenMetrics),
        ("1histogram.om.txt", Format::OpenMetrics),
    ] {
        let body = std::fs::read(testutil::shared(&format!("testdata/textparse/{file}"))).unwrap();
        let parsed = parse(&body, format).unwrap_or_else(|e| panic!("{file}: {e}"));
        let lines = body
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
            .count();
        assert!(lines > 0, "{file}");
        assert_eq!(parsed.series.len(), lines, "{file}");
    }
}

/// Every real exporter scrape parses to the sample count and the metric
/// families documented in `testdata/exporters/README.md`.
#[test]
fn exporter_scrapes_match_their_families() {
    for (exporter, samples, families) in [
        ("node-exporter", 507, 283),
        ("redis-exporter", 271, 158),
        ("postgres-exporter", 554, 341),
        ("mongodb-exporter", 45, 37),
        ("pushgateway", 55, 41),
        ("prometheus", 469, 202),
    ] {
        let dir = testutil::shared("testdata/exporters");
        let body = std::fs::read(dir.join(format!("{exporter}.metrics.full.txt"))).unwrap();
        let parsed =
            parse(&body, Format::PrometheusText).unwrap_or_else(|e| panic!("{exporter}: {e}"));
        assert_eq!(parsed.series.len(), samples, "{exporter} samples");
        let listed: BTreeSet<String> =
            std::fs::read_to_string(dir.join(format!("{exporter}.metric-families.txt")))
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect();
        let ours: BTreeSet<String> = parsed
            .types
            .iter()
            .map(|(name, t)| {
                let t = match t {
                    MetricType::Counter => "counter",
                    MetricType::Gauge => "gauge",
                    MetricType::Histogram => "histogram",
                    MetricType::Summary => "summary",
                    _ => "untyped",
                };
                format!("{name} {t}")
            })
            .collect();
        assert_eq!(ours.len(), families, "{exporter} families");
        assert_eq!(ours, listed, "{exporter} families");
        // Every sample belongs to a declared family (name or name + suffix).
        for (name, ..) in &parsed.series {
            let family = ["_bucket", "_sum", "_count", "_total", ""]
                .iter()
                .filter_map(|suffix| name.strip_suffix(suffix))
                .any(|f| parsed.types.iter().any(|(n, _)| n == f));
            assert!(family, "{exporter}: {name} has no family");
        }
    }
}

/// Truncations and byte flips of every input: the parsers must end, with an
/// entry stream or an error, and never panic.
#[test]
fn mutated_inputs_never_panic() {
    let mut inputs: Vec<(Vec<u8>, Format)> = Vec::new();
    for (file, format) in [
        ("promparse_cases.json", Format::PrometheusText),
        ("openmetricsparse_cases.json", Format::OpenMetrics),
    ] {
        inputs.extend(cases(file).into_iter().map(|c| (c.input, format)));
    }
    let om = std::fs::read(testutil::shared("testdata/textparse/alltypes.5mfs.om.txt")).unwrap();
    inputs.push((om, Format::OpenMetrics));
    let replacements = [
        b'\0', b'\n', b' ', b'"', b'\\', b'{', b'}', b'#', b',', b'=', 0xff,
    ];
    let mut runs = 0;
    for (input, format) in &inputs {
        for at in 0..input.len().min(400) {
            for other in [Format::PrometheusText, Format::OpenMetrics] {
                let _ = parse(&input[..at], other);
            }
            for &byte in &replacements {
                let mut mutated = input.clone();
                mutated[at] = byte;
                let _ = parse(&mutated, *format);
                runs += 1;
            }
        }
    }
    assert!(runs > 10_000, "{runs}");
}
