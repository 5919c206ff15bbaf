"""Region lookups: by code and by name, through the domain functions and through the HTTP API.

The workload is the whole division list of the demo database (the national list, the retired codes
and Shenzhen's streets, ~3,400 codes) and a fixed mix of name queries a Shenzhen civil servant types:
exact names, short names (南山), paths (深圳南山, 广东省深圳市南山区) and typos, half of them about the
demo city. Baselines in the same run: a bare `SELECT * FROM regions WHERE code = ?` loop through the
database driver on the same database (the floor for lookups by code) and a plain dict lookup of the
same names (the in-memory ceiling for lookups by name).

PostgreSQL is measured when `--postgres URL` or CITYBASE_BENCH_POSTGRES_URL names a server: the
benchmark creates a scratch database there, loads the demo city into it and drops it afterwards.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench.harness import (
    BenchError,
    Context,
    Report,
    citybase_command,
    measure_rate,
    median,
    run_command,
    scratch_postgres,
)

NAME = "regions"
DESCRIPTION = "region lookups by code and by name (domain functions, HTTP API) against bare-driver baselines"

SEED = 2023
NAME_QUERIES = 2000
DEMO_CITY = "440300"
VIEWER = "finance_viewer"  # a demo department's read-only user: the permission check takes its usual path
FLOOR_SQL = "SELECT * FROM regions WHERE code = {placeholder}"
# Shares of the name mix; the rest of each query's shape is drawn from the data.
MIX = (("exact", 8), ("short", 5), ("path", 4), ("typo", 3))

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    code: str  # the region the query was made from


def read_regions(path: Path) -> tuple[list[Row], list[str]]:
    """The current regions, and every code (current or retired) in the database."""
    with closing(sqlite3.connect(path)) as conn:
        rows = [
            Row(*found)
            for found in conn.execute(
                "SELECT code, name, level, parent_code FROM regions WHERE valid_to IS NULL ORDER BY code"
            )
        ]
        codes = [code for (code,) in conn.execute("SELECT DISTINCT code FROM regions ORDER BY code")]
    return rows, codes


def name_mix(rows: Sequence[Row], count: int, seed: int = SEED) -> list[Query]:
    """`count` name queries, half about the demo city, in the shares of MIX."""
    from citybase.regions.search import short_name

    rng = random.Random(seed)
    by_code = {row.code: row for row in rows}
    ranked = [row for row in rows if row.level != "country"]
    local = [row for row in ranked if row.code.startswith(DEMO_CITY[:4])]
    characters = sorted({char for row in ranked for char in short_name(row.name)})
    kinds = [kind for kind, share in MIX for _ in range(share)]

    def ancestors(row: Row) -> list[Row]:
        found: list[Row] = []
        parent = by_code.get(row.parent_code or "")
        while parent is not None and parent.level != "country":
            found.insert(0, parent)
            parent = by_code.get(parent.parent_code or "")
        return found

    def shape(kind: str, row: Row) -> str:
        short = short_name(row.name)
        if kind == "short":
            return short
        if kind == "path":
            chain = ancestors(row)
            if not chain:
                return row.name
            if rng.random() < 0.5:  # 深圳南山: the parent's short name, then the region's
                return short_name(chain[-1].name) + short
            return "".join(item.name for item in chain) + row.name  # 广东省深圳市南山区
        if kind == "typo":
            position = rng.randrange(len(short))
            wrong = short[position]
            while wrong == short[position]:
                wrong = rng.choice(characters)
            return row.name[:position] + wrong + row.name[position + 1 :]
        return row.name

    queries = []
    for number in range(count):
        row = rng.choice(local if number % 2 == 0 else ranked)
        kind = rng.choice(kinds)
        queries.append(Query(shape(kind, row), kind, row.code))
    return queries


def name_dict(rows: Sequence[Row]) -> dict[str, list[str]]:
    """Full and short names to codes: the most a name lookup can be sped up by keeping it in memory."""
    from citybase.regions.search import short_name

    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.name, []).append(row.code)
        found.setdefault(short_name(row.name), []).append(row.code)
    return found


def rates(ctx: Context, call: Callable[[T], object], items: Sequence[T]) -> list[float]:
    call(items[0])  # warm caches (the search index, prepared statements) outside the timing
    return [measure_rate(call, items, ctx.rate_budget) for _ in range(ctx.rate_rounds)]


@contextmanager
def sqlite_floor(path: Path) -> Iterator[Callable[[str], object]]:
    conn = sqlite3.connect(path)
    query = FLOOR_SQL.format(placeholder="?")
    try:
        yield lambda code: conn.execute(query, (code,)).fetchone()
    finally:
        conn.close()


@contextmanager
def postgres_floor(libpq_url: str) -> Iterator[Callable[[str], object]]:
    import psycopg

    query = FLOOR_SQL.format(placeholder="%s")
    with psycopg.connect(libpq_url) as conn:
        yield lambda code: conn.execute(query, (code,)).fetchone()


def run(ctx: Context, report: Report) -> None:
    path = ctx.demo_sqlite()
    rows, codes = read_regions(path)
    random.Random(SEED).shuffle(codes)
    queries = name_mix(rows, NAME_QUERIES)
    ctx.log(
        f"{len(codes)} codes, {len(queries)} name queries; {ctx.rate_rounds} round(s) of "
        f"{ctx.rate_budget:g} s per figure"
    )

    names = name_dict(rows)
    found = rates(ctx, lambda query: names.get(query.text), queries)
    report.add(
        "names_dict",
        "names: plain dict lookup (in-memory ceiling)",
        median(found),
        "lookups/s",
        higher_is_better=True,
        is_baseline=True,
        samples=found,
    )

    measure_backend(ctx, report, "sqlite", f"sqlite:///{path}", sqlite_floor(path), codes, queries)
    if ctx.postgres_url is None:
        report.notes.append(
            "regions: PostgreSQL skipped; give --postgres URL or set "
            "CITYBASE_BENCH_POSTGRES_URL to measure it"
        )
        return
    with scratch_postgres(ctx.postgres_url) as (url, libpq):
        ctx.log("preparing the demo city in a scratch PostgreSQL database (citybase demo)")
        run_command([*citybase_command(), "demo", "--database-url", url], ctx.workdir)
        measure_backend(ctx, report, "postgresql", url, postgres_floor(libpq), codes, queries)


def measure_backend(
    ctx: Context,
    report: Report,
    backend: str,
    url: str,
    floor: AbstractContextManager[Callable[[str], object]],
    codes: list[str],
    queries: list[Query],
) -> None:
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.tokens import create_token
    from citybase.accounts.users import actor_for, find_user
    from citybase.regions.search import search_regions
    from citybase.regions.service import get_region
    from citybase.storage import connect_database

    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    rate = "lookups/s"
    ctx.log(f"{label}: by code, bare driver")
    with floor as lookup:
        found = rates(ctx, lookup, codes)
    floor_key = f"{backend}_code_floor"
    report.add(
        floor_key,
        f"{label} by code: bare SELECT ... WHERE code = ? (floor)",
        median(found),
        rate,
        higher_is_better=True,
        is_baseline=True,
        samples=found,
    )

    database = connect_database(url)
    try:
        with database.write() as conn:
            user = find_user(conn, VIEWER)
            _token, secret = create_token(conn, Actor.system(Channel.CLI), username=VIEWER, name="benchmark")
        with database.read() as conn:
            actor = actor_for(conn, user, Channel.API)
            ctx.log(f"{label}: by code, get_region()")
            found = rates(ctx, lambda code: get_region(conn, actor, code), codes)
            report.add(
                f"{backend}_code_domain",
                f"{label} by code: regions.service.get_region()",
                median(found),
                rate,
                higher_is_better=True,
                baseline=floor_key,
                samples=found,
            )

            ctx.log(f"{label}: by name, search_regions()")
            started = time.perf_counter()
            search_regions(conn, actor, queries[0].text)
            report.add(
                f"{backend}_index_build",
                f"{label} search index build (first search on a new engine)",
                time.perf_counter() - started,
                "s",
            )
            found = rates(ctx, lambda query: search_regions(conn, actor, query.text), queries)
            report.add(
                f"{backend}_name_domain",
                f"{label} by name: regions.search.search_regions()",
                median(found),
                rate,
                higher_is_better=True,
                baseline="names_dict",
                samples=found,
            )
            hits = [
                query.code in {match.region.code for match in search_regions(conn, actor, query.text)}
                for query in queries
            ]
            report.add(
                f"{backend}_name_hits",
                f"{label} by name: intended region among the 10 matches",
                100 * sum(hits) / len(hits),
                "%",
                higher_is_better=True,
                note=hit_rates_by_kind(queries, hits),
            )
    finally:
        database.dispose()
    measure_http(ctx, report, backend, label, url, secret, codes, queries)


def hit_rates_by_kind(queries: Sequence[Query], hits: Sequence[bool]) -> str:
    parts = []
    for kind, _share in MIX:
        found = [hit for query, hit in zip(queries, hits, strict=True) if query.kind == kind]
        if found:
            parts.append(f"{kind} {100 * sum(found) / len(found):.0f}%")
    return "by kind of query: " + ", ".join(parts)


def testclient_floor(ctx: Context, report: Report) -> float:
    """Requests/s of the minimal app's /healthz through TestClient: what the in-process client costs."""
    from fastapi.testclient import TestClient

    from bench.minimal_app import app

    found = report.find("http_floor")
    if found is not None:
        return found.value
    with TestClient(app) as client:
        measured = rates(ctx, lambda _index: client.get("/healthz"), range(1))
    report.add(
        "http_floor",
        "context: minimal FastAPI app GET /healthz (TestClient)",
        median(measured),
        "requests/s",
        higher_is_better=True,
        samples=measured,
        note="the most requests/s the in-process client delivers; the HTTP figures cannot exceed it",
    )
    return median(measured)


def measure_http(
    ctx: Context,
    report: Report,
    backend: str,
    label: str,
    url: str,
    secret: str,
    codes: list[str],
    queries: list[Query],
) -> None:
    from fastapi.testclient import TestClient

    from citybase.app import create_app
    from citybase.settings import get_settings

    ceiling = testclient_floor(ctx, report)
    app = create_app(get_settings(database_url=url, auto_migrate=False))
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:

        def get(path: str, params: dict[str, str | int] | None = None) -> None:
            response = client.get(path, params=params, headers=headers)
            if response.status_code != 200:
                raise BenchError(
                    f"GET {path} {params or ''} answered {response.status_code}: " + response.text[:300]
                )

        ctx.log(f"{label}: by code, GET /api/v1/regions/{{code}}")
        found = rates(ctx, lambda code: get(f"/api/v1/regions/{code}"), codes)
        report.add(
            f"{backend}_code_http",
            f"{label} by code: GET /api/v1/regions/{{code}} (TestClient)",
            median(found),
            "lookups/s",
            higher_is_better=True,
            baseline=f"{backend}_code_floor",
            samples=found,
            note=f"{ceiling / median(found):.1f}× the cost of a minimal app's request; "
            "the answer also carries ancestors, versions, changes and a child count",
        )
        ctx.log(f"{label}: by name, GET /api/v1/regions?q=")
        found = rates(ctx, lambda query: get("/api/v1/regions", {"q": query.text, "limit": 10}), queries)
        report.add(
            f"{backend}_name_http",
            f"{label} by name: GET /api/v1/regions?q=... (TestClient)",
            median(found),
            "lookups/s",
            higher_is_better=True,
            baseline="names_dict",
            samples=found,
            note=f"{ceiling / median(found):.1f}× the cost of a minimal app's request",
        )
