"""Intake: a department's file or JSON batch turned into checked values with an audit report, and kept as a
submission awaiting review. Nothing reaches the central store here; approval publishes (see workflow).

A file that cannot be read (corrupt, password-protected, a zip bomb, no header) is refused outright and
nothing is kept. A file that reads but holds wrong values is kept as a submission whose audit failed, with
every problem pointed at its cell, so the submitter gets one complete report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.audit.rules import active_rules
from citybase.audit.run import audit_facts, problem_lines
from citybase.collection.cells import parse_number
from citybase.collection.extraction import (
    Defaults,
    LongTable,
    Offered,
    RegionResolver,
    detect_by_content,
    extract,
)
from citybase.collection.layout import SheetLayout, detect_layout
from citybase.collection.mapping import ColumnMapping, Vocabulary, describe, map_columns, period_in_title
from citybase.collection.memory import code_map, remember_mapping, remembered_mapping
from citybase.collection.model import AuditLine, Channel, Submission, SubmissionStatus
from citybase.collection.reading import TEMPLATE_META_SHEET as META_SHEET
from citybase.collection.reading import RawSheet, ReadLimits, collector_paused, read_upload
from citybase.collection.sdmx_csv import is_sdmx_csv, read_sdmx_csv
from citybase.collection.staging import Staged, stage
from citybase.collection.store import TaskContext, save_submission, task_context
from citybase.collection.templates import INSTRUCTIONS_SHEET, read_template_meta
from citybase.errors import InvalidInput, Problem
from citybase.facts.checking import FactChecker
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.messages import N_, message
from citybase.regions.index import RegionIndex, region_index


@dataclass
class SheetPlan:
    """One readable sheet, what its columns were mapped to, and its first rows for a preview."""

    layout: SheetLayout
    mapping: list[ColumnMapping]
    period: str | None


@dataclass
class Handed:
    """Values to stage, held only here: `take` empties it, so what the values are read from can be freed."""

    offered: Iterable[Offered]
    tables: list[LongTable] = field(default_factory=list)

    def take(self) -> tuple[Iterable[Offered], list[LongTable]]:
        taken = (self.offered, self.tables)
        self.offered, self.tables = (), []
        return taken


@dataclass
class Intake:
    org: Organisation
    sheets: list[SheetPlan] = field(default_factory=list)
    offered: list[Offered] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    streams: list[Iterable[Offered]] = field(default_factory=list)  # read lazily: see `every_value`
    tables: list[LongTable] = field(default_factory=list)  # long tables, checked column-wise first

    def hand_over(self) -> Handed:
        """Its values and long tables for staging; it lets go of them (and of its sheets' rows), so the rows
        are freed as staging consumes them rather than kept through the audit."""
        handed = Handed(self.every_value(), self.tables)
        self.offered, self.streams, self.tables, self.sheets = [], [], [], []
        return handed

    def every_value(self) -> Iterable[Offered]:
        """The offered values; those of sheets read lazily come as they are read (and their problems join
        `problems` on the way, so read those afterwards). Long tables in `tables` are not among them."""
        return itertools.chain(self.offered, *self.streams)


def read_intake(
    conn: Connection,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    org_code: str,
    period: str | None = None,
    given: Mapping[str, str] | None = None,
    limits: ReadLimits | None = None,
    lazy: bool = False,
) -> Intake:
    """Read, lay out and map a file, without writing anything (the upload page's preview uses this too).

    With `lazy` the values of each sheet are read as they are consumed (see `Intake.every_value`)."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    sheets = read_upload(data, filename, limits=limits or ReadLimits())
    intake = Intake(org)
    catalog = indicator_catalog(conn)
    regions = region_index(conn)
    local = code_map(conn, org.id)
    vocabulary = Vocabulary.build(catalog, local.get("indicator"))
    resolver = RegionResolver(regions, org.region_code, local.get("region", {}))
    for sheet in sheets:
        if sheet.name == META_SHEET:
            intake.meta = read_template_meta(sheet.rows)
    for sheet in sheets:
        if sheet.name in (META_SHEET, INSTRUCTIONS_SHEET):
            continue
        if sheet.rows and is_sdmx_csv([str(cell) for cell in sheet.rows[0]]):
            intake.offered.extend(_sdmx(sheet))
            continue
        _plan_sheet(
            conn, intake, sheet, vocabulary, resolver, period, given, several=len(sheets) > 1, lazy=lazy
        )
    if not intake.sheets and not intake.offered:
        raise InvalidInput(message(N_("No sheet in {file} holds a table of values"), file=filename))
    return intake


def _plan_sheet(
    conn: Connection,
    intake: Intake,
    sheet: RawSheet,
    vocabulary: Vocabulary,
    resolver: RegionResolver,
    period: str | None,
    given: Mapping[str, str] | None,
    *,
    several: bool,
    lazy: bool,
) -> None:
    try:
        layout = detect_layout(sheet)
    except InvalidInput:
        if several:
            return  # a cover or notes sheet in a workbook of several; the data sheets are read
        raise
    remembered = remembered_mapping(conn, intake.org.id, layout.fingerprint)
    mapping = map_columns(layout, vocabulary, remembered=remembered, given=given)
    mapping = detect_by_content(layout, mapping, resolver, vocabulary)
    title_period = period_in_title(layout.title)
    sheet_period = period or intake.meta.get("period") or (str(title_period) if title_period else None)
    found = extract(
        layout,
        mapping,
        resolver=resolver,
        vocabulary=vocabulary,
        defaults=Defaults(region=intake.org.region_code, period=sheet_period),
        lazy=lazy,
        problems=intake.problems,
    )
    intake.sheets.append(SheetPlan(layout, mapping, sheet_period))
    if found.table is not None:
        intake.tables.append(found.table)
    elif lazy:
        intake.streams.append(found.values)
    else:
        intake.offered.extend(found.values)


def _sdmx(sheet: RawSheet) -> list[Offered]:
    offered: list[Offered] = []
    for item in read_sdmx_csv(sheet.rows, first_row=sheet.first_row):
        parsed = parse_number(item.value) if item.value not in ("", "NaN") else None
        if parsed is None:
            continue
        offered.append(
            Offered(
                item.indicator,
                item.region,
                item.period,
                item.dims,
                item.unit,
                parsed.value,
                item.status,
                item.note,
                f"{sheet.name}!{item.row}",
            )
        )
    return offered


@dataclass(frozen=True)
class IntakeResult:
    submission: Submission
    lines: list[AuditLine]


def submit_upload(
    conn: Connection,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    org_code: str,
    channel: Channel = Channel.UPLOAD,
    period: str | None = None,
    task: str | None = None,
    given: Mapping[str, str] | None = None,
    limits: ReadLimits | None = None,
    explanation: str = "",
    corrects: int | None = None,
    reason: str = "",
    cumulative: bool = False,
    cumulative_columns: Collection[str] = (),
    draft: bool = False,
) -> IntakeResult:
    """Read, map, check and audit an uploaded file; keep it as a submission (under review or audit failed),
    or with `draft` as a draft: checked but not audited, and not submitted.

    `cumulative` marks every value year-to-date (年初累计), `cumulative_columns` those of some columns
    ("Sheet!C")."""
    context = None
    if task:
        # The task's open period is the default for values that name none.
        context = task_context(conn, actor, task, find_organisation(conn, org_code), period)
    intake = read_intake(
        conn,
        actor,
        data,
        filename,
        org_code=org_code,
        period=period or (context.period if context else None),
        given=given,
        limits=limits,
        lazy=True,  # a long table is checked as it is read, never held whole as offered values
    )
    if context is None:
        context = task_context(
            conn, actor, intake.meta.get("task"), intake.org, period or intake.meta.get("period")
        )
    kind = "csv" if filename.lower().endswith((".csv", ".txt", ".tsv")) else "xlsx"
    mapping: dict[str, str] = {}
    for plan in intake.sheets:
        mapping.update(describe(plan.mapping))
    layouts = [(plan.layout.fingerprint, describe(plan.mapping)) for plan in intake.sheets]
    # Millions of short-lived objects that form no cycles: the collector would only walk them again and
    # again (a fifth of a million-value import).
    with collector_paused():
        result = _check_audit_and_save(
            conn,
            actor,
            intake.org,
            intake.hand_over(),
            intake.problems,
            context=context,
            channel=channel,
            filename=filename,
            kind=kind,
            content=data,
            period=period,
            mapping=mapping,
            explanation=explanation,
            corrects=corrects,
            reason=reason,
            draft=draft,
            cumulative=_marked(cumulative_columns, every=cumulative),
        )
    if not any(problem.code == "unmapped" for problem in intake.problems):
        for fingerprint, described in layouts:
            remember_mapping(conn, actor, intake.org.id, fingerprint, described)
    return result


def submit_items(
    conn: Connection,
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    *,
    org_code: str,
    channel: Channel = Channel.API,
    client_key: str | None = None,
    task: str | None = None,
    period: str | None = None,
    explanation: str = "",
    corrects: int | None = None,
    reason: str = "",
    cumulative: bool = False,
    draft: bool = False,
    draft_id: int | None = None,
) -> IntakeResult:
    """Values sent as JSON by a system or the data-entry grid; each is located by its JSON path.

    With `draft` they are kept as a draft; `draft_id` names a draft of the organisation whose values these
    replace (saved again, or submitted with the same number). `cumulative` marks every value year-to-date
    (年初累计), as `"cumulative": true` marks one item."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    from citybase.collection.drafts import editable_draft
    from citybase.collection.store import find_by_client_key, load_lines

    if draft_id is not None:
        replaced = editable_draft(
            conn, actor, draft_id, N_("Submission {id} is {status}; only a draft can be changed")
        )
        if replaced.org_code != org.code:
            raise InvalidInput(message(N_("Submission {id} was made by another organisation"), id=draft_id))

    if client_key:
        previous = find_by_client_key(conn, org.id, client_key)
        if previous is not None:
            return IntakeResult(previous, load_lines(conn, previous.id))
    from citybase.collection.jsonitems import cumulative_paths, offered_from_items

    regions = region_index(conn)
    local = code_map(conn, org.id)
    resolver = RegionResolver(regions, org.region_code, local.get("region", {}))
    offered, problems = offered_from_items(
        items, resolver=resolver, default_period=period, org_region=org.region_code
    )
    context = task_context(conn, actor, task, org, period)
    # A draft keeps the items as sent, so the grid can show them again (cells that are not numbers too).
    kept = draft or draft_id is not None
    with collector_paused():
        return _check_audit_and_save(
            conn,
            actor,
            org,
            Handed(offered),
            problems,
            context=context,
            channel=channel,
            filename="",
            kind="json",
            content=json.dumps(list(items), ensure_ascii=False, default=str).encode() if kept else None,
            period=period,
            mapping={},
            explanation=explanation,
            corrects=corrects,
            reason=reason,
            client_key=client_key,
            draft=draft,
            replacing=draft_id,
            cumulative=_marked(cumulative_paths(items, every=cumulative), every=False),
        )


def _marked(places: Collection[str], *, every: bool) -> Callable[[str], bool] | None:
    """Whether a value's location ("Sheet!C5", "$.items[3]") is in a place marked year-to-date."""
    if every:
        return lambda _location: True
    if not places:
        return None
    wanted = frozenset(places)
    return lambda location: location in wanted or location.rstrip("0123456789") in wanted


def _check_audit_and_save(
    conn: Connection,
    actor: Actor,
    org: Organisation,
    handed: Handed,
    problems: list[Problem],
    *,
    context: TaskContext,
    channel: Channel,
    filename: str,
    kind: str,
    content: bytes | None,
    period: str | None,
    mapping: dict[str, str],
    explanation: str,
    corrects: int | None,
    reason: str,
    client_key: str | None = None,
    draft: bool = False,
    replacing: int | None = None,
    cumulative: Callable[[str], bool] | None = None,
) -> IntakeResult:
    catalog = indicator_catalog(conn)
    regions = region_index(conn)
    checker = FactChecker(catalog, regions, org.code)
    offered, tables = handed.take()
    staged = stage(
        offered,
        checker,
        region_allowed=_area_check(regions, org, actor),
        cumulative=cumulative,
        tables=tables,
    )
    del offered, tables  # what the values were read from is no longer needed
    if not staged.offered and not problems:
        raise InvalidInput(message(N_("The submission holds no values")))
    lines = problem_lines([*problems, *staged.problems])
    if draft:
        # A draft is only read and checked; the audit runs when it is submitted.
        status = SubmissionStatus.DRAFT
    else:
        context, audited = audit_staged(conn, context, staged, catalog=catalog, regions=regions)
        staged.columns = None  # the audit's columns: gone before the values are written
        lines += audited
        errors = sum(1 for line in lines if line.severity == "error")
        status = SubmissionStatus.AUDIT_FAILED if errors else SubmissionStatus.UNDER_REVIEW
    submission = save_submission(
        conn,
        actor,
        org,
        staged,
        lines,
        context=context,
        status=status,
        channel=channel.value,
        filename=filename,
        kind=kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest() if content is not None else "",
        period=period,
        mapping=mapping,
        explanation=explanation,
        corrects=corrects,
        reason=reason,
        client_key=client_key,
        replacing=replacing,
    )
    return IntakeResult(submission, lines)


def audit_staged(
    conn: Connection,
    context: TaskContext,
    staged: Staged,
    *,
    catalog: IndicatorCatalog,
    regions: RegionIndex,
) -> tuple[TaskContext, list[AuditLine]]:
    """The audit rules' findings on checked values, and who reviews them (outside a task, the authority)."""
    if context.task_period_id is None:
        context = _reviewed_by_authority(conn, context, catalog, staged)
    lines = audit_facts(
        conn,
        staged.facts,
        staged.locations,
        rules=active_rules(conn),
        catalog=catalog,
        regions=regions,
        expected=context.expected_keys(catalog, staged),
        columns=staged.columns,
    )
    return context, lines


def _reviewed_by_authority(
    conn: Connection, context: TaskContext, catalog: IndicatorCatalog, staged: Staged
) -> TaskContext:
    """Outside a task, the indicators' authoritative department (数源部门) reviews, when they share one."""
    authorities = {
        catalog.by_id[number].authoritative_org for number in set(map(itemgetter(0), staged.facts))
    }
    if len(authorities) != 1:
        return context
    code = authorities.pop()
    if not code:
        return context
    return replace(context, reviewer_org_id=find_organisation(conn, code).id)


def _area_check(regions: RegionIndex, org: Organisation, actor: Actor) -> Any:
    """An organisation reports for its own region and the regions inside it (the platform for any)."""
    memo: dict[str, bool] = {}

    def allowed(code: str) -> bool:
        if org.platform:
            return True
        found = memo.get(code)
        if found is None:
            found = memo[code] = regions.within(code, org.region_code)
        return found

    return allowed


__all__ = [
    "Intake",
    "IntakeResult",
    "SheetPlan",
    "Staged",
    "audit_staged",
    "read_intake",
    "submit_items",
    "submit_upload",
]
