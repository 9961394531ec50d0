// One requirement (GET /v1/requirements?framework=&notation=): its parts (for a
// container), its mappings and Harmonized Structure links (rolled up from its
// parts), then the requirements of other frameworks that share its controls
// (GET /v1/requirements/related: one page of "total"; the button under the
// table fetches the next page and adds it).

import * as api from "../api.js";
import { append, facts, h, loading, note, plural, section, table } from "../dom.js";
import { requirementStatus } from "./orgstatus.js";

export const strengthCell = (s) => h("span", { class: "strength", "data-strength": s, title: `strength ${s} of 10` }, String(s));
export const relationshipCell = (r) => h("span", { class: `rel rel-${r.replace(/\s+/g, "-")}` }, r);

// How an answer was found: a stored requirement-to-requirement mapping
// ("direct"), composition through shared common controls ("controls"), both
// ("direct+controls"), or a control reached by a direct mapping to a third
// requirement ("direct+control", which names that requirement in "through").
const ROUTES = {
  direct: ["direct mapping", "A stored mapping between the two requirements states the relationship"],
  controls: ["through controls", "Composed through the shared common controls"],
  "direct+controls": ["direct + through controls", "A stored mapping states it; shared common controls connect the two too"],
  "direct+control": ["direct mapping, then control", "Through a common control reached by a direct mapping to another requirement"],
};
const routes = (route) => (Array.isArray(route) ? route : [route]).filter((x) => typeof x === "string" && x);
/** The linked requirements a direct+control answer goes through ("framework notation" strings, lists or maps of them). */
const throughList = (t) => (!t ? [] : typeof t === "string" ? [t] : Array.isArray(t) ? t.flatMap(throughList)
  : typeof t === "object" ? Object.values(t).flatMap(throughList) : []);
/** Does any row carry a route (older servers, and some answers, have none)? */
export const hasRoute = (rows) => rows.some((r) => routes(r.route).length > 0);
/** Does any row take another route than its own control mappings? */
const offControls = (rows) => rows.some((r) => routes(r.route).some((x) => x !== "controls"));
export function routeCell(route, through) {
  const list = routes(route);
  if (!list.length) return "—";
  const words = list.map((x) => (ROUTES[x] || [x])[0]).join(" and ");
  const help = list.map((x) => (ROUTES[x] || [x, x])[1]).join("; ");
  const via = throughList(through);
  return h("span", { class: `route route-${list.join("-").replace(/[^a-z]+/g, "-")}`, "data-route": list.join(" "), title: help },
    words, via.length ? h("span", { class: "through" }, ` (via ${via.join(", ")})`) : null);
}
/**
 * A "Route" column for rows that carry one. Where every row reaches its
 * control by its own mapping (rows: true), the column says nothing new and is
 * left out; crosswalks and related requirements always show it.
 */
export const routeColumn = (rows, { always = true } = {}) => (hasRoute(rows) && (always || offControls(rows))
  ? [{ label: "Route", cell: (r) => routeCell(r.route, r.through) }] : []);
/** The controls a related or crosswalk answer goes through, or the direct mapping's source. */
export function viaCell(via, route, source) {
  const links = via.flatMap((c, i) => [i ? ", " : "", h("a", { href: api.controlHref(c) }, c)]);
  if (route && route.startsWith("direct")) links.push(links.length ? "; " : "", h("span", { class: "via-direct" }, source ? `direct (${source})` : "direct"));
  return links.length ? links : "—";
}

export async function render(container, framework, notation) {
  const slot = loading();
  append(container, slot);
  let detail;
  try {
    detail = await api.requirement(framework, notation);
  } catch (error) {
    slot.remove();
    document.title = "Unknown requirement · ctrlgraph";
    append(container, h("h1", {}, "Unknown requirement"), note(error.message, "error"),
      h("p", {}, h("a", { href: "#/" }, "Back to the frameworks")));
    return;
  }
  slot.remove();
  document.title = `${detail.notation} ${api.shortName(detail.framework)} · ctrlgraph`;
  append(container, 
    h("nav", { "aria-label": "Breadcrumb", class: "breadcrumb" },
      h("ol", {},
        h("li", {}, h("a", { href: "#/" }, "Frameworks")),
        h("li", {}, h("a", { href: api.frameworkHref(detail.framework) }, detail.framework)),
        h("li", { "aria-current": "page" }, detail.notation))),
    h("h1", {}, h("span", { class: "notation" }, detail.notation), " ", detail.title),
    facts([
      ["Framework", h("a", { href: api.frameworkHref(detail.framework) }, api.shortName(detail.framework)), "framework"],
      ["Parent", detail.parent ? h("a", { href: api.reqHref(detail.framework, detail.parent) }, detail.parent) : null, "parent"],
      ["Assessable", detail.assessable ? "yes" : "no", "assessable"],
      ["Type", detail.type, "type"],
      ["Applicable from", detail.applicable_from, "applicable_from"],
      ["Roles", detail.roles.join(", ") || null, "roles"],
      ["Risk categories", detail.risk_categories.join(", ") || null, "risk_categories"],
    ]),
    detail.definition ? h("p", { class: "definition" }, detail.definition) : null,
    detail.legal_text ? h("figure", { class: "legal" },
      h("blockquote", {}, detail.legal_text),
      h("figcaption", {}, "Regulation (EU) 2024/1689 — © European Union; only the Official Journal edition is authentic.")) : null,
  );

  // with a key stored: the organization's verdict and the audit chain behind it
  const orgStatus = await requirementStatus(detail.framework, detail.notation);
  if (orgStatus) append(container, orgStatus);

  const rolledUp = detail.parts.length > 0;
  const partCell = (x) => (x.part === detail.notation ? "this" : h("a", { href: api.reqHref(detail.framework, x.part) }, x.part));
  if (rolledUp) {
    append(container, section(`Parts (${detail.parts.length})`, { id: "parts" },
      table({
        caption: `The parts of ${detail.notation}; the mappings and related requirements below are rolled up from them`,
        className: "data parts",
        rowAttrs: (p) => ({ "data-notation": p.notation }),
        columns: [
          { label: "Part", cell: (p) => h("a", { href: api.reqHref(detail.framework, p.notation) }, p.notation) },
          { label: "Title", key: "title", className: "wrap" },
          { label: "Within", key: "parent" },
          { label: "Assessable", cell: (p) => (p.assessable ? "yes" : "no") },
        ],
        rows: detail.parts,
      })));
  }

  append(container, section(`Mappings to common controls (${detail.mappings.length})`, { id: "mappings" },
    detail.mappings.length ? table({
      caption: `How ${detail.notation} maps onto the common controls (read: requirement RELATIONSHIP control)`,
      className: "data mappings",
      rowAttrs: (m) => ({ "data-control": m.control || "" }),
      columns: [
        { label: "Control", cell: (m) => (m.control ? h("a", { href: api.controlHref(m.control) }, m.control) : "—") },
        { label: "Control title", cell: (m) => m.control_title || "", className: "wrap" },
        { label: "Relationship", cell: (m) => relationshipCell(m.relationship) },
        { label: "Strength", cell: (m) => strengthCell(m.strength), numeric: true },
        { label: "Rationale", key: "rationale" },
        { label: "Explanation", cell: (m) => m.explanation || "", className: "wrap explain" },
        ...(rolledUp ? [{ label: "From part", cell: partCell }] : []),
      ],
      rows: detail.mappings,
    }) : note("No mappings: this is a heading, not an assessable requirement.")));

  if (detail.harmonized_structure.length) {
    append(container, section(`Harmonized Structure (${detail.harmonized_structure.length})`, { id: "hs" },
      table({
        caption: "The Harmonized Structure clauses this requirement instantiates",
        className: "data",
        columns: [
          { label: "Clause", cell: (l) => h("a", { href: api.reqHref(l.framework, l.notation) }, `${l.framework} ${l.notation}`) },
          { label: "Title", key: "title", className: "wrap" },
          { label: "Relationship", cell: (l) => relationshipCell(l.relationship) },
          { label: "Strength", cell: (l) => strengthCell(l.strength), numeric: true },
          { label: "Explanation", cell: (l) => l.explanation || "", className: "wrap explain" },
          ...(rolledUp ? [{ label: "From part", cell: partCell }] : []),
        ],
        rows: detail.harmonized_structure,
      })));
  }

  // the related requirements are a separate, paged call (counting them all takes longer than the point look-up)
  const pageOf = (offset) => api.getJSON("v1/requirements/related", { framework: detail.framework, notation: detail.notation, offset });
  const relatedSlot = loading();
  append(container, relatedSlot);
  let first;
  try {
    first = await pageOf(0);
  } catch (error) {
    relatedSlot.replaceWith(note(error.message, "error"));
    return;
  }
  relatedSlot.remove();
  const related = section(`Related requirements in other frameworks (${first.total})`, { id: "related" },
    h("p", {}, "Requirements that share a control with this one",
      rolledUp ? " or one of its parts" : "",
      ". The relationship is composed through the control ",
      "(NIST IR 8477); “candidate” means the composition only says the two may overlap. Strength is the weakest link."));
  if (!first.total) related.append(note("No other framework's requirement shares a control with this one."));
  const groupsSlot = h("div", { class: "related-groups" });
  related.append(groupsSlot);
  const loaded = [...first.related];
  const renderGroups = () => {
    groupsSlot.replaceChildren();
    const groups = new Map();
    for (const r of loaded) {
      if (!groups.has(r.framework)) groups.set(r.framework, []);
      groups.get(r.framework).push(r);
    }
    for (const fw of [...groups.keys()].sort()) {
      // strongest first within a framework (the API pages in IRI order)
      const rows = groups.get(fw).sort((a, b) => b.strength - a.strength || (a.notation < b.notation ? -1 : a.notation > b.notation ? 1 : 0));
      groupsSlot.append(h("section", { class: "related-group", "data-framework": fw, "aria-label": `${api.shortName(fw)}: ${plural(rows.length, "requirement")}` },
        h("h3", {}, `${api.shortName(fw)} `, h("span", { class: "count" }, `(${rows.length})`)),
        table({
          caption: `Requirements of ${fw} sharing a control with ${detail.notation}`,
          captionHidden: true,
          className: "data related",
          rowAttrs: (r) => ({ "data-notation": r.notation }),
          columns: [
            { label: "Requirement", cell: (r) => h("a", { href: api.reqHref(r.framework, r.notation) }, r.notation) },
            { label: "Title", key: "title", className: "wrap" },
            { label: "Relationship", cell: (r) => relationshipCell(r.relationship) },
            { label: "Determined", cell: (r) => (r.determined ? "yes" : "candidate") },
            { label: "Strength", cell: (r) => strengthCell(r.strength), numeric: true },
            { label: "Via controls", cell: (r) => viaCell(r.via, r.route, r.source) },
            ...routeColumn(rows),
            ...(rolledUp ? [{ label: "From parts", cell: (r) => r.parts.join(", ") }] : []),
          ],
          rows,
        })));
    }
  };
  renderGroups();
  // the next page starts where the last one asked to end (not at loaded.length: a page may come back short)
  let nextOffset = first.offset + first.limit;
  if (first.next) {
    const status = h("p", { class: "related-status", role: "status" });
    const more = h("button", { type: "button", class: "related-more" });
    const label = () => {
      status.textContent = `Showing ${loaded.length} of ${first.total}.`;
      more.textContent = `Show ${Math.min(first.limit, first.total - loaded.length)} more`;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await pageOf(nextOffset);
        loaded.push(...page.related);
        nextOffset += first.limit;
        renderGroups();
        if (page.next) label();
        else { more.remove(); status.textContent = `Showing all ${loaded.length}.`; }
      } catch (error) {
        status.textContent = error.message;
      } finally {
        more.disabled = false;
      }
    });
    label();
    related.append(h("div", { class: "related-paging" }, status, more));
  }
  append(container, related);
}
