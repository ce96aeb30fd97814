//! `otelcol.processor.attributes` (SPEC §2.4): applies `action` blocks in order
//! to the attributes of spans, log records and metric data points, limited by
//! `include` / `exclude`. Items left out pass unchanged.

mod actions;
mod filter;
mod value;

pub use actions::ActionArgs;
pub use filter::{AttributeArgs, LibraryArgs, MatchArgs, RegexpArgs, SeverityArgs};
pub use value::ConfigValue;
/// Attribute lookups other processors share.
pub(crate) use value::{as_string as value_text, get as attribute, put as set_attribute};

use super::{Process, Stage, export_input};
use crate::otelcol::{DebugMetrics, Output};
use actions::Action;
use filter::Matcher;
use model::otlp::{ClientInfo, ConsumeError, Consumer, Signal, Telemetry};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use runtime::component::{Component, Options};
use std::sync::Arc;
use syntax::decode::Block;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct Arguments {
    #[alloy(block, optional, name = "action")]
    pub actions: Vec<ActionArgs>,
    #[alloy(block, optional)]
    pub include: Option<MatchArgs>,
    #[alloy(block, optional)]
    pub exclude: Option<MatchArgs>,
    #[alloy(block)]
    pub output: Output,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

/// The checked actions and filters.
pub struct Attributes {
    actions: Vec<Action>,
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

impl Attributes {
    fn new(args: &Arguments) -> Result<Attributes, String> {
        // The Collector builds (and checks) a processor per connected signal.
        let signals: Vec<Signal> = Signal::ALL
            .into_iter()
            .filter(|s| !args.output.consumers(*s).is_empty())
            .collect();
        let matcher =
            |m: &Option<MatchArgs>| m.as_ref().map(|m| Matcher::new(m, &signals)).transpose();
        Ok(Attributes {
            actions: args
                .actions
                .iter()
                .enumerate()
                .map(|(i, a)| Action::new(a, i))
                .collect::<Result<_, _>>()?,
            include: matcher(&args.include)?,
            exclude: matcher(&args.exclude)?,
        })
    }

    /// Whether an item is worked on: it matches `include` (when given) and
    /// not `exclude`.
    fn selected(&self, matches: impl Fn(&Matcher) -> bool) -> bool {
        self.include.as_ref().is_none_or(&matches) && !self.exclude.as_ref().is_some_and(&matches)
    }

    fn apply(&self, attributes: &mut Vec<KeyValue>, client: &ClientInfo) {
        for action in &self.actions {
            action.apply(attributes, client);
        }
    }
}

fn each_point_attributes(metric: &mut Metric, mut f: impl FnMut(&mut Vec<KeyValue>)) {
    match &mut metric.data {
        Some(Data::Gauge(g)) => g.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Sum(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Histogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::ExponentialHistogram(h)) => {
            h.data_points.iter_mut().for_each(|p| f(&mut p.attributes));
        }
        Some(Data::Summary(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        None => {}
    }
}

impl Process for Attributes {
    fn process(&self, data: &mut Telemetry, client: &ClientInfo) -> Result<(), ConsumeError> {
        if self.actions.is_empty() {
            return Ok(());
        }
        match data {
            Telemetry::Traces(payload) => payload.modify(|request| {
                for rs in &mut request.resource_spans {
                    let resource = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes);
                    for ss in &mut rs.scope_spans {
                        let scope = ss.scope.as_ref();
                        for span in &mut ss.spans {
                            if self.selected(|m| m.matches_span(span, resource, scope)) {
                                self.apply(&mut span.attributes, client);
                            }
                        }
                    }
                }
            }),
            Telemetry::Logs(payload) => payload.modify(|request| {
                for rl in &mut request.resource_logs {
                    let resource = rl.resource.as_ref().map_or(&[][..], |r| &r.attributes);
                    for sl in &mut rl.scope_logs {
                        let scope = sl.scope.as_ref();
                        for log in &mut sl.log_records {
                            if self.selected(|m| m.matches_log(log, resource, scope)) {
                                self.apply(&mut log.attributes, client);
                            }
                        }
                    }
                }
            }),
            Telemetry::Metrics(payload) => payload.modify(|request| {
                for rm in &mut request.resource_metrics {
                    let resource = rm.resource.as_ref().map_or(&[][..], |r| &r.attributes);
                    for sm in &mut rm.scope_metrics {
                        for metric in &mut sm.metrics {
                            if self.selected(|m| m.matches_metric(&metric.name, resource)) {
                                each_point_attributes(metric, |a| self.apply(a, client));
                            }
                        }
                    }
                }
            }),
        }
        Ok(())
    }
}

pub struct AttributesProcessor {
    stage: Arc<Stage<Attributes>>,
}

impl Component for AttributesProcessor {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<AttributesProcessor, String> {
        let stage = Stage::new(Attributes::new(&args)?, args.output);
        export_input(&opts, Consumer(stage.clone()));
        Ok(AttributesProcessor { stage })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.stage.set(Attributes::new(&args)?, args.output);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::str_kv as kv;
    use crate::otelcol::processor::testing::{Recorder, captured, input_of, logs, metrics, traces};
    use crate::testing::options;
    use model::otlp::{
        Context, ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
        Payload,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn upsert(key: &str, value: &str) -> ActionArgs {
        ActionArgs {
            key: key.into(),
            action: "upsert".into(),
            value: Some(ConfigValue::Str(value.into())),
            ..ActionArgs::default()
        }
    }

    fn all(consumer: Consumer) -> Output {
        Output {
            traces: vec![consumer.clone()],
            metrics: vec![consumer.clone()],
            logs: vec![consumer],
        }
    }

    #[tokio::test]
    async fn acts_on_included_spans_only() {
        let (recorder, consumer) = Recorder::new();
        let (opts, exports) = options("otelcol.processor.attributes.spans");
        let _c = AttributesProcessor::build(
            opts,
            Arguments {
                actions: vec![upsert("db.checked", "yes")],
                include: Some(MatchArgs {
                    match_type: "strict".into(),
                    services: vec!["db".into()],
                    ..MatchArgs::default()
                }),
                exclude: Some(MatchArgs {
                    match_type: "regexp".into(),
                    span_names: vec!["^health".into()],
                    ..MatchArgs::default()
                }),
                output: Output {
                    traces: vec![consumer],
                    ..Output::default()
                },
                ..Arguments::default()
            },
        )
        .unwrap();
        let resource = |service: &str, names: &[&str]| ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", service)],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: names
                    .iter()
                    .map(|n| Span {
                        name: (*n).into(),
                        ..Span::default()
                    })
                    .collect(),
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![
                resource("db", &["query", "healthcheck"]),
                resource("web", &["GET"]),
            ],
        };
        input_of(&exports)
            .consume(traces(request), Context::default())
            .await
            .unwrap();
        let out = recorder.traces();
        let checked: Vec<(String, bool)> = out[0]
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| {
                (
                    s.name.clone(),
                    s.attributes.contains(&kv("db.checked", "yes")),
                )
            })
            .collect();
        assert_eq!(
            checked,
            [
                ("query".into(), true),
                ("healthcheck".into(), false),
                ("GET".into(), false)
            ]
        );
    }

    #[tokio::test]
    async fn works_on_captured_logs_and_metric_points() {
        let (recorder, consumer) = Recorder::new();
        let (opts, exports) = options("otelcol.processor.attributes.captured");
        let _c = AttributesProcessor::build(
            opts,
            Arguments {
                actions: vec![upsert("loki.attribute.labels", "level")],
                output: all(consumer),
                ..Arguments::default()
            },
        )
        .unwrap();
        let input = input_of(&exports);
        let log_payload =
            Payload::<ExportLogsServiceRequest>::from_encoded(captured("0003-http-logs.pb"))
                .unwrap();
        let metric_payload =
            Payload::<ExportMetricsServiceRequest>::from_encoded(captured("0002-http-metrics.pb"))
                .unwrap();
        let (log_items, metric_items) = (log_payload.items(), metric_payload.items());
        input
            .consume(logs(log_payload.into_message()), Context::default())
            .await
            .unwrap();
        input
            .consume(metrics(metric_payload.into_message()), Context::default())
            .await
            .unwrap();
        let label = kv("loki.attribute.labels", "level");
        let out_logs = recorder.logs();
        let records: Vec<_> = out_logs[0]
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .collect();
        assert_eq!(records.len(), log_items);
        assert!(records.iter().all(|r| r.attributes.contains(&label)));
        let mut out_metrics = recorder.metrics();
        let mut labelled = 0;
        for rm in &mut out_metrics[0].resource_metrics {
            for sm in &mut rm.scope_metrics {
                for m in &mut sm.metrics {
                    each_point_attributes(m, |a| {
                        assert!(a.contains(&label));
                        labelled += 1;
                    });
                }
            }
        }
        assert_eq!(labelled, metric_items);
    }

    #[test]
    fn filters_are_checked_for_the_connected_signals() {
        let (_recorder, consumer) = Recorder::new();
        let (opts, _exports) = options("otelcol.processor.attributes.bad");
        let args = Arguments {
            actions: vec![upsert("a", "b")],
            include: Some(MatchArgs {
                match_type: "strict".into(),
                log_bodies: vec!["x".into()],
                ..MatchArgs::default()
            }),
            output: Output {
                traces: vec![consumer.clone()],
                ..Output::default()
            },
            ..Arguments::default()
        };
        let err = AttributesProcessor::build(opts.clone(), args.clone())
            .err()
            .unwrap();
        assert_eq!(err, "log_bodies should not be specified for trace spans");
        AttributesProcessor::build(
            opts,
            Arguments {
                output: Output {
                    logs: vec![consumer],
                    ..Output::default()
                },
                ..args
            },
        )
        .unwrap();
    }
}
