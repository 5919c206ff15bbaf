"""Formulas of derived indicators: a small safe expression language, parsed without eval.

A formula combines indicator codes, numbers, + - * / and parentheses, and the functions min, max and abs:
`VA_TERTIARY / GDP * 100`, `GDP / POP_RESIDENT`. It is evaluated on values with their units, so 亿元 / 万人
comes out in 元/人 when that is the derived indicator's unit. A dimensionless result is taken as already
expressed in a dimensionless unit such as %, which is how statisticians write shares (A / B × 100).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from citybase.errors import InvalidInput
from citybase.messages import N_, message

_FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.Expression
    inputs: frozenset[str]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate with `values` for every input (numbers, Decimals or pint quantities)."""
        return _evaluate(self.tree.body, values)


def normalise(text: str) -> str:
    """Accept the multiplication and division signs people type (× ÷) and full-width brackets."""
    return (
        text.replace("×", "*")
        .replace("÷", "/")
        .replace("（", "(")
        .replace("）", ")")
        .replace("－", "-")
        .strip()
    )


def parse_formula(text: str) -> Formula:
    """Parse and check a formula; every construct outside the language is refused by name."""
    source = normalise(text)
    if not source:
        raise InvalidInput(message(N_("The formula is empty")))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(
            message(
                N_("The formula '{formula}' cannot be read at character {column}"),
                formula=text,
                column=(exc.offset or 0),
            )
        ) from exc
    inputs: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load):
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            continue
        if isinstance(node, ast.BinOp | ast.UnaryOp) and type(node.op) in (*_OPERATORS, ast.USub, ast.UAdd):
            continue
        if isinstance(node, ast.operator | ast.unaryop) and type(node) in (*_OPERATORS, ast.USub, ast.UAdd):
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            continue
        if isinstance(node, ast.Name):
            if node.id not in _FUNCTIONS:
                inputs.add(node.id)
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and not node.keywords
            and node.args
        ):
            continue
        raise InvalidInput(
            message(
                N_(
                    "The formula '{formula}' uses '{construct}', which formulas do not allow; use indicator "
                    "codes, numbers, + - * /, parentheses, min, max and abs"
                ),
                formula=text,
                construct=ast.unparse(node) if not isinstance(node, ast.operator) else type(node).__name__,
            )
        )
    if not inputs:
        raise InvalidInput(message(N_("The formula '{formula}' uses no indicator"), formula=text))
    return Formula(text=source, tree=tree, inputs=frozenset(inputs))


def _evaluate(node: ast.expr, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _FUNCTIONS[node.func.id](*(_evaluate(argument, values) for argument in node.args))
    raise AssertionError(f"unchecked formula node {ast.dump(node)}")  # pragma: no cover - parse refuses it


def find_cycle(dependencies: Mapping[str, frozenset[str]]) -> list[str] | None:
    """A cycle among derived indicators (A → B → A), as the list of codes around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        stack.append(code)
        for nxt in sorted(dependencies.get(code, frozenset())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and nxt in dependencies:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[code] = 2
        return None

    for code in sorted(dependencies):
        if code not in state:
            found = visit(code)
            if found:
                return found
    return None
