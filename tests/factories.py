"""Small helpers shared by tests: acting as a demo user, counting rows, building division lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, Table, func, select

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.users import actor_for, find_user
from citybase.ledger.tables import ledger_entries
from citybase.regions.loader import DivisionRow
from citybase.regions.model import Level
from citybase.storage import Database

# Passes every password rule with the default policy, and contains no demo username.
GOOD_PASSWORD = "Harbour-Lights-2024"


def actor_of(conn: Connection, username: str, role: str | None = None, via: Channel = Channel.API) -> Actor:
    """The Actor a demo user acts as, optionally narrowed to one role (as an API token would be)."""
    return actor_for(conn, find_user(conn, username), via, Role(role) if role else None)


def acting(db: Database, username: str, role: str | None = None) -> Actor:
    with db.read() as conn:
        return actor_of(conn, username, role)


def row_count(db: Database, table: Table) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def counts(db: Database, *tables: Table) -> dict[str, int]:
    """Row counts by table name, to show an operation wrote nothing."""
    return {table.name: row_count(db, table) for table in tables}


def ledger_size(db: Database) -> int:
    return row_count(db, ledger_entries)


def county(code: str, name: str, parent: str = "440300") -> DivisionRow:
    return DivisionRow(code, name, Level.COUNTY, parent)


# The nine current districts of Shenzhen (440300) as the bundled 2023 list has them.
SHENZHEN_DISTRICTS = {
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
}


def shenzhen_edition(changes: Mapping[str, str | None] | None = None) -> list[DivisionRow]:
    """Shenzhen's districts as a division list; `changes` names a code (new or renamed) or drops it (None)."""
    names: dict[str, str | None] = {**SHENZHEN_DISTRICTS, **(changes or {})}
    return [county(code, name) for code, name in names.items() if name is not None]


def csv_rows(body: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV download (a leading byte-order mark is dropped)."""
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def as_csv_cells(item: Mapping[str, object], columns: Sequence[str]) -> dict[str, str]:
    """A JSON item as the CSV twin writes it: None as an empty cell, everything else as its text."""
    return {column: "" if item.get(column) is None else str(item[column]) for column in columns}


def web_indicator_system() -> dict[str, object]:
    """A small indicator system whose codes (WEB_…) are its own, so it can sit beside the demo's: a
    yearly flow with a unit alias, its tertiary part, a derived share, and a stock broken down by sex."""
    return {
        "format": "citybase-indicators",
        "version": 1,
        "categories": [
            {"code": "WEB_ECON", "name": "测试经济", "name_en": "Test economy", "parent": None},
            {"code": "WEB_ECON.GDP", "name": "测试生产总值", "name_en": "Test GRP", "parent": "WEB_ECON"},
        ],
        "dimensions": [
            {
                "code": "WEB_SEX",
                "name": "测试性别",
                "name_en": "Test sex",
                "members": [
                    {"code": "M", "name": "男", "name_en": "Male"},
                    {"code": "F", "name": "女", "name_en": "Female"},
                ],
            },
        ],
        "indicators": [
            {
                "code": "WEB_GDP",
                "name": "测试地区生产总值",
                "category": "WEB_ECON.GDP",
                "unit": "亿元",
                "frequency": "year",
                "value_kind": "flow",
                "decimals": 2,
                "min_value": 0,
                "authoritative_org": "STATS",
                "reporters": ["NANSHAN"],
                "definition": "按市场价格计算的常住单位生产活动最终成果",
            },
            {
                "code": "WEB_VA3",
                "name": "测试第三产业增加值",
                "category": "WEB_ECON.GDP",
                "unit": "亿元",
                "frequency": "year",
                "value_kind": "flow",
                "decimals": 2,
                "authoritative_org": "STATS",
            },
            {
                "code": "WEB_SHARE3",
                "name": "测试第三产业比重",
                "category": "WEB_ECON.GDP",
                "unit": "%",
                "frequency": "year",
                "value_kind": "ratio",
                "decimals": 1,
                "authoritative_org": "STATS",
                "formula": "WEB_VA3 / WEB_GDP × 100",
            },
            {
                "code": "WEB_POP",
                "name": "测试户籍人口",
                "category": "WEB_ECON",
                "unit": "万人",
                "frequency": "year",
                "value_kind": "stock",
                "decimals": 2,
                "authoritative_org": "PSB",
                "dimensions": ["WEB_SEX"],
            },
        ],
        "aliases": [
            {
                "alias": "WEB_GDP_10K",
                "indicator": "WEB_GDP",
                "unit": "万元",
                "dims": "",
                "cumulative": False,
                "note": "万元",
            },
        ],
    }


def install_web_indicators(db: Database, actor: Actor) -> None:
    from citybase.indicators.exchange import import_system

    with db.write() as conn:
        import_system(conn, actor, web_indicator_system(), source="tests")
