//! A bounded memo of relabelling results, for inputs that come back again and
//! again (the same targets on every discovery refresh, the same series on every
//! scrape).
//!
//! Two generations of at most half the capacity each: lookups hit either, a hit
//! in the old generation moves to the new one, and when the new one is full the
//! old one is thrown away. Recently used entries survive; memory stays bounded.

use crate::labels::Labels;
use std::collections::HashMap;

pub struct Cache {
    generation_size: usize,
    current: HashMap<Labels, Option<Labels>>,
    previous: HashMap<Labels, Option<Labels>>,
}

impl Cache {
    /// A cache of at most `capacity` entries (at least two).
    pub fn new(capacity: usize) -> Cache {
        Cache {
            generation_size: (capacity / 2).max(1),
            current: HashMap::new(),
            previous: HashMap::new(),
        }
    }

    /// The result for `input`, computed by `relabel` when not cached. `None`
    /// means the input was dropped.
    pub fn get_or_insert_with(
        &mut self,
        input: &Labels,
        relabel: impl FnOnce(&Labels) -> Option<Labels>,
    ) -> Option<Labels> {
        if let Some(result) = self.current.get(input) {
            return result.clone();
        }
        let result = match self.previous.remove(input) {
            Some(result) => result,
            None => relabel(input),
        };
        if self.current.len() >= self.generation_size {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(input.clone(), result.clone());
        result
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        self.current.clear();
        self.previous.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(i: usize) -> Labels {
        Labels::from_pairs([("i", i.to_string())])
    }

    #[test]
    fn bounded_and_keeps_recent_entries() {
        let mut cache = Cache::new(4);
        let mut computed = 0;
        for i in 0..100 {
            cache.get_or_insert_with(&labels(i), |l| {
                computed += 1;
                Some(l.clone())
            });
            assert!(cache.len() <= 4);
        }
        assert_eq!(computed, 100);
        // The most recent entry is still there.
        let hit = cache.get_or_insert_with(&labels(99), |_| panic!("cached"));
        assert_eq!(hit, Some(labels(99)));
        // Drops are remembered too.
        assert_eq!(cache.get_or_insert_with(&labels(500), |_| None), None);
        assert_eq!(
            cache.get_or_insert_with(&labels(500), |_| panic!("cached")),
            None
        );
        cache.clear();
        assert!(cache.is_empty());
    }
}
