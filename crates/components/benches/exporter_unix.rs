//! `prometheus.exporter.unix`: the time to collect and render one scrape of
//! this machine with the default collectors, buffers warm (the steady state of
//! a scraped exporter), and of a cold scraper built for the scrape.

use components::prometheus::exporter::unix::{Arguments, Scraper};

// Counts allocations, so the report shows what one scrape allocates.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

#[divan::bench]
fn scrape_warm(bencher: divan::Bencher) {
    let mut scraper = Scraper::new(&Arguments::default()).expect("default arguments");
    scraper.scrape();
    bencher.bench_local(|| scraper.scrape().len());
}

#[divan::bench]
fn scrape_cold(bencher: divan::Bencher) {
    bencher.bench_local(|| {
        let mut scraper = Scraper::new(&Arguments::default()).expect("default arguments");
        scraper.scrape().len()
    });
}
