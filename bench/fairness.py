"""Fairness under heavy uploads (issue #16), measured against a baseline in
the same run, through the real HTTP app (in process, real store, real worker
pools):

* tenant B's small upload, alone (baseline) and while tenant A's heavy upload
  is being processed (A's upload is a blank-node clique whose canonical hash
  runs until the work time limit, or large evidence with ``--heavy large``);
* a ``/sparql`` COUNT query, alone and while A's large uploads land.

The answer to "how long can another tenant delay me" is the ratio of the two
B timings; with ``work_processes`` >= 2 it should stay near 1, whatever A
sends. Prints a Markdown table (``--output`` writes it to a file).

    python bench/fairness.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))

MINIMAL = (ROOT / "tests" / "fixtures" / "evidence" / "minimal.ttl").read_text()


def evidence(org: str, items: int = 0) -> bytes:
    base = MINIMAL.replace("/org/beta/", f"/org/{org}/")
    extra = "".join(
        f'<ev/n{i}> a cg:EvidenceArtifact ; rdfs:label "Note {i} {"x" * 200}" ; cg:location "https://e.org/{i}" ;'
        f' cg:collectedOn "2026-10-01"^^xsd:date ; cg:supports <impl/MON-03> .\n'
        for i in range(items)
    )
    return (base + extra).encode()


def clique(nodes: int = 10) -> bytes:
    return "".join(
        f"_:b{i} <http://www.w3.org/2000/01/rdf-schema#seeAlso> _:b{j} .\n"
        for i in range(nodes)
        for j in range(nodes)
        if i != j
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work-timeout", type=float, default=20.0)
    parser.add_argument("--work-processes", type=int, default=2)
    parser.add_argument("--large-items", type=int, default=1500, help="evidence items in A's large uploads")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from ctrlgraph.api.app import create_app
    from ctrlgraph.api.settings import Settings
    from ctrlgraph.bounds import Bounds
    from ctrlgraph.evidence.tenants import new_admin_key

    admin = new_admin_key()
    bounds = Bounds(work_timeout=args.work_timeout, work_processes=args.work_processes)
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="ctrlgraph-fairness-")) / "store",
        admin_key=admin,
        bounds=bounds,
        max_body_bytes=100_000_000,
        query_timeout=60,
        rate_limit=0,
    )
    rows: list[tuple[str, str, float, float, float]] = []
    with TestClient(create_app(settings)) as client:
        h = {"Authorization": f"Bearer {admin}"}
        keys = {}
        for org in ("tenant-a", "tenant-b"):
            client.post("/v1/orgs", json={"id": org, "name": org}, headers=h)
            keys[org] = client.post(f"/v1/orgs/{org}/keys", json={"scopes": ["read", "write"]}, headers=h).json()["key"]

        def put(org: str, body: bytes, media: str = "text/turtle") -> tuple[int, float]:
            started = time.perf_counter()
            response = client.put(
                f"/v1/orgs/{org}/evidence",
                content=body,
                headers={"Content-Type": media, "Authorization": f"Bearer {keys[org]}"},
            )
            return response.status_code, time.perf_counter() - started

        def query() -> tuple[int, float]:
            started = time.perf_counter()
            response = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
            return response.status_code, time.perf_counter() - started

        small = evidence("tenant-b")
        put("tenant-b", small)  # warm the worker processes
        query()

        def timed_during(heavy: bytes, media: str, measure) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
            done = threading.Event()
            heavy_time: list[float] = []

            def run_heavy() -> None:
                heavy_time.append(put("tenant-a", heavy, media)[1])
                done.set()

            thread = threading.Thread(target=run_heavy)
            thread.start()
            time.sleep(1.0)  # A's job is in its worker
            times: list[float] = []
            while not done.is_set() and len(times) < args.repeat:
                status, seconds = measure()
                assert status == 200, status
                times.append(seconds)
            thread.join()
            return times, heavy_time[0]

        alone = [put("tenant-b", small)[1] for _ in range(args.repeat)]
        during, heavy_seconds = timed_during(clique(), "application/n-triples", lambda: put("tenant-b", small))
        rows.append(
            (
                "B's small upload (SHACL + hash of ~20 triples)",
                f"A uploads a 10-node blank-node clique (held {heavy_seconds:.1f} s, stopped at the work limit)",
                statistics.median(alone),
                statistics.median(during),
                max(during),
            )
        )
        large = evidence("tenant-a", args.large_items)
        during, heavy_seconds = timed_during(large, "text/turtle", lambda: put("tenant-b", small))
        rows.append(
            (
                "B's small upload",
                f"A uploads {len(large) / 1e6:.1f} MB of evidence (took {heavy_seconds:.1f} s)",
                statistics.median(alone),
                statistics.median(during),
                max(during),
            )
        )
        alone = [query()[1] for _ in range(args.repeat)]
        during, heavy_seconds = timed_during(large, "text/turtle", query)
        rows.append(
            (
                "/sparql COUNT(*)",
                f"A uploads {len(large) / 1e6:.1f} MB of evidence (took {heavy_seconds:.1f} s)",
                statistics.median(alone),
                statistics.median(during),
                max(during),
            )
        )

    lines = [
        f"work_processes = {args.work_processes}, work_timeout = {args.work_timeout:g} s, repeat = {args.repeat}",
        "",
        "| what | while | alone (median) | during (median) | during (max) | ratio (median) |",
        "|---|---|---|---|---|---|",
        *(
            f"| {what} | {while_} | {a * 1000:.0f} ms | {d * 1000:.0f} ms | {m * 1000:.0f} ms | {d / a:.2f} |"
            for what, while_, a, d, m in rows
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
