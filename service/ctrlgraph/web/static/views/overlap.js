// Framework × framework overlap: how much of B is reachable from A through
// shared controls. For each ordered pair, GET /v1/crosswalk?source=A&target=B;
// reached = distinct assessable target notations (a direct mapping may name a
// clause heading, which assessable_count leaves out); share = reached / B's
// assessable count, so numerator and denominator count the same requirements.

import * as api from "../api.js";
import { append, announce, h, loading, newId, note, plural, table } from "../dom.js";
import { hashQuery, replaceQuery } from "../url.js";
import { csvButton } from "../export.js";
import { relationshipCell, routeColumn, strengthCell } from "./requirement.js";

const state = { determinedOnly: false, cell: null };
const saveState = () => replaceQuery({
  determined: state.determinedOnly, from: state.cell ? state.cell.source : null, to: state.cell ? state.cell.target : null,
});

/** What the page shows for one crosswalk: the numbers the tests check too. */
export function reach(crosswalk, target, determinedOnly) {
  const pairs = determinedOnly ? crosswalk.pairs.filter((p) => p.determined) : crosswalk.pairs;
  const denominator = target.assessable_count;
  // with no assessable requirement (the Harmonized Structure) the clauses reached are counted
  const counted = denominator ? pairs.filter((p) => p.target_assessable !== false) : pairs;
  const reached = new Set(counted.map((p) => p.target)).size;
  const percent = denominator ? Math.round((1000 * reached) / denominator) / 10 : null;
  const headings = denominator ? new Set(pairs.filter((p) => p.target_assessable === false).map((p) => p.target)).size : 0;
  return { pairs, reached, headings, denominator, percent };
}

async function loadAll(list, progress) {
  const jobs = [];
  for (const a of list) for (const b of list) if (a.id !== b.id) jobs.push([a.id, b.id]);
  const results = new Map();
  let done = 0;
  const queue = [...jobs];
  const worker = async () => {
    while (queue.length) {
      const [s, t] = queue.shift();
      results.set(`${s} ${t}`, await api.crosswalk(s, t));
      done += 1;
      progress(done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return results;
}

function showPairs(panel, source, target, r) {
  state.cell = { source, target };
  saveState();
  const headingId = newId("pairs");
  panel.setAttribute("aria-labelledby", headingId);
  panel.dataset.source = source;
  panel.dataset.target = target;
  panel.replaceChildren(
    h("h2", { id: headingId }, `${api.shortName(source)} → ${api.shortName(target)}`),
    h("p", { class: "panel-count", "data-reached": String(r.reached), "data-pairs": String(r.pairs.length) },
      `${plural(r.pairs.length, "requirement pair")}, reaching `
      + (r.denominator ? `${r.reached} of ${target}'s ${r.denominator} assessable requirements` : `${r.reached} distinct requirements of ${target}`)
      + (r.headings ? ` (and ${r.headings} not assessable, such as clause headings, left out of the share).` : ".")),
    h("p", {}, h("a", { href: api.apiUrl("v1/crosswalk", { source, target, format: "csv" }).toString(), download: `crosswalk-${source}-to-${target}.csv` }, "Download as CSV"), " · ",
      h("a", { href: api.apiUrl("v1/crosswalk", { source, target, format: "sssom" }).toString(), download: `crosswalk-${source}-to-${target}.sssom.tsv` }, "SSSOM TSV"), " · ",
      h("a", { href: `#/plan?want=${encodeURIComponent(target)}&have=${encodeURIComponent(source)}` }, `Plan: I have ${api.shortName(source)}, I want ${api.shortName(target)}`)),
    r.pairs.length ? table({
      caption: `Crosswalk ${source} to ${target}`,
      captionHidden: true,
      className: "data compact",
      columns: [
        { label: api.shortName(source), cell: (p) => h("a", { href: api.reqHref(source, p.source), title: p.source_title }, p.source) },
        { label: api.shortName(target), cell: (p) => [h("a", { href: api.reqHref(target, p.target), title: p.target_title }, p.target),
          p.target_assessable === false && r.denominator ? [" ", h("span", { class: "tag", title: "Not an assessable requirement (a clause heading, say): left out of the share" }, "not assessable")] : null] },
        {
          label: "Relationship (strength)",
          cell: (p) => [relationshipCell(p.relationship), " (", strengthCell(p.strength), ")",
            p.determined ? null : h("span", { class: "tag", title: "The composition only says the two may overlap" }, "candidate")],
        },
        // a direct path has no control: it names who states the mapping
        { label: "Via", cell: (p) => p.paths.flatMap((x, i) => [i ? ", " : "", h("span", { class: "nowrap" },
          x.control || (x.source ? `direct (${x.source})` : "direct"))]) },
        ...routeColumn(r.pairs),
      ],
      rowAttrs: (p) => ({ "data-source": p.source, "data-target": p.target, "data-route": p.route || null }),
      rows: r.pairs,
    }) : note("No requirement pair: these frameworks share no control."));
  announce(`${api.shortName(source)} to ${api.shortName(target)}: ${r.reached} requirements reached.`);
}

export async function render(container) {
  document.title = "Framework overlap · ctrlgraph";
  append(container, h("h1", {}, "Framework overlap"),
    h("p", { class: "lead" }, "How much of framework B (column) is reachable from framework A (row) through shared controls: ",
      "the distinct assessable requirements of B in the crosswalk A → B, over all of B's assessable requirements. Choose a cell for the requirement pairs."),
    h("details", { class: "explain-numbers", open: true }, h("summary", {}, "What the percentages mean (and why planning shows a lower one)"),
      h("dl", { class: "meanings" },
        h("dt", {}, "Reachable (this page, default)"),
        h("dd", {}, "B's requirements that share at least one common control with some requirement of A, whatever the relationship — including candidate overlaps. The widest measure: where to look, not what is done."),
        h("dt", {}, "Determined (this page, box ticked)"),
        h("dd", {}, "Only pairs whose composed relationship is determined (equal, subset or superset through the control), leaving out “may overlap” candidates. Lower."),
        h("dt", {}, "Satisfied (Planning, “I have A, I want B”)"),
        h("dd", {}, "B's requirements that the controls of A would close on their own under the gap analysis' coverage rule. The strictest, so the lowest: what holding A really saves you. Each cell's panel links to that plan."))));
  const progress = loading("Loading crosswalks…");
  append(container, progress);
  const list = api.ordered(await api.frameworks());
  const crosswalks = await loadAll(list, (done, total) => { progress.textContent = `Loading crosswalks… ${done} of ${total}`; });
  progress.remove();

  const q = hashQuery();
  state.determinedOnly = q.get("determined") === "1";
  const from = q.get("from");
  const to = q.get("to");
  state.cell = from && to && list.some((f) => f.id === from) && list.some((f) => f.id === to) && from !== to ? { source: from, target: to } : null;
  const boxId = newId("determined");
  const panel = h("section", { class: "cell-panel", id: "pairs-panel", "aria-label": "Requirement pairs" },
    h("h2", {}, "Requirement pairs"), h("p", { class: "hint" }, "Choose a cell to list the crosswalk."));
  const holder = h("div", { class: "overlap-scroll" });

  const draw = () => {
    const rows = list.map((a) => ({ a }));
    const columns = [
      { label: "From ↓ / to →", cell: (row) => h("span", { title: row.a.title }, api.shortName(row.a.id)) },
      ...list.map((b) => ({
        label: api.shortName(b.id),
        title: `${b.title} (${b.assessable_count} assessable)`,
        className: "ov-cell",
        cell: (row) => {
          if (row.a.id === b.id) return h("span", { class: "diag", "aria-label": "same framework" }, "—");
          const r = reach(crosswalks.get(`${row.a.id} ${b.id}`), b, state.determinedOnly);
          const bucket = r.percent === null ? "na" : Math.min(9, Math.floor(r.percent / 10));
          // the accessible name starts with the visible text (WCAG 2.5.3 label in name)
          const label = r.percent === null
            ? `n/a ${r.reached} reached: from ${api.shortName(row.a.id)} to ${api.shortName(b.id)}; ${b.id} has no assessable requirements`
            : `${r.percent}% ${r.reached} / ${r.denominator}: from ${api.shortName(row.a.id)}, ${r.reached} of ${api.shortName(b.id)}'s ${r.denominator} assessable requirements reachable`;
          const isCurrent = state.cell && state.cell.source === row.a.id && state.cell.target === b.id;
          return h("button", {
            type: "button", class: `ov ov-${bucket}`, "aria-label": label, "aria-pressed": isCurrent ? "true" : "false",
            "data-source": row.a.id, "data-target": b.id, "data-reached": r.reached,
            "data-denominator": r.denominator, "data-percent": r.percent === null ? "" : r.percent,
            onclick: (event) => {
              for (const x of holder.querySelectorAll("button.ov[aria-pressed='true']")) x.setAttribute("aria-pressed", "false");
              event.currentTarget.setAttribute("aria-pressed", "true");
              showPairs(panel, row.a.id, b.id, r);
            },
          }, h("span", { class: "ov-pct" }, r.percent === null ? "n/a" : `${r.percent}%`),
          h("span", { class: "ov-frac" }, r.percent === null ? `${r.reached} reached` : `${r.reached} / ${r.denominator}`));
        },
      })),
    ];
    holder.replaceChildren(table({
      caption: "Share of each column framework's assessable requirements reachable from the row framework",
      className: "data overlap",
      rowAttrs: (row) => ({ "data-source": row.a.id }),
      columns,
      rows,
    }));
    const noAssessable = list.filter((f) => !f.assessable_count);
    if (noAssessable.length) {
      holder.append(note(`${noAssessable.map((f) => f.id).join(", ")}: no assessable requirements (the Harmonized Structure is `
        + "instantiated by the ISO standards), so no share is given; the count is of its clauses reached."));
    }
    if (state.cell) {
      const b = list.find((f) => f.id === state.cell.target);
      showPairs(panel, state.cell.source, state.cell.target,
        reach(crosswalks.get(`${state.cell.source} ${state.cell.target}`), b, state.determinedOnly));
    }
  };

  const box = h("input", { type: "checkbox", id: boxId, checked: state.determinedOnly,
    onchange: (e) => { state.determinedOnly = e.target.checked; saveState(); draw(); } });
  append(container, 
    h("form", { class: "filters", "aria-label": "Overlap options", onsubmit: (e) => e.preventDefault() },
      h("span", { class: "check" }, box,
        h("label", { for: boxId }, "Count determined relationships only (leave out candidate overlaps)")),
      csvButton(() => holder.querySelector("table"), "overlap.csv", "Download the table (CSV)")),
    h("div", { class: "matrix-layout overlap-layout" }, holder, panel));
  draw();
}
