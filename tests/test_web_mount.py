"""The web interface's mounting: the page and its files are served, and nothing
of the API is shadowed. (No browser needed; the views are tested in a real
Chromium in test_web_ui.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ctrlgraph.api.app import create_app
from ctrlgraph.web import STATIC, mount
from tests import backends

pytestmark = pytest.mark.api


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(backends.api_settings(tmp_path_factory.mktemp("web-store"), sparql_workers=1))
    mount(app)
    mount(app)  # idempotent
    with TestClient(app) as client:
        yield client


def test_index_at_root(web: TestClient) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="ui/app.js">' in response.text
    assert '<main id="main"' in response.text
    assert web.head("/").status_code == 200


def test_static_files_under_ui(web: TestClient) -> None:
    for name in ("app.js", "api.js", "dom.js", "views/matrix.js", "views/org.js", "views/sparql.js"):
        response = web.get(f"/ui/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"], name
        assert response.headers["cache-control"] == "no-cache"
    assert web.get("/ui/style.css").headers["content-type"].startswith("text/css")
    assert web.get("/ui/favicon.svg").status_code == 200
    # only the static folder is served: not the package's Python files
    assert web.get("/ui/__init__.py").status_code == 404
    assert web.get("/ui/../__init__.py").status_code == 404
    assert web.get("/ui/nope.js").status_code == 404
    redirect = web.get("/ui/", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == "../"


def test_api_not_shadowed(web: TestClient) -> None:
    assert web.get("/healthz").json()["status"] == "ok"
    assert web.get("/v1/frameworks").headers["content-type"] == "application/json"
    assert web.get("/docs").status_code == 200
    paths = web.get("/openapi.json").json()["paths"]
    assert "/v1/frameworks" in paths and "/" not in paths and not any(p.startswith("/ui") for p in paths)
    answer = web.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert web.get("/v1/nope").status_code == 404
    routes = [getattr(r, "name", None) for r in web.app.router.routes]  # type: ignore[attr-defined]
    assert routes.count("ui") == 1 and routes.count("web-index") == 1


def test_every_module_import_resolves() -> None:
    """No build step: every relative import of every module must name a file that exists."""
    pattern = re.compile(r"""(?:from\s+|import\s*\(\s*)["'](\.{1,2}/[^"']+)["']""")
    modules = sorted(STATIC.rglob("*.js"))
    assert len(modules) >= 8
    for module in modules:
        for target in pattern.findall(module.read_text(encoding="utf-8")):
            assert (module.parent / target).resolve().is_file(), f"{module.relative_to(STATIC)} imports {target}"
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:href|src)="ui/([^"]+)"', html):
        assert (STATIC / ref).is_file(), ref


def test_no_markup_injection_sinks() -> None:
    """The views build the DOM from text nodes: API data never goes through innerHTML."""
    for module in Path(STATIC).rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{module.name} uses {sink}"


def test_static_files_gzip(web: TestClient) -> None:
    """Scripts and styles are sent gzip-compressed when the browser accepts it, and decode to the file."""
    for name in ("app.js", "views/org.js", "style.css"):
        raw = (STATIC / name).read_bytes()
        response = web.get(f"/ui/{name}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip", name
        assert response.content == raw  # httpx decodes it
        assert int(response.headers["content-length"]) < len(raw) / 2, name  # really compressed
        plain = web.get(f"/ui/{name}", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == raw
