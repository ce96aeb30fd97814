//! A target's series cache: from the series text as the target wrote it to
//! its final label set, so a steady-state scrape looks series up by their
//! bytes and allocates no labels; and which series are live, so the ones that
//! disappear get staleness markers.

use model::labels::Labels;
use std::collections::HashMap;
use std::sync::Arc;

struct Entry {
    labels: Arc<Labels>,
    /// The scrape that last saw the series.
    seen: u64,
    /// Appended by the last successful scrape and not yet marked stale.
    live: bool,
    /// Whether disappearing makes the series stale (not for series with their
    /// own timestamps, unless `track_timestamps_staleness`).
    tracked: bool,
}

#[derive(Default)]
pub(crate) struct SeriesCache {
    entries: HashMap<Box<[u8]>, Entry, foldhash::fast::RandomState>,
    scrape: u64,
}

impl SeriesCache {
    /// Starts a scrape.
    pub fn begin(&mut self) {
        self.scrape += 1;
    }

    /// The labels of the series written as `raw`, building them with `make`
    /// (which may refuse the series) the first time; `None` when the scrape
    /// already had this series (Prometheus drops such duplicates).
    pub fn labels<E>(
        &mut self,
        raw: &[u8],
        tracked: bool,
        make: impl FnOnce() -> Result<Labels, E>,
    ) -> Result<Option<Arc<Labels>>, E> {
        let scrape = self.scrape;
        if let Some(entry) = self.entries.get_mut(raw) {
            if entry.seen == scrape {
                return Ok(None);
            }
            entry.seen = scrape;
            entry.tracked = tracked;
            return Ok(Some(entry.labels.clone()));
        }
        let labels = Arc::new(make()?);
        self.entries.insert(
            raw.into(),
            Entry {
                labels: labels.clone(),
                seen: scrape,
                live: false,
                tracked,
            },
        );
        Ok(Some(labels))
    }

    /// Ends a successful scrape: the series it saw are live; those live before
    /// and not seen now are handed to `stale` and forgotten.
    pub fn commit(&mut self, mut stale: impl FnMut(&Arc<Labels>)) {
        let scrape = self.scrape;
        self.entries.retain(|_, entry| {
            if entry.seen == scrape {
                entry.live = entry.tracked;
                return true;
            }
            if entry.live {
                stale(&entry.labels);
            }
            false
        });
    }

    /// Ends a failed scrape, or the target: every live series is handed to
    /// `stale`.
    pub fn fail(&mut self, mut stale: impl FnMut(&Arc<Labels>)) {
        for entry in self.entries.values_mut() {
            if entry.live {
                stale(&entry.labels);
                entry.live = false;
            }
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(cache: &mut SeriesCache, series: &[&str]) -> Vec<String> {
        cache.begin();
        for raw in series {
            cache
                .labels::<()>(raw.as_bytes(), true, || {
                    Ok(Labels::from_pairs([("__name__", *raw)]))
                })
                .unwrap();
        }
        let mut stale = Vec::new();
        cache.commit(|l| stale.push(l.value("__name__").to_owned()));
        stale
    }

    #[test]
    fn disappearing_series_go_stale_once() {
        let mut cache = SeriesCache::default();
        assert!(scrape(&mut cache, &["a", "b"]).is_empty());
        assert_eq!(scrape(&mut cache, &["a"]), ["b"]);
        assert!(scrape(&mut cache, &["a"]).is_empty());
        assert_eq!(cache.len(), 1);
        cache.begin();
        let mut stale = Vec::new();
        cache.fail(|l| stale.push(l.value("__name__").to_owned()));
        assert_eq!(stale, ["a"]);
        cache.fail(|_| panic!("already stale"));
    }

    #[test]
    fn hits_reuse_the_label_set_and_duplicates_are_refused() {
        let mut cache = SeriesCache::default();
        cache.begin();
        let first = cache
            .labels::<()>(b"a", true, || Ok(Labels::from_pairs([("__name__", "a")])))
            .unwrap()
            .unwrap();
        let duplicate = cache.labels::<()>(b"a", true, || panic!("cached"));
        assert_eq!(duplicate, Ok(None));
        cache.begin();
        let again = cache
            .labels::<()>(b"a", true, || panic!("cached"))
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
    }
}
