"""Checking offered values against the indicator system, regions, periods and units.

Every problem is collected with its row and column, so a submission is refused once, with all of its
faults listed, and nothing of it is written.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from citybase.errors import InvalidInput, Problem
from citybase.facts.model import CheckedFact, FactInput, FactStatus
from citybase.indicators.catalog import IndicatorCatalog
from citybase.indicators.model import Alias, Indicator, Status
from citybase.messages import N_, Message, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex
from citybase.transform.periods import Frequency, Period, check_frequency, parse_period
from citybase.transform.units import convert


def canonical_dims(text: str) -> str:
    """`SEX=F;HUKOU=LOCAL` written one way: parts sorted by disaggregation code, no spaces."""
    parts = [part.strip() for part in (text or "").replace(",", ";").split(";") if part.strip()]
    pairs = sorted(
        (name.strip().upper(), value.strip().upper())
        for name, _, value in (part.partition("=") for part in parts)
    )
    return ";".join(f"{name}={value}" for name, value in pairs)


def parse_value(value: object) -> Decimal:
    """A number as sheets and systems send it: 1,234.5, full-width digits, text; not NaN or infinity."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
        number = Decimal(text)
    if not number.is_finite():
        raise ValueError(value)
    return number


class FactChecker:
    """Checks values one by one against snapshots of the indicator system and the regions."""

    def __init__(self, catalog: IndicatorCatalog, regions: RegionIndex, source_org: str) -> None:
        self.catalog = catalog
        self.regions = regions
        self.source_org = source_org
        self.problems: list[Problem] = []
        # A submission writes the same few period texts on many rows, for many indicators: each text is
        # parsed once, and each period's fit to a frequency is found once.
        self._parsed: dict[str, Period | Message] = {}
        self._fits: dict[tuple[Period, Frequency], bool] = {}

    def fail(self, fact: FactInput, column: str, template: str, **params: object) -> None:
        self.problems.append(
            Problem("invalid", message(template, **params), row=fact.row, column=fact.column or column)
        )

    def _fail_with(self, fact: FactInput, column: str, reason: Message) -> None:
        self.problems.append(Problem("invalid", reason, row=fact.row, column=fact.column or column))

    def check(self, fact: FactInput) -> CheckedFact | None:
        resolved = self.catalog.resolve(str(fact.indicator).strip().upper())
        if resolved is None:
            self.fail(fact, "indicator", N_("Unknown indicator {code}"), code=fact.indicator)
            return None
        indicator, alias = resolved
        if not self.indicator_accepts(fact, indicator):
            return None
        region = self.region_of(fact)
        period = self.period_of(fact, indicator, alias)
        dims = self.dims_of(fact, indicator, alias)
        value = self._value(fact, indicator, alias)
        if fact.status not in (FactStatus.PROVISIONAL.value, FactStatus.FINAL.value):
            self.fail(
                fact, "status", N_("Status '{status}' must be provisional or final"), status=fact.status
            )
            return None
        if region is None or period is None or dims is None or value is None:
            return None
        if not self.region_in_use(fact, region, period):
            return None
        return CheckedFact(
            indicator_id=indicator.id,
            indicator=indicator.code,
            region_code=region,
            period=str(period),
            period_start=period.first_month_index,
            period_end=period.last_month_index,
            dims=dims,
            value=value,
            status=fact.status,
            note=fact.note,
            row=fact.row,
        )

    def indicator_accepts(self, fact: FactInput, indicator: Indicator) -> bool:
        if indicator.formula is not None:
            self.fail(
                fact,
                "indicator",
                N_("{code} is computed by formula and cannot be reported"),
                code=indicator.code,
            )
            return False
        if indicator.status is Status.RETIRED:
            self.fail(fact, "indicator", N_("Indicator {code} is retired"), code=indicator.code)
            return False
        if self.source_org not in indicator.reporters:
            self.fail(
                fact,
                "indicator",
                N_("Organisation {org} is not among those allowed to report {code}"),
                org=self.source_org,
                code=indicator.code,
            )
            return False
        return True

    def region_of(self, fact: FactInput) -> str | None:
        try:
            code = normalise_code(str(fact.region))
        except InvalidInput as error:
            self._fail_with(fact, "region", error.message)
            return None
        if code not in self.regions.versions:
            self.fail(fact, "region", N_("Unknown region code {code}"), code=code)
            return None
        return code

    def region_in_use(self, fact: FactInput, code: str, period: Period) -> bool:
        """A code retired before the period is refused; a code created after it is accepted, because
        statistics are restated under today's codes to keep series comparable (按现行区划)."""
        if self.in_use(code, period):
            return True
        last = max(version.valid_to or 0 for version in self.regions.versions[code])
        self.fail(
            fact,
            "region",
            N_("Region code {code} was retired after {year} and cannot carry values for {period}"),
            code=code,
            year=last,
            period=str(period),
        )
        return False

    def in_use(self, code: str, period: Period) -> bool:
        """Whether `region_in_use` accepts the code for the period (nothing is reported)."""
        versions = self.regions.versions[code]
        return not all(
            version.valid_to is not None and version.valid_to < period.year for version in versions
        )

    def period_of(self, fact: FactInput, indicator: Indicator, alias: Alias | None) -> Period | None:
        found = self.period_for(str(fact.period), indicator, alias)
        if isinstance(found, Message):
            self._fail_with(fact, "period", found)
            return None
        return found

    def period_for(self, text: str, indicator: Indicator, alias: Alias | None) -> Period | Message:
        """What `period_of` finds for a period written `text`: the period, or why it is refused."""
        parsed = self._parsed.get(text)
        if parsed is None:
            try:
                parsed = parse_period(text)
            except InvalidInput as error:
                parsed = error.message
            self._parsed[text] = parsed
        if isinstance(parsed, Message):
            return parsed
        period = parsed
        if alias is not None and alias.cumulative:
            # The alias reports year-to-date figures: "2023Q3" under GDP_YTD means January to September.
            period = Period.to_date(period.year, period.end_month)
        fits = self._fits.get((period, indicator.frequency))
        if fits is None:
            fits = self._fits[period, indicator.frequency] = period.fits(indicator.frequency)
        if not fits:
            try:
                check_frequency(period, indicator.frequency, indicator.code)
            except InvalidInput as error:
                return error.message
        return period

    def dims_of(self, fact: FactInput, indicator: Indicator, alias: Alias | None) -> str | None:
        combined = canonical_dims(";".join(filter(None, [fact.dims, alias.dims if alias else ""])))
        for part in filter(None, combined.split(";")):
            name, _, value = part.partition("=")
            if name not in indicator.dimensions:
                self.fail(
                    fact,
                    "dims",
                    N_("{code} is not broken down by {dimension}"),
                    code=indicator.code,
                    dimension=name,
                )
                return None
            members = {member.code for member in self.catalog.dimensions[name].members}
            if value not in members:
                self.fail(
                    fact,
                    "dims",
                    N_("'{value}' is not a value of {dimension} (expected one of {members})"),
                    value=value,
                    dimension=name,
                    members=", ".join(sorted(members)),
                )
                return None
        return combined

    def _value(self, fact: FactInput, indicator: Indicator, alias: Alias | None) -> float | None:
        try:
            number = parse_value(fact.value)
        except (InvalidOperation, ValueError):
            self.fail(fact, "value", N_("'{value}' is not a number"), value=fact.value)
            return None
        offered_unit = (fact.unit or (alias.unit if alias else None) or indicator.unit).strip()
        try:
            converted = convert(number, offered_unit, indicator.unit)
        except InvalidInput as error:
            self._fail_with(fact, "unit", error.message)
            return None
        value = float(converted)
        low, high = indicator.min_value, indicator.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(
                fact,
                "value",
                N_("{value} {unit} is outside the valid range of {code} ({low} to {high})"),
                value=format(converted.normalize(), "f"),
                unit=indicator.unit,
                code=indicator.code,
                low="…" if low is None else f"{low:g}",
                high="…" if high is None else f"{high:g}",
            )
            return None
        return value if math.isfinite(value) else None


def check_all(checker: FactChecker, offered: Iterable[FactInput]) -> list[CheckedFact]:
    """Check every value; refuse the lot, listing every problem, if any is wrong or any key repeats."""
    checked: list[CheckedFact] = []
    first_row: dict[tuple[int, str, str, str], int | None] = {}
    for fact in offered:
        result = checker.check(fact)
        if result is None:
            continue
        if result.key in first_row:
            checker.fail(
                fact,
                "value",
                N_("This value repeats {what} (first on row {row})"),
                what=f"{result.indicator} {result.region_code} {result.period} {result.dims}".strip(),
                row=first_row[result.key] if first_row[result.key] is not None else "?",
            )
            continue
        first_row[result.key] = fact.row
        checked.append(result)
    if checker.problems:
        raise InvalidInput(
            message(N_("{count} value(s) cannot be accepted"), count=len(checker.problems)),
            problems=checker.problems,
        )
    return checked
