//! `discovery.relabel`: rewrites targets with relabelling rules and exports the
//! result and the rules. `__meta_*` and other `__` labels stay in the output;
//! consumers drop them later.

use model::relabel::{self, Cache, Rule, Rules};
use model::target::Target;
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use std::sync::Arc;
use syntax::decode::Block;
use tokio_util::sync::CancellationToken;

/// How many relabelled targets are remembered; discovery re-sends the same
/// targets on every refresh, so their results are reused.
const CACHE_SIZE: usize = 10_000;

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Arguments {
    #[alloy(attr)]
    pub targets: Vec<Target>,
    #[alloy(block, optional, name = "rule")]
    pub rules: Vec<Rule>,
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Exports {
    #[alloy(attr)]
    pub output: Vec<Target>,
    #[alloy(attr)]
    pub rules: Rules,
}

pub struct DiscoveryRelabel {
    opts: Options,
    /// The rules the cache's results were computed with, and the cache.
    cache: Mutex<(Rules, Cache)>,
}

impl DiscoveryRelabel {
    fn relabel(&self, args: Arguments) {
        let rules = Rules(args.rules.into());
        let mut guard = self.cache.lock();
        let (cached_rules, cache) = &mut *guard;
        if *cached_rules != rules {
            cache.clear();
            *cached_rules = rules.clone();
        }
        let output = args
            .targets
            .iter()
            .filter_map(|target| {
                cache.get_or_insert_with(target, |target| {
                    let mut labels = target.clone();
                    relabel::process(&mut labels, &rules.0).then_some(labels)
                })
            })
            .collect();
        self.opts.export(&Exports { output, rules });
    }
}

impl Component for DiscoveryRelabel {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<DiscoveryRelabel, String> {
        let component = DiscoveryRelabel {
            opts,
            cache: Mutex::new((Rules::default(), Cache::new(CACHE_SIZE))),
        };
        component.relabel(args);
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.relabel(args);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{field, options};
    use model::labels::Labels;
    use syntax::decode::Codec;
    use syntax::value::Value;

    fn target(pairs: &[(&str, &str)]) -> Target {
        Labels::from_pairs(pairs.iter().copied())
    }

    fn output(exports: &Value) -> Vec<Target> {
        Vec::<Target>::decode(field(exports, "output")).unwrap()
    }

    #[test]
    fn relabels_and_filters_targets() {
        let keep_prod = Rule {
            source_labels: vec!["env".into()],
            regex: relabel::Regex::new("prod").unwrap(),
            action: relabel::Action::Keep,
            ..Rule::default()
        };
        let host = Rule {
            source_labels: vec!["__address__".into()],
            regex: relabel::Regex::new("(.*):\\d+").unwrap(),
            target_label: "host".into(),
            ..Rule::default()
        };
        let args = Arguments {
            targets: vec![
                target(&[("__address__", "a:1"), ("env", "prod"), ("__meta_x", "m")]),
                target(&[("__address__", "b:2"), ("env", "dev")]),
            ],
            rules: vec![keep_prod.clone(), host.clone()],
        };
        let (opts, exports) = options("discovery.relabel.prod");
        let component = DiscoveryRelabel::build(opts, args.clone()).unwrap();
        let last = exports.last().unwrap();
        assert_eq!(
            output(&last),
            [target(&[
                ("__address__", "a:1"),
                ("__meta_x", "m"),
                ("env", "prod"),
                ("host", "a")
            ])]
        );
        assert_eq!(
            Rules::decode(field(&last, "rules")).unwrap(),
            Rules(vec![keep_prod, host].into())
        );

        // New rules apply to the same targets (the cache is not stale).
        component
            .update(Arguments {
                rules: Vec::new(),
                ..args
            })
            .unwrap();
        assert_eq!(
            output(&exports.last().unwrap()).len(),
            2,
            "no rules: unchanged"
        );
    }
}
