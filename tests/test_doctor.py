"""`ctrlgraph doctor`: tenant-stated reference triples and tenant graphs in the
reference dataset of an existing store are found, reported and repaired."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from ctrlgraph import doctor, work
from ctrlgraph.api.app import create_app
from ctrlgraph.bounds import Bounds
from ctrlgraph.evidence import repository, tenants
from ctrlgraph.iri import META_GRAPH
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore, readable
from tests import backends
from tests.conftest import FIXTURES

ID = "https://w3id.org/ctrlgraph/id/"
BAD = (
    f'<{ID}iso27001-2022/a-8-15> <http://www.w3.org/2004/02/skos/core#prefLabel> "INJECTED"@en .\n'
    f'<{ID}iso9001-2015> <http://purl.org/dc/terms/identifier> "injected-by-orgb" .\n'
)


def _store(tmp_path: Path) -> object:
    if backends.is_remote():
        from ctrlgraph.store.remote import RemoteStore

        backends.wipe()
        store = RemoteStore(backends.remote_config())
    else:
        store = OxigraphStore(tmp_path / "store")
    load_reference(store)
    return store


@pytest.mark.api
def test_doctor_finds_and_repairs_tenant_stated_reference_triples(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        tenants.create_org(store, "orgb", "B")
        body = (FIXTURES / "evidence" / "minimal.ttl").read_bytes().replace(b"/org/beta/", b"/org/orgb/")
        repository.write_evidence(store, "orgb", "B", body, "text/turtle", "replace", separate_process=False)
        clean = repository.read_evidence(store, "orgb")
        # What a store written before the allow-list may hold: the attack in
        # the evidence and in a history snapshot, and a tenant graph recorded
        # as a reference graph in the meta graph.
        store.replace_graphs(
            {repository.evidence_graph("orgb"): clean + BAD, repository.snapshot_graph("orgb", 1): clean + BAD}
        )
        listing = (
            f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{repository.snapshot_graph('orgb', 1)}>"
            " a <https://w3id.org/ctrlgraph/ns#ReferenceGraph> } }"
        )
        if isinstance(store, OxigraphStore):
            # the embedded store refuses such an update (it names both kinds of graph): go around it
            with pytest.raises(Exception, match="not both"):
                store.update(listing)
            store.raw.update(listing)
        else:
            store.update(listing)
        found = {(f.kind, f.graph): f for f in doctor.diagnose(store)}
        evidence = found[("evidence", repository.evidence_graph("orgb"))]
        assert evidence.count == 2 and any("a-8-15" in e for e in evidence.examples)
        assert not found[("snapshot", repository.snapshot_graph("orgb", 1))].repairable
        assert ("tenant graph listed as reference", repository.snapshot_graph("orgb", 1)) in found
        versions = len(repository.history(store, "orgb"))

        repaired = doctor.repair(store)
        assert {f.kind for f in repaired} == {"evidence", "tenant graph listed as reference"}
        assert repository.read_evidence(store, "orgb") == clean
        last = repository.history(store, "orgb")[-1]
        assert len(repository.history(store, "orgb")) == versions + 1
        assert (last.kind, last.changed_by, last.removed) == ("repair", "doctor", 2)
        # What is left is the audit trail, reported but kept.
        assert [f.kind for f in doctor.diagnose(store)] == ["snapshot"]
        assert doctor.repair(store) == []
    finally:
        store.close()


def test_doctor_moves_tenant_graphs_out_of_the_reference_store(tmp_path: Path) -> None:
    """An embedded store from before the split kept tenant graphs beside the
    reference graphs (so they were part of every reference answer)."""
    path = tmp_path / "old"
    old = ox.Store(str(path))
    graph = ox.NamedNode(repository.snapshot_graph("orgb", 3))
    old.add(ox.Quad(ox.NamedNode(ID + "iso9001-2015"), ox.NamedNode("http://purl.org/dc/terms/identifier"),
                    ox.Literal("injected"), graph))  # fmt: skip
    old.flush()
    del old
    store = OxigraphStore(path)
    try:
        assert store.moved_tenant_graphs == [graph.value]
        assert not list(store.raw.quads_for_pattern(None, None, None, graph))
        assert len(list(store.raw_tenants.quads_for_pattern(None, None, None, graph))) == 1
        assert [f.graph for f in doctor.diagnose(store)] == [graph.value]
        assert (
            store.select("SELECT ?id WHERE { ?s <http://purl.org/dc/terms/identifier> ?id }", union_default=True) == []
        )
    finally:
        store.close()


def test_startup_integrity_check_runs_in_the_pool_after_the_server_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`ctrlgraph doctor`'s diagnosis at start-up reads every organization's
    evidence: it runs in a bounded worker on a checkpoint, and still reports."""
    from ctrlgraph.api.settings import Settings

    path = tmp_path / "store"
    store = OxigraphStore(path)
    load_reference(store)
    tenants.create_org(store, "orgb", "B")
    body = (FIXTURES / "evidence" / "minimal.ttl").read_bytes().replace(b"/org/beta/", b"/org/orgb/")
    repository.write_evidence(store, "orgb", "B", body, "text/turtle", "replace", separate_process=False)
    injected = '<https://w3id.org/ctrlgraph/id/iso9001-2015> <http://purl.org/dc/terms/identifier> "orgb-was-here" .\n'
    store.replace_graphs({repository.evidence_graph("orgb"): repository.read_evidence(store, "orgb") + injected})
    assert [f.kind for f in doctor.diagnose(store, snapshots=False)] == ["evidence"]
    store.close()

    mark = time.monotonic()
    caplog.set_level("WARNING", logger="ctrlgraph")
    with TestClient(create_app(Settings(data_dir=path, bounds=Bounds(work_timeout=60, work_processes=1)))) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/healthz").json()["checks"] in ("running", "done")
        client.app.state.integrity_check.join(timeout=60)  # type: ignore[attr-defined]
        assert not client.app.state.integrity_check.is_alive()  # type: ignore[attr-defined]
        assert client.get("/healthz").json()["checks"] == "done"  # what a benchmark waits for
        assert sum(1 for t, at in work.pool().started if t == "doctor" and at >= mark) == 1
    warnings = [r.getMessage() for r in caplog.records if "tenant integrity" in r.getMessage()]
    assert len(warnings) == 1 and repository.evidence_graph("orgb") in warnings[0], warnings
    assert not (path / readable.CHECKPOINT_DIR).exists() or not any((path / readable.CHECKPOINT_DIR).iterdir())
