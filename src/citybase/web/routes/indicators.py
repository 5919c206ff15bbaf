"""The indicator catalogue: the category tree and search, and the page of one indicator with its series."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import list_organisations
from citybase.api.deps import ConnDep
from citybase.facts.model import FactItem
from citybase.facts.query import MAX_LIMIT, SeriesQuery, query_facts
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.formulas import parse_formula
from citybase.indicators.model import Category, Indicator, IndicatorVersion
from citybase.indicators.service import get_indicator, list_indicators, versions_of
from citybase.regions.service import children, get_region
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.series import (
    OTHER_PERIODS,
    api_urls,
    definition_breaks,
    dominant_frequency,
    natural_frequency,
    series_chart,
    sorted_periods,
    split_codes,
)
from citybase.web.templating import Page, render

router = APIRouter(prefix="/indicators")
FALLBACK_REGIONS = 6


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    depth: int
    count: int


def category_tree(categories: Mapping[str, Category], items: Sequence[Indicator]) -> list[CategoryNode]:
    """The categories in tree order, each with how many of `items` lie in it or below it."""
    kids: dict[str | None, list[Category]] = {}
    for category in categories.values():
        parent = category.parent if category.parent in categories else None
        kids.setdefault(parent, []).append(category)
    direct = Counter(item.category for item in items)
    nodes: list[CategoryNode] = []

    def walk(category: Category, depth: int) -> int:
        position = len(nodes)
        nodes.append(CategoryNode(category, depth, 0))
        count = direct[category.code] + sum(walk(kid, depth + 1) for kid in kids.get(category.code, []))
        nodes[position] = CategoryNode(category, depth, count)
        return count

    for root in kids.get(None, []):
        walk(root, 0)
    return nodes


@router.get("", include_in_schema=False)
def indicator_list(
    page: PageDep,
    conn: ConnDep,
    q: Annotated[str, Query(max_length=64)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(pattern=r"^(draft|active|retired)?$")] = "",
) -> Response:
    actor = session_of(page).actor
    catalog = indicator_catalog(conn)
    matching = list_indicators(conn, actor, q=q.strip() or None, status=status or None)
    shown = list_indicators(
        conn, actor, q=q.strip() or None, category=category or None, status=status or None
    )
    query = {
        key: value for key, value in {"q": q.strip(), "category": category, "status": status}.items() if value
    }
    return render(
        page,
        "indicators/index.html",
        items=shown,
        tree=category_tree(catalog.categories, matching),
        matching=len(matching),
        categories=catalog.categories,
        orgs={org.code: org for org in list_organisations(conn, actor)},
        q=q.strip(),
        category=category,
        status=status,
        query=query,
        in_category=lambda code: "/indicators" + _query_string({**query, "category": code}),
        json_url="/api/v1/indicators" + _query_string(query),
        csv_url="/api/v1/indicators?" + urlencode({**query, "format": "csv", "bom": "true"}),
    )


def _query_string(values: Mapping[str, str]) -> str:
    kept = {key: value for key, value in values.items() if value}
    return "?" + urlencode(kept) if kept else ""


def describe_dims(dims: str, catalog: IndicatorCatalog, language: str) -> str:
    """A breakdown as people read it: SEX=M as "性别：男" (or "Sex: Male")."""
    parts = []
    for pair in filter(None, dims.split(";")):
        code, _sep, member_code = pair.partition("=")
        dimension = catalog.dimensions.get(code)
        member = next((m for m in dimension.members if m.code == member_code), None) if dimension else None
        if dimension is None or member is None:
            parts.append(pair)
        elif language == "en":
            parts.append(f"{dimension.name_en or dimension.code}: {member.name_en or member.code}")
        else:
            parts.append(f"{dimension.name}：{member.name}")
    return "; ".join(parts)


@dataclass(frozen=True)
class RegionChoice:
    """The series picker: the home city and its districts, other regions with values, and the chosen."""

    local: list[tuple[str, str]]
    others: list[tuple[str, str]]
    available: set[str]
    selected: list[str]


def _region_choice(
    conn: Connection, actor: Actor, indicator: Indicator, dims: str, requested: Sequence[str]
) -> RegionChoice:
    """By default the home city and those of its districts with values; else a few regions with some."""
    home = get_setting(conn, HOME_REGION)
    local_regions = [get_region(conn, actor, home), *children(conn, actor, home)] if home else []
    every = query_facts(
        conn, actor, SeriesQuery([indicator.code], dims=dims, include_computed=False, limit=MAX_LIMIT)
    ).items
    names = {item.region: item.region_name for item in every}
    local = [region.code for region in local_regions]
    with_values = [code for code in local if code in names]
    if with_values:
        default = [home, *with_values] if home and home not in with_values else with_values
    else:
        default = sorted(names)[:FALLBACK_REGIONS] or local[:1]
    selected = list(requested) or [code for code in default if code]
    others = {code: name for code, name in names.items() if code not in local}
    # Regions chosen by hand that carry no values stay in the picker, so they can be unticked.
    others.update({code: code for code in selected if code not in local and code not in names})
    return RegionChoice(
        local=[(region.code, region.name) for region in local_regions],
        others=sorted(others.items()),
        available=set(names),
        selected=selected,
    )


@router.get("/{code}", include_in_schema=False)
def indicator_page(
    code: str,
    page: PageDep,
    conn: ConnDep,
    region: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    frequency: Annotated[str, Query(max_length=16)] = "",
    dims: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One indicator (by its code or an alias), its definition history, and its series by region."""
    actor = session_of(page).actor
    indicator, alias = get_indicator(conn, actor, code)
    catalog = indicator_catalog(conn)
    choice = _region_choice(conn, actor, indicator, dims, split_codes(region))
    items = query_facts(
        conn, actor, SeriesQuery([indicator.code], regions=choice.selected, dims=dims, limit=MAX_LIMIT)
    ).items
    frequencies = Counter(natural_frequency(item.period) for item in items)
    chosen = frequency if frequency in frequencies else dominant_frequency(items)
    shown = [item for item in items if natural_frequency(item.period) == chosen and item.value is not None]
    versions = versions_of(conn, actor, indicator.code)
    parameters = {
        "indicator": indicator.code,
        "region": ",".join(choice.selected),
        "dims": dims,
        "frequency": "" if chosen == OTHER_PERIODS else chosen,
    }
    series_json, series_csv = api_urls({key: value for key, value in parameters.items() if value})
    return render(
        page,
        "indicators/detail.html",
        indicator=indicator,
        alias=alias,
        alias_dims=describe_dims(alias.dims, catalog, page.language) if alias else "",
        category=catalog.categories.get(indicator.category or ""),
        orgs={org.code: org for org in list_organisations(conn, actor)},
        dimensions=[catalog.dimensions[name] for name in indicator.dimensions if name in catalog.dimensions],
        aliases=[
            (item, describe_dims(item.dims, catalog, page.language))
            for item in sorted(catalog.aliases.values(), key=lambda item: item.alias)
            if item.indicator == indicator.code
        ],
        inputs=sorted(parse_formula(indicator.formula).inputs) if indicator.formula else [],
        dependants=sorted(catalog.dependants(indicator.code), key=lambda item: item.code),
        versions=versions,
        choice=choice,
        frequencies=sorted(frequencies.items(), key=lambda pair: -pair[1]),
        frequency=chosen,
        dims=dims,
        dims_options=_dims_options(indicator, catalog, page.language),
        chart=_chart(shown, versions, page, indicator.decimals),
        columns=list({item.region: item.region_name for item in shown}.items()),
        rows=_rows(shown),
        series_json=series_json,
        series_csv=series_csv,
        browser_url="/data?" + urlencode({key: value for key, value in parameters.items() if value}),
    )


def _dims_options(indicator: Indicator, catalog: IndicatorCatalog, language: str) -> list[tuple[str, str]]:
    options = []
    for name in indicator.dimensions:
        dimension = catalog.dimensions.get(name)
        for member in dimension.members if dimension else ():
            value = f"{name}={member.code}"
            options.append((value, describe_dims(value, catalog, language)))
    return options


def _chart(
    shown: Sequence[FactItem], versions: Sequence[IndicatorVersion], page: Page, decimals: int
) -> dict[str, Any] | None:
    if not shown:
        return None
    return series_chart(
        shown,
        lambda item: item.region_name or item.region,
        breaks=definition_breaks(versions, shown, page.gettext),
        decimals=decimals,
    )


def _rows(shown: Sequence[FactItem]) -> list[tuple[str, dict[str, FactItem]]]:
    """The values as a table: one row per period, newest first, cells by region."""
    cells: dict[str, dict[str, FactItem]] = {}
    for item in shown:
        cells.setdefault(item.period, {})[item.region] = item
    return [(period, cells[period]) for period in reversed(sorted_periods(shown))]
