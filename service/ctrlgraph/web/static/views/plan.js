// Planning (GET /v1/plan and GET /v1/plan/delta): which common controls to
// implement for the chosen frameworks, the fewest (or least effort) proven by
// the solver, and — with frameworks already held or the organization's
// evidence — what is satisfied, partial and open, and the new controls, most
// closing first. The choices live in the URL (#/plan?want=…&have=…).

import * as api from "../api.js";
import { csv, markdown, saveText } from "../export.js";
import { append, facts, h, loading, newId, note, plural, section, table } from "../dom.js";
import { hashQuery, pushQuery } from "../url.js";
import { routeColumn } from "./requirement.js";

const DEFAULT_WANT = ["iso42001-2023", "iso27001-2022"];
const PHASES = ["foundation", "development", "implementation", "certification preparation"];
export const EFFORT_HELP = "Effort is in points: each control is rated 1 (small) to 5 (large); a plan's effort is the sum.";
export const points = (n) => `${n} effort ${n === 1 ? "point" : "points"}`;

/** The solver's answer in plain words. */
export function proofWords(solver, unit) {
  const gapPct = Math.round((solver.gap || 0) * 1000) / 10;
  switch (solver.status) {
    case "optimal":
      return solver.proven_optimal
        ? `Smallest possible: proven. No plan with ${unit === "effort" ? "less effort" : "fewer controls"} covers these requirements.`
        : "Smallest found, not proven.";
    case "feasible":
      return `Good, not proven smallest: the solver stopped at its ${solver.time_limit} s limit; at least ${solver.bound} is needed, so this plan is within ${gapPct} % of the best.`;
    case "greedy":
      return "Not proven smallest: in the time allowed the solver found nothing better than a simple greedy pick.";
    case "trivial":
      return "Nothing to plan: no requirement is left to cover.";
    default:
      return `Solver status: ${solver.status}.`;
  }
}

function chooser(legend, name, list, chosen, hint) {
  return h("fieldset", { class: "fw-choice", "data-choice": name }, h("legend", {}, legend),
    hint ? h("p", { class: "help" }, hint) : null,
    list.map((f) => {
      const id = newId(name);
      return h("span", { class: "check" },
        h("input", { type: "checkbox", id, name, value: f.id, checked: chosen.includes(f.id) }),
        h("label", { for: id, title: f.title }, api.shortName(f.id)));
    }));
}

const reqLinks = (refs) => h("ul", { class: "inline-list" }, refs.map(({ fw, n }) =>
  h("li", {}, h("a", { href: api.reqHref(fw, n) }, `${api.shortName(fw)} ${n}`))));

function phaseRank(p) {
  const i = PHASES.indexOf(String(p || "").toLowerCase());
  return i === -1 ? 99 : i;
}

function solverFacts(answer, unit) {
  const s = answer.solver;
  const g = answer.greedy;
  const saved = g.saved ? ` — this plan saves ${g.saved} ${unit === "effort" ? "effort points" : g.saved === 1 ? "control" : "controls"}` : "";
  return h("div", { class: "proof", "data-status": s.status, "data-proven": String(!!s.proven_optimal) },
    h("p", { class: `proof-words ${s.proven_optimal ? "proven" : ""}` }, h("strong", {}, "Proof: "), proofWords(s, unit)),
    h("p", { class: "help" },
      `A simple greedy pick would take ${plural(g.size, "control")} (${points(g.effort)})${saved}. `,
      `Solved by ${s.solver} in ${s.wall_time} s.`));
}

function planTable(controls, caption) {
  return table({
    caption,
    className: "data compact plan-controls",
    rowAttrs: (c) => ({ "data-control": c.notation, "data-phase": c.phase || "" }),
    columns: [
      { label: "Control", cell: (c) => h("a", { href: api.controlHref(c.notation) }, c.notation) },
      { label: "Title", key: "title", className: "wrap" },
      { label: "Phase", cell: (c) => c.phase || "—" },
      { label: "Effort (points)", key: "effort", numeric: true, title: EFFORT_HELP },
      { label: "Closes", key: "closes", numeric: true, title: "Requirements it closes in the plan" },
      { label: "State", cell: (c) => c.state || "to implement" },
      { label: "Requirements", cell: (c) => h("details", {}, h("summary", {}, plural(c.refs.length, "requirement")), reqLinks(c.refs)) },
      ...routeColumn(controls, { always: false }),
    ],
    rows: controls,
  });
}

/** A route for a download: empty on the plain route (the requirements' own mappings). */
const routeText = (route, through) => {
  const list = (Array.isArray(route) ? route : String(route || "").split(/,\s*/)).filter((x) => x && x !== "controls");
  if (!list.length) return "";
  const via = !through ? [] : typeof through === "string" ? [through]
    : Object.values(through).flatMap((m) => (typeof m === "string" ? [m] : Object.entries(m).map(([n, t]) => `${n} via ${t}`)));
  return `${(Array.isArray(route) ? route : String(route).split(/,\s*/)).join(", ")}${via.length ? ` (${via.join("; ")})` : ""}`;
};
/** Add a Route column to a download when a row takes another route than the plain one. */
function withRoute(header, rows, routesOf) {
  const cells = routesOf.map((x) => routeText(x.route, x.through));
  if (!cells.some(Boolean)) return [header, rows];
  return [[...header, "Route"], rows.map((row, i) => [...row, cells[i]])];
}

function exportButtons(stem, header, rows) {
  return h("div", { class: "toolbar exports" },
    h("button", { type: "button", class: "secondary export", "data-format": "csv", onclick: () => saveText(`${stem}.csv`, csv(header, rows)) }, "Download CSV"),
    h("button", { type: "button", class: "secondary export", "data-format": "markdown",
      onclick: () => saveText(`${stem}.md`, `# ${stem}\n\n${markdown(header, rows)}\n`, "text/markdown") }, "Download Markdown"));
}

function planView(p, weighted) {
  const unit = weighted ? "effort" : "controls";
  const controls = p.controls.map((c) => ({ ...c, refs: Object.entries(c.requirements).flatMap(([fw, ns]) => ns.map((n) => ({ fw, n }))) }))
    .sort((a, b) => phaseRank(a.phase) - phaseRank(b.phase) || b.closes - a.closes);
  const stem = `plan-${p.frameworks.join("+")}${p.organization ? `-${p.organization}` : ""}`;
  const [header, rows] = withRoute(["Control", "Title", "Phase", "Effort (points)", "Closes", "State", "Requirements"],
    controls.map((c) => [c.notation, c.title, c.phase || "", c.effort, c.closes, c.state || "to implement",
      c.refs.map((r) => `${r.fw} ${r.n}`).join("; ")]), controls);
  return [
    h("p", { class: "plan-headline", "data-size": String(p.size), "data-effort": String(p.effort) },
      h("strong", {}, `${plural(p.size, "control")} to implement, ${points(p.effort)}`),
      ` cover every coverable requirement of ${p.frameworks.map(api.shortName).join(" + ")}.`),
    solverFacts(p, unit),
    h("p", { class: "help" }, EFFORT_HELP, " Phases run foundation → development → implementation → certification preparation."),
    table({
      caption: "What the plan has to cover, per framework",
      className: "data compact plan-counts",
      rowAttrs: (c) => ({ "data-framework": c.framework }),
      columns: [
        { label: "Framework", cell: (c) => api.shortName(c.framework) },
        { label: "Assessable requirements", key: "requirements", numeric: true },
        { label: "Already met", key: "already_met", numeric: true },
        { label: "Not applicable", key: "not_applicable", numeric: true },
        { label: "To cover", key: "planned_for", numeric: true },
        { label: "Coverable", key: "coverable", numeric: true },
        { label: "Not coverable", key: "uncoverable", numeric: true },
      ],
      rows: p.counts,
    }),
    exportButtons(stem, header, rows),
    planTable(controls, `The ${plural(p.size, "control")}, by phase, most closing first`),
    uncoverable(p.uncoverable),
  ];
}

function uncoverable(list) {
  if (!list.length) return null;
  return h("details", { class: "uncoverable" }, h("summary", {}, `Not coverable by common controls (${list.length})`),
    table({
      caption: "Requirements that need measures outside the common controls",
      captionHidden: true,
      className: "data compact",
      columns: [
        { label: "Requirement", cell: (u) => h("a", { href: api.reqHref(u.framework, u.notation) }, `${api.shortName(u.framework)} ${u.notation}`) },
        { label: "Title", key: "title", className: "wrap" },
        { label: "Why", key: "reason", className: "wrap" },
      ],
      rows: list,
    }));
}

const STATUS_WORDS = { satisfied: "satisfied", partial: "partial", open: "open", "not applicable": "not applicable" };

function deltaView(d, weighted) {
  const unit = weighted ? "effort" : "controls";
  const stem = `delta-${d.have.join("+") || "nothing"}-to-${d.want.join("+")}${d.organization ? `-${d.organization}` : ""}`;
  const newControls = d.new_controls.map((c) => ({ ...c, state: null,
    refs: c.requirements.map((ref) => { const i = ref.indexOf(":"); return { fw: ref.slice(0, i), n: ref.slice(i + 1) }; }) }));
  // a new control's route: how the requirements it closes reach it (the delta gives it per requirement)
  const reached = new Map();
  for (const r of d.requirements) {
    for (const c of r.controls) {
      if (!c.route || c.route === "controls") continue;
      const key = `${c.control} ${r.framework}:${r.notation}`;
      reached.set(key, { route: c.route, through: c.through ? `${r.framework} ${r.notation} via ${c.through}` : null });
    }
  }
  const newRoutes = newControls.map((c) => {
    const found = c.requirements.map((ref) => reached.get(`${c.notation} ${ref}`)).filter(Boolean);
    const own = c.requirements.length > found.length;
    return { route: [...(own ? ["controls"] : []), ...new Set(found.map((x) => x.route))],
      through: found.map((x) => x.through).filter(Boolean).join("; ") || null };
  });
  const [header, rows] = withRoute(["Control", "Title", "Phase", "Effort (points)", "Closes", "Requirements"],
    newControls.map((c) => [c.notation, c.title, c.phase || "", c.effort, c.closes, c.refs.map((r) => `${r.fw} ${r.n}`).join("; ")]),
    newRoutes);
  const held = d.have.length ? d.have.map(api.shortName).join(" + ") : null;
  const basis = [held ? `holding ${held}` : null, d.organization ? `${d.organization}'s evidence` : null].filter(Boolean).join(" and ");
  const reqRows = d.requirements;
  const statusFilter = h("div", { class: "delta-reqs" });
  return [
    h("p", { class: "plan-headline", "data-size": String(d.new_controls.length), "data-effort": String(d.effort) },
      h("strong", {}, `${plural(d.new_controls.length, "new control")}, ${points(d.effort)}`),
      ` to reach ${d.want.map(api.shortName).join(" + ")}${basis ? ` from ${basis}` : ""}.`),
    solverFacts(d, unit),
    table({
      caption: `Where ${d.want.map(api.shortName).join(" + ")} stands${basis ? `, ${basis}` : ""}`,
      className: "data compact delta-summary",
      rowAttrs: (s) => ({ "data-framework": s.framework }),
      columns: [
        { label: "Framework", cell: (s) => api.shortName(s.framework) },
        { label: "Applicable", key: "applicable", numeric: true },
        { label: "Satisfied", key: "satisfied", numeric: true, title: "Every closing control already in place" },
        { label: "Partial", key: "partial", numeric: true, title: "Some of its controls in place, not enough to close it" },
        { label: "Open", key: "open", numeric: true, title: "None of its controls in place" },
        { label: "Not coverable", key: "uncoverable", numeric: true },
        { label: "% satisfied", cell: (s) => `${s.percent_satisfied} %`, numeric: true, title: "satisfied / applicable × 100" },
      ],
      rows: d.summary,
    }),
    h("p", { class: "help" }, "Satisfied: a control already in place closes it alone. Partial: a control in place helps but does not close it. ",
      "Open: nothing in place touches it. ", EFFORT_HELP),
    h("h3", {}, "New controls, most closing first"),
    exportButtons(stem, header, rows),
    newControls.length ? planTable(newControls, "The smallest set of new controls, most closing first")
      : note("No new control is needed: everything coverable is already satisfied."),
    h("details", { class: "delta-details" }, h("summary", {}, `Every requirement's status (${reqRows.length})`),
      statusFilter,
      table({
        caption: "Each target requirement: satisfied, partial or open, and why",
        captionHidden: true,
        className: "data compact delta-requirements",
        rowAttrs: (r) => ({ "data-framework": r.framework, "data-notation": r.notation, "data-status": r.status }),
        columns: [
          { label: "Requirement", cell: (r) => h("a", { href: api.reqHref(r.framework, r.notation) }, `${api.shortName(r.framework)} ${r.notation}`) },
          { label: "Title", key: "title", className: "wrap" },
          { label: "Status", cell: (r) => h("span", { class: `dstatus dstatus-${r.status.replace(/\s+/g, "-")}` }, STATUS_WORDS[r.status] || r.status) },
          { label: "Why", key: "reason", className: "wrap" },
          // a control reached through another framework's requirement says which
          { label: "Controls", cell: (r) => r.controls.map((c) => `${c.control} (${[c.state,
            c.route && c.route !== "controls" ? `${c.route}${c.through ? ` via ${c.through}` : ""}` : null].filter(Boolean).join("; ")})`).join(", ") || "—", className: "wrap" },
          ...routeColumn(reqRows, { always: false }),
        ],
        rows: reqRows,
      })),
    uncoverable(d.uncoverable),
  ];
}

export async function render(container) {
  document.title = "Planning · ctrlgraph";
  const q = hashQuery();
  const want = q.getAll("want").length ? q.getAll("want") : DEFAULT_WANT;
  const have = q.getAll("have");
  const useOrg = q.get("org") || "";
  const weighted = q.get("weighted") === "1";
  append(container, h("h1", {}, "Planning"),
    h("p", { class: "lead" }, "Which common controls to implement, and in which order, to meet the frameworks you choose. ",
      "Tick what you already hold (\u201cI have 27001, I want 42001\u201d) to see what is satisfied, partial and open, and only the new controls you need."));
  const slot = loading();
  append(container, slot);
  const list = api.ordered(await api.frameworks());
  let orgs = [];
  if (api.orgKey.get()) {
    try { orgs = await api.getJSON("v1/orgs", {}, { auth: true }); } catch { orgs = []; }
  }
  slot.remove();

  const orgId = newId("org");
  const weightId = newId("weighted");
  const form = h("form", {
    class: "plan-form", "aria-label": "Planning choices",
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      pushQuery({ want: data.getAll("want"), have: data.getAll("have"), org: data.get("org") || "", weighted: data.get("weighted") === "1" });
    },
  },
  chooser("Frameworks I want", "want", list, want),
  chooser("Frameworks I already have (optional)", "have", list, have, "Their controls count as in place."),
  orgs.length ? h("div", { class: "field" }, h("label", { for: orgId }, "Organization's evidence (optional)"),
    h("select", { id: orgId, name: "org" }, h("option", { value: "" }, "None: plan from scratch"),
      orgs.map((o) => h("option", { value: o.id, selected: o.id === useOrg }, `${o.name} (${o.id})`))))
    : h("p", { class: "help" }, "With an organization key stored (", h("a", { href: "#/org" }, "Organization"), "), the plan can start from its evidence."),
  h("span", { class: "check" }, h("input", { type: "checkbox", id: weightId, name: "weighted", value: "1", checked: weighted }),
    h("label", { for: weightId }, "Minimise effort instead of the number of controls")),
  h("button", { type: "submit" }, "Plan"));
  append(container, form);

  const out = section("The plan", { id: "plan-result" });
  append(container, out);
  const wanted = want.filter((w) => !have.includes(w));
  if (!wanted.length) {
    out.append(note("Choose at least one framework you want that you do not already have.", "error"));
    return;
  }
  const working = loading("Solving…");
  out.append(working);
  const auth = Boolean(useOrg);
  try {
    if (have.length || useOrg) {
      const d = await api.getJSON("v1/plan/delta", { want: wanted, have, org: useOrg || null, weighted: weighted ? "true" : null }, { auth });
      working.replaceWith(...deltaView(d, weighted).filter(Boolean));
    } else {
      const p = await api.getJSON("v1/plan", { framework: wanted, weighted: weighted ? "true" : null }, { auth });
      working.replaceWith(...planView(p, weighted).filter(Boolean));
    }
  } catch (error) {
    working.replaceWith(note(`Could not plan: ${error.message}`, "error"));
  }
}
