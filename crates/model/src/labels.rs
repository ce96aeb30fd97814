//! Label sets: name/value pairs sorted by name, each name once.
//!
//! A set lives in one allocation: a string of length-prefixed names and
//! values, so a typical series costs its text plus a few bytes instead of two
//! heap strings per label (an agent holds one set per active series).

use std::cmp::Ordering;
use std::fmt;

/// A set of labels, sorted by name with unique names, as Prometheus's
/// `labels.Labels`.
///
/// Stored as `len name len value …`, each length in base 64 with ASCII
/// digits (`0x40` marks that more digits follow, low digits first), so the
/// whole stays valid UTF-8 and is sliced without `unsafe`. Equality and
/// hashing of the encoding are those of the pairs (the encoding is
/// one-to-one); ordering compares the pairs.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Labels(Box<str>);

const MORE: u8 = 0x40;
const DIGIT: usize = 0x3f;

fn push_len(out: &mut String, mut len: usize) {
    loop {
        let digit = (len & DIGIT) as u8;
        len >>= 6;
        if len == 0 {
            out.push(char::from(digit));
            return;
        }
        out.push(char::from(digit | MORE));
    }
}

/// Reads a length written by `push_len` at the start of `rest`, advancing it.
fn take_len(rest: &mut &str) -> usize {
    let bytes = rest.as_bytes();
    let (mut len, mut shift, mut at) = (0usize, 0, 0);
    loop {
        let digit = bytes[at];
        at += 1;
        len |= usize::from(digit & DIGIT as u8) << shift;
        shift += 6;
        if digit & MORE == 0 {
            break;
        }
    }
    *rest = &rest[at..];
    len
}

/// Writes a set of `count` pairs, given in order.
struct Encoder(String);

impl Encoder {
    fn new(count: usize, capacity: usize) -> Encoder {
        let mut out = String::with_capacity(capacity + 2);
        if count > 0 {
            push_len(&mut out, count);
        }
        Encoder(out)
    }

    fn push(&mut self, name: &str, value: &str) {
        push_len(&mut self.0, name.len());
        self.0.push_str(name);
        push_len(&mut self.0, value.len());
        self.0.push_str(value);
    }

    fn finish(self) -> Labels {
        Labels(self.0.into_boxed_str())
    }
}

/// The pairs of a set, in name order.
#[derive(Clone)]
pub struct Iter<'a> {
    rest: &'a str,
    left: usize,
}

impl<'a> Iter<'a> {
    fn text(&mut self) -> &'a str {
        let len = take_len(&mut self.rest);
        let (text, rest) = self.rest.split_at(len);
        self.rest = rest;
        text
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let name = self.text();
        Some((name, self.text()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Room for the pairs' text and one-byte lengths.
fn text_len<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    pairs.map(|(n, v)| n.len() + v.len() + 2).sum()
}

impl Labels {
    pub fn new() -> Labels {
        Labels::default()
    }

    /// The labels of `pairs`; of repeated names the last value wins.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Labels {
        let mut pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(n, v)| (n.into(), v.into()))
            .collect();
        // Stable, so of equal names the last one given stays last.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let last_of_name = |i: usize| pairs.get(i + 1).is_none_or(|next| next.0 != pairs[i].0);
        let count = (0..pairs.len()).filter(|&i| last_of_name(i)).count();
        let mut out = Encoder::new(
            count,
            text_len(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        );
        for (i, (name, value)) in pairs.iter().enumerate() {
            if last_of_name(i) {
                out.push(name, value);
            }
        }
        out.finish()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        // Sorted by name: stop at the first greater one.
        for (n, v) in self.iter() {
            match n.cmp(name) {
                Ordering::Less => {}
                Ordering::Equal => return Some(v),
                Ordering::Greater => return None,
            }
        }
        None
    }

    /// The value of `name`, or the empty string when absent (Prometheus treats
    /// an absent label as an empty one).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Sets `name` to `value`, replacing an earlier value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        let replaces = self.get(&name).is_some();
        let count = self.len() + usize::from(!replaces);
        let mut out = Encoder::new(count, self.0.len() + name.len() + value.len() + 2);
        let mut placed = false;
        for (n, v) in self.iter() {
            if !placed && n >= name.as_str() {
                out.push(&name, &value);
                placed = true;
                if n == name {
                    continue;
                }
            }
            out.push(n, v);
        }
        if !placed {
            out.push(&name, &value);
        }
        *self = out.finish();
    }

    pub fn remove(&mut self, name: &str) -> Option<String> {
        let value = self.get(name)?.to_owned();
        self.retain(|n, _| n != name);
        Some(value)
    }

    /// Keeps only the labels for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        let kept: Vec<(&str, &str)> = self.iter().filter(|&(n, v)| keep(n, v)).collect();
        if kept.len() == self.len() {
            return;
        }
        let mut out = Encoder::new(kept.len(), text_len(kept.iter().copied()));
        for (n, v) in kept {
            out.push(n, v);
        }
        *self = out.finish();
    }

    pub fn iter(&self) -> Iter<'_> {
        let mut rest = &*self.0;
        let left = if rest.is_empty() {
            0
        } else {
            take_len(&mut rest)
        };
        Iter { rest, left }
    }

    pub fn len(&self) -> usize {
        self.iter().left
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Labels {
    fn cmp(&self, other: &Labels) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Labels) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(pairs: I) -> Labels {
        Labels::from_pairs(pairs)
    }
}

/// Prometheus's text form: `{a="1", b="2"}`, values quoted as Go quotes them.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={}", syntax::scanner::go_quote(value.as_bytes()))?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_names() {
        let mut labels = Labels::from_pairs([("b", "2"), ("a", "1"), ("b", "3")]);
        assert_eq!(labels.to_string(), r#"{a="1", b="3"}"#);
        labels.set("c", "4");
        assert_eq!(labels.remove("a").as_deref(), Some("1"));
        assert_eq!(labels.get("a"), None);
        assert_eq!(labels.value("a"), "");
        assert_eq!(labels.iter().collect::<Vec<_>>(), [("b", "3"), ("c", "4")]);
        labels.set("d", "\u{1}é\n");
        assert_eq!(labels.to_string(), r#"{b="3", c="4", d="\x01é\n"}"#);
        assert_eq!(labels.len(), 3);
        labels.retain(|_, v| v != "4");
        assert_eq!(labels.iter().len(), 2);
        labels.retain(|_, _| false);
        assert_eq!(labels, Labels::new());
        assert!(labels.is_empty());
    }

    #[test]
    fn long_texts_and_many_labels_round_trip() {
        let long = "x".repeat(70_000);
        let pairs: Vec<(String, String)> = (0..100)
            .map(|i| {
                (
                    format!("n{i:03}"),
                    if i == 7 { long.clone() } else { i.to_string() },
                )
            })
            .collect();
        let labels: Labels = pairs.iter().cloned().collect();
        assert_eq!(labels.len(), 100);
        let back: Vec<(String, String)> = labels
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(back, pairs);
        assert_eq!(labels.get("n007"), Some(long.as_str()));
        assert_eq!(labels.get("n0"), None);
    }

    #[test]
    fn ordering_compares_the_pairs() {
        let set = |pairs: &[(&str, &str)]| Labels::from_pairs(pairs.iter().copied());
        // Byte order of the encoding would put the longer name first.
        assert!(set(&[("a", "1")]) < set(&[("ab", "0")]));
        assert!(set(&[("a", "1")]) < set(&[("a", "1"), ("b", "")]));
        assert!(set(&[("a", "2")]) > set(&[("a", "10")]));
        assert_eq!(
            set(&[("a", "1"), ("b", "2")]),
            set(&[("b", "2"), ("a", "1")])
        );
        assert_eq!(Labels::from_pairs::<&str, &str>([]), Labels::new());
    }
}
