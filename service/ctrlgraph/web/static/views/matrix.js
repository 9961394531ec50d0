// Coverage matrix: common controls × frameworks. One call gives every
// control's requirements per framework with their strengths:
//   GET /v1/shared-controls?framework=…(all)&min_frameworks=1
// plus GET /v1/controls for the domains. Clicking a cell lists the
// requirements (GET /v1/controls/{notation}, for their titles).

import * as api from "../api.js";
import { append, announce, debounce, h, loading, newId, note, plural, table } from "../dom.js";
import { csvButton } from "../export.js";
import { hashQuery, replaceQuery } from "../url.js";
import { relationshipCell, routeColumn, strengthCell } from "./requirement.js";

// The filters, sort, search, what the colour shows and the chosen cell live in
// the URL (#/matrix?fw=…&domain=…), so Back and a shared link keep them.
const state = { frameworks: null, domain: "", min: 1, cell: null, q: "", sort: "shared", show: "count" };

function readState(allIds) {
  const q = hashQuery();
  const fws = q.getAll("fw").filter((f) => allIds.includes(f));
  state.frameworks = new Set(fws.length ? fws : allIds);
  state.domain = q.get("domain") || "";
  state.min = Math.max(1, Number(q.get("min")) || 1);
  state.q = q.get("q") || "";
  state.sort = q.get("sort") || "shared";
  state.show = q.get("show") === "strength" ? "strength" : "count";
  const cell = q.get("cell");
  state.cell = cell && cell.includes(" ") ? { notation: cell.split(" ")[0], fw: cell.split(" ")[1] } : null;
  return allIds;
}
function saveState(allIds) {
  const all = state.frameworks.size === allIds.length;
  replaceQuery({
    fw: all ? null : [...state.frameworks], domain: state.domain, min: state.min > 1 ? state.min : null, q: state.q,
    sort: state.sort === "shared" ? null : state.sort, show: state.show === "count" ? null : state.show,
    cell: state.cell ? `${state.cell.notation} ${state.cell.fw}` : null,
  });
}

// One variable per channel: the number and the colour show the same thing,
// the count of requirements (default) or the strongest mapping (0–10).
const COUNT_STEPS = [1, 2, 3, 4, 6, 8, 11, 15, 20, 30];
const countHeat = (n) => (n ? COUNT_STEPS.filter((x) => n >= x).length : 0);

const maxStrength = (reqs) => reqs.reduce((m, r) => Math.max(m, r.strength), 0);

function rowsFor(data) {
  const selected = data.frameworks.filter((f) => state.frameworks.has(f.id)).map((f) => f.id);
  const needle = state.q.trim().toLowerCase();
  const rows = [];
  for (const c of data.shared.controls) {
    const info = data.controlInfo.get(c.notation) || {};
    if (state.domain && info.domain !== state.domain) continue;
    if (needle && !`${c.notation} ${c.title}`.toLowerCase().includes(needle)) continue;
    const served = selected.filter((fw) => (c.requirements[fw] || []).length);
    if (served.length < state.min || served.length === 0) continue;
    const total = selected.reduce((n, fw) => n + (c.requirements[fw] || []).length, 0);
    rows.push({ control: c, info, frameworks: served.length, requirements: total });
  }
  // Shared controls first: most frameworks, then most requirements, then notation
  // (the API's own ranking when every framework is selected).
  const byNotation = (a, b) => (a.control.notation < b.control.notation ? -1 : a.control.notation > b.control.notation ? 1 : 0);
  if (state.sort === "notation") rows.sort(byNotation);
  else if (state.sort.startsWith("fw:")) {
    const fw = state.sort.slice(3);
    const n = (r) => (r.control.requirements[fw] || []).length;
    rows.sort((a, b) => n(b) - n(a) || maxStrength(b.control.requirements[fw] || []) - maxStrength(a.control.requirements[fw] || []) || byNotation(a, b));
  } else {
    rows.sort((a, b) => b.frameworks - a.frameworks || b.requirements - a.requirements || byNotation(a, b));
  }
  return { rows, selected };
}

// Phones: the filters start folded (the same width as the stylesheet's phone layout).
const NARROW = window.matchMedia("(max-width: 700px)");

/** The filters in a few words, for the toggle that folds them. */
function filterWords(total) {
  const sorts = { shared: "shared first", notation: "by notation" };
  return [
    state.frameworks.size === total ? `all ${total} frameworks` : plural(state.frameworks.size, "framework"),
    state.domain ? `domain ${state.domain}` : "all domains",
    state.q ? `“${state.q}”` : null,
    state.min > 1 ? `shared by ${state.min}+` : null,
    sorts[state.sort] || `most in ${api.shortName(state.sort.slice(3))}`,
    state.show === "strength" ? "strongest mapping" : null,
  ].filter(Boolean).join(" · ");
}

function legend() {
  if (state.show === "strength") {
    return h("div", { class: "legend", role: "group", "aria-label": "Colour legend" },
      h("span", { class: "legend-title" }, "Number and colour: the strongest mapping in the cell"),
      h("ol", { class: "legend-scale" },
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => h("li", { class: `heat heat-${s}` }, String(s)))),
      h("span", {}, "(0–10; equal = 10; · = none)"));
  }
  return h("div", { class: "legend", role: "group", "aria-label": "Colour legend" },
    h("span", { class: "legend-title" }, "Number and colour: requirements the control serves"),
    h("ol", { class: "legend-scale" },
      COUNT_STEPS.map((n, i) => h("li", { class: `heat heat-${i + 1}` }, i === COUNT_STEPS.length - 1 ? `${n}+` : String(n)))),
    h("span", {}, "(· = none; the strongest mapping is in each cell's name and panel)"));
}

async function showCell(panel, data, notation, fw) {
  state.cell = { notation, fw };
  const c = data.shared.controls.find((x) => x.notation === notation);
  const count = (c.requirements[fw] || []).length;
  const headingId = newId("cell");
  panel.replaceChildren(h("h2", { id: headingId }, `${notation} in ${api.shortName(fw)}`), loading());
  panel.setAttribute("aria-labelledby", headingId);
  panel.dataset.control = notation;
  panel.dataset.framework = fw;
  const detail = await api.control(notation);
  if (state.cell.notation !== notation || state.cell.fw !== fw) return;
  // each row says its route (its own mapping, or direct+control through another framework's requirement)
  const reqs = detail.serves[fw] || [];
  panel.replaceChildren(
    h("h2", { id: headingId }, `${notation} in ${api.shortName(fw)}`),
    h("p", { class: "panel-sub" }, h("a", { href: api.controlHref(notation) }, detail.title)),
    h("p", { class: "panel-count", "data-count": String(count) }, `${plural(count, "requirement")} of ${fw} served by ${notation}.`),
    reqs.length ? table({
      caption: `Requirements of ${fw} served by ${notation}`,
      captionHidden: true,
      className: "data compact",
      rowAttrs: (r) => ({ "data-notation": r.notation }),
      columns: [
        { label: "Requirement", cell: (r) => [h("a", { href: api.reqHref(fw, r.notation) }, r.notation), h("span", { class: "req-title" }, r.title)], className: "wrap" },
        { label: "Relationship (strength)", cell: (r) => [relationshipCell(r.relationship), " (", strengthCell(r.strength), ")"] },
        ...routeColumn(reqs, { always: false }),
      ],
      rows: reqs,
    }) : note(`${notation} serves no requirement of ${fw}.`),
  );
  announce(`${notation} in ${api.shortName(fw)}: ${plural(count, "requirement")} listed.`);
}

/** Arrow keys move between cells; a single tab stop for the whole grid. */
function gridKeys(tableEl) {
  tableEl.addEventListener("keydown", (event) => {
    const cell = event.target.closest("button.cell");
    if (!cell) return;
    let r = Number(cell.dataset.row);
    let c = Number(cell.dataset.col);
    const rows = Number(tableEl.dataset.rows);
    const cols = Number(tableEl.dataset.cols);
    switch (event.key) {
      case "ArrowRight": c = Math.min(cols - 1, c + 1); break;
      case "ArrowLeft": c = Math.max(0, c - 1); break;
      case "ArrowDown": r = Math.min(rows - 1, r + 1); break;
      case "ArrowUp": r = Math.max(0, r - 1); break;
      case "PageDown": r = Math.min(rows - 1, r + 10); break;
      case "PageUp": r = Math.max(0, r - 10); break;
      case "Home": c = 0; if (event.ctrlKey) r = 0; break;
      case "End": c = cols - 1; if (event.ctrlKey) r = rows - 1; break;
      default: return;
    }
    event.preventDefault();
    const next = tableEl.querySelector(`button.cell[data-row="${r}"][data-col="${c}"]`);
    if (next) {
      cell.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  });
  tableEl.addEventListener("click", (event) => {
    const cell = event.target.closest("button.cell");
    if (!cell) return;
    for (const b of tableEl.querySelectorAll("button.cell[tabindex='0']")) b.tabIndex = -1;
    cell.tabIndex = 0;
  });
}

function matrixTable(data, panel) {
  const { rows, selected } = rowsFor(data);
  const fwById = new Map(data.frameworks.map((f) => [f.id, f]));
  const thead = h("thead", {}, h("tr", {},
    h("th", { scope: "col", class: "control-col" }, "Control"),
    selected.map((fw) => h("th", { scope: "col", class: "fw-col", "data-framework": fw },
      h("abbr", { title: fwById.get(fw).title }, api.shortName(fw)))),
    h("th", { scope: "col", class: "num", title: "Selected frameworks this control serves" }, "Frameworks"),
    h("th", { scope: "col", class: "num", title: "Requirements served in the selected frameworks" }, "Requirements")));
  const tbody = h("tbody");
  rows.forEach((row, i) => {
    const c = row.control;
    const tr = h("tr", { "data-control": c.notation, "data-domain": row.info.domain || "" },
      h("th", { scope: "row", class: "control-col" },
        h("a", { href: api.controlHref(c.notation), class: "notation", title: `${c.notation} ${c.title}` }, c.notation), " ",
        h("span", { class: "control-title", title: c.title }, c.title)));
    selected.forEach((fw, j) => {
      const reqs = c.requirements[fw] || [];
      const strength = maxStrength(reqs);
      const value = state.show === "strength" ? strength : reqs.length;
      const heat = state.show === "strength" ? strength : countHeat(reqs.length);
      const isCurrent = state.cell && state.cell.notation === c.notation && state.cell.fw === fw;
      tr.append(h("td", { class: "cell-td" }, h("button", {
        type: "button",
        class: `cell ${reqs.length ? `heat heat-${heat}` : "empty"}`,
        tabindex: i === 0 && j === 0 ? "0" : "-1",
        "data-row": i, "data-col": j, "data-framework": fw, "data-count": reqs.length, "data-strength": strength,
        "aria-pressed": isCurrent ? "true" : "false",
        // the name starts with the visible number (label in name); the title shows it on hover
        "aria-label": reqs.length
          ? `${value}: ${c.notation} in ${api.shortName(fw)}, ${plural(reqs.length, "requirement")}, strongest mapping ${strength}`
          : `·: ${c.notation} in ${api.shortName(fw)}, no requirement`,
        title: reqs.length ? `${c.notation} ${c.title} — ${fwById.get(fw).title}: ${plural(reqs.length, "requirement")}, strongest mapping ${strength} of 10` : null,
        onclick: (event) => {
          for (const b of tbody.querySelectorAll("button.cell[aria-pressed='true']")) b.setAttribute("aria-pressed", "false");
          event.currentTarget.setAttribute("aria-pressed", "true");
          showCell(panel, data, c.notation, fw).then(() => {
            data.save();
            // below the matrix (narrow screens): bring the answer into view
            const box = panel.getBoundingClientRect();
            if (box.top > window.innerHeight || box.bottom < 0) panel.scrollIntoView({ block: "start" });
          });
        },
      }, reqs.length ? String(value) : "·")));
    });
    tr.append(h("td", { class: "num", "data-field": "frameworks" }, String(row.frameworks)),
      h("td", { class: "num", "data-field": "requirements" }, String(row.requirements)));
    tbody.append(tr);
  });
  const tableEl = h("table", { class: "matrix", id: "matrix-table", "data-rows": rows.length, "data-cols": selected.length },
    h("caption", { class: "visually-hidden" },
      "Requirements each common control serves, per framework. Use the arrow keys to move between cells, Enter to list the requirements."),
    thead, tbody);
  gridKeys(tableEl);
  return { tableEl, count: rows.length };
}

export async function render(container) {
  document.title = "Coverage matrix · ctrlgraph";
  append(container, h("h1", {}, "Coverage matrix"),
    h("p", { class: "lead" }, "Common controls × frameworks: each cell is the number of the framework's requirements a control serves ",
      "(or, if you choose, its strongest mapping); the colour shows the same number. Controls shared by the most frameworks come first; ",
      "choose a cell to list its requirements."));
  const slot = loading();
  append(container, slot);
  const list = api.ordered(await api.frameworks());
  const [shared, controlList] = await Promise.all([api.sharedControls(list.map((f) => f.id)), api.controls()]);
  const data = {
    frameworks: list,
    shared,
    controlInfo: new Map(controlList.map((c) => [c.notation, c])),
  };
  const allIds = readState(list.map((f) => f.id));
  data.save = () => saveState(allIds);
  slot.remove();

  // Filters
  const domains = new Map();
  for (const c of controlList) if (c.domain) domains.set(c.domain, { title: c.domain_title, n: (domains.get(c.domain)?.n || 0) + 1 });
  const domainId = newId("domain");
  const minId = newId("min");
  const domainSelect = h("select", { id: domainId, name: "domain" },
    h("option", { value: "" }, `All domains (${controlList.length})`),
    [...domains.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([d, info]) =>
      h("option", { value: d, selected: state.domain === d }, `${d} — ${info.title} (${info.n})`)));
  const minSelect = h("select", { id: minId, name: "min" });
  const status = h("p", { class: "matrix-status", role: "status", "aria-live": "polite" });
  const panel = h("section", { class: "cell-panel", id: "cell-panel", "aria-label": "Requirements of the chosen cell" },
    h("h2", {}, "Requirements"), h("p", { class: "hint" }, "Choose a cell to list the requirements it counts."));
  const scroller = h("div", { class: "matrix-scroll", tabindex: "-1" });

  const fillMin = () => {
    const n = Math.max(1, state.frameworks.size);
    state.min = Math.min(state.min, n);
    minSelect.replaceChildren(...Array.from({ length: n }, (_, i) =>
      h("option", { value: i + 1, selected: state.min === i + 1 }, i === 0 ? "1 (every mapped control)" : `${i + 1} or more`)));
  };
  const legendSlot = h("div", { class: "legend-slot" });
  const filterSummary = h("span", { class: "filter-summary" });
  const redraw = () => {
    saveState(allIds);
    filterSummary.textContent = filterWords(list.length);
    legendSlot.replaceChildren(legend());
    if (!state.frameworks.size) {
      scroller.replaceChildren(note("Choose at least one framework."));
      status.textContent = "No framework chosen.";
      status.dataset.count = "0";
      return;
    }
    const { tableEl, count } = matrixTable(data, panel);
    scroller.replaceChildren(tableEl);
    status.dataset.count = String(count);
    status.textContent = `Showing ${count} of ${data.shared.controls.length} controls`
      + `${state.domain ? ` in domain ${state.domain}` : ""}, serving ${state.min === 1 ? "at least one" : `${state.min} or more`}`
      + ` of ${plural(state.frameworks.size, "selected framework")}.`;
  };

  const fwBoxes = list.map((f) => {
    const id = newId("fw");
    const box = h("input", { type: "checkbox", id, name: "framework", value: f.id, checked: state.frameworks.has(f.id),
      onchange: (e) => {
        if (e.target.checked) state.frameworks.add(f.id); else state.frameworks.delete(f.id);
        fillMin();
        redraw();
      } });
    return h("span", { class: "check" }, box, h("label", { for: id, title: f.title }, api.shortName(f.id)));
  });
  domainSelect.addEventListener("change", () => { state.domain = domainSelect.value; redraw(); });
  const searchId = newId("q");
  const sortId = newId("sort");
  const showId = newId("show");
  const search = h("input", { id: searchId, type: "search", value: state.q, autocomplete: "off", placeholder: "notation or title" });
  search.addEventListener("input", debounce(() => { state.q = search.value; redraw(); }, 200));
  const sortSelect = h("select", { id: sortId },
    h("option", { value: "shared", selected: state.sort === "shared" }, "Shared by most frameworks"),
    h("option", { value: "notation", selected: state.sort === "notation" }, "Control notation"),
    list.map((f) => h("option", { value: `fw:${f.id}`, selected: state.sort === `fw:${f.id}` }, `Most requirements in ${api.shortName(f.id)}`)));
  sortSelect.addEventListener("change", () => { state.sort = sortSelect.value; redraw(); });
  const showSelect = h("select", { id: showId },
    h("option", { value: "count", selected: state.show === "count" }, "Requirements served"),
    h("option", { value: "strength", selected: state.show === "strength" }, "Strongest mapping"));
  showSelect.addEventListener("change", () => { state.show = showSelect.value; redraw(); });
  minSelect.addEventListener("change", () => { state.min = Number(minSelect.value); redraw(); });
  fillMin();

  const filters = h("form", { class: "filters", "aria-label": "Matrix filters", onsubmit: (e) => e.preventDefault() },
    h("fieldset", {}, h("legend", {}, "Frameworks"), fwBoxes),
    h("div", { class: "field" }, h("label", { for: domainId }, "Domain"), domainSelect),
    h("div", { class: "field" }, h("label", { for: searchId }, "Control contains"), search),
    h("div", { class: "field" }, h("label", { for: sortId }, "Sort"), sortSelect),
    h("div", { class: "field" }, h("label", { for: showId }, "Cells show"), showSelect),
    h("div", { class: "field" }, h("label", { for: minId }, "Shared by"), minSelect));
  // On a narrow screen the filters would fill the first screen: they fold behind
  // a toggle (closed there, open on wider screens) whose label sums them up.
  filterSummary.textContent = filterWords(list.length);
  const filterBox = h("details", { class: "filter-box", open: !NARROW.matches },
    h("summary", {}, h("span", { class: "filter-toggle" }, "Filters"), " ", filterSummary), filters);

  append(container, filterBox, h("div", { class: "matrix-meta" }, status, legendSlot,
    csvButton(() => scroller.querySelector("table"), () => `coverage-matrix${state.show === "strength" ? "-strength" : ""}.csv`, "Download the matrix (CSV)")),
    h("div", { class: "matrix-layout" }, scroller, panel));
  redraw();
  if (state.cell && state.frameworks.has(state.cell.fw)) showCell(panel, data, state.cell.notation, state.cell.fw);
}
