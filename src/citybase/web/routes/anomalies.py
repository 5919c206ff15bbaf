"""The anomalies page (异常值): series breaks and relations that do not hold across the store, most severe
first, each with its evidence and links to the indicator page and the data browser for its series."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.analysis.anomalies import find_anomalies
from citybase.analysis.anomalies_model import DEFAULT_TOLERANCE, MAX_LIMIT, Anomaly, AnomalyQuery, Method
from citybase.analysis.anomalies_series import DEFAULT_THRESHOLD
from citybase.api.deps import ConnDep
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.catalog import indicator_catalog
from citybase.messages import N_, message
from citybase.web.deps import PageDep, session_of
from citybase.web.series import split_codes
from citybase.web.templating import render

router = APIRouter(prefix="/analysis")
PAGE_SIZE = 50
PAGE = "/analysis/anomalies?"
API = "/api/v1/analysis/anomalies?"
FREQUENCIES = ("year", "half", "quarter", "month")
CHINA = dt.timezone(dt.timedelta(hours=8))  # a time typed on the page is Beijing time, as in the data browser


def _number(text: str, default: float) -> float | None:
    """The number typed in a field, the default when it is empty, None when it is not a number."""
    if not text.strip():
        return default
    try:
        return float(text)
    except ValueError:
        return None


def series_links(item: Anomaly) -> dict[str, str]:
    """Where to look at the finding's numbers: the indicator page and the data browser for its series (for
    a relation, every indicator or sub-region it compared)."""
    indicators = [item.indicator]
    regions = [item.region]
    if item.method is Method.BALANCE:
        indicators += [
            part["indicator"] for part in item.evidence["left"] + item.evidence["right"] if part["indicator"]
        ]
    elif item.method is Method.SUB_REGIONS:
        regions += [child["region"] for child in item.evidence["sub_regions"]]
    frequency = item.frequency if item.frequency in FREQUENCIES else ""
    data: dict[str, str] = {
        "indicator": ",".join(dict.fromkeys(indicators)),
        "region": ",".join(regions),
        "dims": item.dims,
        "frequency": frequency,
    }
    detail = {"region": item.region, "dims": item.dims, "frequency": frequency}
    return {
        "data": "/data?" + urlencode({key: value for key, value in data.items() if value}),
        "indicator": f"/indicators/{item.indicator}?"
        + urlencode({key: value for key, value in detail.items() if value}),
    }


@router.get("/anomalies", include_in_schema=False)
def anomalies_page(
    page: PageDep,
    conn: ConnDep,
    indicator: Annotated[str, Query(max_length=400)] = "",
    region: Annotated[str, Query(max_length=12)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    kind: Annotated[str, Query(pattern=r"^(series|relation)?$")] = "",
    threshold: Annotated[str, Query(max_length=16)] = "",
    tolerance: Annotated[str, Query(max_length=16)] = "",
    as_of: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    actor = session_of(page).actor
    catalog = indicator_catalog(conn)
    filters = {
        "indicator": ",".join(split_codes([indicator])),
        "region": region.strip(),
        "category": category.strip(),
        "kind": kind,
        "threshold": threshold.strip(),
        "tolerance": tolerance.strip(),
        "as_of": as_of.strip(),
    }
    context: dict[str, Any] = {
        "filters": filters,
        "categories": list(catalog.categories.values()),
        "report": None,
        "error": None,
        "links": series_links,
        "decimals": {code: item.decimals for code, item in catalog.by_code.items()},
        "json_url": None,
        "csv_url": None,
        "previous_url": None,
        "next_url": None,
    }
    try:
        query = _query(filters, offset)
        report = find_anomalies(conn, actor, query)
    except (InvalidInput, NotFound) as error:
        context["error"] = error.render(page.gettext)
        return render(page, "anomalies/index.html", status_code=422, **context)
    kept = {key: value for key, value in filters.items() if value}
    # The twins get the instant itself: the API reads a time without a zone as UTC, the page as Beijing time.
    asked = {**kept, "as_of": query.as_of.isoformat()} if query.as_of else kept
    context["json_url"] = API + urlencode({**asked, "offset": offset, "limit": PAGE_SIZE})
    context["csv_url"] = API + urlencode({**asked, "limit": MAX_LIMIT, "format": "csv", "bom": "true"})
    if offset > 0:
        context["previous_url"] = PAGE + urlencode({**kept, "offset": max(0, offset - PAGE_SIZE)})
    if offset + PAGE_SIZE < report.total:
        context["next_url"] = PAGE + urlencode({**kept, "offset": offset + PAGE_SIZE})
    context["report"] = report
    return render(page, "anomalies/index.html", **context)


def _query(filters: dict[str, str], offset: int) -> AnomalyQuery:
    """The filters as a query; a field that cannot be read is refused with what was expected."""
    threshold = _number(filters["threshold"], DEFAULT_THRESHOLD)
    tolerance = _number(filters["tolerance"], DEFAULT_TOLERANCE)
    if threshold is None:
        raise InvalidInput(
            message(N_("The threshold must be a number, not '{value}'"), value=filters["threshold"])
        )
    if tolerance is None:
        raise InvalidInput(
            message(N_("The tolerance must be a number, not '{value}'"), value=filters["tolerance"])
        )
    moment = None
    if filters["as_of"]:
        try:
            moment = dt.datetime.fromisoformat(filters["as_of"].replace(" ", "T"))
        except ValueError as exc:
            raise InvalidInput(
                message(
                    N_("'{text}' is not a date and time: write it as 2024-05-01 12:00"), text=filters["as_of"]
                )
            ) from exc
        moment = moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
    return AnomalyQuery(
        indicators=[code for code in filters["indicator"].split(",") if code],
        region=filters["region"] or None,
        category=filters["category"] or None,
        kind=filters["kind"] or None,
        threshold=threshold,
        tolerance=tolerance,
        as_of=moment,
        limit=PAGE_SIZE,
        offset=offset,
    )
