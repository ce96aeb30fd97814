//! Parsing throughput over real exposition bodies (`cargo bench -p
//! ferroalloy-textparse`); divan reports bytes per second.

use divan::counter::BytesCount;
use textparse::{Entry, Format, Parser};

fn main() {
    divan::main();
}

const INPUTS: &[&str] = &[
    "testdata/exporters/node-exporter.metrics.full.txt",
    "testdata/textparse/alltypes.237mfs.prom.txt",
];

/// Parses every entry and touches every label, as a scrape with a cold cache does.
fn parse_all(body: &[u8]) -> usize {
    let mut parser = Parser::new(body, Format::PrometheusText);
    let mut labels = 0;
    while let Some(entry) = parser.next().expect("benchmark input parses") {
        if let Entry::Series(series) = entry {
            labels += series
                .labels()
                .map(|(name, value)| name.len() + value.len())
                .sum::<usize>();
        }
    }
    labels
}

/// Parses every entry without materialising labels, as a scrape with a warm
/// series cache does.
fn parse_raw(body: &[u8]) -> usize {
    let mut parser = Parser::new(body, Format::PrometheusText);
    let mut bytes = 0;
    while let Some(entry) = parser.next().expect("benchmark input parses") {
        if let Entry::Series(series) = entry {
            bytes += series.raw.len();
        }
    }
    bytes
}

#[divan::bench(args = INPUTS)]
fn labels(bencher: divan::Bencher, input: &str) {
    let body = std::fs::read(testutil::shared(input)).expect("shared test data");
    bencher
        .counter(BytesCount::new(body.len()))
        .bench(|| parse_all(divan::black_box(&body)));
}

#[divan::bench(args = INPUTS)]
fn raw(bencher: divan::Bencher, input: &str) {
    let body = std::fs::read(testutil::shared(input)).expect("shared test data");
    bencher
        .counter(BytesCount::new(body.len()))
        .bench(|| parse_raw(divan::black_box(&body)));
}
