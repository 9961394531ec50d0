// Exports built in the browser from what the page shows: CSV from a rendered
// table (the text of each cell, as read on screen), Markdown from rows.

import { h } from "./dom.js";

const csvCell = (text) => {
  let t = String(text ?? "").replace(/\s+/g, " ").trim();
  // A spreadsheet would run a cell starting with = + - @ as a formula: quote it as text.
  if (/^[=+\-@\t\r]/.test(t)) t = `'${t}`;
  return /[",\n;]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

export function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** The visible text of a table: header row plus body rows (cell text, or data-export when set). */
export function tableRows(tableEl) {
  const text = (cell) => (cell.dataset.export !== undefined ? cell.dataset.export : cell.innerText || cell.textContent || "");
  const header = [...tableEl.querySelectorAll("thead tr:first-child > *")].map(text);
  const rows = [...tableEl.querySelectorAll("tbody tr")].filter((tr) => !tr.hidden).map((tr) => [...tr.children].map(text));
  return { header, rows };
}

export function saveText(filename, text, type = "text/csv") {
  const href = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = h("a", { href, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** A "Download CSV" button for the table that `find()` returns when clicked. */
export function csvButton(find, filename, label = "Download CSV") {
  return h("button", {
    type: "button", class: "secondary export",
    onclick: () => {
      const tableEl = find();
      if (!tableEl) return;
      const { header, rows } = tableRows(tableEl);
      saveText(typeof filename === "function" ? filename() : filename, csv(header, rows));
    },
  }, label);
}

export function markdown(header, rows) {
  const esc = (t) => String(t ?? "").replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}
