"""The region tree, search and the page of one region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.api.deps import ConnDep
from citybase.errors import InvalidInput
from citybase.messages import N_, message
from citybase.regions import Region
from citybase.regions.boundaries import children_boundaries
from citybase.regions.search import search_regions
from citybase.regions.service import (
    ancestors,
    changes_of,
    child_counts,
    children,
    get_region,
    lookup_ancestors,
    lookup_region,
    roots,
    versions,
)
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.templating import render

router = APIRouter(prefix="/regions")
FIRST_YEAR, LAST_YEAR = 1949, 2100


@router.get("", include_in_schema=False)
def region_tree(
    page: PageDep,
    conn: ConnDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[str, Query(pattern=r"^\s*(\d{4})?\s*$", description="Empty means any year")] = "",
) -> Response:
    """The tree from the country down, opened along the path to the city this instance serves."""
    actor = session_of(page).actor
    home = get_setting(conn, HOME_REGION)
    open_path = [region.code for region in lookup_ancestors(conn, home)] + [home] if home else []
    opened: dict[str, list[Region]] = {code: children(conn, actor, code) for code in open_path}
    tree_roots = roots(conn, actor)
    shown = [region.code for region in tree_roots]
    shown += [region.code for items in opened.values() for region in items]
    in_year = _year(year)
    matches = search_regions(conn, actor, q, limit=30, year=in_year) if q else None
    return render(
        page,
        "regions/index.html",
        roots=tree_roots,
        opened=opened,
        counts=child_counts(conn, shown),
        q=q or "",
        year=in_year,
        matches=matches,
    )


def _year(text: str) -> int | None:
    """The search form's year field: empty for any year, else a year the division codes can cover."""
    if not text.strip():
        return None
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            message(
                N_("The year must lie between {first} and {last}, not {year}"),
                first=FIRST_YEAR,
                last=LAST_YEAR,
                year=year,
            )
        )
    return year


@router.get("/tree/{code}", include_in_schema=False)
def tree_children(code: str, page: PageDep, conn: ConnDep) -> Response:
    """The children of one node, as list items for htmx to insert under it."""
    items = children(conn, session_of(page).actor, code)
    return render(
        page,
        "regions/_nodes.html",
        nodes=items,
        counts=child_counts(conn, [r.code for r in items]),
        opened={},
    )


@router.get("/{code}", include_in_schema=False)
def region_page(
    code: str, page: PageDep, conn: ConnDep, year: Annotated[int | None, Query(ge=1949, le=2100)] = None
) -> Response:
    actor = session_of(page).actor
    region = get_region(conn, actor, code, year)
    kids = children(conn, actor, region.code, year) if region.is_current or year else []
    parent = lookup_region(conn, region.parent_code) if region.parent_code else None
    return render(
        page,
        "regions/detail.html",
        region=region,
        year=year,
        parent=parent,
        trail=ancestors(conn, actor, region.code, year),
        kids=kids,
        kid_counts=child_counts(conn, [kid.code for kid in kids]),
        versions=versions(conn, actor, region.code),
        changes=changes_of(conn, actor, region.code),
        boundaries=children_boundaries(region.code),
        map_data=[{"name": kid.name, "code": kid.code} for kid in kids],
    )
