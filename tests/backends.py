"""Which store the API tests run on: ``pytest`` (embedded Oxigraph) or
``pytest --backend virtuoso -m api`` (a real Virtuoso server).

Every API test builds its app with :func:`api_settings`, so the same tests
run on both. On Virtuoso all apps share one server: each app starts from a
store holding nothing of ctrlgraph's (its graphs are dropped first), like a
fresh embedded store, and after each test module the reference graph alone is
put back for the session-wide apps.

The server comes from ``CTRLGRAPH_TEST_VIRTUOSO_ENV`` (the ``ctrlgraph.env``
written by ``tools/virtuoso/server.py start``, which ``.ci/run`` uses), or is
started here in a temporary folder when ``virtuoso-t`` is installed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ctrlgraph.api.settings import Settings
from ctrlgraph.iri import GRAPH
from ctrlgraph.store import GraphStore, OxigraphStore
from ctrlgraph.store.base import QueryTimeout
from ctrlgraph.store.dialect import EMPTY_GRAPH
from ctrlgraph.store.remote import RemoteConfig, RemoteStore

ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = ROOT / "tools" / "virtuoso" / "server.py"

backend = "oxigraph"
_remote: RemoteConfig | None = None
_started: Path | None = None


def is_remote() -> bool:
    return backend == "virtuoso"


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def start(choice: str) -> None:
    """Called once per session (pytest_configure / pytest_sessionstart)."""
    global backend, _remote, _started
    backend = choice
    if choice != "virtuoso":
        return
    env_file = os.environ.get("CTRLGRAPH_TEST_VIRTUOSO_ENV")
    if not env_file:
        if not shutil.which("virtuoso-t"):
            message = "--backend virtuoso needs virtuoso-t (apt-get install virtuoso-opensource-7-bin)"
            if os.environ.get("CI"):
                raise pytest.UsageError(message + "; .ci/run installs and starts it")
            pytest.exit(message + ": skipped", returncode=0)
        _started = Path(tempfile.mkdtemp(prefix="ctrlgraph-virtuoso-"))
        subprocess.run(
            [
                sys.executable,
                str(SERVER_SCRIPT),
                "start",
                str(_started),
                "--http-port",
                "18890",
                "--isql-port",
                "11111",
            ],
            check=True,
        )
        env_file = str(_started / "ctrlgraph.env")
    # Writes the tests make take seconds: a write still unanswered after two
    # minutes means the server is stuck, and the test should fail, not wait 15.
    _remote = dataclasses.replace(RemoteConfig.from_env(_read_env(Path(env_file))), write_timeout=120.0)


def stop() -> None:
    if _started is not None:
        subprocess.run([sys.executable, str(SERVER_SCRIPT), "stop", str(_started)], check=False)
        shutil.rmtree(_started, ignore_errors=True)


def remote_config() -> RemoteConfig:
    assert _remote is not None, "the Virtuoso backend was not started"
    return _remote


def remote_env() -> dict[str, str]:
    """Environment for a `ctrlgraph` subprocess on the chosen backend."""
    if not is_remote():
        return {"CTRLGRAPH_STORE": "oxigraph"}
    return {"CTRLGRAPH_STORE": "sparql", **remote_config().to_env()}


def wipe() -> None:
    """Drop every graph ctrlgraph wrote on the shared server (with a generous
    time limit: right after a heavy test Virtuoso can take a while to answer)."""
    store = RemoteStore(dataclasses.replace(remote_config(), timeout=300.0))
    try:
        graphs = [g for g in store.named_graphs() if g.startswith(GRAPH) or g == EMPTY_GRAPH]
        store.drop_graphs(graphs)
    except QueryTimeout as exc:
        # Virtuoso 7.2 can stop answering altogether under concurrent writes
        # and reads (tools/virtuoso/virtuoso.ini, ThreadsPerQuery): every module after would
        # wait 300 s here, so the run stops with the reason instead.
        pytest.exit(f"the Virtuoso server stopped answering ({exc}); the rest of the run would only wait on it", 1)
    finally:
        store.close()


def reset_to_reference() -> None:
    """Leave the server holding the reference graph only (between modules)."""
    from ctrlgraph.loader import load_reference

    wipe()
    store = RemoteStore(dataclasses.replace(remote_config(), timeout=300.0))
    try:
        load_reference(store)
    finally:
        store.close()


def dump(store: GraphStore) -> str:
    """Every quad of the store, sorted: equal dumps mean an unchanged store."""
    if isinstance(store, OxigraphStore):
        return "\n".join(sorted(str(q) for q in [*store.raw, *store.raw_tenants]))
    graphs = store.named_graphs()  # type: ignore[attr-defined]
    return "\n".join(f"GRAPH <{g}>\n{store.graph_ntriples(g)}" for g in graphs if g.startswith(GRAPH))


def api_settings(data_dir: Path, *, fresh: bool = True, **kwargs: object) -> Settings:
    """Settings for a test app on the chosen backend; on Virtuoso the server
    is emptied first so the app starts like one on a fresh embedded store
    (``fresh=False``: a second app on what the module's app holds)."""
    settings = Settings(data_dir=data_dir, **kwargs)  # type: ignore[arg-type]
    if not is_remote():
        return settings
    if fresh:
        wipe()
    return dataclasses.replace(settings, store="sparql", remote=remote_config())
