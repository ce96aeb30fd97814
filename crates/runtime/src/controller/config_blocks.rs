//! The root-only configuration blocks (`logging`, `tracing`, `http`,
//! `livedebugging`, `remotecfg`): decoded into the `services` argument types
//! and published on watch channels for the binary to apply.

use super::node::Service;
use crate::services::{HttpArguments, LiveDebuggingArguments, LoggingArguments, TracingArguments};
use syntax::decode::Block;
use syntax::diag::SpanError;
use syntax::evaluated::EvaluatedBody;
use syntax::pos::Span;
use tokio::sync::watch;

pub struct ConfigBlocks {
    pub logging: watch::Sender<LoggingArguments>,
    pub http: watch::Sender<HttpArguments>,
    pub tracing: watch::Sender<TracingArguments>,
    pub live_debugging: watch::Sender<LiveDebuggingArguments>,
}

impl ConfigBlocks {
    pub fn new() -> ConfigBlocks {
        ConfigBlocks {
            logging: watch::Sender::new(LoggingArguments::default()),
            http: watch::Sender::new(HttpArguments::default()),
            tracing: watch::Sender::new(TracingArguments::default()),
            live_debugging: watch::Sender::new(LiveDebuggingArguments::default()),
        }
    }

    /// Decodes a block's evaluated body and publishes it. `remotecfg` is
    /// accepted without effect.
    pub fn publish(
        &self,
        service: Service,
        body: &EvaluatedBody,
        span: Span,
    ) -> Result<(), Vec<SpanError>> {
        match service {
            Service::Logging => {
                self.logging
                    .send_replace(LoggingArguments::decode_body(body, span)?);
            }
            Service::Http => {
                let args = HttpArguments::decode_body(body, span)?;
                self.http.send_if_modified(|current| {
                    let changed = *current != args;
                    *current = args;
                    changed
                });
            }
            Service::Tracing => {
                self.tracing
                    .send_replace(TracingArguments::decode_body(body, span)?);
            }
            Service::LiveDebugging => {
                let args = LiveDebuggingArguments::decode_body(body, span)?;
                self.live_debugging.send_if_modified(|current| {
                    let changed = *current != args;
                    *current = args;
                    changed
                });
            }
            Service::RemoteCfg => {}
        }
        Ok(())
    }

    /// Back to the defaults for the blocks a new configuration no longer has.
    pub fn reset_absent(&self, present: &[Service]) {
        if !present.contains(&Service::Logging) {
            self.logging.send_replace(LoggingArguments::default());
        }
        if !present.contains(&Service::Http) {
            self.http.send_if_modified(|current| {
                let changed = *current != HttpArguments::default();
                *current = HttpArguments::default();
                changed
            });
        }
        if !present.contains(&Service::Tracing) {
            self.tracing.send_replace(TracingArguments::default());
        }
        if !present.contains(&Service::LiveDebugging) {
            self.live_debugging
                .send_replace(LiveDebuggingArguments::default());
        }
    }
}
