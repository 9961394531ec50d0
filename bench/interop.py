"""Import every real third-party file of ../shared/data/interop-samples (CISO
Assistant libraries, OSCAL catalogs and mapping collections, SSSOM sets,
NIST's crosswalk workbooks) into a fresh store holding the reference graph,
the way ``ctrlgraph import DIR`` does, and report per file and in total:
outcome, seconds, and the process's peak memory. The baseline, taken in the
same run, is loading the shipped reference graph itself; import time is
reported as a ratio to it.

    python bench/interop.py [--samples ../shared/data/interop-samples] [--output bench/out/interop.md]

All files are imported in one process, in order (frameworks before the
mappings that name them), so the peak is that of a whole bulk import. Exit 0
unless a framework library or catalog is refused.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_SAMPLES = HERE.parent.parent / "shared" / "data" / "interop-samples"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--options", type=Path, default=HERE / "interop-samples.yaml")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    if not args.samples.is_dir():
        print(f"samples not found at {args.samples}: nothing to measure", file=sys.stderr)
        return 0

    from ctrlgraph.interop import bulk
    from ctrlgraph.loader import load_reference
    from ctrlgraph.store import OxigraphStore

    start_mib = _peak_mib()
    t0 = time.perf_counter()
    store = OxigraphStore(None)
    load_reference(store)
    baseline = time.perf_counter() - t0
    after_load = _peak_mib()
    given = yaml.safe_load(args.options.read_text(encoding="utf-8")) if args.options.is_file() else None
    t1 = time.perf_counter()
    outcomes = bulk.run(store, args.samples, given=given)
    total = time.perf_counter() - t1
    peak = _peak_mib()

    lines = [
        "# Importing the real interop samples",
        "",
        f"Baseline (same run): loading the shipped reference graph, {baseline:.1f} s.",
        "",
        "| file | format | result | frameworks | requirements | direct mappings | s | first problem |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        problem = (o.first_problem or "").replace("|", "\\|")[:140]
        lines.append(
            f"| {o.path.relative_to(args.samples)} | {o.format or '-'} | {o.status} | {', '.join(o.frameworks)} | "
            f"{o.requirements or ''} | {o.links or ''}{f' ({o.waiting} waiting)' if o.waiting else ''} | "
            f"{o.seconds:.1f} | {problem} |"
        )
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("imported", "refused", "skipped")}
    ciso = [o for o in outcomes if o.path.parent.name == "ciso-assistant"]
    lines += [
        "",
        f"Files: {len(outcomes)} — " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        f"CISO Assistant libraries imported: {sum(1 for o in ciso if o.status == 'imported')} of {len(ciso)}",
        f"Total import time: {total:.1f} s ({total / baseline:.1f}× the reference load)",
        f"Peak memory: {peak:.0f} MiB (after the reference load {after_load:.0f} MiB, at start {start_mib:.0f} MiB)",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    refused_frameworks = [o for o in outcomes if o.status == "refused" and o.format in ("oscal-catalog",)]
    refused_frameworks += [o for o in ciso if o.status == "refused" and not o.path.name.startswith("mapping-")]
    return 1 if refused_frameworks else 0


if __name__ == "__main__":
    sys.exit(main())
