//! The controller's own metrics, with Alloy's names, and the merging of every
//! component's metrics into one exposition.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub struct ControllerMetrics {
    registry: Registry,
    pub last_load_successful: Gauge,
    pub load_failures: Counter,
    /// By `health_type`: healthy, unhealthy, unknown, exited.
    pub running_components: Family<Vec<(String, String)>, Gauge>,
    pub evaluation_seconds: Histogram,
}

impl ControllerMetrics {
    pub fn new() -> ControllerMetrics {
        let mut registry = Registry::default();
        let last_load_successful = Gauge::default();
        registry.register(
            "alloy_config_last_load_successful",
            "Config loaded successfully.",
            last_load_successful.clone(),
        );
        let load_failures = Counter::default();
        registry.register(
            "alloy_config_load_failures",
            "Config failed to load.",
            load_failures.clone(),
        );
        let running_components = Family::<Vec<(String, String)>, Gauge>::default();
        registry.register(
            "alloy_component_controller_running_components",
            "Total number of running components.",
            running_components.clone(),
        );
        let evaluation_seconds = Histogram::new(exponential_buckets(0.0001, 4.0, 10));
        registry.register(
            "alloy_component_evaluation_seconds",
            "Time spent performing component evaluation.",
            evaluation_seconds.clone(),
        );
        ControllerMetrics {
            registry,
            last_load_successful,
            load_failures,
            running_components,
            evaluation_seconds,
        }
    }

    /// Records the result of a configuration load.
    pub fn record_load(&self, ok: bool) {
        self.last_load_successful.set(i64::from(ok));
        if !ok {
            self.load_failures.inc();
        }
    }

    /// Sets the number of components in each health state.
    pub fn set_running(&self, counts: &[(&str, i64)]) {
        for (health, count) in counts {
            self.running_components
                .get_or_create(&vec![("health_type".to_string(), health.to_string())])
                .set(*count);
        }
    }

    pub fn encode(&self) -> String {
        encode(&self.registry)
    }
}

/// A registry in the text format, without `# EOF`.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode_registry(&mut out, registry);
    out
}

/// Joins expositions so each metric family appears once: components of the same
/// type register the same families, which must not repeat their `# HELP` and
/// `# TYPE` lines.
pub fn merge_families<'a>(expositions: impl IntoIterator<Item = &'a str>) -> String {
    let mut families: Vec<(String, Vec<&str>, Vec<&str>)> = Vec::new();
    let mut current = None;
    for line in expositions.into_iter().flat_map(str::lines) {
        if let Some(rest) = line.strip_prefix("# ") {
            let name = rest.split_whitespace().nth(1).unwrap_or_default();
            let index = match families.iter().position(|f| f.0 == name) {
                Some(i) => i,
                None => {
                    families.push((name.to_string(), Vec::new(), Vec::new()));
                    families.len() - 1
                }
            };
            if !families[index].1.contains(&line) {
                families[index].1.push(line);
            }
            current = Some(index);
        } else if let Some(index) = current {
            families[index].2.push(line);
        }
    }
    let mut out = String::new();
    for (_, header, samples) in families {
        for line in header.into_iter().chain(samples) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_merge_across_registries() {
        let a = "# HELP x_total X.\n# TYPE x_total counter\nx_total{component_id=\"a\"} 1\n";
        let b = "# HELP x_total X.\n# TYPE x_total counter\nx_total{component_id=\"b\"} 2\n# HELP y Y.\n# TYPE y gauge\ny 3\n";
        assert_eq!(
            merge_families([a, b]),
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{component_id=\"a\"} 1\nx_total{component_id=\"b\"} 2\n# HELP y Y.\n# TYPE y gauge\ny 3\n"
        );
    }
}
