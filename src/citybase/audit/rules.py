"""Audit rules kept in the database: each change is a new version, and a rule can be tried on stored data
before it is switched on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.audit.evaluate import Rule, compile_rule, evaluate
from citybase.audit.language import references
from citybase.audit.model import Finding, Key, RuleSpec, Severity
from citybase.audit.sources import DatabaseStore, IndexRegions
from citybase.audit.tables import audit_rule_versions, audit_rules
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.catalog import indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.storage.metadata import utcnow
from citybase.transform.periods import parse_period


@dataclass(frozen=True)
class RuleRecord:
    code: str
    name: str
    expression: str
    severity: str
    message: str
    group: str
    active: bool
    version: int
    updated_by: str
    updated_at: dt.datetime

    @property
    def spec(self) -> RuleSpec:
        return RuleSpec(self.code, self.name, self.expression, Severity(self.severity), self.message)


def _record(row: Mapping[Any, Any]) -> RuleRecord:
    return RuleRecord(
        code=row["code"],
        name=row["name"],
        expression=row["expression"],
        severity=row["severity"],
        message=row["message"],
        group=row["group_name"],
        active=bool(row["active"]),
        version=row["version"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


def compile_checked(conn: Connection, spec: RuleSpec) -> Rule:
    """Compile a rule and check that every indicator it names exists."""
    if spec.severity not in tuple(Severity):
        raise InvalidInput(
            message(N_("Severity '{severity}' must be error or warning"), severity=spec.severity)
        )
    rule = compile_rule(spec)
    catalog = indicator_catalog(conn)
    unknown = sorted(code for code in references(rule.ast) if catalog.resolve(code) is None)
    if unknown:
        raise InvalidInput(
            message(
                N_("Rule {rule} names unknown indicators: {codes}"), rule=spec.code, codes=", ".join(unknown)
            )
        )
    return rule


def save_rule(
    conn: Connection,
    actor: Actor,
    spec: RuleSpec,
    *,
    group: str = "",
    active: bool | None = None,
) -> RuleRecord:
    """Create a rule, or change one as a new version; an invalid expression is refused and nothing is kept."""
    require(actor, Permission.MANAGE_RULES)
    code = spec.code.strip().upper()
    if not code or not code.replace("_", "").isalnum():
        raise InvalidInput(message(N_("Rule code '{code}' must be letters, digits and _"), code=spec.code))
    spec = RuleSpec(code, spec.name.strip() or code, spec.expression.strip(), spec.severity, spec.message)
    compile_checked(conn, spec)
    now = utcnow()
    existing = conn.execute(select(audit_rules).where(audit_rules.c.code == code)).mappings().first()
    values: dict[str, Any] = {
        "name": spec.name,
        "expression": spec.expression,
        "severity": spec.severity.value,
        "message": spec.message,
        "group_name": group,
        "updated_by": actor.username,
        "updated_at": now,
    }
    if existing is None:
        version = 1
        values["active"] = bool(active)
        rule_id = conn.execute(
            insert(audit_rules).values(code=code, version=1, **values).returning(audit_rules.c.id)
        ).scalar_one()
    else:
        version = existing["version"] + 1
        values["active"] = existing["active"] if active is None else active
        rule_id = existing["id"]
        conn.execute(update(audit_rules).where(audit_rules.c.id == rule_id).values(version=version, **values))
    _keep_version(conn, rule_id, version, values, actor, now)
    record(conn, actor, "rule.saved", "audit_rule", code, {**_ledger(values), "version": version})
    return get_rule(conn, actor, code)


def set_rule_active(conn: Connection, actor: Actor, code: str, active: bool) -> RuleRecord:
    """Switch a rule on or off; the switch is a version of its own."""
    require(actor, Permission.MANAGE_RULES)
    rule = get_rule(conn, actor, code)
    return save_rule(
        conn,
        actor,
        RuleSpec(rule.code, rule.name, rule.expression, Severity(rule.severity), rule.message),
        group=rule.group,
        active=active,
    )


def _keep_version(
    conn: Connection, rule_id: int, version: int, values: Mapping[str, Any], actor: Actor, now: dt.datetime
) -> None:
    conn.execute(
        insert(audit_rule_versions).values(
            rule_id=rule_id,
            version=version,
            name=values["name"],
            expression=values["expression"],
            severity=values["severity"],
            message=values["message"],
            active=values["active"],
            changed_by=actor.username,
            changed_at=now,
        )
    )


def _ledger(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key not in {"updated_at", "updated_by"}}


def get_rule(conn: Connection, actor: Actor, code: str) -> RuleRecord:
    row = (
        conn.execute(select(audit_rules).where(audit_rules.c.code == code.strip().upper())).mappings().first()
    )
    if row is None:
        raise NotFound(message(N_("No audit rule has the code {code}"), code=code))
    return _record(row)


def list_rules(conn: Connection, actor: Actor, *, active_only: bool = False) -> list[RuleRecord]:
    query = select(audit_rules).order_by(audit_rules.c.group_name, audit_rules.c.code)
    if active_only:
        query = query.where(audit_rules.c.active.is_(True))
    return [_record(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class RuleVersion:
    version: int
    name: str
    expression: str
    severity: str
    message: str
    active: bool
    changed_by: str
    changed_at: dt.datetime


def rule_versions(conn: Connection, actor: Actor, code: str) -> list[RuleVersion]:
    rule_id = conn.execute(select(audit_rules.c.id).where(audit_rules.c.code == code.upper())).scalar()
    if rule_id is None:
        raise NotFound(message(N_("No audit rule has the code {code}"), code=code))
    rows = conn.execute(
        select(audit_rule_versions)
        .where(audit_rule_versions.c.rule_id == rule_id)
        .order_by(audit_rule_versions.c.version.desc())
    ).mappings()
    return [
        RuleVersion(
            row["version"],
            row["name"],
            row["expression"],
            row["severity"],
            row["message"],
            bool(row["active"]),
            row["changed_by"],
            row["changed_at"],
        )
        for row in rows
    ]


def active_rules(conn: Connection) -> list[tuple[RuleRecord, Rule]]:
    """The rules that are switched on, compiled; a rule that no longer compiles is skipped, not fatal."""
    compiled: list[tuple[RuleRecord, Rule]] = []
    for rule in list_rules(conn, Actor.system(), active_only=True):
        try:
            compiled.append((rule, compile_rule(rule.spec)))
        except InvalidInput:
            continue
    return compiled


def trial_run(
    conn: Connection,
    actor: Actor,
    spec: RuleSpec,
    *,
    start: str,
    end: str,
    limit: int = 500,
) -> tuple[int, list[Finding]]:
    """Run a rule (saved or not) over the stored values of its anchor indicator between two periods.

    Returns how many values were checked and what the rule would have found, so a rule can be tried on
    real data before it is switched on."""
    require(actor, Permission.MANAGE_RULES)
    rule = compile_checked(conn, spec)
    first, last = parse_period(start), parse_period(end)
    if last.last_month_index < first.first_month_index:
        raise InvalidInput(
            message(N_("The end period {end} is before the start {start}"), start=start, end=end)
        )
    catalog = indicator_catalog(conn)
    store = DatabaseStore(conn, catalog)
    anchor = catalog.resolve(rule.anchor)
    values: dict[Key, float] = {}
    if anchor is not None:
        values = store.fetch_all(anchor[0].code, first.first_month_index, last.last_month_index)
    findings = evaluate([rule], values, store=store, regions=IndexRegions(region_index(conn)))
    return len(values), findings[:limit]
