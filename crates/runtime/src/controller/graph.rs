//! Building a module's graph from its blocks: node kinds, reuse of unchanged
//! nodes, references resolved shortest-prefix-first, cycles, and the order of
//! evaluation (dependencies first).

use super::node::{Kind, Located, Node, Service};
use crate::graph::{self, Graph};
use crate::registry::Registry;
use prometheus_client::registry::Registry as MetricsRegistry;
use std::collections::HashMap;
use std::sync::Arc;
use syntax::ast::Stmt;
use syntax::diag::SpanError;
use syntax::pos::{SourceFile, Span};
use syntax::stability::Stability;

/// A node's reference into another node's exports: the node, and the field path.
pub type Reference = (usize, Vec<String>);

#[derive(Default)]
pub struct ModuleGraph {
    /// In the order the blocks were written.
    pub nodes: Vec<Arc<Node>>,
    index: HashMap<String, usize>,
    /// What each node depends on.
    pub deps: Vec<Vec<usize>>,
    /// What depends on each node.
    pub dependants: Vec<Vec<usize>>,
    pub references: Vec<Vec<Reference>>,
    /// Every node, dependencies before dependants.
    pub order: Vec<usize>,
}

impl ModuleGraph {
    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn node(&self, id: &str) -> Option<Arc<Node>> {
        self.get(id).map(|i| self.nodes[i].clone())
    }
}

pub type GraphErrors = Vec<(Arc<SourceFile>, SpanError)>;

/// The graph of `blocks`, reusing the nodes of `old` that keep their ID and kind
/// (they get their new block only when the whole graph is valid).
pub fn build_graph(
    registry: &Registry,
    min_stability: Stability,
    old: &ModuleGraph,
    blocks: Vec<Located>,
    outer: &dyn Fn(&str) -> bool,
    metrics: impl Fn(&str) -> MetricsRegistry,
) -> Result<ModuleGraph, GraphErrors> {
    let mut errors = GraphErrors::new();
    let mut graph = ModuleGraph::default();
    let mut located = Vec::new();
    for block in blocks {
        let id = block.block.id();
        let at = |message: String| {
            (
                block.file.clone(),
                SpanError::new(Span::at(block.block.name_pos), message),
            )
        };
        if graph.index.contains_key(&id) {
            errors.push(at(format!("block {id} already declared")));
            continue;
        }
        let kind = match classify(registry, min_stability, &block) {
            Ok(kind) => kind,
            Err(e) => {
                errors.push(at(e));
                continue;
            }
        };
        let node = match old.node(&id) {
            Some(node) if node.kind.same_as(&kind) => node,
            _ => Arc::new(Node::new(block.clone(), kind, metrics(&id))),
        };
        graph.index.insert(id, graph.nodes.len());
        graph.nodes.push(node);
        located.push(block);
    }

    for (block, node) in located.iter().zip(&graph.nodes) {
        let mut deps = Vec::new();
        let mut references = Vec::new();
        if !matches!(node.kind, Kind::Declare) {
            for t in graph::traversals(&block.block.body) {
                match graph::resolve(&t, |prefix| graph.get(prefix)) {
                    Some((dep, len)) => {
                        if !deps.contains(&dep) {
                            deps.push(dep);
                        }
                        let path = t.0[len..].iter().map(|i| i.name.clone()).collect();
                        references.push((dep, path));
                    }
                    None => {
                        let first = &t.first().name;
                        // A foreach template's own nodes and variable are
                        // resolved inside its modules.
                        let in_scope = first == "module_path"
                            || syntax::stdlib::is_identifier(first)
                            || outer(first)
                            || matches!(node.kind, Kind::Foreach);
                        if !in_scope {
                            errors.push((
                                block.file.clone(),
                                SpanError::new(
                                    Span::new(t.first().pos, t.end()),
                                    format!(
                                        "component {:?} does not exist or is out of scope",
                                        t.name()
                                    ),
                                ),
                            ));
                        }
                    }
                }
            }
        }
        // A custom component depends on its definition; a `declare` on the
        // definitions its body instantiates, so their changes reach its users.
        let used = match node.kind {
            Kind::Custom => vec![node.name.clone()],
            Kind::Declare => nested_block_names(&block.block.body),
            _ => Vec::new(),
        };
        for name in used {
            if let Some(definition) = definition_node(&graph, &name)
                && !deps.contains(&definition)
            {
                deps.push(definition);
            }
        }
        graph.deps.push(deps);
        graph.references.push(references);
    }

    errors.extend(cycles(&graph, &located));
    if !errors.is_empty() {
        return Err(errors);
    }
    graph.dependants = vec![Vec::new(); graph.nodes.len()];
    for (i, deps) in graph.deps.iter().enumerate() {
        for &d in deps {
            graph.dependants[d].push(i);
        }
    }
    graph.order = topological_order(&graph.deps);
    for (node, block) in graph.nodes.iter().zip(located) {
        node.set_located(block);
    }
    Ok(graph)
}

fn classify(
    registry: &Registry,
    min_stability: Stability,
    located: &Located,
) -> Result<Kind, String> {
    let block = &located.block;
    let name = block.full_name();
    if block.label.is_empty()
        && let Some(service) = Service::from_name(&name)
    {
        return Ok(Kind::Service(service));
    }
    Ok(match name.as_str() {
        "declare" => Kind::Declare,
        "argument" => Kind::Argument,
        "export" => Kind::Export,
        "import.string" => Kind::ImportString,
        "import.file" => Kind::ImportFile,
        "foreach" => Kind::Foreach,
        "import.http" | "import.git" => {
            return Err(format!("{name} blocks are not supported yet"));
        }
        _ => match registry.get(&name) {
            Some(_) => Kind::Builtin(registry.lookup(&name, min_stability)?.clone()),
            None => Kind::Custom,
        },
    })
}

/// The local `declare` or import node a custom component name refers to.
fn definition_node(graph: &ModuleGraph, name: &str) -> Option<usize> {
    graph.get(&format!("declare.{name}")).or_else(|| {
        let (namespace, _) = name.split_once('.')?;
        ["import.file", "import.string"]
            .iter()
            .find_map(|kind| graph.get(&format!("{kind}.{namespace}")))
    })
}

/// The names of every block inside `body`, at any depth.
fn nested_block_names(body: &[Stmt]) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack: Vec<&[Stmt]> = vec![body];
    while let Some(stmts) = stack.pop() {
        for stmt in stmts {
            if let Stmt::Block(b) = stmt {
                names.push(b.full_name());
                stack.push(&b.body);
            }
        }
    }
    names
}

/// Alloy's runtime wording: `self reference: x`, `cycle: a, b`.
fn cycles(graph: &ModuleGraph, located: &[Located]) -> GraphErrors {
    let mut g = Graph::new();
    for node in &graph.nodes {
        g.add(node.id.clone());
    }
    for (i, deps) in graph.deps.iter().enumerate() {
        for &d in deps {
            g.add_edge(i, d);
        }
    }
    let at = |i: usize, message: String| {
        let block = &located[i];
        (
            block.file.clone(),
            SpanError::new(Span::at(block.block.name_pos), message),
        )
    };
    let mut errors: GraphErrors = g
        .self_references()
        .into_iter()
        .map(|i| at(i, format!("self reference: {}", graph.nodes[i].id)))
        .collect();
    for component in g.strongly_connected_components() {
        if component.len() > 1 {
            let names: Vec<&str> = component.iter().map(|&i| g.id(i)).collect();
            errors.push(at(component[0], format!("cycle: {}", names.join(", "))));
        }
    }
    errors
}

/// Depth-first post-order over dependencies, roots in insertion order.
fn topological_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let mut visited = vec![false; deps.len()];
    let mut order = Vec::with_capacity(deps.len());
    for root in 0..deps.len() {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.last_mut() {
            if let Some(&dep) = deps[*node].get(*next) {
                *next += 1;
                if !visited[dep] {
                    visited[dep] = true;
                    stack.push((dep, 0));
                }
            } else {
                order.push(*node);
                stack.pop();
            }
        }
    }
    order
}
