//! Label sets derived once per query: a range query evaluates its tree at
//! every step, and the same input series come back each time, so grouping
//! keys, matching signatures and result label sets are computed on their
//! first appearance and reused.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
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

/// An input of a derivation: label sets, and the addresses they are at.
pub(crate) trait Input: Hash + Eq + Clone {
    type Address: Hash + Eq;
    fn address(&self) -> Self::Address;
}

impl Input for Arc<Labels> {
    type Address = *const Labels;
    fn address(&self) -> *const Labels {
        identity(self)
    }
}

impl Input for (Arc<Labels>, Arc<Labels>) {
    type Address = (*const Labels, *const Labels);
    fn address(&self) -> Self::Address {
        (identity(&self.0), identity(&self.1))
    }
}

/// One derivation (`input → f(input)`) remembered per input (a label set,
/// or a pair of them for a vector match); outputs are interned, so their
/// addresses identify them (see [`identity`]).
pub(crate) struct Derived<K: Input = Arc<Labels>> {
    outputs: FastMap<K, Arc<Labels>>,
    /// The same outputs by the address of the input first seen: stored
    /// series and interned sets come back at the same address every step,
    /// which is cheaper to hash than their labels. Only inputs held by
    /// `outputs` are here, so an address cannot be reused by another set.
    by_address: FastMap<K::Address, Arc<Labels>>,
    interner: Interner,
}

impl<K: Input> Default for Derived<K> {
    fn default() -> Derived<K> {
        Derived {
            outputs: FastMap::default(),
            by_address: FastMap::default(),
            interner: Interner::default(),
        }
    }
}

impl<K: Input> Derived<K> {
    pub fn get(&mut self, from: &K, f: impl FnOnce(&K) -> Labels) -> Arc<Labels> {
        if let Some(out) = self.by_address.get(&from.address()) {
            return out.clone();
        }
        if let Some(out) = self.outputs.get(from) {
            return out.clone();
        }
        let out = self.interner.intern(f(from));
        self.outputs.insert(from.clone(), out.clone());
        self.by_address.insert(from.address(), out.clone());
        out
    }
}

/// What one expression node derives from its inputs' label sets.
#[derive(Default)]
pub(crate) struct NodeLabels {
    /// Grouping keys of an aggregation, matching signatures of a binary operator.
    pub keys: Derived,
    /// Label sets without the metric name.
    pub unnamed: Derived,
    /// Result label sets of a vector match, per (matched, other side) pair.
    pub joined: Derived<(Arc<Labels>, Arc<Labels>)>,
}
