//! Postings: sorted lists of series references per label pair, and the
//! evaluation of matchers over them (Prometheus's `PostingsForMatchers`):
//! a matcher that cannot match the empty value unions the postings of the
//! values it matches; one that can (`a=""`, `a!="x"`, `a=~".*"`) selects by
//! subtracting the postings of the values it refuses, because series that
//! lack the label match it too.

use crate::matcher::{MatchType, Matcher};

/// What matcher evaluation needs from an index (head or block).
pub trait LabelIndex {
    /// The sorted references of the series with `name="value"`.
    fn postings(&self, name: &str, value: &str) -> Vec<u64>;
    /// The sorted references of every series.
    fn all_postings(&self) -> Vec<u64>;
    /// The values `name` takes, in any order.
    fn values(&self, name: &str) -> Vec<String>;
}

pub fn intersect(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The elements of `a` that are not in `b`.
pub fn subtract(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut j = 0;
    a.iter()
        .copied()
        .filter(|x| {
            while j < b.len() && b[j] < *x {
                j += 1;
            }
            j >= b.len() || b[j] != *x
        })
        .collect()
}

pub fn union(lists: Vec<Vec<u64>>) -> Vec<u64> {
    let mut all: Vec<u64> = lists.into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The postings of the values of `m.name` that `m` accepts (`wanted`) or refuses.
fn postings_where(index: &impl LabelIndex, m: &Matcher, wanted: bool) -> Vec<u64> {
    if m.kind == MatchType::Equal && wanted {
        return index.postings(&m.name, &m.value);
    }
    let lists = index
        .values(&m.name)
        .into_iter()
        .filter(|v| m.matches(v) == wanted)
        .map(|v| index.postings(&m.name, &v))
        .collect();
    union(lists)
}

/// The sorted references of the series every matcher accepts; no matchers
/// select every series.
pub fn select(index: &impl LabelIndex, matchers: &[Matcher]) -> Vec<u64> {
    let mut result: Option<Vec<u64>> = None;
    // Positive matchers first: they narrow the set cheaply.
    for m in matchers.iter().filter(|m| !m.matches_empty()) {
        let list = postings_where(index, m, true);
        result = Some(match result {
            Some(r) => intersect(&r, &list),
            None => list,
        });
        if result.as_ref().is_some_and(Vec::is_empty) {
            return Vec::new();
        }
    }
    let mut result = result.unwrap_or_else(|| index.all_postings());
    for m in matchers.iter().filter(|m| m.matches_empty()) {
        result = subtract(&result, &postings_where(index, m, false));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Series 1: a=1,b=x; 2: a=2; 3: a=1,b=y; 4: b=x.
    struct Fixed(BTreeMap<(String, String), Vec<u64>>);

    fn fixed() -> Fixed {
        let mut m = BTreeMap::new();
        for (n, v, refs) in [
            ("a", "1", vec![1, 3]),
            ("a", "2", vec![2]),
            ("b", "x", vec![1, 4]),
            ("b", "y", vec![3]),
        ] {
            m.insert((n.to_string(), v.to_string()), refs);
        }
        Fixed(m)
    }

    impl LabelIndex for Fixed {
        fn postings(&self, name: &str, value: &str) -> Vec<u64> {
            self.0
                .get(&(name.into(), value.into()))
                .cloned()
                .unwrap_or_default()
        }
        fn all_postings(&self) -> Vec<u64> {
            vec![1, 2, 3, 4]
        }
        fn values(&self, name: &str) -> Vec<String> {
            self.0
                .keys()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .collect()
        }
    }

    fn m(kind: MatchType, name: &str, value: &str) -> Matcher {
        Matcher::new(kind, name, value).unwrap()
    }

    #[test]
    fn set_operations() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 7, 9]), vec![3, 7]);
        assert_eq!(subtract(&[1, 3, 5, 7], &[3, 4, 7]), vec![1, 5]);
        assert_eq!(union(vec![vec![5, 1], vec![1, 2]]), vec![1, 2, 5]);
    }

    #[test]
    fn matchers_follow_prometheus_empty_value_semantics() {
        let idx = fixed();
        use MatchType::*;
        assert_eq!(select(&idx, &[m(Equal, "a", "1")]), vec![1, 3]);
        assert_eq!(
            select(&idx, &[m(Equal, "a", "1"), m(Equal, "b", "x")]),
            vec![1]
        );
        // Series without `b` match b="".
        assert_eq!(select(&idx, &[m(Equal, "b", "")]), vec![2]);
        assert_eq!(select(&idx, &[m(NotEqual, "b", "")]), vec![1, 3, 4]);
        assert_eq!(select(&idx, &[m(NotEqual, "a", "1")]), vec![2, 4]);
        assert_eq!(select(&idx, &[m(Regex, "b", "x|")]), vec![1, 2, 4]);
        assert_eq!(select(&idx, &[m(NotRegex, "a", ".+")]), vec![4]);
        assert_eq!(
            select(&idx, &[m(Regex, "a", ".+"), m(NotRegex, "b", "y")]),
            vec![1, 2]
        );
        assert_eq!(select(&idx, &[m(Equal, "c", "z")]), Vec::<u64>::new());
        assert_eq!(select(&idx, &[]), vec![1, 2, 3, 4]);
    }
}
