// Framework overview (GET /v1/frameworks), requirement trees
// (GET /v1/frameworks/{id}/requirements) and search by notation or title.

import * as api from "../api.js";
import { append, debounce, facts, h, loading, newId, note, plural, section, table } from "../dom.js";
import { hashQuery, replaceQuery } from "../url.js";

// What this page keeps in the URL: the search (q, fw) and, for a framework's
// tree, the default (all=1 expanded / all=0 collapsed) and the nodes toggled
// away from it (t=…), so Back and a shared link show the same page.
const view = { q: "", fw: "", all: null, toggled: new Set() };
function readView() {
  const q = hashQuery();
  view.q = q.get("q") || "";
  view.fw = q.get("fw") || "";
  view.all = q.has("all") ? q.get("all") === "1" : null;
  view.toggled = new Set(q.getAll("t"));
}
function saveView() {
  replaceQuery({ q: view.q, fw: view.fw, all: view.all === null ? null : view.all ? "1" : "0", t: [...view.toggled] });
}

const MAX_RESULTS = 200;

function matches(node, needle) {
  return node.notation.toLowerCase().includes(needle) || node.title.toLowerCase().includes(needle);
}

function resultList(hits, total, frameworkTitles) {
  const shown = hits.slice(0, MAX_RESULTS);
  return [
    table({
      caption: "Matching requirements",
      captionHidden: true,
      className: "data search-results",
      rowAttrs: (r) => ({ "data-framework": r.framework, "data-notation": r.node.notation }),
      columns: [
        { label: "Requirement", cell: (r) => h("a", { href: api.reqHref(r.framework, r.node.notation) }, r.node.notation) },
        { label: "Title", cell: (r) => r.node.title },
        { label: "Framework", cell: (r) => h("span", { title: frameworkTitles[r.framework] }, api.shortName(r.framework)) },
        { label: "Assessable", cell: (r) => (r.node.assessable ? "yes" : "no") },
      ],
      rows: shown,
    }),
    total > MAX_RESULTS ? note(`Showing the first ${MAX_RESULTS} of ${total}; refine the search to see the rest.`) : null,
  ];
}

/** A search form over one or all frameworks' trees. */
function searchForm(frameworkList, { fixed = null } = {}) {
  const inputId = newId("search");
  const selectId = newId("fw");
  const status = h("p", { class: "search-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "search-output" });
  const input = h("input", { id: inputId, type: "search", name: "q", autocomplete: "off", spellcheck: "false",
    placeholder: "e.g. 6.1.2, Art. 9, risk", value: view.q });
  const select = fixed ? null : h("select", { id: selectId, name: "framework" },
    h("option", { value: "" }, "All frameworks"),
    frameworkList.map((f) => h("option", { value: f.id, selected: view.fw === f.id }, `${api.shortName(f.id)} (${f.id})`)));
  const titles = Object.fromEntries(frameworkList.map((f) => [f.id, f.title]));

  async function run() {
    const needle = input.value.trim().toLowerCase();
    view.q = input.value.trim();
    view.fw = select ? select.value : "";
    saveView();
    if (!needle) {
      status.textContent = "";
      results.replaceChildren();
      form.dispatchEvent(new CustomEvent("searchcleared"));
      return;
    }
    const ids = fixed ? [fixed] : select.value ? [select.value] : frameworkList.map((f) => f.id);
    status.textContent = "Searching…";
    const trees = await Promise.all(ids.map((id) => api.requirementTree(id)));
    if (input.value.trim().toLowerCase() !== needle) return; // a newer search is running
    const hits = [];
    trees.forEach((tree) => {
      for (const node of tree.requirements) if (matches(node, needle)) hits.push({ framework: tree.framework, node });
    });
    // the requirement whose notation is what was typed comes first ("Art. 9" before "Art. 9(1)" and "Art. 90")
    const exact = (x) => (x.node.notation.toLowerCase() === needle ? 0 : x.node.notation.toLowerCase().startsWith(needle) ? 1 : 2);
    hits.sort((a, b) => exact(a) - exact(b));
    status.textContent = `${plural(hits.length, "requirement")} match “${input.value.trim()}”.`;
    status.dataset.count = String(hits.length);
    results.replaceChildren(...resultList(hits, hits.length, titles));
    form.dispatchEvent(new CustomEvent("searched"));
  }

  const form = h("form", { class: "search", role: "search", onsubmit: (e) => { e.preventDefault(); run(); } },
    h("div", { class: "field" }, h("label", { for: inputId }, fixed ? "Filter by notation or title" : "Notation or title"), input),
    select ? h("div", { class: "field" }, h("label", { for: selectId }, "Framework"), select) : null,
    h("button", { type: "submit" }, "Search"));
  input.addEventListener("input", debounce(run, 250));
  if (select) select.addEventListener("change", run);
  return { form, status, results, input, run };
}

export async function renderOverview(container) {
  document.title = "Frameworks · ctrlgraph";
  readView();
  append(container, h("h1", {}, "Frameworks"),
    h("p", { class: "lead" }, "Five frameworks held as one graph, every requirement mapped onto the same common controls. ",
      "Open a framework for its requirement tree, or search all of them."));
  const slot = loading();
  append(container, slot);
  const list = api.ordered(await api.frameworks());
  slot.replaceWith(table({
    caption: "Frameworks in the graph",
    className: "data frameworks",
    rowAttrs: (f) => ({ "data-framework": f.id }),
    columns: [
      { label: "Framework", cell: (f) => h("a", { href: api.frameworkHref(f.id) }, api.shortName(f.id)) },
      { label: "Id", key: "id", className: "mono" },
      { label: "Title", key: "title", className: "wrap" },
      { label: "Version", key: "version" },
      { label: "Requirements", key: "requirement_count", numeric: true, title: "All nodes of the requirement tree" },
      { label: "Assessable", key: "assessable_count", numeric: true, title: "Requirements an organization can be assessed against" },
      { label: "Mapped", key: "mapped_count", numeric: true, title: "Assessable requirements with at least one mapping" },
    ],
    rows: list,
  }));
  const search = searchForm(list);
  append(container, section("Search requirements", { id: "search" }, search.form, search.status, search.results));
  if (view.q) await search.run();
}

function treeNode(node, byNotation, framework, expandAll) {
  const children = node.children.map((c) => byNotation.get(c)).filter(Boolean);
  const label = [
    h("a", { href: api.reqHref(framework, node.notation), class: "notation" }, node.notation),
    " ",
    h("span", { class: "node-title" }, node.title),
    node.assessable ? null : h("span", { class: "tag" }, node.type || "heading"),
  ];
  const li = h("li", { "data-notation": node.notation });
  if (!children.length) {
    li.append(h("span", { class: "leaf" }, label));
    return li;
  }
  const expanded = expandAll !== view.toggled.has(node.notation);
  const list = h("ul", { hidden: !expanded });
  const toggle = h("button", {
    type: "button", class: "toggle", "aria-expanded": String(expanded),
    "aria-label": `${node.notation}: show ${plural(children.length, "sub-requirement")}`,
    onclick: () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      list.hidden = !open;
      const byDefault = view.all === null ? expandAll : view.all;
      if (open === byDefault) view.toggled.delete(node.notation); else view.toggled.add(node.notation);
      saveView();
    },
  });
  li.append(h("span", { class: "branch" }, toggle, label), list);
  for (const child of children) list.append(treeNode(child, byNotation, framework, expandAll));
  return li;
}

export async function renderFramework(container, id) {
  readView();
  const slot = loading();
  append(container, slot);
  const [list, tree] = await Promise.all([api.frameworks(), api.requirementTree(id)]);
  const fw = list.find((f) => f.id === id);
  document.title = `${api.shortName(id)} · ctrlgraph`;
  slot.remove();
  append(container, 
    h("nav", { "aria-label": "Breadcrumb", class: "breadcrumb" },
      h("ol", {}, h("li", {}, h("a", { href: "#/" }, "Frameworks")), h("li", { "aria-current": "page" }, id))),
    h("h1", {}, `${api.shortName(id)} `, h("span", { class: "subtitle" }, fw ? fw.title : id)),
    fw ? facts([
      ["Id", fw.id, "id"],
      ["Version", fw.version, "version"],
      ["Publisher", fw.publisher, "publisher"],
      ["Requirements", fw.requirement_count, "requirement_count"],
      ["Assessable", fw.assessable_count, "assessable_count"],
      ["Mapped", fw.mapped_count, "mapped_count"],
    ]) : null,
  );

  const byNotation = new Map(tree.requirements.map((n) => [n.notation, n]));
  const roots = tree.requirements.filter((n) => !n.parent || !byNotation.has(n.parent));
  const expandAll = view.all === null ? tree.count <= 200 : view.all;
  const treeList = h("ul", { class: "tree", "aria-label": `Requirement tree of ${id}` });
  for (const root of roots) treeList.append(treeNode(root, byNotation, id, expandAll));

  const setAll = (open) => {
    view.all = open;
    view.toggled.clear();
    saveView();
    for (const button of treeList.querySelectorAll("button.toggle")) {
      button.setAttribute("aria-expanded", String(open));
      button.parentElement.nextElementSibling.hidden = !open;
    }
  };
  const controls = h("div", { class: "toolbar" },
    h("button", { type: "button", onclick: () => setAll(true) }, "Expand all"),
    h("button", { type: "button", onclick: () => setAll(false) }, "Collapse all"));

  const search = searchForm(list, { fixed: id });
  const treeSection = section(`Requirement tree (${tree.count} nodes)`, { id: "tree" }, controls, treeList);
  search.form.addEventListener("searched", () => { treeSection.hidden = true; });
  search.form.addEventListener("searchcleared", () => { treeSection.hidden = false; });
  append(container, section("Search this framework", { id: "search" }, search.form, search.status, search.results), treeSection);
  if (view.q) await search.run();
}
