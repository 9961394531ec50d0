// Page state in the URL fragment's query (#/matrix?fw=iso42001-2023&q=risk):
// search text, filters, selection and open tree nodes survive Back, reload and
// a shared link. Replacing the query does not add a history entry and does not
// re-render (history.replaceState fires no hashchange).

export function hashPath() {
  return window.location.hash.replace(/^#\/?/, "").split("?")[0].replace(/\/$/, "");
}

export function hashQuery() {
  const hash = window.location.hash;
  const i = hash.indexOf("?");
  return new URLSearchParams(i === -1 ? "" : hash.slice(i + 1));
}

function build(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "" || value === false) continue;
    for (const v of [value].flat()) if (v !== "" && v !== null && v !== undefined) search.append(name, v === true ? "1" : String(v));
  }
  const qs = search.toString();
  return `#/${hashPath()}${qs ? `?${qs}` : ""}`;
}

/** Record the view's state in the URL without a new history entry (keeps history.state, e.g. the scroll position). */
export function replaceQuery(params) {
  const target = build(params);
  if (target !== window.location.hash) window.history.replaceState(window.history.state, "", target);
}

/** Navigate to the same view with a new state (a history entry; the view re-renders). */
export function pushQuery(params) {
  const target = build(params);
  if (target === window.location.hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = target;
}
