"""Collection end to end: a department's CSV of 1,000,000 values (and a 100,000-row .xlsx) read, mapped,
converted, checked, audited by 20 rules and staged as a submission.

The workload: 40 monthly indicators × 90 regions (Shenzhen, its 10 districts and 79 streets) × 280 months,
in 万元 for indicators kept in 亿元 (so every value is converted), consistent so that the rules pass:
balance identities hold, districts sum to the city and streets to their district. The 20 rules: 8 ranges,
2 balance identities, 2 region sums, 4 year-on-year, 2 period-on-period, 1 compulsory pair, 1 modified
z-score. Baselines in the same run: (a) a bare executemany of the same rows into an equivalent SQLite
table, the write limit; (b) `frictionless validate` of the same CSV with a matching table schema and
primary key, a peer that checks types and uniqueness and writes nothing; (c) merely reading the .xlsx
with openpyxl (read-only mode). The import runs in a child process so its peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import BenchError, Context, Report, clean_environment, peer_environment

NAME = "collection"
DESCRIPTION = "import of 1M CSV values and a 100k-row .xlsx through map, convert, check, 20 rules and staging"

INDICATORS = 40
FIRST_YEAR = 2000
FRICTIONLESS_CACHE = Path.home() / ".cache" / "citybase-bench-frictionless"
HEADER = ("indicator", "region", "period", "value", "unit")


def indicator_document() -> dict[str, Any]:
    return {
        "format": "citybase-indicators",
        "version": 1,
        "categories": [{"code": "BENCH", "name": "基准", "name_en": "Benchmark", "parent": None}],
        "dimensions": [],
        "indicators": [
            {
                "code": code_of(number),
                "name": f"基准指标{number:02d}",
                "category": "BENCH",
                "unit": "亿元",
                "frequency": "month",
                "value_kind": "flow",
                "decimals": 4,
                "min_value": 0,
                "authoritative_org": "STATS",
                "reporters": ["STATS"],
                "definition": "基准测试用指标",
            }
            for number in range(1, INDICATORS + 1)
        ],
        "aliases": [],
    }


def code_of(number: int) -> str:
    return f"B{number:02d}"


def rules() -> list[tuple[str, str]]:
    found = [(f"RANGE_{code_of(n)}", f"{code_of(n)} between 0 and 1e9") for n in range(1, 9)]
    found += [
        ("BALANCE_1", "B01 = B02 + B03 ± 0.5%"),
        ("BALANCE_2", "B04 = B05 + B06 ± 0.5%"),
        ("SUM_B07", "sum_children(B07) = B07 ± 1%"),
        ("SUM_B08", "sum_children(B08) = B08 ± 1%"),
    ]
    found += [(f"YOY_{code_of(n)}", f"yoy({code_of(n)}) between -50% and 100%") for n in range(9, 13)]
    found += [(f"POP_{code_of(n)}", f"pop({code_of(n)}) between -60% and 150%") for n in (13, 14)]
    found += [("PAIR_B15", "present(B15) implies present(B16)"), ("MZ_B17", "mzscore(B17) <= 50")]
    return found


def regions_of(database_url: str) -> tuple[list[str], dict[str, list[str]]]:
    """Shenzhen, its districts and streets, and each one's children."""
    from citybase.regions.index import region_index
    from citybase.storage import connect_database

    database = connect_database(database_url)
    try:
        with database.read() as conn:
            index = region_index(conn)
            districts = [kid.code for kid in index.children_of("440300")]
            children = {"440300": districts}
            for district in districts:
                children[district] = [kid.code for kid in index.children_of(district)]
    finally:
        database.dispose()
    every = ["440300", *districts, *(street for d in districts for street in children[d])]
    return every, children


def prepare(path: Path) -> str:
    """A database with the regions, STATS and the benchmark's indicator system and rules."""
    from citybase.accounts.actor import Actor
    from citybase.accounts.organisations import create_organisation
    from citybase.audit.model import RuleSpec, Severity
    from citybase.audit.rules import save_rule
    from citybase.indicators.exchange import import_system
    from citybase.instance import prepare_database
    from citybase.regions.loader import load_bundled_streets
    from citybase.site import HOME_REGION, set_setting
    from citybase.storage import connect_database

    url = f"sqlite:///{path}"
    database = connect_database(url)
    actor = Actor.system()
    try:
        prepare_database(database)
        with database.write() as conn:
            load_bundled_streets(conn, actor, "440300")
            set_setting(conn, actor, HOME_REGION, "440300")
            for code, platform in (("GSDB", True), ("STATS", False)):
                create_organisation(
                    conn,
                    actor,
                    code=code,
                    name=code,
                    kind="department",
                    region_code="440300",
                    platform=platform,
                )
        with database.write() as conn:
            import_system(conn, actor, indicator_document())
            for code, expression in rules():
                save_rule(conn, actor, RuleSpec(code, code, expression, Severity.ERROR), active=True)
    finally:
        database.dispose()
    return url


def months(count: int) -> list[str]:
    return [f"{FIRST_YEAR + index // 12}-{index % 12 + 1:02d}" for index in range(count)]


def generate_rows(
    regions: list[str], children: dict[str, list[str]], periods: list[str]
) -> list[tuple[str, ...]]:
    """Rows in 万元; streets first, then sums upward, so districts and the city add up exactly."""
    streets = [code for code in regions if len(code) > 6]
    rows: list[tuple[str, ...]] = []
    for number in range(1, INDICATORS + 1):
        code = code_of(number)
        for position, period in enumerate(periods):
            value: dict[str, int] = {}
            for rank, street in enumerate(streets):
                # Whole 万元, so the sums up the region tree are exact.
                value[street] = 1000 + (rank * 37 + position * 11 + number * 7) % 500
            for district, kids in children.items():
                if district != "440300":
                    value[district] = sum(value[kid] for kid in kids)
            value["440300"] = sum(value[district] for district in children["440300"])
            rows.extend((code, region, period, str(value[region]), "万元") for region in regions)
    return rows


def balance(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Make B01 = B02 + B03 and B04 = B05 + B06 hold exactly for every region and period."""
    by_key = {(row[0], row[1], row[2]): int(row[3]) for row in rows}
    fixed = []
    for row in rows:
        indicator, region, period = row[0], row[1], row[2]
        if indicator in ("B01", "B04"):
            first, second = ("B02", "B03") if indicator == "B01" else ("B05", "B06")
            total = by_key[(first, region, period)] + by_key[(second, region, period)]
            row = (indicator, region, period, str(total), row[4])
        fixed.append(row)
    return fixed


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.writelines(",".join(row) + "\n" for row in rows)


def write_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("data")
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, (row[0], row[1], row[2], float(row[3]), row[4]))
    book.close()


def child_import(database_url: str, file: str) -> None:
    """Run in a child process: import `file` as STATS and print the seconds, values and peak memory."""
    from citybase.accounts.actor import Actor
    from citybase.collection.intake import submit_upload
    from citybase.collection.reading import ReadLimits
    from citybase.storage import connect_database

    database = connect_database(database_url)
    data = Path(file).read_bytes()
    started = time.perf_counter()
    with database.write() as conn:
        result = submit_upload(
            conn,
            Actor.system(),
            data,
            Path(file).name,
            org_code="STATS",
            limits=ReadLimits(max_bytes=1 << 31, max_rows=5_000_000),
        )
    seconds = time.perf_counter() - started
    database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "values": result.submission.value_count,
                "errors": result.submission.error_count,
                "status": result.submission.status.value,
                "first_problem": result.lines[0].message.render() if result.lines else "",
                "peak_bytes": peak,
            }
        )
    )


def run_child(database_url: str, file: Path) -> dict[str, Any]:
    code = f"from bench.collection import child_import; child_import({database_url!r}, {str(file)!r})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean_environment(),
        cwd=Path(__file__).resolve().parent.parent,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"the import failed: {done.stderr.strip()[-800:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if answer["errors"]:
        raise BenchError(f"the benchmark's own data failed the audit: {answer['first_problem']}")
    return answer


def bare_insert(path: Path, rows: list[tuple[str, ...]]) -> float:
    """The write limit: the same rows, already typed, into an equivalent table with one executemany."""
    typed = [
        (
            1,
            index % INDICATORS + 1,
            row[1],
            row[2],
            0,
            0,
            "",
            float(row[3]) / 10000,
            "final",
            "",
            f"data!D{index + 2}",
        )
        for index, row in enumerate(rows)
    ]
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE submission_values (id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, "
            "indicator_id INTEGER NOT NULL, region_code VARCHAR(12) NOT NULL, period VARCHAR(16) NOT NULL, "
            "period_start INTEGER NOT NULL, period_end INTEGER NOT NULL, dims VARCHAR(128) NOT NULL, "
            "value FLOAT NOT NULL, status VARCHAR(12) NOT NULL, note TEXT NOT NULL, "
            "location VARCHAR(64) NOT NULL)"
        )
        connection.execute("CREATE INDEX ix_values_submission ON submission_values (submission_id)")
        started = time.perf_counter()
        connection.executemany(
            "INSERT INTO submission_values (submission_id, indicator_id, region_code, period, period_start, "
            "period_end, dims, value, status, note, location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            typed,
        )
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def frictionless_command(ctx: Context, report: Report) -> list[str] | None:
    found = peer_environment(
        ctx, report, folder=FRICTIONLESS_CACHE, packages=["frictionless"], program="frictionless"
    )
    return None if found is None else [str(found)]


def frictionless_seconds(command: list[str], csv_path: Path) -> float:
    schema = {
        "fields": [
            {"name": "indicator", "type": "string", "constraints": {"required": True}},
            {"name": "region", "type": "string", "constraints": {"required": True}},
            {"name": "period", "type": "string", "constraints": {"required": True}},
            {"name": "value", "type": "number", "constraints": {"required": True}},
            {"name": "unit", "type": "string"},
        ],
        "primaryKey": ["indicator", "region", "period"],
    }
    schema_path = csv_path.parent / "schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(
        # frictionless refuses absolute paths as unsafe: both files are named relative to the working folder.
        [*command, "validate", csv_path.name, "--schema", schema_path.name],
        capture_output=True,
        text=True,
        cwd=csv_path.parent,
        env=clean_environment(),
        timeout=3600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "valid" not in done.stdout.lower():
        raise BenchError(f"frictionless validate failed: {(done.stdout + done.stderr).strip()[-500:]}")
    return seconds


def openpyxl_seconds(path: Path) -> float:
    import openpyxl

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    if count < 2:
        raise BenchError("openpyxl read no rows")
    return time.perf_counter() - started


def run(ctx: Context, report: Report) -> None:
    month_count = 28 if ctx.quick else 280
    ctx.log("preparing the database (regions, indicator system, 20 rules)")
    url = prepare(ctx.workdir / "collection.db")
    regions, children = regions_of(url)
    periods = months(month_count)
    rows = balance(generate_rows(regions, children, periods))
    csv_path = ctx.workdir / "values.csv"
    write_csv(csv_path, rows)
    ctx.log(f"{len(rows):,} values in {csv_path.stat().st_size / 1e6:.0f} MB of CSV; importing")
    answer = run_child(url, csv_path)
    if answer["values"] != len(rows):
        raise BenchError(f"the import staged {answer['values']} values of {len(rows)}")
    values = len(rows)
    report.add("csv_import", f"import {values:,} CSV values (20 rules)", answer["seconds"], "s")
    report.add("csv_rate", "values per second", values / answer["seconds"], "/s", higher_is_better=True)
    report.add("csv_peak", "peak memory of the import process", answer["peak_bytes"] / 1e6, "MB")
    bare = bare_insert(ctx.workdir / "bare.db", rows)
    report.add("bare_insert", "bare executemany of the same rows", bare, "s", is_baseline=True)
    report.figures[0].baseline = "bare_insert"
    command = frictionless_command(ctx, report)
    if command is not None:
        ctx.log("frictionless validate of the same CSV")
        seconds = frictionless_seconds(command, csv_path)
        report.add(
            "frictionless",
            "frictionless validate (schema, primary key)",
            seconds,
            "s",
            is_baseline=True,
        )
        report.add(
            "csv_vs_frictionless",
            "import, compared with frictionless",
            answer["seconds"],
            "s",
            baseline="frictionless",
        )
    xlsx_rows = rows[: 10_000 if ctx.quick else 100_000]
    xlsx_path = ctx.workdir / "values.xlsx"
    write_xlsx(xlsx_path, xlsx_rows)
    xlsx_url = prepare(ctx.workdir / "collection-xlsx.db")
    ctx.log(f"{len(xlsx_rows):,}-row .xlsx; importing")
    xlsx_answer = run_child(xlsx_url, xlsx_path)
    reading = openpyxl_seconds(xlsx_path)
    report.add("openpyxl_read", "openpyxl: read the .xlsx (read-only)", reading, "s", is_baseline=True)
    report.add(
        "xlsx_import",
        f"import a {len(xlsx_rows):,}-row .xlsx (20 rules)",
        xlsx_answer["seconds"],
        "s",
        baseline="openpyxl_read",
    )
