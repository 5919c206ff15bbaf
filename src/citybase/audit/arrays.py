"""Rules checked at all their anchors at once, as numpy arrays: how a large submission is audited.

Keys are numbered part by part (indicator, region, period, breakdown) and packed into one integer, so the
values a rule reads at every anchor are found with one sorted search. A rule runs as array operations that
repeat the one-value evaluator's arithmetic, comparisons and three-valued logic operation for operation;
each anchor where a rule does not hold is checked once more by the one-value evaluator, which explains it.
A rule using a function not written here runs through the one-value evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

import numpy
from numpy.typing import NDArray

from citybase.audit.evaluate import (
    EPSILON,
    HISTORY,
    MINIMUM_HISTORY,
    Context,
    Rule,
    Store,
    explain,
    history,
    period_before,
    plan_reads,
    year_before,
)
from citybase.audit.language import Arith, Between, Call, Compare, Logic, Neg, Node, Not, Num, Ref
from citybase.audit.model import Finding, Key

Floats = NDArray[numpy.float64]
Flags = NDArray[numpy.bool_]
Ints = NDArray[numpy.int64]
Pair = tuple[Any, Flags]  # values (or truths) and whether each is known


class Submitted:
    """Submitted values as columns of their keys' parts: how a million values reach the evaluator without
    a dictionary of a million keys. Keys are expected to be distinct (as checked values are)."""

    def __init__(
        self,
        indicators: Sequence[str],
        regions: Sequence[str],
        periods: Sequence[str],
        dims: Sequence[str],
        values: Sequence[float],
    ) -> None:
        self.parts = (indicators, regions, periods, dims)
        self.values = values

    @classmethod
    def from_mapping(cls, submitted: Mapping[Key, float]) -> Submitted:
        keys = list(submitted)
        indicators, regions, periods, dims = (list(map(itemgetter(place), keys)) for place in range(4))
        return cls(indicators, regions, periods, dims, list(map(submitted.__getitem__, keys)))

    @classmethod
    def numbered_as(
        cls,
        parts: tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]],
        values: Sequence[float],
        numbered: tuple[list[dict[str, int]], list[Ints]],
    ) -> Submitted:
        """Columns whose numbering is already known, as `numbered` would find it (the column-wise check of a
        long table numbers the same parts on its way)."""
        submitted = cls(*parts, values)
        submitted.__dict__["numbered"] = numbered  # what the cached property would compute
        return submitted

    def __len__(self) -> int:
        return len(self.values)

    def mapping(self) -> dict[Key, float]:
        return dict(zip(zip(*self.parts, strict=True), self.values, strict=True))

    @cached_property
    def numbered(self) -> tuple[list[dict[str, int]], list[Ints]]:
        """Each part's numbering (text → number, in order of appearance) and the parts as numbers."""
        numberings: list[dict[str, int]] = []
        codes: list[Ints] = []
        for column in self.parts:
            numbering = {text: number for number, text in enumerate(dict.fromkeys(column))}
            numberings.append(numbering)
            if len(numbering) == 1:
                codes.append(numpy.zeros(len(column), dtype=numpy.int64))
            else:
                found = map(numbering.__getitem__, column)
                codes.append(numpy.fromiter(found, dtype=numpy.int64, count=len(column)))
        return numberings, codes

    def positions(self, keys: Collection[Key]) -> dict[Key, int]:
        """Where each of `keys` that was submitted stands among the submitted values."""
        numberings, codes = self.numbered
        spans = [len(numbering) for numbering in numberings]
        wanted: dict[int, Key] = {}
        for key in keys:
            numbers = [numbering.get(part) for numbering, part in zip(numberings, key, strict=True)]
            if None not in numbers:
                wanted[_pack_one(numbers, spans)] = key  # type: ignore[arg-type]
        if not wanted:
            return {}
        packed = _pack(codes, spans)
        found = numpy.flatnonzero(numpy.isin(packed, numpy.fromiter(wanted, dtype=numpy.int64)))
        return {wanted[int(packed[at])]: int(at) for at in found}


def distinct_numbers(numbers: Ints) -> tuple[Ints, Ints]:
    """What numpy.unique(numbers, return_inverse=True) gives, found by counting rather than sorting when the
    numbers are small and not negative (as the numbers of a submission's texts are)."""
    if not len(numbers) or numbers.min() < 0 or numbers.max() > 4 * len(numbers):
        distinct, inverse = numpy.unique(numbers, return_inverse=True)
        return distinct, inverse.reshape(-1)
    distinct = numpy.flatnonzero(numpy.bincount(numbers))
    rank = numpy.zeros(int(distinct[-1]) + 1, dtype=numpy.int64)
    rank[distinct] = numpy.arange(len(distinct))
    return distinct.astype(numbers.dtype, copy=False), rank[numbers]


class _Unsuitable(Exception):
    """The values cannot be put in arrays faithfully (keys too many to pack, numbers not all floats)."""


def _pack_one(numbers: Sequence[int], spans: Sequence[int]) -> int:
    packed = 0
    for number, span in zip(numbers, spans, strict=True):
        packed = packed * span + number
    return packed


def _pack(codes: Sequence[Ints], spans: Sequence[int]) -> Ints:
    packed = codes[0].copy()
    for column, span in zip(codes[1:], spans[1:], strict=True):
        packed *= span
        packed += column
    return packed


class _Table:
    """Every value a rule may read (the submitted over the stored), found by packed key, many at once."""

    def __init__(self, submitted: Submitted, stored: dict[Key, float]) -> None:
        numberings, codes = submitted.numbered
        numberings = [dict(numbering) for numbering in numberings]  # the submission's stay as they are
        for key in stored:
            for numbering, part in zip(numberings, key, strict=True):
                numbering.setdefault(part, len(numbering))
        spans = [max(len(numbering), 1) for numbering in numberings]
        total = 1
        for span in spans:
            total *= span
        if total >= 1 << 62:
            raise _Unsuitable
        if (set(map(type, submitted.values)) | set(map(type, stored.values()))) - {float}:
            raise _Unsuitable  # ints (and bools) compute exactly in Python: leave them to it
        packed = _pack(codes, spans)
        if stored:
            stored_codes = [
                numpy.fromiter(map(numbering.__getitem__, column), dtype=numpy.int64, count=len(stored))
                for numbering, column in zip(numberings, zip(*stored, strict=True), strict=True)
            ]
            packed = numpy.concatenate([packed, _pack(stored_codes, spans)])
        every = numpy.array(submitted.values, dtype=numpy.float64)
        if stored:
            every = numpy.concatenate([every, numpy.array(list(stored.values()), dtype=numpy.float64)])
        if numpy.isnan(every).any():
            raise _Unsuitable
        order = numpy.argsort(packed, kind="stable")
        self.keys, self.values = packed[order], every[order]
        # The submission overrides the store: of equal keys the submitted (first in a stable sort) is kept.
        repeated = numpy.flatnonzero(self.keys[1:] == self.keys[:-1]) + 1
        if len(repeated):
            if (order[repeated] < len(submitted)).any():
                raise _Unsuitable  # the submission repeats a key
            self.keys, self.values = numpy.delete(self.keys, repeated), numpy.delete(self.values, repeated)
        self.numberings, self.spans = numberings, spans

    def number(self, part: int, text: str) -> int:
        return self.numberings[part].get(text, -1)

    def find(self, indicator: int, regions: Ints, periods: Ints, dims: Ints) -> tuple[Floats, Flags]:
        """The values at these keys (NaN where absent) and which are present; -1 is a part never seen."""
        count = len(regions)
        if indicator < 0 or not len(self.keys):
            return numpy.full(count, numpy.nan), numpy.zeros(count, dtype=bool)
        valid = (regions >= 0) & (periods >= 0) & (dims >= 0)
        packed = ((indicator * self.spans[1] + regions) * self.spans[2] + periods) * self.spans[3] + dims
        at = numpy.minimum(numpy.searchsorted(self.keys, packed), len(self.keys) - 1)
        known = valid & (self.keys[at] == packed)
        return numpy.where(known, self.values[at], numpy.nan), known

    def get(self, key: Key, /) -> float | None:
        numbers = [numbering.get(part) for numbering, part in zip(self.numberings, key, strict=True)]
        if None in numbers or not len(self.keys):
            return None
        packed = _pack_one(numbers, self.spans)  # type: ignore[arg-type]
        at = int(numpy.searchsorted(self.keys, packed))
        if at < len(self.keys) and int(self.keys[at]) == packed:
            return float(self.values[at])
        return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self.get(key) is not None


@dataclass
class _Anchors:
    """Where a rule is checked: its anchors' regions, periods and breakdowns, as numbers of the table's."""

    table: _Table
    regions: Ints
    periods: Ints
    dims: Ints
    children: Callable[[str], list[str]]
    region_texts: list[str]
    period_texts: list[str]

    def __len__(self) -> int:
        return len(self.regions)

    def find(self, code: str, regions: Ints | None = None, periods: Ints | None = None) -> Pair:
        return self.table.find(
            self.table.number(0, code),
            self.regions if regions is None else regions,
            self.periods if periods is None else periods,
            self.dims,
        )

    def shifted(self, shift: Callable[[str], str]) -> Ints:
        """The anchors' periods moved by `shift` (a year back, one period back), as numbers."""
        distinct, inverse = distinct_numbers(self.periods)
        moved = [self.table.number(2, shift(self.period_texts[number])) for number in distinct.tolist()]
        return numpy.asarray(moved, dtype=numpy.int64)[inverse]


Evaluated = Callable[[_Anchors], Pair]


def evaluate_columns(
    rules: Sequence[Rule],
    submitted: Submitted,
    *,
    store: Store,
    children: Callable[[str], list[str]],
    expected: Collection[Key] = (),
) -> list[Finding] | None:
    """What `evaluate` finds, computed over arrays; None when the values cannot be put in arrays."""
    numberings, codes = submitted.numbered
    indicator_numbers = numberings[0]
    anchor_positions = [
        numpy.flatnonzero(codes[0] == indicator_numbers[rule.anchor])
        if rule.anchor in indicator_numbers
        else numpy.zeros(0, dtype=numpy.int64)
        for rule in rules
    ]
    due: dict[str, list[Key]] = {rule.anchor: [] for rule in rules if "required" in rule.functions}
    for key in expected:
        bucket = due.get(key[0])
        if bucket is not None:
            bucket.append(key)
    region_texts, period_texts = list(numberings[1]), list(numberings[2])
    reads: list[tuple[set[str], set[str]] | None] = []
    for rule, positions in zip(rules, anchor_positions, strict=True):
        if "required" in rule.functions:
            expected_keys = due[rule.anchor]
            places_and_periods = ({key[1] for key in expected_keys}, {key[2] for key in expected_keys})
            reads.append(places_and_periods if expected_keys else None)
        elif len(positions):
            places = distinct_numbers(codes[1][positions])[0].tolist()
            texts = distinct_numbers(codes[2][positions])[0].tolist()
            reads.append(({region_texts[n] for n in places}, {period_texts[n] for n in texts}))
        else:
            reads.append(None)
    stored: dict[Key, float] = {}
    for indicators, places, first, last in plan_reads(rules, reads, children):
        for key, value in store.fetch(indicators, places, first, last).items():
            stored.setdefault(key, value)
    try:
        table = _Table(submitted, stored)
    except _Unsuitable:
        return None
    dims_texts = list(numberings[3])
    findings: list[Finding] = []
    for rule, positions in zip(rules, anchor_positions, strict=True):
        keys: Sequence[Key]
        if "required" in rule.functions:
            keys = due[rule.anchor]
        else:
            evaluated = _array_rule(rule.ast)
            if evaluated is not None and len(positions):
                anchors = _Anchors(
                    table, codes[1][positions], codes[2][positions], codes[3][positions], children,
                    region_texts, period_texts,
                )  # fmt: skip
                with numpy.errstate(all="ignore"):
                    truth, known = evaluated(anchors)
                positions = positions[known & ~truth]  # the rest hold, or do not apply
            keys = [
                (rule.anchor, region_texts[r], period_texts[p], dims_texts[d])
                for r, p, d in zip(
                    codes[1][positions].tolist(),
                    codes[2][positions].tolist(),
                    codes[3][positions].tolist(),
                    strict=True,
                )
            ]
        ctx = Context(table, children)
        check = rule.check
        for key in keys:
            _, ctx.region, ctx.period, ctx.dims = key
            if check(ctx) is False:
                findings.append(explain(rule, key, table, children))
    return findings


# ---- rules as array operations -------------------------------------------------------------------------

_NUMBER, _BOOLEAN = "number", "boolean"


def _array_rule(node: Node) -> Evaluated | None:
    compiled = _node(node)
    if compiled is None or compiled[0] != _BOOLEAN:
        return None
    return compiled[1]


def _node(node: Node) -> tuple[str, Evaluated] | None:
    if isinstance(node, Num):
        constant = node.value
        return _NUMBER, lambda at: (numpy.full(len(at), constant), numpy.ones(len(at), dtype=bool))
    if isinstance(node, Ref):
        code = node.code
        return _NUMBER, lambda at: at.find(code)
    if isinstance(node, Neg | Not):
        kind, operation = (
            (_NUMBER, numpy.negative) if isinstance(node, Neg) else (_BOOLEAN, numpy.logical_not)
        )
        inner = _typed(node.operand, kind)
        if inner is None:
            return None
        operand = inner
        return kind, lambda at: _apply(operand(at), operation)
    if isinstance(node, Arith):
        return _arith(node)
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, Between):
        return _between(node)
    if isinstance(node, Logic):
        return _logic(node)
    return _call(node)


def _typed(node: Node, kind: str) -> Evaluated | None:
    compiled = _node(node)
    return compiled[1] if compiled is not None and compiled[0] == kind else None


def _apply(pair: Pair, operation: Callable[[Any], Any]) -> Pair:
    return operation(pair[0]), pair[1]


def _arith(node: Arith) -> tuple[str, Evaluated] | None:
    left, right = _typed(node.left, _NUMBER), _typed(node.right, _NUMBER)
    if left is None or right is None:
        return None
    op = node.op

    def run(at: _Anchors) -> Pair:
        (a, known_a), (b, known_b) = left(at), right(at)
        known = known_a & known_b
        if op == "+":
            return a + b, known
        if op == "-":
            return a - b, known
        if op == "*":
            return a * b, known
        return a / b, known & (b != 0)  # a division by zero is not applicable

    return (_NUMBER, run) if op in "+-*/" else None


def _close(a: Floats, b: Floats) -> Flags:
    scale = numpy.maximum(numpy.maximum(numpy.abs(a), numpy.abs(b)), 1.0)
    return numpy.asarray(numpy.abs(a - b) <= EPSILON * scale)


def _holds(node: Compare) -> Callable[[Floats, Floats], Flags] | None:
    op, tolerance = node.op, node.tolerance
    if tolerance is None:
        exact: dict[str, Callable[[Floats, Floats], Flags]] = {
            "=": lambda a, b: (a == b) | _close(a, b),
            "!=": lambda a, b: (a != b) & ~_close(a, b),
            "<": lambda a, b: (a < b) & ~_close(a, b),
            "<=": lambda a, b: (a <= b) | _close(a, b),
            ">": lambda a, b: (a > b) & ~_close(a, b),
            ">=": lambda a, b: (a >= b) | _close(a, b),
        }
        return exact.get(op)
    amount = tolerance.amount
    share = amount / 100

    def allowed(b: Floats) -> Any:
        return numpy.abs(b) * share if tolerance.relative else amount

    within: dict[str, Callable[[Floats, Floats], Flags]] = {
        "=": lambda a, b: numpy.abs(a - b) <= allowed(b),
        "!=": lambda a, b: numpy.abs(a - b) > allowed(b),
        "<": lambda a, b: a < b + allowed(b),
        "<=": lambda a, b: a <= b + allowed(b),
        ">": lambda a, b: a > b - allowed(b),
        ">=": lambda a, b: a >= b - allowed(b),
    }
    return within.get(op)


def _compare(node: Compare) -> tuple[str, Evaluated] | None:
    left, right, holds = _typed(node.left, _NUMBER), _typed(node.right, _NUMBER), _holds(node)
    if left is None or right is None or holds is None:
        return None

    def run(at: _Anchors) -> Pair:
        (a, known_a), (b, known_b) = left(at), right(at)
        return holds(a, b), known_a & known_b

    return _BOOLEAN, run


def _between(node: Between) -> tuple[str, Evaluated] | None:
    parts = [_typed(part, _NUMBER) for part in (node.subject, node.low, node.high)]
    if None in parts:
        return None
    subject, low, high = (part for part in parts if part is not None)

    def run(at: _Anchors) -> Pair:
        (value, known_value), (bottom, known_bottom), (top, known_top) = subject(at), low(at), high(at)
        inside = (bottom <= value) & (value <= top) | _close(value, bottom) | _close(value, top)
        return inside, known_value & known_bottom & known_top

    return _BOOLEAN, run


def _logic(node: Logic) -> tuple[str, Evaluated] | None:
    """Three-valued, as the one-value evaluator: a missing side decides nothing unless the other settles."""
    left, right = _typed(node.left, _BOOLEAN), _typed(node.right, _BOOLEAN)
    if left is None or right is None:
        return None
    op = node.op

    def run(at: _Anchors) -> Pair:
        (a, known_a), (b, known_b) = left(at), right(at)
        if op == "and":
            false = (known_a & ~a) | (known_b & ~b)
            known = false | (known_a & known_b)
            return known & ~false, known
        if op == "implies":
            a = ~a
        true = (known_a & a) | (known_b & b)
        return true, true | (known_a & known_b)

    return (_BOOLEAN, run) if op in ("and", "or", "implies") else None


def _call(node: Call) -> tuple[str, Evaluated] | None:
    if node.name in ("abs", "min", "max"):
        return _combine(node)
    argument = node.args[0]
    if not isinstance(argument, Ref):
        return None
    code = argument.code
    if node.name in ("yoy", "pop"):
        earlier = year_before if node.name == "yoy" else period_before
        return _NUMBER, lambda at: _change(at, code, earlier)
    if node.name in ("last_year", "previous"):
        earlier = year_before if node.name == "last_year" else period_before
        return _NUMBER, lambda at: at.find(code, periods=at.shifted(earlier))
    if node.name == "present":
        return _BOOLEAN, lambda at: (at.find(code)[1], numpy.ones(len(at), dtype=bool))
    if node.name == "sum_children":
        return _NUMBER, lambda at: _sum_children(at, code)
    if node.name == "mzscore":
        return _NUMBER, lambda at: _mzscore(at, code)
    return None  # required (anchored on expected keys) and cumulative_nondecreasing: one value at a time


def _combine(node: Call) -> tuple[str, Evaluated] | None:
    parts = [_typed(arg, _NUMBER) for arg in node.args]
    if None in parts or not parts:
        return None
    compiled = [part for part in parts if part is not None]
    name = node.name

    def run(at: _Anchors) -> Pair:
        found = [part(at) for part in compiled]
        known = numpy.logical_and.reduce([pair[1] for pair in found])
        if name == "abs":
            return numpy.abs(found[0][0]), known
        result = found[0][0]
        for value, _known in found[1:]:  # as min() and max() do: a later value only if strictly beyond
            result = numpy.where(value < result if name == "min" else value > result, value, result)
        return result, known

    return _NUMBER, run


def _change(at: _Anchors, code: str, earlier: Callable[[str], str]) -> Pair:
    now, known_now = at.find(code)
    then, known_then = at.find(code, periods=at.shifted(earlier))
    return (now / then - 1) * 100, known_now & known_then & (then != 0)


def _sum_children(at: _Anchors, code: str) -> Pair:
    distinct, inverse = distinct_numbers(at.regions)
    kids = [
        [at.table.number(1, kid) for kid in at.children(at.region_texts[region])]
        for region in distinct.tolist()
    ]
    widest = max(map(len, kids), default=0)
    grid = numpy.full((len(kids), max(widest, 1)), -1, dtype=numpy.int64)
    for row, found in enumerate(kids):
        grid[row, : len(found)] = found
    counts = numpy.asarray(list(map(len, kids)), dtype=numpy.int64)[inverse]
    total = numpy.zeros(len(at))  # sum() starts from 0 and adds in the children's order
    reporting = numpy.zeros(len(at), dtype=numpy.int64)
    for place in range(widest):
        value, known = at.find(code, regions=grid[inverse, place])
        known &= place < counts
        total = numpy.where(known, total + value, total)
        reporting += known
    return total, (counts > 0) & (reporting == counts)


def _mzscore(at: _Anchors, code: str) -> Pair:
    now, known_now = at.find(code)
    distinct, inverse = distinct_numbers(at.periods)
    earlier = [
        [at.table.number(2, text) for text in history(at.period_texts[period])]
        for period in distinct.tolist()
    ]
    grid = numpy.asarray(earlier, dtype=numpy.int64).reshape(len(distinct), HISTORY)
    past = numpy.full((len(at), HISTORY), numpy.nan)
    for step in range(HISTORY):
        value, known = at.find(code, periods=grid[inverse, step])
        past[:, step] = numpy.where(known, value, numpy.nan)
    counts = (~numpy.isnan(past)).sum(axis=1)
    ordered = numpy.sort(past, axis=1, kind="stable")  # the known first, in order; NaN (absent) last
    middle = _median(ordered, counts)
    spread = _median(numpy.sort(numpy.abs(ordered - middle[:, None]), axis=1, kind="stable"), counts)
    known = known_now & (counts >= MINIMUM_HISTORY) & (spread != 0)
    return 0.6745 * (now - middle) / spread, known


def _median(ordered: Floats, counts: Ints) -> Floats:
    """Each row's median of its first `counts` values (sorted), as the one-value evaluator computes it."""
    rows = numpy.arange(len(ordered))
    half = counts // 2
    upper = ordered[rows, numpy.minimum(half, ordered.shape[1] - 1)]
    lower = ordered[rows, numpy.maximum(half - 1, 0)]
    middle: Floats = numpy.where(counts % 2 == 1, upper, (lower + upper) / 2)
    return middle
