"""What-if scenarios: change a driver series over the forecast horizon (its growth by some percentage
points, or its level) and follow the change through derived indicators' formulas and region sums.

The base and the scenario are built from the same forecasts of the series the target depends on, so the
difference between them is the driver's change alone. A district driver reaches its city through the
city's sum: the city's own forecast moves by exactly the district's change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.forecast_runs import ForecastRun, compute
from citybase.analysis.forecast_series import read_series
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.formulas import parse_formula
from citybase.indicators.model import Indicator
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.units import parse_unit, registry


@dataclass(frozen=True)
class Driver:
    """The change: `growth_pp` percentage points added to every forecast period's growth, or `level`."""

    indicator: str
    region: str
    growth_pp: float | None = None
    level: float | None = None


@dataclass(frozen=True)
class ScenarioLine:
    period: str
    base: float
    scenario: float

    @property
    def difference(self) -> float:
        return self.scenario - self.base


@dataclass(frozen=True)
class Scenario:
    indicator: str
    region: str
    unit: str
    frequency: str
    driver: Driver
    lines: tuple[ScenarioLine, ...]
    forecasts: tuple[ForecastRun, ...]  # the unstored forecasts of the series the target is built from


@dataclass
class _Context:
    conn: Connection
    actor: Actor
    catalog: IndicatorCatalog
    regions: RegionIndex
    driver: Driver
    horizon: int
    dims: str
    as_of: dt.datetime | None
    frequency: str
    forecasts: dict[tuple[str, str], ForecastRun]


def run_scenario(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    driver: Driver,
    horizon: int,
    *,
    dims: str = "",
    as_of: dt.datetime | None = None,
) -> Scenario:
    """Base and scenario paths of `indicator` in `region` for the next `horizon` periods."""
    require(actor, Permission.VIEW_FACTS)
    if (driver.growth_pp is None) == (driver.level is None):
        raise InvalidInput(message(N_("Give the driver's change as either a growth in points or a level")))
    catalog = indicator_catalog(conn)
    target = _indicator(catalog, indicator)
    driving = _indicator(catalog, driver.indicator)
    if driving.formula is not None:
        raise InvalidInput(
            message(
                N_("The driver {indicator} is derived by a formula; change one of its inputs instead"),
                indicator=driving.code,
            )
        )
    regions = region_index(conn)
    region, driver_region = normalise_code(region), normalise_code(driver.region)
    for code in (region, driver_region):
        if code not in regions.versions:
            raise NotFound(message(N_("Unknown region code {code}"), code=code))
    driver = Driver(driving.code, driver_region, driver.growth_pp, driver.level)
    if not _reaches(catalog, regions, target, region, driver):
        raise InvalidInput(
            message(
                N_(
                    "A change to {driver} in {driver_region} does not reach {indicator} in {region}: the "
                    "driver must be the indicator itself, an input of its formula, or the same indicator in "
                    "a region inside it that sums up to it"
                ),
                driver=driver.indicator,
                driver_region=driver.region,
                indicator=target.code,
                region=region,
            )
        )
    frequency = read_series(conn, actor, target.code, region, dims=dims, as_of=as_of).frequency.value
    context = _Context(conn, actor, catalog, regions, driver, horizon, dims, as_of, frequency, {})
    base = _path(context, target, region, changed=False)
    scenario = _path(context, target, region, changed=True)
    periods = _common_periods(context)
    return Scenario(
        indicator=target.code,
        region=region,
        unit=target.unit,
        frequency=frequency,
        driver=driver,
        lines=tuple(ScenarioLine(*line) for line in zip(periods, base, scenario, strict=True)),
        forecasts=tuple(context.forecasts.values()),
    )


def _common_periods(context: _Context) -> list[str]:
    """The forecast periods, which must be the same for every series combined."""
    ends = {key: run.inputs[-1].period for key, run in context.forecasts.items()}
    if len(set(ends.values())) > 1:
        raise InvalidInput(
            message(
                N_(
                    "The series combined in the scenario end in different periods ({ends}); they must end "
                    "together"
                ),
                ends=", ".join(f"{code} {region}: {end}" for (code, region), end in sorted(ends.items())),
            )
        )
    return [point.period for point in next(iter(context.forecasts.values())).points]


def _indicator(catalog: IndicatorCatalog, code: str) -> Indicator:
    resolved = catalog.resolve(code.strip().upper())
    if resolved is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    return resolved[0]


def _reaches(
    catalog: IndicatorCatalog, regions: RegionIndex, target: Indicator, region: str, driver: Driver
) -> bool:
    if target.formula is not None:
        inputs = parse_formula(target.formula).inputs
        return any(_reaches(catalog, regions, catalog.by_code[code], region, driver) for code in inputs)
    if target.code != driver.indicator:
        return False
    return region == driver.region or (target.sums_over_regions and regions.within(driver.region, region))


def _forecast(context: _Context, code: str, region: str) -> ForecastRun:
    key = (code, region)
    if key not in context.forecasts:
        series = read_series(
            context.conn,
            context.actor,
            code,
            region,
            dims=context.dims,
            as_of=context.as_of,
            frequency=context.frequency,
        )
        context.forecasts[key] = compute(series, context.horizon)
    return context.forecasts[key]


def _changed(context: _Context, run: ForecastRun) -> list[float]:
    """The driver's forecast with the change applied."""
    base = [point.value for point in run.points]
    if context.driver.level is not None:
        return [context.driver.level] * len(base)
    added = (context.driver.growth_pp or 0.0) / 100
    previous_base = previous = run.inputs[-1].value
    found = []
    for value in base:
        previous = previous * (value / previous_base + added)
        previous_base = value
        found.append(previous)
    return found


def _path(context: _Context, indicator: Indicator, region: str, *, changed: bool) -> list[float]:
    if indicator.formula is not None:
        return _formula_path(context, indicator, region, changed=changed)
    own = [point.value for point in _forecast(context, indicator.code, region).points]
    driver = context.driver
    if not changed or indicator.code != driver.indicator:
        return own
    if region == driver.region:
        return _changed(context, _forecast(context, indicator.code, region))
    if indicator.sums_over_regions and context.regions.within(driver.region, region):
        # The parent moves by the child's change: its own forecast plus (child scenario − child base).
        child = _forecast(context, indicator.code, driver.region)
        shifted = _changed(context, child)
        return [
            value + after - point.value
            for value, after, point in zip(own, shifted, child.points, strict=True)
        ]
    return own


def _formula_path(context: _Context, indicator: Indicator, region: str, *, changed: bool) -> list[float]:
    """The formula evaluated, with units, on its inputs' paths period by period."""
    formula = parse_formula(indicator.formula or "")
    inputs = {code: context.catalog.by_code[code] for code in sorted(formula.inputs)}
    paths = {code: _path(context, item, region, changed=changed) for code, item in inputs.items()}
    ureg = registry()
    target = parse_unit(indicator.unit)
    found = []
    for step in range(context.horizon):
        quantities = {
            code: ureg.Quantity(paths[code][step], parse_unit(item.unit)) for code, item in inputs.items()
        }
        try:
            result: Any = formula.evaluate(quantities)
        except ZeroDivisionError as exc:
            raise InvalidInput(
                message(
                    N_("The formula of {indicator} divides by zero in the forecast"), indicator=indicator.code
                )
            ) from exc
        result = result if isinstance(result, ureg.Quantity) else ureg.Quantity(result)
        found.append(
            float(
                result.to("dimensionless").magnitude if result.dimensionless else result.to(target).magnitude
            )
        )
    return found
