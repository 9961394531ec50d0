// Shared by the organization's pages (dashboard, evidence, systems): which
// organization the stored key opens, and the breadcrumb back to it.

import * as api from "../api.js";
import { append, h, note } from "../dom.js";
import { hashQuery } from "../url.js";

const ORG_STORAGE = "ctrlgraph.org";
export const currentOrg = {
  get: () => window.sessionStorage.getItem(ORG_STORAGE),
  set: (id) => window.sessionStorage.setItem(ORG_STORAGE, id),
};

let orgsPromise = null;
let orgsKey = null;
/** The organizations the stored key opens ([] without a key or when it is refused); cached per key. */
export function keyOrgs() {
  const key = api.orgKey.get();
  if (!key) return Promise.resolve([]);
  if (orgsKey !== key || !orgsPromise) {
    orgsKey = key;
    orgsPromise = api.getJSON("v1/orgs", {}, { auth: true }).catch(() => []);
  }
  return orgsPromise;
}

/** The organization to show: ?org= in the URL, else the one last opened, else the key's first. */
export async function activeOrg() {
  const orgs = await keyOrgs();
  if (!orgs.length) return null;
  const wanted = hashQuery().get("org") || currentOrg.get();
  const org = orgs.find((o) => o.id === wanted) || orgs[0];
  currentOrg.set(org.id);
  return org;
}

/** The active organization, or (no key) a heading and a note pointing to the key form; null then. */
export async function pickOrg(container, title) {
  const org = await activeOrg();
  if (org) return org;
  append(container, h("h1", {}, title),
    note(api.orgKey.get() ? "The stored key opens no organization." : "This page needs an organization key."),
    h("p", {}, h("a", { href: "#/org" }, "Paste your organization's key on the Organization page"), "."));
  return null;
}

export function orgBreadcrumb(org, ...trail) {
  return h("nav", { "aria-label": "Breadcrumb", class: "breadcrumb" }, h("ol", {},
    h("li", {}, h("a", { href: "#/org" }, "Organization")),
    trail.length ? h("li", {}, h("a", { href: "#/org" }, org.name)) : h("li", { "aria-current": "page" }, org.name),
    trail.map((t, i) => (i === trail.length - 1 ? h("li", { "aria-current": "page" }, t) : h("li", {}, t)))));
}

/** Links to the organization's pages. */
export function orgNav(current) {
  const pages = [["#/org", "Dashboard"], ["#/evidence", "Evidence"], ["#/systems", "AI systems"]];
  return h("nav", { class: "subnav", "aria-label": "Organization pages" }, h("ul", {},
    pages.map(([href, label]) => h("li", {}, h("a", { href, "aria-current": label === current ? "page" : null }, label)))));
}
