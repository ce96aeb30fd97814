//! What the HTTP server sees of a module: its nodes as [`ComponentInfo`], with
//! references both ways and data-flow edges (SPEC §1.11).

use super::module::Module;
use super::node::{Kind, Node};
use crate::host::{ComponentDetail, ComponentInfo};
use std::collections::BTreeSet;
use syntax::decode::EncodedBody;
use syntax::value::Value;

/// The nodes of `module`, in the graph's order.
pub fn components(module: &Module) -> Vec<ComponentInfo> {
    let graph = module.graph();
    let n = graph.nodes.len();
    let mut referenced_by = vec![BTreeSet::new(); n];
    let mut data_flow = vec![BTreeSet::new(); n];
    for (i, deps) in graph.deps.iter().enumerate() {
        for &d in deps {
            referenced_by[d].insert(graph.nodes[i].id.clone());
        }
    }
    for (i, references) in graph.references.iter().enumerate() {
        for (target, path) in references {
            // Data flows into receivers, and out of anything else.
            if is_receiver(&field(&graph.nodes[*target].exports(), path)) {
                data_flow[i].insert(graph.nodes[*target].id.clone());
            } else {
                data_flow[*target].insert(graph.nodes[i].id.clone());
            }
        }
    }
    graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let references_to: BTreeSet<String> = graph.deps[i]
                .iter()
                .map(|&d| graph.nodes[d].id.clone())
                .collect();
            info(
                module,
                node,
                references_to.into_iter().collect(),
                std::mem::take(&mut referenced_by[i]).into_iter().collect(),
                std::mem::take(&mut data_flow[i]).into_iter().collect(),
            )
        })
        .collect()
}

/// One node with its arguments, exports and debug info.
pub fn detail(module: &Module, local_id: &str) -> Option<ComponentDetail> {
    let info = components(module)
        .into_iter()
        .find(|c| c.local_id == local_id)?;
    let node = module.graph().node(local_id)?;
    let component = node.component();
    Some(ComponentDetail {
        info,
        arguments: match (&component, node.child()) {
            (Some(c), _) => c.arguments(),
            // A custom component's arguments are the values it passes in.
            (None, Some(child)) if matches!(node.kind, Kind::Custom) => {
                let mut body = EncodedBody::default();
                for (name, value) in child.arguments() {
                    body.attribute(name, value);
                }
                body
            }
            _ => EncodedBody::default(),
        },
        exports: node.exports(),
        debug_info: component
            .and_then(|c| c.debug_info())
            .unwrap_or(Value::Null),
    })
}

fn info(
    module: &Module,
    node: &Node,
    references_to: Vec<String>,
    referenced_by: Vec<String>,
    data_flow_edges_to: Vec<String>,
) -> ComponentInfo {
    let mut created_module_ids: Vec<String> = node
        .created_modules()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    created_module_ids.sort();
    ComponentInfo {
        name: node.name.clone(),
        local_id: node.id.clone(),
        module_id: module.id.clone(),
        label: node.label.clone(),
        references_to,
        referenced_by,
        data_flow_edges_to,
        health: node.health(),
        created_module_ids,
        live_debugging_enabled: false,
    }
}

/// The value at `path` inside `exports`, or null.
fn field(exports: &Value, path: &[String]) -> Value {
    let mut value = exports;
    for name in path {
        match value {
            Value::Object(o) => match o.get(name) {
                Some(v) => value = v,
                None => return Value::Null,
            },
            _ => return Value::Null,
        }
    }
    value.clone()
}

fn is_receiver(value: &Value) -> bool {
    match value {
        Value::Capsule(c) => c.0.is_data_receiver(),
        Value::Array(items) => items.iter().any(is_receiver),
        _ => false,
    }
}
