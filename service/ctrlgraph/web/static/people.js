// Words for people: SHACL messages and IRIs as an auditor reads them.

const ACRONYMS = new Set(["AI", "AIMS", "GPAI", "ISO", "IEC", "EU", "KPI", "SoA"]);
const PREFIXED = { "rdfs:label": "name", "dcterms:identifier": "identifier", "dcterms:created": "creation date" };

/** "AISystem" -> "AI system", "documentKind" -> "document kind" */
export function words(camel) {
  return camel
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(" ")
    .map((w) => (ACRONYMS.has(w) || /^[A-Z]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()))
    .join(" ");
}

/** A SHACL message without vocabulary names: "Record a cg:Document with cg:documentKind …" -> "Record a document with document kind …". */
export function humanMessage(message) {
  let text = String(message || "");
  for (const [k, v] of Object.entries(PREFIXED)) text = text.split(k).join(v);
  text = text.replace(/\((name|identifier)\)/g, "");
  text = text.replace(/\bcg:([A-Za-z0-9_]+)/g, (_, name) => words(name));
  return text.replace(/\s+([.,)])/g, "$1").replace(/\s{2,}/g, " ").trim();
}

/** The readable tail of an IRI: ".../acme/ev/audit-2026" -> "ev/audit-2026". */
export function localName(iri) {
  const s = String(iri || "");
  const m = /\/orgs?\/[^/]+\/(.+)$/.exec(s) || /[#/]([^#/]+)$/.exec(s);
  return m ? decodeURIComponent(m[1]) : s;
}

/** A label for an IRI from a JSON-LD evidence document ({@graph: [...]}) -> Map(iri -> label). */
export function labelsFrom(jsonld) {
  const map = new Map();
  const nodes = Array.isArray(jsonld) ? jsonld : jsonld && jsonld["@graph"] ? jsonld["@graph"] : [jsonld];
  const LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  for (const node of nodes || []) {
    if (!node || !node["@id"]) continue;
    const value = node[LABEL] || node["rdfs:label"] || node.label;
    const first = Array.isArray(value) ? value[0] : value;
    const text = first && typeof first === "object" ? first["@value"] : first;
    if (typeof text === "string") map.set(node["@id"], text);
  }
  return map;
}
