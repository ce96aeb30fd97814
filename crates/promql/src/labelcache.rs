//! Label sets derived once per query: a range query evaluates its tree at
//! every step, and the same input series come back each time, so grouping
//! keys, matching signatures and result label sets are computed on their
//! first appearance and reused.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use model::labels::Labels;

pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// The identity of an interned label set: equal contents, equal addresses.
pub(crate) fn identity(labels: &Arc<Labels>) -> *const Labels {
    Arc::as_ptr(labels)
}

/// Label sets shared by content, so that a derived set is stored once.
#[derive(Default)]
pub(crate) struct Interner {
    sets: FastSet<Arc<Labels>>,
}

impl Interner {
    pub fn intern(&mut self, labels: Labels) -> Arc<Labels> {
        if let Some(known) = self.sets.get(&labels) {
            return known.clone();
        }
        let labels = Arc::new(labels);
        self.sets.insert(labels.clone());
        labels
    }
}

/// One derivation (`labels → f(labels)`) remembered per input label set;
/// outputs are interned, so their addresses identify them (see [`identity`]).
#[derive(Default)]
pub(crate) struct Derived {
    outputs: FastMap<Arc<Labels>, Arc<Labels>>,
    interner: Interner,
}

impl Derived {
    pub fn get(&mut self, from: &Arc<Labels>, f: impl FnOnce(&Labels) -> Labels) -> Arc<Labels> {
        if let Some(out) = self.outputs.get(from) {
            return out.clone();
        }
        let out = self.interner.intern(f(from));
        self.outputs.insert(from.clone(), out.clone());
        out
    }
}
