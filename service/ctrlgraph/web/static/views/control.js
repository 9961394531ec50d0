// One common control (GET /v1/controls/{notation}): statement, expected
// evidence and every requirement it serves, by framework.

import * as api from "../api.js";
import { append, facts, h, loading, note, section, table } from "../dom.js";
import { controlStatus } from "./orgstatus.js";
import { relationshipCell, routeColumn, strengthCell } from "./requirement.js";

export async function render(container, notation) {
  const slot = loading();
  append(container, slot);
  let c;
  try {
    c = await api.control(notation);
  } catch (error) {
    slot.remove();
    document.title = "Unknown control · ctrlgraph";
    append(container, h("h1", {}, "Unknown control"), note(error.message, "error"));
    return;
  }
  slot.remove();
  document.title = `${c.notation} · ctrlgraph`;
  append(container, 
    h("nav", { "aria-label": "Breadcrumb", class: "breadcrumb" },
      h("ol", {}, h("li", {}, h("a", { href: "#/matrix" }, "Coverage matrix")), h("li", { "aria-current": "page" }, c.notation))),
    h("h1", {}, h("span", { class: "notation" }, c.notation), " ", c.title),
    facts([
      ["Domain", c.domain ? `${c.domain} — ${c.domain_title}` : null, "domain"],
      ["Roadmap phase", c.phase, "phase"],
      ["Effort", c.effort === null || c.effort === undefined ? null : `${c.effort} of 5 points`, "effort"],
      ["Frameworks served", c.frameworks, "frameworks"],
      ["Requirements served", c.requirements, "requirements"],
      ["Documentation tiers", c.documentation_tiers.join(", ") || null, "documentation_tiers"],
    ]),
    c.statement ? h("p", { class: "definition" }, c.statement) : null,
    c.evidence_expected.length ? section("Evidence expected", { id: "evidence" },
      h("ul", {}, c.evidence_expected.map((e) => h("li", {}, e)))) : null,
  );
  // with a key stored: the organization's implementation of this control, its evidence and the verdicts it drives
  const status = await controlStatus(c.notation);
  if (status) append(container, status);
  const served = section("Requirements served", { id: "serves" });
  for (const fw of Object.keys(c.serves)) {
    const rows = c.serves[fw];
    served.append(h("section", { "data-framework": fw, "aria-label": `${api.shortName(fw)} (${rows.length})` },
      h("h3", {}, `${api.shortName(fw)} `, h("span", { class: "count" }, `(${rows.length})`)),
      table({
        caption: `Requirements of ${fw} served by ${c.notation}`,
        captionHidden: true,
        className: "data",
        columns: [
          { label: "Requirement", cell: (r) => h("a", { href: api.reqHref(fw, r.notation) }, r.notation) },
          { label: "Title", key: "title", className: "wrap" },
          { label: "Relationship", cell: (r) => relationshipCell(r.relationship) },
          { label: "Strength", cell: (r) => strengthCell(r.strength), numeric: true },
          { label: "Explanation", cell: (r) => r.explanation || "", className: "wrap explain" },
          ...routeColumn(rows, { always: false }),
        ],
        rows,
      })));
  }
  append(container, served);
}
