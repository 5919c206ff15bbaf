"""What every command shares: the database option, settings, error reporting and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from citybase.errors import CityBaseError
from citybase.settings import Settings, get_settings
from citybase.storage.database import Database, connect_database

# soft_wrap: long messages are not broken into lines, so scripts and logs read them whole.
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL (default: $CITYBASE_DATABASE_URL or sqlite:///citybase.db)."
    ),
]


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A table for people at a terminal; tab-separated lines, header first, when piped to a program."""
    if console.is_terminal:
        table = Table(*columns)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    for line in (columns, *rows):
        console.out("\t".join(cell.replace("\t", " ") for cell in line), highlight=False)


def fail(text: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {text}", soft_wrap=True)
    raise typer.Exit(code)


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    try:
        return get_settings(database_url=database_url, **overrides)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        fail(f"invalid settings: {reasons}", 2)
    except ValueError as exc:
        fail(f"invalid settings: {exc}", 2)


def open_database(settings: Settings) -> Database:
    from citybase.accounts.passwords import configure_hashing

    configure_hashing(settings.argon2_time_cost, settings.argon2_memory_kib)
    return connect_database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Print a domain error (with each problem on its own line) and exit 1 instead of a traceback."""
    try:
        yield
    except CityBaseError as error:
        for problem in error.problems:
            where = ", ".join(
                part
                for part in (
                    f"row {problem.row}" if problem.row is not None else "",
                    f"column {problem.column}" if problem.column else "",
                )
                if part
            )
            errors.print(f"  - {where + ': ' if where else ''}{problem.render()}", soft_wrap=True)
        fail(error.render())


@contextmanager
def prepared_database(database_url: str | None) -> Iterator[tuple[Settings, Database]]:
    """Settings and a migrated database with its reference data, with errors reported for the console."""
    from citybase.accounts.actor import Channel
    from citybase.instance import prepare_database

    settings = settings_for(database_url)
    with reporting_errors():
        database = open_database(settings)
        try:
            prepare_database(database, Channel.CLI)
            yield settings, database
        finally:
            database.dispose()


@contextmanager
def console_transaction(database_url: str | None, *, write: bool) -> Iterator[Connection]:
    """A transaction on the prepared database; an error rolls it back and is reported for the console."""
    with (
        prepared_database(database_url) as (_settings, database),
        reporting_errors(),
        database.write() if write else database.read() as conn,
    ):
        yield conn


def read_secret_from_stdin() -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        fail("no password on standard input", 2)
    return value
