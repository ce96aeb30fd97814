//! A target's series cache: from the series text as the target wrote it to
//! its final label set, so a steady-state scrape looks series up by their
//! bytes and allocates no labels; and which series are live, so the ones that
//! disappear get staleness markers.

use hashbrown::HashTable;
use model::labels::Labels;
use std::hash::BuildHasher;
use std::sync::Arc;

type Hasher = foldhash::fast::RandomState;

/// An entry is found by two independent 64-bit hashes of the series text
/// instead of a copy of the text (most of a series' memory otherwise): with
/// randomly seeded hashers, two series of a target colliding on 128 bits is
/// not a practical concern.
struct Entry {
    key: [u64; 2],
    labels: Arc<Labels>,
    /// The scrape that last saw the series (wrapping; only compared for
    /// equality with the current one).
    seen: u32,
    /// Appended by the last successful scrape and not yet marked stale.
    live: bool,
    /// Whether disappearing makes the series stale (not for series with their
    /// own timestamps, unless `track_timestamps_staleness`).
    tracked: bool,
}

#[derive(Default)]
pub(crate) struct SeriesCache {
    entries: HashTable<Entry>,
    hashers: [Hasher; 2],
    scrape: u32,
}

impl SeriesCache {
    /// Starts a scrape.
    pub fn begin(&mut self) {
        self.scrape = self.scrape.wrapping_add(1);
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
        let key = self.hashers.each_ref().map(|h| h.hash_one(raw));
        if let Some(entry) = self.entries.find_mut(key[0], |e| e.key == key) {
            if entry.seen == scrape {
                return Ok(None);
            }
            entry.seen = scrape;
            entry.tracked = tracked;
            return Ok(Some(entry.labels.clone()));
        }
        let labels = Arc::new(make()?);
        let entry = Entry {
            key,
            labels: labels.clone(),
            seen: scrape,
            live: false,
            tracked,
        };
        self.entries.insert_unique(key[0], entry, |e| e.key[0]);
        Ok(Some(labels))
    }

    /// Ends a successful scrape: the series it saw are live; those live before
    /// and not seen now are handed to `stale` and forgotten.
    pub fn commit(&mut self, mut stale: impl FnMut(&Arc<Labels>)) {
        let scrape = self.scrape;
        self.entries.retain(|entry| {
            if entry.seen == scrape {
                entry.live = entry.tracked;
                return true;
            }
            if entry.live {
                stale(&entry.labels);
            }
            false
        });
        // Keep the table near the size of the live series after a shrink.
        if self.entries.capacity() > 2 * self.entries.len() + 64 {
            self.entries.shrink_to_fit(|e| e.key[0]);
        }
    }

    /// Ends a failed scrape, or the target: every live series is handed to
    /// `stale`.
    pub fn fail(&mut self, mut stale: impl FnMut(&Arc<Labels>)) {
        for entry in self.entries.iter_mut() {
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
