// The organization's side of a requirement or a control page, when a key is
// stored: the audit chain requirement → control → implementation state →
// evidence (name, validity, problems) → SHACL results about that evidence,
// each step a link, under an organization breadcrumb.
//   GET /v1/orgs/{org}/gaps        verdicts with each control's state, evidence and problems
//   GET /v1/orgs/{org}/validation  SHACL results (matched to evidence by its label)

import * as api from "../api.js";
import { h, note, plural, section, table } from "../dom.js";
import { humanMessage } from "../people.js";
import { evidenceLabels, evidenceLines, offRoute, resultHref, resultKey, routeWords, stateChip } from "./org.js";
import { routeCell, routeColumn } from "./requirement.js";
import { activeOrg } from "./orgcommon.js";

const badge = (status) => h("span", { class: `status status-${status.replace(/\s+/g, "-")}` }, status);

async function load() {
  const org = await activeOrg();
  if (!org) return null;
  const base = `v1/orgs/${encodeURIComponent(org.id)}`;
  const [gaps, report, labels] = await Promise.all([
    api.getJSON(`${base}/gaps`, {}, { auth: true }),
    api.getJSON(`${base}/validation`, {}, { auth: true }).catch(() => ({ results: [] })),
    evidenceLabels(org.id),
  ]);
  // SHACL results by the label of the thing they are about (the gap analysis names evidence by label)
  const byName = new Map();
  for (const r of report.results) {
    const name = labels.get(r.focus);
    if (!name) continue;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(r);
  }
  return { org, gaps, byName };
}

function crumb(org, ...trail) {
  return h("nav", { "aria-label": "Organization breadcrumb", class: "breadcrumb org-crumb" }, h("ol", {},
    h("li", {}, h("a", { href: "#/org" }, org.name)),
    trail.map((t, i) => h("li", i === trail.length - 1 ? { "aria-current": "location" } : {}, t))));
}

function shaclCell(org, c, byName) {
  const results = (c.evidence || []).flatMap((name) => byName.get(name) || []);
  if (!results.length) return (c.evidence || []).length ? "no SHACL finding" : "—";
  // each result links to its own row of the dashboard's validation report
  return h("ul", { class: "shacl-list" }, results.map((r) =>
    h("li", { "data-result": resultKey(r) }, h("a", { href: resultHref(org.id, r), class: `sev sev-${r.severity.toLowerCase()}` }, r.severity),
      ": ", h("span", { class: "shacl-message" }, humanMessage(r.message)))));
}

const CLOSING = new Set(["equal", "subset of"]);

function chainTable(org, controls, byName, caption) {
  // the controls that would close the requirement alone first, as in the gap list
  controls = [...controls].sort((a, b) => Number(CLOSING.has(b.relationship)) - Number(CLOSING.has(a.relationship)) || b.strength - a.strength);
  return table({
    caption,
    className: "data compact chain",
    rowAttrs: (c) => ({ "data-control": c.control, "data-state": c.state }),
    columns: [
      { label: "Control", cell: (c) => h("a", { href: api.controlHref(c.control) }, c.control) },
      { label: "Relationship", key: "relationship" },
      { label: "Implementation", cell: (c) => stateChip(c.state) },
      { label: "Evidence (validity)", cell: (c) => (c.evidence.length || c.problems.length || c.justification ? evidenceLines(c) : "none recorded"), className: "wrap evidence-cell" },
      { label: "SHACL", cell: (c) => shaclCell(org, c, byName), className: "wrap" },
      // a control reached through another framework's requirement (#17) says which
      ...routeColumn(controls, { always: false }),
    ],
    rows: controls,
  });
}

/** The organization's status of a requirement (or, for a container, of its parts). */
export async function requirementStatus(framework, notation) {
  if (!api.orgKey.get()) return null;
  let data;
  try {
    data = await load();
  } catch (error) {
    return note(`The organization's status could not be loaded: ${error.message}`, "error");
  }
  if (!data) return null;
  const { org, gaps, byName } = data;
  const own = gaps.requirements.find((r) => r.framework === framework && r.notation === notation);
  const out = section(`${org.name}: status`, { id: "org-status", className: "org-status" },
    crumb(org, h("a", { href: `#/org?fw=${encodeURIComponent(framework)}&q=${encodeURIComponent(notation)}` }, "Gap list"), notation));
  if (own) {
    out.dataset.status = own.status;
    out.append(h("p", { class: "org-verdict" }, badge(own.status), " ", own.reason),
      own.controls.length ? chainTable(org, own.controls, byName, `How ${org.name} meets ${notation}: control → implementation → evidence → SHACL`) : null);
    return out;
  }
  const parts = gaps.requirements.filter((r) => r.framework === framework
    && (r.notation.startsWith(`${notation}(`) || r.notation.startsWith(`${notation}.`)));
  if (!parts.length) {
    out.append(note(`${notation} is not assessed for ${org.name} (a heading, or outside the frameworks assessed).`));
    return out;
  }
  const counts = new Map();
  for (const p of parts) counts.set(p.status, (counts.get(p.status) || 0) + 1);
  out.dataset.status = "parts";
  out.append(h("p", { class: "org-verdict" }, `${plural(parts.length, "part")} assessed: `,
    [...counts.entries()].flatMap(([s, n], i) => [i ? ", " : "", badge(s), ` ${n}`])),
  table({
    caption: `${org.name}'s verdict on each part of ${notation}`,
    className: "data compact part-status",
    rowAttrs: (r) => ({ "data-notation": r.notation, "data-status": r.status }),
    columns: [
      { label: "Part", cell: (r) => h("a", { href: api.reqHref(r.framework, r.notation) }, r.notation) },
      { label: "Status", cell: (r) => badge(r.status) },
      { label: "Reason", key: "reason", className: "wrap" },
      { label: "Controls", cell: (r) => r.controls.map((c) => `${c.control} (${[c.state, routeWords(c)].filter(Boolean).join("; ")})`).join(", ") || "—", className: "wrap" },
    ],
    rows: parts,
  }));
  return out;
}


/** The organization's state of one control: its evidence, and the verdicts of the requirements it serves. */
export async function controlStatus(notation) {
  if (!api.orgKey.get()) return null;
  let data;
  try {
    data = await load();
  } catch (error) {
    return note(`The organization's status could not be loaded: ${error.message}`, "error");
  }
  if (!data) return null;
  const { org, gaps, byName } = data;
  const rows = gaps.requirements.filter((r) => r.controls.some((c) => c.control === notation));
  const out = section(`${org.name}: status`, { id: "org-status", className: "org-status" }, crumb(org, notation));
  if (!rows.length) {
    out.append(note(`No requirement assessed for ${org.name} maps to ${notation}.`));
    return out;
  }
  const mineOf = (r) => r.controls.find((c) => c.control === notation);
  const mine = mineOf(rows[0]);
  out.dataset.state = mine.state;
  out.append(h("p", { class: "org-verdict" }, "Implementation: ", stateChip(mine.state)),
    // the route is per requirement (the table below), not the control's own
    chainTable(org, [{ ...mine, route: null, through: null }], byName, `${org.name}'s implementation of ${notation} and its evidence`),
    table({
      caption: `Verdicts of the requirements ${notation} serves (${rows.length})`,
      className: "data compact served-status",
      rowAttrs: (r) => ({ "data-framework": r.framework, "data-notation": r.notation, "data-status": r.status }),
      columns: [
        { label: "Requirement", cell: (r) => h("a", { href: api.reqHref(r.framework, r.notation) }, `${api.shortName(r.framework)} ${r.notation}`) },
        { label: "Title", key: "title", className: "wrap" },
        { label: "Status", cell: (r) => badge(r.status) },
        { label: "Reason", key: "reason", className: "wrap" },
        // how each requirement reaches this control, where one goes through another requirement
        ...(rows.some((r) => offRoute(mineOf(r))) ? [{ label: "Route", cell: (r) => routeCell(mineOf(r).route, mineOf(r).through) }] : []),
      ],
      rows,
    }));
  return out;
}
