"""The engine and its transactions: SQLite in WAL mode with foreign keys, or PostgreSQL through psycopg."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from citybase.errors import DatabaseUnavailable
from citybase.messages import N_, message

log = logging.getLogger(__name__)

_IMMEDIATE = "citybase_immediate"


class Database:
    """Owns the engine; hands out read connections and write transactions.

    On SQLite a write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its first
    statement and a read-then-write never fails with a stale snapshot; reads stay deferred and run
    beside a writer thanks to WAL.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(**{_IMMEDIATE: True}) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def check(self) -> None:
        """Raise DatabaseUnavailable with the reason when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise DatabaseUnavailable(
                message(
                    N_("Cannot connect to the database at {url}: {reason}"),
                    url=safe_url(self.engine.url.render_as_string(hide_password=True)),
                    reason=str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc),
                )
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def connect_database(url: str, *, sqlite_busy_timeout_ms: int = 10_000, **engine_options: Any) -> Database:
    """Create the engine for `url` with CityBase's connection settings for its backend."""
    try:
        parsed = make_url(url)
        parsed.get_backend_name()
        _ = parsed.port  # a port that is not a number fails here, not at the first connection
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(
            message(N_("The database URL {url} is not valid: {reason}"), url=url, reason=str(exc))
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"timeout": sqlite_busy_timeout_ms / 1000, "check_same_thread": False},
            **engine_options,
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
    else:
        engine_options.setdefault("pool_pre_ping", True)
        engine_options.setdefault("connect_args", {"connect_timeout": 5})
        engine = create_engine(parsed, **engine_options)
    return Database(engine)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own handling is unreliable).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
