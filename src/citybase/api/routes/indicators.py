"""The indicator system: list and search, one indicator (by code or alias), versions, import/export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status

from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.api.schemas import (
    IndicatorDetailPublic,
    IndicatorPublic,
    IndicatorVersionPublic,
    IndicatorWrite,
)
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.definitions import IndicatorInput
from citybase.indicators.exchange import export_system, import_system
from citybase.indicators.model import Alias, Indicator
from citybase.indicators.service import (
    create_indicator,
    get_indicator,
    list_indicators,
    revise_indicator,
    versions_of,
)

router = APIRouter(prefix="/indicators", tags=["indicators"])

INDICATOR_COLUMNS = (
    "code",
    "name",
    "name_en",
    "category",
    "unit",
    "frequency",
    "value_kind",
    "authoritative_org",
    "status",
    "formula",
    "definition",
)


def indicator_public(item: Indicator, alias: Alias | None = None) -> IndicatorPublic:
    return IndicatorPublic(
        code=item.code,
        name=item.name,
        name_en=item.name_en,
        category=item.category,
        unit=item.unit,
        frequency=item.frequency.value,
        value_kind=item.value_kind.value,
        region_aggregation=item.region_aggregation.value,
        time_aggregation=item.time_aggregation.value,
        weight_indicator=item.weight_indicator,
        decimals=item.decimals,
        min_value=item.min_value,
        max_value=item.max_value,
        authoritative_org=item.authoritative_org,
        reporters=list(item.reporters),
        dimensions=list(item.dimensions),
        status=item.status.value,
        formula=item.formula,
        definition=item.definition,
        notes=item.notes,
        version=item.version,
        effective_from=item.effective_from,
        growth_of=item.growth_of,
        price_basis=item.price_basis.value if item.price_basis else None,
        resolved_from=alias.alias if alias else None,
        alias_unit=alias.unit if alias else None,
        alias_dims=alias.dims if alias else None,
        alias_cumulative=alias.cumulative if alias else None,
    )


@router.get("", response_model=list[IndicatorPublic])
def list_all(
    conn: ConnDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(description="Text in the code, names or definition")] = None,
    category: Annotated[
        str | None, Query(description="A category code; its sub-categories are included")
    ] = None,
    status_: Annotated[str | None, Query(alias="status", description="draft, active or retired")] = None,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> list[IndicatorPublic] | Response:
    items = [
        indicator_public(item)
        for item in list_indicators(conn, actor, q=q, category=category, status=status_)
    ]
    if format == "csv":
        return csv_response(
            (item.model_dump() for item in items), INDICATOR_COLUMNS, "indicators.csv", bom=bom
        )
    return items


@router.get("/export", response_model=dict[str, Any])
def export(conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """The whole indicator system in the document `POST /indicators/import` reads."""
    return export_system(conn, actor)


@router.post("/import", response_model=dict[str, Any])
def import_(document: Annotated[dict[str, Any], Body()], conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Create or update the system from a document; all or nothing."""
    return import_system(conn, actor, document, source="api").as_dict()


@router.get("/{code}", response_model=IndicatorDetailPublic)
def read(code: str, conn: ConnDep, actor: ActorDep) -> IndicatorDetailPublic:
    item, alias = get_indicator(conn, actor, code)
    aliases = sorted(a.alias for a in indicator_catalog(conn).aliases.values() if a.indicator == item.code)
    return IndicatorDetailPublic(
        **indicator_public(item, alias).model_dump(),
        versions=[
            IndicatorVersionPublic(**version.__dict__) for version in versions_of(conn, actor, item.code)
        ],
        aliases=aliases,
    )


def _input(body: IndicatorWrite) -> IndicatorInput:
    return IndicatorInput.from_mapping(body.model_dump(exclude={"effective_from", "change_note"}))


@router.post("", response_model=IndicatorPublic, status_code=status.HTTP_201_CREATED)
def create(body: IndicatorWrite, conn: ConnDep, actor: ActorDep) -> IndicatorPublic:
    kwargs = {"effective_from": body.effective_from} if body.effective_from else {}
    return indicator_public(create_indicator(conn, actor, _input(body), **kwargs))


@router.put("/{code}", response_model=IndicatorPublic)
def revise(code: str, body: IndicatorWrite, conn: ConnDep, actor: ActorDep) -> IndicatorPublic:
    return indicator_public(
        revise_indicator(
            conn,
            actor,
            code.upper(),
            _input(body),
            effective_from=body.effective_from,
            change_note=body.change_note,
        )
    )
