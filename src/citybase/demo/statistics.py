"""The demo city's indicator system and its real statistical series, loaded through the central store."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.exchange import import_system

# Loaded in this order: the 2018 vintage of provincial GDP first, so the revised figures that follow
# become newer revisions of the same values.
SERIES_FILES = (
    "province-gdp-1993-2017-vintage2018.csv",
    "province-indicators.csv",
    "major-cities-indicators.csv",
    "shenzhen-indicators.csv",
)


@dataclass
class SeriesReport:
    published: int = 0
    revised: int = 0
    batches: int = 0
    skipped: list[str] = field(default_factory=list)


def _text(name: str) -> str:
    return resources.files("citybase.demo").joinpath("data", name).read_text(encoding="utf-8")


def indicator_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_text("indicators.json"))
    return document


def load_indicator_system(conn: Connection, actor: Actor) -> int:
    report = import_system(conn, actor, indicator_document(), source="demo:indicators.json")
    return len(report.created)


def load_series(conn: Connection, actor: Actor) -> SeriesReport:
    """Publish every row of the bundled series, one batch per source, as the authoritative department
    (the rows come from official releases); rows without a region code are skipped and listed."""
    catalog = indicator_catalog(conn)
    report = SeriesReport()
    for name in SERIES_FILES:
        batches: dict[tuple[str, str], list[FactInput]] = defaultdict(list)
        for line, row in enumerate(csv.DictReader(io.StringIO(_text(name))), start=2):
            if not row["region_code"]:
                report.skipped.append(
                    f"{name}:{line} {row['indicator_code']} {row['region_name']} {row['period']}"
                )
                continue
            resolved = catalog.resolve(row["indicator_code"])
            if resolved is None:
                report.skipped.append(f"{name}:{line} unknown indicator {row['indicator_code']}")
                continue
            indicator = resolved[0]
            batches[(row["source_id"], indicator.authoritative_org)].append(
                FactInput(
                    indicator=row["indicator_code"],
                    region=row["region_code"],
                    period=row["period"],
                    value=row["value"],
                    unit=row["unit"],
                    note=f"{row['indicator_name']} · {row['source_id']}",
                    row=line,
                    column=name,
                )
            )
        for (source_id, org), offered in sorted(batches.items()):
            result = publish(conn, actor, offered, origin=f"demo:{source_id}", source_org=org)
            report.published += result.inserted + result.revised
            report.revised += result.revised
            report.batches += 1
    return report
