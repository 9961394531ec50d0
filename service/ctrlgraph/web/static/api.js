// The JSON API, as the pages use it. Reference data (frameworks, trees,
// controls) is fetched once per page load and shared by the views.

const KEY_STORAGE = "ctrlgraph.orgKey";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** An absolute URL for an API path ("v1/frameworks"), relative to the page (works behind a path prefix). */
export function apiUrl(path, params = {}) {
  const url = new URL(path.replace(/^\//, ""), document.baseURI);
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    for (const v of [value].flat()) url.searchParams.append(name, v);
  }
  return url;
}

export const orgKey = {
  get: () => window.sessionStorage.getItem(KEY_STORAGE),
  set: (key) => window.sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => window.sessionStorage.removeItem(KEY_STORAGE),
};

export function authHeaders() {
  const key = orgKey.get();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function errorFrom(response) {
  let body = null;
  let message = `${response.status} ${response.statusText}`;
  const type = response.headers.get("content-type") || "";
  try {
    if (type.includes("json")) {
      body = await response.json();
      const detail = body && body.detail;
      if (typeof detail === "string") message = detail;
      else if (Array.isArray(detail)) message = detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
      else if (detail && detail.message) message = detail.message;
    } else {
      body = (await response.text()).trim();
      if (body) message = body;
    }
  } catch {
    // keep the status line
  }
  return new ApiError(response.status, message, body);
}

/** GET JSON; throws ApiError (status, message from the API's detail). */
export async function getJSON(path, params = {}, { auth = false, signal } = {}) {
  const response = await fetch(apiUrl(path, params), {
    headers: { Accept: "application/json", ...(auth ? authHeaders() : {}) },
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

const cache = new Map();

/** Reference GETs (no key): one request per URL per page load. */
export function cached(path, params = {}) {
  const key = apiUrl(path, params).toString();
  if (!cache.has(key)) {
    const promise = getJSON(path, params);
    promise.catch(() => cache.delete(key));
    cache.set(key, promise);
  }
  return cache.get(key);
}

export const frameworks = () => cached("v1/frameworks");
export const requirementTree = (id) => cached(`v1/frameworks/${encodeURIComponent(id)}/requirements`);
export const controls = () => cached("v1/controls");
export const control = (notation) => cached(`v1/controls/${encodeURIComponent(notation)}`);
export const crosswalk = (source, target) => cached("v1/crosswalk", { source, target });
export const requirement = (framework, notation) => cached("v1/requirements", { framework, notation });
export const sharedControls = (ids) =>
  cached("v1/shared-controls", { framework: ids, min_frameworks: 1, limit: 10000 });

/**
 * Fetch a file with the key and hand it to the browser as a download.
 * attempts: [{params, accept, expect}] tried in order; the first 2xx whose
 * Content-Type matches `expect` (a RegExp, if given) wins; a 404, 406, 415 or
 * 422 moves on to the next (a format may be asked for in more than one way).
 */
export async function download(path, filename, attempts, { auth = true, preferName = false } = {}) {
  let last = null;
  for (const attempt of attempts) {
    const response = await fetch(apiUrl(path, attempt.params || {}), {
      headers: { ...(attempt.accept ? { Accept: attempt.accept } : {}), ...(auth ? authHeaders() : {}) },
    });
    const type = response.headers.get("content-type") || "";
    if (response.ok && attempt.expect && !attempt.expect.test(type)) {
      last = new ApiError(406, `the server answered ${type || "an unknown type"}, not the format asked for`, null);
      continue;
    }
    if (response.ok) {
      const blob = await response.blob();
      const disposition = response.headers.get("content-disposition") || "";
      const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
      // preferName: the page's name says more (e.g. the framework chosen) than the server's generic one
      const name = match && !preferName ? decodeURIComponent(match[1]) : filename;
      const href = URL.createObjectURL(blob);
      const link = Object.assign(document.createElement("a"), { href, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
      return { name, size: blob.size };
    }
    last = await errorFrom(response);
    if (![404, 406, 415, 422].includes(response.status)) break;
  }
  throw last;
}

/** Run a SPARQL query (POST form); returns {status, type, json | text, ms}. */
export async function sparql(query, { auth = false } = {}) {
  const started = performance.now();
  const response = await fetch(apiUrl("sparql"), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/sparql-results+json, text/turtle;q=0.8",
      ...(auth ? authHeaders() : {}),
    },
    body: new URLSearchParams({ query }),
  });
  const type = (response.headers.get("content-type") || "").split(";")[0].trim();
  const result = { ok: response.ok, status: response.status, type };
  if (type === "application/sparql-results+json") result.json = await response.json();
  else result.text = await response.text();
  result.ms = Math.round(performance.now() - started);
  return result;
}

// Display names for the known framework ids (the id is the API's; this is
// presentation only). Unknown ids are shown as they are.
const SHORT = {
  "iso42001-2023": "ISO/IEC 42001",
  "iso27001-2022": "ISO/IEC 27001",
  "iso9001-2015": "ISO 9001",
  "iso-hs": "ISO HS",
  "eu-ai-act-2024": "EU AI Act",
};
export const shortName = (id) => SHORT[id] || id;

/** Frameworks in a stable reading order: the ISO standards, the HS, then the AI Act, then anything else. */
export function ordered(list) {
  const rank = (id) => {
    const i = Object.keys(SHORT).indexOf(id);
    return i === -1 ? 99 : i;
  };
  return [...list].sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

export const reqHref = (framework, notation) =>
  `#/requirement/${encodeURIComponent(framework)}/${encodeURIComponent(notation)}`;
export const controlHref = (notation) => `#/control/${encodeURIComponent(notation)}`;
export const frameworkHref = (id) => `#/frameworks/${encodeURIComponent(id)}`;
