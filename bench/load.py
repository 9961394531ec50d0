"""Bounded load test on loopback: mixed reference reads, organization reads and
evidence writes against a real `ctrlgraph serve --demo` process.

    python bench/load.py [--duration 60] [--concurrency 16] [--write-rate 2] [--output FILE.md]

Traffic goes to 127.0.0.1 only and stops after --duration seconds. Reports
throughput, p50/p95/p99 latency per kind of request and the error count.
Targets on this 2-core machine: >= 500 reference reads/s with p99 <= 100 ms,
zero errors. The load generator shares the machine's two cores with the server.

Reference reads are driven by `wrk` (Debian package wrk; a C client, so the
generator does not eat the server's CPU) rotating over REFERENCE_PATHS; the
organization reads and evidence writes run at the same time from this script
with httpx. Without wrk, everything runs from httpx (and measures mostly the
Python client). The server runs with its rate limit off: one loopback client
is one identity, and the DoS guard would otherwise cap it at its default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from ctrlgraph.demo import DEMO_KEY

REFERENCE_PATHS = [
    "/v1/frameworks",
    "/v1/controls/MON-03",
    "/v1/controls/GOV-18",
    "/v1/requirements?framework=iso42001-2023&notation=9.2.2",
    "/v1/requirements?framework=eu-ai-act-2024&notation=Art.%209(2)(a)",
    "/v1/shared-controls?framework=iso42001-2023&framework=iso27001-2022&framework=iso9001-2015",
    "/v1/frameworks/iso42001-2023/requirements",
]
ORG_PATHS = ["/v1/orgs/acme/kpis?framework=iso42001-2023", "/v1/orgs/acme/gaps?framework=iso27001-2022"]
EVIDENCE = """@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<ev/load-{n}> a cg:EvidenceArtifact ; rdfs:label "Load-test record {n}" ; cg:location "https://example.org/{n}" ;
    cg:collectedOn "2026-11-01"^^xsd:date ; cg:supports <impl/MON-03> ."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def run_wrk(url: str, duration: float, concurrency: int, out: dict[str, object]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{p}"' for p in REFERENCE_PATHS))
    result = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{int(duration)}s", "-s", script.name, url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout} {result.stderr}")
    _, requests, errors, micros, p50, p95, p99 = line.split()
    out.update(
        requests=int(requests),
        errors=int(errors),
        seconds=int(micros) / 1e6,
        p50=float(p50),
        p95=float(p95),
        p99=float(p99),
    )


async def run(
    url: str, duration: float, concurrency: int, write_rate: float, org_fraction: float, org_rate: float = 0
) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    deadline = time.monotonic() + duration
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def reader(worker: int) -> None:
            rng = random.Random(worker)
            while time.monotonic() < deadline:
                if rng.random() < org_fraction:
                    kind, path, headers = "org read", rng.choice(ORG_PATHS), {"Authorization": f"Bearer {DEMO_KEY}"}
                else:
                    kind, path, headers = "reference read", rng.choice(REFERENCE_PATHS), {}
                start = time.perf_counter()
                response = await client.get(path, headers=headers)
                latencies[kind].append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors.append(f"{kind} {path}: {response.status_code}")

        async def writer() -> None:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                start = time.perf_counter()
                response = await client.post(
                    "/v1/orgs/acme/evidence",
                    content=EVIDENCE.format(n=n),
                    headers={"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "text/turtle"},
                )
                latencies["evidence write"].append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors.append(f"write: {response.status_code} {response.text[:200]}")
                await asyncio.sleep(max(0.0, 1 / write_rate - (time.perf_counter() - start)))

        async def org_reader() -> None:
            rng = random.Random(99)
            while time.monotonic() < deadline:
                start = time.perf_counter()
                path = rng.choice(ORG_PATHS)
                response = await client.get(path, headers={"Authorization": f"Bearer {DEMO_KEY}"})
                latencies["org read"].append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors.append(f"org read {path}: {response.status_code}")
                await asyncio.sleep(max(0.0, 1 / org_rate - (time.perf_counter() - start)))

        tasks = [reader(i) for i in range(concurrency)] + ([writer()] if write_rate > 0 else [])
        if org_rate > 0:
            tasks.append(org_reader())
        await asyncio.gather(*tasks)
    latencies["errors"] = [float(len(errors))]
    for e in errors[:10]:
        print("error:", e, file=sys.stderr)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--write-rate", type=float, default=1, help="evidence POSTs per second")
    parser.add_argument(
        "--org-fraction", type=float, default=0.01, help="share of httpx reads that are organization reads"
    )
    parser.add_argument("--org-rate", type=float, default=1, help="organization reads per second (with wrk)")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--no-wrk", action="store_true", help="drive reference reads from httpx too")
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ctrlgraph",
                "serve",
                "--demo",
                "--data-dir",
                f"{tmp}/store",
                "--port",
                str(port),
                "--rate-limit",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            asyncio.run(run(url, 3, 4, 0, 0))  # warm-up
            wrk: dict[str, object] = {}
            if shutil.which("wrk") and not args.no_wrk:
                import threading

                thread = threading.Thread(target=run_wrk, args=(url, args.duration, args.concurrency, wrk))
                thread.start()
                results = asyncio.run(run(url, args.duration, 0, args.write_rate, 1.0, org_rate=args.org_rate))
                thread.join()
            else:
                results = asyncio.run(run(url, args.duration, args.concurrency, args.write_rate, args.org_fraction))
        finally:
            server.terminate()
            server.wait(timeout=30)
    errors = int(results.pop("errors")[0])
    rows = []
    if wrk:
        errors += int(wrk["errors"])  # type: ignore[call-overload]
        reads_per_s = int(wrk["requests"]) / float(wrk["seconds"])  # type: ignore[call-overload, arg-type]
        rows.append(
            f"| reference read (wrk, {args.concurrency} connections) | {wrk['requests']:,} | {reads_per_s:,.1f}/s | "
            f"{wrk['p50']:.1f} ms | {wrk['p95']:.1f} ms | {wrk['p99']:.1f} ms |"
        )
    for kind, values in sorted(results.items()):
        rate = len(values) / args.duration
        rows.append(
            f"| {kind} | {len(values):,} | {rate:,.1f}/s | {statistics.median(values) * 1000:.1f} ms | "
            f"{percentile(values, 95) * 1000:.1f} ms | {percentile(values, 99) * 1000:.1f} ms |"
        )
    reads = results.get("reference read", [])
    if wrk:
        rate, p99 = reads_per_s, float(wrk["p99"])  # type: ignore[arg-type]
    else:
        rate, p99 = len(reads) / args.duration, percentile(reads, 99) * 1000
    verdict = (
        f"reference reads {rate:,.0f}/s (target ≥ 500), p99 {p99:.0f} ms (target ≤ 100), errors {errors} (target 0)"
    )
    table = (
        f"Load test: {args.duration:g} s, {args.concurrency} concurrent readers "
        f"(+ {args.org_rate:g} organization reads/s), {args.write_rate:g} evidence writes/s\n\n"
        "| request | count | throughput | p50 | p95 | p99 |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\n{verdict}\n"
    )
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table, encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
