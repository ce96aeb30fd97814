//! `import.string` and `import.file`: text whose `declare` (and nested
//! `import`) blocks become a module of definitions; files are watched for
//! changes.

use super::Pass;
use super::module::{EvalError, Module, ModuleKind, decode, stop_before_replacing};
use super::node::Node;
use super::{Update, source};
use crate::validate;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use syntax::ast::Stmt;
use syntax::decode::{Block, GoDuration};
use syntax::diag::SpanError;
use syntax::evaluated::EvaluatedBody;
use syntax::pos::{SourceFile, Span};
use syntax::stability::Stability;
use syntax::value::OptionalSecret;
use tokio_util::sync::CancellationToken;

/// How often `import.file` looks at its file when it watches for changes
/// (Alloy's default `fsnotify` detector); `detector = "poll"` uses `poll_frequency`.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Block, Default)]
struct ImportStringArguments {
    #[alloy(attr)]
    content: OptionalSecret,
}

#[derive(Block)]
struct ImportFileArguments {
    #[alloy(attr)]
    filename: String,
    #[alloy(attr, optional)]
    detector: String,
    #[alloy(attr, optional)]
    poll_frequency: GoDuration,
}

impl Default for ImportFileArguments {
    fn default() -> ImportFileArguments {
        ImportFileArguments {
            filename: String::new(),
            detector: "fsnotify".into(),
            poll_frequency: GoDuration::from_std(Duration::from_secs(60)),
        }
    }
}

impl Module {
    pub(super) fn evaluate_import_string(
        &self,
        node: &Arc<Node>,
        body: &EvaluatedBody,
        span: Span,
        file: &SourceFile,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let args = decode::<ImportStringArguments>(body, span, file)?;
        let text = vec![(node.id.clone(), args.content.value.into_bytes())];
        let module_path = self.module_path.lock().clone();
        self.load_import(node, text, module_path, pass)
    }

    pub(super) fn evaluate_import_file(
        &self,
        node: &Arc<Node>,
        body: &EvaluatedBody,
        span: Span,
        file: &SourceFile,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let args = decode::<ImportFileArguments>(body, span, file)?;
        let path = Path::new(&args.filename);
        let interval = if args.detector == "poll" {
            args.poll_frequency.to_std().unwrap_or(WATCH_INTERVAL)
        } else {
            WATCH_INTERVAL
        };
        node.state.lock().watched = Some((path.to_path_buf(), interval));
        self.watch(node);
        let files = read_texts(path).map_err(EvalError::plain)?;
        self.load_import(node, files, source::module_path(path), pass)
    }

    /// Loads the text of an import into the import's module, unless it is
    /// what the module was built from.
    fn load_import(
        &self,
        node: &Arc<Node>,
        texts: Vec<(String, Vec<u8>)>,
        module_path: String,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let (child, unchanged) = {
            let state = node.state.lock();
            (state.child.clone(), state.imported.as_ref() == Some(&texts))
        };
        if unchanged && child.is_some() {
            return Ok(());
        }
        let sources = texts
            .iter()
            .map(|(name, bytes)| SourceFile::new(name.clone(), bytes.clone()))
            .collect();
        // Stability is checked when a component is instantiated: an imported
        // `declare` nobody uses may hold components below the level.
        let options = validate::Options {
            min_stability: self.shared.min_stability,
            schemas: &AnyStability(&self.shared.registry),
        };
        let blocks = match source::check(sources, &options) {
            Ok(blocks) => blocks,
            Err((diagnostics, sources)) => {
                let first = diagnostics
                    .iter()
                    .find(|d| d.severity == syntax::diag::Severity::Error)
                    .map(|d| format!("{}: {}", d.start, d.message))
                    .unwrap_or_default();
                pass.add_diagnostics(diagnostics, sources);
                return Err(EvalError::plain(format!("importing module: {first}")));
            }
        };
        let child = child.unwrap_or_else(|| {
            let child = Module::new(
                self.shared.clone(),
                self.global_id(&node.id),
                ModuleKind::Import,
                Some((self.this.clone(), node.id.clone())),
                None,
                module_path.clone(),
            );
            node.state.lock().child = Some(child.clone());
            child
        });
        child.set_module_path(module_path);
        let removed = child
            .apply(blocks, pass)
            .ok_or_else(|| EvalError::plain("importing module failed"))?;
        stop_before_replacing(removed.iter().flat_map(|n| n.stop()).collect());
        child.evaluate_all(pass);
        node.state.lock().imported = Some(texts);
        Ok(())
    }

    /// Starts polling an `import.file`'s file, once: a change re-evaluates the
    /// import and what uses it.
    fn watch(&self, node: &Arc<Node>) {
        let mut state = node.state.lock();
        if state.poller.is_some() {
            return;
        }
        let token = CancellationToken::new();
        state.poller = Some(token.clone());
        let mut last = state.imported.clone();
        drop(state);
        let weak_node = Arc::downgrade(node);
        let module = self.this.clone();
        let shared = self.shared.clone();
        tokio::spawn(async move {
            loop {
                let interval = match weak_node.upgrade() {
                    Some(n) => n
                        .state
                        .lock()
                        .watched
                        .as_ref()
                        .map_or(WATCH_INTERVAL, |w| w.1),
                    None => return,
                };
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(node) = weak_node.upgrade() else {
                    return;
                };
                let Some((path, _)) = node.state.lock().watched.clone() else {
                    continue;
                };
                let current = read_texts(&path).ok();
                if last.is_none() {
                    last = node.state.lock().imported.clone();
                }
                if current.is_some() && current != last {
                    last = current;
                    shared.send(Update {
                        module: module.clone(),
                        node: node.id.clone(),
                        itself: true,
                    });
                }
            }
        });
    }
}

/// The registry's schemas without the stability gate.
struct AnyStability<'a>(&'a crate::registry::Registry);

impl validate::Schemas for AnyStability<'_> {
    fn component(&self, name: &str, _: Stability) -> Result<(), String> {
        self.0.component(name, Stability::Experimental)
    }

    fn typecheck(
        &self,
        kind: validate::Checked<'_>,
        block: &syntax::ast::BlockStmt,
        body: &[&Stmt],
    ) -> Vec<SpanError> {
        self.0.typecheck(kind, block, body)
    }
}

/// The files of `path` as (name, bytes).
fn read_texts(path: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    Ok(source::read_config(path)?
        .into_iter()
        .map(|f| (f.name().to_string(), f.bytes().to_vec()))
        .collect())
}
