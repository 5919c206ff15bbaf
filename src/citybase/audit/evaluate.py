"""Evaluating audit rules over submitted values overlaid on the store's.

A rule is compiled once into nested closures; it runs for each anchor (a submitted value of the rule's anchor
indicator) and yields True, False, or None (not applicable: an operand is missing). Only False is a
finding; that anchor is then evaluated once more while recording every cell read and the values compared,
so the fast path records nothing. What the rules read beyond the submission (a year earlier, the history,
the child regions) is fetched from the store in bulk before any rule runs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from citybase.audit.language import (
    BOOLEAN_FUNCTIONS,
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
    format_rule,
    functions_used,
    indicators_in_order,
    parse_rule,
)
from citybase.audit.model import Finding, Key, RuleSpec
from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, message
from citybase.transform.periods import Frequency, Period, parse_period

if TYPE_CHECKING:
    from citybase.audit.arrays import Submitted

HISTORY = 10  # earlier periods a modified z-score looks at
MINIMUM_HISTORY = 4
# Without a stated tolerance, values this close (relative to the larger) count as equal: float rounding.
EPSILON = 1e-9

Value = float | bool | None


class Store(Protocol):
    def fetch(
        self, indicators: set[str], regions: set[str], first_month: int, last_month: int
    ) -> dict[Key, float]: ...


class Regions(Protocol):
    def children(self, code: str) -> list[str]: ...


class Lookup(Protocol):
    def get(self, key: Key, /) -> float | None: ...


class Values(Lookup, Protocol):
    def __contains__(self, key: object, /) -> bool: ...


class Context:
    """Where a rule is being checked (the anchor's region, period and dims) and the values it may read.

    When explaining a finding, `values` records each key read and `seen` collects the values compared."""

    __slots__ = ("children", "dims", "period", "region", "seen", "values")

    def __init__(self, values: Lookup, children: Callable[[str], list[str]]) -> None:
        self.values = values
        self.children = children
        self.region = self.period = self.dims = ""
        self.seen: list[tuple[str, float | None]] | None = None


Compiled = Callable[[Context], Value]


@dataclass
class Rule:
    spec: RuleSpec
    ast: Node
    anchor: str
    expected: str  # the relation as shown to people: the rule in canonical form
    check: Compiled
    functions: frozenset[str]
    indicators: tuple[str, ...]


def compile_rule(spec: RuleSpec, anchor: str | None = None) -> Rule:
    """Parse and compile a rule once; it is checked at each value of its anchor indicator, the first it
    names unless `anchor` says otherwise."""
    ast = parse_rule(spec.expression, spec.code)
    codes = indicators_in_order(ast)
    if not codes:
        reason = message(N_("Rule {rule}: the expression names no indicator code"), rule=spec.code)
        raise InvalidInput(reason, problems=[Problem("rule_syntax", reason, column="expression")])
    return Rule(
        spec=spec,
        ast=ast,
        anchor=(anchor or codes[0]).upper(),
        expected=format_rule(ast),
        check=_compile(ast),
        functions=frozenset(functions_used(ast)),
        indicators=tuple(codes),
    )


# ---- periods, remembered per text ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def period_of(text: str) -> Period:
    return parse_period(text)


@lru_cache(maxsize=65536)
def year_before(text: str) -> str:
    return str(period_of(text).shift_years(-1))


@lru_cache(maxsize=65536)
def period_before(text: str) -> str:
    return str(period_of(text).previous())


@lru_cache(maxsize=65536)
def history(text: str) -> tuple[str, ...]:
    """The periods of the same shape before this one, latest first."""
    found = [period_before(text)]
    while len(found) < HISTORY:
        found.append(period_before(found[-1]))
    return tuple(found)


@lru_cache(maxsize=65536)
def shorter_to_date(text: str) -> tuple[str, ...]:
    """The year-to-date ranges one step shorter, by each frequency the range fits, finest first
    (2024-01~05 → 01~04; 2024-01~06 → 01~05, then 01~03 for a quarterly series)."""
    period = period_of(text)
    if period.start_month != 1:
        return ()
    steps = [frequency.months for frequency in (Frequency.MONTH, Frequency.QUARTER) if period.fits(frequency)]
    return tuple(
        str(Period.to_date(period.year, period.end_month - step)) for step in steps if period.end_month > step
    )


# ---- compiling the tree to closures --------------------------------------------------------------------


def _compile(node: Node) -> Compiled:
    if isinstance(node, Num):
        constant = node.value  # 20% counts as 20: yoy and pop are in percent too
        return lambda ctx: constant
    if isinstance(node, Ref):
        code = node.code
        return lambda ctx: ctx.values.get((code, ctx.region, ctx.period, ctx.dims))
    if isinstance(node, Neg):
        inner = _compile(node.operand)
        return lambda ctx: None if (value := inner(ctx)) is None else -value
    if isinstance(node, Not):
        inner = _compile(node.operand)
        return lambda ctx: None if (value := inner(ctx)) is None else not value
    if isinstance(node, Arith):
        return _arith(node)
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, Between):
        return _between(node)
    if isinstance(node, Logic):
        return _logic(node)
    return _call(node)


_ARITHMETIC: dict[str, Callable[[float, float], float | None]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: None if b == 0 else a / b,
}


def _arith(node: Arith) -> Compiled:
    left, right, apply = _compile(node.left), _compile(node.right), _ARITHMETIC[node.op]

    def run(ctx: Context) -> Value:
        a, b = left(ctx), right(ctx)
        return None if a is None or b is None else apply(a, b)

    return run


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= EPSILON * max(abs(a), abs(b), 1.0)


# Without a stated tolerance nearly equal values count as equal (float rounding), so 30.000000000000004 is
# within "<= 30" but not "< 30"; the exact test comes first as it settles most values.
_EXACT: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b or _close(a, b),
    "!=": lambda a, b: a != b and not _close(a, b),
    "<": lambda a, b: a < b and not _close(a, b),
    "<=": lambda a, b: a <= b or _close(a, b),
    ">": lambda a, b: a > b and not _close(a, b),
    ">=": lambda a, b: a >= b or _close(a, b),
}
# A stated tolerance lets the right-hand side move that far in the submitter's favour.
_WITHIN: dict[str, Callable[[float, float, float], bool]] = {
    "=": lambda a, b, allowed: abs(a - b) <= allowed,
    "!=": lambda a, b, allowed: abs(a - b) > allowed,
    "<": lambda a, b, allowed: a < b + allowed,
    "<=": lambda a, b, allowed: a <= b + allowed,
    ">": lambda a, b, allowed: a > b - allowed,
    ">=": lambda a, b, allowed: a >= b - allowed,
}


def _relation(node: Compare) -> Callable[[float, float], bool]:
    tolerance = node.tolerance
    if tolerance is None:
        return _EXACT[node.op]
    within, amount = _WITHIN[node.op], tolerance.amount
    if tolerance.relative:
        share = amount / 100
        return lambda a, b: within(a, b, abs(b) * share)  # a share of the reference value
    return lambda a, b: within(a, b, amount)


def _compare(node: Compare) -> Compiled:
    left, right = _operand(node.left), _operand(node.right)
    holds = _relation(node)
    # A finding shows the value of each side, but not of a literal (the rule text has that).
    sides = (node.left, node.right)
    shown = [(format_rule(side), number) for number, side in enumerate(sides) if not isinstance(side, Num)]

    def run(ctx: Context) -> Value:
        a, b = left(ctx), right(ctx)
        if ctx.seen is not None:
            ctx.seen += ((name, _number((a, b)[number])) for name, number in shown)
        if a is None or b is None:
            return None
        return holds(a, b)

    return run


def _between(node: Between) -> Compiled:
    subject, low, high = _operand(node.subject), _operand(node.low), _operand(node.high)
    parts = (node.subject, node.low, node.high)
    shown = [(format_rule(part), number) for number, part in enumerate(parts) if not isinstance(part, Num)]

    def run(ctx: Context) -> Value:
        value, bottom, top = subject(ctx), low(ctx), high(ctx)
        if ctx.seen is not None:
            ctx.seen += ((name, _number((value, bottom, top)[number])) for name, number in shown)
        if value is None or bottom is None or top is None:
            return None
        return bottom <= value <= top or _close(value, bottom) or _close(value, top)

    return run


def _logic(node: Logic) -> Compiled:
    """Three-valued: a missing side decides nothing unless the other side settles the answer alone."""
    left, right = _compile(node.left), _compile(node.right)
    if node.op == "and":

        def both(ctx: Context) -> Value:
            a = left(ctx)
            if a is False:
                return False
            b = right(ctx)
            if b is False:
                return False
            return None if a is None or b is None else True

        return both
    negate_left = node.op == "implies"  # P implies Q is (not P) or Q

    def either(ctx: Context) -> Value:
        a = left(ctx)
        if negate_left and a is not None:
            a = not a
        if a is True:
            return True
        b = right(ctx)
        if b is True:
            return True
        return None if a is None or b is None else False

    return either


def _number(value: Value) -> float | None:
    return None if value is None else float(value)


_COMBINE: dict[str, Callable[[list[float]], float]] = {"abs": lambda xs: abs(xs[0]), "min": min, "max": max}


def _operand(node: Node) -> Compiled:
    """A side of a comparison, whose value the comparison shows itself: a call there is not traced."""
    return _call(node, traced=False) if isinstance(node, Call) else _compile(node)


def _call(node: Call, traced: bool = True) -> Compiled:
    if node.name in ("abs", "min", "max"):
        parts = [_compile(arg) for arg in node.args]
        combine = _COMBINE[node.name]

        def run(ctx: Context) -> Value:
            values = [part(ctx) for part in parts]
            if None in values:
                return None
            return combine([float(value) for value in values if value is not None])

        return run
    argument = node.args[0]
    assert isinstance(argument, Ref)  # the parser allows only an indicator code here
    inner = _SERIES[node.name](argument.code)
    if not traced or node.name in BOOLEAN_FUNCTIONS:
        return inner  # these record their own operands when explaining
    label = format_rule(node)

    def tracing(ctx: Context) -> Value:
        value = inner(ctx)
        if ctx.seen is not None:
            ctx.seen.append((label, _number(value)))
        return value

    return tracing


def _change(code: str, earlier: Callable[[str], str]) -> Compiled:
    def run(ctx: Context) -> Value:
        get = ctx.values.get
        now = get((code, ctx.region, ctx.period, ctx.dims))
        then = get((code, ctx.region, earlier(ctx.period), ctx.dims))
        if now is None or then is None or then == 0:
            return None
        return (now / then - 1) * 100

    return run


def _at(code: str, earlier: Callable[[str], str]) -> Compiled:
    return lambda ctx: ctx.values.get((code, ctx.region, earlier(ctx.period), ctx.dims))


def _sum_children(code: str) -> Compiled:
    def run(ctx: Context) -> Value:
        kids = ctx.children(ctx.region)
        found = [ctx.values.get((code, kid, ctx.period, ctx.dims)) for kid in kids]
        known = [value for value in found if value is not None]
        if ctx.seen is not None and kids:
            ctx.seen.append((f"sum_children({code}): children reporting", float(len(known))))
        # Compared only once every child has reported: a partial sum says nothing about the total.
        if not kids or len(known) < len(kids):
            return None
        return sum(known)

    return run


def _nondecreasing(code: str) -> Compiled:
    def run(ctx: Context) -> Value:
        now = ctx.values.get((code, ctx.region, ctx.period, ctx.dims))
        if now is None:
            return None
        for shorter in shorter_to_date(ctx.period):
            before = ctx.values.get((code, ctx.region, shorter, ctx.dims))
            if before is not None:
                if ctx.seen is not None:
                    ctx.seen += ((f"{code} {ctx.period}", now), (f"{code} {shorter}", before))
                return now >= before
        return None

    return run


def _present(code: str) -> Compiled:
    def run(ctx: Context) -> Value:
        value = ctx.values.get((code, ctx.region, ctx.period, ctx.dims))
        if ctx.seen is not None:
            ctx.seen.append((code, value))
        return value is not None

    return run


def _median(values: list[float]) -> float:
    values.sort()  # the lists are the caller's own
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _mzscore(code: str) -> Compiled:
    def run(ctx: Context) -> Value:
        get, region, dims = ctx.values.get, ctx.region, ctx.dims
        now = get((code, region, ctx.period, dims))
        if now is None:
            return None
        found = [get((code, region, earlier, dims)) for earlier in history(ctx.period)]
        known = [value for value in found if value is not None]
        if len(known) < MINIMUM_HISTORY:
            return None
        middle = _median(known)
        spread = _median([abs(value - middle) for value in known])
        if spread == 0:
            return None
        return 0.6745 * (now - middle) / spread

    return run


_SERIES: dict[str, Callable[[str], Compiled]] = {
    "yoy": lambda code: _change(code, year_before),
    "pop": lambda code: _change(code, period_before),
    "last_year": lambda code: _at(code, year_before),
    "previous": lambda code: _at(code, period_before),
    "sum_children": _sum_children,
    "cumulative_nondecreasing": _nondecreasing,
    "present": _present,
    "required": _present,
    "mzscore": _mzscore,
}


# ---- running rules -------------------------------------------------------------------------------------


# From this many submitted values the rules run over arrays (audit.arrays), with the same findings.
ARRAYS_FROM = 2000


def evaluate(
    rules: Sequence[Rule],
    submitted: Mapping[Key, float] | Submitted,
    *,
    store: Store,
    regions: Regions,
    expected: Collection[Key] = (),
) -> list[Finding]:
    """Run every rule at each of its anchors over the submitted values (overlaid on the store's) and return
    a finding for each anchor where a rule does not hold. `expected` are the keys a complete submission
    holds: the anchors of rules using required()."""
    children = _remembered(regions)
    if len(submitted) >= ARRAYS_FROM:
        # Imported here: the array evaluator builds on this module's one-value evaluator.
        from citybase.audit.arrays import Submitted, evaluate_columns

        columns = submitted if isinstance(submitted, Submitted) else Submitted.from_mapping(submitted)
        found = evaluate_columns(rules, columns, store=store, children=children, expected=expected)
        if found is not None:
            return found
    if not isinstance(submitted, Mapping):
        submitted = submitted.mapping()
    anchors = _anchors(rules, submitted, expected)
    values = dict(submitted)
    reads = [({key[1] for key in keys}, {key[2] for key in keys}) if keys else None for keys in anchors]
    for codes, places, first, last in plan_reads(rules, reads, children):
        for key, value in store.fetch(codes, places, first, last).items():
            values.setdefault(key, value)  # the submission overrides what is stored
    findings: list[Finding] = []
    for rule, keys in zip(rules, anchors, strict=True):
        ctx = Context(values, children)
        check = rule.check
        for key in keys:
            _, ctx.region, ctx.period, ctx.dims = key
            if check(ctx) is False:
                findings.append(explain(rule, key, values, children))
    return findings


def _remembered(regions: Regions) -> Callable[[str], list[str]]:
    memo: dict[str, list[str]] = {}

    def children(code: str) -> list[str]:
        found = memo.get(code)
        if found is None:
            found = memo[code] = list(regions.children(code))
        return found

    return children


def _anchors(
    rules: Sequence[Rule], submitted: Mapping[Key, float], expected: Collection[Key]
) -> list[list[Key]]:
    """Each rule's anchors: the submitted keys of its anchor indicator, or the expected ones for a
    completeness rule (a missing value has no submitted key to anchor on)."""
    wanted = {rule.anchor for rule in rules}
    given: dict[str, list[Key]] = {code: [] for code in wanted}
    due: dict[str, list[Key]] = {code: [] for code in wanted}
    for source, target in ((submitted, given), (expected, due)):
        for key in source:
            bucket = target.get(key[0])
            if bucket is not None:
                bucket.append(key)
    return [due[rule.anchor] if "required" in rule.functions else given[rule.anchor] for rule in rules]


def plan_reads(
    rules: Sequence[Rule],
    anchors: Sequence[tuple[set[str], set[str]] | None],
    children: Callable[[str], list[str]],
) -> list[tuple[set[str], set[str], int, int]]:
    """The store reads all rules need: indicators, regions and a month range each, from each rule's
    anchors' regions and periods (None without anchors). A rule whose regions lie within another read's
    joins it, so a typical submission is read in one or two calls."""
    needs: list[tuple[frozenset[str], set[str], int, int]] = []
    for rule, found in zip(rules, anchors, strict=True):
        if found is None:
            continue
        places, texts = set(found[0]), found[1]
        if "sum_children" in rule.functions:
            places |= {kid for place in list(places) for kid in children(place)}
        earliest = set(texts)
        if rule.functions & {"yoy", "last_year"}:
            earliest |= {year_before(text) for text in texts}
        if rule.functions & {"pop", "previous"}:
            earliest |= {period_before(text) for text in texts}
        if "mzscore" in rule.functions:
            earliest |= {history(text)[-1] for text in texts}
        first = min(period_of(text).first_month_index for text in earliest)
        last = max(period_of(text).last_month_index for text in texts)
        needs.append((frozenset(places), set(rule.indicators), first, last))
    plans: list[tuple[frozenset[str], set[str], int, int]] = []
    for where, codes, first, last in sorted(needs, key=lambda need: -len(need[0])):
        for number, (known, known_codes, known_first, known_last) in enumerate(plans):
            if where <= known:
                plans[number] = (known, known_codes | codes, min(first, known_first), max(last, known_last))
                break
        else:
            plans.append((where, codes, first, last))
    return [(codes, set(where), first, last) for where, codes, first, last in plans]


class _Recording:
    """The values, noting every key read: what a finding highlights."""

    __slots__ = ("read", "values")

    def __init__(self, values: Values) -> None:
        self.values = values
        self.read: list[Key] = []

    def get(self, key: Key, /) -> float | None:
        self.read.append(key)
        return self.values.get(key)


def explain(rule: Rule, key: Key, values: Values, children: Callable[[str], list[str]]) -> Finding:
    recording = _Recording(values)
    ctx = Context(recording, children)
    ctx.region, ctx.period, ctx.dims = key[1], key[2], key[3]
    ctx.seen = []
    rule.check(ctx)
    return Finding(
        rule=rule.spec.code,
        severity=rule.spec.severity,
        key=key,
        involved=tuple(dict.fromkeys(item for item in recording.read if item in values)),
        values=tuple(dict.fromkeys(ctx.seen)),
        expected=rule.expected,
    )
