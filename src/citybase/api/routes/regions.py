"""Regions: lookup by code (for a year), search by name, children, ancestors."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.api.schemas import RegionChangePublic, RegionDetailPublic, RegionMatchPublic, RegionPublic
from citybase.regions import Level, Region
from citybase.regions.search import search_regions
from citybase.regions.service import (
    ancestors,
    changes_of,
    child_counts,
    children,
    get_region,
    regions_at_level,
    roots,
    versions,
)

router = APIRouter(prefix="/regions", tags=["regions"])

REGION_COLUMNS = ("code", "name", "level", "parent_code", "valid_from", "valid_to", "current")
Format = Literal["json", "csv"]


def region_public(region: Region) -> RegionPublic:
    return RegionPublic(
        code=region.code,
        name=region.name,
        level=region.level.value,
        parent_code=region.parent_code,
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        current=region.is_current,
    )


def _as_csv(items: list[RegionPublic], filename: str, bom: bool) -> Response:
    return csv_response((item.model_dump() for item in items), REGION_COLUMNS, filename, bom=bom)


@router.get("", response_model=list[RegionMatchPublic] | list[RegionPublic])
def list_regions(
    conn: ConnDep,
    actor: ActorDep,
    q: Annotated[
        str | None, Query(description="Name, short name (南山), path (深圳南山) or code prefix")
    ] = None,
    parent: Annotated[str | None, Query(description="List the children of this region")] = None,
    level: Annotated[Level | None, Query(description="List every current region at this level")] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100, description="Only codes in use in this year")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 20,
    format: Format = "json",
    bom: bool = False,
) -> list[RegionMatchPublic] | list[RegionPublic] | Response:
    """Search by name when `q` is given; otherwise list a parent's children, a level, or the root."""
    if q is not None:
        matches = [
            RegionMatchPublic(**region_public(match.region).model_dump(), score=match.score, match=match.how)
            for match in search_regions(conn, actor, q, limit=limit, year=year)
        ]
        if format == "csv":
            return _as_csv(list(matches), "regions-search.csv", bom)
        return matches
    if parent is not None:
        found = children(conn, actor, parent, year)
    elif level is not None:
        found = regions_at_level(conn, actor, level, year)
    else:
        found = roots(conn, actor)
    items = [region_public(region) for region in found]
    if format == "csv":
        return _as_csv(items, "regions.csv", bom)
    return items


@router.get("/{code}", response_model=RegionDetailPublic)
def read_region(
    code: str,
    conn: ConnDep,
    actor: ActorDep,
    year: Annotated[
        int | None, Query(ge=1949, le=2100, description="The version in use in this year")
    ] = None,
) -> RegionDetailPublic:
    region = get_region(conn, actor, code, year)
    return RegionDetailPublic(
        **region_public(region).model_dump(),
        ancestors=[region_public(item) for item in ancestors(conn, actor, region.code, year)],
        children_count=child_counts(conn, [region.code]).get(region.code, 0),
        versions=[region_public(item) for item in versions(conn, actor, region.code)],
        changes=[
            RegionChangePublic(
                year=change.year,
                kind=change.kind.value,
                old_code=change.old_code,
                new_code=change.new_code,
                note=change.note,
            )
            for change in changes_of(conn, actor, region.code)
        ],
    )


@router.get("/{code}/children", response_model=list[RegionPublic])
def read_children(
    code: str,
    conn: ConnDep,
    actor: ActorDep,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    format: Format = "json",
    bom: bool = False,
) -> list[RegionPublic] | Response:
    items = [region_public(region) for region in children(conn, actor, code, year)]
    if format == "csv":
        return _as_csv(items, f"regions-{code}-children.csv", bom)
    return items


@router.get("/{code}/ancestors", response_model=list[RegionPublic])
def read_ancestors(
    code: str, conn: ConnDep, actor: ActorDep, year: Annotated[int | None, Query(ge=1949, le=2100)] = None
) -> list[RegionPublic]:
    return [region_public(region) for region in ancestors(conn, actor, code, year)]
