"""Fixtures for the central store: a fresh database with the small indicator system installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citybase.accounts.actor import Actor
from citybase.storage import Database, connect_database
from tests.databases import Template, drop
from tests.small_system import install_small_system


@pytest.fixture
def store(empty_url: str, system: Actor) -> Iterator[Database]:
    """Schema, regions, the organisations the small system names, and the small indicator system."""
    from citybase.accounts.organisations import create_organisation

    database = connect_database(empty_url)
    with database.write() as conn:
        for code, kind, region in (
            ("GSDB", "department", "440300"),
            ("STATS", "department", "440300"),
            ("PSB", "department", "440300"),
            ("NANSHAN", "district", "440305"),
            ("FUTIAN", "district", "440304"),
        ):
            create_organisation(
                conn, system, code=code, name=code, kind=kind, region_code=region, platform=code == "GSDB"
            )
    install_small_system(database, system)
    yield database
    database.dispose()


@pytest.fixture
def other_db(backend: str, templates: dict[tuple[str, str], Template], tmp_path: Path) -> Iterator[Database]:
    """A second empty database beside `store`, to import into."""
    url = templates[(backend, "base")].copy(tmp_path)
    database = connect_database(url)
    yield database
    database.dispose()
    drop(url)
