"""The audit rule language: a small expression language read by a recursive-descent parser (no eval).

    GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%
    yoy(GDP) between -20% and 30%
    present(VA_PRIMARY) implies present(GDP)

Upper-case names are indicator codes; lower-case names are functions. docs/rules.md describes it all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, message

FUNCTIONS: dict[str, int] = {
    "yoy": 1,
    "pop": 1,
    "previous": 1,
    "last_year": 1,
    "sum_children": 1,
    "cumulative_nondecreasing": 1,
    "present": 1,
    "required": 1,
    "mzscore": 1,
    "abs": 1,
    "min": -1,  # any number of arguments, at least one
    "max": -1,
}
# Functions whose argument must be an indicator code (they look values up elsewhere in time or space).
SERIES_FUNCTIONS = frozenset(FUNCTIONS) - {"abs", "min", "max"}
BOOLEAN_FUNCTIONS = frozenset({"cumulative_nondecreasing", "present", "required"})
COMPARISONS = ("==", "!=", "<=", ">=", "=", "<", ">")
KEYWORDS = frozenset({"between", "and", "or", "not", "implies"})


# ---- the tree ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float
    percent: bool = False


@dataclass(frozen=True)
class Ref:
    code: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Tolerance:
    amount: float
    relative: bool  # written with %: a share of the right-hand side


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >=
    left: Node
    right: Node
    tolerance: Tolerance | None = None


@dataclass(frozen=True)
class Between:
    subject: Node
    low: Node
    high: Node


@dataclass(frozen=True)
class Logic:
    op: str  # and, or, implies
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Num | Ref | Call | Neg | Arith | Compare | Between | Logic | Not


# ---- tokens --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|\+-|±|[-+*/()<>=,%]))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, end
    text: str
    position: int  # 1-based character position, for messages


class _Reader:
    """Reads one rule; every failure names the rule, the position and what was expected there."""

    def __init__(self, text: str, rule: str) -> None:
        self.text = text
        self.rule = rule
        self.items = self.tokens()
        self.at = 0

    def error(self, position: int, template: str, **params: object) -> InvalidInput:
        reason = message(template, rule=self.rule, position=position, **params)
        return InvalidInput(reason, problems=[Problem("rule_syntax", reason, column="expression")])

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        position = 0
        text = self.text
        while text[position:].strip():
            matched = _TOKEN.match(text, position)
            if matched is None:
                at = len(text) - len(text[position:].lstrip())
                raise self.error(
                    at + 1,
                    N_("Rule {rule}: unexpected character '{found}' at position {position}"),
                    found=text[at],
                )
            kind = matched.lastgroup or "op"
            found.append(Token(kind, matched.group(kind), matched.start(kind) + 1))
            position = matched.end()
        found.append(Token("end", "", len(text) + 1))
        return found

    @property
    def current(self) -> Token:
        return self.items[self.at]

    def take(self) -> Token:
        token = self.items[self.at]
        self.at += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        token = self.current
        if token.kind in ("op", "name") and token.text in texts:
            return self.take()
        return None

    def expect(self, text: str, what: str) -> None:
        if self.accept(text) is None:
            raise self.fail(what)

    def fail(self, what: str) -> InvalidInput:
        token = self.current
        if token.kind == "end":
            return self.error(
                token.position,
                N_("Rule {rule}: expected {what} at position {position}, but the rule ends there"),
                what=message(what),
            )
        return self.error(
            token.position,
            N_("Rule {rule}: expected {what} at position {position}, found '{found}'"),
            what=message(what),
            found=token.text,
        )

    # ---- grammar, loosest binding first ----

    def parse(self) -> Node:
        node = self.implication()
        if self.current.text in COMPARISONS or self.current.text == "between":
            raise self.fail(N_("'and' or 'or' (comparisons do not chain)"))
        if self.current.kind != "end":
            raise self.fail(N_("an operator or the end of the rule"))
        return node

    def implication(self) -> Node:
        left = self.disjunction()
        if self.accept("implies"):
            return Logic("implies", left, self.disjunction())
        return left

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self.accept("or"):
            left = Logic("or", left, self.conjunction())
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self.accept("and"):
            left = Logic("and", left, self.negation())
        return left

    def negation(self) -> Node:
        if self.accept("not"):
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.accept("between"):
            low = self.sum()
            self.expect("and", N_("'and' after the lower bound of 'between'"))
            return Between(left, low, self.sum())
        operator = self.accept(*COMPARISONS)
        if operator is None:
            return left
        op = "=" if operator.text == "==" else operator.text
        right = self.sum()
        tolerance = None
        if self.accept("±", "+-"):
            if self.current.kind != "number":
                raise self.fail(N_("a tolerance such as 0.5 or 0.5%"))
            amount = self.number(self.take())
            tolerance = Tolerance(amount, relative=self.accept("%") is not None)
        return Compare(op, left, right, tolerance)

    def sum(self) -> Node:
        left = self.term()
        while (operator := self.accept("+", "-")) is not None:
            left = Arith(operator.text, left, self.term())
        return left

    def term(self) -> Node:
        left = self.unary()
        while (operator := self.accept("*", "/")) is not None:
            left = Arith(operator.text, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.accept("-"):
            operand = self.unary()
            if isinstance(operand, Num):
                return Num(-operand.value, operand.percent)
            return Neg(operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.take()
            return Num(self.number(token), percent=self.accept("%") is not None)
        if token.kind == "name" and token.text not in KEYWORDS:
            self.take()
            if self.accept("("):
                return self.call(token)
            if token.text != token.text.upper():
                raise self.error(
                    token.position,
                    N_(
                        "Rule {rule}: '{name}' at position {position} is neither an indicator code "
                        "(in capitals) nor a function followed by '(' (known: {known})"
                    ),
                    name=token.text,
                    known=", ".join(FUNCTIONS),
                )
            return Ref(token.text)
        if self.accept("("):
            inner = self.implication()
            self.expect(")", N_("')'"))
            return inner
        raise self.fail(N_("a number, an indicator code or a function"))

    def number(self, token: Token) -> float:
        value = float(token.text)
        if not math.isfinite(value):
            raise self.error(
                token.position,
                N_("Rule {rule}: the number {found} at position {position} is too large"),
                found=token.text,
            )
        return value

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise self.error(
                name.position,
                N_("Rule {rule}: unknown function '{name}' at position {position} (known: {known})"),
                name=name.text,
                known=", ".join(FUNCTIONS),
            )
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.implication())
            while self.accept(","):
                args.append(self.implication())
            self.expect(")", N_("',' or ')'"))
        wanted = FUNCTIONS[name.text]
        if (wanted >= 0 and len(args) != wanted) or not args:
            raise self.error(
                name.position,
                N_("Rule {rule}: {name}() at position {position} takes {count} argument(s)"),
                name=name.text,
                count=wanted if wanted >= 0 else "1+",
            )
        if name.text in SERIES_FUNCTIONS and not isinstance(args[0], Ref):
            raise self.error(
                name.position,
                N_(
                    "Rule {rule}: {name}() at position {position} takes an indicator code, "
                    "such as {name}(GDP)"
                ),
                name=name.text,
            )
        return Call(name.text, tuple(args))


def parse_rule(text: str, rule: str = "") -> Node:
    """The rule's tree; InvalidInput names the rule (its code, else its text), the position and what was
    expected there when it cannot be read."""
    label = rule or f"'{text}'"
    if not text.strip():
        reason = message(N_("Rule {rule}: the expression is empty"), rule=label)
        raise InvalidInput(reason, problems=[Problem("rule_syntax", reason, column="expression")])
    return _Reader(text, label).parse()


# ---- reading the tree back -----------------------------------------------------------------------------


def nodes(node: Node) -> Iterator[Node]:
    """Every node of the tree, each before its parts, left to right."""
    yield node
    if isinstance(node, Call):
        parts: tuple[Node, ...] = node.args
    elif isinstance(node, Neg | Not):
        parts = (node.operand,)
    elif isinstance(node, Arith | Compare | Logic):
        parts = (node.left, node.right)
    elif isinstance(node, Between):
        parts = (node.subject, node.low, node.high)
    else:
        parts = ()
    for part in parts:
        yield from nodes(part)


def indicators_in_order(node: Node) -> list[str]:
    """Indicator codes in the order the rule first names them (the first is the rule's anchor)."""
    return list(dict.fromkeys(item.code for item in nodes(node) if isinstance(item, Ref)))


def references(node: Node) -> set[str]:
    """Every indicator code the rule reads, for the caller to check against the indicator system."""
    return set(indicators_in_order(node))


def functions_used(node: Node) -> set[str]:
    return {item.name for item in nodes(node) if isinstance(item, Call)}


_PRECEDENCE = {
    "implies": 1,
    "or": 2,
    "and": 3,
    "not": 4,
    "compare": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "neg": 8,
}


def _number(value: float) -> str:
    value = float(value)
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e15 else repr(value)


def format_rule(node: Node, parent: int = 0) -> str:
    """The rule written back in its canonical form; parsing it gives the same tree."""
    if isinstance(node, Num):
        return _number(node.value) + ("%" if node.percent else "")
    if isinstance(node, Ref):
        return node.code
    if isinstance(node, Call):
        return f"{node.name}({', '.join(format_rule(arg) for arg in node.args)})"
    if isinstance(node, Neg):
        text = "-" + format_rule(node.operand, _PRECEDENCE["neg"])
        level = _PRECEDENCE["neg"]
    elif isinstance(node, Arith):
        level = _PRECEDENCE[node.op]
        # Left-associative: a right operand of equal precedence needs brackets (a - (b - c)).
        text = f"{format_rule(node.left, level)} {node.op} {format_rule(node.right, level + 1)}"
    elif isinstance(node, Compare):
        level = _PRECEDENCE["compare"]
        text = f"{format_rule(node.left, level + 1)} {node.op} {format_rule(node.right, level + 1)}"
        if node.tolerance is not None:
            text += f" ± {_number(node.tolerance.amount)}{'%' if node.tolerance.relative else ''}"
    elif isinstance(node, Between):
        level = _PRECEDENCE["compare"]
        parts = [format_rule(part, level + 1) for part in (node.subject, node.low, node.high)]
        text = f"{parts[0]} between {parts[1]} and {parts[2]}"
    elif isinstance(node, Not):
        level = _PRECEDENCE["not"]
        text = "not " + format_rule(node.operand, level)
    else:
        level = _PRECEDENCE[node.op]
        # and/or group from the left; implies does not chain, so both its sides are bracketed when compound.
        left_level = level + 1 if node.op == "implies" else level
        text = f"{format_rule(node.left, left_level)} {node.op} {format_rule(node.right, level + 1)}"
    return f"({text})" if level < parent else text
