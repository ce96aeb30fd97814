//! The metric metadata (`/api/v1/metadata`): the database stores none, so the
//! component keeps the last type, help and unit seen per family in the batches
//! appended to it (in memory; it is rebuilt as new batches arrive after a
//! restart, as Prometheus rebuilds its own from scrapes).

use model::metrics::{AppendError, Appender, Metadata, MetricType, MetricsBatch};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An appender that keeps the metadata of the batches it passes on.
pub struct MetadataRecorder {
    inner: Arc<dyn Appender>,
    store: Arc<MetadataStore>,
}

impl MetadataRecorder {
    pub fn new(inner: Arc<dyn Appender>, store: Arc<MetadataStore>) -> MetadataRecorder {
        MetadataRecorder { inner, store }
    }
}

impl Appender for MetadataRecorder {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        self.inner.append(batch)?;
        if !batch.metadata.is_empty() {
            self.store.record(&batch.metadata);
        }
        Ok(())
    }
}

/// The type, help and unit of one metric family.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyMetadata {
    pub metric_type: MetricType,
    pub help: String,
    pub unit: String,
}

/// Last metadata per family name, bounded by the number of families.
#[derive(Default)]
pub struct MetadataStore {
    families: RwLock<BTreeMap<String, FamilyMetadata>>,
}

impl MetadataStore {
    /// Keeps the metadata of an appended batch; unchanged entries cost a read lock only.
    pub fn record(&self, metadata: &[Metadata]) {
        let changed = |m: &Metadata, known: Option<&FamilyMetadata>| {
            known.is_none_or(|k| {
                k.metric_type != m.metric_type || k.help != m.help || k.unit != m.unit
            })
        };
        {
            let families = self.families.read();
            if !metadata.iter().any(|m| changed(m, families.get(&m.family))) {
                return;
            }
        }
        let mut families = self.families.write();
        for m in metadata {
            if changed(m, families.get(&m.family)) {
                families.insert(
                    m.family.clone(),
                    FamilyMetadata {
                        metric_type: m.metric_type,
                        help: m.help.clone(),
                        unit: m.unit.clone(),
                    },
                );
            }
        }
    }

    /// The families, sorted by name, optionally only `metric`.
    pub fn families(&self, metric: Option<&str>) -> Vec<(String, FamilyMetadata)> {
        let families = self.families.read();
        match metric {
            Some(name) => families
                .get(name)
                .map(|m| (name.to_string(), m.clone()))
                .into_iter()
                .collect(),
            None => families
                .iter()
                .map(|(n, m)| (n.clone(), m.clone()))
                .collect(),
        }
    }
}
