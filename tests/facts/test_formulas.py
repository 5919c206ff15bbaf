"""The formula language: arithmetic on indicator codes, nothing else; cycles and unknown codes refused."""

from __future__ import annotations

import pytest

from citybase.errors import InvalidInput
from citybase.indicators.formulas import find_cycle, parse_formula


def test_a_share_formula_as_statisticians_write_it() -> None:
    formula = parse_formula("VA_TERTIARY / GDP × 100")
    assert formula.inputs == {"VA_TERTIARY", "GDP"}
    assert formula.evaluate({"VA_TERTIARY": 60, "GDP": 120}) == pytest.approx(50)


def test_functions_and_precedence() -> None:
    formula = parse_formula("max(A, B) - abs(C) * 2 + (A + B) / 2")
    assert formula.evaluate({"A": 1, "B": 3, "C": -1}) == pytest.approx(3 - 2 + 2)


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("true")',
        "GDP.real",
        "GDP ** 2",
        "lambda: GDP",
        "GDP if GDP else 1",
        "[GDP]",
        "GDP[0]",
        "open(GDP)",
        "GDP < 1",
        "print(GDP)",
        "max(GDP, key=GDP)",
        "'a' + GDP",
        "True + GDP",
    ],
)
def test_anything_else_is_refused_by_name(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_formula(text)
    assert "formula" in error.value.render().lower()


def test_a_formula_without_indicators_is_refused() -> None:
    with pytest.raises(InvalidInput, match="uses no indicator"):
        parse_formula("3 * 4")


def test_cycles_are_found() -> None:
    assert find_cycle({"A": frozenset({"B"}), "B": frozenset({"C"}), "C": frozenset({"A"})}) == [
        "A",
        "B",
        "C",
        "A",
    ]
    assert find_cycle({"A": frozenset({"A"})}) == ["A", "A"]
    assert find_cycle({"A": frozenset({"B", "GDP"}), "B": frozenset({"GDP"})}) is None
