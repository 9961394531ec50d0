// One requirement (GET /v1/requirements?framework=&notation=): its mappings,
// its Harmonized Structure links and the requirements of other frameworks that
// share its controls (field "related": one page of related_total; the button
// under the table fetches the next page, related_next, and adds it).

import * as api from "../api.js";
import { append, facts, h, loading, note, plural, section, table } from "../dom.js";
import { requirementStatus } from "./orgstatus.js";

export const strengthCell = (s) => h("span", { class: "strength", "data-strength": s, title: `strength ${s} of 10` }, String(s));
export const relationshipCell = (r) => h("span", { class: `rel rel-${r.replace(/\s+/g, "-")}` }, r);

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
        ],
        rows: detail.harmonized_structure,
      })));
  }

  const related = section(`Related requirements in other frameworks (${detail.related_total})`, { id: "related" },
    h("p", {}, "Requirements that share a control with this one. The relationship is composed through the control ",
      "(NIST IR 8477); “candidate” means the composition only says the two may overlap. Strength is the weakest link."));
  if (!detail.related_total) related.append(note("No other framework's requirement shares a control with this one."));
  const groupsSlot = h("div", { class: "related-groups" });
  related.append(groupsSlot);
  const loaded = [...detail.related];
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
            { label: "Via controls", cell: (r) => r.via.flatMap((c, i) => [i ? ", " : "", h("a", { href: api.controlHref(c) }, c)]) },
          ],
          rows,
        })));
    }
  };
  renderGroups();
  // the next page starts where the last one asked to end (not at loaded.length: a page may come back short)
  let nextOffset = detail.related_offset + detail.related_limit;
  if (detail.related_next) {
    const status = h("p", { class: "related-status", role: "status" });
    const more = h("button", { type: "button", class: "related-more" });
    const label = () => {
      status.textContent = `Showing ${loaded.length} of ${detail.related_total}.`;
      more.textContent = `Show ${Math.min(detail.related_limit, detail.related_total - loaded.length)} more`;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await api.getJSON("v1/requirements", {
          framework: detail.framework, notation: detail.notation,
          related_limit: detail.related_limit, related_offset: nextOffset,
        });
        loaded.push(...page.related);
        nextOffset += detail.related_limit;
        renderGroups();
        if (page.related_next) label();
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
