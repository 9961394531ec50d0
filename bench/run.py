"""ctrlgraph benchmark: load, memory, disk and query latency on a synthetic graph.

Steps (each heavy step runs in its own child process, so memory peaks don't mix):

1. generate the synthetic graph (bench/generate.py) as N-Quads;
2. build an on-disk pyoxigraph store from it, the way a real deployment holds
   it: the shipped reference files through ``ctrlgraph.loader.load_reference``,
   the synthetic N-Quads through ``Store.bulk_load``, then the derive update
   (``queries/derive/coverage.ru``) that precomputes every control's coverage
   of every framework. All three are "load time";
3. time the reference queries in-process, through ``ctrlgraph.catalog`` and
   ``ctrlgraph.reference`` (the code the REST API runs);
4. start the real service on that store (``python -m ctrlgraph serve``) and
   time REST calls over HTTP with httpx;
5. baseline: the same query files through the same catalog code on an rdflib
   ``Dataset`` (union default graph) holding the same quads, at
   ``--rdflib-scale``, against a pyoxigraph on-disk store at that same scale.

Targets are judged at full scale only (``--scale 1``); at smaller scales they
are printed for information and the run exits 0 unless something broke.

Usage::

    python bench/run.py --scale 0.005 --repeat 3 --output bench/out/smoke.md
    python bench/run.py --scale 1 --repeat 5 --rdflib-scale 0.1 --output bench/out/full.md
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402  (bench/generate.py, next to this file)

GiB = 1 << 30
FRAMEWORKS = [generate.framework_id(i) for i in (1, 2, 3)]
POINT_NOTATION = "3.2.1"  # a leaf of every synthetic framework
#: Stop repeating a measurement once its runs have taken this long, and give
#: up on one rdflib call after this long. Smoke-sized runs (--scale < 0.05)
#: use the small values so that they finish well under a minute.
BUDGET_S, SMOKE_BUDGET_S = 90.0, 2.0
RDFLIB_TIMEOUT_S, SMOKE_RDFLIB_TIMEOUT_S = 900.0, 2.0
RDFLIB_MEMORY_GIB = 8.0  # one rdflib query grew past 22 GiB and was OOM-killed without a cap

#: Every control's reach computed from the mappings on each call: what the
#: derived graph precomputes at load time. Informational only.
LIVE_RANKING = """PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?control (COUNT(DISTINCT ?framework) AS ?frameworks) (COUNT(DISTINCT ?requirement) AS ?requirements)
WHERE {
  ?mapping cg:control ?control ; cg:requirement ?requirement ; cg:relationship ?rel .
  FILTER (?rel != cg:noRelationship)
  ?requirement skos:inScheme ?framework .
}
GROUP BY ?control
ORDER BY DESC(?frameworks) DESC(?requirements) ?control
"""

# name -> (label, in the rdflib comparison)
QUERIES: dict[str, tuple[str, bool]] = {
    "point": ("point lookup: one requirement's mappings (requirement_mappings.rq)", True),
    "shared3": ("shared controls across 3 frameworks (catalog.shared_controls)", True),
    "ranking": ("unfiltered ranking of all controls by frameworks served (catalog.controls, precomputed)", True),
    "crosswalk": ("full crosswalk between two frameworks (catalog.crosswalk)", True),
    "requirement": ("requirement detail as /v1/requirements builds it (catalog.requirement)", True),
    "related": ("related requirements, first page and exact total (catalog.related)", True),
    "live_ranking": ("ranking computed from the mappings on each call (no precompute)", True),
    "sparql_readme": ("the README's SPARQL query (controls serving 27001 and 42001), union of graphs", True),
    "sparql_point": ("one requirement's mappings as a SPARQL query, union of graphs", True),
}
#: The README's SPARQL example, read from README.md (the first ``--data-urlencode
#: query='…'`` block), so that what /sparql is measured with is what users copy.
README_QUERY = re.search(
    r"--data-urlencode query='\n(.*?)'\n", (REPO_ROOT / "README.md").read_text(encoding="utf-8"), re.S
)[1]
POINT_QUERY = """PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?control ?strength WHERE {{
  ?m cg:requirement <{requirement}> ; cg:control/skos:notation ?control ; cg:strength ?strength
}} ORDER BY ?control"""


PROPOSED_DIR = BENCH_DIR / "proposed"


def use_proposed_queries() -> None:
    """Make ``ctrlgraph.queries.load`` read bench/proposed/<name>.rq|.ru where
    such a file exists (the rewrites this benchmark proposes), the shipped file
    otherwise. Used by ``--proposed``; the service code is not changed."""
    import functools

    from ctrlgraph import queries

    shipped = queries.load

    @functools.cache
    def load(name: str) -> str:
        for suffix in (".rq", ".ru"):
            path = PROPOSED_DIR / f"{name}{suffix}"
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return shipped(name)

    queries.load = load


def proposed_files() -> list[str]:
    return sorted(p.relative_to(PROPOSED_DIR).as_posix() for p in PROPOSED_DIR.rglob("*.r[qu]"))


# --------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------
def max_rss_bytes() -> int:
    """High-water mark of this process's resident set (Linux: ru_maxrss in KiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def measure(fn: Callable[[], object], repeat: int, *, budget: float, warmup: bool = True) -> dict:
    """Time ``fn``: one warm-up call (not counted) then up to ``repeat`` calls,
    stopping early once the counted calls have used ``budget`` seconds."""
    result = None
    samples: list[float] = []
    if warmup:
        start = time.perf_counter()
        result = fn()
        first = time.perf_counter() - start
        if first > budget:  # too slow to repeat: report the one call
            return {"samples": [first], "result": result, "note": "1 call (slower than the repeat budget)"}
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
        if sum(samples) > budget:
            break
    note = "" if len(samples) == repeat else f"{len(samples)} of {repeat} runs (budget {budget:.0f} s)"
    return {"samples": samples, "result": result, "note": note}


def measure_alongside(fn: Callable[[], object], peer: Callable[[], object], repeat: int, *, budget: float) -> dict:
    """Time ``fn`` and ``peer`` call for call, alternating which goes first,
    so that both see the same machine: on a shared virtual machine the speed
    drifts by ±30 % within minutes (bench/README.md), and a ratio of two
    medians taken minutes apart measures that drift as much as the code.
    One warm-up call each; returns measure()'s dict for ``fn`` with the
    peer's samples under ``peer_samples``."""
    fn()
    peer()
    return measure_in_blocks(fn, peer, repeat, 1, budget=budget, warm_each_block=False, min_blocks=1)


def measure_in_blocks(
    fn: Callable[[], object],
    peer: Callable[[], object],
    blocks: int,
    size: int,
    *,
    budget: float,
    warm_each_block: bool = True,
    min_blocks: int = 3,
) -> dict:
    """Time ``fn`` and ``peer`` each in its steady state: blocks of ``size``
    calls in a row (the first of each block not counted), the two taking
    turns block by block. Timed call for call instead (measure_alongside),
    each call runs just after the other side's, on caches and cores the
    other left behind; on this machine kind that made the README query in
    process 25-30 % slower (4.2 against 3.3 ms) and flattered /sparql's ratio
    (bench/README.md). Blocks of a fraction of a second still see the same
    machine. At least ``min_blocks`` blocks each, then until ``budget``."""
    result = None
    samples: list[float] = []
    peer_samples: list[float] = []
    for block in range(blocks):
        for call, into in (
            ((fn, samples), (peer, peer_samples)) if block % 2 == 0 else ((peer, peer_samples), (fn, samples))
        ):
            if warm_each_block:
                call()
            for _ in range(size):
                start = time.perf_counter()
                answer = call()
                into.append(time.perf_counter() - start)
            if call is fn:
                result = answer
        if block + 1 >= min_blocks and sum(samples) + sum(peer_samples) > budget:
            break
    unit = "blocks" if size > 1 else "runs"
    note = "" if len(samples) == blocks * size else f"{len(samples) // size} of {blocks} {unit} (budget {budget:.0f} s)"
    return {"samples": samples, "peer_samples": peer_samples, "result": result, "note": note}


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile (with 5 runs or fewer: the slowest run)."""
    ordered = sorted(samples)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


def fmt_time(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_bytes(n: float) -> str:
    return f"{n / GiB:.2f} GiB" if n >= GiB / 4 else f"{n / (1 << 20):.0f} MiB"


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------
# the workload, shared by the pyoxigraph and rdflib children
# --------------------------------------------------------------------------
def workload(store: object) -> dict[str, Callable[[], object]]:
    from ctrlgraph import catalog, reference
    from ctrlgraph.iri import requirement_iri
    from ctrlgraph.reference import Rows
    from ctrlgraph.store.base import Iri

    f1, f2, f3 = FRAMEWORKS
    point = Iri(requirement_iri(f1, POINT_NOTATION))
    return {
        "point": lambda: reference.select(store, "requirement_mappings", requirements=Rows([(point, 0)])),
        "shared3": lambda: catalog.shared_controls(store, [f1, f2, f3], 3),
        "ranking": lambda: sorted(catalog.controls(store), key=lambda c: (-c.frameworks, -c.requirements, c.notation)),
        "crosswalk": lambda: catalog.crosswalk(store, f1, f2),
        "requirement": lambda: catalog.requirement(store, f1, POINT_NOTATION),
        "related": lambda: catalog.related(store, f1, POINT_NOTATION),
        "live_ranking": lambda: store.select(LIVE_RANKING, union_default=True),
        # in process, over the union of the reference graphs: what /sparql is compared with
        "sparql_readme": lambda: store.select(README_QUERY, union_default=True),
        "sparql_point": lambda: store.select(
            POINT_QUERY.format(requirement=requirement_iri(f1, POINT_NOTATION)), union_default=True
        ),
    }


def summarize(name: str, result: object) -> tuple[str, str]:
    """A short description of an answer and a digest to compare engines by."""
    if name == "point":
        key = sorted((str(r.get("controlNotation")), int(r["strength"])) for r in result)
        text = f"{len(result)} mappings"
    elif name == "shared3":
        key = [(c.notation, c.framework_count, c.requirement_count) for c in result.controls]
        text = f"{result.count} controls"
    elif name == "ranking":
        key = [(c.notation, c.frameworks, c.requirements) for c in result]
        top = result[0] if result else None
        text = f"{len(result)} controls" + (f", top {top.notation} serves {top.frameworks} frameworks" if top else "")
    elif name == "crosswalk":
        key = [(p.source, p.target, p.relationship, p.strength, len(p.paths)) for p in result.pairs]
        text = f"{result.count} pairs, {sum(len(p.paths) for p in result.pairs)} paths"
    elif name == "requirement":
        key = [len(result.mappings), len(result.harmonized_structure), len(result.parts)]
        text = f"{len(result.mappings)} mappings, {len(result.harmonized_structure)} links"
    elif name == "related":
        key = [result.total, sorted((r.framework, r.notation, r.strength) for r in result.related)]
        text = f"a page of {len(result.related)} of {result.total} related requirements"
    elif name in ("sparql_readme", "sparql_point"):
        key = sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in result)
        text = f"{len(result)} rows"
    elif name == "live_ranking":
        key = sorted((str(r["control"]), int(r["frameworks"]), int(r["requirements"])) for r in result)
        text = f"{len(result)} controls"
    else:  # pragma: no cover
        raise KeyError(name)
    return text, hashlib.sha256(repr(key).encode()).hexdigest()[:16]


def run_workload(store: object, repeat: int, names: list[str], budget: float, call_limit: float | None = None) -> dict:
    """Time each query of the workload; with ``call_limit``, abandon a call
    that runs longer (SIGALRM: only for pure-Python engines such as rdflib)."""
    out = {}
    for name, fn in workload(store).items():
        if name not in names:
            continue
        if call_limit:
            fn = _with_alarm(fn, call_limit)
        try:
            m = measure(fn, repeat, budget=budget, warmup=name != "live_ranking")
        except TimeoutError:
            out[name] = {"timeout": call_limit}
            print(f"  {name}: over {call_limit:.0f} s, abandoned", file=sys.stderr, flush=True)
            continue
        except Exception as exc:
            if not call_limit:  # pyoxigraph: a failing query is a failed benchmark
                raise
            # the baseline engine may not run every query file (reported, not fatal)
            out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            print(f"  {name}: {out[name]['error']}", file=sys.stderr, flush=True)
            continue
        text, digest = summarize(name, m.pop("result"))
        m.update(answer=text, digest=digest)
        out[name] = m
        print(f"  {name}: median {fmt_time(median(m['samples']))} ({text})", file=sys.stderr, flush=True)
    return out


def _with_alarm(fn: Callable[[], object], seconds: float) -> Callable[[], object]:
    def handler(signum, frame):
        raise TimeoutError

    def wrapped() -> object:
        previous = signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return wrapped


# --------------------------------------------------------------------------
# child processes
# --------------------------------------------------------------------------
def child_build(nquads: Path, store_dir: Path, dump: Path | None) -> dict:
    """Build the on-disk store; report load time, peak memory and disk size."""
    import pyoxigraph as ox

    from ctrlgraph.iri import DERIVED_GRAPH
    from ctrlgraph.loader import derive_update, load_reference
    from ctrlgraph.paths import data_root, reference_files
    from ctrlgraph.store import OxigraphStore

    if store_dir.exists():
        shutil.rmtree(store_dir)
    start = time.perf_counter()
    store = OxigraphStore(store_dir)
    # the shipped reference files (the generator already wrote the ontology
    # graphs, with the checksums load_reference records)
    root = data_root()
    written = set(generate.ONTOLOGY_FILES)
    shipped = [p for p in reference_files(root) if p.relative_to(root).as_posix() not in written]
    load_reference(store, files=shipped, root=root)
    t_reference = time.perf_counter()
    store.raw.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    t_bulk = time.perf_counter()
    peak_before_derive = max_rss_bytes()
    store.update(derive_update(store))
    t_derive = time.perf_counter()
    store.optimize()  # as `ctrlgraph load` ends: compaction halves the small look-ups
    t_compact = time.perf_counter()
    store.close()  # flushes
    end = time.perf_counter()
    peak = max_rss_bytes()

    reopen_start = time.perf_counter()
    store = OxigraphStore(store_dir)
    reopen = time.perf_counter() - reopen_start
    quads = len(store.raw)
    derived = sum(1 for _ in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED_GRAPH)))
    if dump:
        store.raw.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    store.close()
    return {
        "load_s": end - start,
        "reference_s": t_reference - start,
        "bulk_s": t_bulk - t_reference,
        "derive_s": t_derive - t_bulk,
        "compact_s": t_compact - t_derive,
        "flush_s": end - t_compact,
        "reopen_s": reopen,
        "peak_rss": peak,
        "peak_rss_before_derive": peak_before_derive,
        "disk_bytes": dir_size(store_dir),
        "quads": quads,
        "derived_quads": derived,
    }


def child_query(store_dir: Path, repeat: int, names: list[str], budget: float) -> dict:
    from ctrlgraph.store import OxigraphStore

    # read-write open: nothing else holds the store now (and OxigraphStore.close()
    # fails on a read-only store: it flushes and catches only OSError)
    store = OxigraphStore(store_dir)
    try:
        return {"queries": run_workload(store, repeat, names, budget), "peak_rss": max_rss_bytes()}
    finally:
        store.close()


class RdflibStore:
    """Just enough of ctrlgraph's GraphStore for the catalog code, over an
    rdflib Dataset whose default graph is the union of its graphs."""

    def __init__(self, dataset: object) -> None:
        self.dataset = dataset

    def select(self, query: str, *, default_graphs=None, named_graphs=None, union_default: bool = False) -> list:
        from rdflib import BNode, Literal

        from ctrlgraph.store.base import literal_value

        result = self.dataset.query(query)
        names = [str(v) for v in result.vars]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                term = solution[name]
                if term is None:
                    continue
                if isinstance(term, Literal):
                    row[name] = literal_value(str(term), str(term.datatype) if term.datatype else None)
                elif isinstance(term, BNode):
                    row[name] = "_:" + str(term)
                else:
                    row[name] = str(term)
            rows.append(row)
        return rows

    def close(self) -> None:
        pass


def child_rdflib(
    nquads: Path, repeat: int, names: list[str], budget: float, timeout: float, memory: float | None = None
) -> dict:
    from rdflib import Dataset

    if memory:
        # a query that blows up in rdflib then fails with MemoryError here (and is
        # reported) instead of waking the kernel's OOM killer on a shared machine
        limit = int(memory * GiB)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(nquads), format="nquads")
    load = time.perf_counter() - start
    print(f"  rdflib parsed {len(dataset):,} quads in {load:.1f} s", file=sys.stderr, flush=True)
    queries = run_workload(RdflibStore(dataset), repeat, names, budget, call_limit=timeout)
    return {"load_s": load, "peak_rss": max_rss_bytes(), "queries": queries}


def run_child(args: list[str], workdir: Path, label: str) -> dict:
    """Run this script as a child process; it writes its answer as JSON."""
    result = workdir / f"{label}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--result", str(result)]
    print(f"[{label}] {' '.join(args[:1])} …", file=sys.stderr, flush=True)
    completed = subprocess.run(cmd, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{label}: child process failed with exit code {completed.returncode}")
    return json.loads(result.read_text())


def child_main(argv: list[str]) -> int:
    if argv[0] == "_serve":  # python run.py _serve [--proposed] -- <ctrlgraph serve arguments>
        split = argv.index("--")
        if "--proposed" in argv[1:split]:
            use_proposed_queries()
        from ctrlgraph.cli import main as ctrlgraph_main

        sys.argv = ["ctrlgraph", *argv[split + 1 :]]
        ctrlgraph_main()
        return 0
    parser = argparse.ArgumentParser(prog="run.py (child)")
    parser.add_argument("task", choices=["_build", "_query", "_rdflib"])
    parser.add_argument("--proposed", action="store_true")
    parser.add_argument("path", type=Path)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--budget", type=float, default=BUDGET_S)
    parser.add_argument("--timeout", type=float, default=RDFLIB_TIMEOUT_S)
    parser.add_argument("--memory", type=float, help="GiB of address space the rdflib child may use")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.proposed:
        use_proposed_queries()
    names = args.queries.split(",")
    if args.task == "_build":
        out = child_build(args.path, args.store, args.dump)
    elif args.task == "_query":
        out = child_query(args.path, args.repeat, names, args.budget)
    else:
        out = child_rdflib(args.path, args.repeat, names, args.budget, args.timeout, args.memory)
    args.result.write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: Path
    store_dir: Path | None = None
    start_s: float = 0.0
    checks_s: float = 0.0
    extra: dict = field(default_factory=dict)

    def vm_hwm(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    store_dir: Path, workdir: Path, timeout: float = 1800, proposed: bool = False, log_name: str = "server.log"
) -> Server:
    port = free_port()
    log = workdir / log_name
    serve = ["serve", "--data-dir", str(store_dir), "--port", str(port)]
    if proposed:  # the real CLI, with the proposed query files patched in
        cmd = [sys.executable, str(Path(__file__).resolve()), "_serve", "--proposed", "--", *serve]
    else:
        cmd = [sys.executable, "-m", "ctrlgraph", *serve]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CTRLGRAPH_ADMIN_KEY": BENCH_ADMIN_KEY}
    start = time.perf_counter()
    with log.open("wb") as handle:
        process = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
    return wait_until_healthy(Server(process, f"http://127.0.0.1:{port}", log, store_dir), start, timeout)


def wait_until_healthy(server: Server, start: float, timeout: float) -> Server:
    """Poll /healthz until the store is loaded; record how long start took."""
    import httpx

    while time.perf_counter() < start + timeout:
        if server.process.poll() is not None:
            log_text = server.log.read_text()[-3000:]
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{log_text}")
        try:
            response = httpx.get(server.base + "/healthz", timeout=5)
            if response.status_code == 200 and response.json().get("status") == "ok":
                if not server.start_s:
                    server.start_s = time.perf_counter() - start
                # The start-up integrity check runs beside the first requests (a worker
                # process): measure the steady state, after it, and say how long it took.
                if response.json().get("checks", "done") == "done":
                    server.checks_s = time.perf_counter() - start
                    return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not become healthy within {timeout:.0f} s")


BENCH_ADMIN_KEY = "cgk_0123456789abcdef_bench-admin-key-not-secret-0001"
EVIDENCE = REPO_ROOT / "tests" / "fixtures" / "evidence" / "minimal.ttl"


def bench_org(client: object) -> str:
    """Create organization "bench" with its evidence; returns its key."""
    admin = {"Authorization": f"Bearer {BENCH_ADMIN_KEY}"}
    response = client.post("/v1/orgs", json={"id": "bench", "name": "Bench"}, headers=admin)  # type: ignore[attr-defined]
    if response.status_code != 201:
        raise RuntimeError(f"POST /v1/orgs: {response.status_code} {response.text[:300]}")
    key = client.post("/v1/orgs/bench/keys", json={"scopes": ["read", "write"]}, headers=admin).json()["key"]  # type: ignore[attr-defined]
    body = EVIDENCE.read_bytes().replace(b"/org/beta/", b"/org/bench/")
    response = client.put(  # type: ignore[attr-defined]
        "/v1/orgs/bench/evidence",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/turtle"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"PUT evidence: {response.status_code} {response.text[:300]}")
    return key


#: /sparql calls are cheap and their ratio is the target: more of them, so that
#: the median spans the seconds-long spells in which this shared machine runs
#: one process at 2/3 of the other's speed (bench/README.md).
SPARQL_REPEAT = 61
#: The judged /sparql figures: 15 blocks of 20 calls each side (measure_in_blocks).
SPARQL_BLOCKS = 15
SPARQL_BLOCK_SIZE = 20


class SparqlConnection:
    """A SPARQL client as lean as the protocol allows, as Jena's or curl's:
    one kept-alive HTTP/1.1 connection (stdlib ``http.client``), the query
    as a form POST, gzip accepted. ``/sparql`` is judged against in process
    through this rather than httpx, whose own work (encoding, its transport
    layers, decoding) adds about 1 ms per call on this machine kind: the
    client's cost, not the endpoint's. The httpx figures are reported beside
    it (bench/README.md)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)

    def query(self, query: str, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            response = self._post(query, headers)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closed the kept-alive connection after its idle timeout
            # (uvicorn: 5 s): open a new one, as every HTTP/1.1 client does
            self.connection.close()
            response = self._post(query, headers)
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, body

    def _post(self, query: str, headers: dict[str, str]) -> http.client.HTTPResponse:
        self.connection.request(
            "POST",
            "/sparql",
            body=urlencode({"query": query}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
                "Accept-Encoding": "gzip",
                **headers,
            },
        )
        return self.connection.getresponse()

    def close(self) -> None:
        self.connection.close()


def sparql_workload(
    client: object,
    in_process: object | None,
    queries: list[tuple[str, str]],
    repeat: int,
    budget: float,
    served: Path | None = None,
) -> dict:
    """Time each query through POST /sparql, anonymous and with an
    organization key (organization "bench", created here), through a lean
    client (:class:`SparqlConnection`); with ``in_process`` (a store holding
    the served data), against the same query run in process over the union
    of its graphs: in blocks (judged), and for information call for call,
    through the lean client and through httpx.

    Then what the ratio is made of (:func:`sparql_costs`): with ``served``
    (the server's store folder, which holds the organization's view), the
    first query in process on the organization's dataset against the
    reference store's; the endpoint's fixed cost per call; this machine's
    cost of waking an idle process."""
    key = bench_org(client)
    lean = SparqlConnection(str(client.base_url))  # type: ignore[attr-defined]
    out = {}
    try:
        for name, query in queries:
            for suffix, headers in (("", {}), ("_org", {"Authorization": f"Bearer {key}"})):

                def sparql(q: str = query, h: dict = headers) -> bytes:
                    status, body = lean.query(q, h)
                    if status != 200:
                        raise RuntimeError(f"POST /sparql: {status} {body[:500]!r}")
                    return body

                def sparql_httpx(q: str = query, h: dict = headers) -> bytes:
                    response = client.post(  # type: ignore[attr-defined]
                        "/sparql", data={"query": q}, headers={**h, "Accept": "application/sparql-results+json"}
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"POST /sparql (httpx): {response.status_code} {response.text[:500]}")
                    return response.content

                def local(q: str = query) -> object:
                    return in_process.select(q, union_default=True)  # type: ignore[attr-defined]

                # judged: each side in its steady state (blocks); for information, call for call, and httpx
                for label, call, how in (
                    (name + suffix, sparql, "blocks"),
                    (name + suffix + "_alternating", sparql, "alongside"),
                    (name + suffix + "_httpx", sparql_httpx, "alongside"),
                ):
                    if in_process is None:
                        if how != "blocks":
                            continue
                        m = measure(call, repeat, budget=budget)
                    elif how == "blocks":
                        m = measure_in_blocks(call, local, SPARQL_BLOCKS, SPARQL_BLOCK_SIZE, budget=budget)
                    else:
                        m = measure_alongside(call, local, max(repeat, SPARQL_REPEAT), budget=budget)
                    body = m.pop("result")
                    m["bytes"] = len(body)
                    m["rows"] = len(json.loads(body)["results"]["bindings"])
                    out[label] = m
                    print(f"  {label}: median {fmt_time(median(m['samples']))}", file=sys.stderr, flush=True)
        if in_process is not None:
            out.update(sparql_costs(lean, in_process, queries[0][1], served, budget))
    finally:
        lean.close()
    return out


#: The organization the bench creates (bench_org); its view's folder name starts so.
BENCH_VIEW_PREFIX = "bench@"


def sparql_costs(lean: SparqlConnection, in_process: object, query: str, served: Path | None, budget: float) -> dict:
    """The parts of /sparql's ratio to in process, each measured on its own:

    * ``isolation``: the query in process on the dataset an organization key
      reads (its view: a checkpoint of the reference store plus its two
      graphs) against the reference store, in blocks. This is what isolating
      tenants costs the query itself (issue #13 measured 219 against 17 ms
      with the graph list /sparql used to pass);
    * ``sparql_ask``: ``ASK {}`` through /sparql, anonymous: what a call costs
      apart from its query (HTTP, the endpoint, the hop to the query worker
      process and back), in blocks beside the query in process;
    * ``wake``: a pipe round trip to another process, back to back and after
      that process idled 4 ms, as a query's wait makes it: this machine's
      price for each process a request passes through."""
    import pyoxigraph

    out: dict = {}
    reference = in_process.raw  # type: ignore[attr-defined]

    def on(store: pyoxigraph.Store) -> Callable[[], object]:
        return lambda: list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]

    def ask() -> bytes:
        status, body = lean.query("ASK {}", {})
        if status != 200:
            raise RuntimeError(f"POST /sparql ASK {{}}: {status} {body[:300]!r}")
        return body

    def local() -> object:  # as the judged rows run it
        return in_process.select(query, union_default=True)  # type: ignore[attr-defined]

    m = measure_in_blocks(ask, local, SPARQL_BLOCKS, SPARQL_BLOCK_SIZE, budget=budget)
    m.pop("result")
    out["sparql_ask"] = m
    if served is not None:
        from ctrlgraph.store.oxigraph import VIEW_DIR

        views = sorted((served / VIEW_DIR).glob(BENCH_VIEW_PREFIX + "*"))
        if not views:
            raise RuntimeError(f"no view of organization 'bench' in {served / VIEW_DIR} after its /sparql calls")
        view = pyoxigraph.Store.read_only(str(views[-1]))
        try:
            m = measure_in_blocks(on(view), on(reference), 2 * SPARQL_BLOCKS, SPARQL_BLOCK_SIZE, budget=budget)
            m.pop("result")
            out["isolation"] = m
        finally:
            del view  # closes it (the server's query workers keep their own handle)

    out["wake"] = idle_round_trip()
    for key in ("isolation", "sparql_ask"):
        if key in out:
            m = out[key]
            print(
                f"  {key}: median {fmt_time(median(m['samples']))} (in process: {fmt_time(median(m['peer_samples']))})",
                file=sys.stderr,
                flush=True,
            )
    return out


def _echo(conn: object) -> None:  # pragma: no cover - runs in a child process
    while message := conn.recv_bytes():  # type: ignore[attr-defined]
        conn.send_bytes(message)  # type: ignore[attr-defined]


def idle_round_trip(calls: int = 200, idle: float = 0.004) -> dict:
    """Median pipe round trip (seconds) to a spawned process: back to back,
    and after this process slept ``idle`` seconds (both idle, as client,
    server and query worker are while a query runs elsewhere)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(target=_echo, args=(there,), daemon=True)
    child.start()
    samples: dict[str, list[float]] = {"busy": [], "idle": []}
    try:
        for turn in range(calls):
            kind = "idle" if turn % 2 else "busy"
            if kind == "idle":
                time.sleep(idle)
            start = time.perf_counter()
            here.send_bytes(b"x")
            here.recv_bytes()
            samples[kind].append(time.perf_counter() - start)
    finally:
        here.send_bytes(b"")
        child.join(timeout=10)
    return {kind: median(values) for kind, values in samples.items()}


def shipped_sparql(workdir: Path, repeat: int, budget: float) -> dict:
    """The README's query at the shipped scale: a store holding the shipped
    reference files only, served, /sparql timed call for call beside the
    query in process on a checkpoint of it (the 1.5x target holds at this
    scale too, where the query is short and the HTTP hop weighs most)."""
    import httpx
    import pyoxigraph

    from ctrlgraph.loader import load_reference
    from ctrlgraph.store import OxigraphStore

    store_dir = workdir / "shipped-store"
    store = OxigraphStore(store_dir)
    load_reference(store)
    store.flush()
    quads = len(store.raw)
    store.close()
    alongside = workdir / "shipped-alongside"
    pyoxigraph.Store(str(store_dir)).backup(str(alongside))
    server = start_server(store_dir, workdir, log_name="shipped-server.log")
    in_process = OxigraphStore(alongside)
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            out = sparql_workload(
                client, in_process, [("http_sparql_readme", README_QUERY)], repeat, budget, served=store_dir
            )
    finally:
        in_process.close()
        server.stop()
    return {"quads": quads, **out}


def http_workload(server: Server, repeat: int, budget: float, alongside: Path | None = None) -> dict:
    """Time REST calls. The service caches reference answers (keyed by the
    reference graph's version), so each call is timed twice: uncached, with a
    parameter the API ignores but the cache key includes (``_bench=<n>``), so
    every call is a miss; and cached, the same URL again and again.

    ``alongside`` is a checkpoint of the served store (the same data): each
    /sparql call is timed call for call with the same query run in process on
    it, the union of its graphs, which is what the 1.5x target compares."""
    import httpx

    from ctrlgraph.store import OxigraphStore

    in_process = OxigraphStore(alongside) if alongside is not None else None

    f1, f2, f3 = FRAMEWORKS
    calls = {
        "http_shared3": ("/v1/shared-controls", [("framework", f1), ("framework", f2), ("framework", f3)]),
        "http_requirement": ("/v1/requirements", [("framework", f1), ("notation", POINT_NOTATION)]),
        "http_related": ("/v1/requirements/related", [("framework", f1), ("notation", POINT_NOTATION)]),
        "http_controls": ("/v1/controls", []),
        "http_crosswalk": ("/v1/crosswalk", [("source", f1), ("target", f2)]),
    }
    out = {}
    counter = iter(range(1, 1 << 30))
    with httpx.Client(base_url=server.base, timeout=1800) as client:

        def call(path: str, params: list, *, cached: bool) -> httpx.Response:
            if not cached:
                params = [*params, ("_bench", str(next(counter)))]
            response = client.get(path, params=params)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text[:500]}")
            hit = response.headers.get("x-cache") == "hit"
            if hit and not cached:
                raise RuntimeError(f"GET {path} {params} was answered from the cache")
            response.extensions["bench_hit"] = hit
            return response

        # /sparql is never cached: each call runs the query (in a query worker
        # process, on the reference store or on the organization's view).
        from ctrlgraph.iri import requirement_iri

        point_query = POINT_QUERY.format(requirement=requirement_iri(f1, POINT_NOTATION))
        sparql_queries = [("http_sparql_readme", README_QUERY), ("http_sparql_point", point_query)]
        out.update(sparql_workload(client, in_process, sparql_queries, repeat, budget, served=server.store_dir))
        if in_process is not None:
            in_process.close()

        for name, (path, params) in calls.items():
            for cached in (False, True):
                m = measure(lambda p=path, q=params, c=cached: call(p, q, cached=c), repeat, budget=budget)
                response = m.pop("result")
                m["bytes"] = len(response.content)
                m["hit"] = response.extensions.get("bench_hit", False)
                key = name + ("_cached" if cached else "")
                out[key] = m
                print(
                    f"  {key}: median {fmt_time(median(m['samples']))}" + (" (x-cache: hit)" if m["hit"] else ""),
                    file=sys.stderr,
                    flush=True,
                )
    return out


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------
@dataclass
class Row:
    what: str
    value: str
    target: str = "–"
    result: str = "info"


def judge(ok: bool, full: bool) -> str:
    if not full:
        return "info (judged at full scale)"
    return "pass" if ok else "**FAIL**"


def latency(m: dict) -> str:
    if "error" in m:
        return f"error: {m['error']}"
    if "timeout" in m:
        return f"> {m['timeout']:.0f} s (abandoned)"
    s = m["samples"]
    text = f"{fmt_time(median(s))} / {fmt_time(p95(s))}"
    return text + (f" ({m['note']})" if m.get("note") else "")


def queries_digest() -> str:
    """SHA-256 over the reference query files this benchmark runs (queries/*.rq
    and queries/derive/*.ru): shows whether they changed during the run."""
    from ctrlgraph.paths import QUERIES_DIR

    digest = hashlib.sha256()
    for path in sorted([*QUERIES_DIR.glob("*.rq"), *QUERIES_DIR.glob("derive/*.ru")]):
        digest.update(path.relative_to(QUERIES_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def git_revision() -> str:
    """The checked-out commit and whether the service code differs from it (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "service", "ontology", "mappings"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {head}" + (" with uncommitted changes in service/, ontology/ or mappings/" if dirty else "")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    import pyoxigraph
    import rdflib

    return (
        f"{os.cpu_count()} cores ({cpu}), {mem / GiB:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}"
    )


def table(rows: list[Row], header: tuple[str, ...] = ("what", "value", "target", "result")) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [r.what, r.value, r.target, r.result] if isinstance(r, Row) else list(r)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def report(args: argparse.Namespace, ctx: dict) -> tuple[str, list[str]]:
    full = args.scale >= 1.0
    size = ctx["size"]
    build = ctx["build"]
    q = ctx["queries"]
    h = ctx["http"]
    missed: list[str] = []

    def check(ok: bool, what: str) -> str:
        verdict = judge(ok, full)
        if full and not ok:
            missed.append(what)
        return verdict

    out = [
        f"# ctrlgraph benchmark — scale {args.scale:g}" + (" — proposed query files" if args.proposed else ""),
        "",
        *(
            [
                "**Run with the rewrites in bench/proposed/ in place of the shipped query files** ("
                + ", ".join(proposed_files())
                + "); everything else is the shipped service.",
                "",
            ]
            if args.proposed
            else []
        ),
        f"{ctx['date']} · {ctx['machine']}",
        "",
        f"Load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in ctx['load_before'])}, "
        f"at end {'/'.join(f'{x:.2f}' for x in ctx['load_after'])} — other work on the machine shows up "
        "in the latencies.",
        "",
        f"Code: {ctx['revision']}; reference query files digest {ctx['queries_before']}"
        + (
            f" at start, **{ctx['queries_after']} at end (the query files changed during the run)**"
            if ctx["queries_after"] != ctx["queries_before"]
            else " (unchanged during the run)"
        )
        + f". Budget: repeating stops after {args.budget:g} s of timed runs per measurement"
        + (f"; one rdflib call is abandoned after {args.rdflib_timeout:g} s." if not args.skip_rdflib else "."),
        "",
        f"Synthetic graph: {size.frameworks} frameworks × 200 requirements ({size.requirements:,}), "
        f"{size.controls:,} controls, {ctx['gen']['mappings']:,} mappings — {ctx['gen']['quads']:,} quads generated; "
        f"{build['quads']:,} quads in the store after load (with the shipped reference files and "
        f"{build['derived_quads']:,} derived quads). Latency = median / p95 of {args.repeat} runs after one warm-up "
        "(p95 is the slowest run when there are 20 runs or fewer).",
        "",
        "## Load (on-disk pyoxigraph store)",
        "",
    ]
    rows = [
        Row("generate the N-Quads file (not part of load)", f"{fmt_time(ctx['gen_s'])}, {fmt_bytes(ctx['nq_bytes'])}"),
        Row(
            "load: shipped reference files + bulk_load + derive + compaction + flush",
            f"{fmt_time(build['load_s'])} (reference files {fmt_time(build['reference_s'])}, bulk_load "
            f"{fmt_time(build['bulk_s'])}, derive {fmt_time(build['derive_s'])}, compaction "
            f"{fmt_time(build.get('compact_s', 0.0))}, flush {fmt_time(build['flush_s'])})",
            "≤ 90 s",
            check(build["load_s"] <= 90, f"load {fmt_time(build['load_s'])} > 90 s"),
        ),
        Row(
            "peak memory of the load process (RSS high-water mark)",
            f"{fmt_bytes(build['peak_rss'])} ({fmt_bytes(build['peak_rss_before_derive'])} before the derive update)"
            if "peak_rss_before_derive" in build
            else fmt_bytes(build["peak_rss"]),
            "≤ 4 GiB",
            check(build["peak_rss"] <= 4 * GiB, f"peak memory {fmt_bytes(build['peak_rss'])} > 4 GiB"),
        ),
        Row("store size on disk", fmt_bytes(build["disk_bytes"])),
        Row("reopen the store", fmt_time(build["reopen_s"])),
        Row("server start on the built store, until /healthz is ok", fmt_time(ctx["server_start_s"])),
        Row(
            "the same, until the start-up integrity check is done (latencies are measured after it)",
            fmt_time(ctx.get("server_checks_s", ctx["server_start_s"])),
        ),
    ]
    if ctx.get("server_hwm"):
        rows.append(Row("server process RSS high-water mark after the HTTP runs", fmt_bytes(ctx["server_hwm"])))
    out += [table(rows), "", "## Latency (median / p95)", ""]

    def qrow(name: str, target: str = "–", ok: bool | None = None, what: str | None = None) -> Row:
        m = q[name]
        label = QUERIES[name][0] + ", in-process"
        value = latency(m) + (f"; {m['answer']}" if "answer" in m else "")
        verdict = "info" if ok is None else check(ok, what or label)
        return Row(label, value, target, verdict)

    def hrow(name: str, label: str, target: str = "–", limit: float | None = None) -> Row:
        m = h[name]
        value = latency(m) + f"; {m['bytes']:,} bytes"
        if limit is None:
            return Row(label, value, target)
        med = median(m["samples"])
        return Row(label, value, target, check(med <= limit, f"{label}: median {fmt_time(med)}, target {target}"))

    def cached_value(name: str) -> str:
        m = h[name + "_cached"]
        if not m.get("hit"):
            return latency(m) + " (not served from the cache)"
        return latency(m)

    rows = [
        qrow("point"),
        hrow("http_requirement", "point lookup over HTTP: GET /v1/requirements, uncached", "≤ 5 ms", 0.005),
        Row("point lookup over HTTP: GET /v1/requirements, cached (x-cache: hit)", cached_value("http_requirement")),
        hrow(
            "http_related",
            "related requirements over HTTP, first page of 100 and exact total: GET /v1/requirements/related, uncached",
            "≤ 100 ms",
            0.1,
        ),
        Row("related requirements over HTTP, cached (x-cache: hit)", cached_value("http_related")),
        qrow("shared3"),
        hrow(
            "http_shared3",
            "shared controls, 3 frameworks, over HTTP: GET /v1/shared-controls, uncached",
            "≤ 100 ms",
            0.1,
        ),
        Row("shared controls over HTTP, cached (x-cache: hit)", cached_value("http_shared3")),
        qrow(
            "ranking",
            "≤ 1 s",
            median(q["ranking"]["samples"]) <= 1.0,
            f"unfiltered ranking: median {fmt_time(median(q['ranking']['samples']))} > 1 s",
        ),
        hrow("http_controls", "unfiltered ranking over HTTP: GET /v1/controls, uncached"),
        Row("unfiltered ranking over HTTP, cached (x-cache: hit)", cached_value("http_controls")),
        qrow("live_ranking"),
        qrow("crosswalk"),
        hrow("http_crosswalk", "crosswalk over HTTP: GET /v1/crosswalk, uncached"),
        Row("crosswalk over HTTP, cached (x-cache: hit)", cached_value("http_crosswalk")),
        qrow("requirement"),
        qrow("related"),
    ]
    out += [table(rows), ""]

    # /sparql against the same query in process over the union of the reference graphs.
    out += [
        "## /sparql against in-process union time",
        "",
        "The same query through `POST /sparql` (JSON results, a query worker process; anonymous, and with an "
        "organization key, whose dataset adds that organization's evidence and validation graphs) and in process "
        "(`store.select(..., union_default=True)`, the union of the reference graphs, on a checkpoint of the "
        "served store), each in its steady state: blocks of 20 calls in a row, the two taking turns block by "
        "block, so that both see the same machine. /sparql is called as a lean SPARQL client calls it (one "
        "kept-alive HTTP/1.1 connection, stdlib http.client, gzip accepted). For information: the same timed call "
        "for call (each call right after the other side's, which slows the query in process more than /sparql), "
        "and through httpx (whose own work adds about 1 ms per call). Target: /sparql within 1.5× of in process.",
        "",
    ]

    def against_in_process(m: dict, base: dict) -> tuple[float, str]:
        """/sparql's samples against the in-process ones: the ratio of the medians, and the cell showing both."""
        ratio = median(m["samples"]) / median(base["samples"])
        return ratio, f"{latency(m)} vs {latency(base)}: {ratio:.2f}×"

    def information_rows(results: dict, key: str, label: str) -> list[Row]:
        """For information: the same calls timed call for call with the query in process (which
        flatters /sparql), and through httpx (whose own cost is the client's)."""
        rows = []
        for suffix, how in (("_alternating", "call for call"), ("_httpx", "through httpx, call for call")):
            m = results.get(key + suffix)
            if m and m.get("peer_samples"):
                rows.append(
                    Row(f"{label}, {how}", against_in_process(m, {"samples": m["peer_samples"]})[1], "–", "info")
                )
        return rows

    rows = []
    for name, http_name in (("sparql_readme", "http_sparql_readme"), ("sparql_point", "http_sparql_point")):
        for suffix, who in (("", "anonymous"), ("_org", "organization key")):
            m = h[http_name + suffix]
            # in process: timed call for call beside /sparql when it was (same machine state), else the query phase
            base = {"samples": m["peer_samples"]} if m.get("peer_samples") else q[name]
            ratio, value = against_in_process(m, base)
            label = f"{QUERIES[name][0].split(',')[0]}: /sparql, {who} ({m['rows']} rows) vs in process"
            if name == "sparql_readme":  # the target is for the README's query
                rows.append(Row(label, value, "≤ 1.5×", check(ratio <= 1.5, f"/sparql {who}: {ratio:.2f}× in process")))
            else:  # a sub-millisecond query: the HTTP hop and the worker process dominate
                rows.append(Row(label, value, "–", "info"))
            rows += information_rows(h, http_name + suffix, label)
    shipped = ctx.get("shipped_http")
    if shipped:  # the same target on a store of the shipped reference files only
        for suffix, who in (("", "anonymous"), ("_org", "organization key")):
            m = shipped["http_sparql_readme" + suffix]
            ratio, value = against_in_process(m, {"samples": m["peer_samples"]})
            label = (
                f"README query at the shipped scale ({shipped['quads']:,} quads): /sparql, {who}"
                f" ({m['rows']} rows) vs in process"
            )
            rows.append(Row(label, value, "≤ 1.5×", check(ratio <= 1.5, f"/sparql shipped scale, {who}: {ratio:.2f}×")))
            rows += information_rows(shipped, "http_sparql_readme" + suffix, label)
    out += [table(rows), ""]

    out += [
        "What the ratio is made of, each part measured on its own in the same run: what isolating an "
        "organization costs the query itself (the README query in process on the dataset an organization key "
        "reads, its view, against the reference store; bound ≤ 1.2×, where the graph list /sparql used to pass "
        "cost 12.9×, 219 against 17 ms); what a /sparql call costs apart from its query (`ASK {}`, anonymous, "
        "in blocks beside the README query in process; that cost added to the query in process is the ratio "
        "/sparql would show if nothing else differed); and this machine's price for waking an idle process, "
        "which a /sparql call does four times (client, server, query worker, server) and a query in process "
        "never. The query worker is a process so that a query past its time limit can be killed "
        '(pyoxigraph cannot cancel a query; bench/README.md, "Decision").',
        "",
    ]
    rows = []
    for scale_label, results in ((f"scale {args.scale:g}", h), ("shipped scale", shipped or {})):
        m = results.get("isolation")
        if m:
            ratio, value = against_in_process(m, {"samples": m["peer_samples"]})
            rows.append(
                Row(
                    f"{scale_label}: README query in process on an organization's view vs the reference store",
                    value,
                    "≤ 1.2×",
                    check(ratio <= 1.2, f"isolation cost, {scale_label}: {ratio:.2f}×"),
                )
            )
        m = results.get("sparql_ask")
        if m:
            fixed, query = median(m["samples"]), median(m["peer_samples"])
            rows.append(
                Row(
                    f"{scale_label}: what a /sparql call costs apart from its query (`ASK {{}}`, anonymous)",
                    f"{latency(m)}; README query in process {fmt_time(query)}, the two together "
                    f"{(query + fixed) / query:.2f}× the query",
                    "–",
                    "info",
                )
            )
        wake = results.get("wake")
        if wake:
            rows.append(
                Row(
                    f"{scale_label}: this machine, a pipe round trip to another process",
                    f"{fmt_time(wake['busy'])} back to back, {fmt_time(wake['idle'])} after 4 ms idle",
                    "–",
                    "info",
                )
            )
    if rows:
        out += [table(rows), ""]

    if ctx.get("baseline"):
        base = ctx["baseline"]
        ox_q, rd = base["oxigraph"], base["rdflib"]
        out += [
            f"## Baseline: rdflib vs pyoxigraph at the same scale ({base['scale']:g}: "
            f"{base['size'].frameworks} frameworks, {base['quads']:,} quads)",
            "",
            "The same query files through the same catalog code; rdflib holds the same quads "
            "(a dump of the pyoxigraph store, derived graph included) in an in-memory `Dataset` "
            "whose default graph is the union of its graphs. pyoxigraph is the on-disk store.",
            "",
        ]
        rows = [
            (
                "load",
                fmt_time(rd["load_s"]) + " (parse N-Quads)",
                fmt_time(base["build"]["load_s"]) + " (reference files + bulk_load + derive)",
                f"{rd['load_s'] / base['build']['load_s']:.1f}×",
                "–",
                "info",
            ),
            (
                "peak memory",
                fmt_bytes(rd["peak_rss"]),
                fmt_bytes(base["build"]["peak_rss"]),
                f"{rd['peak_rss'] / base['build']['peak_rss']:.1f}×",
                "–",
                "info",
            ),
        ]
        for name, (label, compared) in QUERIES.items():
            if not compared or name not in rd["queries"] or name not in ox_q:
                continue
            r, o = rd["queries"][name], ox_q[name]
            o_med = median(o["samples"])
            if "error" in r:
                rows.append(
                    (
                        label,
                        latency(r),
                        latency(o),
                        "not measurable",
                        "≥ 50×" if name == "shared3" else "–",
                        "not judged: rdflib gave no answer" if name == "shared3" else "info",
                    )
                )
                continue
            if "timeout" in r:
                ratio_value, ratio_text = r["timeout"] / o_med, f"> {r['timeout'] / o_med:,.0f}×"
            else:
                ratio_value = median(r["samples"]) / o_med
                ratio_text = f"{ratio_value:,.0f}×" if ratio_value >= 10 else f"{ratio_value:.1f}×"
            same = "timeout" not in r and r["digest"] == o["digest"]
            if name == "shared3":
                target, verdict = (
                    "≥ 50×",
                    check(ratio_value >= 50, f"rdflib/oxigraph on shared controls {ratio_text} < 50×"),
                )
            else:
                target, verdict = "–", "info"
            if "timeout" not in r and not same:
                verdict += " (answers differ!)"
            rows.append((label, latency(r), latency(o), ratio_text, target, verdict))
        out += [table(rows, ("query", "rdflib (median / p95)", "pyoxigraph (median / p95)", "rdflib / oxigraph",
                             "target", "result")), ""]  # fmt: skip
        mismatches = [
            n
            for n in rd["queries"]
            if "digest" in rd["queries"][n] and rd["queries"][n]["digest"] != ox_q.get(n, {}).get("digest")
        ]
        if mismatches:
            out += [f"**Warning:** rdflib and pyoxigraph gave different answers to: {', '.join(mismatches)}.", ""]
        else:
            out += ["rdflib and pyoxigraph gave identical answers to every query compared.", ""]

    if not full:
        out += ["Targets are judged at full scale only (`--scale 1`); at this scale they are for information.", ""]
    elif missed:
        out += ["Targets missed: " + "; ".join(missed) + ".", ""]
    else:
        out += ["Every target met.", ""]
    return "\n".join(out), missed


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
def build_at(scale: float, workdir: Path, label: str, seed: int, dump: bool = False, proposed: bool = False) -> dict:
    nq = workdir / f"{label}.nq"
    start = time.perf_counter()
    from ctrlgraph.paths import data_root

    gen = generate.generate(nq, scale, seed=seed, root=data_root())
    gen_s = time.perf_counter() - start
    print(f"[{label}] generated {gen['quads']:,} quads in {gen_s:.1f} s", file=sys.stderr, flush=True)
    store = workdir / f"{label}-store"
    args = ["_build", str(nq), "--store", str(store), *(["--proposed"] if proposed else [])]
    dump_path = workdir / f"{label}-dump.nq"
    if dump:
        args += ["--dump", str(dump_path)]
    build = run_child(args, workdir, f"{label}-build")
    print(
        f"[{label}] loaded in {build['load_s']:.1f} s, peak {fmt_bytes(build['peak_rss'])}, "
        f"{fmt_bytes(build['disk_bytes'])} on disk",
        file=sys.stderr,
        flush=True,
    )
    nq_bytes = nq.stat().st_size
    nq.unlink()
    return {
        "gen": gen,
        "gen_s": gen_s,
        "nq_bytes": nq_bytes,
        "store": store,
        "build": build,
        "dump": dump_path if dump else None,
        "size": generate.sizes(scale),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        return child_main(argv)
    parser = argparse.ArgumentParser(description="ctrlgraph benchmark (see bench/README.md)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full scale (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--output", type=Path, help="write the Markdown report here too")
    parser.add_argument(
        "--rdflib-scale",
        type=float,
        default=0.1,
        help="scale of the rdflib baseline (default 0.1; capped at --scale)",
    )
    parser.add_argument("--skip-rdflib", action="store_true", help="no rdflib baseline")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, help="where the temporary stores go (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stores and files")
    parser.add_argument("--strict", action="store_true", help="exit 3 when a full-scale target is missed")
    parser.add_argument(
        "--proposed",
        action="store_true",
        help="run with the query rewrites in bench/proposed/ in place of the shipped files (load, queries, server)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        help=f"seconds of timed runs per measurement before repeating stops (default {BUDGET_S:g}; "
        f"{SMOKE_BUDGET_S:g} when --scale < 0.05)",
    )
    parser.add_argument(
        "--rdflib-timeout",
        type=float,
        help=f"give up on one rdflib call after this many seconds (default {RDFLIB_TIMEOUT_S:g}; "
        f"{SMOKE_RDFLIB_TIMEOUT_S:g} when --scale < 0.05)",
    )
    parser.add_argument(
        "--rdflib-memory",
        type=float,
        default=RDFLIB_MEMORY_GIB,
        help=f"GiB of address space the rdflib process may use before a query fails with MemoryError "
        f"(default {RDFLIB_MEMORY_GIB:g})",
    )
    args = parser.parse_args(argv)
    smoke = args.scale < 0.05
    if args.budget is None:
        args.budget = SMOKE_BUDGET_S if smoke else BUDGET_S
    if args.rdflib_timeout is None:
        args.rdflib_timeout = SMOKE_RDFLIB_TIMEOUT_S if smoke else RDFLIB_TIMEOUT_S
    if args.scale <= 0 or args.repeat < 1:
        parser.error("--scale must be > 0 and --repeat >= 1")

    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ctrlgraph-bench-", dir=args.workdir))
    ctx: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_before": os.getloadavg(),
        "revision": git_revision(),
        "queries_before": queries_digest(),
    }
    wall = time.perf_counter()
    try:
        rdflib_scale = min(args.rdflib_scale, args.scale)
        same_scale = not args.skip_rdflib and rdflib_scale == args.scale
        main_build = build_at(args.scale, workdir, "main", args.seed, dump=same_scale, proposed=args.proposed)
        ctx.update(main_build)
        timing = [
            "--repeat",
            str(args.repeat),
            "--budget",
            str(args.budget),
            *(["--proposed"] if args.proposed else []),
        ]
        ctx["queries"] = run_child(["_query", str(main_build["store"]), *timing], workdir, "main-queries")["queries"]

        # A checkpoint of the store (hard links: instant, no extra space) for the
        # in-process runs timed call for call beside /sparql; the server holds the store itself.
        alongside = workdir / "main-alongside"
        import pyoxigraph

        pyoxigraph.Store(str(main_build["store"])).backup(str(alongside))
        server = start_server(main_build["store"], workdir, proposed=args.proposed)
        try:
            print(f"[http] server healthy after {server.start_s:.1f} s", file=sys.stderr, flush=True)
            ctx["server_start_s"] = server.start_s
            ctx["server_checks_s"] = server.checks_s
            ctx["http"] = http_workload(server, args.repeat, args.budget, alongside)
            ctx["server_hwm"] = server.vm_hwm()
        finally:
            server.stop()
        print("[http] the README's query at the shipped scale", file=sys.stderr, flush=True)
        ctx["shipped_http"] = shipped_sparql(workdir, args.repeat, args.budget)

        if not args.skip_rdflib:
            if same_scale:
                base_build, ox_queries = main_build, ctx["queries"]
            else:
                base_build = build_at(rdflib_scale, workdir, "baseline", args.seed, dump=True, proposed=args.proposed)
                ox_queries = run_child(["_query", str(base_build["store"]), *timing], workdir, "baseline-queries")[
                    "queries"
                ]
            rd = run_child(
                [
                    "_rdflib",
                    str(base_build["dump"]),
                    *timing,
                    "--timeout",
                    str(args.rdflib_timeout),
                    "--memory",
                    str(args.rdflib_memory),
                ],
                workdir,
                "rdflib",
            )
            ctx["baseline"] = {
                "scale": rdflib_scale,
                "size": base_build["size"],
                "quads": base_build["build"]["quads"],
                "build": base_build["build"],
                "oxigraph": ox_queries,
                "rdflib": rd,
            }
        ctx["load_after"] = os.getloadavg()
        ctx["queries_after"] = queries_digest()
        text, missed = report(args, ctx)
        text += f"\nWhole run: {fmt_time(time.perf_counter() - wall)}.\n"
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 3 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
