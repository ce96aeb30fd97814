//! The metric metadata of a target's scrapes (TYPE, HELP, UNIT per family),
//! collected in reused buffers and handed on only when it changed, so a
//! steady-state scrape neither allocates nor resends it.

use model::metrics::{Metadata, MetricType};

/// The metadata of one scrape, built in reused buffers, and handed on only
/// when it differs from what was last sent.
#[derive(Default)]
pub(crate) struct MetadataTracker {
    current: Vec<Metadata>,
    len: usize,
    sent: Vec<Metadata>,
}

impl MetadataTracker {
    pub fn begin(&mut self) {
        self.len = 0;
    }

    /// The entry of `family`: the last one when the family continues, else a
    /// fresh (reused) one.
    pub fn family(&mut self, family: &str) -> &mut Metadata {
        let continues = self.len > 0 && self.current[self.len - 1].family == family;
        if !continues {
            if self.len == self.current.len() {
                self.current.push(Metadata::default());
            }
            let entry = &mut self.current[self.len];
            entry.family.clear();
            entry.family.push_str(family);
            entry.help.clear();
            entry.unit.clear();
            entry.metric_type = MetricType::Unknown;
            self.len += 1;
        }
        &mut self.current[self.len - 1]
    }

    pub fn changed(&mut self) -> Option<Vec<Metadata>> {
        let current = &self.current[..self.len];
        if current == self.sent.as_slice() {
            return None;
        }
        self.sent = current.to_vec();
        Some(self.sent.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_again_only_after_a_change() {
        let mut tracker = MetadataTracker::default();
        let scrape = |tracker: &mut MetadataTracker, help: &str| {
            tracker.begin();
            tracker.family("a").metric_type = MetricType::Counter;
            tracker.family("a").help.push_str(help);
            tracker.family("b").unit.push_str("seconds");
            tracker.changed()
        };
        let first = scrape(&mut tracker, "A.").unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(
            (first[0].help.as_str(), first[1].unit.as_str()),
            ("A.", "seconds")
        );
        assert_eq!(scrape(&mut tracker, "A."), None);
        assert_eq!(
            scrape(&mut tracker, "Changed.").unwrap()[0].help,
            "Changed."
        );
    }
}
