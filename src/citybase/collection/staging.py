"""Checking offered values against the indicator system, fast: each distinct indicator, region, period,
breakdown and unit is checked once (a submission has few of each and many cells), so a cell costs a few
dictionary lookups, a multiplication and a range check. A fault shared by many cells is reported once."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from citybase.audit.arrays import Submitted
from citybase.collection.columns import check_table
from citybase.collection.extraction import LongTable, Offered
from citybase.errors import InvalidInput, Problem
from citybase.facts.checking import FactChecker
from citybase.facts.model import CheckedFact, FactInput, FactStatus
from citybase.indicators.model import Alias, Indicator, ValueKind
from citybase.messages import N_, Message, message
from citybase.transform.periods import Period
from citybase.transform.units import conversion_factor

_STATUSES = {FactStatus.PROVISIONAL.value, FactStatus.FINAL.value}
_FAILED: Any = object()  # a memo entry whose check failed (its problem is already reported)


@dataclass
class Staged:
    """Checked values and where each came from; problems when some could not be accepted."""

    facts: list[CheckedFact] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    offered: int = 0  # values looked at, accepted or not
    # The facts as the audit reads them, when the column-wise check made them (and nothing else was staged).
    columns: Submitted | None = None


@dataclass
class _Memo:
    """What each distinct part of a key was found to mean, or _FAILED."""

    checker: FactChecker
    region_allowed: Callable[[str], bool]
    problems: list[Problem]
    indicators: dict[str, Any] = field(default_factory=dict)
    regions: dict[str, Any] = field(default_factory=dict)
    periods: dict[tuple[str, int, bool], Any] = field(default_factory=dict)
    shapes: dict[Period, tuple[Period, str, int, int]] = field(default_factory=dict)  # shared by indicators
    not_flows: set[int] = field(default_factory=set)  # indicators already refused as cumulative
    dims: dict[tuple[str, int, str], Any] = field(default_factory=dict)
    in_use: dict[tuple[str, int], bool] = field(default_factory=dict)
    factors: dict[tuple[str | None, int, str], Any] = field(default_factory=dict)

    def _probe(self, item: Offered) -> FactInput:
        return FactInput(
            indicator=item.indicator, region=item.region, period=item.period, value=0, unit=item.unit,
            dims=item.dims, column=item.location,
        )  # fmt: skip

    def _collect(self, found: Any) -> Any:
        if found is None:
            self.problems.extend(self.checker.problems)
            self.checker.problems.clear()
            return _FAILED
        return found

    def indicator(self, item: Offered) -> Any:
        found = self.indicators.get(item.indicator)
        if found is None:
            resolved = self.checker.catalog.resolve(str(item.indicator).strip().upper())
            if resolved is None:
                self.checker.fail(
                    self._probe(item), "indicator", N_("Unknown indicator {code}"), code=item.indicator
                )
            elif not self.checker.indicator_accepts(self._probe(item), resolved[0]):
                resolved = None
            found = self.indicators[item.indicator] = self._collect(resolved)
        return found

    def region(self, item: Offered) -> Any:
        found = self.regions.get(item.region)
        if found is None:
            code = self.checker.region_of(self._probe(item))
            if code is not None and not self.region_allowed(code):
                self.problems.append(
                    _at(
                        item,
                        N_("Region {region} lies outside the area this organisation may report for"),
                        region=code,
                    )
                )
                found = self.regions[item.region] = _FAILED
            else:
                found = self.regions[item.region] = self._collect(code)
        return found

    def period(self, item: Offered, indicator: Indicator, alias: Alias | None, cumulative: bool) -> Any:
        if cumulative and indicator.value_kind is not ValueKind.FLOW:
            return self._not_flow(item, indicator)
        key = (item.period, indicator.id, cumulative or (alias is not None and alias.cumulative))
        found = self.periods.get(key)
        if found is None:
            # The probe, which names the value's place, is made only to report a refusal.
            written = self.checker.period_for(str(item.period), indicator, alias)
            period = (
                self.checker.period_of(self._probe(item), indicator, alias)
                if isinstance(written, Message)
                else written
            )
            if period is not None and cumulative:
                # Marked year-to-date (年初累计): "2024Q3" means January to September, as a cumulative alias.
                period = Period.to_date(period.year, period.end_month)
            shaped = None if period is None else self.shapes.get(period)
            if period is not None and shaped is None:
                shaped = self.shapes[period] = (
                    period, str(period), period.first_month_index, period.last_month_index
                )  # fmt: skip
            found = self.periods[key] = self._collect(shaped)
        return found

    def _not_flow(self, item: Offered, indicator: Indicator) -> Any:
        if indicator.id not in self.not_flows:
            self.not_flows.add(indicator.id)
            self.problems.append(
                _at(
                    item,
                    N_(
                        "{code} is a {kind} indicator, not a flow: values marked year-to-date (年初累计) "
                        "apply only to flows"
                    ),
                    code=indicator.code,
                    kind=indicator.value_kind.value,
                )
            )
        return _FAILED

    def breakdown(self, item: Offered, indicator: Indicator, alias: Alias | None) -> Any:
        key = (item.dims, indicator.id, alias.alias if alias else "")
        found = self.dims.get(key)
        if found is None:
            found = self.dims[key] = self._collect(self.checker.dims_of(self._probe(item), indicator, alias))
        return found

    def usable(self, item: Offered, region: str, period: Period) -> bool:
        key = (region, period.year)
        found = self.in_use.get(key)
        if found is None:
            found = self.in_use[key] = self.checker.in_use(region, period) or self.checker.region_in_use(
                self._probe(item), region, period
            )
            self._collect(found or None)
        return found

    def factor(self, item: Offered, indicator: Indicator, alias: Alias | None) -> Any:
        key = (item.unit, indicator.id, alias.alias if alias else "")
        found = self.factors.get(key)
        if found is None:
            offered = (item.unit or (alias.unit if alias else None) or indicator.unit).strip()
            try:
                found = (
                    conversion_factor(offered, indicator.unit) if offered != indicator.unit else Decimal(1)
                )
            except InvalidInput as error:
                self.problems.append(Problem("invalid", error.message, column=item.location))
                found = _FAILED
            self.factors[key] = found
        return found


def stage(
    offered: Iterable[Offered],
    checker: FactChecker,
    *,
    region_allowed: Callable[[str], bool],
    cumulative: Callable[[str], bool] | None = None,
    problem_limit: int = 1000,
    tables: Sequence[LongTable] = (),
) -> Staged:
    """Check every offered value; all problems are collected (up to `problem_limit`), nothing is raised.

    `cumulative` tells by a value's location whether it was marked year-to-date (年初累计)."""
    staged = Staged()
    memo = _Memo(checker, region_allowed, staged.problems)
    seen: dict[tuple[int, str, str, str], str] = {}
    facts, locations, problems = staged.facts, staged.locations, staged.problems
    # Long tables have as many distinct keys as cells, so the parts are remembered in two halves: what the
    # indicator, period, breakdown and unit mean together, and what the region text means.
    axes_memo: dict[tuple[str, str, str, str | None, bool], Any] = {}

    def axes_of(item: Offered) -> Any:
        key = (item.indicator, item.period, item.dims, item.unit, False)
        found = axes_memo.get(key)
        if found is None:
            found = axes_memo[key] = _axes(memo, item, False)
        return found

    # One long table is checked column-wise; several, or values marked year-to-date, go row by row.
    accepted = None
    if len(tables) == 1 and cumulative is None and tables[0].status in _STATUSES:
        accepted = check_table(
            tables[0], axes_of=axes_of, region_of=memo.region, usable=memo.usable, failed=_FAILED
        )
    if accepted is None:
        offered = itertools.chain(*(table.rows() for table in tables), offered)  # problems and all
    else:
        facts += accepted.facts
        locations += accepted.locations
        rest = iter(offered)
        first_item = next(rest, None)
        if first_item is not None:  # what follows may not repeat the table's keys
            seen.update(zip(accepted.keys(), accepted.locations, strict=True))
        offered = () if first_item is None else itertools.chain((first_item,), rest)
        if first_item is None:
            staged.columns = accepted.columns
    taken = len(facts)
    for staged.offered, item in enumerate(offered, taken + 1):  # counts what was offered as it goes
        marked = cumulative is not None and cumulative(item.location)
        axes_key = (item.indicator, item.period, item.dims, item.unit, marked)
        axes = axes_memo.get(axes_key)
        if axes is None:
            axes = axes_memo[axes_key] = _axes(memo, item, marked)
        region = memo.region(item)
        if axes is _FAILED or region is _FAILED:
            continue
        indicator, period, dims, factor = axes
        if not memo.usable(item, region, period[0]):
            continue
        if item.status not in _STATUSES:
            problems.append(
                _at(item, N_("Status '{status}' must be provisional or final"), status=item.status)
            )
            continue
        value = float(item.value * factor) if factor != 1 else float(item.value)
        low, high = indicator.min_value, indicator.max_value
        if (
            (low is not None and value < low)
            or (high is not None and value > high)
            or not math.isfinite(value)
        ):
            problems.append(
                _at(
                    item,
                    N_("{value} {unit} is outside the valid range of {code} ({low} to {high})"),
                    value=f"{value:g}",
                    unit=indicator.unit,
                    code=indicator.code,
                    low="…" if low is None else f"{low:g}",
                    high="…" if high is None else f"{high:g}",
                )
            )
            continue
        text = period[1]
        fact_key = (indicator.id, region, text, dims)
        first = seen.get(fact_key)
        if first is not None:
            what = f"{indicator.code} {region} {text} {dims}".strip()
            problems.append(
                _at(item, N_("This value repeats {what}, already given at {first}"), what=what, first=first)
            )
            continue
        seen[fact_key] = item.location
        facts.append(
            CheckedFact(
                indicator.id,
                indicator.code,
                region,
                text,
                period[2],
                period[3],
                dims,
                value,
                item.status,
                item.note,
                None,
            )
        )
        locations.append(item.location)
        if len(problems) >= problem_limit:
            break
    staged.offered = max(staged.offered, taken)
    return staged


def _axes(memo: _Memo, item: Offered, cumulative: bool) -> Any:
    resolved = memo.indicator(item)
    if resolved is _FAILED:
        return _FAILED
    indicator, alias = resolved
    parts = (
        memo.period(item, indicator, alias, cumulative),
        memo.breakdown(item, indicator, alias),
        memo.factor(item, indicator, alias),
    )
    if _FAILED in parts:
        return _FAILED
    return (indicator, *parts)


def _at(item: Offered, template: str, **params: object) -> Problem:
    return Problem("invalid", message(template, **params), column=item.location)
