"""A fresh database with a small indicator system for analysis and hand-made values to compute on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from citybase.accounts.actor import Actor
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.indicators.exchange import import_system
from citybase.storage import Database, connect_database
from tests.small_system import small_system


def _flow(code: str, name: str, frequency: str = "quarter", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "unit": "亿元",
        "frequency": frequency,
        "value_kind": "flow",
        "decimals": 2,
        "authoritative_org": "STATS",
        **extra,
    }


def analysis_system() -> dict[str, Any]:
    """The small system, with GDP_GROWTH linked to GDP, the other two industries, a percentage rate, a
    monthly flow and stock, an area and a density weighted by it."""
    document = small_system()
    for item in document["indicators"]:
        if item["code"] == "GDP_GROWTH":
            item.update(growth_of="GDP", price_basis="comparable")
    document["indicators"] += [
        _flow("VA_PRIMARY", "第一产业增加值"),
        _flow("VA_SECONDARY", "第二产业增加值"),
        _flow("RETAIL", "社会消费品零售总额", "month"),
        {**_flow("DEPOSITS", "存款余额", "month"), "value_kind": "stock"},
        {
            "code": "UNEMP_RATE",
            "name": "城镇调查失业率",
            "unit": "%",
            "frequency": "quarter",
            "value_kind": "ratio",
            "decimals": 1,
            "authoritative_org": "STATS",
        },
        {
            "code": "LAND_AREA",
            "name": "土地面积",
            "unit": "平方公里",
            "frequency": "year",
            "value_kind": "stock",
            "decimals": 2,
            "authoritative_org": "STATS",
        },
        {
            "code": "DENSITY",
            "name": "人口密度",
            "unit": "人/平方公里",
            "frequency": "year",
            "value_kind": "ratio",
            "region_aggregation": "weighted_mean",
            "weight_indicator": "LAND_AREA",
            "decimals": 0,
            "authoritative_org": "STATS",
        },
    ]
    return document


# GDP and its parts add up (2021: 5 + 40 + 55 = 100; 2022: 5.5 + 42 + 62.5 = 110); four districts report.
VALUES = [
    ("GDP", "440300", "2019", "80"),
    ("GDP", "440300", "2021", "100"),
    ("GDP", "440300", "2022", "110"),
    ("GDP", "440300", "2022Q1", "20"),
    ("GDP", "440300", "2022Q2", "25"),
    ("GDP", "440300", "2022Q3", "30"),
    ("GDP", "440300", "2022Q4", "35"),
    ("GDP", "440300", "2023Q1", "22"),
    ("GDP", "440300", "2023Q2", "27.5"),
    ("GDP", "440300", "2023Q3", "36"),
    ("VA_PRIMARY", "440300", "2021", "5"),
    ("VA_PRIMARY", "440300", "2022", "5.5"),
    ("VA_SECONDARY", "440300", "2021", "40"),
    ("VA_SECONDARY", "440300", "2022", "42"),
    ("VA_TERTIARY", "440300", "2021", "55"),
    ("VA_TERTIARY", "440300", "2022", "62.5"),
    ("GDP_GROWTH", "440300", "2020", "5"),
    ("GDP_GROWTH", "440300", "2021", "10"),
    ("GDP_GROWTH", "440300", "2022", "7.5"),
    ("GDP_GROWTH", "440305", "2022", "9.1"),
    ("GDP", "440303", "2021", "8"),
    ("GDP", "440303", "2022", "10"),
    ("GDP", "440304", "2021", "25"),
    ("GDP", "440304", "2022", "30"),
    ("GDP", "440305", "2021", "24"),
    ("GDP", "440305", "2022", "30"),
    ("GDP", "440306", "2021", "20"),
    ("GDP", "440306", "2022", "20"),
    ("UNEMP_RATE", "440300", "2022Q1", "5.2"),
    ("UNEMP_RATE", "440300", "2023Q1", "4.8"),
    ("RETAIL", "440300", "2023-01", "10"),
    ("RETAIL", "440300", "2023-02", "12"),
    ("RETAIL", "440300", "2023-03", "14"),
    ("RETAIL", "440300", "2023-04", "15"),
    ("RETAIL", "440300", "2023-05", "16"),
    ("DEPOSITS", "440300", "2023-01", "100"),
    ("DEPOSITS", "440300", "2023-02", "105"),
    ("DEPOSITS", "440300", "2023-03", "103"),
    ("DEPOSITS", "440300", "2023-04", "110"),
    ("LAND_AREA", "440303", "2022", "10"),
    ("LAND_AREA", "440304", "2022", "30"),
    ("DENSITY", "440303", "2022", "1000"),
    ("DENSITY", "440304", "2022", "3000"),
    ("DENSITY", "440305", "2022", "9000"),
]
POPULATION = [("POP_RESIDENT", "440300", "2021", "40"), ("POP_RESIDENT", "440300", "2022", "50")]


@pytest.fixture
def store(empty_url: str, system: Actor) -> Iterator[Database]:
    """Schema, regions, the organisations the system names, the analysis system and its values."""
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
        import_system(conn, system, analysis_system(), source="tests")
        rows = [FactInput(*row) for row in VALUES + POPULATION]
        publish(conn, system, rows, origin="test", source_org="STATS")
    yield database
    database.dispose()
