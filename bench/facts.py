"""The central store at scale: 10 million facts in SQLite, loaded in bulk and queried as series.

Workload: 2,000 yearly flow indicators (IND_0001 … IND_2000, imported as an indicator system document)
× 200 real county codes from the national division list × 25 years (2000–2024), values drawn from
lognormal shapes (a scale per indicator, a size per county, growth over the years) with 2 decimals.
--quick keeps the 2,000 indicators and 25 years but takes 10 counties (500,000 facts).

Figures, each against a baseline measured in the same run:

* load: `store_checked()` (the store's bulk path: current-value lookup, rows, executemany, ledger) on
  already checked facts in batches of 100,000, one write transaction each, against a bare sqlite3
  `executemany` of exactly the same row tuples into an equivalent `facts` table in another file (the
  same DDL, read from the first file, so the same indexes and foreign keys, and the same pragmas; the
  timestamp handed over as the text both files end up storing, see `stored_stamp`). The
  batches alternate between the two, so drift in the machine's load falls on both alike. The facts are
  built before the clock starts for either side.
* publish: the full `publish()` path (FactInput → checking → store) on the first 1,000,000 facts
  (--quick: 100,000) into a copy of the database taken before the load, against the bare insert of
  the same rows; and the checking alone (`check_all`) on the same input, for context.
* series query: GET /api/v1/facts?indicator=…&region=(10 codes)&start=2000&end=2024 — 250 values —
  with a random indicator and 10 random counties per request, p50 and p99 over a real socket
  (`citybase serve`, keep-alive) and in-process (TestClient), against datasette serving the same file
  (immutable, loopback only) answering the equivalent SQL with the same parameters.

Targets from the issue: bulk load at least half the speed of the bare insert; series query p99 under
20 ms over the socket and not slower than datasette. The verdicts are printed as notes.

Datasette is taken from the project's environment when it is installed there; otherwise it is
installed with pip into a separate virtual environment under ~/.cache/citybase-bench (so its
dependencies never change the project's), and the peer figures are skipped with a note if that fails.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    BenchError,
    Context,
    Report,
    citybase_command,
    clean_environment,
    peer_environment,
    stop,
)

NAME = "facts"
DESCRIPTION = (
    "central store: bulk load of 10M facts (SQLite) against a bare executemany; "
    "series queries over HTTP against datasette"
)

SEED = 2024
INDICATORS = 2000
YEARS = tuple(range(2000, 2025))
COUNTIES = 200
QUICK_COUNTIES = 10
BATCH = 100_000
PUBLISH_ROWS = 1_000_000
QUICK_PUBLISH_ROWS = 100_000
REQUESTS = 300
QUICK_REQUESTS = 50
WARMUP_REQUESTS = 10
QUERY_REGIONS = 10
FREE_GB = 10.0
QUICK_FREE_GB = 2.0
P99_TARGET = 0.020
LOAD_TARGET = 0.5  # the store's rows/s at least half the bare insert's
START_TIMEOUT = 120.0
SOURCE_ORG = "STATS"
PLATFORM_ORG = "PLATFORM"
VIEWER = "bench_viewer"
UNITS = ("亿元", "万元", "万吨", "万千瓦时", "吨", "人", "个")
CATEGORIES = (
    ("ECON", "经济运行", "Economy"),
    ("IND", "工业", "Industry"),
    ("INV", "固定资产投资", "Investment"),
    ("TRADE", "贸易", "Trade"),
    ("FIN", "财政金融", "Public finance"),
    ("ENERGY", "能源", "Energy"),
    ("POP", "人口就业", "Population and employment"),
    ("SOC", "社会事业", "Social development"),
)
DATASETTE_CACHE = Path.home() / ".cache" / "citybase-bench" / "datasette"
# The peer's query: the same rows, joined to the same names our API answers with.
PEER_SQL = """
select f.id, i.code as indicator, i.name as indicator_name, f.region_code as region,
       r.name as region_name, f.period, f.dims, f.value, i.unit, f.status, o.code as source,
       f.origin, f.recorded_at, f.recorded_by, f.note
from facts f
join indicators i on i.id = f.indicator_id
join organisations o on o.id = f.source_org_id
left join regions r on r.code = f.region_code and r.valid_to is null
where i.code = :indicator
  and f.region_code in ({regions})
  and f.role = 'authoritative' and f.superseded_at is null and f.dims = ''
  and f.period_start >= :first and f.period_end <= :last
order by f.region_code, f.period_start
"""


@dataclass(frozen=True)
class Workload:
    counties: int
    publish_rows: int
    requests: int
    free_gb: float

    @property
    def rows(self) -> int:
        return INDICATORS * self.counties * len(YEARS)

    @classmethod
    def for_context(cls, ctx: Context) -> Workload:
        if ctx.quick:
            return cls(QUICK_COUNTIES, QUICK_PUBLISH_ROWS, QUICK_REQUESTS, QUICK_FREE_GB)
        return cls(COUNTIES, PUBLISH_ROWS, REQUESTS, FREE_GB)


@dataclass
class Store:
    """The prepared database: its file, the organisation and indicators facts refer to, a token."""

    path: Path
    regions: list[str]
    indicator_ids: list[int]  # position n holds IND_{n+1:04d}'s id
    source_org_id: int
    platform_org_id: int
    secret: str
    database_url: str | None = None  # another database than the SQLite file at `path`

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.path}"


@dataclass
class LoadTimes:
    store: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    generate: float = 0.0


# --- the workload -------------------------------------------------------------------------------------


def code_of(number: int) -> str:
    return f"IND_{number + 1:04d}"


def indicator_document() -> dict[str, Any]:
    """An indicator system of INDICATORS yearly flow indicators, spread over a few categories."""
    rng = random.Random(SEED)
    indicators = []
    for number in range(INDICATORS):
        category = CATEGORIES[number % len(CATEGORIES)]
        indicators.append(
            {
                "code": code_of(number),
                "name": f"{category[1]}基准指标{number + 1:04d}",
                "name_en": f"{category[2]} benchmark indicator {number + 1}",
                "category": category[0],
                "unit": rng.choice(UNITS),
                "frequency": "year",
                "value_kind": "flow",
                "decimals": 2,
                "min_value": 0,
                "authoritative_org": SOURCE_ORG,
                "definition": "基准测试生成的指标",
            }
        )
    return {
        "format": "citybase-indicators",
        "version": 1,
        "categories": [
            {"code": code, "name": name, "name_en": name_en, "parent": None}
            for code, name, name_en in CATEGORIES
        ],
        "dimensions": [],
        "indicators": indicators,
        "aliases": [],
    }


class Values:
    """Realistic shapes: a lognormal scale per indicator, a lognormal size per county, steady growth
    with noise over the years; rounded to 2 decimals like published figures."""

    def __init__(self, counties: int) -> None:
        rng = random.Random(SEED)
        self.scale = [math.exp(rng.uniform(0.0, 9.0)) for _ in range(INDICATORS)]
        self.growth = [rng.uniform(-0.02, 0.12) for _ in range(INDICATORS)]
        self.size = [rng.lognormvariate(0.0, 0.8) for _ in range(counties)]

    def series(self, rng: random.Random, indicator: int, county: int) -> list[float]:
        base = self.scale[indicator] * self.size[county]
        growth = self.growth[indicator]
        return [round(base * math.exp(growth * step + rng.gauss(0.0, 0.05)), 2) for step in range(len(YEARS))]


def fact_batches(store: Store, counties: int, limit: int | None = None) -> Iterator[list[Any]]:
    """CheckedFact lists of BATCH facts, indicator by indicator, as a department would load them."""
    from citybase.facts.model import CheckedFact

    values = Values(counties)
    rng = random.Random(SEED + 1)
    periods = [(str(year), year * 12, year * 12 + 11) for year in YEARS]
    regions = store.regions[:counties]
    batch: list[CheckedFact] = []
    produced = 0
    for number in range(INDICATORS):
        indicator_id, code = store.indicator_ids[number], code_of(number)
        for county, region in enumerate(regions):
            for (period, first, last), value in zip(periods, values.series(rng, number, county), strict=True):
                batch.append(
                    CheckedFact(indicator_id, code, region, period, first, last, "", value, "final", "", None)
                )
                produced += 1
                if len(batch) == BATCH or produced == limit:
                    yield batch
                    batch = []
                    if produced == limit:
                        return
    if batch:
        yield batch


def bare_rows(batch: Sequence[Any], store: Store, origin: str, stamp: str) -> list[tuple[Any, ...]]:
    """The rows `store_checked` writes for `batch`, in its column order, the timestamp as stored."""
    return [
        (
            fact.indicator_id,
            fact.region_code,
            fact.period,
            fact.period_start,
            fact.period_end,
            fact.dims,
            fact.value,
            fact.status,
            "authoritative",
            store.source_org_id,
            origin,
            "system",
            stamp,
            fact.note,
        )
        for fact in batch
    ]


def as_inputs(batch: Sequence[Any], first_row: int) -> list[Any]:
    """The same values as a system offers them to `publish`: codes, periods and numbers, row numbers."""
    from citybase.facts.model import FactInput

    return [
        FactInput(
            indicator=fact.indicator,
            region=fact.region_code,
            period=fact.period,
            value=fact.value,
            row=first_row + position,
        )
        for position, fact in enumerate(batch)
    ]


# --- preparing the databases --------------------------------------------------------------------------


def check_disk(ctx: Context, workload: Workload) -> None:
    free = shutil.disk_usage(ctx.workdir).free / 1e9
    if free < workload.free_gb:
        raise BenchError(
            f"facts needs about {workload.free_gb:.0f} GB free for {workload.rows:,} facts "
            f"(two databases with their indexes), but {ctx.workdir} has only {free:.1f} GB free; "
            "free some space, point TMPDIR at a larger disk, or run with --quick"
        )
    ctx.log(f"{free:.0f} GB free in {ctx.workdir}")


def prepare_store(ctx: Context, path: Path, counties: int, database_url: str | None = None) -> Store:
    """Schema and regions (prepare_database), two organisations, a viewer's token, the indicators; in the
    SQLite file at `path`, or in the database at `database_url` when given."""
    from sqlalchemy import select

    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.organisations import create_organisation
    from citybase.accounts.passwords import hash_password
    from citybase.accounts.tokens import create_token
    from citybase.accounts.users import create_user
    from citybase.indicators.exchange import import_system
    from citybase.indicators.tables import indicators
    from citybase.instance import prepare_database
    from citybase.regions.tables import regions
    from citybase.storage import connect_database

    actor = Actor.system(Channel.CLI)
    database = connect_database(database_url or f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        prepare_database(database)
        with database.write() as conn:
            current = regions.c.valid_to.is_(None)
            home = (
                conn.execute(
                    select(regions.c.code)
                    .where(current, regions.c.level == "province")
                    .order_by(regions.c.code)
                )
                .scalars()
                .first()
            )
            codes = list(
                conn.execute(
                    select(regions.c.code)
                    .where(current, regions.c.level == "county")
                    .order_by(regions.c.code)
                    .limit(counties)
                ).scalars()
            )
            if home is None or len(codes) < counties:
                raise BenchError(f"the division list has {len(codes)} current counties; {counties} needed")
            platform = create_organisation(
                conn, actor, code=PLATFORM_ORG, name="数据平台", kind="department", region_code=home,
                platform=True,
            )  # fmt: skip
            source = create_organisation(
                conn, actor, code=SOURCE_ORG, name="统计局", kind="department", region_code=home
            )
            create_user(
                conn,
                actor,
                username=VIEWER,
                password="",
                password_hash=hash_password(secrets.token_urlsafe(24)),
                org_code=SOURCE_ORG,
                roles=["viewer"],
                display_name="benchmark viewer",
            )
            _token, secret = create_token(conn, actor, username=VIEWER, role="viewer", name="benchmark")
        with database.write() as conn:
            import_system(conn, actor, indicator_document(), source="bench:facts")
            ids = dict(conn.execute(select(indicators.c.code, indicators.c.id)).all())
        ctx.log(
            f"prepared {path.name}: schema, regions, 2 organisations, {len(ids)} indicators "
            f"({time.perf_counter() - started:.1f} s)"
        )
    finally:
        database.dispose()
    return Store(
        path=path,
        regions=codes,
        indicator_ids=[ids[code_of(number)] for number in range(INDICATORS)],
        source_org_id=source.id,
        platform_org_id=platform.id,
        secret=secret,
        database_url=database_url,
    )


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file, so a copy, or a reader opening it immutable, sees everything."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def copy_database(source: Path, target: Path) -> None:
    checkpoint(source)
    shutil.copyfile(source, target)


def open_bare(path: Path, store: Store) -> sqlite3.Connection:
    """A file with the same `facts` table as the store (DDL and indexes read from it), the rows its
    foreign keys point at, and the connection settings CityBase uses (WAL, synchronous=NORMAL, FKs on)."""
    with closing(sqlite3.connect(store.path)) as source:
        ddl = [
            sql
            for (sql,) in source.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'facts' AND sql IS NOT NULL "
                "ORDER BY type DESC, name"  # the table first, then its indexes
            )
        ]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("CREATE TABLE indicators (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE organisations (id INTEGER PRIMARY KEY)")
    for statement in ddl:
        conn.execute(statement)
    conn.executemany("INSERT INTO indicators (id) VALUES (?)", [(id_,) for id_ in store.indicator_ids])
    conn.executemany(
        "INSERT INTO organisations (id) VALUES (?)", [(store.source_org_id,), (store.platform_org_id,)]
    )
    return conn


# --- loading ------------------------------------------------------------------------------------------


def stored_stamp() -> str:
    """`recorded_at` as the text SQLite ends up holding for the store's rows ("2024-05-01 08:00:00.123456").

    The bare insert is handed that text once per batch. (`_bulk_insert` means to do the same, but the
    generic bind processor it asks for returns a naive datetime, which sqlite3's default adapter turns
    into the same text row by row; the stored values are identical.)"""
    from sqlalchemy.dialects import sqlite

    from citybase.facts.tables import facts
    from citybase.storage.metadata import utcnow

    convert = facts.c.recorded_at.type.bind_processor(sqlite.dialect())
    moment = utcnow()
    return str(convert(moment) if convert else moment)


def store_batch(database: Any, store: Store, batch: list[Any], origin: str) -> None:
    """One batch of checked facts through the store's bulk path, in its own write transaction."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.facts.store import store_checked
    from citybase.indicators.catalog import indicator_catalog

    with database.write() as conn:
        store_checked(
            conn,
            Actor.system(Channel.CLI),
            batch,
            catalog=indicator_catalog(conn),
            origin=origin,
            source_org_id=store.source_org_id,
            source_org=SOURCE_ORG,
        )


def load(ctx: Context, store: Store, bare_path: Path, workload: Workload) -> LoadTimes:
    """Both loads, batch by batch, alternating which goes first."""
    from citybase.storage import connect_database

    database = connect_database(store.url)
    bare = open_bare(bare_path, store)
    columns = (
        "indicator_id, region_code, period, period_start, period_end, dims, value, status, role, "
        "source_org_id, origin, recorded_by, recorded_at, note"
    )
    insert = f"INSERT INTO facts ({columns}) VALUES ({', '.join('?' * 14)})"  # noqa: S608 - fixed names
    times = LoadTimes()
    total = workload.rows
    started = time.perf_counter()
    try:
        made = time.perf_counter()
        for number, batch in enumerate(fact_batches(store, workload.counties)):
            origin = f"bench:facts:{number:03d}"
            rows = bare_rows(batch, store, origin, stored_stamp())
            times.generate += time.perf_counter() - made

            def through_store(batch: list[Any] = batch, origin: str = origin) -> float:
                clock = time.perf_counter()
                store_batch(database, store, batch, origin)
                return time.perf_counter() - clock

            def bare_insert(rows: list[tuple[Any, ...]] = rows) -> float:
                clock = time.perf_counter()
                bare.execute("BEGIN IMMEDIATE")
                bare.executemany(insert, rows)
                bare.execute("COMMIT")
                return time.perf_counter() - clock

            if number % 2 == 0:
                times.store.append(through_store())
                times.bare.append(bare_insert())
            else:
                times.bare.append(bare_insert())
                times.store.append(through_store())
            times.rows.append(len(batch))
            done = sum(times.rows)
            if number % 10 == 9 or done == total:
                ctx.log(
                    f"loaded {done:,}/{total:,} facts ({time.perf_counter() - started:.0f} s): store "
                    f"{done / sum(times.store):,.0f} rows/s, bare {done / sum(times.bare):,.0f} rows/s"
                )
            del batch, rows
            made = time.perf_counter()
    finally:
        bare.close()
        database.dispose()
    return times


def publish_subset(ctx: Context, path: Path, store: Store, counties: int, rows: int) -> tuple[float, float]:
    """Seconds for `publish()` of the first `rows` facts into the database at `path`, batch by batch,
    and seconds for checking the same input alone (`check_all`)."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.facts.checking import FactChecker, check_all
    from citybase.facts.store import publish
    from citybase.indicators.catalog import indicator_catalog
    from citybase.regions.index import region_index
    from citybase.storage import connect_database

    actor = Actor.system(Channel.CLI)
    database = connect_database(f"sqlite:///{path}")
    published = checking = 0.0
    done = 0
    try:
        for number, batch in enumerate(fact_batches(store, counties, limit=rows)):
            offered = as_inputs(batch, done + 1)
            with database.read() as conn:
                clock = time.perf_counter()
                check_all(FactChecker(indicator_catalog(conn), region_index(conn), SOURCE_ORG), offered)
                checking += time.perf_counter() - clock
            clock = time.perf_counter()
            with database.write() as conn:
                report = publish(
                    conn, actor, offered, origin=f"bench:publish:{number:03d}", source_org=SOURCE_ORG
                )
            published += time.perf_counter() - clock
            if report.inserted != len(batch):
                raise BenchError(f"publish() inserted {report.inserted} of {len(batch)} new facts")
            done += len(batch)
        ctx.log(
            f"published {done:,} facts through publish(): {done / published:,.0f} rows/s "
            f"(checking alone {done / checking:,.0f} rows/s)"
        )
    finally:
        database.dispose()
    return published, checking


# --- series queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    indicator: str
    regions: tuple[str, ...]

    @property
    def api_path(self) -> str:
        query = urllib.parse.urlencode(
            {
                "indicator": self.indicator,
                "region": ",".join(self.regions),
                "start": str(YEARS[0]),
                "end": str(YEARS[-1]),
            }
        )
        return f"/api/v1/facts?{query}"

    def peer_path(self, database: str) -> str:
        names = [f"r{position}" for position in range(len(self.regions))]
        params = {
            "sql": PEER_SQL.format(regions=", ".join(f":{name}" for name in names)),
            "indicator": self.indicator,
            "first": str(YEARS[0] * 12),
            "last": str(YEARS[-1] * 12 + 11),
            **dict(zip(names, self.regions, strict=True)),
            "_shape": "array",
        }
        return f"/{database}.json?{urllib.parse.urlencode(params)}"


def requests_for(regions: Sequence[str], count: int, seed: int) -> list[Request]:
    rng = random.Random(seed)
    return [
        Request(code_of(rng.randrange(INDICATORS)), tuple(sorted(rng.sample(list(regions), QUERY_REGIONS))))
        for _ in range(count)
    ]


def expected_items() -> int:
    return QUERY_REGIONS * len(YEARS)


def check_answer(where: str, request: Request, status: int, body: bytes, items: Callable[[Any], Any]) -> None:
    if status != 200:
        raise BenchError(f"{where} answered {status} for {request}: {body[:300]!r}")
    found = items(json.loads(body))
    if len(found) != expected_items():
        raise BenchError(f"{where} answered {len(found)} items for {request}, {expected_items()} expected")


def latencies(
    call: Callable[[Request], float], warmup: Sequence[Request], timed: Sequence[Request]
) -> list[float]:
    for request in warmup:
        call(request)
    return [call(request) for request in timed]


def percentile(samples: Sequence[float], share: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(share * 100) - 1]


class Keepalive:
    """GETs over one kept-alive connection; reconnects if the server closed it."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in (1, 2):
            clock = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body, time.perf_counter() - clock
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(command: list[str], port: int, ready_path: str, log_path: Path, cwd: Path) -> Iterator[None]:
    """Run a server until the block ends; wait until `ready_path` answers 200 first."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=clean_environment(), cwd=cwd
        )
        try:
            started = time.perf_counter()
            while True:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    probe.request("GET", ready_path)
                    if probe.getresponse().status == 200:
                        break
                except OSError:
                    pass
                finally:
                    probe.close()
                if process.poll() is not None:
                    output = log_path.read_text(errors="replace")[-2000:]
                    raise BenchError(f"`{' '.join(command)}` exited with {process.returncode}:\n{output}")
                if time.perf_counter() - started > START_TIMEOUT:
                    raise BenchError(
                        f"`{' '.join(command)}` did not answer {ready_path} in {START_TIMEOUT:.0f} s"
                    )
                time.sleep(0.05)
            yield
        finally:
            stop(process)


def measure_testclient(store: Store, warmup: Sequence[Request], timed: Sequence[Request]) -> list[float]:
    from fastapi.testclient import TestClient

    from citybase.app import create_app
    from citybase.settings import get_settings

    app = create_app(get_settings(database_url=store.url, auto_migrate=False))
    headers = {"Authorization": f"Bearer {store.secret}"}
    with TestClient(app) as client:

        def call(request: Request) -> float:
            clock = time.perf_counter()
            response = client.get(request.api_path, headers=headers)
            seconds = time.perf_counter() - clock
            check_answer(
                "TestClient", request, response.status_code, response.content, lambda doc: doc["items"]
            )
            return seconds

        return latencies(call, warmup, timed)


def measure_socket(
    ctx: Context, store: Store, warmup: Sequence[Request], timed: Sequence[Request]
) -> list[float]:
    port = free_port()
    command = [
        *citybase_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
        "--database-url", store.url, "--no-migrate",
    ]  # fmt: skip
    with server(command, port, "/healthz", ctx.workdir / "facts-serve.log", ctx.workdir):
        client = Keepalive(port, {"Authorization": f"Bearer {store.secret}"})
        try:

            def call(request: Request) -> float:
                status, body, seconds = client.get(request.api_path)
                check_answer("citybase serve", request, status, body, lambda doc: doc["items"])
                return seconds

            return latencies(call, warmup, timed)
        finally:
            client.close()


def datasette_command(ctx: Context, report: Report) -> list[str] | None:
    """How to run datasette: from this environment, or from a separate one made for the benchmark."""
    import importlib.util

    if importlib.util.find_spec("datasette") is not None:
        return [sys.executable, "-m", "datasette"]
    found = peer_environment(ctx, report, folder=DATASETTE_CACHE, packages=["datasette"], program="datasette")
    return None if found is None else [str(found)]


def measure_datasette(
    ctx: Context, command: list[str], store: Store, warmup: Sequence[Request], timed: Sequence[Request]
) -> tuple[list[float], str]:
    port = free_port()
    checkpoint(store.path)  # immutable mode reads the database file only, never the WAL
    full = [*command, "serve", "--immutable", str(store.path), "--host", "127.0.0.1", "--port", str(port)]
    database = store.path.stem
    with server(full, port, "/-/versions.json", ctx.workdir / "facts-datasette.log", ctx.workdir):
        client = Keepalive(port)
        try:
            status, body, _seconds = client.get("/-/versions.json")
            version = json.loads(body).get("datasette", {}).get("version", "?") if status == 200 else "?"

            def call(request: Request) -> float:
                status, body, seconds = client.get(request.peer_path(database))
                check_answer("datasette", request, status, body, lambda doc: doc)
                return seconds

            return latencies(call, warmup, timed), str(version)
        finally:
            client.close()


# --- the benchmark ------------------------------------------------------------------------------------


def megabytes(path: Path) -> float:
    return sum(item.stat().st_size for item in path.parent.glob(path.name + "*")) / 1e6


def run(ctx: Context, report: Report) -> None:
    workload = Workload.for_context(ctx)
    check_disk(ctx, workload)
    folder = ctx.workdir / "facts"
    folder.mkdir(exist_ok=True)
    ctx.log(
        f"{workload.rows:,} facts: {INDICATORS:,} indicators × {workload.counties} counties × "
        f"{len(YEARS)} years, in batches of {BATCH:,}"
    )
    store = prepare_store(ctx, folder / "facts.db", workload.counties)
    publish_path = folder / "publish.db"
    copy_database(store.path, publish_path)

    times = load(ctx, store, folder / "bare.db", workload)
    rows = sum(times.rows)
    bare_rate, store_rate = rows / sum(times.bare), rows / sum(times.store)
    per_batch = [count / seconds for count, seconds in zip(times.rows, times.bare, strict=True)]
    report.add(
        "load_bare",
        f"load {rows:,} facts: bare sqlite3 executemany",
        bare_rate,
        "rows/s",
        higher_is_better=True,
        is_baseline=True,
        samples=per_batch,
    )
    ratio = store_rate / bare_rate
    report.add(
        "load_store",
        f"load {rows:,} facts: store_checked() bulk path",
        store_rate,
        "rows/s",
        higher_is_better=True,
        baseline="load_bare",
        samples=[count / seconds for count, seconds in zip(times.rows, times.store, strict=True)],
        note=f"{ratio:.2f}× the bare insert's speed; facts built beforehand "
        f"({times.generate:.0f} s, not counted on either side)",
    )
    report.notes.append(
        f"facts: target bulk load ≥ {LOAD_TARGET:.1f}× the bare insert's speed: "
        f"{'MET' if ratio >= LOAD_TARGET else 'MISSED'} ({ratio:.2f}×)"
    )
    report.add("size_store", "context: store database after the load", megabytes(store.path), "MB")
    report.add(
        "size_bare",
        "context: bare table's database after the load",
        megabytes(folder / "bare.db"),
        "MB",
    )

    subset = min(workload.publish_rows, rows)
    batches = math.ceil(subset / BATCH)
    report.add(
        "publish_bare",
        f"load first {subset:,} facts: bare executemany",
        sum(times.rows[:batches]) / sum(times.bare[:batches]),
        "rows/s",
        higher_is_better=True,
        is_baseline=True,
    )
    published, checking = publish_subset(ctx, publish_path, store, workload.counties, subset)
    report.add(
        "publish_full",
        f"publish {subset:,} facts: publish() (check + store)",
        subset / published,
        "rows/s",
        higher_is_better=True,
        baseline="publish_bare",
        note=f"store_checked() alone did the same rows at "
        f"{sum(times.rows[:batches]) / sum(times.store[:batches]):,.0f} rows/s in the main load",
    )
    report.add(
        "publish_checking",
        f"context: check {subset:,} facts: check_all() alone",
        subset / checking,
        "rows/s",
        higher_is_better=True,
        baseline="publish_bare",
    )
    publish_path.unlink()
    for leftover in folder.glob("publish.db-*"):
        leftover.unlink()

    regions = store.regions[: workload.counties]
    warmup = requests_for(regions, WARMUP_REQUESTS, SEED + 2)
    timed = requests_for(regions, workload.requests, SEED + 3)
    count = len(timed)
    ctx.log(
        f"series queries: {count} × 1 indicator × {QUERY_REGIONS} regions × {len(YEARS)} years, TestClient"
    )
    found = measure_testclient(store, warmup, timed)
    in_process = {"p50": statistics.median(found), "p99": percentile(found, 0.99)}
    ctx.log("series queries over a socket (citybase serve)")
    over_socket = measure_socket(ctx, store, warmup, timed)
    ours = {"p50": statistics.median(over_socket), "p99": percentile(over_socket, 0.99)}

    command = datasette_command(ctx, report)
    peer: dict[str, float] = {}
    if command is not None:
        ctx.log("the same series queries answered by datasette (immutable, loopback)")
        peer_samples, version = measure_datasette(ctx, command, store, warmup, timed)
        peer = {"p50": statistics.median(peer_samples), "p99": percentile(peer_samples, 0.99)}
        for name, value in peer.items():
            report.add(
                f"query_datasette_{name}",
                f"series {name}: datasette {version}, equivalent SQL, socket",
                value,
                "s",
                is_baseline=True,
                samples=peer_samples if name == "p50" else [],
                note="the equivalent SQL (same filters, joined to indicator, region and source names)"
                if name == "p50"
                else "",
            )
    for name, value in ours.items():
        report.add(
            f"query_socket_{name}",
            f"series {name}: GET /api/v1/facts, citybase serve, socket",
            value,
            "s",
            baseline=f"query_datasette_{name}" if peer else None,
            samples=over_socket if name == "p50" else [],
            note=f"{count} requests of 1 indicator × {QUERY_REGIONS} counties × {len(YEARS)} years (a random "
            "indicator and counties each), one kept-alive connection"
            if name == "p50"
            else "",
        )
    for name, value in in_process.items():
        report.add(
            f"query_testclient_{name}",
            f"series {name}: GET /api/v1/facts, TestClient in-process",
            value,
            "s",
            samples=found if name == "p50" else [],
        )
    verdict = "MET" if ours["p99"] < P99_TARGET else "MISSED"
    report.notes.append(
        f"facts: target series query p99 < {P99_TARGET * 1000:.0f} ms over the socket: "
        f"{verdict} ({ours['p99'] * 1000:.1f} ms)"
    )
    if peer:
        verdict = "MET" if ours["p99"] <= peer["p99"] else "MISSED"
        report.notes.append(
            f"facts: target series query p99 not slower than datasette's: {verdict} "
            f"({ours['p99'] * 1000:.1f} ms against {peer['p99'] * 1000:.1f} ms)"
        )
    report.notes.append(
        "facts: the database file stays in the page cache after the load (warm-cache latencies); "
        "counties have no sub-regions in the national division list, so the API's sums over "
        "sub-regions find nothing to add"
    )
