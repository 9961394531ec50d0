// AI systems of the organization and their AI Act obligations (key needed).
// The list comes from GET /v1/orgs/{org}/systems when the server has it,
// else from the AI Act classification (GET /v1/orgs/{org}/classification);
// each system's obligations from GET /v1/orgs/{org}/systems/{id}/obligations
// (a note says so when the server does not offer it).

import * as api from "../api.js";
import { append, facts, h, loading, note, plural, section, table } from "../dom.js";
import { orgBreadcrumb, orgNav, pickOrg } from "./orgcommon.js";
import { renderJson } from "./org.js";

const idOf = (s) => s.id || String(s.system || s.iri || "").split(/[/#]/).pop();

const badge = (status) => h("span", { class: `status status-${String(status).replace(/\s+/g, "-")}` }, status);

function obligationTable(list, caption) {
  return table({
    caption,
    captionHidden: true,
    className: "data compact obligations",
    rowAttrs: (o) => ({ "data-notation": o.notation || "", "data-status": o.status || "", "data-applies": String(o.applies !== false) }),
    columns: [
      { label: "Provision", cell: (o) => (o.notation ? h("a", { href: api.reqHref(o.framework || "eu-ai-act-2024", o.notation) }, o.notation) : "—") },
      { label: "Title", cell: (o) => o.title || "", className: "wrap" },
      { label: "Status", cell: (o) => (o.status ? badge(o.status) : "—") },
      { label: "Why it applies (or not)", cell: (o) => o.reason || (o.rules || []).join("; ") || "—", className: "wrap" },
      { label: "Met or not, and why", cell: (o) => o.verdict || "—", className: "wrap" },
    ],
    rows: list,
  });
}

function obligationsView(data) {
  const list = Array.isArray(data) ? data : Array.isArray(data.obligations) ? data.obligations : null;
  if (!list) return renderJson(data, 4);
  if (!list.length) return note("No AI Act obligation is listed for this system.");
  const applying = list.filter((o) => o.applies !== false);
  const not = list.filter((o) => o.applies === false);
  const counts = new Map();
  for (const o of applying) counts.set(o.status, (counts.get(o.status) || 0) + 1);
  return [
    h("p", { class: "obligation-summary" }, `${plural(applying.length, "obligation")} apply: `,
      [...counts.entries()].flatMap(([st, n], i) => [i ? ", " : "", badge(st), ` ${n}`])),
    applying.length ? obligationTable(applying, "AI Act obligations that apply to this system") : null,
    not.length ? h("details", {}, h("summary", {}, `${plural(not.length, "provision")} that do not apply, and why`),
      obligationTable(not, "AI Act provisions that do not apply to this system")) : null,
  ];
}

export async function render(container) {
  document.title = "AI systems · ctrlgraph";
  const org = await pickOrg(container, "AI systems");
  if (!org) return;
  const base = `v1/orgs/${encodeURIComponent(org.id)}`;
  append(container, orgBreadcrumb(org, "AI systems"), orgNav("AI systems"), h("h1", {}, `AI systems of ${org.name}`));
  const slot = loading();
  append(container, slot);
  let systems = null;
  let perSystemRoute = true;
  try {
    const listed = await api.getJSON(`${base}/systems`, {}, { auth: true });
    systems = Array.isArray(listed) ? listed : listed.systems || [];
  } catch (error) {
    if (!(error instanceof api.ApiError) || error.status !== 404) throw error;
    perSystemRoute = false;
  }
  const classification = await api.getJSON(`${base}/classification`, {}, { auth: true }).catch(() => null);
  const byId = new Map((classification ? classification.systems : []).map((s) => [idOf(s), s]));
  if (!systems) systems = classification ? classification.systems : [];
  slot.remove();
  if (!perSystemRoute) append(container, note("This server does not list per-system obligations yet; the AI Act classification of each system is shown.", "unavailable"));
  if (!systems.length) {
    append(container, note("No AI system is recorded in this organization's evidence.", "info"), h("p", {}, h("a", { href: "#/evidence" }, "Add systems on the Evidence page")));
    return;
  }
  append(container, h("p", { class: "lead" }, `${plural(systems.length, "AI system")}. Each system's risk category decides which AI Act provisions apply to it.`));
  for (const s of systems) {
    const id = idOf(s);
    const cls = byId.get(id) || s;
    const sec = section(s.name || cls.name || id, { id: `system-${id}`.replace(/[^A-Za-z0-9_-]/g, "-") },
      facts([
        ["Id", id, "id"],
        ["Roles", (cls.roles || []).join(", ") || null, "roles"],
        ["Categories", (cls.categories || []).join(", ") || null, "categories"],
        ["High-risk", cls.high_risk === undefined ? null : cls.high_risk ? "yes" : "no", "high_risk"],
        ["Obligations", s.obligations && typeof s.obligations === "object"
          ? Object.entries(s.obligations).filter(([, n]) => n).map(([st, n]) => `${st} ${n}`).join(", ") || "none" : null, "obligations"],
      ]),
      (cls.rules || []).length ? h("details", {}, h("summary", {}, `Why: ${plural(cls.rules.length, "rule")} applied`),
        h("ul", {}, cls.rules.map((r) => h("li", {}, r.rule, r.facts && r.facts.length ? ` (${r.facts.join("; ")})` : "")))) : null);
    sec.dataset.system = id;
    append(container, sec);
    if (perSystemRoute) {
      const out = loading("Loading obligations…");
      sec.append(h("h3", {}, "Obligations"), out);
      try {
        out.replaceWith(...[obligationsView(await api.getJSON(`${base}/systems/${encodeURIComponent(id)}/obligations`, {}, { auth: true }))].flat().filter(Boolean));
      } catch (error) {
        out.replaceWith(note(`Could not load the obligations: ${error.message}`, "error"));
      }
    }
  }
}
