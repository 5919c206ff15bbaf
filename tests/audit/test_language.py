"""The rule language: what each form parses to, how errors point at the fault, and the text round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citybase.audit.language import (
    FUNCTIONS,
    Arith,
    Between,
    Call,
    Compare,
    Logic,
    Neg,
    Node,
    Not,
    Num,
    Ref,
    Tolerance,
    format_rule,
    functions_used,
    indicators_in_order,
    parse_rule,
    references,
)
from citybase.errors import InvalidInput

GDP, VA1, VA2, VA3 = Ref("GDP"), Ref("VA_PRIMARY"), Ref("VA_SECONDARY"), Ref("VA_TERTIARY")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("12", Num(12.0)),
        ("1.5", Num(1.5)),
        ("1e6", Num(1e6)),
        (".5", Num(0.5)),
        ("20%", Num(20.0, percent=True)),
        ("-20%", Num(-20.0, percent=True)),
        ("-GDP", Neg(GDP)),
        ("--GDP", Neg(Neg(GDP))),
        ("GDP + VA_PRIMARY * 2", Arith("+", GDP, Arith("*", VA1, Num(2.0)))),
        ("(GDP + VA_PRIMARY) * 2", Arith("*", Arith("+", GDP, VA1), Num(2.0))),
        ("GDP - VA_PRIMARY - VA_SECONDARY", Arith("-", Arith("-", GDP, VA1), VA2)),
        ("GDP / VA_PRIMARY / 2", Arith("/", Arith("/", GDP, VA1), Num(2.0))),
        ("-GDP * 2", Arith("*", Neg(GDP), Num(2.0))),
        ("GDP - -3", Arith("-", GDP, Num(-3.0))),
        ("GDP = 1", Compare("=", GDP, Num(1.0))),
        ("GDP == 1", Compare("=", GDP, Num(1.0))),
        ("GDP != 1", Compare("!=", GDP, Num(1.0))),
        ("GDP<1", Compare("<", GDP, Num(1.0))),
        ("GDP <= 1", Compare("<=", GDP, Num(1.0))),
        ("GDP > 1", Compare(">", GDP, Num(1.0))),
        ("GDP >= 1", Compare(">=", GDP, Num(1.0))),
        ("GDP = VA_PRIMARY ± 0.5", Compare("=", GDP, VA1, Tolerance(0.5, relative=False))),
        ("GDP = VA_PRIMARY +- 0.5%", Compare("=", GDP, VA1, Tolerance(0.5, relative=True))),
        (
            "GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%",
            Compare("=", GDP, Arith("+", Arith("+", VA1, VA2), VA3), Tolerance(0.5, relative=True)),
        ),
        ("yoy(GDP) between -20% and 30%", Between(Call("yoy", (GDP,)), Num(-20.0, True), Num(30.0, True))),
        (
            "present(VA_PRIMARY) implies present(GDP)",
            Logic("implies", Call("present", (VA1,)), Call("present", (GDP,))),
        ),
        (
            "GDP > 0 and VA_PRIMARY > 0 or not GDP < 5",
            Logic(
                "or",
                Logic("and", Compare(">", GDP, Num(0.0)), Compare(">", VA1, Num(0.0))),
                Not(Compare("<", GDP, Num(5.0))),
            ),
        ),
        (
            "GDP > 0 and (VA_PRIMARY > 0 or GDP < 5)",
            Logic(
                "and",
                Compare(">", GDP, Num(0.0)),
                Logic("or", Compare(">", VA1, Num(0.0)), Compare("<", GDP, Num(5.0))),
            ),
        ),
        ("abs(GDP - VA_PRIMARY) < 1", Compare("<", Call("abs", (Arith("-", GDP, VA1),)), Num(1.0))),
        (
            "max(GDP, VA_PRIMARY, 3) >= min(GDP)",
            Compare(">=", Call("max", (GDP, VA1, Num(3.0))), Call("min", (GDP,))),
        ),
        ("cumulative_nondecreasing(GDP)", Call("cumulative_nondecreasing", (GDP,))),
        ("required(GDP)", Call("required", (GDP,))),
        ("mzscore(GDP) <= 3.5", Compare("<=", Call("mzscore", (GDP,)), Num(3.5))),
        (
            "sum_children(GDP) = GDP ± 1%",
            Compare("=", Call("sum_children", (GDP,)), GDP, Tolerance(1.0, True)),
        ),
        (
            "previous(GDP) + last_year(GDP) + pop(GDP)",
            Arith("+", Arith("+", Call("previous", (GDP,)), Call("last_year", (GDP,))), Call("pop", (GDP,))),
        ),
    ],
)
def test_each_form_parses_to_its_tree(text: str, tree: Node) -> None:
    assert parse_rule(text) == tree
    assert parse_rule(format_rule(tree)) == tree


def test_format_writes_the_canonical_text() -> None:
    rule = "GDP==VA_PRIMARY+VA_SECONDARY+VA_TERTIARY +- 0.5%"
    assert format_rule(parse_rule(rule)) == "GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%"
    assert format_rule(parse_rule("GDP - (VA_PRIMARY - 1)")) == "GDP - (VA_PRIMARY - 1)"
    assert format_rule(parse_rule("-(GDP * 2)")) == "-(GDP * 2)"
    assert format_rule(parse_rule("not (GDP > 1 and GDP < 3)")) == "not (GDP > 1 and GDP < 3)"
    assert format_rule(parse_rule("(GDP > 1 implies GDP > 0) implies GDP > 2")) == (
        "(GDP > 1 implies GDP > 0) implies GDP > 2"
    )


def test_references_and_the_anchor_order() -> None:
    tree = parse_rule("sum_children(VA_TERTIARY) = GDP - VA_PRIMARY + yoy(GDP) * 0")
    assert references(tree) == {"VA_TERTIARY", "GDP", "VA_PRIMARY"}
    assert indicators_in_order(tree) == ["VA_TERTIARY", "GDP", "VA_PRIMARY"]
    assert functions_used(tree) == {"sum_children", "yoy"}
    assert references(parse_rule("1 < 2")) == set()


def _error(text: str, rule: str = "GDP_RANGE") -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_rule(text, rule)
    problem = caught.value.problems[0]
    assert problem.column == "expression"
    assert problem.render() == caught.value.render()
    return caught.value.render()


def test_parse_errors_name_the_position_and_what_was_expected() -> None:
    assert _error("GDP > (1 + )") == (
        "Rule GDP_RANGE: expected a number, an indicator code or a function at position 12, found ')'"
    )
    assert _error("GDP between 1 or 2") == (
        "Rule GDP_RANGE: expected 'and' after the lower bound of 'between' at position 15, found 'or'"
    )
    assert _error("GDP > (1 + 2") == ("Rule GDP_RANGE: expected ')' at position 13, but the rule ends there")
    assert _error("GDP = VA_PRIMARY ± x") == (
        "Rule GDP_RANGE: expected a tolerance such as 0.5 or 0.5% at position 20, found 'x'"
    )
    assert _error("GDP @ 2") == "Rule GDP_RANGE: unexpected character '@' at position 5"
    assert _error("0 < GDP < 10") == (
        "Rule GDP_RANGE: expected 'and' or 'or' (comparisons do not chain) at position 9, found '<'"
    )
    assert (
        _error("GDP 2")
        == "Rule GDP_RANGE: expected an operator or the end of the rule at position 5, found '2'"
    )
    assert _error("  ") == "Rule GDP_RANGE: the expression is empty"
    assert _error("max(GDP,)") == (
        "Rule GDP_RANGE: expected a number, an indicator code or a function at position 9, found ')'"
    )
    assert _error("GDP > 1e999") == "Rule GDP_RANGE: the number 1e999 at position 7 is too large"


def test_unknown_functions_are_listed_with_the_known_ones() -> None:
    text = _error("GDP > avg(GDP)")
    assert text.startswith("Rule GDP_RANGE: unknown function 'avg' at position 7 (known: yoy, pop, ")
    assert all(name in text for name in FUNCTIONS)
    assert "'gdp' at position 1 is neither an indicator code" in _error("gdp > 1")


def test_function_arguments_are_checked() -> None:
    assert _error("GDP > abs(GDP, 1)") == "Rule GDP_RANGE: abs() at position 7 takes 1 argument(s)"
    assert _error("max() > 1") == "Rule GDP_RANGE: max() at position 1 takes 1+ argument(s)"
    assert _error("yoy(GDP * 2) > 1") == (
        "Rule GDP_RANGE: yoy() at position 1 takes an indicator code, such as yoy(GDP)"
    )


def test_without_a_code_the_rule_text_names_the_rule() -> None:
    with pytest.raises(InvalidInput, match=r"^Rule 'GDP >': expected .* position 6"):
        parse_rule("GDP >")


# ---- round trip over generated trees ------------------------------------------------------------------

CODES = ["GDP", "VA_PRIMARY", "X", "POP_2020", "A_1"]
COMPARE_OPS = ["=", "!=", "<", "<=", ">", ">="]


@st.composite
def numeric(draw: st.DrawFn, depth: int = 3) -> Node:
    """An arithmetic tree as the parser builds it."""
    kind = draw(st.integers(0, 7 if depth > 0 else 2))
    if kind == 0:
        value = draw(st.floats(-1e18, 1e18, allow_nan=False) | st.integers(-1000, 1000).map(float))
        return Num(value, draw(st.booleans()))
    if kind == 1:
        return Ref(draw(st.sampled_from(CODES)))
    if kind == 2:
        name = draw(st.sampled_from(["yoy", "pop", "previous", "last_year", "sum_children", "mzscore"]))
        return Call(name, (Ref(draw(st.sampled_from(CODES))),))
    if kind in (3, 4):
        return Arith(draw(st.sampled_from("+-*/")), draw(numeric(depth - 1)), draw(numeric(depth - 1)))
    if kind == 5:
        operand = draw(numeric(depth - 1))
        # The parser folds a minus sign into a number, so Neg never holds a Num.
        return Num(-operand.value, operand.percent) if isinstance(operand, Num) else Neg(operand)
    if kind == 6:
        return Call("abs", (draw(numeric(depth - 1)),))
    args = draw(st.lists(numeric(depth - 1), min_size=1, max_size=3))
    return Call(draw(st.sampled_from(["min", "max"])), tuple(args))


@st.composite
def boolean(draw: st.DrawFn, depth: int = 2) -> Node:
    """A rule: comparisons and tests joined by and, or, not and implies."""
    kind = draw(st.integers(0, 5 if depth > 0 else 2))
    if kind == 0:
        tolerance = draw(st.none() | st.builds(Tolerance, st.floats(0, 1e6), st.booleans()))
        return Compare(draw(st.sampled_from(COMPARE_OPS)), draw(numeric()), draw(numeric()), tolerance)
    if kind == 1:
        return Between(draw(numeric()), draw(numeric()), draw(numeric()))
    if kind == 2:
        name = draw(st.sampled_from(["present", "required", "cumulative_nondecreasing"]))
        return Call(name, (Ref(draw(st.sampled_from(CODES))),))
    if kind == 5:
        return Not(draw(boolean(depth - 1)))
    op = draw(st.sampled_from(["and", "or", "implies"]))
    return Logic(op, draw(boolean(depth - 1)), draw(boolean(depth - 1)))


@settings(max_examples=200, deadline=None)
@given(boolean())
def test_text_to_tree_to_text_gives_the_same_tree(tree: Node) -> None:
    text = format_rule(tree)
    assert parse_rule(text) == tree
    assert format_rule(parse_rule(text)) == text
