"use strict";

// The pipeline graph: a layered left-to-right layout of a module's components
// (a small Sugiyama-style layout: break cycles, layer by longest path, add
// waypoints for edges that skip layers, order layers by barycentre) drawn as
// plain SVG. No library: the binary embeds these files and runs offline.
window.FerroGraph = (function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const NODE_HEIGHT = 56;
  const ROW_GAP = 24;
  const WAYPOINT_HEIGHT = 12;
  const LAYER_GAP = 96;
  const MARGIN = 24;
  const CHAR_WIDTH = 7.6; // the node font's advance, to size boxes to their text
  const ARROW = 8;
  const BACK_EDGE_ROOM = 48;

  // Edges between the components of one module: data flow (dataFlowEdgesTo)
  // and, where no data edge already joins the pair, references drawn from the
  // referenced component to the one that uses it.
  function edgesOf(components, ids) {
    const edges = [];
    const joined = new Set();
    for (const c of components) {
      for (const to of c.dataFlowEdgesTo || []) {
        if (!ids.has(to) || to === c.localID) continue;
        edges.push({ from: c.localID, to: to, kind: "data" });
        joined.add(c.localID + "\n" + to);
        joined.add(to + "\n" + c.localID);
      }
    }
    for (const c of components) {
      for (const dep of c.referencesTo || []) {
        if (!ids.has(dep) || dep === c.localID || joined.has(dep + "\n" + c.localID)) continue;
        edges.push({ from: dep, to: c.localID, kind: "reference" });
        joined.add(dep + "\n" + c.localID);
        joined.add(c.localID + "\n" + dep);
      }
    }
    return edges;
  }

  // Depth-first search from every source (then every node left over, for
  // components inside cycles); edges that close a cycle are "back" edges and
  // take no part in layering. Returns nodes in topological order of the rest.
  function orderAndBreakCycles(ids, edges) {
    const out = new Map([...ids].map((id) => [id, []]));
    for (const e of edges) out.get(e.from).push(e);
    const hasIncoming = new Set(edges.map((e) => e.to));
    const state = new Map(); // 1 = on the stack, 2 = done
    const postorder = [];
    const visit = (root) => {
      const stack = [{ id: root, next: 0 }];
      state.set(root, 1);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const outgoing = out.get(top.id);
        if (top.next < outgoing.length) {
          const e = outgoing[top.next++];
          const seen = state.get(e.to);
          if (seen === 1) e.back = true;
          else if (!seen) {
            state.set(e.to, 1);
            stack.push({ id: e.to, next: 0 });
          }
        } else {
          state.set(top.id, 2);
          postorder.push(top.id);
          stack.pop();
        }
      }
    };
    for (const id of ids) if (!hasIncoming.has(id) && !state.has(id)) visit(id);
    for (const id of ids) if (!state.has(id)) visit(id);
    return postorder.reverse();
  }

  function layout(components) {
    const ids = new Set(components.map((c) => c.localID));
    const byId = new Map(components.map((c) => [c.localID, c]));
    const edges = edgesOf(components, ids);
    const topo = orderAndBreakCycles(ids, edges);

    // Longest-path layering: each node one layer right of its furthest input.
    const layerOf = new Map(topo.map((id) => [id, 0]));
    const forward = edges.filter((e) => !e.back);
    for (const id of topo) {
      for (const e of forward) {
        if (e.from === id) layerOf.set(e.to, Math.max(layerOf.get(e.to), layerOf.get(id) + 1));
      }
    }

    const nodes = new Map();
    for (const id of topo) {
      const c = byId.get(id);
      const textChars = Math.max(c.name.length, (c.label || "").length);
      nodes.set(id, {
        id: id,
        component: c,
        layer: layerOf.get(id),
        width: Math.max(170, Math.ceil(textChars * CHAR_WIDTH) + 36),
        height: NODE_HEIGHT,
        waypoint: false,
      });
    }

    // Edges that skip layers pass through one waypoint per skipped layer, so
    // ordering keeps them clear of the nodes in between.
    const segments = []; // [from, to] between adjacent layers, for ordering
    for (const e of forward) {
      e.path = [e.from];
      let prev = e.from;
      for (let layer = layerOf.get(e.from) + 1; layer < layerOf.get(e.to); layer++) {
        const wp = { id: "\u0000" + e.from + "\u0000" + e.to + "\u0000" + layer, layer: layer, width: 0, height: WAYPOINT_HEIGHT, waypoint: true };
        nodes.set(wp.id, wp);
        segments.push([prev, wp.id]);
        e.path.push(wp.id);
        prev = wp.id;
      }
      segments.push([prev, e.to]);
      e.path.push(e.to);
    }

    const layers = [];
    for (const n of nodes.values()) (layers[n.layer] = layers[n.layer] || []).push(n);
    orderLayers(layers, segments, nodes);

    // Columns as wide as their widest node; edges that close a cycle loop
    // round the outside, so they get room on both sides.
    const loopRoom = edges.some((e) => e.back) ? BACK_EDGE_ROOM : 0;
    let x = MARGIN + loopRoom;
    for (const layer of layers) {
      const width = Math.max(0, ...layer.map((n) => n.width));
      for (const n of layer) n.x = x + (width - n.width) / 2;
      x += width + LAYER_GAP;
    }
    placeVertically(layers, segments, nodes);

    let bottom = 0;
    for (const n of nodes.values()) bottom = Math.max(bottom, n.y + n.height);
    return {
      nodes: [...nodes.values()].filter((n) => !n.waypoint),
      edges: edges,
      nodeById: nodes,
      width: Math.max(x - LAYER_GAP + MARGIN + loopRoom, 200),
      height: bottom + MARGIN + (edges.some((e) => e.back) ? 40 : 0),
      bottom: bottom,
    };
  }

  // Barycentre heuristic: sweep right then left, sorting each layer by the mean
  // position of its neighbours in the layer just placed.
  function orderLayers(layers, segments, nodes) {
    const preds = new Map();
    const succs = new Map();
    for (const id of nodes.keys()) {
      preds.set(id, []);
      succs.set(id, []);
    }
    for (const [a, b] of segments) {
      succs.get(a).push(b);
      preds.get(b).push(a);
    }
    const setIndices = (layer) => layer.forEach((n, i) => (n.order = i));
    layers.forEach(setIndices);
    const sortBy = (layer, neighbours) => {
      const key = new Map();
      for (const n of layer) {
        const ns = neighbours.get(n.id);
        key.set(n.id, ns.length ? ns.reduce((s, id) => s + nodes.get(id).order, 0) / ns.length : n.order);
      }
      layer.sort((a, b) => key.get(a.id) - key.get(b.id) || a.order - b.order);
      setIndices(layer);
    };
    for (let sweep = 0; sweep < 4; sweep++) {
      for (let i = 1; i < layers.length; i++) sortBy(layers[i], preds);
      for (let i = layers.length - 2; i >= 0; i--) sortBy(layers[i], succs);
    }
  }

  // Each node is drawn level with the mean of its inputs where there is room,
  // so chains stay straight; layers keep their order and never overlap.
  function placeVertically(layers, segments, nodes) {
    const preds = new Map();
    for (const [a, b] of segments) (preds.get(b) || preds.set(b, []).get(b)).push(a);
    const centre = (n) => n.y + n.height / 2;
    for (const layer of layers) {
      let next = MARGIN;
      for (const n of layer) {
        const ps = preds.get(n.id) || [];
        const wanted = ps.length ? ps.reduce((s, id) => s + centre(nodes.get(id)), 0) / ps.length - n.height / 2 : next;
        n.y = Math.max(wanted, next);
        next = n.y + n.height + ROW_GAP;
      }
    }
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }

  function edgePath(e, g) {
    const points = e.path.map((id) => g.nodeById.get(id));
    const first = points[0];
    const last = points[points.length - 1];
    const start = { x: first.x + first.width, y: first.y + first.height / 2 };
    const end = { x: last.x - ARROW, y: last.y + last.height / 2 };
    const through = points.slice(1, -1).map((p) => ({ x: p.x, y: p.y + p.height / 2 }));
    const stops = [start, ...through, end];
    let d = "M" + start.x + " " + start.y;
    for (let i = 1; i < stops.length; i++) {
      const p = stops[i - 1];
      const q = stops[i];
      const bend = Math.max((q.x - p.x) / 2, 20);
      d += " C" + (p.x + bend) + " " + p.y + " " + (q.x - bend) + " " + q.y + " " + q.x + " " + q.y;
    }
    return { d: d, tip: end };
  }

  // An edge that closes a cycle runs back under the whole graph.
  function backEdgePath(e, g) {
    const from = g.nodeById.get(e.from);
    const to = g.nodeById.get(e.to);
    const sx = from.x + from.width;
    const sy = from.y + from.height / 2;
    const tx = to.x - ARROW;
    const ty = to.y + to.height / 2;
    const low = g.bottom + 24;
    const d = "M" + sx + " " + sy + " C" + (sx + 40) + " " + sy + " " + (sx + 40) + " " + low + " " + sx + " " + low +
      " L" + (tx - 30) + " " + low + " C" + (tx - 60) + " " + low + " " + (tx - 40) + " " + ty + " " + tx + " " + ty;
    return { d: d, tip: { x: tx, y: ty } };
  }

  // Arrowheads are drawn as triangles rather than SVG markers: url(#marker)
  // references resolve against <base href>, which the UI prefix changes.
  function arrowhead(tip, kind) {
    const points = [tip.x + ARROW, tip.y, tip.x, tip.y - ARROW / 2, tip.x, tip.y + ARROW / 2].join(" ");
    return svg("polygon", { class: "arrow arrow-" + kind, points: points });
  }

  // The graph of `components` as an <svg>; `hrefFor(component)` gives each
  // node's link.
  function render(components, hrefFor) {
    const g = layout(components);
    const root = svg("svg", {
      class: "pipeline-graph",
      width: g.width,
      height: g.height,
      viewBox: "0 0 " + g.width + " " + g.height,
      role: "img",
      "aria-label": "Pipeline graph",
    });
    const edgeLayer = svg("g", { class: "edges" });
    for (const e of g.edges) {
      const shape = e.back ? backEdgePath(e, g) : edgePath(e, g);
      edgeLayer.append(
        svg("g", { class: "edge edge-" + e.kind, "data-from": e.from, "data-to": e.to },
          svg("title", {}, e.from + " → " + e.to + (e.kind === "data" ? " (data flow)" : " (reference)")),
          svg("path", { d: shape.d }),
          arrowhead(shape.tip, e.kind))
      );
    }
    const nodeLayer = svg("g", { class: "nodes" });
    for (const n of g.nodes) {
      const c = n.component;
      const state = (c.health && c.health.state) || "unknown";
      const lines = c.label ? [c.name, c.label] : [c.name];
      const text = svg("text", { x: n.x + n.width / 2, y: n.y + (lines.length === 2 ? 24 : 33) });
      lines.forEach((line, i) =>
        text.append(svg("tspan", { x: n.x + n.width / 2, dy: i ? 18 : 0, class: i ? "node-label" : "node-name" }, line))
      );
      const tooltip = c.localID + " — " + state + (c.health && c.health.message ? ": " + c.health.message : "");
      nodeLayer.append(
        svg("a", { href: hrefFor(c), class: "node-link" },
          svg("g", { class: "node state-" + state, "data-id": c.localID },
            svg("title", {}, tooltip),
            svg("rect", { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8 }),
            svg("rect", { class: "node-stripe", x: n.x, y: n.y, width: 6, height: n.height, rx: 3 }),
            text))
      );
    }
    root.append(edgeLayer, nodeLayer);
    return root;
  }

  return { render: render, layout: layout };
})();
