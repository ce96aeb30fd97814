"use strict";

// ferroalloy's UI: a small client-side router over the /api/v0/web API.
// Routes, relative to the page's <base> (the UI path prefix):
//   ""                 every component of the root module with its health
//   component/<id>     one component: health, arguments, exports, debug info
//   graph[/<module>]   the pipeline graph of the root module or of a module
// Every URL is relative so the UI works under any prefix.

const view = document.getElementById("view");
const reloadButton = document.getElementById("reload");
const reloadResult = document.getElementById("reload-result");
const REFRESH_MS = 10000;

// ---- DOM and HTTP helpers --------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

class HttpError extends Error {
  constructor(status, body) {
    super("HTTP " + status + (body ? ": " + body.trim() : ""));
    this.status = status;
  }
}

async function getJSON(path) {
  const resp = await fetch(path, { cache: "no-cache", credentials: "same-origin" });
  if (!resp.ok) throw new HttpError(resp.status, await resp.text());
  return resp.json();
}

// Component and module IDs are path-like (`module/local.id`); each part is
// escaped on its own so the slashes stay slashes.
function pathOf(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

const api = {
  components: () => getJSON("api/v0/web/components"),
  moduleComponents: (moduleID) => getJSON("api/v0/web/modules/" + pathOf(moduleID) + "/components"),
  component: (id) => getJSON("api/v0/web/components/" + pathOf(id)),
};

const globalID = (c) => (c.moduleID ? c.moduleID + "/" + c.localID : c.localID);
const componentHref = (id) => "component/" + pathOf(id);
const graphHref = (moduleID) => (moduleID ? "graph/" + pathOf(moduleID) : "graph");

// ---- Health ----------------------------------------------------------------

const KNOWN_STATES = ["healthy", "unhealthy", "exited", "unknown"];

function stateOf(c) {
  const state = c.health && c.health.state;
  return KNOWN_STATES.includes(state) ? state : "unknown";
}

function badge(state) {
  return el("span", { class: "badge state-" + state }, state.charAt(0).toUpperCase() + state.slice(1));
}

// Go's zero time (and the epoch) mean "never reported".
function formatTime(iso) {
  const t = iso ? new Date(iso) : null;
  if (!t || isNaN(t) || t.getUTCFullYear() <= 1970) return "never";
  const seconds = Math.round((Date.now() - t.getTime()) / 1000);
  let ago;
  if (seconds < 5) ago = "just now";
  else if (seconds < 120) ago = seconds + " s ago";
  else if (seconds < 7200) ago = Math.round(seconds / 60) + " min ago";
  else if (seconds < 172800) ago = Math.round(seconds / 3600) + " h ago";
  else ago = Math.round(seconds / 86400) + " days ago";
  return t.toLocaleString() + " (" + ago + ")";
}

// ---- Values in the Alloy JSON encoding, shown as Alloy syntax --------------

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INLINE_LIMIT = 72;

// Renders `{type, value}` into `out` (an array of nodes and strings),
// Alloy-style: strings quoted, objects as `{ key = value }`.
function writeValue(out, v) {
  const type = v ? v.type : "null";
  const value = v ? v.value : null;
  switch (type) {
    case "null":
      out.push(el("span", { class: "v-null" }, "null"));
      return;
    case "string":
      out.push(el("span", { class: "v-string" }, JSON.stringify(String(value))));
      return;
    case "number":
    case "bool":
      out.push(el("span", { class: "v-" + type }, String(value)));
      return;
    case "capsule":
      out.push(
        value === "(secret)"
          ? el("span", { class: "v-secret", title: "A secret: its value is never shown" }, "(secret)")
          : el("span", { class: "v-opaque" }, String(value))
      );
      return;
    case "function":
      out.push(el("span", { class: "v-opaque" }, String(value)));
      return;
    case "array":
      writeCollection(out, "[", "]", value || [], writeValue);
      return;
    case "object":
      writeCollection(out, "{", "}", value || [], (target, field) => {
        target.push(el("span", { class: "v-key" }, IDENTIFIER.test(field.key) ? field.key : JSON.stringify(field.key)), " = ");
        writeValue(target, field.value);
      });
      return;
    default:
      out.push(el("span", { class: "v-opaque" }, JSON.stringify(value)));
  }
}

const textOf = (parts) => parts.map((p) => (typeof p === "string" ? p : p.textContent)).join("");

// Short collections of short items stay on one line; others get one item per
// line. Each item is written once, unindented; the line breaks of the
// structure are plain strings (values never contain raw ones), so nesting
// indents an item by indenting after each of its breaks.
function writeCollection(out, open, close, items, writeItem) {
  if (!items.length) {
    out.push(open + close);
    return;
  }
  const written = items.map((item) => {
    const parts = [];
    writeItem(parts, item);
    return parts;
  });
  const text = written.map(textOf);
  if (!text.some((t) => t.includes("\n")) && text.join(", ").length < INLINE_LIMIT) {
    const pad = open === "{" ? " " : "";
    out.push(open + pad);
    written.forEach((parts, i) => out.push(...(i ? [", "] : []), ...parts));
    out.push(pad + close);
    return;
  }
  out.push(open + "\n");
  for (const parts of written) {
    out.push("  ", ...parts.map((p) => (typeof p === "string" ? p.replaceAll("\n", "\n  ") : p)), ",\n");
  }
  out.push(close);
}

function valueNode(v) {
  const out = [];
  writeValue(out, v);
  return el("code", { class: "value" }, ...out);
}

// A body: a list of `{name, type: "attr", value}` and
// `{name, type: "block", label, body}` statements.
function bodyNode(statements) {
  if (!Array.isArray(statements) || !statements.length) return el("p", { class: "muted" }, "None.");
  const rows = statements.map((s) => {
    if (s.type === "block") {
      const title = s.label ? s.name + ' "' + s.label + '"' : s.name;
      return el("tr", { class: "block-row" },
        el("td", { colspan: 2 },
          el("div", { class: "block" }, el("div", { class: "block-title" }, title), bodyNode(s.body))));
    }
    return el("tr", {}, el("th", { scope: "row" }, s.name), el("td", {}, valueNode(s.value)));
  });
  return el("table", { class: "body" }, el("tbody", {}, rows));
}

// ---- Pages -----------------------------------------------------------------

function heading(text, ...extra) {
  return el("div", { class: "page-head" }, el("h1", {}, text), ...extra);
}

function errorPanel(what, err) {
  const missing = err instanceof HttpError && err.status === 404;
  return el("div", { class: "panel error" },
    el("strong", {}, what),
    missing
      ? el("p", {}, "The running configuration has nothing by this ID. ", el("a", { href: "./", "data-route": true }, "See every component."))
      : el("pre", {}, err.message));
}

let listFilter = "";

async function listPage() {
  const components = await api.components();
  components.sort((a, b) => globalID(a).localeCompare(globalID(b)));
  const counts = {};
  for (const c of components) counts[stateOf(c)] = (counts[stateOf(c)] || 0) + 1;
  const summary = el("p", { class: "summary" },
    components.length + (components.length === 1 ? " component" : " components"),
    KNOWN_STATES.filter((s) => counts[s]).map((s) => [" ", el("span", { class: "count state-" + s }, counts[s] + " " + s)]));

  const rows = components.map((c) =>
    el("tr", { "data-id": globalID(c) },
      el("td", {}, badge(stateOf(c))),
      el("td", {}, el("a", { href: componentHref(globalID(c)), "data-route": true, class: "component-id" }, globalID(c))),
      el("td", { class: "message", title: (c.health && c.health.message) || undefined }, (c.health && c.health.message) || ""),
      el("td", { class: "view" }, el("a", { href: componentHref(globalID(c)), "data-route": true, class: "button-link" }, "View")))
  );
  const tbody = el("tbody", {}, rows);
  const filter = el("input", { type: "search", placeholder: "Filter by ID or health…", value: listFilter, "aria-label": "Filter components" });
  const applyFilter = () => {
    listFilter = filter.value;
    const needle = listFilter.trim().toLowerCase();
    for (const row of tbody.rows) row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
  };
  filter.addEventListener("input", applyFilter);
  applyFilter();

  const table = components.length
    ? el("table", { class: "components" },
        el("thead", {}, el("tr", {}, el("th", {}, "Health"), el("th", {}, "Component"), el("th", {}, "Message"), el("th", {}))),
        tbody)
    : el("p", { class: "muted" }, "The configuration has no components.");
  return [heading("Components", filter), summary, table];
}

function idLinks(moduleID, ids) {
  if (!ids || !ids.length) return el("span", { class: "muted" }, "none");
  const prefix = moduleID ? moduleID + "/" : "";
  return el("ul", { class: "links" }, ids.map((id) => el("li", {}, el("a", { href: componentHref(prefix + id), "data-route": true }, id))));
}

function section(title, id, ...content) {
  return el("section", { class: "card", id: id }, el("h2", {}, title), ...content);
}

async function componentPage(id) {
  const c = await api.component(id);
  const state = stateOf(c);
  const sections = [
    section("Health", "health",
      el("dl", { class: "facts" },
        el("dt", {}, "State"), el("dd", {}, badge(state)),
        el("dt", {}, "Message"), el("dd", { class: "health-message" }, (c.health && c.health.message) || el("span", { class: "muted" }, "none")),
        el("dt", {}, "Updated"), el("dd", {}, formatTime(c.health && c.health.updatedTime)))),
    section("Arguments", "arguments", bodyNode(c.arguments)),
    section("Exports", "exports", bodyNode(c.exports)),
    section("Debug info", "debug-info", bodyNode(c.debugInfo)),
    section("Dependencies", "dependencies",
      el("dl", { class: "facts" },
        el("dt", {}, "References"), el("dd", {}, idLinks(c.moduleID, c.referencesTo)),
        el("dt", {}, "Referenced by"), el("dd", {}, idLinks(c.moduleID, c.referencedBy)),
        el("dt", {}, "Data flows to"), el("dd", {}, idLinks(c.moduleID, c.dataFlowEdgesTo)))),
  ];
  if (c.createdModuleIDs && c.createdModuleIDs.length) {
    sections.push(section("Modules", "modules",
      el("ul", { class: "links" }, c.createdModuleIDs.map((m) => el("li", {}, el("a", { href: graphHref(m), "data-route": true }, m))))));
  }
  const crumbs = el("nav", { class: "crumbs" },
    el("a", { href: "./", "data-route": true }, "Components"), " / ",
    c.moduleID ? [el("a", { href: graphHref(c.moduleID), "data-route": true }, c.moduleID), " / "] : [],
    el("span", {}, c.localID));
  return [crumbs, heading(c.localID, badge(state)), el("p", { class: "subtitle" }, c.name + (c.moduleID ? " in module " + c.moduleID : "")), sections];
}

async function graphPage(moduleID) {
  const components = moduleID ? await api.moduleComponents(moduleID) : await api.components();
  const legend = el("div", { class: "legend" },
    el("span", { class: "legend-edge edge-data" }, "data flow"),
    el("span", { class: "legend-edge edge-reference" }, "reference"),
    ["healthy", "unknown", "unhealthy", "exited"].map((s) => el("span", { class: "legend-node state-" + s }, s)));
  const title = moduleID ? "Graph of " + moduleID : "Graph";
  if (!components.length) return [heading(title), el("p", { class: "muted" }, "No components.")];
  const prefix = moduleID ? moduleID + "/" : "";
  const picture = window.FerroGraph.render(components, (c) => componentHref(prefix + c.localID));
  return [heading(title, legend), el("div", { class: "graph-frame" }, picture)];
}

function notFoundPage(path) {
  return [heading("Page not found"), el("p", {}, "Nothing lives at ", el("code", {}, path), ". ", el("a", { href: "./", "data-route": true }, "Back to the components."))];
}

// ---- Routing ---------------------------------------------------------------

function currentRoute() {
  const basePath = new URL(document.baseURI).pathname;
  const path = location.pathname;
  let rel = path.startsWith(basePath) ? path.slice(basePath.length) : path.replace(/^\/+/, "");
  try {
    rel = decodeURIComponent(rel);
  } catch {
    // A malformed escape stays as typed; it will not match a route.
  }
  if (rel === "" || rel === "index.html") return { page: "list" };
  if (rel.startsWith("component/") && rel.length > "component/".length) return { page: "component", id: rel.slice("component/".length) };
  if (rel === "graph") return { page: "graph", module: "" };
  if (rel.startsWith("graph/")) return { page: "graph", module: rel.slice("graph/".length) };
  return { page: "notfound", path: rel };
}

let renderSeq = 0;
let refreshTimer = null;

// Renders the current route. `quiet` refreshes keep the old content on error.
async function render(quiet) {
  const seq = ++renderSeq;
  clearTimeout(refreshTimer);
  const route = currentRoute();
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === (route.page === "component" ? "list" : route.page));
  }
  let content;
  let title = "ferroalloy";
  try {
    if (route.page === "list") content = await listPage();
    else if (route.page === "component") {
      content = await componentPage(route.id);
      title = route.id + " · ferroalloy";
    } else if (route.page === "graph") {
      content = await graphPage(route.module);
      title = "Graph · ferroalloy";
    } else content = notFoundPage(route.path);
  } catch (err) {
    if (quiet && seq === renderSeq) return scheduleRefresh();
    content = [errorPanel(route.page === "component" ? "Could not load component " + route.id : "Could not load the components", err)];
  }
  if (seq !== renderSeq) return; // a newer navigation won
  document.title = title;
  const focused = document.activeElement && document.activeElement.type === "search";
  view.replaceChildren(...[content].flat(Infinity));
  if (focused) {
    const search = view.querySelector("input[type=search]");
    search.focus();
    search.setSelectionRange(search.value.length, search.value.length);
  }
  view.dataset.page = route.page;
  scheduleRefresh();
}

// Health changes while the page is open; the list and detail pages follow it.
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (currentRoute().page !== "notfound") refreshTimer = setTimeout(() => render(true), REFRESH_MS);
}

function navigate(href) {
  history.pushState(null, "", href);
  window.scrollTo(0, 0);
  render(false);
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a");
  if (!link || link.target) return;
  const href = link.getAttribute("href");
  if (href === null) return;
  const url = new URL(href, document.baseURI);
  const basePath = new URL(document.baseURI).pathname;
  if (url.origin !== location.origin || !url.pathname.startsWith(basePath)) return;
  event.preventDefault();
  navigate(url.href);
});

window.addEventListener("popstate", () => render(false));

// ---- Reload ----------------------------------------------------------------

// ferroalloy serves `/-/reload` at the root of the server, outside the UI
// prefix; a proxy that forwards only the prefix may map it beside the UI
// instead. The prefixed path is tried first, the root when that is not it.
async function postReload() {
  const urls = new Set([new URL("-/reload", document.baseURI).href, new URL("/-/reload", location.origin).href]);
  let resp;
  for (const url of urls) {
    resp = await fetch(url, { method: "POST", cache: "no-cache", credentials: "same-origin" });
    if (resp.status !== 404 && resp.status !== 405) break;
  }
  return resp;
}

function showReloadResult(ok, title, detail) {
  const dismiss = el("button", { type: "button", class: "dismiss", "aria-label": "Dismiss" }, "×");
  dismiss.addEventListener("click", () => {
    reloadResult.hidden = true;
    reloadResult.replaceChildren();
  });
  reloadResult.className = "reload-result panel " + (ok ? "ok" : "error");
  reloadResult.dataset.outcome = ok ? "success" : "failure";
  reloadResult.replaceChildren(
    el("div", { class: "reload-head" }, el("strong", {}, title), el("span", { class: "muted" }, new Date().toLocaleTimeString()), dismiss),
    detail ? el("pre", { class: ok ? "reload-detail" : "diagnostics" }, detail) : null
  );
  reloadResult.hidden = false;
}

async function reload() {
  reloadButton.disabled = true;
  reloadButton.textContent = "Reloading…";
  try {
    const resp = await postReload();
    const text = (await resp.text()).trim();
    if (resp.ok) {
      showReloadResult(true, "Configuration reloaded", text);
    } else {
      showReloadResult(false, "Reload failed (HTTP " + resp.status + "): ferroalloy kept running; fix the configuration and reload again", text || resp.statusText);
    }
  } catch (err) {
    showReloadResult(false, "Reload failed: ferroalloy could not be reached", err.message);
  } finally {
    reloadButton.disabled = false;
    reloadButton.textContent = "Reload configuration";
  }
  render(true);
}

reloadButton.addEventListener("click", reload);

render(false);
