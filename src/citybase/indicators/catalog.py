"""An in-memory snapshot of the whole indicator system, cached per database until it changes.

Validating a submission of a million values must not query the definitions once per value, so every
reader takes the snapshot: indicators by code, their aliases, reporters and disaggregations.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from citybase.accounts.tables import organisations
from citybase.indicators.model import (
    Alias,
    Category,
    Dimension,
    DimensionMember,
    Indicator,
    PriceBasis,
    RegionAggregation,
    Status,
    TimeAggregation,
    ValueKind,
)
from citybase.indicators.tables import (
    dimension_members,
    dimensions,
    indicator_aliases,
    indicator_categories,
    indicator_dimensions,
    indicator_reporters,
    indicators,
)
from citybase.site import get_setting
from citybase.transform.periods import Frequency

INDICATORS_REVISION = "indicators_revision"


@dataclass
class IndicatorCatalog:
    revision: str
    by_code: dict[str, Indicator] = field(default_factory=dict)
    by_id: dict[int, Indicator] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    org_codes: dict[int, str] = field(default_factory=dict)

    def resolve(self, code: str) -> tuple[Indicator, Alias | None] | None:
        """The indicator a code names, directly or through an alias."""
        found = self.by_code.get(code)
        if found is not None:
            return found, None
        alias = self.aliases.get(code)
        if alias is not None and alias.indicator in self.by_code:
            return self.by_code[alias.indicator], alias
        return None

    def dependants(self, code: str) -> list[Indicator]:
        """Derived indicators whose formula uses `code`."""
        from citybase.indicators.formulas import parse_formula

        return [
            item
            for item in self.by_code.values()
            if item.formula and code in parse_formula(item.formula).inputs
        ]


def _indicator(
    row: Mapping[Any, Any], orgs: dict[int, str], reporters: tuple[str, ...], dims: tuple[str, ...]
) -> Indicator:
    effective = row["effective_from"]
    if isinstance(effective, str):  # SQLite hands Date back as text through some drivers
        effective = dt.date.fromisoformat(effective)
    return Indicator(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        name_en=row["name_en"],
        category=row["category_code"],
        unit=row["unit"],
        frequency=Frequency(row["frequency"]),
        value_kind=ValueKind(row["value_kind"]),
        region_aggregation=RegionAggregation(row["region_aggregation"]),
        time_aggregation=TimeAggregation(row["time_aggregation"]),
        weight_indicator=row["weight_indicator"],
        decimals=row["decimals"],
        min_value=row["min_value"],
        max_value=row["max_value"],
        authoritative_org=orgs[row["authoritative_org_id"]],
        authoritative_org_id=row["authoritative_org_id"],
        status=Status(row["status"]),
        formula=row["formula"],
        definition=row["definition"],
        notes=row["notes"],
        version=row["version"],
        effective_from=effective,
        reporters=reporters,
        dimensions=dims,
        growth_of=row["growth_of"],
        price_basis=PriceBasis(row["price_basis"]) if row["price_basis"] else None,
    )


def load_catalog(conn: Connection, revision: str) -> IndicatorCatalog:
    catalog = IndicatorCatalog(revision=revision)
    catalog.org_codes = dict(conn.execute(select(organisations.c.id, organisations.c.code)).all())
    reporters: dict[int, list[str]] = {}
    for indicator_id, org_id in conn.execute(
        select(indicator_reporters.c.indicator_id, indicator_reporters.c.org_id)
    ):
        reporters.setdefault(indicator_id, []).append(catalog.org_codes[org_id])
    dimension_codes = dict(conn.execute(select(dimensions.c.id, dimensions.c.code)).all())
    dims: dict[int, list[str]] = {}
    for indicator_id, dimension_id in conn.execute(
        select(indicator_dimensions.c.indicator_id, indicator_dimensions.c.dimension_id)
    ):
        dims.setdefault(indicator_id, []).append(dimension_codes[dimension_id])
    for row in conn.execute(select(indicators)):
        item = _indicator(
            row._mapping,
            catalog.org_codes,
            tuple(sorted(reporters.get(row.id, ()))),
            tuple(sorted(dims.get(row.id, ()))),
        )
        catalog.by_code[item.code] = item
        catalog.by_id[item.id] = item
    for row in conn.execute(select(indicator_aliases)):
        target = catalog.by_id[row.indicator_id]
        catalog.aliases[row.alias] = Alias(
            alias=row.alias,
            indicator=target.code,
            unit=row.unit,
            dims=row.dims,
            cumulative=bool(row.cumulative),
            note=row.note,
        )
    for row in conn.execute(
        select(indicator_categories).order_by(indicator_categories.c.sort_order, indicator_categories.c.code)
    ):
        catalog.categories[row.code] = Category(
            code=row.code, name=row.name, name_en=row.name_en, parent=row.parent_code, notes=row.notes
        )
    members: dict[int, list[DimensionMember]] = {}
    for row in conn.execute(
        select(dimension_members).order_by(dimension_members.c.sort_order, dimension_members.c.code)
    ):
        members.setdefault(row.dimension_id, []).append(DimensionMember(row.code, row.name, row.name_en))
    for row in conn.execute(select(dimensions).order_by(dimensions.c.code)):
        catalog.dimensions[row.code] = Dimension(
            row.code, row.name, row.name_en, tuple(members.get(row.id, ()))
        )
    return catalog


_cache: weakref.WeakKeyDictionary[Engine, IndicatorCatalog] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def indicator_catalog(conn: Connection) -> IndicatorCatalog:
    """The snapshot for this database, reloaded when the indicators revision has changed."""
    revision = get_setting(conn, INDICATORS_REVISION) or ""
    cached = _cache.get(conn.engine)
    if cached is not None and cached.revision == revision:
        return cached
    catalog = load_catalog(conn, revision)
    with _lock:
        _cache[conn.engine] = catalog
    return catalog
