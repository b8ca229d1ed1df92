"""Run every benchmark and write benchmarks/results.md.

    python benchmarks/run_all.py            # all four, default rounds; rewrites results.md
                                            # and the README's Performance table
    python benchmarks/run_all.py --quick    # fewer rounds, for a smoke run
    python benchmarks/run_all.py --only 3   # one benchmark (1 summary, 2 report, 3 start-up,
                                            # 4 scaling and memory, 5 diff,
                                            # 6 keras_hub files)

Generated model files are cached in ~/.cache/layerscope-bench (LAYERSCOPE_BENCH_CACHE).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUIET_ENV, ROOT, Result, commit, format_table, overhead

ALL_BENCHMARKS = (1, 2, 3, 4, 5, 6)
"""Every benchmark; only a run of all of them (not --quick) rewrites the README's table."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier numbers)")
    parser.add_argument(
        "--only",
        type=int,
        choices=list(ALL_BENCHMARKS),
        action="append",
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.md")
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="README whose perf-table block a full run rewrites",
    )
    args = parser.parse_args(argv)
    os.environ.update(QUIET_ENV)
    chosen = set(args.only or ALL_BENCHMARKS)
    results: list[Result] = []
    import bench_diff
    import bench_report
    import bench_scaling
    import bench_startup
    import bench_static_hub
    import bench_summary

    plan = [
        (3, lambda: bench_startup.run(runs=7 if args.quick else 15)),
        (2, lambda: bench_report.run(runs=1 if args.quick else 3)),
        (4, lambda: bench_scaling.run(runs=3 if args.quick else 9)),
        (1, lambda: bench_summary.run(runs=3 if args.quick else 7)),
        (5, lambda: bench_diff.run(runs=3 if args.quick else 5)),
        (6, lambda: bench_static_hub.run(runs=1 if args.quick else 3)),
    ]
    for number, bench in plan:
        if number in chosen:
            print(f"benchmark {number}...", file=sys.stderr, flush=True)
            results.extend(bench())
    table = format_table(sorted(results, key=lambda r: r.benchmark))
    print(table)
    from importlib.metadata import version

    header = (
        "# layerscope benchmarks\n\n"
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with "
        f"`python benchmarks/run_all.py{' --quick' if args.quick else ''}` on "
        f"{platform.machine()} Linux, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Keras {version('keras')}, at commit `{commit()}`. Times are medians of interleaved "
        "rounds; a ratio is layerscope / Keras (or the reference), lower is better, and the "
        "difference column gives the absolute overhead behind it.\n\n"
    )
    args.output.write_text(header + table + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    if chosen == set(ALL_BENCHMARKS) and not args.quick and args.readme is not None:
        update_readme(args.readme, results)
        print(f"rewrote the perf-table block of {args.readme}", file=sys.stderr)
    else:
        print("README table left alone (a partial or --quick run)", file=sys.stderr)
    return 0 if all(result.ok for result in results) else 1


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def readme_table(results: list[Result]) -> str:
    """The README's Performance table: one row per measurement, from this run only."""
    lines = [
        f"Measured at commit `{commit()}` "
        f"({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}):",
        "",
        "| what | layerscope | Keras's tools / reference | difference | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in sorted(results, key=lambda r: r.benchmark):
        target = "(info)" if result.target is None else f"≤ {result.target:.2g}x"
        lines.append(
            f"| {result.subject} | {_number(result.layerscope)} {result.unit} "
            f"| {_number(result.baseline)} {result.unit} | {overhead(result)} "
            f"| {result.ratio:.2f}x | {target} |"
        )
    notes = [f"- {r.subject}: {r.note}" for r in results if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def update_readme(path: Path, results: list[Result]) -> None:
    """Replace what lies between ``<!-- perf-table -->`` markers in the README."""
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- perf-table -->\n", "\n<!-- /perf-table -->"
    if start not in text or end not in text:
        raise RuntimeError(f"{path} has no perf-table markers")
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    path.write_text(before + start + readme_table(results) + end + after, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
