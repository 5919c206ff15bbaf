"""Auditing a submission: the switched-on rules run over its values (overlaid on the store), and every finding
is pointed back at the sheet cell or JSON path it came from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from operator import itemgetter

from sqlalchemy import Connection

from citybase.audit.arrays import Submitted
from citybase.audit.evaluate import Rule, evaluate
from citybase.audit.model import Finding, Key
from citybase.audit.rules import RuleRecord
from citybase.audit.sources import DatabaseStore, IndexRegions
from citybase.collection.model import AuditLine
from citybase.errors import Problem
from citybase.facts.model import CheckedFact
from citybase.indicators.catalog import IndicatorCatalog
from citybase.messages import N_, message
from citybase.regions.index import RegionIndex

CHECK_RULE = "CHECK"


def problem_lines(problems: Sequence[Problem]) -> list[AuditLine]:
    """Values the store cannot accept (unknown codes, bad numbers, units) as blocking audit lines."""
    return [
        AuditLine(
            rule=CHECK_RULE,
            severity="error",
            location=problem.column or (f"row {problem.row}" if problem.row else ""),
            indicator="",
            region="",
            period="",
            message=problem.message,
            values="",
            expected="",
        )
        for problem in problems
    ]


_COLUMNS = [
    CheckedFact._fields.index(name) for name in ("indicator", "region_code", "period", "dims", "value")
]


def audit_facts(
    conn: Connection,
    checked: Sequence[CheckedFact],
    locations: Sequence[str],
    *,
    rules: Sequence[tuple[RuleRecord, Rule]],
    catalog: IndicatorCatalog,
    regions: RegionIndex,
    expected: Collection[Key] = (),
    columns: Submitted | None = None,
) -> list[AuditLine]:
    """Run `rules` over the checked values; each finding names the rule and version, values and cells.

    `columns`, when given, holds the same values as columns (as the column-wise check made them)."""
    if not rules:
        return []
    # Checked facts are named tuples: their keys' parts and values are read by position, in C, as columns.
    submitted = (
        columns
        if columns is not None
        else Submitted(*(list(map(itemgetter(place), checked)) for place in _COLUMNS))
    )
    findings = evaluate(
        [rule for _record, rule in rules],
        submitted,
        store=DatabaseStore(conn, catalog),
        regions=IndexRegions(regions),
        expected=expected,
    )
    named = {key for finding in findings for key in (finding.key, *finding.involved)}
    where = {key: locations[at] for key, at in submitted.positions(named).items()}
    by_code = {record.code: record for record, _rule in rules}
    return [_line(finding, by_code[finding.rule], where) for finding in findings]


def _line(finding: Finding, rule: RuleRecord, where: dict[Key, str]) -> AuditLine:
    indicator, region, period, _dims = finding.key
    values = "; ".join(f"{name} = {_number(value)}" for name, value in finding.values)
    involved = tuple(where.get(key, f"{key[0]} {key[1]} {key[2]} (store)") for key in finding.involved)
    text = rule.message or rule.name
    return AuditLine(
        rule=f"{rule.code}@v{rule.version}",
        severity=finding.severity.value,
        location=where.get(finding.key, ""),
        indicator=indicator,
        region=region,
        period=period,
        message=message(
            N_("{rule}: {text} (expected {expected})"), rule=rule.code, text=text, expected=finding.expected
        ),
        values=values,
        expected=finding.expected,
        involved=involved,
    )


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.6g}"
