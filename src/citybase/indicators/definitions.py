"""Checking an indicator definition before it is stored: every problem is reported with its field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pint

from citybase.errors import InvalidInput, Problem
from citybase.indicators.catalog import IndicatorCatalog
from citybase.indicators.formulas import find_cycle, parse_formula
from citybase.indicators.model import (
    DEFAULT_AGGREGATION,
    PriceBasis,
    RegionAggregation,
    Status,
    TimeAggregation,
    ValueKind,
)
from citybase.messages import N_, Message, message
from citybase.transform.periods import Frequency
from citybase.transform.units import parse_unit, registry

INDICATOR_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


@dataclass
class IndicatorInput:
    """An indicator definition as offered by a form, the API or an import file."""

    code: str
    name: str
    unit: str
    frequency: str
    value_kind: str
    authoritative_org: str
    name_en: str = ""
    category: str | None = None
    region_aggregation: str | None = None
    time_aggregation: str | None = None
    weight_indicator: str | None = None
    decimals: int = 2
    min_value: float | None = None
    max_value: float | None = None
    reporters: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    status: str = "active"
    formula: str | None = None
    definition: str = ""
    notes: str = ""
    growth_of: str | None = None
    price_basis: str | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> IndicatorInput:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _choice(value: str | None, allowed: type[Any], field_name: str, problems: list[Problem]) -> Any:
    try:
        return allowed(value)
    except ValueError:
        problems.append(
            Problem(
                "invalid",
                message(
                    N_("'{value}' is not one of {allowed}"),
                    value=value,
                    allowed=", ".join(item.value for item in allowed),
                ),
                column=field_name,
            )
        )
        return None


def check_indicator(
    data: IndicatorInput,
    catalog: IndicatorCatalog,
    org_codes: set[str],
    pending: Mapping[str, str | None] | None = None,
) -> list[Problem]:
    """Every way `data` is not a valid definition, given the rest of the system in `catalog`.

    `pending` maps the codes of the other indicators arriving in the same import to their formulas (None
    for reported ones), so that references and cycles are checked against the system as it will be.
    """
    problems: list[Problem] = []
    if not INDICATOR_CODE.match(data.code or ""):
        problems.append(
            Problem(
                "invalid",
                message(
                    N_(
                        "Indicator code '{code}' must be capital letters, digits and '_', starting with a "
                        "letter"
                    ),
                    code=data.code,
                ),
                column="code",
            )
        )
    if not (data.name or "").strip():
        problems.append(Problem("required", message(N_("The indicator name is empty")), column="name"))
    unit_ok = True
    try:
        parse_unit(data.unit)
    except InvalidInput as error:
        unit_ok = False
        problems.append(Problem("unit", error.message, column="unit"))
    _choice(data.frequency, Frequency, "frequency", problems)
    kind = _choice(data.value_kind, ValueKind, "value_kind", problems)
    region_default, time_default = DEFAULT_AGGREGATION.get(
        kind, (RegionAggregation.NONE, TimeAggregation.NONE)
    )
    region = _choice(
        data.region_aggregation or region_default.value, RegionAggregation, "region_aggregation", problems
    )
    time = _choice(data.time_aggregation or time_default.value, TimeAggregation, "time_aggregation", problems)
    _choice(data.status, Status, "status", problems)
    weighted = RegionAggregation.WEIGHTED_MEAN in (region,) or TimeAggregation.WEIGHTED_MEAN in (time,)
    if weighted and not data.weight_indicator:
        problems.append(
            Problem(
                "required", message(N_("A weighted mean needs a weight indicator")), column="weight_indicator"
            )
        )
    arriving = pending or {}
    weight = data.weight_indicator
    if weight and weight not in catalog.by_code and weight not in arriving and weight != data.code:
        problems.append(
            Problem(
                "unknown", message(N_("Unknown indicator {code}"), code=weight), column="weight_indicator"
            )
        )
    if not isinstance(data.decimals, int) or not 0 <= data.decimals <= 10:
        problems.append(
            Problem("invalid", message(N_("Decimals must be a whole number from 0 to 10")), column="decimals")
        )
    if data.min_value is not None and data.max_value is not None and data.min_value > data.max_value:
        problems.append(
            Problem(
                "invalid",
                message(
                    N_("The lowest valid value {low} is above the highest {high}"),
                    low=data.min_value,
                    high=data.max_value,
                ),
                column="min_value",
            )
        )
    for column, codes in (("authoritative_org", [data.authoritative_org]), ("reporters", data.reporters)):
        for code in codes:
            if code not in org_codes:
                problems.append(
                    Problem("unknown", message(N_("Unknown organisation {code}"), code=code), column=column)
                )
    for code in data.dimensions:
        if code not in catalog.dimensions:
            problems.append(
                Problem(
                    "unknown", message(N_("Unknown disaggregation {code}"), code=code), column="dimensions"
                )
            )
    if data.category and data.category not in catalog.categories:
        problems.append(
            Problem("unknown", message(N_("Unknown category {code}"), code=data.category), column="category")
        )
    if data.formula:
        problems += _check_formula(data, catalog, arriving, unit_ok)
    if data.price_basis:
        _choice(data.price_basis, PriceBasis, "price_basis", problems)
    if data.growth_of:
        problems += _check_growth_link(data, kind, catalog, arriving)
    return problems


LEVEL_KINDS = (ValueKind.FLOW, ValueKind.STOCK, ValueKind.INDEX)


def _check_growth_link(
    data: IndicatorInput, kind: ValueKind | None, catalog: IndicatorCatalog, pending: Mapping[str, str | None]
) -> list[Problem]:
    """A published growth rate names the level it is the growth of: a known flow, stock or index."""
    target = data.growth_of or ""
    if kind is not None and kind is not ValueKind.GROWTH_RATE:
        return [
            Problem(
                "invalid",
                message(
                    N_("Only a growth rate can be the growth of another indicator; {code} is a {kind}"),
                    code=data.code,
                    kind=kind.value,
                ),
                column="growth_of",
            )
        ]
    if target == data.code:
        return [Problem("invalid", message(N_("An indicator cannot be its own growth")), column="growth_of")]
    level = catalog.by_code.get(target)
    if level is None:
        if target in pending:
            return []
        return [Problem("unknown", message(N_("Unknown indicator {code}"), code=target), column="growth_of")]
    if level.value_kind not in LEVEL_KINDS:
        return [
            Problem(
                "invalid",
                message(
                    N_("{code} is a {kind}; a growth rate is the growth of a flow, a stock or an index"),
                    code=target,
                    kind=level.value_kind.value,
                ),
                column="growth_of",
            )
        ]
    return []


def _check_formula(
    data: IndicatorInput, catalog: IndicatorCatalog, pending: Mapping[str, str | None], unit_ok: bool
) -> list[Problem]:
    try:
        formula = parse_formula(data.formula or "")
    except InvalidInput as error:
        return [Problem("formula", error.message, column="formula")]
    problems: list[Problem] = []
    units: dict[str, str] = {}
    for code in sorted(formula.inputs):
        if code in catalog.by_code:
            units[code] = catalog.by_code[code].unit
        elif code not in pending:
            problems.append(
                Problem(
                    "unknown",
                    message(N_("The formula uses the unknown indicator {code}"), code=code),
                    column="formula",
                )
            )
    dependencies = {code: parse_formula(text).inputs for code, text in pending.items() if text}
    for item in catalog.by_code.values():
        if item.formula and item.code not in dependencies:
            dependencies[item.code] = parse_formula(item.formula).inputs
    dependencies[data.code] = formula.inputs
    cycle = find_cycle(dependencies)
    if cycle and data.code in cycle:
        problems.append(
            Problem(
                "cycle",
                message(N_("The formula makes a cycle: {cycle}"), cycle=" → ".join(cycle)),
                column="formula",
            )
        )
    if not problems and unit_ok and len(units) == len(formula.inputs):
        unit_problem = formula_unit_problem(formula.evaluate, units, data.unit)
        if unit_problem is not None:
            problems.append(Problem("unit", unit_problem, column="formula"))
    return problems


def formula_unit_problem(evaluate: Any, units: dict[str, str], target: str) -> Message | None:
    """Evaluate the formula on one of each input's unit and check the result converts to `target`."""
    ureg = registry()
    try:
        result = evaluate({code: ureg.Quantity(1, parse_unit(unit)) for code, unit in units.items()})
        result = result if isinstance(result, ureg.Quantity) else ureg.Quantity(result)
        target_unit = parse_unit(target)
        if result.dimensionless and ureg.Quantity(1, target_unit).dimensionless:
            return None
        result.to(target_unit)
    except pint.DimensionalityError:
        return message(
            N_("The formula gives a value in {result}, which cannot be expressed in {unit}"),
            result=f"{result.units:~}",
            unit=target,
        )
    except ZeroDivisionError:  # pragma: no cover - quantities of 1 never divide by zero
        return None
    return None
