"""A small indicator system for tests: real codes, units and rules, a derived share, aliases."""

from __future__ import annotations

import copy
from typing import Any

from citybase.accounts.actor import Actor
from citybase.indicators.exchange import import_system
from citybase.storage import Database

SMALL_SYSTEM: dict[str, Any] = {
    "format": "citybase-indicators",
    "version": 1,
    "categories": [
        {"code": "ECON", "name": "经济运行", "name_en": "Economy", "parent": None},
        {"code": "ECON.GDP", "name": "地区生产总值", "name_en": "GRP", "parent": "ECON"},
        {"code": "POP", "name": "人口", "name_en": "Population", "parent": None},
    ],
    "dimensions": [
        {
            "code": "SEX",
            "name": "性别",
            "name_en": "Sex",
            "members": [
                {"code": "M", "name": "男", "name_en": "Male"},
                {"code": "F", "name": "女", "name_en": "Female"},
            ],
        },
    ],
    "indicators": [
        {
            "code": "GDP",
            "name": "地区生产总值",
            "category": "ECON.GDP",
            "unit": "亿元",
            "frequency": "quarter",
            "value_kind": "flow",
            "decimals": 2,
            "min_value": 0,
            "authoritative_org": "STATS",
            "reporters": ["NANSHAN", "FUTIAN"],
            "definition": "按市场价格计算的常住单位生产活动最终成果",
        },
        {
            "code": "VA_TERTIARY",
            "name": "第三产业增加值",
            "category": "ECON.GDP",
            "unit": "亿元",
            "frequency": "quarter",
            "value_kind": "flow",
            "decimals": 2,
            "authoritative_org": "STATS",
        },
        {
            "code": "GDP_GROWTH",
            "name": "地区生产总值比上年增长",
            "category": "ECON.GDP",
            "unit": "%",
            "frequency": "quarter",
            "value_kind": "growth_rate",
            "decimals": 1,
            "authoritative_org": "STATS",
        },
        {
            "code": "POP_RESIDENT",
            "name": "年末常住人口",
            "category": "POP",
            "unit": "万人",
            "frequency": "year",
            "value_kind": "stock",
            "decimals": 2,
            "authoritative_org": "STATS",
            "reporters": ["PSB"],
        },
        {
            "code": "POP_HUKOU",
            "name": "户籍人口",
            "category": "POP",
            "unit": "万人",
            "frequency": "year",
            "value_kind": "stock",
            "decimals": 2,
            "authoritative_org": "PSB",
            "dimensions": ["SEX"],
            "reporters": ["STATS"],
        },
        {
            "code": "SHARE_TERTIARY_CALC",
            "name": "第三产业比重",
            "category": "ECON.GDP",
            "unit": "%",
            "frequency": "quarter",
            "value_kind": "ratio",
            "decimals": 1,
            "authoritative_org": "STATS",
            "formula": "VA_TERTIARY / GDP × 100",
        },
        {
            "code": "GDP_PER_CAPITA_CALC",
            "name": "人均地区生产总值",
            "unit": "元/人",
            "frequency": "year",
            "value_kind": "ratio",
            "decimals": 0,
            "authoritative_org": "STATS",
            "formula": "GDP / POP_RESIDENT",
        },
    ],
    "aliases": [
        {
            "alias": "GDP_10K",
            "indicator": "GDP",
            "unit": "万元",
            "dims": "",
            "cumulative": False,
            "note": "万元",
        },
        {
            "alias": "GDP_YTD",
            "indicator": "GDP",
            "unit": None,
            "dims": "",
            "cumulative": True,
            "note": "累计",
        },
        {
            "alias": "POP_HUKOU_MALE",
            "indicator": "POP_HUKOU",
            "unit": None,
            "dims": "SEX=M",
            "cumulative": False,
            "note": "男",
        },
    ],
}


def small_system() -> dict[str, Any]:
    return copy.deepcopy(SMALL_SYSTEM)


def install_small_system(db: Database, actor: Actor) -> None:
    with db.write() as conn:
        import_system(conn, actor, small_system(), source="tests")
