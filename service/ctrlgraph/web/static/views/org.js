// Organization dashboard. The key is kept in sessionStorage (this tab only)
// and sent as "Authorization: Bearer". GET /v1/orgs names the key's
// organization; then, in parallel:
//   /v1/orgs/{org}/gaps        summary per framework, per-requirement verdicts, closes_most
//   /v1/orgs/{org}/kpis        certification KPIs
//   /v1/orgs/{org}/roadmap     phased roadmap (JSON; Markdown and CSV downloads)
//   /v1/orgs/{org}/soa         Statement of Applicability (JSON/CSV/XLSX downloads)
//   /v1/orgs/{org}/validation  SHACL results with their messages
// A section whose URL answers 404 says it is not available on this server.

import * as api from "../api.js";
import { append, announce, debounce, facts, h, loading, newId, note, plural, section, table } from "../dom.js";
import { csv, saveText } from "../export.js";
import { humanMessage, labelsFrom, localName } from "../people.js";
import { hashQuery, replaceQuery } from "../url.js";
import { currentOrg, orgNav } from "./orgcommon.js";
import { relationshipCell, routeCell } from "./requirement.js";

const STATUSES = ["met", "partial", "gap", "invalid", "not applicable"];
const SUMMARY_FIELDS = { met: "met", partial: "partial", gap: "gap", invalid: "invalid", "not applicable": "not_applicable" };
const SOA_FRAMEWORKS = ["iso27001-2022", "iso42001-2023"];
const CLOSING = new Set(["equal", "subset of"]);

const DEFAULT_STATUSES = ["gap", "invalid", "partial"];
const state = {
  org: null,
  asOf: "",
  gaps: { framework: "", statuses: new Set(DEFAULT_STATUSES), text: "" },
  result: "", // a SHACL result to bring into view (a link from an audit chain)
};

/** The dashboard's filters from the URL (#/org?fw=…&status=…&q=…&as_of=…), so Back and a shared link keep them. */
function readState() {
  const q = hashQuery();
  state.asOf = q.get("as_of") || "";
  state.gaps.framework = q.get("fw") || "";
  state.gaps.text = q.get("q") || "";
  state.gaps.statuses = new Set(q.has("status") ? q.get("status").split(",").filter(Boolean) : DEFAULT_STATUSES);
  state.result = q.get("result") || "";
  if (q.get("org")) state.org = q.get("org");
}
function saveState() {
  const statuses = [...state.gaps.statuses].sort();
  const isDefault = statuses.join(",") === [...DEFAULT_STATUSES].sort().join(",");
  replaceQuery({ org: state.org, as_of: state.asOf, fw: state.gaps.framework, q: state.gaps.text, status: isDefault ? null : statuses.join(","), result: state.result });
}

/** What each control state means (the chips in the gap list). */
export const STATE_MEANINGS = [
  ["in place", "implemented, with valid evidence"],
  ["invalid", "implemented, but its evidence is expired or fails validation"],
  ["unevidenced", "implemented, no evidence recorded"],
  ["planned", "planned, not yet operating"],
  ["not applicable", "excluded, with a justification"],
  ["absent", "not implemented"],
];
export const stateChip = (st) => h("span", { class: `state state-${String(st).replace(/\s+/g, "-")}` }, st);
export function stateLegend() {
  return h("dl", { class: "state-legend", "aria-label": "Control states" },
    STATE_MEANINGS.map(([st, meaning]) => h("div", {}, h("dt", {}, stateChip(st)), h("dd", {}, meaning))));
}

/** Is the control reached another way than the requirement's own mapping (#17's route)? */
export const offRoute = (c) => Boolean(c.route) && c.route !== "controls";
/** The route in words for a download or a short list ("" on the plain route). */
export const routeWords = (c) => (offRoute(c) ? `${c.route}${c.through ? ` via ${c.through}` : ""}` : "");

/** A control's implementation and evidence, in words on the page (not in a tooltip). */
export function evidenceLines(c) {
  return [
    c.evidence && c.evidence.length ? h("span", { class: "evidence-names" }, "Evidence: ", c.evidence.join("; ")) : null,
    c.problems && c.problems.length ? h("span", { class: "problems" }, c.problems.map((p) => (/expired/.test(p) ? `⚠ ${p}` : p)).join("; ")) : null,
    c.justification ? h("span", { class: "justification" }, `Justification: ${c.justification}`) : null,
  ];
}

const cls = (status) => `status status-${status.replace(/\s+/g, "-")}`;
const statusBadge = (status) => h("span", { class: cls(status) }, status);

function notAvailable(what, error) {
  return note(`${what} is not available on this server (${error.status}: ${error.message}).`, "unavailable");
}

/** Fill a section: loading note, then the content, or a clear note on failure. */
async function fill(sectionEl, what, load, draw) {
  const slot = loading();
  sectionEl.append(slot);
  try {
    const data = await load();
    slot.replaceWith(...[draw(data)].flat(Infinity).filter(Boolean));
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) slot.replaceWith(notAvailable(what, error));
    else slot.replaceWith(note(`Could not load ${what.toLowerCase()}: ${error.message}`, "error"));
  }
}

// ---------------------------------------------------------------- progress
function progress(gaps) {
  const legend = h("ul", { class: "status-legend", "aria-label": "Status colours" },
    STATUSES.map((s) => h("li", {}, h("span", { class: `swatch ${cls(s)}`, "aria-hidden": "true" }), s)));
  const bar = (s) => {
    const total = s.applicable + s.not_applicable;
    return h("div", { class: "stack", "aria-hidden": "true" }, STATUSES.map((st) => {
      const n = s[SUMMARY_FIELDS[st]];
      return n ? h("span", { class: `seg ${cls(st)}`, style: { flexGrow: String(n) }, title: `${st}: ${n} of ${total}` }) : null;
    }));
  };
  return [legend, table({
    caption: `Verdicts per framework, as of ${gaps.as_of}`,
    className: "data progress",
    rowAttrs: (s) => ({ "data-framework": s.framework }),
    columns: [
      { label: "Framework", cell: (s) => h("span", { title: s.framework }, api.shortName(s.framework)) },
      { label: "Applicable", key: "applicable", numeric: true },
      { label: "Met", key: "met", numeric: true },
      { label: "Partial", key: "partial", numeric: true },
      { label: "Gap", key: "gap", numeric: true },
      { label: "Invalid", key: "invalid", numeric: true },
      { label: "Not applicable", key: "not_applicable", numeric: true },
      { label: "% met", key: "percent_met", numeric: true, title: "met / applicable × 100" },
      { label: "Progress", cell: bar, className: "bar-cell" },
    ],
    rows: gaps.summary,
  })];
}

// ---------------------------------------------------------------- KPIs
const hours = (v) => (v === null || v === undefined ? "—" : `${v} h`);
const pct = (v) => (v === null || v === undefined ? "—" : `${v}%`);

const KPI_HELP = {
  ai_systems: ["AI systems in the inventory.", null],
  risk_assessment_coverage: ["AI systems with a risk assessment, over all AI systems.", "Target 100%"],
  risks: ["Risks in the risk register.", null],
  risk_treatment_implementation: ["Risks whose treatment is implemented, over risks with a treatment.", "Target 100%"],
  incidents: ["Incidents recorded.", null],
  mean_time_to_detect_hours: ["From occurrence to detection, averaged over incidents.", "Lower is better"],
  mean_time_to_respond_hours: ["From detection to first response.", "Lower is better"],
  mean_time_to_resolve_hours: ["From detection to resolution.", "Lower is better"],
  metrics_out_of_threshold: ["Monitored metrics outside their own threshold.", "Target 0"],
};

function kpis(k) {
  const cards = h("dl", { class: "kpis" }, [
    ["AI systems", k.ai_systems, "ai_systems"],
    ["Risk-assessment coverage", pct(k.risk_assessment_coverage), "risk_assessment_coverage"],
    ["Risks", k.risks, "risks"],
    ["Risk treatment implemented", pct(k.risk_treatment_implementation), "risk_treatment_implementation"],
    ["Incidents", k.incidents, "incidents"],
    ["Mean time to detect", hours(k.mean_time_to_detect_hours), "mean_time_to_detect_hours"],
    ["Mean time to respond", hours(k.mean_time_to_respond_hours), "mean_time_to_respond_hours"],
    ["Mean time to resolve", hours(k.mean_time_to_resolve_hours), "mean_time_to_resolve_hours"],
    ["Metrics out of threshold", `${k.metrics_out_of_threshold} of ${k.metrics.length}`, "metrics_out_of_threshold"],
  ].map(([label, value, key]) => {
    const [definition, target] = KPI_HELP[key] || [null, null];
    // the server's own definition, counts and reason, when it gives them (Kpis.indicators)
    const ind = k.indicators && k.indicators[key];
    const counts = ind && ind.numerator !== null && ind.numerator !== undefined && ind.denominator
      ? `${ind.numerator} of ${ind.denominator}. ` : "";
    return h("div", { class: "kpi", "data-kpi": key }, h("dt", {}, label), h("dd", { class: "kpi-value" }, String(value)),
      definition ? h("dd", { class: "kpi-help" }, counts, ind && ind.reason ? `${ind.reason}. ` : "", definition,
        target ? h("span", { class: "kpi-target" }, ` ${target}.`) : null,
        ind && ind.definition ? h("details", { class: "kpi-def" }, h("summary", {}, "How it is computed"), ind.definition) : null) : null);
  }));
  return [
    cards,
    k.metrics.length ? table({
      caption: "Metrics",
      className: "data compact",
      rowAttrs: (m) => ({ "data-metric": m.name }),
      columns: [
        { label: "Metric", key: "name" },
        { label: "AI system", cell: (m) => m.system || "—" },
        { label: "Kind", cell: (m) => m.kind || "—" },
        { label: "Value", key: "value", numeric: true },
        { label: "Threshold", cell: (m) => `${m.direction} ${m.threshold}`, numeric: true },
        { label: "Within", cell: (m) => (m.within_threshold ? "yes" : h("strong", { class: "bad" }, "no")) },
      ],
      rows: k.metrics,
    }) : null,
    table({
      caption: "Documentation completeness per tier",
      className: "data compact",
      rowAttrs: (t) => ({ "data-tier": t.tier }),
      columns: [
        { label: "Tier", key: "tier" },
        { label: "Expected kinds", key: "expected", numeric: true },
        { label: "Present", key: "present", numeric: true },
        // nothing expected is not "100 % complete": say so
        { label: "Complete", cell: (t) => (t.expected && t.percent !== null && t.percent !== undefined ? `${t.percent}%` : "nothing expected"), numeric: true },
        { label: "Documents", key: "documents", numeric: true },
      ],
      rows: k.documentation,
    }),
  ];
}

// ---------------------------------------------------------------- what closes most
function closesMost(gaps) {
  if (!gaps.closes_most.length) return note("Nothing left open that a single control would close.");
  return table({
    caption: "Controls whose implementation would close the most open requirements",
    className: "data compact closes",
    rowAttrs: (c) => ({ "data-control": c.control }),
    columns: [
      { label: "Control", cell: (c) => h("a", { href: api.controlHref(c.control) }, c.control) },
      { label: "Title", key: "title", className: "wrap" },
      { label: "Closes", key: "closes", numeric: true, title: "Open requirements its implementation alone would close" },
      { label: "Helps", key: "contributes", numeric: true, title: "Open requirements it would help close" },
      {
        label: "Requirements it closes",
        cell: (c) => h("details", {}, h("summary", {}, plural(c.requirements.length, "requirement")),
          h("ul", { class: "inline-list" }, c.requirements.map((ref) => {
            const i = ref.indexOf(":");
            return h("li", {}, h("a", { href: api.reqHref(ref.slice(0, i), ref.slice(i + 1)) }, ref));
          }))),
      },
    ],
    rows: gaps.closes_most,
  });
}

// ---------------------------------------------------------------- gap list
function controlsList(controls) {
  const sorted = [...controls].sort((a, b) =>
    Number(CLOSING.has(b.relationship)) - Number(CLOSING.has(a.relationship)) || b.strength - a.strength);
  return h("ul", { class: "control-states" }, sorted.map((c) => h("li", {
    class: CLOSING.has(c.relationship) ? "closing" : "helping",
    "data-control": c.control,
    "data-state": c.state,
    "data-route": offRoute(c) ? c.route : null,
  },
  h("a", { href: api.controlHref(c.control) }, c.control), " ", relationshipCell(c.relationship),
  offRoute(c) ? [" ", routeCell(c.route, c.through)] : null,
  " ", stateChip(c.state), evidenceLines(c))));
}

function gapList(gaps) {
  const wrap = h("div", { class: "gaplist" });
  const status = h("p", { class: "gap-status", role: "status", "aria-live": "polite" });
  const holder = h("div", { class: "table-scroll" });
  const fwId = newId("gapfw");
  const textId = newId("gaptext");
  const frameworks = [...new Set(gaps.requirements.map((r) => r.framework))];
  const fwSelect = h("select", { id: fwId }, h("option", { value: "" }, "All frameworks"),
    frameworks.map((f) => h("option", { value: f, selected: state.gaps.framework === f }, api.shortName(f))));
  const text = h("input", { id: textId, type: "search", value: state.gaps.text, autocomplete: "off", placeholder: "notation, title, reason, control or evidence" });
  const counts = new Map();
  const boxes = STATUSES.map((s) => {
    const id = newId("st");
    const count = h("span", { class: "status-count" });
    counts.set(s, count);
    return h("span", { class: "check" },
      h("input", { type: "checkbox", id, value: s, checked: state.gaps.statuses.has(s),
        onchange: (e) => { if (e.target.checked) state.gaps.statuses.add(s); else state.gaps.statuses.delete(s); draw(); } }),
      h("label", { for: id }, statusBadge(s), " ", count));
  });

  const PAGE = 50;
  let showAll = false;
  let current = [];
  const moreSlot = h("div", { class: "toolbar" });
  const exportGaps = () => {
    const header = ["Framework", "Requirement", "Title", "Status", "Reason", "Controls (state; route; evidence; problems)"];
    const body = current.map((r) => [r.framework, r.notation, r.title, r.status, r.reason,
      r.controls.map((c) => [`${c.control} ${c.relationship}: ${c.state}`, routeWords(c), c.evidence.join(", "), c.problems.join(", ")].filter(Boolean).join("; ")).join(" | ")]);
    saveText(`${state.org}-gaps${state.gaps.framework ? `-${state.gaps.framework}` : ""}.csv`, csv(header, body));
  };

  function draw() {
    saveState();
    // the counts beside the boxes follow the framework filter
    for (const [s, el] of counts) {
      el.textContent = String(gaps.requirements.filter((r) => r.status === s && (!state.gaps.framework || r.framework === state.gaps.framework)).length);
    }
    const needle = state.gaps.text.trim().toLowerCase();
    const rows = gaps.requirements.filter((r) => state.gaps.statuses.has(r.status)
      && (!state.gaps.framework || r.framework === state.gaps.framework)
      && (!needle || [r.notation, r.title, r.reason, ...r.controls.flatMap((c) => [c.control, ...c.evidence, ...c.problems])].join(" ").toLowerCase().includes(needle)));
    status.textContent = `${plural(rows.length, "requirement")} of ${gaps.requirements.length} shown.`;
    status.dataset.count = String(rows.length);
    current = rows;
    // the first PAGE rows; the rest on request (a long list is slow to read and to Tab through)
    const shown = showAll ? rows : rows.slice(0, PAGE);
    const more = rows.length > shown.length ? h("button", { type: "button", class: "secondary show-all", onclick: () => {
      showAll = true;
      draw();
      announce(`All ${rows.length} requirements shown.`);
    } }, `Show all ${rows.length}`) : null;
    holder.replaceChildren(rows.length ? table({
      caption: "Requirements with their verdict, the reason, and the controls behind it (those that would close it alone first)",
      captionHidden: true,
      className: "data gaps",
      rowAttrs: (r) => ({ "data-framework": r.framework, "data-notation": r.notation, "data-status": r.status }),
      columns: [
        { label: "Requirement", cell: (r) => [h("a", { href: api.reqHref(r.framework, r.notation) }, r.notation),
          h("span", { class: "fw-tag" }, api.shortName(r.framework))] },
        { label: "Title", key: "title", className: "wrap" },
        { label: "Status", cell: (r) => statusBadge(r.status) },
        { label: "Reason", key: "reason", className: "wrap reason" },
        { label: "Controls (closing first)", cell: (r) => controlsList(r.controls) },
      ],
      rows: shown,
    }) : note("No requirement matches these filters."));
    moreSlot.replaceChildren(...[more].filter(Boolean));
  }
  fwSelect.addEventListener("change", () => { state.gaps.framework = fwSelect.value; draw(); });
  text.addEventListener("input", debounce(() => { state.gaps.text = text.value; draw(); }, 200));
  wrap.append(h("form", { class: "filters", "aria-label": "Gap list filters", onsubmit: (e) => e.preventDefault() },
    h("fieldset", {}, h("legend", {}, "Status"), boxes),
    h("div", { class: "field" }, h("label", { for: fwId }, "Framework"), fwSelect),
    h("div", { class: "field" }, h("label", { for: textId }, "Contains"), text),
    h("button", { type: "button", class: "secondary export", onclick: exportGaps }, "Download the list (CSV)")),
  h("details", { class: "chip-legend" }, h("summary", {}, "What the control states mean"), stateLegend()),
  status,
  h("a", { class: "skip-past", href: "#/org", onclick: (event) => {
    event.preventDefault();
    const next = document.getElementById("roadmap-heading");
    if (next) { next.setAttribute("tabindex", "-1"); next.focus(); }
  } }, "Skip past the gap list"),
  holder, moreSlot);
  draw();
  return wrap;
}

// ---------------------------------------------------------------- generic JSON (roadmap, SoA)
const humanize = (key) => key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const scalar = (v) => (v === null || v === undefined ? "—" : typeof v === "boolean" ? (v ? "yes" : "no") : String(v));
/** A field's value; a common control's notation becomes a link to its page. */
const field = (key, v) => (key === "control" && typeof v === "string" && /^[A-Z]{2,5}-\d+$/.test(v)
  ? h("a", { href: api.controlHref(v) }, v) : scalar(v));

function titleOf(obj) {
  for (const k of ["title", "name", "phase", "label", "id", "control", "framework"]) if (typeof obj[k] === "string") return obj[k];
  const first = Object.values(obj).find((v) => typeof v === "string" || typeof v === "number");
  return first === undefined ? "" : String(first);
}

/** Render any JSON value: scalars as text, objects as facts and sub-sections, lists of records as tables. */
export function renderJson(value, level = 3) {
  if (Array.isArray(value)) {
    if (!value.length) return h("p", { class: "muted" }, "none");
    if (value.every((x) => !isObject(x) && !Array.isArray(x))) return value.map(scalar).join(", ");
    if (value.every(isObject)) {
      const deep = value.some((x) => Object.values(x).some((v) => Array.isArray(v) && v.some(isObject)));
      if (deep) return h("div", { class: "json-blocks" }, value.map((x) => jsonObject(x, level, titleOf(x))));
      const keys = [...new Set(value.flatMap((x) => Object.keys(x)))];
      return table({
        caption: null,
        className: "data compact json",
        rowHeader: false,
        columns: keys.map((k) => ({ label: humanize(k), cell: (row) => (isObject(row[k]) || Array.isArray(row[k]) ? renderJson(row[k], level + 1) : field(k, row[k])), className: "wrap", key: k })),
        rows: value,
      });
    }
    return h("ol", {}, value.map((x) => h("li", {}, renderJson(x, level + 1))));
  }
  if (isObject(value)) return jsonObject(value, level, null);
  return scalar(value);
}

function jsonObject(obj, level, title) {
  const tag = `h${Math.min(6, level)}`;
  const simple = Object.entries(obj).filter(([, v]) => !isObject(v) && !(Array.isArray(v) && v.some((x) => isObject(x) || Array.isArray(x))));
  const complex = Object.entries(obj).filter(([k]) => !simple.some(([s]) => s === k));
  return h("div", { class: "json-object" },
    title ? h(tag, {}, title) : null,
    simple.length ? facts(simple.map(([k, v]) => [humanize(k), Array.isArray(v) ? v.map(scalar).join(", ") || "—" : field(k, v), k])) : null,
    complex.map(([k, v]) => h("div", { class: "json-field", "data-key": k },
      h(`h${Math.min(6, title ? level + 1 : level)}`, {}, humanize(k)), renderJson(v, Math.min(6, (title ? level + 1 : level) + 1)))));
}

function downloadButton(label, run, statusEl) {
  return h("button", {
    type: "button",
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      statusEl.textContent = `Preparing ${label}…`;
      try {
        const { name, size } = await run();
        statusEl.textContent = `Downloaded ${name} (${size} bytes).`;
      } catch (error) {
        statusEl.textContent = error.status === 404 ? `Not available on this server (${error.message}).` : `Could not download: ${error.message}`;
      } finally {
        button.disabled = false;
      }
    },
  }, label);
}

function roadmap(org, params, data) {
  const statusEl = h("p", { class: "download-status", role: "status", "aria-live": "polite" });
  const path = `v1/orgs/${encodeURIComponent(org)}/roadmap`;
  return [
    h("div", { class: "toolbar" },
      downloadButton("Download Markdown", () => api.download(path, `${org}-roadmap.md`, [
        { params: { ...params, format: "markdown" }, expect: /markdown|text\/plain/ },
        { params: { ...params, format: "md" }, expect: /markdown|text\/plain/ },
        { params, accept: "text/markdown", expect: /markdown/ },
      ]), statusEl),
      downloadButton("Download CSV", () => api.download(path, `${org}-roadmap.csv`, [
        { params: { ...params, format: "csv" }, expect: /csv/ },
        { params, accept: "text/csv", expect: /csv/ },
      ]), statusEl),
      downloadButton("Download JSON", () => api.download(path, `${org}-roadmap.json`, [
        { params, accept: "application/json", expect: /json/ },
      ]), statusEl)),
    statusEl,
    h("div", { class: "json-view roadmap-view" }, isRoadmap(data) ? roadmapView(data) : renderJson(data, 3)),
  ];
}

const isRoadmap = (d) => isObject(d) && Array.isArray(d.phases) && d.phases.every((p) => isObject(p) && Array.isArray(p.steps));
const fwList = (ids) => (ids || []).map(api.shortName).join(", ");
const byFramework = (map) => Object.entries(map || {}).flatMap(([fw, refs]) => refs.map((n) => ({ fw, n })));

function refList(items) {
  if (!items.length) return "0";
  return h("details", {}, h("summary", {}, String(items.length)),
    h("ul", { class: "inline-list" }, items.map(({ fw, n }) => h("li", {}, h("a", { href: api.reqHref(fw, n), title: fw }, `${api.shortName(fw)} ${n}`)))));
}

const STEP_PAGE = 10;

/** One phase's steps: the first STEP_PAGE, then the rest on request. */
function phaseSteps(holder, p) {
  let shown = Math.min(STEP_PAGE, p.steps.length);
  const more = h("button", { type: "button", class: "secondary show-steps" });
  const status = h("p", { class: "steps-status", role: "status" });
  const draw = () => {
    holder.replaceChildren(table({
      caption: `Steps of the ${p.phase} phase`,
      captionHidden: true,
      className: "data compact steps",
      rowAttrs: (s) => ({ "data-step": s.step, "data-control": s.control }),
      columns: [
        { label: "Step", key: "step", numeric: true },
        { label: "Control", cell: (s) => [h("a", { href: api.controlHref(s.control) }, s.control), " ", h("span", { class: "control-title" }, s.title)], className: "wrap" },
        { label: "Action", key: "action", className: "wrap" },
        { label: "State", cell: (s) => h("span", { class: `state state-${String(s.state).replace(/\s+/g, "-")}` }, s.state) },
        { label: "Frameworks", cell: (s) => fwList(s.frameworks), className: "wrap" },
        { label: "Closes", cell: (s) => refList(byFramework(s.closes)) },
        { label: "Helps", cell: (s) => refList(byFramework(s.contributes)) },
        { label: "Documents", cell: (s) => ((s.documents || []).length
          ? s.documents.flatMap((d, i) => [i ? "; " : "", h("span", { title: d.tier }, d.name)]) : "—"), className: "wrap" },
        { label: "Effort (points)", key: "effort", numeric: true },
      ],
      rows: p.steps.slice(0, shown),
    }));
    if (shown < p.steps.length) {
      status.textContent = `Showing steps 1–${shown} of ${p.steps.length}.`;
      more.textContent = `Show all ${p.steps.length} steps of ${p.phase}`;
      holder.append(h("div", { class: "toolbar" }, status, more));
    }
  };
  more.addEventListener("click", () => {
    const first = shown;
    shown = p.steps.length;
    draw();
    announce(`All ${p.steps.length} steps of ${p.phase} shown.`);
    // keep the keyboard where the reader was: on the first newly shown step
    const next = holder.querySelectorAll("table.steps tbody tr")[first];
    const link = next && next.querySelector("a");
    if (link) link.focus();
  });
  draw();
}

/** The roadmap (GET /v1/orgs/{org}/roadmap): phases of steps, each a control to implement or evidence to renew. */
function roadmapView(r) {
  const solver = isObject(r.solver) ? `${r.solver.status}${r.solver.proven_optimal ? " (proven optimal)" : ""}` : null;
  const out = [
    facts([
      ["Open requirements", r.open_requirements, "open_requirements"],
      ["Closed by the plan", r.closed_by_plan, "closed_by_plan"],
      ["Total effort", r.effort === undefined ? null : `${r.effort} points`, "effort"],
      ["Frameworks", fwList(r.frameworks), "frameworks"],
      ["Solver", solver, "solver"],
    ]),
    table({
      caption: "Phases",
      className: "data compact phases",
      rowAttrs: (p) => ({ "data-phase": p.phase }),
      columns: [
        { label: "Phase", cell: (p) => `${p.order}. ${p.phase}` },
        { label: "Steps", cell: (p) => String(p.steps.length), numeric: true },
        { label: "Effort (points)", key: "effort", numeric: true, title: "Each control is rated 1 (small) to 5 (large); the sum" },
        { label: "Closes", key: "closes", numeric: true, title: "Distinct requirements closed in this phase" },
        { label: "Documents to produce", cell: (p) => Object.entries(p.documents || {}).map(([t, n]) => `${t}: ${n}`).join(", ") || "—" },
      ],
      rows: r.phases,
    }),
  ];
  // Each phase folds (the first open); its steps are drawn when it is first
  // opened, STEP_PAGE at a time: the whole roadmap is thousands of elements and
  // hundreds of Tab stops, most of which nobody reads at once.
  r.phases.forEach((p, i) => {
    const body = h("div", { class: "phase-steps" });
    let drawn = false;
    const box = h("details", { class: "phase", "data-phase": p.phase, "data-steps": String(p.steps.length), open: i === 0 },
      h("summary", {}, h("h3", { class: "inline-heading" }, `${p.order}. ${p.phase}`), ` — ${plural(p.steps.length, "step")}, effort ${p.effort} points`),
      body);
    const draw = () => {
      if (drawn || !box.open) return;
      drawn = true;
      phaseSteps(body, p);
    };
    box.addEventListener("toggle", draw);
    draw();
    out.push(box);
  });
  if (Array.isArray(r.uncoverable) && r.uncoverable.length) {
    // folded too: each row is a link (a Tab stop)
    out.push(h("details", { class: "uncoverable-box" },
      h("summary", {}, h("h3", { class: "inline-heading" }, `Not coverable by common controls (${r.uncoverable.length})`)),
      table({
        caption: "Open requirements that need measures outside the control set",
        captionHidden: true,
        className: "data compact uncoverable",
        columns: [
          { label: "Requirement", cell: (u) => h("a", { href: api.reqHref(u.framework, u.notation) }, `${api.shortName(u.framework)} ${u.notation}`) },
          { label: "Title", key: "title", className: "wrap" },
          { label: "Reason", key: "reason", className: "wrap" },
        ],
        rows: r.uncoverable,
      })));
  }
  return out;
}

const isSoa = (d) => isObject(d) && Array.isArray(d.summary) && Array.isArray(d.entries);

/** The Statement of Applicability (GET /v1/orgs/{org}/soa): summary per framework and every Annex A entry. */
function soaView(d, framework) {
  const summary = framework ? d.summary.filter((x) => x.framework === framework) : d.summary;
  const entries = framework ? d.entries.filter((x) => x.framework === framework) : d.entries;
  const name = framework ? api.shortName(framework) : "ISO/IEC 27001 and 42001";
  const scroller = h("div", { class: "table-scroll" });
  scroller.append(table({
    caption: `Statement of Applicability entries of ${name}`,
    captionHidden: true,
    className: "data compact soa-table",
    rowAttrs: (e) => ({ "data-framework": e.framework, "data-notation": e.notation }),
    columns: [
      { label: "Control", cell: (e) => h("a", { href: api.reqHref(e.framework, e.notation), title: e.framework }, `${e.notation}`) },
      { label: "Title", key: "title", className: "wrap" },
      { label: "Applicable", cell: (e) => (e.applicable ? "yes" : "no") },
      { label: "Status", key: "status" },
      { label: "Verdict", cell: (e) => statusBadge(e.verdict) },
      { label: "Justification", key: "justification", className: "wrap explain" },
    ],
    rows: entries,
  }));
  return [
    table({
      caption: `Annex A controls of ${name}, as of ${d.as_of}`,
      className: "data compact soa-summary",
      rowAttrs: (s) => ({ "data-framework": s.framework }),
      columns: [
        { label: "Framework", cell: (s) => h("span", { title: s.framework }, api.shortName(s.framework)) },
        { label: "Controls", key: "controls", numeric: true },
        { label: "Applicable", key: "applicable", numeric: true },
        { label: "Excluded", key: "excluded", numeric: true },
        { label: "Implemented", key: "implemented", numeric: true },
        { label: "Partially implemented", key: "partially_implemented", numeric: true },
        { label: "Not implemented", key: "not_implemented", numeric: true },
      ],
      rows: summary,
    }),
    h("details", { class: "soa-entries" }, h("summary", {}, `All ${plural(entries.length, "entry", "entries")} of ${name}`), scroller),
  ];
}

function soa(org, params, probe) {
  const statusEl = h("p", { class: "download-status", role: "status", "aria-live": "polite" });
  const fwId = newId("soafw");
  const fmtId = newId("soafmt");
  const fw = h("select", { id: fwId, name: "framework" }, h("option", { value: "" }, "Both (ISO/IEC 27001 and 42001)"),
    SOA_FRAMEWORKS.map((f) => h("option", { value: f, selected: state.gaps.framework === f }, `${api.shortName(f)} (${f})`)));
  const fmt = h("select", { id: fmtId, name: "format" },
    h("option", { value: "xlsx" }, "Excel (XLSX)"), h("option", { value: "csv" }, "CSV"), h("option", { value: "json" }, "JSON"));
  const expect = { xlsx: /spreadsheet|octet-stream|excel/, csv: /csv/, json: /json/ };
  const view = h("div", { class: "soa-view" });
  const drawView = () => view.replaceChildren(...[isSoa(probe) ? soaView(probe, fw.value)
    : h("details", { class: "json-view soa-preview" }, h("summary", {}, "Preview (JSON)"), renderJson(probe, 3))].flat());
  fw.addEventListener("change", drawView);
  const form = h("form", {
    class: "filters soa-form", "aria-label": "Statement of Applicability download",
    onsubmit: async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      statusEl.textContent = "Preparing the Statement of Applicability…";
      try {
        // the file is named after the framework chosen (the server's name does not say it)
        const { name, size } = await api.download(`v1/orgs/${encodeURIComponent(org)}/soa`,
          `${org}-soa-${fw.value || "iso27001-2022+iso42001-2023"}.${fmt.value}`,
          [{ params: { ...params, framework: fw.value || null, format: fmt.value }, expect: expect[fmt.value] }], { preferName: true });
        statusEl.textContent = `Downloaded ${name} (${size} bytes).`;
      } catch (error) {
        statusEl.textContent = error.status === 404 ? `Not available on this server (${error.message}).` : `Could not download: ${error.message}`;
      } finally {
        button.disabled = false;
      }
    },
  },
  h("div", { class: "field" }, h("label", { for: fwId }, "Framework"), fw),
  h("div", { class: "field" }, h("label", { for: fmtId }, "Format"), fmt),
  h("button", { type: "submit" }, "Download SoA"));
  drawView();
  return [form, statusEl, view];
}

// ---------------------------------------------------------------- validation
/** The organization's labels (rdfs:label) by IRI, from its evidence as JSON-LD: results name things, not IRIs. */
export async function evidenceLabels(org) {
  try {
    const response = await fetch(api.apiUrl(`v1/orgs/${encodeURIComponent(org)}/evidence`),
      { headers: { Accept: "application/ld+json", ...api.authHeaders() } });
    return response.ok ? labelsFrom(await response.json()) : new Map();
  } catch {
    return new Map();
  }
}

/**
 * A short, stable key for one SHACL result (FNV-1a over what makes it that
 * result): a link from an audit chain names the row (#/org?result=…), and the
 * dashboard brings that row into view, focused and marked.
 */
export function resultKey(r) {
  let hash = 0x811c9dc5;
  for (const ch of [r.severity, r.focus, r.path || "", r.value || "", r.message].join("\u0000")) {
    hash ^= ch.codePointAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** The dashboard link to one SHACL result's row. */
export const resultHref = (org, r) => `#/org?org=${encodeURIComponent(org)}&result=${resultKey(r)}`;

/** Bring the result named in the URL into view, focused and marked; say so if it is gone. */
function showResult(sectionEl) {
  if (!state.result) return;
  const row = sectionEl.querySelector(`tr[data-result="${CSS.escape(state.result)}"]`);
  if (!row) {
    sectionEl.querySelector("h2").after(note("The result you followed is not in this report any more (the evidence changed since).", "error"));
    return;
  }
  row.classList.add("target");
  row.setAttribute("tabindex", "-1");
  row.scrollIntoView({ block: "center" });
  row.focus({ preventScroll: true });
  announce("The validation result you followed is marked.");
}

function validation(report, labels) {
  const name = (iri) => (iri ? labels.get(iri) || localName(iri) : "—");
  return [
    facts([
      ["Conforms", report.conforms ? "yes" : "no", "conforms"],
      ["Violations", report.violations, "violations"],
      ["Warnings", report.warnings, "warnings"],
      ["Results", report.results.length, "results"],
      ["As of", report.as_of, "as_of"],
    ], "facts inline"),
    report.results.length ? table({
      caption: "SHACL results: what to fix",
      className: "data compact validation",
      rowAttrs: (r) => ({ "data-severity": r.severity, "data-message": r.message, "data-focus": r.focus, "data-result": resultKey(r) }),
      columns: [
        { label: "Severity", cell: (r) => h("span", { class: `sev sev-${r.severity.toLowerCase()}` }, r.severity === "Violation" ? "Violation (blocks)" : r.severity) },
        { label: "What", cell: (r) => name(r.focus), className: "wrap focus-name" },
        { label: "Problem", key: "message", cell: (r) => humanMessage(r.message), className: "wrap" },
        { label: "Field", cell: (r) => (r.path ? humanMessage(`cg:${localName(r.path)}`) : "—") },
        { label: "Value", cell: (r) => (r.value && r.value !== r.focus ? name(r.value) : "—"), className: "wrap" },
      ],
      rows: report.results,
    }) : note("No SHACL results: the evidence conforms without warnings."),
  ];
}

// ---------------------------------------------------------------- the page
function dashboard(holder, org) {
  const params = state.asOf ? { as_of: state.asOf } : {};
  const base = `v1/orgs/${encodeURIComponent(org.id)}`;
  const get = (path, extra = {}) => api.getJSON(`${base}/${path}`, { ...params, ...extra }, { auth: true });
  const gapsPromise = get("gaps");
  const labelsPromise = evidenceLabels(org.id);

  const parts = [
    ["progress", "Progress per framework"],
    ["kpis", "Key performance indicators"],
    ["closes", "What closes the most"],
    ["gaps", "Gap list"],
    ["roadmap", "Roadmap"],
    ["soa", "Statement of Applicability"],
    ["validation", "Validation results"],
  ];
  const toc = h("nav", { class: "toc", "aria-label": "On this page" }, h("ul", {}, parts.map(([id, title]) =>
    h("li", {}, h("a", {
      href: `#/org`,
      onclick: (event) => {
        event.preventDefault();
        const heading = document.getElementById(`${id}-heading`);
        heading.setAttribute("tabindex", "-1");
        heading.scrollIntoView({ block: "start" });
        heading.focus({ preventScroll: true });
      },
    }, title)))));
  const sections = Object.fromEntries(parts.map(([id, title]) => [id, section(title, { id, className: "dash" })]));
  holder.replaceChildren(h("h2", { class: "org-name", id: "org-heading" }, `${org.name} `, h("span", { class: "subtitle" }, `(${org.id})`)),
    orgNav("Dashboard"), toc, ...Object.values(sections));

  return Promise.all([
    fill(sections.progress, "The gap analysis", () => gapsPromise, progress),
    fill(sections.kpis, "The KPIs", () => get("kpis"), kpis),
    fill(sections.closes, "The gap analysis", () => gapsPromise, closesMost),
    fill(sections.gaps, "The gap analysis", () => gapsPromise, gapList),
    fill(sections.roadmap, "The roadmap", () => get("roadmap"), (data) => roadmap(org.id, params, data)),
    fill(sections.soa, "The Statement of Applicability", () => get("soa"), (probe) => soa(org.id, params, probe)),
    fill(sections.validation, "The validation report", () => Promise.all([get("validation"), labelsPromise]),
      ([report, labels]) => validation(report, labels)),
  ]).then(() => showResult(sections.validation));
}

export async function render(container) {
  document.title = "Organization dashboard · ctrlgraph";
  readState();
  const keyId = newId("key");
  const asOfId = newId("asof");
  const message = h("div", { class: "key-message", "aria-live": "polite" });
  const holder = h("div", { class: "dashboard", id: "dashboard" });
  const keyInput = h("input", { id: keyId, name: "key", type: "password", autocomplete: "off", spellcheck: "false",
    "aria-describedby": `${keyId}-help`, placeholder: "cgk_…" });
  const asOf = h("input", { id: asOfId, name: "as_of", type: "date", value: state.asOf });
  const forget = h("button", { type: "button", class: "secondary", onclick: () => {
    api.orgKey.clear();
    state.org = null;
    keyInput.value = "";
    holder.replaceChildren();
    message.replaceChildren(note("The key was removed from this tab."));
    forget.hidden = true;
    keyInput.placeholder = "cgk_…";
    keyInput.focus();
  } }, "Forget key");

  async function open() {
    message.replaceChildren();
    holder.replaceChildren(loading("Opening the dashboard…"));
    let orgs;
    try {
      orgs = await api.getJSON("v1/orgs", {}, { auth: true });
    } catch (error) {
      holder.replaceChildren();
      message.replaceChildren(note(error.status === 401 ? `The key was refused: ${error.message}.` : `Could not open the dashboard: ${error.message}`, "error"));
      return;
    }
    forget.hidden = false;
    if (!orgs.length) {
      holder.replaceChildren(note("This key belongs to no organization.", "error"));
      return;
    }
    let org = orgs.find((o) => o.id === (state.org || currentOrg.get())) || orgs[0];
    state.org = org.id;
    currentOrg.set(org.id);
    const picker = orgs.length > 1 ? (() => {
      const id = newId("org");
      const select = h("select", { id }, orgs.map((o) => h("option", { value: o.id, selected: o.id === org.id }, `${o.name} (${o.id})`)));
      select.addEventListener("change", () => { state.org = select.value; currentOrg.set(select.value); saveState(); open(); });
      return h("div", { class: "field" }, h("label", { for: id }, "Organization"), select);
    })() : null;
    const body = h("div");
    holder.replaceChildren(...[picker, body].filter(Boolean));
    org = orgs.find((o) => o.id === state.org);
    await dashboard(body, org);
    announce(`Dashboard of ${org.name} loaded.`);
  }

  const form = h("form", {
    class: "key-form", "aria-labelledby": `${keyId}-title`,
    onsubmit: (event) => {
      event.preventDefault();
      const key = keyInput.value.trim();
      if (key) api.orgKey.set(key);
      state.asOf = asOf.value;
      saveState();
      if (!api.orgKey.get()) {
        message.replaceChildren(note("Paste an organization key first.", "error"));
        keyInput.focus();
        return;
      }
      keyInput.value = "";
      keyInput.placeholder = "A key is stored for this tab; paste another to replace it";
      open();
    },
  },
  h("h2", { id: `${keyId}-title`, class: "visually-hidden" }, "Open a dashboard with an API key"),
  h("div", { class: "field grow" }, h("label", { for: keyId }, "Organization key"), keyInput),
  h("div", { class: "field" }, h("label", { for: asOfId }, "As of (optional)"), asOf),
  h("button", { type: "submit" }, "Open dashboard"), forget,
  h("p", { id: `${keyId}-help`, class: "help" },
    "Kept in this browser tab only (sessionStorage) and sent as “Authorization: Bearer”. ",
    h("code", {}, "ctrlgraph serve --demo"), " prints the demo organization's key."));

  append(container, h("h1", {}, "Organization dashboard"), form, message, holder);
  forget.hidden = !api.orgKey.get();
  if (api.orgKey.get()) keyInput.placeholder = "A key is stored for this tab; paste another to replace it";
  if (api.orgKey.get()) await open();
  else message.replaceChildren(note("Paste your organization's API key to see its progress, gaps, KPIs, roadmap and validation results."));
}
