"""Evaluating rules: every function and operator on hand-made values, missing values, findings, bulk reads."""

from __future__ import annotations

import pytest

from citybase.audit.evaluate import compile_rule, evaluate
from citybase.audit.model import Finding, Key, RuleSpec, Severity
from citybase.errors import InvalidInput
from citybase.transform.periods import parse_period

CITY, EAST, WEST = "440300", "440303", "440304"


def key(code: str, period: str = "2024-03", region: str = CITY, dims: str = "") -> Key:
    return (code, region, period, dims)


class FakeStore:
    """Stored values, returned as the real store does: by indicator, region and month range; counts reads."""

    def __init__(self, values: dict[Key, float] | None = None) -> None:
        self.values = values or {}
        self.calls: list[tuple[set[str], set[str], int, int]] = []

    def fetch(
        self, indicators: set[str], regions: set[str], first_month: int, last_month: int
    ) -> dict[Key, float]:
        self.calls.append((set(indicators), set(regions), first_month, last_month))
        found = {}
        for item, value in self.values.items():
            period = parse_period(item[2])
            if (
                item[0] in indicators
                and item[1] in regions
                and first_month <= period.first_month_index
                and period.last_month_index <= last_month
            ):
                found[item] = value
        return found


class FakeRegions:
    def __init__(self, tree: dict[str, list[str]] | None = None) -> None:
        self.tree = tree or {}

    def children(self, code: str) -> list[str]:
        return self.tree.get(code, [])


def audit(
    expression: str,
    submitted: dict[Key, float],
    stored: dict[Key, float] | None = None,
    *,
    tree: dict[str, list[str]] | None = None,
    expected: tuple[Key, ...] = (),
    anchor: str | None = None,
) -> list[Finding]:
    rule = compile_rule(RuleSpec("R", "规则", expression, Severity.ERROR), anchor)
    return evaluate([rule], submitted, store=FakeStore(stored), regions=FakeRegions(tree), expected=expected)


def holds(expression: str, submitted: dict[Key, float], stored: dict[Key, float] | None = None) -> bool:
    return not audit(expression, submitted, stored)


ABC = {key("A"): 10.0, key("B"): 4.0, key("C"): 2.0}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("A = B * 2 + C", True),
        ("A = B / C * 5", True),
        ("A - B = 6", True),
        ("-A = -10", True),
        ("(A + B) * C = 28", True),
        ("A = B + C", False),
        ("A == 10", True),
        ("A != B", True),
        ("A != 10", False),
        ("A < 10", False),
        ("A < 10.5", True),
        ("A <= 10", True),
        ("A <= 9.9", False),
        ("A > 10", False),
        ("A > 9", True),
        ("A >= 10", True),
        ("A >= 11", False),
        ("A between 10 and 12", True),
        ("A between 8 and 10", True),
        ("A between 10.1 and 12", False),
        ("abs(B - A) = 6", True),
        ("min(A, B, C) = 2", True),
        ("max(A, B, C) = 10", True),
        ("max(A, 20) < 15", False),
        ("not A > 5", False),
        ("A > 5 and B > 5", False),
        ("A > 5 or B > 5", True),
        ("A > 50 implies B > 50", True),
        ("A > 5 implies B > 5", False),
    ],
)
def test_operators_on_hand_made_values(expression: str, expected: bool) -> None:
    assert holds(expression, ABC) is expected


def test_a_range_finding_shows_the_values_but_not_the_literals() -> None:
    [finding] = audit("A between B and 2 * C", ABC)
    assert finding.values == (("A", 10.0), ("B", 4.0), ("2 * C", 4.0))
    [finding] = audit("A between 1 and B", ABC)
    assert finding.values == (("A", 10.0), ("B", 4.0))
    assert finding.expected == "A between 1 and B"


def test_float_rounding_counts_as_equal_but_not_as_less() -> None:
    values = {key("A"): 0.3, key("B"): 0.1, key("C"): 0.2}
    assert holds("A = B + C", values)
    assert holds("A <= B + C", values)
    assert not holds("A < B + C", values)
    assert not holds("B + C > A", values)


def test_tolerance_absolute_and_relative_to_the_right_hand_side() -> None:
    assert holds("A = B ± 0.5", {key("A"): 100.0, key("B"): 99.6})
    assert not holds("A = B ± 0.5", {key("A"): 100.0, key("B"): 99.4})
    assert holds("A = B ± 0.5%", {key("A"): 1004.0, key("B"): 1000.0})
    assert not holds("A = B +- 0.5%", {key("A"): 1006.0, key("B"): 1000.0})
    assert holds("A <= B ± 10", {key("A"): 105.0, key("B"): 100.0})
    assert not holds("A != B ± 1", {key("A"): 100.5, key("B"): 100.0})


def test_missing_operands_make_a_comparison_not_applicable() -> None:
    only_a = {key("A"): -1.0}
    assert holds("A > B", only_a)
    assert holds("A + B > 100", only_a)
    assert holds("A / (B - B) > 0", {key("A"): 1.0, key("B"): 2.0})  # division by zero
    assert holds("yoy(A) > 0", only_a)
    assert holds("A > 0 or B > 0", only_a)
    assert holds("not B > 0", only_a)
    # One false side settles a conjunction, whatever the other.
    assert not holds("A > 0 and B > 0", only_a)
    # A rule only runs where its anchor (the first indicator) was submitted.
    assert holds("B > 0", only_a)


def test_a_finding_names_the_anchor_every_cell_read_and_the_values() -> None:
    values = {key("GDP"): 100.0, key("VA1"): 10.0, key("VA2"): 40.0, key("VA3"): 48.0}
    findings = audit("GDP = VA1 + VA2 + VA3 ± 0.5%", values)
    assert findings == [
        Finding(
            rule="R",
            severity=Severity.ERROR,
            key=key("GDP"),
            involved=(key("GDP"), key("VA1"), key("VA2"), key("VA3")),
            values=(("GDP", 100.0), ("VA1 + VA2 + VA3", 98.0)),
            expected="GDP = VA1 + VA2 + VA3 ± 0.5%",
        )
    ]
    values[key("VA3")] = 49.6
    assert audit("GDP = VA1 + VA2 + VA3 ± 0.5%", values) == []


def test_yoy_and_last_year_read_the_same_period_a_year_earlier_from_the_store() -> None:
    submitted = {key("A", "2024-03"): 130.0}
    stored = {key("A", "2023-03"): 100.0, key("A", "2024-02"): 1.0}
    [finding] = audit("yoy(A) <= 25", submitted, stored)
    assert finding.values[0][0] == "yoy(A)"
    assert finding.values[0][1] == pytest.approx(30.0)
    assert finding.involved == (key("A", "2024-03"), key("A", "2023-03"))
    # 30% exactly (in floats 30.000000000000004) is inside an inclusive range.
    assert holds("yoy(A) between -20% and 30%", submitted, stored)
    assert holds("last_year(A) = 100", submitted, stored)
    assert holds("yoy(A) > 0", submitted, {key("A", "2023-03"): 0.0})  # from zero: not applicable


def test_pop_and_previous_read_the_previous_period_of_the_same_shape() -> None:
    assert holds("pop(A) = -50", {key("A", "2024-03"): 50.0}, {key("A", "2024-02"): 100.0})
    assert holds("previous(A) = 100", {key("A", "2024-03"): 50.0}, {key("A", "2024-02"): 100.0})
    quarter = {key("A", "2024Q1"): 110.0}
    assert holds("pop(A) = 10", quarter, {key("A", "2023Q4"): 100.0})
    assert not holds("pop(A) between -5 and 5", quarter, {key("A", "2023Q4"): 100.0})


def test_sum_children_compares_only_with_every_child_reported() -> None:
    tree = {CITY: [EAST, WEST]}
    full = {key("A"): 100.0, key("A", region=EAST): 60.0, key("A", region=WEST): 45.0}
    [finding] = audit("A = sum_children(A) ± 1%", full, tree=tree)
    assert finding.involved == (key("A"), key("A", region=EAST), key("A", region=WEST))
    assert ("sum_children(A)", 105.0) in finding.values
    assert ("sum_children(A): children reporting", 2.0) in finding.values
    # A child's value may come from the store.
    stored_child = {key("A"): 100.0, key("A", region=EAST): 60.0}
    assert audit("A = sum_children(A)", stored_child, {key("A", region=WEST): 40.0}, tree=tree) == []
    partial = {key("A"): 100.0, key("A", region=EAST): 60.0}
    assert audit("A = sum_children(A)", partial, tree=tree) == []
    assert audit("A = sum_children(A)", {key("A"): 1.0}, tree={}) == []


def test_cumulative_figures_do_not_fall_within_a_year() -> None:
    rule = "cumulative_nondecreasing(A)"
    months = {key("A", "2024-04YTD"): 100.0, key("A", "2024-05YTD"): 90.0}
    [finding] = audit(rule, months)
    assert finding.key == key("A", "2024-05YTD")
    assert finding.values == (("A 2024-05YTD", 90.0), ("A 2024-04YTD", 100.0))
    assert finding.expected == "cumulative_nondecreasing(A)"
    # The 04YTD anchor has no earlier range submitted: not applicable.
    assert len(audit(rule, {**months, key("A", "2024-02YTD"): 50.0})) == 1
    # February's year-to-date is checked against January.
    assert len(audit(rule, {key("A", "2024-02YTD"): 5.0}, {key("A", "2024-01"): 6.0})) == 1
    # A quarterly series steps back a quarter: Jan-Sep against Jan-Jun.
    quarters = {key("A", "2024Q3YTD"): 90.0, key("A", "2024H1"): 95.0}
    assert [item.key for item in audit(rule, quarters)] == [key("A", "2024Q3YTD")]
    assert audit(rule, {key("A", "2024Q3YTD"): 96.0, key("A", "2024H1"): 95.0}) == []
    # A single month that does not start in January is no year-to-date figure.
    assert audit(rule, {key("A", "2024-05"): 1.0, key("A", "2024-04"): 2.0}) == []


def test_present_implies_present_for_compulsory_pairs() -> None:
    rule = "present(VA1) implies present(GDP)"
    [finding] = audit(rule, {key("VA1"): 5.0})
    assert finding.key == key("VA1")
    assert finding.values == (("VA1", 5.0), ("GDP", None))
    assert finding.involved == (key("VA1"),)
    assert audit(rule, {key("VA1"): 5.0, key("GDP"): 50.0}) == []
    assert audit(rule, {key("GDP"): 50.0}) == []


def test_required_is_anchored_on_the_expected_keys() -> None:
    expected = (key("A", region=EAST), key("A", region=WEST))
    submitted = {key("A", region=EAST): 1.0, key("A", region=CITY): 2.0}
    [finding] = audit("required(A)", submitted, expected=expected)
    assert finding.key == key("A", region=WEST)
    assert finding.values == (("A", None),)
    assert finding.involved == ()
    assert audit("required(A)", submitted, {key("A", region=WEST): 3.0}, expected=expected) == []
    assert audit("required(A)", submitted) == []


def test_mzscore_against_the_last_ten_periods() -> None:
    history = {key("A", f"2024-{month:02d}"): 9.0 + month for month in range(1, 11)}  # 10 … 19
    history[key("A", "2023-12")] = 1000.0  # eleven periods back: not part of the history
    current = {key("A", "2024-11"): 30.0}
    # median 14.5; absolute deviations 0.5 … 4.5, their median (MAD) 2.5
    [finding] = audit("mzscore(A) <= 3.5", current, history)
    [(label, score)] = finding.values
    assert label == "mzscore(A)"
    assert score == pytest.approx(0.6745 * (30 - 14.5) / 2.5)
    assert len(finding.involved) == 11
    assert holds("mzscore(A) <= 4.19", current, history)
    assert holds("abs(mzscore(A)) < 1", {key("A", "2024-11"): 15.0}, history)


def test_mzscore_needs_four_earlier_values_and_some_spread() -> None:
    short = {key("A", f"2024-{month:02d}"): float(month) for month in (8, 9, 10)}
    assert holds("mzscore(A) < 1", {key("A", "2024-11"): 100.0}, short)
    short[key("A", "2024-01")] = 50.0
    assert not holds("mzscore(A) < 1", {key("A", "2024-11"): 100.0}, short)
    flat = {key("A", f"2024-{month:02d}"): 7.0 for month in range(1, 11)}
    assert holds("mzscore(A) < 1", {key("A", "2024-11"): 100.0}, flat)


def test_the_submission_overrides_the_store_and_dims_are_kept_apart() -> None:
    submitted = {key("A"): 10.0, key("B"): 10.0, key("A", dims="SEX=F"): 1.0, key("B", dims="SEX=F"): 1.0}
    assert audit("A = B", submitted, {key("B"): 99.0}) == []
    [finding] = audit("A = B", {**submitted, key("B", dims="SEX=F"): 2.0})
    assert finding.key == key("A", dims="SEX=F")
    assert finding.values == (("A", 1.0), ("B", 2.0))


def test_the_anchor_can_be_named() -> None:
    submitted = {key("A"): 1.0, key("B", region=EAST): 5.0}
    assert audit("A >= B", submitted) == []
    [finding] = audit("A >= B", {key("A"): 1.0, key("B"): 5.0, key("B", region=EAST): 5.0}, anchor="b")
    assert finding.key == key("B")
    assert compile_rule(RuleSpec("R", "", "sum_children(X) = Y", Severity.WARNING)).anchor == "X"


def test_the_store_is_read_in_bulk_once_for_all_rules() -> None:
    regions = [f"4403{number:02d}" for number in range(1, 31)]
    months = [f"2024-{month:02d}" for month in range(1, 13)]
    submitted = {
        key(code, month, region): 100.0 for code in ("A", "B") for month in months for region in regions
    }
    submitted.update({key("A", month, CITY): 3000.0 for month in months})
    stored = {key("A", f"2023-{month:02d}", region): 100.0 for month in range(1, 13) for region in regions}
    rules = [
        compile_rule(RuleSpec(f"R{number}", "", text, Severity.WARNING))
        for number, text in enumerate(
            ["yoy(A) between -10% and 10%", "A > 0", "B = A", "mzscore(B) < 3.5", "A = sum_children(A)"]
        )
    ]
    store = FakeStore(stored)
    findings = evaluate(rules, submitted, store=store, regions=FakeRegions({CITY: regions}))
    assert findings == []
    # Every rule's regions lie within the first rule's (the city and its districts): a single read.
    assert store.calls == [
        (
            {"A", "B"},
            {*regions, CITY},
            parse_period("2023-01").first_month_index,  # a year before the first month, for yoy
            parse_period("2024-12").last_month_index,
        )
    ]
    # What was read stays read: a second rule set over other regions reads only those.
    store.calls.clear()
    other = {key("A", "2024-01", "110101"): 1.0}
    evaluate(rules[1:2], other, store=store, regions=FakeRegions())
    assert store.calls == [({"A"}, {"110101"}, *[parse_period("2024-01").first_month_index] * 2)]


def test_rules_keep_their_code_and_severity() -> None:
    rules = [
        compile_rule(RuleSpec("HARD", "", "A > 100", Severity.ERROR)),
        compile_rule(RuleSpec("SOFT", "", "A > 50", Severity.WARNING)),
    ]
    findings = evaluate(rules, {key("A"): 10.0}, store=FakeStore(), regions=FakeRegions())
    assert [(item.rule, item.severity) for item in findings] == [
        ("HARD", Severity.ERROR),
        ("SOFT", Severity.WARNING),
    ]


def test_compile_errors_name_the_rule() -> None:
    with pytest.raises(InvalidInput, match=r"^Rule GDP_RANGE: expected .* position 12, found '\)'$"):
        compile_rule(RuleSpec("GDP_RANGE", "", "GDP > (1 + )", Severity.ERROR))
    with pytest.raises(InvalidInput, match="Rule CONSTANT: the expression names no indicator code"):
        compile_rule(RuleSpec("CONSTANT", "", "1 < 2", Severity.ERROR))
