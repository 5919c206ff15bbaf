"""Per-capita values (人均): a level over a population, with the units converted through pint (亿元 / 万人 →
元/人). The population is the year-end figure, or the mean of this and the previous year-end (the basis of
the published 人均地区生产总值)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import (
    CURRENT,
    LATEST,
    Observation,
    Options,
    checked_period,
    computed_price_basis,
    read,
    region_code,
    require_additive,
    required,
    rounded,
    subject,
)
from citybase.errors import InvalidInput
from citybase.messages import N_, message
from citybase.transform.periods import Frequency, Period
from citybase.transform.units import parse_unit, registry

DEFAULT_POPULATION = "POP_RESIDENT"
DEFAULT_UNIT = "元/人"
PER_CAPITA = N_("per-capita value")
PREVIOUS_YEAR_END = N_("the previous year-end, for the mean population")


@dataclass(frozen=True)
class PerCapita:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    value: float
    unit: str
    population_basis: str  # year_end or average
    population: float  # in the population indicator's unit
    price_basis: str | None
    formula: str
    numerator: Observation
    populations: list[Observation]

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("numerator", "populations")}
        return {
            **found,
            "numerator": self.numerator.as_dict(),
            "populations": [item.as_dict() for item in self.populations],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "period": self.period,
                "value": self.value,
                "unit": self.unit,
                "numerator": self.numerator.value,
                "numerator_unit": self.numerator.unit,
                "population": self.population,
                "population_unit": self.populations[0].unit,
                "population_indicator": self.populations[0].indicator,
                "population_basis": self.population_basis,
            }
        ]


def per_capita(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    period: str,
    population: str = DEFAULT_POPULATION,
    unit: str = DEFAULT_UNIT,
    population_basis: str = "year_end",
    options: Options = LATEST,
) -> PerCapita:
    """`indicator` over `population` for one region and period, in `unit`."""
    require(actor, Permission.VIEW_FACTS)
    level = subject(conn, indicator, options)
    require_additive(level, PER_CAPITA)
    people = subject(conn, population, Options(options.as_of, options.status, ""))
    ureg = registry()
    if parse_unit(people.unit).dimensionality != ureg.person.dimensionality:
        raise InvalidInput(
            message(
                N_("{code} is not a population: its unit {unit} does not count people"),
                code=people.code,
                unit=people.unit,
            )
        )
    if population_basis not in ("year_end", "average"):
        raise InvalidInput(
            message(
                N_("'{value}' is not one of {allowed}"), value=population_basis, allowed="year_end, average"
            )
        )
    code = region_code(conn, region)
    when = checked_period(period, level)
    numerator = required(read(conn, actor, level, [code], [when], options), level, code, when, CURRENT)
    # A yearly population counts people at the year's end: the period's year stands for any part of it.
    counted = Period.year_of(when.year) if people.indicator.frequency is Frequency.YEAR else when
    wanted = [counted] + ([counted.shift_years(-1)] if population_basis == "average" else [])
    found = read(conn, actor, people, [code], wanted, options)
    populations = [required(found, people, code, counted, CURRENT)]
    if population_basis == "average":
        populations.append(required(found, people, code, counted.shift_years(-1), PREVIOUS_YEAR_END))
    heads = sum(item.value for item in populations) / len(populations)
    if heads <= 0:
        raise InvalidInput(message(N_("The population of {code} is {value}"), code=code, value=heads))
    try:
        result = (
            ureg.Quantity(numerator.value, parse_unit(numerator.unit))
            / ureg.Quantity(heads, parse_unit(people.unit))
        ).to(parse_unit(unit))
    except Exception as exc:  # pint raises DimensionalityError and friends
        raise InvalidInput(
            message(
                N_("{code} per person is in {source}, which cannot be expressed in {unit}"),
                code=level.code,
                source=f"{numerator.unit}/{people.unit}",
                unit=unit,
            )
        ) from exc
    shown = " + ".join(repr(item.value) for item in populations)
    mean = f"({shown}) / {len(populations)}" if len(populations) > 1 else shown
    return PerCapita(
        indicator=level.code,
        indicator_name=level.indicator.name,
        region=code,
        region_name=numerator.region_name,
        period=str(when),
        value=rounded(float(result.magnitude), 4) or 0.0,
        unit=unit,
        population_basis=population_basis,
        population=rounded(heads) or 0.0,
        price_basis=computed_price_basis(level.indicator),
        formula=f"{numerator.value!r} {numerator.unit} / {mean} {people.unit} → {unit}",
        numerator=numerator,
        populations=populations,
    )
