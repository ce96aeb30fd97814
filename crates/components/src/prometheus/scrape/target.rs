//! From a discovered target to what a scrape loop needs: the URL to fetch and
//! the labels every scraped series gets, as Prometheus's `PopulateLabels`
//! computes them (without target relabelling, which Alloy leaves to
//! `discovery.relabel`).

use model::labels::Labels;
use model::target::Target;
use std::collections::BTreeMap;
use std::time::Duration;
use syntax::decode::{GoDuration, parse_go_duration};

/// What the component's arguments contribute to every target.
pub(crate) struct TargetDefaults<'a> {
    pub job: &'a str,
    pub scheme: &'a str,
    pub metrics_path: &'a str,
    pub params: &'a BTreeMap<String, Vec<String>>,
    pub interval: GoDuration,
    pub timeout: GoDuration,
}

/// A target ready to scrape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ScrapeTarget {
    /// The target as discovered, for the debug info.
    pub discovered: Target,
    /// `job`, `instance` and the target's other public labels: what every
    /// scraped series and the synthetic series carry.
    pub labels: Labels,
    pub url: reqwest::Url,
    /// `host:port`, which is also how in-memory addresses are looked up.
    pub address: String,
    /// Identifies the target across updates (labels and URL), and spreads
    /// scrape times.
    pub hash: u64,
    /// `__scrape_interval__` and `__scrape_timeout__`, which a target may set
    /// to differ from the component's.
    pub interval: Duration,
    pub timeout: Duration,
}

const ADDRESS: &str = "__address__";
const SCHEME: &str = "__scheme__";
const METRICS_PATH: &str = "__metrics_path__";
const PARAM_PREFIX: &str = "__param_";
const SCRAPE_INTERVAL: &str = "__scrape_interval__";
const SCRAPE_TIMEOUT: &str = "__scrape_timeout__";

impl ScrapeTarget {
    pub fn new(target: &Target, defaults: &TargetDefaults<'_>) -> Result<ScrapeTarget, String> {
        let mut labels = target.clone();
        let mut set_default = |name: &str, value: &str| {
            if labels.get(name).is_none() {
                labels.set(name, value);
            }
        };
        set_default("job", defaults.job);
        set_default(SCHEME, defaults.scheme);
        set_default(METRICS_PATH, defaults.metrics_path);
        set_default(SCRAPE_INTERVAL, &defaults.interval.to_string());
        set_default(SCRAPE_TIMEOUT, &defaults.timeout.to_string());
        for (name, values) in defaults.params {
            if let Some(first) = values.first() {
                set_default(&format!("{PARAM_PREFIX}{name}"), first);
            }
        }
        let address = labels.value(ADDRESS).to_owned();
        if address.is_empty() {
            return Err("no address".to_owned());
        }
        if labels.value("instance").is_empty() {
            labels.set("instance", address.clone());
        }
        let (interval, timeout) = interval_and_timeout(&labels)?;
        let url = target_url(&labels, &address, defaults.params)?;
        labels.retain(|name, value| !name.starts_with("__") && !value.is_empty());
        let hash = fnv1a(
            labels
                .iter()
                .flat_map(|(n, v)| [n, v])
                .chain([url.as_str()]),
        );
        Ok(ScrapeTarget {
            discovered: target.clone(),
            labels,
            url,
            address,
            hash,
            interval,
            timeout,
        })
    }
}

/// The target's own scrape interval and timeout, checked as Prometheus does.
fn interval_and_timeout(labels: &Labels) -> Result<(Duration, Duration), String> {
    let read = |name: &str, what: &str| {
        let text = labels.value(name);
        let duration = parse_go_duration(text)
            .map_err(|e| format!("error parsing scrape {what}: {e}"))?
            .to_std()
            .ok_or_else(|| format!("error parsing scrape {what}: negative duration {text:?}"))?;
        if duration.is_zero() {
            return Err(format!("scrape {what} cannot be 0"));
        }
        Ok(duration)
    };
    let interval = read(SCRAPE_INTERVAL, "interval")?;
    let timeout = read(SCRAPE_TIMEOUT, "timeout")?;
    if timeout > interval {
        return Err(format!(
            "scrape timeout cannot be greater than scrape interval ({:?} > {:?})",
            labels.value(SCRAPE_TIMEOUT),
            labels.value(SCRAPE_INTERVAL)
        ));
    }
    Ok((interval, timeout))
}

/// `scheme://address/path?params`, where a `__param_<name>` label replaces the
/// first value of that parameter.
fn target_url(
    labels: &Labels,
    address: &str,
    params: &BTreeMap<String, Vec<String>>,
) -> Result<reqwest::Url, String> {
    let scheme = labels.value(SCHEME);
    let path = labels.value(METRICS_PATH);
    let mut url = reqwest::Url::parse(&format!("{scheme}://{address}{path}"))
        .map_err(|e| format!("invalid target URL {scheme}://{address}{path}: {e}"))?;
    let mut params = params.clone();
    for (name, value) in labels.iter() {
        if let Some(param) = name.strip_prefix(PARAM_PREFIX) {
            let values = params.entry(param.to_owned()).or_default();
            match values.first_mut() {
                Some(first) => *first = value.to_owned(),
                None => values.push(value.to_owned()),
            }
        }
    }
    if !params.is_empty() {
        let mut query = url.query_pairs_mut();
        for (name, values) in &params {
            for value in values {
                query.append_pair(name, value);
            }
        }
    }
    Ok(url)
}

/// FNV-1a over `parts`, each followed by a separator byte: stable across
/// processes, unlike the std hasher, so the same target keeps its slot.
pub(crate) fn fnv1a<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain([&0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(params: &BTreeMap<String, Vec<String>>) -> TargetDefaults<'_> {
        TargetDefaults {
            job: "prometheus.scrape.default",
            scheme: "http",
            metrics_path: "/metrics",
            params,
            interval: GoDuration::from_secs(60),
            timeout: GoDuration::from_secs(10),
        }
    }

    #[test]
    fn job_instance_url_and_dropped_internal_labels() {
        let params = BTreeMap::from([("module".to_owned(), vec!["a".to_owned(), "b".to_owned()])]);
        let target = Labels::from_pairs([
            ("__address__", "127.0.0.1:9100"),
            ("__meta_x", "m"),
            ("__param_module", "override"),
            ("env", "prod"),
            ("empty", ""),
        ]);
        let t = ScrapeTarget::new(&target, &defaults(&params)).unwrap();
        assert_eq!(
            t.labels.to_string(),
            r#"{env="prod", instance="127.0.0.1:9100", job="prometheus.scrape.default"}"#
        );
        assert_eq!(
            t.url.as_str(),
            "http://127.0.0.1:9100/metrics?module=override&module=b"
        );

        let custom = Labels::from_pairs([
            ("__address__", "h:1"),
            ("__scheme__", "https"),
            ("__metrics_path__", "/m"),
            ("job", "j"),
            ("instance", "i"),
        ]);
        let t = ScrapeTarget::new(&custom, &defaults(&BTreeMap::new())).unwrap();
        assert_eq!(t.url.as_str(), "https://h:1/m");
        assert_eq!(t.labels.to_string(), r#"{instance="i", job="j"}"#);

        assert_eq!(
            (t.interval, t.timeout),
            (Duration::from_secs(60), Duration::from_secs(10))
        );

        let err = ScrapeTarget::new(&Labels::from_pairs([("a", "b")]), &defaults(&params));
        assert_eq!(err.unwrap_err(), "no address");
    }

    #[test]
    fn targets_may_set_their_interval_and_timeout() {
        let params = BTreeMap::new();
        let with = |interval: &str, timeout: &str| {
            let labels = Labels::from_pairs([
                ("__address__", "h:1"),
                ("__scrape_interval__", interval),
                ("__scrape_timeout__", timeout),
            ]);
            ScrapeTarget::new(&labels, &defaults(&params)).map(|t| (t.interval, t.timeout))
        };
        assert_eq!(
            with("15s", "5s"),
            Ok((Duration::from_secs(15), Duration::from_secs(5)))
        );
        assert_eq!(
            with("5s", "15s"),
            Err(
                "scrape timeout cannot be greater than scrape interval (\"15s\" > \"5s\")"
                    .to_owned()
            )
        );
        assert_eq!(
            with("0s", "0s"),
            Err("scrape interval cannot be 0".to_owned())
        );
        assert!(
            with("soon", "1s")
                .unwrap_err()
                .starts_with("error parsing scrape interval: ")
        );
    }
}
