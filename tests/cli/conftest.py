"""Running the `citybase` command in-process with Typer's runner, against the fixture databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from citybase.cli import app, common
from citybase.storage import Database, connect_database
from citybase.storage.database import safe_url
from tests.databases import Template, drop

Invoke = Callable[..., Result]

# Cheap hashing for the accounts the commands create (the CLI reads its settings from the environment), a
# wide console so Rich does not wrap or truncate what the tests look for, and no database from the
# environment: every command is given --database-url explicitly.
ENVIRONMENT: dict[str, str | None] = {
    "CITYBASE_ARGON2_TIME_COST": "1",
    "CITYBASE_ARGON2_MEMORY_KIB": "1024",
    "CITYBASE_DATABASE_URL": None,
    "CITYBASE_SETTINGS_FILE": None,
    "COLUMNS": "240",
    "NO_COLOR": "1",
}


@pytest.fixture(autouse=True)
def opened_databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Database]]:
    """Every database a command opens; a command must dispose of it (closing its connections) before it
    ends, on every path, or the test fails here rather than with a ResourceWarning in some later test."""
    opened: list[Database] = []

    def tracking(url: str, **options: Any) -> Database:
        database = connect_database(url, **options)
        opened.append(database)
        return database

    monkeypatch.setattr(common, "connect_database", tracking)
    yield opened
    left_open = [
        safe_url(str(database.engine.url))
        for database in opened
        if getattr(database.engine.pool, "checkedin", lambda: 0)()
    ]
    for database in opened:
        database.dispose()
    assert not left_open, f"the command left its database connections open (never disposed): {left_open}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENVIRONMENT)


@pytest.fixture
def cli(runner: CliRunner) -> Invoke:
    """Run `citybase ARGS...` (optionally with text on standard input) and return the result."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def another_empty_url(
    backend: str, templates: dict[tuple[str, str], Template], tmp_path: Path, empty_url: str
) -> Iterator[str]:
    """A second fresh database like `empty_url` (the fixture has already checked the backend is there)."""
    folder = tmp_path / "second"
    folder.mkdir()
    url = templates[(backend, "base")].copy(folder)
    yield url
    drop(url)
