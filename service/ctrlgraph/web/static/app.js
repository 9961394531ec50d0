// The shell: a router over the URL fragment (#/matrix, #/requirement/iso42001-2023/6.1.2 …).
// Each view is a module exporting render(container, ...params) that fills the
// container (possibly asynchronously) and returns a promise.

import { debounce, h, note } from "./dom.js";

const ROUTES = [
  { pattern: /^$/, nav: "frameworks", load: () => import("./views/frameworks.js"), fn: "renderOverview" },
  { pattern: /^frameworks\/([^/]+)$/, nav: "frameworks", load: () => import("./views/frameworks.js"), fn: "renderFramework" },
  { pattern: /^requirement\/([^/]+)\/([^/]+)$/, nav: "frameworks", load: () => import("./views/requirement.js"), fn: "render" },
  { pattern: /^control\/([^/]+)$/, nav: "matrix", load: () => import("./views/control.js"), fn: "render" },
  { pattern: /^plan$/, nav: "plan", load: () => import("./views/plan.js"), fn: "render" },
  { pattern: /^evidence$/, nav: "org", load: () => import("./views/evidence.js"), fn: "render" },
  { pattern: /^systems$/, nav: "org", load: () => import("./views/systems.js"), fn: "render" },
  { pattern: /^matrix$/, nav: "matrix", load: () => import("./views/matrix.js"), fn: "render" },
  { pattern: /^overlap$/, nav: "overlap", load: () => import("./views/overlap.js"), fn: "render" },
  { pattern: /^org$/, nav: "org", load: () => import("./views/org.js"), fn: "render" },
  { pattern: /^sparql$/, nav: "sparql", load: () => import("./views/sparql.js"), fn: "render" },
];

const main = document.getElementById("main");
let generation = 0;
let firstRender = true;
// Back/Forward: the page is re-rendered asynchronously, so the browser cannot
// restore the scroll position itself; each history entry keeps its own
// (history.state.scrollY, updated while scrolling) and it is restored once the
// view has rendered.
window.history.scrollRestoration = "manual";
let restoreScroll = null;
window.addEventListener("popstate", (event) => {
  // (a link to a new fragment fires popstate too, with no state: nothing to restore)
  restoreScroll = event.state && typeof event.state.scrollY === "number" ? event.state.scrollY : null;
});
const rememberScroll = debounce(() => {
  window.history.replaceState({ ...(window.history.state || {}), scrollY: window.scrollY }, "");
}, 120);
window.addEventListener("scroll", rememberScroll, { passive: true });

function currentPath() {
  const hash = window.location.hash.replace(/^#\/?/, "");
  return hash.split("?")[0].replace(/\/$/, "");
}

let lastPath = null;

async function route() {
  const path = currentPath();
  const sameView = path === lastPath;
  lastPath = path;
  const mine = ++generation;
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (match && link.dataset.nav === match.r.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const container = h("div", { class: "view" });
  main.setAttribute("aria-busy", "true");
  delete main.dataset.route;
  main.replaceChildren(container);
  try {
    if (!match) {
      document.title = "Not found · ctrlgraph";
      container.append(h("h1", { tabindex: "-1" }, "Page not found"),
        note(`There is no page “#/${path}”.`), h("p", {}, h("a", { href: "#/" }, "Go to the frameworks overview")));
    } else {
      const module = await match.r.load();
      const params = match.m.slice(1).map((p) => decodeURIComponent(p));
      await module[match.r.fn](container, ...params);
    }
  } catch (error) {
    console.error(error);
    if (mine === generation) {
      container.append(note(`Could not show this page: ${error.message}`, "error"));
    }
  } finally {
    if (mine === generation) {
      main.setAttribute("aria-busy", "false");
      markScrollable();
      main.dataset.route = path; // the view on show is complete (the tests wait for this)
      // Move focus to the new page's heading (not on the first load: the
      // browser's own start position is better there).
      const heading = container.querySelector("h1");
      const back = restoreScroll;
      restoreScroll = null;
      // a view that put the focus somewhere itself (a linked row) keeps it, and its scroll
      const placed = container.contains(document.activeElement) && document.activeElement !== container;
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        if (!firstRender && !placed) heading.focus({ preventScroll: true });
      }
      if (!placed && back !== null) window.scrollTo(0, back);
      else if (!placed && !firstRender && !sameView) window.scrollTo(0, 0);
      firstRender = false;
    }
  }
}

// The skip link targets #main, which is also a fragment: handle it without
// letting the router see "#main" as a route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

// A box that scrolls (a wide table on a phone, a long list in a frame) must be
// reachable by keyboard to scroll it: such boxes without a focusable element
// inside get a tab stop, and lose it again when they stop scrolling.
const SCROLLERS = "table.data, .table-scroll, .results-scroll, .matrix-scroll, .overlap-scroll, .cell-panel";
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";
function markScrollable() {
  for (const el of main.querySelectorAll(SCROLLERS)) {
    const style = window.getComputedStyle(el);
    const scrolls = (el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX))
      || (el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY));
    if (scrolls && !el.querySelector(FOCUSABLE) && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.dataset.scrollStop = "1";
    } else if (!scrolls && el.dataset.scrollStop) {
      el.removeAttribute("tabindex");
      delete el.dataset.scrollStop;
    }
  }
}
const markSoon = debounce(markScrollable, 100);
new MutationObserver(markSoon).observe(main, { childList: true, subtree: true });
window.addEventListener("resize", markSoon);

window.addEventListener("hashchange", route);
route();
