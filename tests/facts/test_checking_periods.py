"""Periods checked once per text: the checker remembers what each period text means and whether a period
fits a frequency, and reports a refusal exactly as checking afresh would, each time it is met."""

from __future__ import annotations

import pytest

from citybase.errors import InvalidInput
from citybase.facts.checking import FactChecker
from citybase.facts.model import FactInput
from citybase.indicators.catalog import indicator_catalog
from citybase.regions.index import region_index
from citybase.storage import Database
from citybase.transform.periods import Period, check_frequency, parse_period

TEXTS = [
    "2024Q1",
    "2024年一季度",
    "2024",
    "2024-03",
    "2024Q3YTD",
    "2024年1-9月",
    "not a period",
    "2024Q5",
    "",
]


def _fresh(text: str, code: str, checker: FactChecker) -> Period | str:
    """What checking the text afresh gives: the period, or the rendered reason it is refused."""
    indicator = checker.catalog.by_code[code]
    try:
        period = parse_period(text)
        check_frequency(period, indicator.frequency, indicator.code)
    except InvalidInput as error:
        return error.message.render()
    return period


@pytest.mark.parametrize("code", ["GDP", "POP_RESIDENT"])
def test_remembered_periods_are_what_checking_afresh_gives(store: Database, code: str) -> None:
    with store.read() as conn:
        checker = FactChecker(indicator_catalog(conn), region_index(conn), "STATS")
    indicator = checker.catalog.by_code[code]
    for round_ in range(2):  # the second time from what the checker remembers
        for row, text in enumerate(TEXTS):
            fact = FactInput(code, "440300", text, 1, row=row, column=f"S!C{row}")
            found = checker.period_of(fact, indicator, None)
            expected = _fresh(text, code, checker)
            if isinstance(expected, str):
                assert found is None
                problem = checker.problems.pop()
                assert (problem.row, problem.column) == (row, f"S!C{row}")
                assert problem.message.render() == expected, (round_, text)
                assert isinstance(checker.period_for(text, indicator, None), type(problem.message))
            else:
                assert found == expected
                assert checker.period_for(text, indicator, None) == expected
            assert not checker.problems


def test_in_use_agrees_with_region_in_use(store: Database) -> None:
    with store.read() as conn:
        checker = FactChecker(indicator_catalog(conn), region_index(conn), "STATS")
    fact = FactInput("GDP", "440300", "2024Q1", 1)
    every = list(checker.regions.versions.items())
    retired = [(code, versions) for code, versions in every if any(v.valid_to for v in versions)]
    assert retired  # the bundled divisions include retired codes
    for code, versions in every[:50] + retired:
        for year in {1990, 2024, *(version.valid_to or 2024 for version in versions)}:
            period = Period.year_of(year)
            accepted = checker.region_in_use(fact, code, period)
            assert checker.in_use(code, period) is accepted
            assert len(checker.problems) == (0 if accepted else 1)
            checker.problems.clear()
