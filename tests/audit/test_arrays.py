"""The rules run over arrays find what the one-value evaluator finds: same anchors, cells, values, order."""

from __future__ import annotations

import random

import numpy
import pytest

from citybase.audit import arrays
from citybase.audit import evaluate as evaluation
from citybase.audit.arrays import Submitted
from citybase.audit.evaluate import compile_rule, evaluate
from citybase.audit.model import Finding, Key, RuleSpec, Severity
from tests.audit.test_evaluate import FakeRegions, FakeStore

CITY = "440300"
DISTRICTS = [f"4403{number:02d}" for number in range(1, 6)]
STREETS = {district: [f"{district}{number:03d}" for number in range(1, 4)] for district in DISTRICTS}
TREE = {CITY: DISTRICTS, **STREETS, DISTRICTS[0]: [*STREETS[DISTRICTS[0]], "440301999"]}
REGIONS = [CITY, *DISTRICTS, *(street for kids in STREETS.values() for street in kids)]
MONTHS = [f"{year}-{month:02d}" for year in (2022, 2023, 2024) for month in range(1, 13)]

EXPRESSIONS = [
    "A between 0 and 150",
    "A = B + C ± 0.5%",
    "A = B + C",
    "A != B",
    "A < B * 2",
    "A <= B + 1 ± 3",
    "A > C - 2",
    "A >= -B / C",
    "A / C >= 1 ± 5%",
    "-A < 0",
    "abs(A - B) <= 40",
    "min(A, B, C) >= max(C, 0) - 50",
    "max(A, B) = A or B > A",
    "sum_children(A) = A ± 1%",
    "sum_children(B) = B",
    "yoy(A) between -50% and 100%",
    "pop(B) between -60% and 150%",
    "last_year(A) <= A * 3",
    "previous(C) >= 0",
    "present(A) implies present(B)",
    "present(C) and A > 10",
    "not (A > 120)",
    "not present(B) or B >= 0",
    "mzscore(A) <= 1.5",
    "mzscore(C) >= -3",
    "cumulative_nondecreasing(A)",
    "required(A)",
    "B = A",
]


def dirty_values(seed: int) -> tuple[dict[Key, float], dict[Key, float], list[Key]]:
    """Submitted and stored values with gaps, zeros, negative and signed zeros, equal and near-equal values,
    balances that hold and some that do not, and children that add up or do not."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    submitted: dict[Key, float] = {}
    stored: dict[Key, float] = {}
    choices = [0.0, -0.0, 1.0, 100.0, 100.0 + 1e-10, 99.5, 150.0, -3.0, 1e-300, 7.25, 1 / 3]
    for month in MONTHS:
        for region in REGIONS:
            for code in ("A", "B", "C"):
                roll = rng.random()
                if roll < 0.12:
                    continue  # missing
                value = (
                    rng.choice(choices)
                    if roll < 0.35
                    else round(rng.uniform(-20, 160), rng.choice((0, 2, 6)))
                )
                target = stored if month < "2024" and rng.random() < 0.5 else submitted
                target[(code, region, month, "")] = value
            if (
                ("B", region, month, "") in submitted
                and ("C", region, month, "") in submitted
                and rng.random() < 0.5
            ):
                total = submitted[("B", region, month, "")] + submitted[("C", region, month, "")]
                submitted[("A", region, month, "")] = total * rng.choice((1.0, 1.004, 1.006, 1 + 1e-12))
    for month in MONTHS:  # some districts and the city add up exactly
        for code in ("A", "B"):
            for district, kids in STREETS.items():
                found = [submitted.get((code, kid, month, "")) for kid in kids]
                if None not in found and rng.random() < 0.6:
                    submitted[(code, district, month, "")] = sum(
                        value for value in found if value is not None
                    )
    # A stored value under a submitted key: the submitted one counts.
    for key in list(submitted)[:50]:
        stored[key] = 12345.0
    expected = [("A", region, "2024-06", "") for region in REGIONS]
    return submitted, stored, expected


def both_ways(
    monkeypatch: pytest.MonkeyPatch,
    rules: list[evaluation.Rule],
    submitted: dict[Key, float] | Submitted,
    stored: dict[Key, float],
    expected: list[Key],
) -> tuple[list[Finding], list[Finding]]:
    found = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(evaluation, "ARRAYS_FROM", threshold)
        store = FakeStore(stored)
        found.append(evaluate(rules, submitted, store=store, regions=FakeRegions(TREE), expected=expected))
    return found[0], found[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_arrays_find_what_one_value_at_a_time_finds(
    monkeypatch: pytest.MonkeyPatch, expression: str, seed: int
) -> None:
    submitted, stored, expected = dirty_values(seed)
    rules = [compile_rule(RuleSpec("R", "规则", expression, Severity.ERROR))]
    one_value, arrays = both_ways(monkeypatch, rules, submitted, stored, expected)
    assert arrays == one_value
    if expression in ("A = B + C", "A between 0 and 150", "yoy(A) between -50% and 100%"):
        assert one_value  # the data is dirty enough to find something


def test_all_rules_together_keep_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted, stored, expected = dirty_values(7)
    rules = [
        compile_rule(RuleSpec(f"R{number}", "", text, Severity.WARNING), "B" if number % 5 == 0 else None)
        for number, text in enumerate(EXPRESSIONS)
    ]
    one_value, arrays = both_ways(monkeypatch, rules, submitted, stored, expected)
    assert arrays == one_value
    assert len({finding.rule for finding in one_value}) > 10


def test_columns_and_mappings_give_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted, stored, expected = dirty_values(4)
    rules = [compile_rule(RuleSpec("R", "", text, Severity.ERROR)) for text in EXPRESSIONS[:8]]
    columns = Submitted.from_mapping(submitted)
    assert columns.mapping() == submitted
    assert both_ways(monkeypatch, rules, columns, stored, expected) == both_ways(
        monkeypatch, rules, submitted, stored, expected
    )


def test_values_arrays_cannot_hold_faithfully_go_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted, stored, expected = dirty_values(5)
    rules = [compile_rule(RuleSpec("R", "", "A = B + C", Severity.ERROR))]
    # Integers compute exactly in Python; a repeated key keeps the last value, as a dictionary would.
    as_ints = {key: int(value) for key, value in submitted.items()}
    one_value, arrays = both_ways(monkeypatch, rules, as_ints, stored, expected)
    assert arrays == one_value
    keys = list(submitted)
    repeated = Submitted(
        [key[0] for key in keys] + ["A"],
        [key[1] for key in keys] + [keys[0][1]],
        [key[2] for key in keys] + [keys[0][2]],
        [key[3] for key in keys] + [""],
        [*submitted.values(), 999.0],
    )
    one_value, arrays = both_ways(monkeypatch, rules, repeated, stored, expected)
    assert arrays == one_value


def test_positions_name_where_each_key_was_submitted() -> None:
    columns = Submitted(
        ["A", "B", "A"], ["1", "1", "2"], ["2024", "2024", "2024"], ["", "", ""], [1.0, 2.0, 3.0]
    )
    assert columns.positions([("A", "2", "2024", ""), ("B", "1", "2024", ""), ("C", "1", "2024", "")]) == {
        ("A", "2", "2024", ""): 2,
        ("B", "1", "2024", ""): 1,
    }


@pytest.mark.parametrize("expression", [text for text in EXPRESSIONS if "required" not in text])
def test_each_anchor_is_true_false_or_not_applicable_alike(expression: str) -> None:
    submitted, stored, _expected = dirty_values(11)
    rule = compile_rule(RuleSpec("R", "", expression, Severity.ERROR))
    compiled = arrays._array_rule(rule.ast)
    if compiled is None:
        assert "cumulative_nondecreasing" in expression
        return
    columns = Submitted.from_mapping(submitted)
    table = arrays._Table(columns, {key: value for key, value in stored.items() if key not in submitted})
    numberings, codes = columns.numbered
    positions = [at for at, key in enumerate(submitted) if key[0] == rule.anchor]
    children = evaluation._remembered(FakeRegions(TREE))
    anchors = arrays._Anchors(
        table, codes[1][positions], codes[2][positions], codes[3][positions], children,
        list(numberings[1]), list(numberings[2]),
    )  # fmt: skip
    with numpy.errstate(all="ignore"):
        truth, known = compiled(anchors)
    ctx = evaluation.Context(table, children)

    for number, at in enumerate(positions):
        _, ctx.region, ctx.period, ctx.dims = list(submitted)[at]
        one_value = rule.check(ctx)

        assert (bool(truth[number]) if known[number] else None) == one_value, list(submitted)[at]


@pytest.mark.parametrize(
    "numbers",
    [
        [],
        [0],
        [3, 3, 3],
        [5, 0, 5, 2, 9, 2, 0],
        list(range(50, 0, -1)),
        [7, -1, 7, 3],  # a part never seen (-1): counted the sorting way
        [10**9, 1, 10**9],  # too sparse to count
    ],
)
def test_distinct_numbers_are_what_numpy_unique_finds(numbers: list[int]) -> None:
    given = numpy.asarray(numbers, dtype=numpy.int64)
    distinct, inverse = arrays.distinct_numbers(given)
    expected, expected_inverse = numpy.unique(given, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
    assert distinct.dtype == given.dtype


def test_distinct_numbers_of_random_codes() -> None:
    generator = numpy.random.default_rng(7)
    for size in (1, 10, 1000):
        given = generator.integers(0, size, size=size * 3).astype(numpy.int64)
        distinct, inverse = arrays.distinct_numbers(given)
        assert distinct.tolist() == numpy.unique(given).tolist()
        assert (distinct[inverse] == given).all()
