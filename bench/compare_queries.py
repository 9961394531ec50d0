"""Shipped query files against the proposed rewrites in bench/proposed/.

Runs each ``bench/proposed/<name>.rq`` and the shipped
``service/ctrlgraph/queries/<name>.rq`` on the same store with the same
parameters (the reference-query way: union default graph), checks that both
give the same rows (as multisets) and prints their latencies.

Point it at a store built by ``bench/run.py --keep`` (the ``main-store`` folder
of the kept work directory) or at any ctrlgraph store; nothing may hold the
store open at the same time::

    python bench/compare_queries.py --store /tmp/ctrlgraph-bench-XXXX/main-store --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from ctrlgraph import queries
from ctrlgraph.iri import ID, requirement_iri
from ctrlgraph.store import OxigraphStore
from ctrlgraph.store.base import Iri, bind

PROPOSED = Path(__file__).resolve().parent / "proposed"


def parameter_sets(store: OxigraphStore) -> dict[str, list[tuple[str, dict]]]:
    ids = {str(r["id"]) for r in store.select(bind(queries.load("framework_ids"), {}), union_default=True)}
    sets: dict[str, list[tuple[str, dict]]] = {}

    def add(name: str, label: str, params: dict) -> None:
        sets.setdefault(name, []).append((label, params))

    for fw, notation in (("synth-0001", "3.2.1"), ("iso42001-2023", "6.1.2")):
        if fw in ids:
            req = Iri(requirement_iri(fw, notation))
            add("requirement_mappings", f"{fw} {notation}", {"requirement": req})
            add("requirement_links", f"{fw} {notation}", {"requirement": req})
    for fws in (("synth-0001", "synth-0002", "synth-0003"), ("iso27001-2022", "iso42001-2023", "iso9001-2015")):
        if all(f in ids for f in fws):
            frameworks = [Iri(ID + f) for f in fws]
            found = store.select(bind(queries.load("mapping_graphs"), {"frameworks": frameworks}), union_default=True)
            graphs = [Iri(str(r["graph"])) for r in found]
            ranking = {"frameworks": frameworks, "graphs": graphs, "min": len(fws), "limit": 1000}
            shared = store.select(bind(queries.load("shared_controls"), ranking), union_default=True)
            add("shared_controls", " ".join(fws), ranking)
            if shared:
                controls = [Iri(str(r["control"])) for r in shared]
                label = f"{' '.join(fws)} ({len(controls)} controls)"
                add(
                    "shared_control_requirements",
                    label,
                    {"controls": controls, "frameworks": frameworks, "graphs": graphs},
                )
    for source, target in (("synth-0001", "synth-0002"), ("iso42001-2023", "iso27001-2022")):
        if source in ids and target in ids:
            add("crosswalk", f"{source} → {target}", {"source": Iri(ID + source), "target": Iri(ID + target)})
    return sets


SCRATCH_GRAPH = "https://w3id.org/ctrlgraph/graph/bench-scratch"
TOTALS = """PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
SELECT ?control ?frameworks ?requirements
WHERE { GRAPH <%s> { ?control cg:frameworkCount ?frameworks ; cg:requirementCount ?requirements } }"""


def compare_derive(store: OxigraphStore) -> str:
    """Run the proposed derive update into a scratch graph, compare its
    per-control totals with the shipped derived graph's, drop the scratch graph."""
    import resource

    from ctrlgraph.iri import DERIVED_GRAPH

    update = bind((PROPOSED / "derive" / "coverage.ru").read_text(encoding="utf-8"), {"derived": Iri(SCRATCH_GRAPH)})
    start = time.perf_counter()
    store.update(update)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        proposed = {(r["control"], r["frameworks"], r["requirements"]) for r in store.select(TOTALS % SCRATCH_GRAPH)}
        shipped = {(r["control"], r["frameworks"], r["requirements"]) for r in store.select(TOTALS % DERIVED_GRAPH)}
        quads = sum(1 for _ in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(SCRATCH_GRAPH)))
    finally:
        store.update(f"DROP SILENT GRAPH <{SCRATCH_GRAPH}>")
    same = "yes" if proposed == shipped else "**NO**"
    return (
        f"Proposed derive/coverage.ru: {fmt(elapsed)}, {quads:,} quads written, process peak RSS "
        f"{peak / (1 << 30):.2f} GiB; per-control totals equal to the shipped derived graph's: {same} "
        f"({len(proposed):,} controls)."
    )


def timed(store: OxigraphStore, query: str) -> tuple[float, list]:
    start = time.perf_counter()
    rows = store.select(query, union_default=True)
    return time.perf_counter() - start, rows


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="folder of an on-disk ctrlgraph store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, help="write the Markdown table here too")
    parser.add_argument("--only", help="comma-separated query names to compare (default: every proposed file)")
    parser.add_argument(
        "--derive", action="store_true", help="also time the proposed derive update (into a scratch graph)"
    )
    args = parser.parse_args(argv)
    if not args.store.is_dir():
        parser.error(f"no store in {args.store}")
    store = OxigraphStore(args.store)
    lines = [
        "| query | parameters | shipped (median) | proposed (median) | speed-up | same rows |",
        "|---|---|---|---|---|---|",
    ]
    differ = False
    try:
        only = set(args.only.split(",")) if args.only else None
        for name, cases in parameter_sets(store).items():
            if only and name not in only:
                continue
            if not (PROPOSED / f"{name}.rq").is_file():  # adopted into the service, or never proposed
                continue
            proposed_text = (PROPOSED / f"{name}.rq").read_text(encoding="utf-8")
            shipped_text = queries.load(name)
            for label, params in cases:
                shipped, proposed = bind(shipped_text, params), bind(proposed_text, params)
                times: dict[str, list[float]] = {"shipped": [], "proposed": []}
                answers = {}
                # one after the other, each with a warm-up: alternating them would
                # time the proposed query on a block cache the shipped one just evicted
                for which, text in (("shipped", shipped), ("proposed", proposed)):
                    _, answers[which] = timed(store, text)  # warm-up
                    for _ in range(args.repeat):
                        elapsed, _ = timed(store, text)
                        times[which].append(elapsed)
                same = Counter(tuple(sorted(r.items())) for r in answers["shipped"]) == Counter(
                    tuple(sorted(r.items())) for r in answers["proposed"]
                )
                differ |= not same
                s, p = statistics.median(times["shipped"]), statistics.median(times["proposed"])
                lines.append(
                    f"| {name}.rq | {label} | {fmt(s)} | {fmt(p)} | {s / p:,.1f}× | "
                    f"{'yes' if same else '**NO**'} ({len(answers['shipped'])} rows) |"
                )
                print(lines[-1], file=sys.stderr, flush=True)
        if args.derive:
            lines += ["", compare_derive(store)]
            print(lines[-1], file=sys.stderr, flush=True)
    finally:
        store.close()
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
