"""Shared fixtures: each test gets a fresh database on every backend it runs on (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.accounts.actor import Actor, Channel
from citybase.accounts.passwords import configure_hashing
from citybase.accounts.tokens import create_token
from citybase.app import create_app
from citybase.demo import DemoLogin
from citybase.settings import Settings, get_settings
from citybase.storage import Database, connect_database
from tests.databases import Template, build_template, drop, drop_template, postgres_reachable

BACKENDS = ("sqlite", "postgresql")
# Cheap password hashing in tests: the cost is a setting, and these accounts guard nothing.
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("all", *BACKENDS),
        default="all",
        help="database backend(s) to run database tests on",
    )


def pytest_configure(config: pytest.Config) -> None:
    configure_hashing(FAST_HASHING["argon2_time_cost"], FAST_HASHING["argon2_memory_kib"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        backends = BACKENDS if chosen == "all" else (chosen,)
        metafunc.parametrize("backend", backends, scope="session")


_postgres_problem: str | bool | None = False


def _require_backend(backend: str) -> None:
    global _postgres_problem
    if backend != "postgresql":
        return
    if _postgres_problem is False:
        _postgres_problem = postgres_reachable()
    if _postgres_problem:
        reason = f"PostgreSQL is not reachable: {_postgres_problem}"
        if os.environ.get("CITYBASE_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def worker_tag(request: pytest.FixtureRequest) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return re.sub(r"\W", "", f"{worker}_{os.getpid()}")


@pytest.fixture(scope="session")
def templates(
    tmp_path_factory: pytest.TempPathFactory, worker_tag: str
) -> Iterator[dict[tuple[str, str], Template]]:
    built: dict[tuple[str, str], Template] = {}
    workdir = tmp_path_factory.mktemp("templates")

    class Lazy(dict[tuple[str, str], Template]):
        def __missing__(self, key: tuple[str, str]) -> Template:
            backend, kind = key
            built[key] = self[key] = build_template(backend, kind, workdir, worker_tag)
            return built[key]

    yield Lazy()
    for template in built.values():
        drop_template(template)


def _fresh(
    backend: str, kind: str, templates: dict[tuple[str, str], Template], tmp_path: Path
) -> Iterator[str]:
    _require_backend(backend)
    url = templates[(backend, kind)].copy(tmp_path)
    yield url
    drop(url)


@pytest.fixture
def empty_url(backend: str, templates: dict[tuple[str, str], Template], tmp_path: Path) -> Iterator[str]:
    """A database with the schema and the national division list, nothing else."""
    yield from _fresh(backend, "base", templates, tmp_path)


@pytest.fixture
def demo_url(backend: str, templates: dict[tuple[str, str], Template], tmp_path: Path) -> Iterator[str]:
    """A database with the demo city loaded."""
    yield from _fresh(backend, "demo", templates, tmp_path)


@pytest.fixture
def demo_login(backend: str, templates: dict[tuple[str, str], Template]) -> DemoLogin:
    _require_backend(backend)
    login = templates[(backend, "demo")].login
    assert login is not None
    return login


@pytest.fixture
def db(demo_url: str) -> Iterator[Database]:
    database = connect_database(demo_url)
    yield database
    database.dispose()


@pytest.fixture
def empty_db(empty_url: str) -> Iterator[Database]:
    database = connect_database(empty_url)
    yield database
    database.dispose()


@pytest.fixture
def system() -> Actor:
    return Actor.system(Channel.CLI)


def make_settings(url: str, **overrides: object) -> Settings:
    return get_settings(database_url=url, **FAST_HASHING, **overrides)


@pytest.fixture
def settings(demo_url: str) -> Settings:
    return make_settings(demo_url)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def token_for(db: Database, system: Actor) -> Callable[..., str]:
    """Issue an API token for a demo user (optionally for one of their roles)."""

    def issue(username: str, role: str | None = None) -> str:
        with db.write() as conn:
            _token, secret = create_token(conn, system, username=username, role=role)
        return secret

    return issue


@pytest.fixture
def auth(token_for: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """Authorization headers acting as a demo user."""

    def headers(username: str, role: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(username, role)}"}

    return headers
