"""The data browser: series by indicators × regions × periods, their chart, and one value's revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.accounts.organisations import list_organisations
from citybase.api.deps import ConnDep
from citybase.errors import InvalidInput, NotFound
from citybase.facts.model import FactItem
from citybase.facts.query import SeriesQuery, period_of, query_facts, revisions
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.service import get_indicator, list_indicators, versions_of
from citybase.messages import N_, message
from citybase.regions.service import children, get_region
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.series import (
    api_urls,
    definition_breaks,
    dominant_frequency,
    natural_frequency,
    series_chart,
    split_codes,
)
from citybase.web.templating import render

router = APIRouter(prefix="/data")
PAGE_LIMIT = 1000
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class DataForm:
    """The browser's filters as typed, and the query and API parameters they make."""

    indicators: list[str]
    regions: list[str]
    start: str
    end: str
    dims: str
    frequency: str
    as_of: str
    status: str
    unit: str
    computed: bool

    def as_of_instant(self) -> dt.datetime | None:
        """The as-of field, a date and time in China Standard Time (a bare date means its midnight)."""
        if not self.as_of.strip():
            return None
        try:
            moment = dt.datetime.fromisoformat(self.as_of.strip().replace(" ", "T"))
        except ValueError as exc:
            raise InvalidInput(
                message(N_("'{text}' is not a date and time: write it as 2024-05-01 12:00"), text=self.as_of)
            ) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)

    def query(self, limit: int = PAGE_LIMIT) -> SeriesQuery:
        return SeriesQuery(
            indicators=self.indicators,
            regions=self.regions,
            start=self.start or None,
            end=self.end or None,
            dims=None if self.dims == "*" else self.dims,
            frequency=self.frequency or None,
            as_of=self.as_of_instant(),
            status=self.status or None,
            unit=self.unit or None,
            include_computed=self.computed,
            limit=limit,
        )

    def api_parameters(self) -> dict[str, str]:
        moment = self.as_of_instant() if self.as_of else None
        values = {
            "indicator": ",".join(self.indicators),
            "region": ",".join(self.regions),
            "start": self.start,
            "end": self.end,
            "dims": self.dims,
            "frequency": self.frequency,
            "as_of": moment.isoformat() if moment else "",
            "status": self.status,
            "unit": self.unit,
            "computed": "" if self.computed else "false",
        }
        return {key: value for key, value in values.items() if value}


@router.get("", include_in_schema=False)
def data_browser(
    page: PageDep,
    conn: ConnDep,
    indicator: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    region: Annotated[list[str], Query()] = [],  # noqa: B006
    start: Annotated[str, Query(max_length=32)] = "",
    end: Annotated[str, Query(max_length=32)] = "",
    dims: Annotated[str, Query(max_length=200)] = "",
    frequency: Annotated[str, Query(pattern=r"^(year|half|quarter|month)?$")] = "",
    as_of: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(pattern=r"^(provisional|final)?$")] = "",
    unit: Annotated[str, Query(max_length=32)] = "",
    computed: Annotated[str, Query(pattern=r"^[01]?$")] = "1",
) -> Response:
    actor = session_of(page).actor
    home = get_setting(conn, HOME_REGION)
    form = DataForm(
        indicators=split_codes(indicator),
        regions=split_codes(region) or ([home] if home else []),
        start=start.strip(),
        end=end.strip(),
        dims=dims.strip(),
        frequency=frequency,
        as_of=as_of.strip(),
        status=status,
        unit=unit.strip(),
        computed=computed != "0",
    )
    catalog = indicator_catalog(conn)
    context: dict[str, Any] = {
        "form": form,
        "choices": [
            (catalog.categories.get(category or ""), list(group))
            for category, group in groupby(list_indicators(conn, actor), key=lambda item: item.category)
        ],
        "home": get_region(conn, actor, home) if home else None,
        "districts": children(conn, actor, home) if home else [],
        "result": None,
        "error": None,
        "chart": None,
        "chart_note": None,
        "twins": None,
    }
    if not form.indicators:
        return render(page, "data/index.html", **context)
    try:
        result = query_facts(conn, actor, form.query())
        twins = api_urls(form.api_parameters())
    except (InvalidInput, NotFound) as error:
        context["error"] = error.render(page.gettext)
        return render(page, "data/index.html", status_code=422, **context)
    chosen = {item.indicator: catalog.by_code[item.indicator] for item in result.items}
    charted = _charted(result.items, form.frequency)
    # Definition breaks are drawn only for one indicator: lines for several would be ambiguous.
    breaks = (
        definition_breaks(versions_of(conn, actor, next(iter(chosen))), charted, page.gettext)
        if len(chosen) == 1
        else []
    )
    context.update(
        result=result,
        indicators=chosen,
        twins=twins,
        chart=series_chart(charted, _series_name(len(chosen) > 1), breaks=breaks) if charted else None,
        chart_note=_chart_note(page.gettext, result.items, charted),
    )
    return render(page, "data/index.html", **context)


def _charted(items: Sequence[FactItem], frequency: str) -> list[FactItem]:
    """The values the chart shows: those of one frequency (the commonest, unless one was chosen)."""
    values = [item for item in items if item.value is not None]
    wanted = frequency or dominant_frequency(values)
    return [item for item in values if natural_frequency(item.period) == wanted]


def _series_name(with_indicator: bool) -> Callable[[FactItem], str]:
    def name(item: FactItem) -> str:
        parts = [item.indicator_name] if with_indicator else []
        parts.append(item.region_name or item.region)
        if item.dims:
            parts.append(item.dims)
        return " · ".join(parts)

    return name


def _chart_note(
    gettext: Callable[[str], str], items: Sequence[FactItem], charted: Sequence[FactItem]
) -> str | None:
    left_out = len([item for item in items if item.value is not None]) - len(charted)
    if not charted or left_out <= 0:
        return None
    return gettext("The chart shows the %(count)s values of one frequency; the table has them all.") % {
        "count": len(charted)
    }


@router.get("/revisions", include_in_schema=False)
def revision_history(
    page: PageDep,
    conn: ConnDep,
    indicator: Annotated[str, Query(max_length=64)],
    region: Annotated[str, Query(max_length=12)],
    period: Annotated[str, Query(max_length=32)],
    dims: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every value ever stored for one indicator × region × period × breakdown, from every source."""
    actor = session_of(page).actor
    item, _alias = get_indicator(conn, actor, indicator)
    found = revisions(conn, actor, item.code, region, period, dims)
    canonical = str(period_of(period))
    parameters = {"indicator": item.code, "region": region, "period": canonical, "dims": dims}
    return render(
        page,
        "data/revisions.html",
        indicator=item,
        region=get_region(conn, actor, region),
        period=canonical,
        dims=dims,
        revisions=found,
        orgs={org.code: org.name for org in list_organisations(conn, actor)},
        json_url="/api/v1/facts/revisions?" + urlencode({k: v for k, v in parameters.items() if v}),
        series_url="/data?" + urlencode({"indicator": item.code, "region": region, "dims": dims}),
    )
