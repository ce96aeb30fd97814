//! Structural validation of a configuration, as `alloy validate` does it: syntax,
//! top-level statements, labels, duplicate IDs, blocks allowed where they are,
//! `declare`/`foreach` bodies as their own graphs, references that resolve, cycles,
//! stability gates and stdlib deprecation and shadowing warnings. Diagnostics come
//! out in Alloy's order: node by node in insertion order (declares, config blocks,
//! components, services), then cycles.
//!
//! Knowledge of component and block arguments comes from a [`Schemas`]
//! implementation; [`Structural`] knows none and accepts every component.

use crate::graph::{self, Graph, Traversal};
use std::collections::{HashMap, HashSet};
use syntax::ast::{self, BlockStmt, Expr, Stmt};
use syntax::diag::{Diagnostic, Diagnostics, SpanError};
use syntax::pos::{Pos, SourceFile, Span};
use syntax::scanner::go_quote;
use syntax::stability::Stability;
use syntax::stdlib;
use syntax::token::Token;

/// The blocks whose arguments a [`Schemas`] implementation may check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked<'a> {
    /// A builtin component, by name (`prometheus.scrape`).
    Component(&'a str),
    /// A configuration block: `logging`, `tracing`, `argument`, `export`,
    /// `foreach` (without its `template`) or `import.*`.
    Config(&'a str),
    /// A service block (`http`, `livedebugging`, `remotecfg`).
    Service(&'a str),
}

/// What validation knows about the arguments of blocks: the component registry
/// implements this once components exist.
pub trait Schemas {
    /// `Err(message)` when `name` is not a component that may be used at `min`
    /// stability (Alloy: `cannot find the definition of component name "x"`).
    fn component(&self, name: &str, min: Stability) -> Result<(), String>;

    /// Type-checks the statements of `block` (its body, except where the
    /// validator set some aside, as a foreach's `template`); typically
    /// [`syntax::decode::typecheck`] with the block's schema.
    fn typecheck(&self, kind: Checked<'_>, block: &BlockStmt, body: &[&Stmt]) -> Vec<SpanError>;
}

/// No schemas: every component exists and no arguments are checked.
pub struct Structural;

impl Schemas for Structural {
    fn component(&self, _: &str, _: Stability) -> Result<(), String> {
        Ok(())
    }

    fn typecheck(&self, _: Checked<'_>, _: &BlockStmt, _: &[&Stmt]) -> Vec<SpanError> {
        Vec::new()
    }
}

pub struct Options<'a> {
    pub min_stability: Stability,
    pub schemas: &'a dyn Schemas,
}

/// Alloy's services and whether they accept a configuration block.
const SERVICES: [(&str, bool); 7] = [
    ("cluster", false),
    ("http", true),
    ("labelstore", false),
    ("livedebugging", true),
    ("otel", false),
    ("remotecfg", true),
    ("ui", false),
];

const CONFIG_BLOCKS: [&str; 9] = [
    "foreach",
    "argument",
    "export",
    "logging",
    "tracing",
    "import.file",
    "import.string",
    "import.http",
    "import.git",
];

/// `foreach` is an experimental block.
const FOREACH_STABILITY: Stability = Stability::Experimental;

/// One file of a configuration and what the parser made of it.
pub struct Parsed {
    pub source: SourceFile,
    /// The syntax tree, or the parser's diagnostics.
    pub file: Result<ast::File, Diagnostics>,
}

/// Validates the configuration made of `files` (one module, read in file-name
/// order). An empty result means valid; warnings alone are not failures. Syntax
/// errors and top-level attributes of all files are reported alone, as Alloy stops
/// after reading the files.
pub fn validate(files: &[Parsed], options: &Options<'_>) -> Diagnostics {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| files[a].source.name().cmp(files[b].source.name()));

    let mut diags = Diagnostics::new();
    let mut readable = Vec::new();
    for index in order {
        match &files[index].file {
            Err(d) => diags.extend(d.clone()),
            Ok(file) => match top_level_attribute(&file.body) {
                Some(name) => diags.push(Diagnostic::error_at(
                    &files[index].source,
                    Span::new(name.pos, name.end()),
                    format!("unrecognized attribute {}", name.name),
                )),
                None => readable.push((index, file)),
            },
        }
    }
    if !diags.is_empty() {
        return diags;
    }

    let stmts = readable
        .iter()
        .flat_map(|&(index, file)| file.body.iter().map(move |s| (index, s)));
    let (blocks, _) = split(stmts);
    let mut validator = Validator {
        files,
        options,
        scope: HashSet::from(["module_path".to_string()]),
    };
    let mut root = State::new(true, false);
    validator.build(&mut root, blocks);
    Diagnostics(validator.check(&root, &[], &[]))
}

/// Alloy rejects a file's first top-level attribute and reads nothing more of it.
fn top_level_attribute(body: &ast::Body) -> Option<&ast::Ident> {
    body.iter().find_map(|s| match s {
        Stmt::Attribute(a) => Some(&a.name),
        Stmt::Block(_) => None,
    })
}

/// A block and the index of the file it is in.
#[derive(Clone, Copy)]
struct Block<'a> {
    stmt: &'a BlockStmt,
    file: usize,
}

#[derive(Default)]
struct Blocks<'a> {
    declares: Vec<Block<'a>>,
    configs: Vec<Block<'a>>,
    components: Vec<Block<'a>>,
    services: Vec<Block<'a>>,
}

/// Sorts statements into kinds of blocks; attributes are returned apart.
fn split<'a>(
    stmts: impl IntoIterator<Item = (usize, &'a Stmt)>,
) -> (Blocks<'a>, Vec<&'a ast::AttributeStmt>) {
    let mut blocks = Blocks::default();
    let mut attributes = Vec::new();
    for (file, stmt) in stmts {
        let stmt = match stmt {
            Stmt::Block(b) => b,
            Stmt::Attribute(a) => {
                attributes.push(a);
                continue;
            }
        };
        let block = Block { stmt, file };
        let name = stmt.full_name();
        let list = if CONFIG_BLOCKS.contains(&name.as_str()) {
            &mut blocks.configs
        } else if name == "declare" {
            &mut blocks.declares
        } else if service(&stmt.id()).is_some() {
            &mut blocks.services
        } else {
            &mut blocks.components
        };
        list.push(block);
    }
    (blocks, attributes)
}

fn service(id: &str) -> Option<bool> {
    SERVICES
        .iter()
        .find(|(name, _)| *name == id)
        .map(|&(_, configurable)| configurable)
}

/// One module's graph: the root, a `declare` body or a `foreach` template.
struct State<'a> {
    root: bool,
    foreach: bool,
    graph: Graph,
    /// Parallel to the graph's node indexes.
    nodes: Vec<Node<'a>>,
    /// Custom components defined here: `declare` labels (with their arguments)
    /// and `import` namespaces (whose contents are unknown).
    custom: HashMap<String, Option<Vec<Argument>>>,
    /// The `argument` blocks of a module, in order.
    arguments: Vec<Argument>,
}

struct Argument {
    name: String,
    optional: bool,
}

struct Node<'a> {
    block: Block<'a>,
    kind: Kind<'a>,
    /// Diagnostics found while building, reported before the node's type check.
    diags: Vec<Diagnostic>,
    /// The statements whose references count for this node.
    refs: Vec<&'a Stmt>,
}

enum Kind<'a> {
    Config,
    Component,
    Service { configurable: bool },
    Module(State<'a>),
    Foreach(State<'a>),
}

impl<'a> State<'a> {
    fn new(root: bool, foreach: bool) -> State<'a> {
        State {
            root,
            foreach,
            graph: Graph::new(),
            nodes: Vec::new(),
            custom: HashMap::new(),
            arguments: Vec::new(),
        }
    }

    /// Adds a node under `id`; a clash Alloy would not survive gets a fresh ID.
    fn add(&mut self, mut id: String, node: Node<'a>) {
        while self.graph.get(&id).is_some() {
            id.push('~');
        }
        self.graph.add(id);
        self.nodes.push(node);
    }
}

struct Validator<'s> {
    files: &'s [Parsed],
    options: &'s Options<'s>,
    /// Names in scope besides the stdlib. As in Alloy, one set serves every
    /// module: `argument` and foreach variables become visible everywhere.
    scope: HashSet<String>,
}

impl<'s> Validator<'s> {
    fn file(&self, block: Block<'_>) -> &'s SourceFile {
        &self.files[block.file].source
    }

    fn error(&self, block: Block<'_>, start: Pos, end: Pos, message: String) -> Diagnostic {
        Diagnostic::error_at(self.file(block), Span::new(start, end), message)
    }

    /// A diagnostic over the first `len` bytes of the block's name.
    fn at_name(&self, block: Block<'_>, len: usize, message: String) -> Diagnostic {
        let start = block.stmt.name_pos;
        self.error(block, start, start.shift(len as isize - 1), message)
    }

    fn at_block(&self, block: Block<'_>, message: String) -> Diagnostic {
        self.error(block, block.stmt.name_pos, block.stmt.rcurly, message)
    }

    fn node<'a>(&self, block: Block<'a>) -> Node<'a> {
        Node {
            block,
            kind: Kind::Config,
            diags: Vec::new(),
            refs: block.stmt.body.iter().collect(),
        }
    }

    fn build<'a>(&mut self, state: &mut State<'a>, blocks: Blocks<'a>) {
        // Declares first: they define the custom components used below.
        self.declares(state, blocks.declares);
        self.configs(state, blocks.configs);
        self.components(state, blocks.components);
        self.services(state, blocks.services);
    }

    /// `block X already declared at file:line:col` for a repeated ID; `seen`
    /// remembers first occurrences.
    fn duplicate<'a>(
        &self,
        seen: &mut HashMap<String, Block<'a>>,
        block: Block<'a>,
    ) -> Option<Diagnostic> {
        let id = block.stmt.id();
        if let Some(first) = seen.get(&id) {
            let at = self.file(*first).position(first.stmt.name_pos);
            let message = format!("block {id} already declared at {at}");
            return Some(self.at_name(block, id.len(), message));
        }
        seen.insert(id, block);
        None
    }

    fn missing_label(&self, block: Block<'_>) -> Option<Diagnostic> {
        if !block.stmt.label.is_empty() {
            return None;
        }
        let name = block.stmt.full_name();
        Some(self.at_name(block, name.len(), format!("{name} block must have a label")))
    }

    /// Root-only blocks used in a module or foreach.
    fn disallowed(&self, state: &State<'_>, block: Block<'_>) -> Option<Diagnostic> {
        let id = block.stmt.id();
        let place = if !state.root {
            "module"
        } else if state.foreach {
            "foreach"
        } else {
            return None;
        };
        Some(self.at_name(block, id.len(), format!("{id} not allowed in {place}")))
    }

    /// The blocks of a nested body; attributes there are errors on `node`.
    fn nested<'a>(&self, node: &mut Node<'a>, body: &'a [Stmt]) -> Blocks<'a> {
        let file = node.block.file;
        let (blocks, attributes) = split(body.iter().map(|s| (file, s)));
        for a in attributes {
            node.diags.push(self.error(
                node.block,
                a.name.pos,
                a.value.end(),
                "unsupported statement type *ast.AttributeStmt".to_string(),
            ));
        }
        blocks
    }

    fn declares<'a>(&mut self, state: &mut State<'a>, declares: Vec<Block<'a>>) {
        let mut seen = HashMap::new();
        for (i, block) in declares.into_iter().enumerate() {
            let mut node = self.node(block);
            let mut id = block.stmt.id();
            node.diags.extend(self.missing_label(block));
            if let Some(d) = self.duplicate(&mut seen, block) {
                node.diags.push(d);
                id = format!("{id}-{i}");
            }
            let blocks = self.nested(&mut node, &block.stmt.body);
            // The body is a module of its own, validated on its own graph.
            node.refs.clear();
            let mut module = State::new(false, false);
            self.build(&mut module, blocks);
            if !block.stmt.label.is_empty() {
                self.scope.insert("argument".to_string());
                let arguments = std::mem::take(&mut module.arguments);
                state
                    .custom
                    .insert(block.stmt.label.clone(), Some(arguments));
            }
            node.kind = Kind::Module(module);
            state.add(id, node);
        }
    }

    fn configs<'a>(&mut self, state: &mut State<'a>, configs: Vec<Block<'a>>) {
        let mut seen = HashMap::new();
        for (i, block) in configs.into_iter().enumerate() {
            let mut node = self.node(block);
            let mut id = block.stmt.id();
            let mut register = true;
            if let Some(d) = self.duplicate(&mut seen, block) {
                node.diags.push(d);
                id = format!("{id}-{i}");
                register = false;
            }
            match block.stmt.full_name().as_str() {
                "logging" | "tracing" => node.diags.extend(self.disallowed(state, block)),
                "foreach" => self.foreach(state, &mut node),
                kind @ ("argument" | "export") => {
                    if state.root {
                        let message = format!("{kind} blocks only allowed inside a module");
                        node.diags.push(self.at_block(block, message));
                    }
                    match self.missing_label(block) {
                        Some(d) => node.diags.push(d),
                        None if register && kind == "argument" => {
                            state.arguments.push(Argument {
                                name: block.stmt.label.clone(),
                                optional: literal_attr(&block.stmt.body, "optional", Token::Bool)
                                    .is_some_and(|v| v == "true"),
                            });
                        }
                        None => {}
                    }
                }
                _ => match self.missing_label(block) {
                    Some(d) => node.diags.push(d),
                    None if register => {
                        state.custom.insert(block.stmt.label.clone(), None);
                    }
                    None => {}
                },
            }
            state.add(id, node);
        }
    }

    fn foreach<'a>(&mut self, state: &State<'a>, node: &mut Node<'a>) {
        let block = node.block;
        let name = block.stmt.full_name();
        let feature = format!("foreach block {}", go_quote(name.as_bytes()));
        if let Err(message) = FOREACH_STABILITY.check_allowed(self.options.min_stability, &feature)
        {
            node.diags.push(self.at_name(block, name.len(), message));
        }
        node.diags.extend(self.missing_label(block));

        // The last `template` wins; all of them leave the foreach's own body.
        let mut template = None;
        node.refs.retain(|stmt| match stmt {
            Stmt::Block(b) if b.full_name() == "template" => {
                template = Some(&b.body);
                false
            }
            _ => true,
        });
        let Some(template) = template else {
            node.diags
                .push(self.at_block(block, "missing required block \"template\"".into()));
            return;
        };

        let blocks = self.nested(node, template);
        let mut inner = State::new(state.root, true);
        if let Some(var) = literal_attr(node.refs.iter().copied(), "var", Token::String)
            && let Ok(bytes) = syntax::scanner::unquote(&var)
        {
            self.scope
                .insert(String::from_utf8_lossy(&bytes).into_owned());
        }
        self.build(&mut inner, blocks);
        node.kind = Kind::Foreach(inner);
    }

    fn components<'a>(&mut self, state: &mut State<'a>, components: Vec<Block<'a>>) {
        let mut seen = HashMap::new();
        for (i, block) in components.into_iter().enumerate() {
            let mut node = self.node(block);
            node.kind = Kind::Component;
            let mut id = block.stmt.id();
            if block.stmt.label.is_empty() {
                let name = block.stmt.full_name();
                let message = format!("component {} must have a label", go_quote(name.as_bytes()));
                node.diags.push(self.at_name(block, name.len(), message));
            }
            if let Some(d) = self.duplicate(&mut seen, block) {
                node.diags.push(d);
                id = format!("{id}-{i}");
            }
            state.add(id, node);
        }
    }

    fn services<'a>(&mut self, state: &mut State<'a>, services: Vec<Block<'a>>) {
        let mut seen = HashMap::new();
        for (i, block) in services.into_iter().enumerate() {
            let mut node = self.node(block);
            let mut id = block.stmt.id();
            if let Some(d) = self.duplicate(&mut seen, block) {
                node.diags.push(d);
                id = format!("{id}-{i}");
            }
            node.diags.extend(self.disallowed(state, block));
            let name = block.stmt.full_name();
            let configurable = service(&name).unwrap_or(false);
            if !configurable {
                let message = format!(
                    "service {} does not support being configured",
                    go_quote(name.as_bytes())
                );
                node.diags.push(self.at_block(block, message));
            }
            node.kind = Kind::Service { configurable };
            state.add(id, node);
        }
    }

    /// Checks a built module: node by node, then its references and cycles.
    /// `outer_graphs` are the graphs a foreach template may reference into
    /// (innermost first); `outer_custom` the enclosing custom components.
    fn check(
        &self,
        state: &State<'_>,
        outer_graphs: &[&Graph],
        outer_custom: &[&HashMap<String, Option<Vec<Argument>>>],
    ) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut graph = state.graph.clone();
        let customs: Vec<_> = std::iter::once(&state.custom)
            .chain(outer_custom.iter().copied())
            .collect();

        for (index, node) in state.nodes.iter().enumerate() {
            let block = node.block;
            let name = block.stmt.full_name();
            match &node.kind {
                Kind::Config => {
                    diags.extend(node.diags.iter().cloned());
                    diags.extend(self.typecheck(Checked::Config(&name), node));
                }
                Kind::Service { configurable } => {
                    diags.extend(node.diags.iter().cloned());
                    if *configurable {
                        diags.extend(self.typecheck(Checked::Service(&name), node));
                    }
                }
                Kind::Component => {
                    let namespace = name.split('.').next().unwrap_or_default();
                    match customs.iter().find_map(|c| c.get(namespace)) {
                        Some(arguments) => {
                            diags.extend(node.diags.iter().cloned());
                            match arguments {
                                Some(arguments) => {
                                    diags.extend(self.check_arguments(block, arguments))
                                }
                                // Alloy checks neither the arguments nor the
                                // references of an imported component.
                                None => continue,
                            }
                        }
                        None => match self
                            .options
                            .schemas
                            .component(&name, self.options.min_stability)
                        {
                            Ok(()) => {
                                diags.extend(node.diags.iter().cloned());
                                diags.extend(self.typecheck(Checked::Component(&name), node));
                            }
                            Err(message) => {
                                // Alloy reports this first and looks no further.
                                diags.push(self.at_name(block, name.len(), message));
                                diags.extend(node.diags.iter().cloned());
                                continue;
                            }
                        },
                    }
                }
                Kind::Module(module) => {
                    diags.extend(node.diags.iter().cloned());
                    diags.extend(self.check(module, &[], &customs));
                }
                Kind::Foreach(inner) => {
                    diags.extend(node.diags.iter().cloned());
                    diags.extend(self.typecheck(Checked::Config(&name), node));
                    let graphs: Vec<&Graph> = std::iter::once(&state.graph)
                        .chain(outer_graphs.iter().copied())
                        .collect();
                    diags.extend(self.check(inner, &graphs, &customs));
                }
            }

            for t in graph::traversals(node.refs.iter().copied()) {
                let (reference, d) = self.reference(&t, block, &state.graph, outer_graphs);
                diags.extend(d);
                if let Some(target) = reference {
                    graph.add_edge(index, target);
                }
            }
        }

        for component in graph.strongly_connected_components() {
            if component.len() < 2 {
                continue;
            }
            let mut members: Vec<usize> = component;
            members.sort_by(|&a, &b| graph.id(a).cmp(graph.id(b)));
            let ids: Vec<&str> = members.iter().map(|&m| graph.id(m)).collect();
            let message = format!("cycle detected: {}", ids.join(", "));
            for &m in &members {
                diags.push(self.at_header(state.nodes[m].block, message.clone()));
            }
        }
        for node in graph.self_references() {
            diags.push(self.at_header(state.nodes[node].block, "cannot reference self".into()));
        }
        diags
    }

    /// The schema check of a node's statements, as diagnostics.
    fn typecheck(&self, kind: Checked<'_>, node: &Node<'_>) -> Vec<Diagnostic> {
        let file = self.file(node.block);
        let errors = self
            .options
            .schemas
            .typecheck(kind, node.block.stmt, &node.refs);
        errors.iter().map(|e| e.to_diagnostic(file)).collect()
    }

    /// From the start of the block to its opening brace.
    fn at_header(&self, block: Block<'_>, message: String) -> Diagnostic {
        self.error(block, block.stmt.name_pos, block.stmt.lcurly, message)
    }

    /// Resolves one traversal made in `block`: the node of this graph it
    /// depends on (if it is one), and what to report about it.
    fn reference(
        &self,
        t: &Traversal,
        block: Block<'_>,
        graph: &Graph,
        outer: &[&Graph],
    ) -> (Option<usize>, Vec<Diagnostic>) {
        let file = self.file(block);
        let first = t.first();
        let whole = Span::new(first.pos, t.end());
        let found = graph::resolve(t, |id| {
            graph
                .get(id)
                .map(Some)
                .or_else(|| outer.iter().any(|g| g.get(id).is_some()).then_some(None))
        });
        let in_scope = self.scope.contains(&first.name) || stdlib::is_identifier(&first.name);
        let mut diags = Vec::new();
        let target = match found {
            Some((target, _)) => {
                if stdlib::is_identifier(&first.name) {
                    diags.push(
                        Diagnostic::warning(file.position(first.pos), stdlib::SHADOWING_WARNING)
                            .with_end(file.position(first.end())),
                    );
                }
                target
            }
            None if !in_scope => {
                let message = format!(
                    "component {} does not exist or is out of scope",
                    go_quote(t.name().as_bytes())
                );
                diags.push(Diagnostic::error_at(file, whole, message));
                None
            }
            None if stdlib::is_deprecated(&first.name) => {
                diags.push(
                    Diagnostic::warning(file.position(first.pos), stdlib::DEPRECATED_WARNING)
                        .with_end(file.position(whole.end)),
                );
                None
            }
            None => {
                let name = t.name();
                if stdlib::is_experimental(&name)
                    && let Err(message) =
                        Stability::Experimental.check_allowed(self.options.min_stability, &name)
                {
                    diags.push(Diagnostic::error_at(file, whole, message));
                }
                None
            }
        };
        (target, diags)
    }

    /// The arguments of a custom component instance against its `argument`
    /// blocks: Alloy's type check of a struct whose fields accept any value.
    fn check_arguments(&self, block: Block<'_>, arguments: &[Argument]) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut seen = HashSet::new();
        for stmt in &block.stmt.body {
            let (start, end, message) = match stmt {
                Stmt::Block(b) => (
                    b.name_pos,
                    b.rcurly,
                    format!(
                        "unrecognized block name {}",
                        go_quote(b.full_name().as_bytes())
                    ),
                ),
                Stmt::Attribute(a) => {
                    let quoted = go_quote(a.name.name.as_bytes());
                    if !arguments.iter().any(|arg| arg.name == a.name.name) {
                        (
                            a.name.pos,
                            a.value.end(),
                            format!("unrecognized attribute name {quoted}"),
                        )
                    } else if !seen.insert(a.name.name.as_str()) {
                        let message = format!("attribute {quoted} may only be provided once");
                        (a.name.pos, a.value.end(), message)
                    } else {
                        continue;
                    }
                }
            };
            diags.push(self.error(block, start, end, message));
        }
        for arg in arguments.iter().filter(|a| !a.optional) {
            if !seen.contains(arg.name.as_str()) {
                let message = format!(
                    "missing required attribute {}",
                    go_quote(arg.name.as_bytes())
                );
                diags.push(self.at_block(block, message));
            }
        }
        diags
    }
}

/// The source text of the last attribute `name` anywhere in `stmts` (nested
/// blocks included) whose value is a literal of kind `kind`; as Alloy reads
/// `optional` of an argument and `var` of a foreach without evaluating.
fn literal_attr<'a>(
    stmts: impl IntoIterator<Item = &'a Stmt>,
    name: &str,
    kind: Token,
) -> Option<String> {
    let mut found = None;
    for stmt in stmts {
        match stmt {
            Stmt::Attribute(a) if a.name.name == name => {
                if let Expr::Literal(l) = &a.value
                    && l.kind == kind
                {
                    found = Some(l.value.clone());
                }
            }
            Stmt::Attribute(_) => {}
            Stmt::Block(b) => {
                if let Some(v) = literal_attr(&b.body, name, kind) {
                    found = Some(v);
                }
            }
        }
    }
    found
}
