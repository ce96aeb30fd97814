//! The dependency graph between top-level blocks: the references an expression
//! makes, how they resolve to node IDs, and a graph with cycle detection.
//!
//! Node IDs are [`syntax::ast::BlockStmt::id`]: the block name, plus `.label`.

use std::collections::HashMap;
use syntax::ast::{Expr, Ident, Stmt};
use syntax::pos::Pos;

/// A chain of field accesses starting at an identifier, e.g. `a.b.c` in `a.b.c[0].d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traversal(pub Vec<Ident>);

impl Traversal {
    /// The dotted name, e.g. `prometheus.remote_write.default.receiver`.
    pub fn name(&self) -> String {
        self.prefix(self.0.len())
    }

    /// The first `len` identifiers joined with dots.
    pub fn prefix(&self, len: usize) -> String {
        let names: Vec<&str> = self.0.iter().take(len).map(|i| i.name.as_str()).collect();
        names.join(".")
    }

    pub fn first(&self) -> &Ident {
        &self.0[0]
    }

    /// The last character of the last identifier.
    pub fn end(&self) -> Pos {
        self.0.last().map_or(Pos::NONE, Ident::end)
    }
}

/// Every traversal in `stmts` (and their nested blocks), in source order, as Alloy
/// finds them: an identifier starts a traversal, field accesses extend it, and
/// indexing or calling ends it (their index and arguments are walked on their own).
pub fn traversals<'a>(stmts: impl IntoIterator<Item = &'a Stmt>) -> Vec<Traversal> {
    let mut walker = Walker::default();
    walker.body(stmts);
    walker.flush();
    walker.found
}

#[derive(Default)]
struct Walker {
    found: Vec<Traversal>,
    /// False after a call or index: a following `.name` is not a reference.
    building: bool,
    current: Vec<Ident>,
}

impl Walker {
    fn flush(&mut self) {
        let current = std::mem::take(&mut self.current);
        if self.building && !current.is_empty() {
            self.found.push(Traversal(current));
        }
        self.building = false;
    }

    fn body<'a>(&mut self, stmts: impl IntoIterator<Item = &'a Stmt>) {
        for stmt in stmts {
            match stmt {
                Stmt::Attribute(a) => self.expr(&a.value),
                Stmt::Block(b) => self.body(&b.body),
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Identifier(ident) => {
                self.flush();
                self.building = true;
                self.current.push(ident.clone());
            }
            Expr::Literal(_) => {}
            Expr::Array(a) => a.elements.iter().for_each(|e| self.expr(e)),
            Expr::Object(o) => o.fields.iter().for_each(|f| self.expr(&f.value)),
            Expr::Access(a) => {
                self.expr(&a.value);
                if self.building {
                    self.current.push(a.name.clone());
                }
            }
            Expr::Index(i) => {
                self.expr(&i.value);
                self.flush();
                self.expr(&i.index);
            }
            Expr::Call(c) => {
                self.expr(&c.value);
                self.flush();
                c.args.iter().for_each(|e| self.expr(e));
            }
            Expr::Unary(u) => self.expr(&u.value),
            Expr::Binary(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Paren(p) => self.expr(&p.inner),
        }
    }
}

/// Resolves `t` against node IDs, trying the shortest prefix first (`a`, `a.b`, …).
/// Returns what `lookup` found and the number of identifiers naming the node (the
/// rest is a path into its exports); `None` when no prefix is a node.
pub fn resolve<N>(t: &Traversal, lookup: impl Fn(&str) -> Option<N>) -> Option<(N, usize)> {
    (1..=t.0.len()).find_map(|len| lookup(&t.prefix(len)).map(|n| (n, len)))
}

/// A directed graph of string-identified nodes; edges point from a node to what it
/// depends on. Nodes and edges keep their insertion order, so everything derived
/// from the graph is deterministic.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    ids: Vec<String>,
    by_id: HashMap<String, usize>,
    edges: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a node (or finds the existing one with this ID) and returns its index.
    pub fn add(&mut self, id: impl Into<String>) -> usize {
        let id = id.into();
        if let Some(&i) = self.by_id.get(&id) {
            return i;
        }
        let i = self.ids.len();
        self.by_id.insert(id.clone(), i);
        self.ids.push(id);
        self.edges.push(Vec::new());
        i
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn id(&self, node: usize) -> &str {
        &self.ids[node]
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Records that `from` depends on `to` (once).
    pub fn add_edge(&mut self, from: usize, to: usize) {
        if !self.edges[from].contains(&to) {
            self.edges[from].push(to);
        }
    }

    /// Nodes that depend on themselves directly, in insertion order.
    pub fn self_references(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&n| self.edges[n].contains(&n))
            .collect()
    }

    /// Strongly connected components (Tarjan), starting from nodes in insertion
    /// order. Each component lists its nodes in the order they were popped; a
    /// component of more than one node is a cycle.
    pub fn strongly_connected_components(&self) -> Vec<Vec<usize>> {
        Tarjan::new(self).run()
    }
}

/// Iterative Tarjan, so deep dependency chains cannot overflow the stack.
struct Tarjan<'g> {
    graph: &'g Graph,
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    result: Vec<Vec<usize>>,
}

impl<'g> Tarjan<'g> {
    fn new(graph: &'g Graph) -> Self {
        let n = graph.len();
        Tarjan {
            graph,
            index: vec![0; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            counter: 0,
            result: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Vec<usize>> {
        for root in 0..self.graph.len() {
            if self.index[root] == 0 {
                self.visit_from(root);
            }
        }
        self.result
    }

    fn enter(&mut self, node: usize) {
        self.counter += 1;
        self.index[node] = self.counter;
        self.low[node] = self.counter;
        self.stack.push(node);
        self.on_stack[node] = true;
    }

    fn visit_from(&mut self, root: usize) {
        // Each frame is a node and the position of its next successor to look at.
        let mut frames = vec![(root, 0usize)];
        self.enter(root);
        while let Some(&mut (node, ref mut next)) = frames.last_mut() {
            if let Some(&succ) = self.graph.edges[node].get(*next) {
                *next += 1;
                if self.index[succ] == 0 {
                    self.enter(succ);
                    frames.push((succ, 0));
                } else if self.on_stack[succ] {
                    self.low[node] = self.low[node].min(self.index[succ]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                self.low[parent] = self.low[parent].min(self.low[node]);
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                self.result.push(component);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntax::ast::{AccessExpr, AttributeStmt, CallExpr, IndexExpr, LiteralExpr};
    use syntax::token::Token;

    fn ident(name: &str, pos: u32) -> Ident {
        Ident {
            name: name.into(),
            pos: Pos(pos),
        }
    }

    fn path(names: &[&str]) -> Expr {
        let mut e = Expr::Identifier(ident(names[0], 0));
        for n in &names[1..] {
            e = Expr::Access(Box::new(AccessExpr {
                value: e,
                name: ident(n, 0),
            }));
        }
        e
    }

    fn call(value: Expr, args: Vec<Expr>) -> Expr {
        Expr::Call(Box::new(CallExpr {
            value,
            args,
            lparen: Pos(0),
            rparen: Pos(0),
        }))
    }

    fn names(e: Expr) -> Vec<String> {
        let body = vec![Stmt::Attribute(AttributeStmt {
            name: ident("x", 0),
            value: e,
        })];
        traversals(&body).iter().map(Traversal::name).collect()
    }

    #[test]
    fn calls_and_indexes_cut_traversals() {
        let indexed = Expr::Index(Box::new(IndexExpr {
            value: path(&["a", "b"]),
            index: Expr::Literal(LiteralExpr {
                kind: Token::Number,
                pos: Pos(0),
                value: "0".into(),
            }),
            lbrack: Pos(0),
            rbrack: Pos(0),
        }));
        let accessed = Expr::Access(Box::new(AccessExpr {
            value: indexed,
            name: ident("c", 0),
        }));
        assert_eq!(names(accessed), ["a.b"]);

        let f = call(
            path(&["string", "join"]),
            vec![path(&["x", "y"]), path(&["z"])],
        );
        assert_eq!(names(f), ["string.join", "x.y", "z"]);

        // As in Alloy, an access after a call whose last argument was a
        // traversal extends that argument's traversal.
        let quirk = Expr::Access(Box::new(AccessExpr {
            value: call(path(&["f"]), vec![path(&["x"])]),
            name: ident("y", 0),
        }));
        assert_eq!(names(quirk), ["f", "x.y"]);
    }

    #[test]
    fn resolution_prefers_the_shortest_prefix() {
        let t = Traversal(vec![ident("a", 0), ident("b", 2), ident("c", 4)]);
        let ids = ["a.b", "a.b.c"];
        let found = resolve(&t, |id| ids.iter().position(|&x| x == id));
        assert_eq!(found, Some((0, 2)));
        assert_eq!(resolve(&t, |_| None::<()>), None);
        assert_eq!(t.end(), Pos(4));
    }

    #[test]
    fn tarjan_finds_cycles_in_insertion_order() {
        let mut g = Graph::new();
        let [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map(|n| g.add(n));
        g.add_edge(a, b);
        g.add_edge(b, a);
        g.add_edge(c, d);
        g.add_edge(d, e);
        g.add_edge(e, c);
        g.add_edge(e, e);
        let cycles: Vec<Vec<&str>> = g
            .strongly_connected_components()
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| c.into_iter().map(|n| g.id(n)).collect())
            .collect();
        assert_eq!(cycles, vec![vec!["b", "a"], vec!["e", "d", "c"]]);
        assert_eq!(g.self_references(), vec![e]);
        assert_eq!(g.add("a"), a);
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let mut g = Graph::new();
        let n = 200_000;
        for i in 0..n {
            g.add(i.to_string());
        }
        for i in 1..n {
            g.add_edge(i - 1, i);
        }
        assert_eq!(g.strongly_connected_components().len(), n);
    }
}
