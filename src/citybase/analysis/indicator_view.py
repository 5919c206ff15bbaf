"""One indicator for one region, as the cockpit's indicator page shows it: the series at its usual
frequency, year-on-year growth per period (nominal from levels beside the published rate), the revisions
of its latest value, and the stored forecast run for the same inputs, so a page view need not refit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.cockpit import home_region
from citybase.analysis.forecast_runs import ForecastRun, get_run
from citybase.analysis.forecast_series import InputSeries
from citybase.analysis.forecast_tables import forecast_runs
from citybase.analysis.growth import change, rate_indicators
from citybase.analysis.observations import (
    LATEST,
    Observation,
    Options,
    Subject,
    changes_as_difference,
    computed_price_basis,
    point_unit,
    read_series,
    region_label,
    subject,
)
from citybase.analysis.targets import Progress, list_targets, progress
from citybase.errors import InvalidInput
from citybase.facts.model import Revision
from citybase.facts.query import revisions
from citybase.indicators.model import ValueKind
from citybase.transform.periods import Frequency, parse_period

# Runs compared when looking for one fitted on the same inputs; older ones are not worth the reading.
REUSE_CANDIDATES = 20


@dataclass(frozen=True)
class GrowthBar:
    period: str
    nominal: float | None  # computed from levels (a difference in points for a percentage)
    published: float | None  # the stored rate, at its own price basis


@dataclass(frozen=True)
class IndicatorView:
    indicator: str
    indicator_name: str
    value_kind: str
    unit: str
    decimals: int
    region: str
    region_name: str
    frequency: str | None
    series: list[Observation]
    growth: list[GrowthBar]
    growth_unit: str
    growth_price_basis: str | None
    published_indicator: str | None
    published_price_basis: str | None
    revision_period: str | None
    revisions: list[Revision]
    targets: list[Progress] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("series", "growth", "revisions", "targets")
        }
        return {
            **found,
            "series": [item.as_dict() for item in self.series],
            "growth": [dict(item.__dict__) for item in self.growth],
            "revisions": [
                {
                    **item.__dict__,
                    "recorded_at": item.recorded_at.isoformat(),
                    "superseded_at": item.superseded_at.isoformat() if item.superseded_at else None,
                }
                for item in self.revisions
            ],
            "targets": [item.as_dict() for item in self.targets],
        }


def indicator_view(
    conn: Connection, actor: Actor, indicator: str, region: str | None = None, options: Options = LATEST
) -> IndicatorView:
    """The series, growth, revisions and targets of one indicator for a region (the home city by default)."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    code = home_region(conn, region)
    values = read_series(conn, actor, target, code, options)
    frequency = _usual_frequency(values)
    shown = [item for item in values if parse_period(item.period).natural_frequency() == frequency]
    shown.sort(key=lambda item: parse_period(item.period).first_month_index)
    indicator_ = target.indicator
    is_rate = indicator_.value_kind is ValueKind.GROWTH_RATE
    published, rate_code, rate_basis = _published(conn, actor, target, code, options)
    growth_unit = point_unit(target.unit) if changes_as_difference(indicator_) else "%"
    bars = []
    by_period = {item.period: item.value for item in shown}
    for item in shown:
        before = str(parse_period(item.period).shift_years(-1))
        nominal = None
        if not is_rate and before in by_period:
            try:
                nominal = change(indicator_, item.value, by_period[before], before)[0]
            except InvalidInput:
                nominal = None
        bars.append(GrowthBar(item.period, nominal, item.value if is_rate else published.get(item.period)))
    last = shown[-1] if shown else None
    history = revisions(conn, actor, target.code, code, last.period, target.dims) if last else []
    mine = [
        progress(conn, actor, item, values, options)
        for item in list_targets(conn, actor, region=code, indicator=target.code)
    ]
    return IndicatorView(
        indicator=target.code,
        indicator_name=indicator_.name,
        value_kind=indicator_.value_kind.value,
        unit=target.unit,
        decimals=indicator_.decimals,
        region=code,
        region_name=region_label(conn, code),
        frequency=frequency.value if frequency else None,
        series=shown,
        growth=bars,
        growth_unit=growth_unit,
        growth_price_basis=None if is_rate else computed_price_basis(indicator_),
        published_indicator=target.code if is_rate else rate_code,
        published_price_basis=(
            (indicator_.price_basis.value if indicator_.price_basis else None) if is_rate else rate_basis
        ),
        revision_period=last.period if last else None,
        revisions=history,
        targets=mine,
    )


def _usual_frequency(values: list[Observation]) -> Frequency | None:
    """The frequency most values are whole periods of (on a tie the coarser), as forecasts choose it."""
    counts = Counter(
        frequency
        for item in values
        if (frequency := parse_period(item.period).natural_frequency()) is not None
    )
    if not counts:
        return None
    return max(counts, key=lambda key: (counts[key], -list(Frequency).index(key)))


def _published(
    conn: Connection, actor: Actor, target: Subject, region: str, options: Options
) -> tuple[dict[str, float], str | None, str | None]:
    """The first linked published rate with values for the region: its values by period, code, basis."""
    for rate in rate_indicators(conn, target.code):
        rate_subject = Subject(indicator=rate, unit=rate.unit, dims=target.dims, cumulative=False)
        found = read_series(conn, actor, rate_subject, region, options)
        if found:
            basis = rate.price_basis.value if rate.price_basis else None
            return {item.period: item.value for item in found}, rate.code, basis
    return {}, None, None


def stored_forecast(conn: Connection, actor: Actor, series: InputSeries, horizon: int) -> ForecastRun | None:
    """The newest stored run fitted on exactly these inputs (same values, so the same vintage) with the
    same horizon, or None; reusing it shows the same forecast without refitting."""
    require(actor, Permission.VIEW_FACTS)
    ids = conn.execute(
        select(forecast_runs.c.id)
        .where(
            forecast_runs.c.indicator == series.indicator,
            forecast_runs.c.region == series.region,
            forecast_runs.c.dims == series.dims,
            forecast_runs.c.frequency == series.frequency.value,
            forecast_runs.c.horizon == horizon,
        )
        .order_by(forecast_runs.c.id.desc())
        .limit(REUSE_CANDIDATES)
    ).scalars()
    for run_id in ids:
        run = get_run(conn, actor, run_id)
        if run.inputs == series.points and run.unit == series.unit:
            return run
    return None
