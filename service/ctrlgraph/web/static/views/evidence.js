// Evidence in the browser (key needed): download the empty spreadsheet
// template, drop a filled-in template or a Turtle/JSON-LD file, see its SHACL
// report before anything is stored (POST …/evidence/validate: violations
// block the write, warnings are stored with it), commit it (PUT or POST
// …/evidence), and see the audit trail with restore (GET …/history,
// POST …/history/{n}/restore).

import * as api from "../api.js";
import { append, announce, h, loading, newId, note, plural, section, table } from "../dom.js";
import { humanMessage, labelsFrom, localName } from "../people.js";
import { orgBreadcrumb, orgNav, pickOrg } from "./orgcommon.js";

const TYPES = [
  [/\.(ttl|turtle)$/i, "text/turtle"],
  [/\.(jsonld|json)$/i, "application/ld+json"],
  [/\.nt$/i, "application/n-triples"],
  [/\.(rdf|owl|xml)$/i, "application/rdf+xml"],
  [/\.xlsx$/i, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  [/\.csv$/i, "text/csv"],
];
const typeOf = (file) => (TYPES.find(([re]) => re.test(file.name)) || [null, file.type || ""])[1];

async function send(method, path, body, type, params = {}) {
  const response = await fetch(api.apiUrl(path, params), {
    method,
    headers: { "Content-Type": type, Accept: "application/json", ...api.authHeaders() },
    body,
  });
  let json = null;
  try { json = await response.json(); } catch { json = null; }
  return { ok: response.ok, status: response.status, json };
}

const detailText = (json) => {
  const d = json && json.detail;
  if (typeof d === "string") return d;
  if (d && d.message) return d.message;
  if (Array.isArray(d)) return d.map((x) => x.msg).join("; ");
  return "";
};

/** A SHACL report for people: what blocks, what will be stored with warnings, each named by its label. */
export function reportView(report, labels = new Map(), { dryRun = false } = {}) {
  const violations = report.results.filter((r) => r.severity === "Violation");
  const warnings = report.results.filter((r) => r.severity !== "Violation");
  const name = (iri) => labels.get(iri) || localName(iri);
  const rows = (list) => table({
    caption: null,
    className: "data compact validation",
    rowHeader: false,
    rowAttrs: (r) => ({ "data-severity": r.severity }),
    columns: [
      { label: "What", cell: (r) => h("span", { class: "focus-name" }, name(r.focus)) },
      { label: "Problem", cell: (r) => humanMessage(r.message), className: "wrap" },
      { label: "Field", cell: (r) => (r.path ? humanMessage(`cg:${localName(r.path)}`) : "—") },
      { label: "Value", cell: (r) => (r.value ? name(r.value) : "—"), className: "wrap" },
    ],
    rows: list,
  });
  return h("div", { class: "report", "data-conforms": String(report.conforms) },
    h("p", { class: `verdict ${report.conforms ? "ok" : "blocked"}` },
      report.conforms
        ? (dryRun ? `Can be stored: no violation${warnings.length ? `; ${plural(warnings.length, "warning")} will be stored with it` : ""}.`
          : `Conforms${warnings.length ? ` with ${plural(warnings.length, "warning")}` : ""}.`)
        : `${dryRun ? "Cannot be stored" : "Does not conform"}: ${plural(violations.length, "violation")} to fix${warnings.length ? `, ${plural(warnings.length, "warning")}` : ""}.`),
    violations.length ? [h("h3", {}, `Violations — block the upload (${violations.length})`), rows(violations)] : null,
    warnings.length ? [h("h3", {}, `Warnings — stored, but worth fixing (${warnings.length})`), rows(warnings)] : null);
}

function historyTable(org, versions, onRestore) {
  if (!versions.length) return note("No version yet: nothing has been uploaded.");
  const latest = Math.max(...versions.map((v) => v.version));
  return h("div", { class: "table-scroll" }, table({
    caption: "Every change to the evidence, newest first",
    className: "data compact history",
    rowAttrs: (v) => ({ "data-version": String(v.version) }),
    columns: [
      { label: "Version", cell: (v) => `v${v.version}${v.version === latest ? " (current)" : ""}` },
      { label: "When", cell: (v) => h("time", { datetime: v.created }, new Date(v.created).toLocaleString()) },
      { label: "Who (key)", key: "changed_by", className: "mono" },
      { label: "Change", key: "kind" },
      { label: "Added", key: "triples_added", numeric: true },
      { label: "Removed", key: "triples_removed", numeric: true },
      { label: "Statements", key: "triples", numeric: true },
      { label: "Content hash", cell: (v) => h("span", { class: "mono", "data-export": v.content_hash }, `${v.content_hash.slice(0, 12)}…`) },
      { label: "Restore", cell: (v) => (v.version === latest ? "—" : h("button", {
        type: "button", class: "secondary restore", "data-version": String(v.version),
        onclick: (event) => onRestore(v.version, event.currentTarget),
      }, `Restore v${v.version}`)) },
    ],
    rows: [...versions].sort((a, b) => b.version - a.version),
  }));
}

export async function render(container) {
  document.title = "Evidence · ctrlgraph";
  const org = await pickOrg(container, "Evidence");
  if (!org) return;
  const base = `v1/orgs/${encodeURIComponent(org.id)}`;
  append(container, orgBreadcrumb(org, "Evidence"), orgNav("Evidence"), h("h1", {}, `Evidence of ${org.name}`));

  let labels = new Map();
  const refreshLabels = async () => {
    try {
      const response = await fetch(api.apiUrl(`${base}/evidence`), { headers: { Accept: "application/ld+json", ...api.authHeaders() } });
      if (response.ok) labels = labelsFrom(await response.json());
    } catch { /* labels are a nicety: IRIs' local names are shown without them */ }
  };
  await refreshLabels();

  // ------------------------------------------------ template
  const tplStatus = h("p", { class: "download-status", role: "status" });
  const template = section("Start from the template", { id: "template" },
    h("p", {}, "One sheet per kind (AI systems, implementations, evidence, documents, risks …), row 1 naming the columns. ",
      "Columns and allowed values are described in docs/evidence-template.md."),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "secondary", "data-download": "template", onclick: async () => {
        try {
          const { name, size } = await api.download("v1/evidence/template", "ctrlgraph-evidence-template.xlsx", [{}], { auth: false });
          tplStatus.textContent = `Downloaded ${name} (${size} bytes).`;
        } catch (error) { tplStatus.textContent = `Could not download: ${error.message}`; }
      } }, "Download the empty template (XLSX)"),
      h("button", { type: "button", class: "secondary", "data-download": "current", onclick: async () => {
        try {
          const { name, size } = await api.download(`${base}/evidence`, `${org.id}-evidence.ttl`, [{ accept: "text/turtle", expect: /turtle/ }]);
          tplStatus.textContent = `Downloaded ${name} (${size} bytes).`;
        } catch (error) { tplStatus.textContent = `Could not download: ${error.message}`; }
      } }, "Download the current evidence (Turtle)")),
    tplStatus);

  // ------------------------------------------------ upload
  const fileId = newId("file");
  const modeName = newId("mode");
  const fileInput = h("input", { id: fileId, type: "file", class: "file-input",
    accept: ".ttl,.jsonld,.json,.nt,.rdf,.xml,.xlsx,.csv" });
  const modeReplace = h("input", { type: "radio", name: modeName, id: `${modeName}-r`, value: "replace", checked: true });
  const modeAdd = h("input", { type: "radio", name: modeName, id: `${modeName}-a`, value: "add" });
  const checkOut = h("div", { class: "check-output", "aria-live": "polite" });
  const drop = h("div", { class: "dropzone" },
    h("label", { for: fileId }, h("strong", {}, "Choose a file"), " or drop it here: the template (XLSX or CSV), Turtle, JSON-LD, N-Triples or RDF/XML."),
    fileInput);
  let pending = null; // {file, type, mode}

  const mode = () => (modeAdd.checked ? "add" : "replace");
  async function check(file) {
    const type = typeOf(file);
    pending = null;
    checkOut.replaceChildren(loading(`Checking ${file.name}…`));
    const buffer = await file.arrayBuffer();
    const result = await send("POST", `${base}/evidence/validate`, buffer, type, { mode: mode() });
    if (!result.ok) {
      checkOut.replaceChildren(note(result.status === 404 ? "This server cannot check an upload before storing it."
        : `${file.name} could not be read (${result.status}): ${detailText(result.json)}`, "error"));
      announce(`${file.name} could not be read.`);
      return;
    }
    const c = result.json;
    pending = { file, type, buffer, mode: c.mode };
    const commit = h("button", { type: "button", class: "commit", disabled: !c.accepted, onclick: () => store(commit) },
      c.mode === "add" ? `Add ${file.name} to the evidence` : `Replace the evidence with ${file.name}`);
    checkOut.replaceChildren(
      h("h3", {}, `Check of ${file.name}`),
      h("p", {}, `${c.mode === "add" ? "Added to the stored evidence" : "As the whole evidence"}, it would hold ${plural(c.triples, "statement")}. Nothing is stored yet.`),
      reportView(c.validation, labels, { dryRun: true }),
      h("div", { class: "toolbar" }, commit, c.accepted ? null : h("span", { class: "help" }, "Fix the violations and drop the file again.")));
    announce(c.accepted ? `${file.name} can be stored.` : `${file.name} has violations and cannot be stored.`);
  }

  async function store(button) {
    if (!pending) return;
    button.disabled = true;
    const result = await send(pending.mode === "add" ? "POST" : "PUT", `${base}/evidence`, pending.buffer, pending.type);
    if (!result.ok) {
      const v = result.json && result.json.detail && result.json.detail.validation;
      checkOut.replaceChildren(note(`Not stored (${result.status}): ${detailText(result.json)}`, "error"), v ? reportView(v, labels) : null);
      return;
    }
    checkOut.replaceChildren(note(`Stored ${pending.file.name} as version ${result.json.version} (${plural(result.json.triples, "statement")}).`, "success"));
    announce(`Stored as version ${result.json.version}.`);
    pending = null;
    await refreshLabels();
    await drawHistory();
  }

  fileInput.addEventListener("change", () => { if (fileInput.files[0]) check(fileInput.files[0]); });
  for (const m of [modeReplace, modeAdd]) m.addEventListener("change", () => { if (pending) check(pending.file); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) check(file);
  });
  const upload = section("Upload", { id: "upload" },
    h("fieldset", { class: "mode" }, h("legend", {}, "The file"),
      h("span", { class: "check" }, modeReplace, h("label", { for: `${modeName}-r` }, "replaces all evidence")),
      h("span", { class: "check" }, modeAdd, h("label", { for: `${modeName}-a` }, "is added to it"))),
    drop,
    h("p", { class: "help" }, "The file is checked first and nothing is stored until you confirm. Violations block the upload; warnings are stored with it."),
    checkOut);

  // ------------------------------------------------ history
  const historyOut = h("div");
  const history = section("History", { id: "history" }, historyOut);
  async function restore(version, button) {
    if (!window.confirm(`Restore version ${version}? The restore becomes a new version; nothing is lost.`)) return;
    button.disabled = true;
    const result = await send("POST", `${base}/history/${version}/restore`, null, "application/json");
    if (!result.ok) {
      historyOut.prepend(note(`Could not restore v${version} (${result.status}): ${detailText(result.json)}`, "error"));
      button.disabled = false;
      return;
    }
    announce(`Version ${version} restored as version ${result.json.version}.`);
    await refreshLabels();
    await drawHistory(`Version ${version} restored as version ${result.json.version}.`);
  }
  async function drawHistory(message) {
    try {
      const h2 = await api.getJSON(`${base}/history`, {}, { auth: true });
      historyOut.replaceChildren(message ? note(message, "success") : "", historyTable(org.id, h2.versions, restore));
    } catch (error) {
      historyOut.replaceChildren(note(`Could not load the history: ${error.message}`, "error"));
    }
  }
  append(container, upload, template, history);
  await drawHistory();
}
