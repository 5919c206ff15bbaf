"""Fresh databases for tests: built once per run as templates, then copied for every test.

SQLite templates are files copied with shutil; PostgreSQL templates are databases cloned with
CREATE DATABASE ... TEMPLATE, so each test gets its own database in milliseconds either way.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from citybase.accounts.actor import Actor, Channel
from citybase.demo import DemoLogin, load_demo
from citybase.instance import prepare_database
from citybase.storage import connect_database

POSTGRES_ADMIN_URL = os.environ.get("CITYBASE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_counter = itertools.count()


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _admin() -> psycopg.Connection:
    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)


def _pg_url(name: str) -> str:
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


@dataclass
class Template:
    """A prepared database (migrated, national regions loaded, optionally the demo city) to copy."""

    backend: str
    location: str  # a file path for SQLite, a database name for PostgreSQL
    login: DemoLogin | None

    def copy(self, workdir: Path) -> str:
        number = next(_counter)
        if self.backend == "sqlite":
            target = workdir / f"test-{number}.db"
            shutil.copyfile(self.location, target)
            return f"sqlite:///{target}"
        name = f"{self.location.removeprefix('tpl_')}_{os.getpid()}_{number}"
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.location}"')
        return _pg_url(name)


def drop(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def build_template(backend: str, kind: str, workdir: Path, tag: str) -> Template:
    if backend == "sqlite":
        path = workdir / f"template-{kind}.db"
        url = f"sqlite:///{path}"
        location = str(path)
    else:
        location = f"tpl_cb_{tag}_{kind}"
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{location}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{location}"')
        url = _pg_url(location)
    database = connect_database(url)
    try:
        prepare_database(database)
        login = None
        if kind == "demo":
            with database.write() as conn:
                login = load_demo(conn, Actor.system(Channel.CLI))
    finally:
        database.dispose()
    return Template(backend, location, login)


def drop_template(template: Template) -> None:
    if template.backend == "postgresql":
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template.location}" WITH (FORCE)')
