"""Whole-store analysis: year-on-year growth and share among sibling regions for every value of a
10-million-fact store, on SQLite and on PostgreSQL, against DuckDB doing the same over the same data.

Workload: the `facts` benchmark's store — 2,000 yearly flow indicators × 200 real counties × 25 years,
loaded through `store_checked()` (which keeps the series blocks in step); --quick takes 10 counties
(500,000 facts).

Measured, three rounds each, median reported:

* CityBase: `read_columns()` (every series block out of the database) and `compute()` (growth and share
  as columns), with the indicator catalogue and region index already in memory — from SQLite, and from
  PostgreSQL when --postgres (or $CITYBASE_BENCH_POSTGRES_URL) names a server.
* DuckDB (the in-process analytical limit), in its own virtual environment under
  ~/.cache/citybase-bench-duckdb so it never touches the project's: the same current values handed over
  as integer-keyed columns (indicator, region code, dims number, parent region code, period start and end,
  value) with a table of which indicators change in points and which add up, loaded into a DuckDB table
  before the clock starts; timed is one `CREATE TABLE … AS SELECT` computing the same growth (a self-join
  on the period a year earlier) and share (a window over indicator, dims, parent and period), with the
  same rules (points for rates, no growth over a base ≤ 0, a share only among ≥ 2 reporting regions).

Both results are checked against each other (counts of growths and shares, and their sums) before any
figure is reported. Target from the issue: within 3× of DuckDB, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import facts
from bench.harness import BenchError, Context, Report, peer_environment, scratch_postgres

NAME = "analysis"
DESCRIPTION = (
    "year-on-year growth and shares of every series in a 10M-fact store (SQLite, PostgreSQL) vs DuckDB"
)

ROUNDS = 3
TARGET = 3.0
DUCKDB_CACHE = Path.home() / ".cache" / "citybase-bench-duckdb"

PEER_SCRIPT = r'''
import json, sys, time
from pathlib import Path
import duckdb
import numpy as np

folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
values = {name: np.load(folder / f"{name}.npy") for name in
          ("indicator_id", "region", "dims", "parent", "period_start", "period_end", "value")}
flags = {name: np.load(folder / f"{name}.npy") for name in ("flag_indicator", "in_points", "additive")}
db = duckdb.connect()
db.execute("CREATE TABLE f AS SELECT * FROM values")
db.execute("CREATE TABLE kinds AS SELECT flag_indicator AS indicator_id, in_points, additive FROM flags")
QUERY = """
CREATE OR REPLACE TABLE r AS
WITH v AS (SELECT f.*, k.in_points, k.additive FROM f JOIN kinds k USING (indicator_id))
SELECT v.indicator_id, v.region, v.dims, v.period_start, v.period_end, v.value,
  CASE WHEN b.value IS NULL THEN NULL
       WHEN v.in_points THEN v.value - b.value
       WHEN b.value > 0 THEN (v.value / b.value - 1) * 100 END AS growth,
  CASE WHEN v.additive AND v.parent >= 0 AND count(*) OVER w >= 2 AND sum(v.value) OVER w > 0
       THEN v.value / sum(v.value) OVER w * 100 END AS share
FROM v LEFT JOIN f b
  ON b.indicator_id = v.indicator_id AND b.region = v.region AND b.dims = v.dims
 AND b.period_start = v.period_start - 12 AND b.period_end = v.period_end - 12
WINDOW w AS (PARTITION BY v.indicator_id, v.dims, v.parent, v.additive, v.period_start, v.period_end)
"""
times = []
for _ in range(rounds):
    started = time.perf_counter()
    db.execute(QUERY)
    times.append(time.perf_counter() - started)
rows, growths, shares, growth_sum, share_sum = db.execute(
    "SELECT count(*), count(growth), count(share), sum(growth), sum(share) FROM r").fetchone()
print(json.dumps({"times": times, "rows": rows, "growths": growths, "shares": shares,
                  "growth_sum": growth_sum, "share_sum": share_sum, "version": duckdb.__version__}))
'''


def load(ctx: Context, store: facts.Store, counties: int, label: str) -> float:
    """All facts through store_checked(), batch by batch; returns the seconds it took."""
    from citybase.storage import connect_database

    database = connect_database(store.url)
    started = time.perf_counter()
    loaded = 0
    try:
        for number, batch in enumerate(facts.fact_batches(store, counties)):
            facts.store_batch(database, store, batch, f"bench:analysis:{number:03d}")
            loaded += len(batch)
            if number % 20 == 19:
                ctx.log(f"{label}: loaded {loaded:,} facts ({time.perf_counter() - started:.0f} s)")
    finally:
        database.dispose()
    return time.perf_counter() - started


def measure(url: str) -> tuple[list[float], list[float], Any]:
    """Seconds to read every block and to compute growth and shares, per round; the last result."""
    from citybase.analysis.growth_share import compute
    from citybase.facts.blocks import read_columns
    from citybase.indicators.catalog import indicator_catalog
    from citybase.regions.index import region_index
    from citybase.storage import connect_database

    database = connect_database(url)
    reading: list[float] = []
    computing: list[float] = []
    result: Any = None
    try:
        with database.read() as conn:
            catalog = indicator_catalog(conn)
            regions = region_index(conn)

        def parent_of(code: str) -> str | None:
            region = regions.latest(code)
            return region.parent_code if region is not None else None

        for _ in range(ROUNDS):
            result = None
            started = time.perf_counter()
            with database.read() as conn:
                columns = read_columns(conn)
            read = time.perf_counter()
            result = compute(columns, catalog, parent_of)
            reading.append(read - started)
            computing.append(time.perf_counter() - read)
    finally:
        database.dispose()
    return reading, computing, result


def summary(result: Any) -> dict[str, float]:
    import numpy as np

    return {
        "rows": float(result.columns.value_count),
        "growths": float(result.growth_count),
        "shares": float(result.share_count),
        "growth_sum": float(np.nansum(result.growth)),
        "share_sum": float(np.nansum(result.share)),
    }


def export_for_peer(result: Any, folder: Path) -> None:
    """The current values as DuckDB gets them: integer keys, one column per file."""
    import numpy as np

    from citybase.analysis.growth_share import shares_apply
    from citybase.analysis.observations import changes_as_difference

    columns = result.columns
    series_of = columns.series_of_values()
    dims_numbers = {text: number for number, text in enumerate(sorted(set(columns.dims)))}
    per_series = {
        "indicator_id": columns.indicator_ids.astype(np.int32),
        "region": np.asarray([int(code) for code in columns.region_codes], dtype=np.int64),
        "dims": np.asarray([dims_numbers[text] for text in columns.dims], dtype=np.int32),
        "parent": np.asarray([int(code) if code else -1 for code in result.parents], dtype=np.int64),
    }
    for name, array in per_series.items():
        np.save(folder / f"{name}.npy", array[series_of])
    np.save(folder / "period_start.npy", columns.starts)
    np.save(folder / "period_end.npy", columns.ends)
    np.save(folder / "value.npy", columns.values)
    indicators = result.indicators
    np.save(folder / "flag_indicator.npy", np.asarray([item.id for item in indicators], dtype=np.int32))
    np.save(folder / "in_points.npy", np.asarray([changes_as_difference(item) for item in indicators]))
    np.save(folder / "additive.npy", np.asarray([shares_apply(item) for item in indicators]))


def run_peer(ctx: Context, report: Report, folder: Path) -> dict[str, Any] | None:
    python = peer_environment(
        ctx, report, folder=DUCKDB_CACHE, packages=["duckdb", "numpy"], program="python"
    )
    if python is None:
        return None
    script = folder / "peer.py"
    script.write_text(PEER_SCRIPT, encoding="utf-8")
    ctx.log("DuckDB: loading the same values and computing growth and shares")
    finished = subprocess.run(
        [str(python), str(script), str(folder), str(ROUNDS)], capture_output=True, text=True, timeout=1800
    )
    if finished.returncode != 0:
        raise BenchError(f"the DuckDB peer failed: {finished.stderr.strip()[-1000:]}")
    answer: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return answer


def check_agreement(ours: dict[str, float], peer: dict[str, Any], where: str) -> None:
    for name in ("rows", "growths", "shares"):
        if int(ours[name]) != int(peer[name]):
            raise BenchError(
                f"{where}: {name} differ — CityBase {int(ours[name]):,}, DuckDB {int(peer[name]):,}"
            )
    for name in ("growth_sum", "share_sum"):
        if abs(ours[name] - peer[name]) > 1e-6 * max(1.0, abs(peer[name])):
            raise BenchError(f"{where}: {name} differ — CityBase {ours[name]!r}, DuckDB {peer[name]!r}")


def run(ctx: Context, report: Report) -> None:
    workload = facts.Workload.for_context(ctx)
    facts.check_disk(ctx, workload)
    folder = ctx.workdir / "analysis"
    folder.mkdir(exist_ok=True)
    ctx.log(
        f"{workload.rows:,} facts: {facts.INDICATORS:,} indicators × {workload.counties} counties × 25 years"
    )
    store = facts.prepare_store(ctx, folder / "analysis.db", workload.counties)
    seconds = load(ctx, store, workload.counties, "SQLite")
    ctx.log(f"SQLite: {workload.rows:,} facts loaded in {seconds:.0f} s")
    reading, computing, result = measure(store.url)
    ours = summary(result)
    export_for_peer(result, folder)
    sides: list[tuple[str, str, list[float], list[float], dict[str, float]]] = [
        ("sqlite", "SQLite", reading, computing, ours)
    ]
    del result
    if ctx.postgres_url:
        with scratch_postgres(ctx.postgres_url) as (url, _libpq):
            pg_store = facts.prepare_store(ctx, folder / "unused.db", workload.counties, database_url=url)
            seconds = load(ctx, pg_store, workload.counties, "PostgreSQL")
            ctx.log(f"PostgreSQL: {workload.rows:,} facts loaded in {seconds:.0f} s")
            pg_reading, pg_computing, pg_result = measure(url)
            sides.append(("postgres", "PostgreSQL", pg_reading, pg_computing, summary(pg_result)))
            del pg_result
    else:
        report.notes.append(
            "analysis: no PostgreSQL server named (--postgres); the PostgreSQL figure is skipped"
        )
    peer = run_peer(ctx, report, folder)
    rows = int(ours["rows"])
    if peer is not None:
        for _key, label, _reading, _computing, found in sides:
            check_agreement(found, peer, label)
        report.add(
            "duckdb",
            f"growth + share of {rows:,} values: DuckDB {peer['version']} (data already loaded)",
            statistics.median(peer["times"]),
            "s",
            is_baseline=True,
            samples=peer["times"],
        )
    for key, label, read_times, compute_times, found in sides:
        totals = [read + work for read, work in zip(read_times, compute_times, strict=True)]
        figure = report.add(
            key,
            f"growth + share of {rows:,} values: CityBase from {label} (read blocks + compute)",
            statistics.median(totals),
            "s",
            baseline="duckdb" if peer is not None else None,
            samples=totals,
        )
        report.add(
            f"{key}_read",
            f"  of which reading the series blocks from {label}",
            statistics.median(read_times),
            "s",
        )
        report.add(
            f"{key}_compute", "  of which computing growth and shares", statistics.median(compute_times), "s"
        )
        if peer is not None:
            ratio = figure.value / statistics.median(peer["times"])
            verdict = "MET" if ratio <= TARGET else "MISSED"
            report.notes.append(
                f"analysis ({label}): {ratio:.2f}× DuckDB's time — target within {TARGET:.0f}×: {verdict}; "
                f"{int(found['growths']):,} growths and {int(found['shares']):,} shares, equal to DuckDB's"
            )
    shutil.rmtree(folder, ignore_errors=True)
