"""The runner: `python -m bench [NAME ...] [--quick] [--repeat N] [--postgres URL]` from the repository root.

Runs the named benchmarks (all by default) one after another, prints a table of figures with each
one's ratio to its baseline from the same run, and writes the same as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import analysis, collection, dashboards, facts, forecast, regions, startup
from bench.harness import POSTGRES_URL_VARIABLE, REPO_ROOT, BenchError, Context, Figure, Report

BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module for module in (startup, regions, facts, collection, forecast, dashboards, analysis)
}
RESULTS = Path(__file__).resolve().parent / "results"


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run CityBase's benchmarks; each figure is compared with a baseline from the same run.",
        epilog="Benchmarks: "
        + "; ".join(f"{name} — {module.DESCRIPTION}" for name, module in BENCHMARKS.items()),
    )
    parser.add_argument("names", nargs="*", metavar="BENCHMARK", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 cold starts, one 0.25 s round per throughput figure, 500,000 facts",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help="cold starts per server in `startup` (default 5, or 2 with --quick)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_URL_VARIABLE),
        help="a PostgreSQL server to measure on as well, e.g. "
        "postgresql://postgres@127.0.0.1/postgres; a scratch database is created there "
        f"and dropped afterwards (default: ${POSTGRES_URL_VARIABLE})",
    )
    parser.add_argument("--no-save", action="store_true", help="print the table only; write no JSON file")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if arguments.repeat is not None and arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def ratio_text(figure: Figure, baseline: Figure) -> tuple[float, str]:
    """How many times the baseline's cost this figure's cost is, as a number and as words."""
    if figure.value <= 0 or baseline.value <= 0:
        return float("nan"), "n/a"
    cost = baseline.value / figure.value if figure.higher_is_better else figure.value / baseline.value
    return cost, f"{times(cost)} slower" if cost >= 1 else f"{times(1 / cost)} faster"


def times(factor: float) -> str:
    return f"{factor:.1f}×" if factor < 100 else f"{factor:,.0f}×"


def format_value(value: float, unit: str) -> str:
    if unit == "s":
        if value < 0.1:
            return f"{value * 1000:.1f} ms"
        return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:,.0f} {unit}"


def table(results: dict[str, dict[str, Any]]) -> str:
    header = ("benchmark", "measurement", "value", "baseline", "vs baseline")
    lines: list[tuple[str, ...]] = []
    for name, result in results.items():
        report: Report = result["report"]
        for figure in report.figures:
            baseline = report.find(figure.baseline) if figure.baseline else None
            if figure.is_baseline:
                compared, versus = "(is a baseline)", ""
            elif baseline is not None:
                compared = format_value(baseline.value, baseline.unit)
                versus = ratio_text(figure, baseline)[1]
            else:
                compared, versus = "", ""
            lines.append((name, figure.label, format_value(figure.value, figure.unit), compared, versus))
        if result["error"]:
            lines.append((name, "FAILED: " + result["error"].splitlines()[0], "", "", ""))
    widths = [max(len(row[column]) for row in (header, *lines)) for column in range(len(header))]

    def render(row: tuple[str, ...]) -> str:
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].rjust(widths[3]),
            row[4].rjust(widths[4]),
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(row) for row in lines)])


def git_state() -> dict[str, Any]:
    git = shutil.which("git")
    if git is None:
        return {}

    def ask(*args: str) -> str:
        done = subprocess.run([git, *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": ask("rev-parse", "HEAD") or None, "dirty": bool(ask("status", "--porcelain"))}


def environment() -> dict[str, Any]:
    from citybase import __version__

    return {
        "citybase_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "git": git_state(),
    }


def as_json(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    benchmarks: dict[str, Any] = {}
    for name, result in results.items():
        report: Report = result["report"]
        figures = []
        for figure in report.figures:
            item = figure.as_dict()
            baseline = report.find(figure.baseline) if figure.baseline else None
            if baseline is not None:
                item["baseline_value"] = baseline.value
                item["cost_ratio"] = ratio_text(figure, baseline)[0]
            figures.append(item)
        benchmarks[name] = {
            "seconds": result["seconds"],
            "error": result["error"],
            "notes": report.notes,
            "figures": figures,
        }
    return benchmarks


def run_one(name: str, ctx: Context) -> dict[str, Any]:
    module = BENCHMARKS[name]
    run: Callable[[Context, Report], None] = module.run
    report = Report()
    print(f"▶ {name}: {module.DESCRIPTION}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    error: str | None = None
    try:
        run(ctx, report)
    except BenchError as exc:
        error = str(exc)
    except Exception:  # a broken benchmark must not stop the others; its traceback goes to the report
        error = traceback.format_exc()
    seconds = time.perf_counter() - started
    outcome = f"; FAILED: {error}" if error else ""
    print(f"  {name} took {seconds:.1f} s{outcome}", file=sys.stderr, flush=True)
    return {"report": report, "error": error, "seconds": round(seconds, 2)}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    # Figures must not depend on whoever ran them: CityBase settings from the environment are ignored.
    for variable in [name for name in os.environ if name.startswith("CITYBASE_")]:
        del os.environ[variable]
    names = arguments.names or list(BENCHMARKS)
    started_at = dt.datetime.now(dt.UTC)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="citybase-bench-") as scratch:
        ctx = Context(
            workdir=Path(scratch),
            quick=arguments.quick,
            repeat=arguments.repeat,
            postgres_url=arguments.postgres,
        )
        for name in names:
            results[name] = run_one(name, ctx)
    print()
    print(table(results))
    for result in results.values():
        report: Report = result["report"]
        for figure in report.figures:
            if figure.note:
                print(f"note: {figure.label}: {figure.note}")
        for note in report.notes:
            print(f"note: {note}")
    if not arguments.no_save:
        document = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "arguments": {
                "benchmarks": names,
                "quick": arguments.quick,
                "repeat": arguments.repeat,
                "postgres": arguments.postgres is not None,
            },
            "environment": environment(),
            "benchmarks": as_json(results),
        }
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"\nresults written to {shown}")
    return 1 if any(result["error"] for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
