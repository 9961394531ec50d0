"""ctrlgraph on Virtuoso vs the embedded store: load, memory, disk and latency.

The same synthetic graph (bench/generate.py) in a fresh Virtuoso 7 and, with
``--embedded``, in the embedded on-disk Oxigraph store, and the same
measurements on both, side by side:

1. generate the synthetic N-Quads (or reuse ``--nquads``);
2. start a fresh Virtuoso in its own folder (tools/virtuoso/server.py, own
   ports) and time what a deployment runs: ``ctrlgraph load --store sparql``
   (the shipped reference files) then ``ctrlgraph load --store sparql
   --dataset synthetic.nq`` (every graph pushed through the Graph Store
   Protocol in batches, derived totals recomputed at the end) — that is
   Virtuoso's load time. Then a checkpoint (timed apart) and the size of the
   database folder. Memory: the ``ctrlgraph load`` processes' peak RSS (from
   ``wait4``) and the virtuoso-t server's VmHWM;
3. time the reference queries through ``ctrlgraph.catalog`` on a
   ``RemoteStore`` (bench/run.py's workload), then start ``ctrlgraph serve
   --store sparql`` and time the same HTTP calls as bench/run.py (uncached and
   cached), with bench/run.py's own code;
4. ``--embedded``: build the embedded store from the same file with
   bench/run.py's build child, time the same in-process and HTTP workload on
   it, and compare the answers of the two API servers (canonical JSON).

Same data on both: the synthetic controls graph has the IRI of the shipped
``mappings/controls`` graph. bench/run.py bulk-loads the synthetic quads on
top of the reference (the graph ends up holding both control sets); the push
never replaces a graph loaded from the shipped files but merges into it
(ctrlgraph.transfer), so Virtuoso ends up with the same union. What still
differs: a ``…/graph/load-state`` graph holding one checksum per pushed
graph, which is in no reference query's dataset.

Usage::

    python bench/virtuoso.py --scale 0.005 --repeat 3 --embedded --output bench/out/virtuoso-smoke.md
    python bench/virtuoso.py --scale 1 --repeat 5 --embedded --output bench/out/virtuoso-full.md
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402  (bench/generate.py)
import run  # noqa: E402  (bench/run.py: the embedded benchmark, whose workload and helpers are reused)
from run import fmt_bytes, fmt_time, latency, median  # noqa: E402

SERVER_SCRIPT = REPO_ROOT / "tools" / "virtuoso" / "server.py"
LOAD_STATE_GRAPH = generate.GRAPH + "load-state"
DEFAULT_HTTP_PORT, DEFAULT_ISQL_PORT = 18990, 11990

#: The HTTP calls of bench/run.py's http_workload, fetched once more from each
#: server to compare the answers (same paths and parameters).
F1, F2, F3 = run.FRAMEWORKS
HTTP_CALLS = {
    "http_shared3": ("/v1/shared-controls", [("framework", F1), ("framework", F2), ("framework", F3)]),
    "http_requirement": ("/v1/requirements", [("framework", F1), ("notation", run.POINT_NOTATION)]),
    "http_controls": ("/v1/controls", []),
    "http_crosswalk": ("/v1/crosswalk", [("source", F1), ("target", F2)]),
}
HTTP_LABELS = {
    "http_requirement": "point lookup: GET /v1/requirements",
    "http_shared3": "shared controls, 3 frameworks: GET /v1/shared-controls",
    "http_controls": "unfiltered ranking: GET /v1/controls",
    "http_crosswalk": "crosswalk: GET /v1/crosswalk",
}


def code_digest() -> str:
    """SHA-256 over the service code and query files (service/ctrlgraph): shows
    whether they changed during the run (others may be editing the checkout)."""
    digest = hashlib.sha256()
    root = REPO_ROOT / "service" / "ctrlgraph"
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".rq", ".ru") and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# the data
# --------------------------------------------------------------------------
def prepare_dataset(args: argparse.Namespace, workdir: Path) -> tuple[Path, dict]:
    """The N-Quads file both stores load: the synthetic graph."""
    from ctrlgraph.paths import data_root

    nq = workdir / "synthetic.nq"
    info: dict = {}
    if args.nquads:
        start = time.perf_counter()
        shutil.copyfile(args.nquads, nq)
        info["source"] = f"{args.nquads} (reused)"
        info["copy_s"] = time.perf_counter() - start
    else:
        start = time.perf_counter()
        info["gen"] = generate.generate(nq, args.scale, seed=args.seed, root=data_root())
        info["gen_s"] = time.perf_counter() - start
        log(f"[data] generated {info['gen']['quads']:,} quads in {info['gen_s']:.1f} s")
    info["bytes"] = nq.stat().st_size
    return nq, info


# --------------------------------------------------------------------------
# Virtuoso
# --------------------------------------------------------------------------
def port_free(port: int) -> bool:
    """Nothing listens on the loopback port (connections in TIME_WAIT don't count)."""
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def virtuoso_pid(directory: Path) -> int | None:
    lock = directory / "virtuoso.lck"
    if lock.exists():
        for line in lock.read_text().splitlines():
            if line.startswith("VIRT_PID="):
                return int(line.split("=", 1)[1])
    return None


def proc_status(pid: int, field: str) -> int | None:
    """A memory field of /proc/PID/status (VmHWM, VmRSS) in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def timed_process(cmd: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> dict:
    """Run a command to completion; its wall time and peak RSS (wait4's ru_maxrss)."""
    start = time.perf_counter()
    with log_path.open("ab") as handle:
        process = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed ({process.returncode}):\n{log_path.read_text()[-3000:]}")
    return {"s": elapsed, "peak_rss": usage.ru_maxrss * 1024}


class Virtuoso:
    def __init__(self, directory: Path, http_port: int, isql_port: int, memory_mb: int) -> None:
        self.directory = directory
        self.http_port, self.isql_port, self.memory_mb = http_port, isql_port, memory_mb
        self.pid: int | None = None

    def start(self) -> float:
        for port in (self.http_port, self.isql_port):
            if not port_free(port):
                raise RuntimeError(f"port {port} is in use: choose others with --http-port / --isql-port")
        if self.directory.exists():
            shutil.rmtree(self.directory)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(SERVER_SCRIPT),
                "start",
                str(self.directory),
                "--http-port",
                str(self.http_port),
                "--isql-port",
                str(self.isql_port),
                "--memory-mb",
                str(self.memory_mb),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.pid = virtuoso_pid(self.directory)
        return time.perf_counter() - start

    def env(self) -> dict[str, str]:
        return read_env(self.directory / "ctrlgraph.env")

    def memory(self) -> dict:
        return {"hwm": proc_status(self.pid, "VmHWM"), "rss": proc_status(self.pid, "VmRSS")} if self.pid else {}

    def checkpoint(self) -> float:
        password = (self.directory / "dba-password").read_text().strip()
        start = time.perf_counter()
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.isql_port}", "dba", password, "exec=checkpoint;"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=1800,
        )
        return time.perf_counter() - start

    def disk(self) -> dict:
        files = {p.name: p.stat().st_size for p in self.directory.iterdir() if p.is_file()}
        return {"total": run.dir_size(self.directory), "db": files.get("virtuoso.db", 0), "files": files}

    def stop(self) -> None:
        if (self.directory / "virtuoso.lck").exists():
            subprocess.run(
                [sys.executable, str(SERVER_SCRIPT), "stop", str(self.directory)],
                check=False,
                stdout=subprocess.DEVNULL,
            )


def remote_store(env: dict[str, str]):
    from ctrlgraph.store.remote import RemoteConfig, RemoteStore

    # the benchmark's slowest call (a ranking computed from every mapping) may run past the default 60 s
    return RemoteStore(dataclasses.replace(RemoteConfig.from_env(env), timeout=1800.0))


def virtuoso_quads(env: dict[str, str]) -> int:
    store = remote_store(env)
    try:
        rows = store.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER (STRSTARTS(STR(?g), "{generate.GRAPH}") && ?g != <{LOAD_STATE_GRAPH}>) }}',
            union_default=True,
        )
    finally:
        store.close()
    return int(rows[0]["n"])


def start_remote_server(env: dict[str, str], workdir: Path, timeout: float = 600) -> run.Server:
    """``ctrlgraph serve --store sparql`` (as bench/run.py's start_server, on the remote store)."""

    port = run.free_port()
    server_log = workdir / "serve-virtuoso.log"
    cmd = [sys.executable, "-m", "ctrlgraph", "serve", "--store", "sparql", "--port", str(port)]
    start = time.perf_counter()
    with server_log.open("wb") as handle:
        process = subprocess.Popen(
            cmd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            # the same admin key as bench/run.py's server: the workload creates an organization
            env={**env, "PYTHONUNBUFFERED": "1", "CTRLGRAPH_ADMIN_KEY": run.BENCH_ADMIN_KEY},
            cwd=workdir,
        )
    return run.wait_until_healthy(run.Server(process, f"http://127.0.0.1:{port}", server_log), start, timeout)


def answers(server: run.Server) -> dict[str, str]:
    """A digest of each HTTP answer (JSON with sorted keys, the server's address
    taken out), to compare servers."""
    import httpx

    out = {}
    with httpx.Client(base_url=server.base, timeout=1800) as client:
        for name, (path, params) in HTTP_CALLS.items():
            response = client.get(path, params=params)
            response.raise_for_status()
            # links to the next page hold the server's own address: not part of the answer
            canonical = json.dumps(response.json(), sort_keys=True, ensure_ascii=False).replace(server.base, "")
            out[name] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
            (server.log.parent / f"answer-{server.log.stem}-{name}.json").write_text(canonical)
    return out


def bench_virtuoso(args: argparse.Namespace, nq: Path, workdir: Path) -> dict:
    vdir = workdir / "virtuoso"
    virtuoso = Virtuoso(vdir, args.http_port, args.isql_port, args.memory_mb)
    out: dict = {"memory_mb": args.memory_mb}
    try:
        out["start_s"] = virtuoso.start()
        log(f"[virtuoso] started in {out['start_s']:.1f} s (pid {virtuoso.pid})")
        env = {**os.environ, **virtuoso.env()}
        ctrlgraph = [sys.executable, "-m", "ctrlgraph", "load", "--store", "sparql"]
        load_log = workdir / "load-virtuoso.log"
        out["reference"] = timed_process(ctrlgraph, env, workdir, load_log)
        log(f"[virtuoso] reference files loaded in {out['reference']['s']:.1f} s")
        out["push"] = timed_process(
            [*ctrlgraph, "--dataset", str(nq), "--batch", str(args.batch)], env, workdir, load_log
        )
        out["load_s"] = out["reference"]["s"] + out["push"]["s"]
        out["memory_after_load"] = virtuoso.memory()
        log(f"[virtuoso] dataset pushed in {out['push']['s']:.1f} s (load {out['load_s']:.1f} s)")
        out["checkpoint_s"] = virtuoso.checkpoint()
        out["disk"] = virtuoso.disk()
        out["quads"] = virtuoso_quads(env)
        size = fmt_bytes(out["disk"]["total"])
        log(f"[virtuoso] checkpoint {out['checkpoint_s']:.1f} s, {out['quads']:,} quads, {size} on disk")

        store = remote_store(env)
        try:
            log("[virtuoso] in-process workload (catalog code on a RemoteStore)")
            out["queries"] = run.run_workload(store, args.repeat, list(run.QUERIES), args.budget)
        finally:
            store.close()
        server = start_remote_server(env, workdir)
        try:
            log(f"[virtuoso] ctrlgraph serve --store sparql healthy after {server.start_s:.1f} s")
            out["server_start_s"] = server.start_s
            out["http"] = run.http_workload(server, args.repeat, args.budget)
            out["answers"] = answers(server)
            out["server_hwm"] = server.vm_hwm()
        finally:
            server.stop()
        out["memory_after_queries"] = virtuoso.memory()
    finally:
        if args.keep:
            log(f"[virtuoso] left running in {vdir} (stop: python3 {SERVER_SCRIPT} stop {vdir})")
        else:
            virtuoso.stop()
    return out


# --------------------------------------------------------------------------
# the embedded store, with bench/run.py's own children
# --------------------------------------------------------------------------
def bench_embedded(args: argparse.Namespace, nq: Path, workdir: Path) -> dict:
    store = workdir / "embedded-store"
    build = run.run_child(["_build", str(nq), "--store", str(store)], workdir, "embedded-build")
    log(f"[embedded] loaded in {build['load_s']:.1f} s, peak {fmt_bytes(build['peak_rss'])}")
    timing = ["--repeat", str(args.repeat), "--budget", str(args.budget)]
    queries = run.run_child(["_query", str(store), *timing], workdir, "embedded-queries")["queries"]
    server = run.start_server(store, workdir)
    try:
        log(f"[embedded] ctrlgraph serve healthy after {server.start_s:.1f} s")
        http = run.http_workload(server, args.repeat, args.budget)
        result = {
            "build": build,
            "queries": queries,
            "server_start_s": server.start_s,
            "http": http,
            "answers": answers(server),
            "server_hwm": server.vm_hwm(),
        }
    finally:
        server.stop()
    if not args.keep:
        shutil.rmtree(store, ignore_errors=True)
    return result


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------
def _cached(m: dict) -> str:
    return latency(m) + ("" if m.get("hit") else " (not served from the cache)")


def _ratio(v: dict, e: dict) -> str:
    """How many times slower Virtuoso is (> 1) or faster (< 1), by medians."""
    if "samples" not in v or "samples" not in e:
        return "–"
    r = median(v["samples"]) / median(e["samples"])
    return f"{r:.1f}×" if r < 10 else f"{r:.0f}×"


def report(args: argparse.Namespace, ctx: dict) -> str:
    v, e = ctx["virtuoso"], ctx.get("embedded")
    size = generate.sizes(args.scale)
    data = ctx["data"]
    gen = data.get("gen")
    lines = [
        f"# ctrlgraph on Virtuoso vs the embedded store — scale {args.scale:g}",
        "",
        f"{ctx['date']} · {ctx['machine']} · {ctx['virtuoso_version']}",
        "",
        f"Load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in ctx['load_before'])}, at end "
        f"{'/'.join(f'{x:.2f}' for x in ctx['load_after'])}.",
        "",
        f"Service code and query files (service/ctrlgraph) digest {ctx['code'][0]}"
        + (
            " (unchanged during the run)."
            if len(set(ctx["code"])) == 1
            else f" at start, {' then '.join(ctx['code'][1:])} after each backend: **the code changed during the "
            "run, so the backends did not run the same code; rerun**."
        ),
        "",
        f"Synthetic graph: {size.frameworks} frameworks × 200 requirements, {size.controls:,} controls"
        + (f", {gen['mappings']:,} mappings, {gen['quads']:,} quads generated" if gen else f", from {data['source']}")
        + f" ({fmt_bytes(data['bytes'])} of N-Quads). "
        f"Virtuoso: `--memory-mb {v['memory_mb']}` (2/3 of it page buffers), push batches of "
        f"{args.batch:,} triples. Latency = median / p95 of {args.repeat} runs after one warm-up "
        f"(repeating stops after {args.budget:g} s of runs).",
        "",
    ]
    cols = ("what", "Virtuoso", "embedded (Oxigraph)", "Virtuoso / embedded") if e else ("what", "Virtuoso")

    def row(what: str, virt: str, emb: str = "–", ratio: str = "–") -> tuple[str, ...]:
        return (what, virt, emb, ratio) if e else (what, virt)

    rows = []
    eb = e["build"] if e else {}
    rows.append(row("quads in the store after load", f"{v['quads']:,}", f"{eb['quads']:,}" if e else "–"))
    rows.append(
        row(
            "**load time** (reference files + synthetic graph + derived totals)",
            f"**{fmt_time(v['load_s'])}** (`ctrlgraph load --store sparql` {fmt_time(v['reference']['s'])}, "
            f"`… --dataset` push + derive {fmt_time(v['push']['s'])})",
            f"**{fmt_time(eb['load_s'])}** (reference files {fmt_time(eb['reference_s'])}, bulk_load "
            f"{fmt_time(eb['bulk_s'])}, derive {fmt_time(eb['derive_s'])}, flush {fmt_time(eb['flush_s'])})"
            if e
            else "–",
            f"{v['load_s'] / eb['load_s']:.1f}×" if e else "–",
        )
    )
    rows.append(row("checkpoint after load (not in the load time)", fmt_time(v["checkpoint_s"]), "–"))
    rows.append(
        row(
            "peak memory of the loading process",
            f"{fmt_bytes(max(v['reference']['peak_rss'], v['push']['peak_rss']))} (the `ctrlgraph load` client)",
            f"{fmt_bytes(eb['peak_rss'])} (holds the store)" if e else "–",
        )
    )
    vm_load, vm_q = v["memory_after_load"], v.get("memory_after_queries", {})
    rows.append(
        row(
            "database server memory (virtuoso-t VmHWM after load / after the queries; RSS at the end)",
            f"{fmt_bytes(vm_load['hwm'])} / {fmt_bytes(vm_q.get('hwm') or 0)}; {fmt_bytes(vm_q.get('rss') or 0)}",
            "– (in the API process)",
        )
    )
    rows.append(
        row(
            "API process (`ctrlgraph serve`) RSS high-water mark after the HTTP runs",
            fmt_bytes(v["server_hwm"] or 0),
            fmt_bytes(e["server_hwm"] or 0) if e else "–",
        )
    )
    if e:
        total_v = (vm_q.get("hwm") or 0) + (v["server_hwm"] or 0)
        rows.append(
            row(
                "serving footprint (database + API process high-water marks)",
                fmt_bytes(total_v),
                fmt_bytes(e["server_hwm"] or 0),
                f"{total_v / (e['server_hwm'] or 1):.1f}×",
            )
        )
    disk = v["disk"]
    rows.append(
        row(
            "on disk after load",
            f"{fmt_bytes(disk['total'])} (virtuoso.db {fmt_bytes(disk['db'])}, after the checkpoint)",
            fmt_bytes(eb["disk_bytes"]) if e else "–",
            f"{disk['total'] / eb['disk_bytes']:.1f}×" if e else "–",
        )
    )
    rows.append(
        row(
            "API server start until /healthz is ok",
            fmt_time(v["server_start_s"]),
            fmt_time(e["server_start_s"]) if e else "–",
        )
    )
    lines += ["## Load, memory, disk", "", run.table(rows, cols), "", "## Latency over HTTP (median / p95)", ""]

    rows = []
    for name, label in HTTP_LABELS.items():
        vh, eh = v["http"][name], (e["http"][name] if e else {})
        rows.append(
            row(
                f"{label}, uncached ({vh['bytes']:,} bytes)",
                latency(vh),
                latency(eh) if e else "–",
                _ratio(vh, eh) if e else "–",
            )
        )
        vc, ec = v["http"][name + "_cached"], (e["http"][name + "_cached"] if e else {})
        rows.append(row(f"{label}, cached", _cached(vc), _cached(ec) if e else "–", _ratio(vc, ec) if e else "–"))
    lines += [run.table(rows, cols), ""]

    lines += ["## Latency in process: catalog code on the store (median / p95)", ""]
    rows = []
    for name, (label, _) in run.QUERIES.items():
        vq, eq = v["queries"].get(name, {}), (e["queries"].get(name, {}) if e else {})
        answer = vq.get("answer", "")
        rows.append(
            row(
                f"{label}{'; ' + answer if answer else ''}",
                latency(vq),
                latency(eq) if e else "–",
                _ratio(vq, eq) if e else "–",
            )
        )
    lines += [run.table(rows, cols), ""]
    lines += [
        "Virtuoso in process = the catalog code in this process on a `RemoteStore` (each query one HTTP "
        "request to Virtuoso; reference queries run on the union of the server's graphs, no dataset "
        "parameters); embedded = bench/run.py's query child on the on-disk store.",
        "",
    ]

    if e:
        differ = [n for n in HTTP_CALLS if v["answers"][n] != e["answers"][n]]
        qdiff = [
            n for n in run.QUERIES if v["queries"].get(n, {}).get("digest") != e["queries"].get(n, {}).get("digest")
        ]
        if differ or qdiff:
            lines += [
                "**Answers differ** between the backends: "
                + ", ".join([*(f"HTTP {n}" for n in differ), *(f"in-process {n}" for n in qdiff)])
                + " (the JSON bodies are kept in the work folder with --keep).",
                "",
            ]
        else:
            lines += ["Both API servers gave identical answers (canonical JSON) to every HTTP call, and the "
                      "catalog code gave identical answers on both stores.", ""]  # fmt: skip
        ctx["answers_differ"] = differ + qdiff
    return "\n".join(lines)


def virtuoso_version() -> str:
    try:
        text = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=10)
        for line in (text.stdout + text.stderr).splitlines():
            if "Version" in line:
                return "Virtuoso " + line.split("Version", 1)[1].strip().split()[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return "Virtuoso (version unknown)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ctrlgraph on Virtuoso vs the embedded store (see bench/README.md)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full scale (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--nquads", type=Path, help="reuse a generate.py output (same --scale)")
    parser.add_argument("--embedded", action="store_true", help="also build and measure the embedded store")
    parser.add_argument("--output", type=Path, help="write the Markdown report here (and the figures as .json)")
    parser.add_argument("--workdir", type=Path, help="where the work folder goes (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and leave Virtuoso running")
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT)
    parser.add_argument("--isql-port", type=int, default=DEFAULT_ISQL_PORT)
    parser.add_argument("--memory-mb", type=int, default=4096, help="Virtuoso memory (default 4096)")
    parser.add_argument("--batch", type=int, default=50_000, help="triples per Graph Store Protocol request")
    parser.add_argument("--budget", type=float, help="seconds of timed runs per measurement (as bench/run.py)")
    parser.add_argument("--strict", action="store_true", help="exit 3 when the backends' answers differ")
    args = parser.parse_args(argv)
    if args.budget is None:
        args.budget = run.SMOKE_BUDGET_S if args.scale < 0.05 else run.BUDGET_S
    if not shutil.which("virtuoso-t"):
        parser.error("virtuoso-t not found (apt-get install virtuoso-opensource-7-bin)")

    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ctrlgraph-virtuoso-", dir=args.workdir))
    ctx: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": run.machine(),
        "virtuoso_version": virtuoso_version(),
        "load_before": os.getloadavg(),
        "code": [code_digest()],
    }
    wall = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that finally stops Virtuoso
    try:
        nq, ctx["data"] = prepare_dataset(args, workdir)
        ctx["virtuoso"] = bench_virtuoso(args, nq, workdir)
        ctx["code"].append(code_digest())
        if args.embedded:
            ctx["embedded"] = bench_embedded(args, nq, workdir)
            ctx["code"].append(code_digest())
        ctx["load_after"] = os.getloadavg()
        text = report(args, ctx) + f"\nWhole run: {fmt_time(time.perf_counter() - wall)}.\n"
    finally:
        signal.signal(signal.SIGTERM, previous)
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        args.output.with_suffix(".json").write_text(json.dumps(ctx, indent=1, default=str), encoding="utf-8")
    if len(set(ctx["code"])) > 1:
        log("warning: the service code changed during the run (see the report)")
    return 3 if args.strict and ctx.get("answers_differ") else 0


if __name__ == "__main__":
    sys.exit(main())
