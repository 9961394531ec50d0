// Small DOM helpers. Text always goes in as text nodes (never parsed as HTML), so
// nothing from the API or a query result can inject markup.

const PROPERTIES = new Set(["value", "checked", "selected", "indeterminate"]);

/** h("a", {href: "#/"}, "text", child, [more]) -> element */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") Object.assign(el.style, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, ...children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let uid = 0;
export function newId(prefix = "id") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * An accessible table: caption, th scope=col, and (rowHeader) th scope=row
 * for the first column. columns: [{label, key?, numeric?, cell?(row) -> node|text, className?}]
 */
export function table({ caption, columns, rows, rowHeader = true, className = "data", rowAttrs, captionHidden = false }) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) =>
    h("th", { scope: "col", class: c.numeric ? "num" : c.className || null, title: c.title || null }, c.label))));
  const tbody = h("tbody");
  for (const row of rows) {
    const tr = h("tr", rowAttrs ? rowAttrs(row) : {});
    columns.forEach((c, i) => {
      const content = c.cell ? c.cell(row) : row[c.key];
      const attrs = { class: [c.numeric ? "num" : "", c.className || ""].join(" ").trim() || null };
      if (c.key) attrs["data-field"] = c.key;
      tr.append(rowHeader && i === 0 ? h("th", { scope: "row", ...attrs }, content) : h("td", attrs, content));
    });
    tbody.append(tr);
  }
  return h("table", { class: className },
    caption ? h("caption", { class: captionHidden ? "visually-hidden" : null }, caption) : null, thead, tbody);
}

/** A definition list from [[term, value], …]; values null/undefined are left out. */
export function facts(pairs, className = "facts") {
  return h("dl", { class: className }, pairs
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([term, value, key]) => h("div", { "data-fact": key || null }, h("dt", {}, term), h("dd", {}, value))));
}

export function section(title, { level = 2, id, className } = {}, ...children) {
  const headingId = id ? `${id}-heading` : newId("h");
  return h("section", { id: id || null, class: className || null, "aria-labelledby": headingId },
    h(`h${level}`, { id: headingId }, title), children);
}

export function note(text, kind = "info") {
  return h("p", { class: `note note-${kind}`, role: kind === "error" ? "alert" : null }, text);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** Say something to screen readers (the page's polite live region). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

export function debounce(fn, ms = 200) {
  let timer;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

/** Plural: plural(3, "requirement") -> "3 requirements" */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}
