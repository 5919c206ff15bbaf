"""The whole indicator system as one document (JSON), exported and imported all-or-nothing.

The same structure is written to and read from Excel by `workbook.py`; a round trip through either
format gives back the same system, version history included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.errors import InvalidInput, Problem
from citybase.indicators.catalog import INDICATORS_REVISION, indicator_catalog
from citybase.indicators.definitions import IndicatorInput, check_indicator
from citybase.indicators.model import IndicatorVersion
from citybase.indicators.service import _org_ids, insert_indicator, revise_indicator, versions_of
from citybase.indicators.tables import (
    dimension_members,
    dimensions,
    indicator_aliases,
    indicator_categories,
    indicators,
)
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.site import bump_revision
from citybase.storage.metadata import utcnow

FORMAT = "citybase-indicators"
VERSION = 1
INDICATOR_FIELDS = (
    "code", "name", "name_en", "category", "unit", "frequency", "value_kind", "region_aggregation",
    "time_aggregation", "weight_indicator", "decimals", "min_value", "max_value", "authoritative_org",
    "reporters", "dimensions", "status", "formula", "definition", "notes", "growth_of", "price_basis",
)  # fmt: skip
# Fields added after the first release: documents and workbooks without them still import.
OPTIONAL_FIELDS = ("growth_of", "price_basis")


def export_system(conn: Connection, actor: Actor) -> dict[str, Any]:
    """The indicator system as a document `import_system` reads back unchanged."""
    require(actor, Permission.VIEW_INDICATORS)
    catalog = indicator_catalog(conn)
    items = []
    for item in sorted(catalog.by_code.values(), key=lambda indicator: indicator.code):
        exported: dict[str, Any] = {
            name: getattr(item, name)
            for name in INDICATOR_FIELDS
            if name not in ("authoritative_org", "reporters", "dimensions")
        }
        exported.update(
            frequency=item.frequency.value,
            value_kind=item.value_kind.value,
            region_aggregation=item.region_aggregation.value,
            time_aggregation=item.time_aggregation.value,
            status=item.status.value,
            price_basis=item.price_basis.value if item.price_basis else None,
            authoritative_org=item.authoritative_org,
            reporters=sorted(item.reporters),
            dimensions=sorted(item.dimensions),
            versions=[_version_out(version) for version in versions_of(conn, actor, item.code)],
        )
        items.append(exported)
    return {
        "format": FORMAT,
        "version": VERSION,
        "categories": [
            {"code": c.code, "name": c.name, "name_en": c.name_en, "parent": c.parent, "notes": c.notes}
            for c in catalog.categories.values()
        ],
        "dimensions": [
            {
                "code": d.code,
                "name": d.name,
                "name_en": d.name_en,
                "members": [{"code": m.code, "name": m.name, "name_en": m.name_en} for m in d.members],
            }
            for d in catalog.dimensions.values()
        ],
        "indicators": items,
        "aliases": [
            {
                "alias": a.alias,
                "indicator": a.indicator,
                "unit": a.unit,
                "dims": a.dims,
                "cumulative": a.cumulative,
                "note": a.note,
            }
            for a in sorted(catalog.aliases.values(), key=lambda alias: alias.alias)
        ],
    }


def _version_out(version: IndicatorVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "effective_from": version.effective_from.isoformat(),
        "definition": version.definition,
        "notes": version.notes,
        "unit": version.unit,
        "formula": version.formula,
        "change_note": version.change_note,
        "recorded_by": version.recorded_by,
        "recorded_at": version.recorded_at.isoformat(),
    }


@dataclass
class ImportReport:
    categories: int = 0
    dimensions: int = 0
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: int = 0
    aliases: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "categories": self.categories,
            "dimensions": self.dimensions,
            "created": len(self.created),
            "revised": len(self.revised),
            "unchanged": self.unchanged,
            "aliases": self.aliases,
        }


def _problem(path: str, template: str, **params: Any) -> Problem:
    return Problem("invalid", message(template, **params), column=path)


def import_system(
    conn: Connection, actor: Actor, document: dict[str, Any], *, source: str = ""
) -> ImportReport:
    """Create or update categories, disaggregations, indicators and aliases from a document; nothing is
    written unless every part of it is valid."""
    require(actor, Permission.MANAGE_INDICATORS)
    problems: list[Problem] = []
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise InvalidInput(
            message(
                N_("This is not a CityBase indicator system (format {format}, version {version} expected)"),
                format=FORMAT,
                version=VERSION,
            )
        )
    report = ImportReport()
    _upsert_categories(conn, document.get("categories") or [], problems, report)
    _upsert_dimensions(conn, document.get("dimensions") or [], problems, report)
    if problems:
        raise InvalidInput(
            message(N_("The indicator system has {count} problem(s)"), count=len(problems)), problems=problems
        )
    bump_revision(conn, INDICATORS_REVISION)
    catalog = indicator_catalog(conn)
    org_ids = _org_ids(conn)
    entries = document.get("indicators") or []
    inputs: list[IndicatorInput] = []
    for position, raw in enumerate(entries):
        try:
            inputs.append(
                IndicatorInput.from_mapping(
                    {key: raw.get(key) for key in INDICATOR_FIELDS if key in raw} | _list_fields(raw)
                )
            )
        except TypeError as exc:
            problems.append(
                _problem(
                    f"indicators[{position}]", N_("missing or unexpected fields: {reason}"), reason=str(exc)
                )
            )
    pending = {item.code: item.formula or None for item in inputs}
    seen: dict[str, int] = {}
    for position, item in enumerate(inputs):
        if item.code in seen:
            problems.append(
                _problem(
                    f"indicators[{position}].code",
                    N_("{code} appears twice (also at {first})"),
                    code=item.code,
                    first=f"indicators[{seen[item.code]}]",
                )
            )
        seen[item.code] = position
        for problem in check_indicator(item, catalog, set(org_ids), pending):
            problems.append(
                Problem(
                    problem.code, problem.message, column=f"indicators[{position}].{problem.column or 'code'}"
                )
            )
    if problems:
        raise InvalidInput(
            message(N_("The indicator system has {count} problem(s)"), count=len(problems)), problems=problems
        )
    for raw, item in zip(entries, inputs, strict=True):
        history = _history(raw, item, actor)
        existing = catalog.by_code.get(item.code)
        if existing is None:
            insert_indicator(conn, actor, item, org_ids, history)
            report.created.append(item.code)
            continue
        if _same(existing, item):
            report.unchanged += 1
            continue
        bump_revision(conn, INDICATORS_REVISION)
        latest = history[-1]
        revise_indicator(
            conn,
            actor,
            item.code,
            item,
            effective_from=latest.effective_from if latest.version > existing.version else None,
            change_note=latest.change_note,
        )
        report.revised.append(item.code)
    bump_revision(conn, INDICATORS_REVISION)
    _upsert_aliases(conn, document.get("aliases") or [], indicator_catalog(conn), problems, report)
    if problems:
        raise InvalidInput(
            message(N_("The indicator system has {count} problem(s)"), count=len(problems)), problems=problems
        )
    bump_revision(conn, INDICATORS_REVISION)
    digest = hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    record(
        conn,
        actor,
        "indicators.imported",
        "indicator_system",
        source or "document",
        {**report.as_dict(), "sha256": digest},
    )
    return report


def _list_fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {"reporters": list(raw.get("reporters") or []), "dimensions": list(raw.get("dimensions") or [])}


def _same(existing: Any, item: IndicatorInput) -> bool:
    for name in INDICATOR_FIELDS:
        current = getattr(existing, name)
        offered = getattr(item, name)
        if name in ("reporters", "dimensions"):
            if sorted(current) != sorted(
                {*offered, existing.authoritative_org} if name == "reporters" else offered
            ):
                return False
        elif str(getattr(current, "value", current) or "") != str(offered or ""):
            return False
    return True


def _history(raw: dict[str, Any], item: IndicatorInput, actor: Actor) -> list[IndicatorVersion]:
    now = utcnow()
    history = [
        IndicatorVersion(
            version=int(entry["version"]),
            effective_from=dt.date.fromisoformat(entry["effective_from"]),
            definition=entry.get("definition", ""),
            notes=entry.get("notes", ""),
            unit=entry.get("unit", item.unit),
            formula=entry.get("formula"),
            change_note=entry.get("change_note", ""),
            recorded_by=entry.get("recorded_by") or actor.username,
            recorded_at=dt.datetime.fromisoformat(entry["recorded_at"]) if entry.get("recorded_at") else now,
        )
        for entry in raw.get("versions") or []
    ]
    if not history:
        history = [
            IndicatorVersion(
                1,
                dt.date(1949, 1, 1),
                item.definition,
                item.notes,
                item.unit,
                item.formula or None,
                "",
                actor.username,
                now,
            )
        ]
    return sorted(history, key=lambda version: version.version)


def _upsert_categories(
    conn: Connection, entries: list[dict[str, Any]], problems: list[Problem], report: ImportReport
) -> None:
    known = dict(conn.execute(select(indicator_categories.c.code, indicator_categories.c.id)).all())
    codes = {entry.get("code") for entry in entries} | set(known)
    for position, entry in enumerate(entries):
        code, name, parent = entry.get("code"), entry.get("name"), entry.get("parent")
        if not code or not name:
            problems.append(_problem(f"categories[{position}]", N_("a category needs a code and a name")))
            continue
        if parent and parent not in codes:
            problems.append(
                _problem(f"categories[{position}].parent", N_("Unknown category {code}"), code=parent)
            )
            continue
        values = {
            "name": name,
            "name_en": entry.get("name_en") or "",
            "parent_code": parent or None,
            "notes": entry.get("notes") or "",
            "sort_order": position,
        }
        if code in known:
            conn.execute(
                update(indicator_categories).where(indicator_categories.c.id == known[code]).values(**values)
            )
        else:
            known[code] = conn.execute(
                insert(indicator_categories).values(code=code, **values).returning(indicator_categories.c.id)
            ).scalar_one()
        report.categories += 1


def _upsert_dimensions(
    conn: Connection, entries: list[dict[str, Any]], problems: list[Problem], report: ImportReport
) -> None:
    known = dict(conn.execute(select(dimensions.c.code, dimensions.c.id)).all())
    for position, entry in enumerate(entries):
        code, name = entry.get("code"), entry.get("name")
        members = entry.get("members") or []
        if not code or not name or not members:
            problems.append(
                _problem(f"dimensions[{position}]", N_("a disaggregation needs a code, a name and members"))
            )
            continue
        values = {"name": name, "name_en": entry.get("name_en") or ""}
        if code in known:
            conn.execute(update(dimensions).where(dimensions.c.id == known[code]).values(**values))
        else:
            known[code] = conn.execute(
                insert(dimensions).values(code=code, **values).returning(dimensions.c.id)
            ).scalar_one()
        existing = dict(
            conn.execute(
                select(dimension_members.c.code, dimension_members.c.id).where(
                    dimension_members.c.dimension_id == known[code]
                )
            ).all()
        )
        for order, member in enumerate(members):
            member_values = {
                "name": member.get("name") or member["code"],
                "name_en": member.get("name_en") or "",
                "sort_order": order,
            }
            if member["code"] in existing:
                conn.execute(
                    update(dimension_members)
                    .where(dimension_members.c.id == existing[member["code"]])
                    .values(**member_values)
                )
            else:
                conn.execute(
                    insert(dimension_members).values(
                        dimension_id=known[code], code=member["code"], **member_values
                    )
                )
        report.dimensions += 1


def _upsert_aliases(
    conn: Connection,
    entries: list[dict[str, Any]],
    catalog: Any,
    problems: list[Problem],
    report: ImportReport,
) -> None:
    ids = dict(conn.execute(select(indicators.c.code, indicators.c.id)).all())
    known = dict(conn.execute(select(indicator_aliases.c.alias, indicator_aliases.c.id)).all())
    for position, entry in enumerate(entries):
        alias, target = entry.get("alias"), entry.get("indicator")
        if target not in ids:
            problems.append(
                _problem(f"aliases[{position}].indicator", N_("Unknown indicator {code}"), code=target)
            )
            continue
        if alias in ids:
            problems.append(
                _problem(
                    f"aliases[{position}].alias", N_("{code} is already an indicator's own code"), code=alias
                )
            )
            continue
        dims = entry.get("dims") or ""
        for part in filter(None, dims.split(";")):
            dimension, _, member = part.partition("=")
            members = (
                {m.code for m in catalog.dimensions[dimension].members}
                if dimension in catalog.dimensions
                else set()
            )
            if member not in members:
                problems.append(
                    _problem(
                        f"aliases[{position}].dims", N_("Unknown disaggregation value {value}"), value=part
                    )
                )
        values = {
            "indicator_id": ids[target],
            "unit": entry.get("unit") or None,
            "dims": dims,
            "cumulative": bool(entry.get("cumulative")),
            "note": entry.get("note") or "",
        }
        if alias in known:
            conn.execute(
                update(indicator_aliases).where(indicator_aliases.c.id == known[alias]).values(**values)
            )
        else:
            conn.execute(insert(indicator_aliases).values(alias=alias, **values))
        report.aliases += 1
