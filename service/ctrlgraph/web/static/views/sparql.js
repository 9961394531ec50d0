// SPARQL console: a query editor against /sparql (POST form), example
// queries (a few built in, then the files of queries/examples/ from
// GET /v1/queries/examples), and a results table from application/sparql-results+json.
// Ctrl+Enter (or Cmd+Enter) in the editor runs the query.

import * as api from "../api.js";
import { csvButton } from "../export.js";
import { append, h, newId, note, plural } from "../dom.js";

const PREFIXES = `PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
`;

export const EXAMPLES = [
  {
    id: "shared",
    label: "Shared controls: ISO/IEC 27001 and ISO/IEC 42001",
    query: `# Common controls that serve both ISO/IEC 27001 and ISO/IEC 42001,
# with the number of their requirements they serve
${PREFIXES}
SELECT ?control ?title (COUNT(DISTINCT ?requirement) AS ?requirements)
WHERE {
  VALUES ?fw { "iso27001-2022" "iso42001-2023" }
  ?f dcterms:identifier ?fw .
  ?requirement skos:inScheme ?f .
  ?m a cg:Mapping ; cg:requirement ?requirement ; cg:control ?c .
  ?c skos:notation ?control ; skos:prefLabel ?title .
}
GROUP BY ?control ?title
HAVING (COUNT(DISTINCT ?fw) = 2)
ORDER BY DESC(?requirements) ?control
`,
  },
  {
    id: "crosswalk",
    label: "Crosswalk: ISO/IEC 42001 → EU AI Act through shared controls",
    query: `# Requirement pairs ISO/IEC 42001 -> EU AI Act through a shared control; the
# relationship is composed with the STRM table (ontology/strm-composition.ttl)
${PREFIXES}PREFIX id: <https://w3id.org/ctrlgraph/id/>

SELECT ?source ?control ?target ?relationship ?determined
WHERE {
  ?s skos:inScheme id:iso42001-2023 .
  ?m1 cg:requirement ?s ; cg:control ?c ; cg:relationship ?r1 .
  ?m2 cg:control ?c ; cg:requirement ?t ; cg:relationship ?r2 .
  ?t skos:inScheme id:eu-ai-act-2024 .
  ?rule cg:leftRelationship ?r1 ; cg:rightRelationship ?r2 ;
        cg:composedRelationship/skos:notation ?relationship ; cg:determined ?determined .
  ?s skos:notation ?source .
  ?t skos:notation ?target .
  ?c skos:notation ?control .
}
ORDER BY ?source ?target ?control
LIMIT 200
`,
  },
  {
    id: "gaps",
    label: "My gaps: ISO/IEC 42001 requirements with no mapped control implemented (needs your key)",
    needsKey: true,
    query: `# ISO/IEC 42001 requirements none of whose mapped controls is implemented in
# your organization's evidence, with the controls that would close them.
# Send your key: with it, the query also reads your evidence graph.
${PREFIXES}
SELECT ?requirement ?title (GROUP_CONCAT(DISTINCT ?control; separator=" ") AS ?wouldBeClosedBy)
WHERE {
  ?r skos:inScheme/dcterms:identifier "iso42001-2023" ; cg:assessable true ;
     skos:notation ?requirement ; skos:prefLabel ?title .
  ?m cg:requirement ?r ; cg:control ?c ; cg:relationship ?rel .
  ?c skos:notation ?control .
  FILTER (?rel IN (cg:equal, cg:subsetOf))
  FILTER NOT EXISTS {
    ?any cg:requirement ?r ; cg:control ?c2 .
    ?implementation a cg:ControlImplementation ; cg:implementsControl ?c2 .
  }
}
GROUP BY ?requirement ?title
ORDER BY ?requirement
`,
  },
  {
    id: "frameworks",
    label: "Frameworks and their assessable requirements",
    query: `${PREFIXES}
SELECT ?framework ?title (COUNT(?r) AS ?assessable)
WHERE {
  ?f a cg:Framework ; dcterms:identifier ?framework ; dcterms:title ?title .
  OPTIONAL { ?r skos:inScheme ?f ; cg:assessable true }
}
GROUP BY ?framework ?title
ORDER BY ?framework
`,
  },
];

// The shipped example files, fetched once per page load.
let shipped = null;
const shippedExamples = async () => {
  if (shipped === null) {
    shipped = api.getJSON("v1/queries/examples")
      .then((list) => list.map((x) => ({ id: `file:${x.id}`, label: x.title, query: x.query })))
      .catch(() => []);
  }
  return shipped;
};
const known = [...EXAMPLES];
const findExample = (id) => known.find((x) => x.id === id);

const MAX_ROWS = 2000;
const SHORT_IRIS = [
  ["https://w3id.org/ctrlgraph/ns#", "cg:"],
  ["http://www.w3.org/2004/02/skos/core#", "skos:"],
  ["http://purl.org/dc/terms/", "dcterms:"],
  ["http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"],
  ["http://www.w3.org/2000/01/rdf-schema#", "rdfs:"],
  ["http://www.w3.org/2001/XMLSchema#", "xsd:"],
];

// The editor's text survives moving between pages.
const state = { query: EXAMPLES[0].query, example: EXAMPLES[0].id, withKey: null, previous: null };

function term(binding) {
  if (!binding) return h("span", { class: "muted" }, "");
  if (binding.type === "uri") {
    const short = SHORT_IRIS.find(([ns]) => binding.value.startsWith(ns));
    return h("span", { class: "iri", title: binding.value }, short ? short[1] + binding.value.slice(short[0].length) : binding.value);
  }
  if (binding.type === "bnode") return `_:${binding.value}`;
  return h("span", { class: "literal", title: binding.datatype || (binding["xml:lang"] ? `@${binding["xml:lang"]}` : null) }, binding.value);
}

function resultsTable(json) {
  if ("boolean" in json) return h("p", { class: "ask-result", "data-boolean": String(json.boolean) }, `ASK: ${json.boolean ? "true" : "false"}`);
  const vars = json.head.vars;
  const rows = json.results.bindings;
  const shown = rows.slice(0, MAX_ROWS);
  return [
    h("table", { class: "data results", "data-rows": String(rows.length) },
      h("caption", { class: "visually-hidden" }, "Query results"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, "#"), vars.map((v) => h("th", { scope: "col" }, `?${v}`)))),
      h("tbody", {}, shown.map((b, i) => h("tr", {}, h("th", { scope: "row", class: "num" }, String(i + 1)),
        vars.map((v) => h("td", { "data-var": v, "data-export": b[v] ? b[v].value : "" }, term(b[v]))))))),
    rows.length > MAX_ROWS ? note(`Showing the first ${MAX_ROWS} of ${rows.length} rows; use LIMIT, or the CSV download of the API.`) : null,
  ];
}

export async function render(container) {
  document.title = "SPARQL console · ctrlgraph";
  const editorId = newId("query");
  const exampleId = newId("example");
  const keyBoxId = newId("withkey");
  const hasKey = Boolean(api.orgKey.get());
  if (state.withKey === null) state.withKey = hasKey;

  const status = h("p", { class: "query-status", role: "status", "aria-live": "polite" });
  // a region with a tab stop: keyboard users can reach and scroll the results
  const output = h("div", { class: "results-scroll", id: "results", role: "region", "aria-label": "Query results", tabindex: "0" });
  const editor = h("textarea", { id: editorId, name: "query", rows: "14", spellcheck: "false", autocapitalize: "off",
    autocomplete: "off", "aria-describedby": `${editorId}-help`, value: state.query });
  editor.addEventListener("input", () => { state.query = editor.value; });
  const example = h("select", { id: exampleId, name: "example" },
    EXAMPLES.map((x) => h("option", { value: x.id, selected: x.id === state.example }, x.label)));
  const withKey = h("input", { type: "checkbox", id: keyBoxId, checked: state.withKey && hasKey, disabled: !hasKey,
    onchange: (e) => { state.withKey = e.target.checked; } });
  const runButton = h("button", { type: "submit" }, "Run query");

  shippedExamples().then((list) => {
    if (!list.length) return;
    for (const x of list) if (!findExample(x.id)) known.push(x);
    example.append(h("optgroup", { label: "More examples (queries/examples)" },
      list.map((x) => h("option", { value: x.id, selected: x.id === state.example }, x.label))));
  });

  // Choosing in the list only chooses; "Load example" replaces the editor's text, and a query the
  // user wrote is kept one step back ("Bring back my query"), never lost to an arrow key.
  const undo = h("button", { type: "button", class: "secondary undo", hidden: true, onclick: () => {
    if (state.previous === null) return;
    editor.value = state.previous;
    state.query = state.previous;
    state.previous = null;
    undo.hidden = true;
    loadStatus.textContent = "Your query is back in the editor.";
    editor.focus();
  } }, "Bring back my query");
  const loadStatus = h("span", { class: "help", role: "status" });
  const loadExample = () => {
    const chosen = findExample(example.value);
    const edited = editor.value.trim() && !known.some((x) => x.query === editor.value);
    state.previous = edited ? editor.value : null;
    undo.hidden = !edited;
    loadStatus.textContent = edited ? `Loaded “${chosen.label}”; your query is kept.` : `Loaded “${chosen.label}”.`;
    state.example = chosen.id;
    state.query = chosen.query;
    editor.value = chosen.query;
    if (chosen.needsKey && hasKey) { withKey.checked = true; state.withKey = true; }
  };
  const loadButton = h("button", { type: "button", class: "secondary", onclick: () => { loadExample(); editor.focus(); } }, "Load example");

  async function run() {
    const query = editor.value;
    if (!query.trim()) {
      status.textContent = "Write a query first.";
      return;
    }
    runButton.disabled = true;
    status.textContent = "Running…";
    output.setAttribute("aria-busy", "true");
    try {
      const result = await api.sparql(query, { auth: withKey.checked && hasKey });
      if (!result.ok) {
        status.textContent = `Error ${result.status}.`;
        output.replaceChildren(h("pre", { class: "query-error", role: "alert" }, (result.text || JSON.stringify(result.json)).trim()));
      } else if (result.json) {
        const n = "boolean" in result.json ? null : result.json.results.bindings.length;
        status.textContent = n === null ? `Answered in ${result.ms} ms.` : `${plural(n, "result")} in ${result.ms} ms.`;
        status.dataset.count = n === null ? "" : String(n);
        output.replaceChildren(...[resultsTable(result.json)].flat().filter(Boolean));
      } else {
        status.textContent = `${result.type} in ${result.ms} ms.`;
        output.replaceChildren(h("pre", { class: "graph-result" }, result.text));
      }
    } catch (error) {
      status.textContent = `Could not run the query: ${error.message}`;
    } finally {
      runButton.disabled = false;
      output.setAttribute("aria-busy", "false");
    }
  }

  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  const form = h("form", { class: "sparql-form", "aria-label": "SPARQL query", onsubmit: (e) => { e.preventDefault(); run(); } },
    h("div", { class: "example-row" },
      h("div", { class: "field grow" }, h("label", { for: exampleId }, "Example query"), example), loadButton, undo, loadStatus),
    h("div", { class: "field" }, h("label", { for: editorId }, "Query"), editor),
    h("p", { id: `${editorId}-help`, class: "help" },
      "Read-only SPARQL 1.1 over the reference graphs. Ctrl+Enter runs the query; Tab leaves the editor."),
    h("div", { class: "run-row" }, runButton,
      h("span", { class: "check" }, withKey, h("label", { for: keyBoxId },
        hasKey ? "Send my organization key (adds my evidence and validation graphs)" : "Send my organization key (none stored: open the Organization page first)"))));

  const exportRow = h("div", { class: "toolbar" }, csvButton(() => output.querySelector("table"), "query-results.csv", "Download the results (CSV)"));
  append(container, h("h1", {}, "SPARQL console"), form, status, exportRow, output);
  if (!hasKey && findExample(state.example)?.needsKey) {
    container.insertBefore(note("This example reads your evidence: store your key on the Organization page."), status);
  }
}
