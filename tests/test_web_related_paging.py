"""The requirement page when the related requirements take more than one page
of the API: a real headless Chromium against a real uvicorn server whose
store holds the reference graph plus a test framework of 150 requirements
that share a control with ISO/IEC 42001 9.2.2 (the shipped content has at
most 25 related requirements per requirement, one page)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ctrlgraph import catalog
from ctrlgraph.iri import ID
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore
from tests import backends
from tests.test_web_ui import goto, page, playwright_browser, web_server  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(backends.is_remote(), reason="builds its own embedded store"),
]

EXTRA = 150
GRAPH = "https://w3id.org/ctrlgraph/graph/test/paging"


def add_test_framework(store: OxigraphStore, control: str) -> None:
    """A framework "paging-test" whose EXTRA requirements all map to ``control``."""
    fw = f"{ID}paging-test"
    lines = [
        f'<{fw}> a cg:Framework, skos:ConceptScheme ; dcterms:identifier "paging-test" ; dcterms:title "Paging test" .'
    ]
    for n in range(1, EXTRA + 1):
        req, mapping = f"{fw}/p-{n}", f"{ID}mapping/paging-test/p-{n}"
        lines.append(
            f'<{req}> a cg:Requirement ; skos:inScheme <{fw}> ; skos:notation "P.{n}" ; '
            f'skos:prefLabel "Paging requirement {n}" ; cg:assessable true .'
        )
        lines.append(
            f"<{mapping}> a cg:Mapping ; cg:requirement <{req}> ; cg:control <{control}> ; "
            f"cg:relationship cg:intersectsWith ; cg:strength {1 + n % 9} ."
        )
    store.update(
        "PREFIX cg: <https://w3id.org/ctrlgraph/ns#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        f"INSERT DATA {{ GRAPH <{GRAPH}> {{\n" + "\n".join(lines) + "\n} }"
    )


@pytest.fixture(scope="module")
def base(playwright_browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    data_dir: Path = tmp_path_factory.mktemp("paging-store")
    store = OxigraphStore(data_dir)
    load_reference(store)
    control = next(m for m in catalog.requirement(store, "iso42001-2023", "9.2.2").mappings if m.control)
    add_test_framework(store, f"{ID}control/{control.control}")
    store.close()
    log_path = tmp_path_factory.mktemp("paging-log") / "server.log"
    env = {**os.environ, "CTRLGRAPH_DATA_DIR": str(data_dir), "CTRLGRAPH_SPARQL_WORKERS": "1"}
    env.pop("CTRLGRAPH_DEMO", None)
    with web_server(env, log_path) as url:
        yield url


def shown(page: Any) -> list[tuple[str, str]]:  # noqa: F811
    return [
        (g.get_attribute("data-framework"), r.get_attribute("data-notation"))
        for g in page.locator("#related .related-group").all()
        for r in g.locator("tbody tr").all()
    ]


def test_show_more_loads_the_next_page(page: Any, base: str) -> None:  # noqa: F811
    params = {"framework": "iso42001-2023", "notation": "9.2.2"}
    first = httpx.get(f"{base}/v1/requirements/related", params=params).json()
    total = first["total"]
    assert total > EXTRA and len(first["related"]) == first["limit"] == 100 and first["next"]
    second = httpx.get(first["next"]).json()
    assert second["next"] is None and len(second["related"]) == total - 100

    goto(page, base, "requirement/iso42001-2023/9.2.2")
    page.locator("#related table").first.wait_for()
    assert page.locator("#related h2").inner_text() == f"Related requirements in other frameworks ({total})"
    assert sorted(shown(page)) == sorted((r["framework"], r["notation"]) for r in first["related"])
    assert page.locator("#related .related-status").inner_text() == f"Showing 100 of {total}."
    more = page.locator("#related button.related-more")
    assert more.inner_text() == f"Show {total - 100} more"
    more.click()
    page.wait_for_function("() => !document.querySelector('#related button.related-more')")
    everything = first["related"] + second["related"]
    assert sorted(shown(page)) == sorted((r["framework"], r["notation"]) for r in everything)
    assert len(shown(page)) == total
    assert page.locator("#related .related-status").inner_text() == f"Showing all {total}."
    # within a framework, strongest first
    strengths = [
        int(s)
        for s in page.locator('#related .related-group[data-framework="paging-test"] .strength').all_inner_texts()
    ]
    assert len(strengths) == EXTRA and strengths == sorted(strengths, reverse=True)
