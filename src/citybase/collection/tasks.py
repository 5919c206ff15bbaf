"""Collection tasks (报送任务): which organisations report which indicators for which periods, by when, to
whom; recurring tasks open each new period themselves, and the board shows who has reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations
from citybase.collection.model import SubmissionStatus
from citybase.collection.notifications import notify
from citybase.collection.tables import collection_tasks, submissions, task_indicators, task_orgs, task_periods
from citybase.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.tables import indicators
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.storage.metadata import utcnow
from citybase.transform.periods import Frequency, Period, parse_period

REGION_SCOPES = ("own", "children", "both")


@dataclass(frozen=True)
class Task:
    id: int
    code: str
    name: str
    description: str
    recurrence: str | None
    first_period: str
    deadline_days: int
    reviewer_org_id: int
    reviewer_org: str
    region_scope: str
    two_level: bool
    active: bool
    indicators: tuple[str, ...]
    org_ids: tuple[int, ...]
    org_codes: tuple[str, ...]


@dataclass(frozen=True)
class TaskPeriod:
    id: int
    period: str
    deadline: dt.date


def create_task(
    conn: Connection,
    actor: Actor,
    *,
    code: str,
    name: str,
    indicator_codes: Sequence[str],
    org_codes: Sequence[str],
    first_period: str,
    reviewer_org: str,
    deadline: dt.date | None = None,
    recurrence: str | None = None,
    deadline_days: int = 15,
    region_scope: str = "own",
    two_level: bool = False,
    description: str = "",
    today: dt.date | None = None,
) -> Task:
    """Create a task; its first period opens now (a recurring task opens later ones as they end)."""
    require(actor, Permission.MANAGE_TASKS)
    reviewer = find_organisation(conn, reviewer_org)
    require(actor, Permission.MANAGE_TASKS, reviewer.id, reviewer.code)
    code = code.strip().upper()
    if not code:
        raise InvalidInput(message(N_("The task needs a code")))
    if conn.execute(select(collection_tasks.c.id).where(collection_tasks.c.code == code)).first():
        raise AlreadyExists(message(N_("A task with the code {code} exists already"), code=code))
    if recurrence is not None and recurrence not in {item.value for item in Frequency}:
        raise InvalidInput(
            message(N_("Recurrence '{value}' must be year, half, quarter or month"), value=recurrence)
        )
    if region_scope not in REGION_SCOPES:
        raise InvalidInput(
            message(
                N_("Region scope '{value}' must be one of {allowed}"),
                value=region_scope,
                allowed=", ".join(REGION_SCOPES),
            )
        )
    period = parse_period(first_period)
    catalog = indicator_catalog(conn)
    indicator_ids: list[int] = []
    for item in indicator_codes:
        resolved = catalog.resolve(item.strip().upper())
        if resolved is None:
            raise InvalidInput(message(N_("Unknown indicator {code}"), code=item))
        indicator_ids.append(resolved[0].id)
    if not indicator_ids or not org_codes:
        raise InvalidInput(message(N_("A task names at least one indicator and one organisation")))
    orgs = [find_organisation(conn, org) for org in org_codes]
    task_id = conn.execute(
        insert(collection_tasks)
        .values(
            code=code,
            name=name.strip() or code,
            description=description,
            recurrence=recurrence,
            first_period=str(period),
            deadline_days=deadline_days,
            reviewer_org_id=reviewer.id,
            region_scope=region_scope,
            two_level=two_level,
            created_by=actor.username,
            created_at=utcnow(),
        )
        .returning(collection_tasks.c.id)
    ).scalar_one()
    conn.execute(
        insert(task_indicators),
        [
            {"task_id": task_id, "indicator_id": ident, "position": pos}
            for pos, ident in enumerate(dict.fromkeys(indicator_ids))
        ],
    )
    conn.execute(
        insert(task_orgs),
        [{"task_id": task_id, "org_id": org.id} for org in {o.id: o for o in orgs}.values()],
    )
    record(
        conn,
        actor,
        "task.created",
        "collection_task",
        code,
        {
            "indicators": list(indicator_codes),
            "orgs": [org.code for org in orgs],
            "first_period": str(period),
            "recurrence": recurrence,
        },
    )
    task = find_task(conn, code)
    _open(conn, task, period, deadline or _deadline(period, deadline_days))
    return task


def _deadline(period: Period, days: int) -> dt.date:
    year, month = (period.year + 1, 1) if period.end_month == 12 else (period.year, period.end_month + 1)
    return dt.date(year, month, 1) + dt.timedelta(days=days - 1)


def _open(conn: Connection, task: Task, period: Period, deadline: dt.date) -> TaskPeriod:
    period_id = conn.execute(
        insert(task_periods)
        .values(task_id=task.id, period=str(period), deadline=deadline, opened_at=utcnow())
        .returning(task_periods.c.id)
    ).scalar_one()
    notify(
        conn,
        list(task.org_ids),
        "task_opened",
        message(
            N_("Task {task} is open for {period}; deadline {deadline}"),
            task=task.name,
            period=str(period),
            deadline=deadline.isoformat(),
        ),
        f"/tasks/{task.code}",
    )
    return TaskPeriod(period_id, str(period), deadline)


def find_task(conn: Connection, code: str) -> Task:
    reviewer = organisations.alias("reviewer")
    row = (
        conn.execute(
            select(collection_tasks, reviewer.c.code.label("reviewer_code"))
            .join(reviewer, reviewer.c.id == collection_tasks.c.reviewer_org_id)
            .where(collection_tasks.c.code == code.strip().upper())
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(message(N_("No collection task has the code {code}"), code=code))
    codes = conn.execute(
        select(indicators.c.code)
        .join(task_indicators, task_indicators.c.indicator_id == indicators.c.id)
        .where(task_indicators.c.task_id == row["id"])
        .order_by(task_indicators.c.position)
    ).scalars()
    orgs = conn.execute(
        select(organisations.c.id, organisations.c.code)
        .join(task_orgs, task_orgs.c.org_id == organisations.c.id)
        .where(task_orgs.c.task_id == row["id"])
        .order_by(organisations.c.code)
    ).all()
    return Task(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        description=row["description"],
        recurrence=row["recurrence"],
        first_period=row["first_period"],
        deadline_days=row["deadline_days"],
        reviewer_org_id=row["reviewer_org_id"],
        reviewer_org=row["reviewer_code"],
        region_scope=row["region_scope"],
        two_level=bool(row["two_level"]),
        active=bool(row["active"]),
        indicators=tuple(codes),
        org_ids=tuple(org.id for org in orgs),
        org_codes=tuple(org.code for org in orgs),
    )


def list_tasks(conn: Connection, actor: Actor) -> list[Task]:
    codes = conn.execute(select(collection_tasks.c.code).order_by(collection_tasks.c.code)).scalars().all()
    tasks = [find_task(conn, code) for code in codes]
    if actor.is_platform_admin:
        return tasks
    return [task for task in tasks if actor.org_id in (*task.org_ids, task.reviewer_org_id)]


def task_periods_of(conn: Connection, task: Task) -> list[TaskPeriod]:
    rows = conn.execute(
        select(task_periods.c.id, task_periods.c.period, task_periods.c.deadline)
        .where(task_periods.c.task_id == task.id)
        .order_by(task_periods.c.id.desc())
    )
    return [TaskPeriod(row.id, row.period, row.deadline) for row in rows]


def open_period_for(conn: Connection, task: Task, period: str | None) -> TaskPeriod:
    """The task's open period a submission answers: the one named, or the latest."""
    opened = task_periods_of(conn, task)
    if period is None:
        if not opened:
            raise InvalidInput(message(N_("Task {task} has no open period"), task=task.code))
        return opened[0]
    wanted = str(parse_period(period))
    for item in opened:
        if item.period == wanted:
            return item
    raise InvalidInput(
        message(
            N_("Task {task} is not open for {period} (open: {open})"),
            task=task.code,
            period=wanted,
            open=", ".join(item.period for item in opened) or "—",
        )
    )


def expected_regions(conn: Connection, task: Task, org: Organisation) -> list[str]:
    """The regions an organisation reports for under this task."""
    own = [org.region_code]
    if task.region_scope == "own":
        return own
    children = [region.code for region in region_index(conn).children_of(org.region_code)]
    return children if task.region_scope == "children" else own + children


def open_due_periods(conn: Connection, actor: Actor, today: dt.date) -> list[tuple[str, str]]:
    """Open every recurring task's periods that have ended by `today` and are not open yet."""
    opened: list[tuple[str, str]] = []
    for code in conn.execute(
        select(collection_tasks.c.code).where(
            collection_tasks.c.recurrence.is_not(None), collection_tasks.c.active.is_(True)
        )
    ).scalars():
        task = find_task(conn, code)
        have = {item.period for item in task_periods_of(conn, task)}
        step = Frequency(task.recurrence or "year")
        period = parse_period(task.first_period)
        while _ended(period, today):
            if str(period) not in have:
                _open(conn, task, period, _deadline(period, task.deadline_days))
                record(
                    conn, actor, "task.period_opened", "collection_task", task.code, {"period": str(period)}
                )
                opened.append((task.code, str(period)))
            period = _next(period, step)
    return opened


def _ended(period: Period, today: dt.date) -> bool:
    return (today.year, today.month) > (period.year, period.end_month)


def _next(period: Period, step: Frequency) -> Period:
    months = step.months
    start = period.end_month + 1
    year = period.year
    if start > 12:
        year, start = year + 1, 1
    return Period(year, start, start + months - 1)


def remind_deadlines(conn: Connection, actor: Actor, today: dt.date, days: int = 3) -> int:
    """Remind organisations that have not reported of deadlines within `days`; each reminder goes out once."""
    reminded = 0
    rows = conn.execute(
        select(task_periods.c.id, task_periods.c.period, task_periods.c.deadline, collection_tasks.c.code)
        .join(collection_tasks, collection_tasks.c.id == task_periods.c.task_id)
        .where(
            task_periods.c.reminded_at.is_(None),
            task_periods.c.deadline >= today,
            task_periods.c.deadline <= today + dt.timedelta(days=days),
        )
    ).all()
    for row in rows:
        task = find_task(conn, row.code)
        board = task_board(conn, actor, task.code, row.period, today=today)
        late = [line.org_id for line in board.lines if line.state in ("not_started", "draft", "returned")]
        notify(
            conn,
            late,
            "deadline_near",
            message(
                N_("Task {task} for {period} is due on {deadline}"),
                task=task.name,
                period=row.period,
                deadline=row.deadline.isoformat(),
            ),
            f"/tasks/{task.code}",
        )
        conn.execute(update(task_periods).where(task_periods.c.id == row.id).values(reminded_at=utcnow()))
        reminded += len(late)
    return reminded


@dataclass(frozen=True)
class BoardLine:
    org_id: int
    org_code: str
    org_name: str
    state: str  # not_started, draft, submitted, returned, approved
    submission_id: int | None
    submitted_at: dt.datetime | None
    on_time: bool
    overdue: bool


@dataclass(frozen=True)
class Board:
    task: Task
    period: TaskPeriod
    lines: list[BoardLine]

    @property
    def completion_rate(self) -> float:
        """报送率: the share of organisations that have submitted (under review or approved)."""
        done = sum(1 for line in self.lines if line.state in ("submitted", "approved"))
        return done / len(self.lines) if self.lines else 0.0

    @property
    def timeliness_rate(self) -> float:
        """及时率: the share of organisations whose first accepted submission came by the deadline."""
        return sum(1 for line in self.lines if line.on_time) / len(self.lines) if self.lines else 0.0


_STATE = {
    SubmissionStatus.DRAFT: "draft",
    SubmissionStatus.AUDIT_FAILED: "draft",
    SubmissionStatus.UNDER_REVIEW: "submitted",
    SubmissionStatus.DISTRICT_APPROVED: "submitted",
    SubmissionStatus.RETURNED: "returned",
    SubmissionStatus.APPROVED: "approved",
}


_SUBMITTED = frozenset(status.value for status, state in _STATE.items() if state in ("submitted", "approved"))


def task_board(
    conn: Connection, actor: Actor, code: str, period: str | None = None, *, today: dt.date | None = None
) -> Board:
    """Per organisation: not started, draft, submitted, returned or approved, with overdue ones flagged.

    Seen by the task's organisations, its reviewer organisation and platform admins."""
    task = find_task(conn, code)
    if not actor.is_platform_admin and actor.org_id not in (*task.org_ids, task.reviewer_org_id):
        raise PermissionDenied(
            message(
                N_("{actor} may not view the board of task {task}"), actor=actor.describe(), task=task.code
            )
        )
    today = today or dt.datetime.now(dt.UTC).date()
    current = open_period_for(conn, task, period)
    rows = conn.execute(
        select(submissions.c.id, submissions.c.org_id, submissions.c.status, submissions.c.submitted_at)
        .where(
            submissions.c.task_period_id == current.id,
            submissions.c.status != SubmissionStatus.DISCARDED.value,
        )
        .order_by(submissions.c.id)
    ).all()
    latest: dict[int, tuple[int, str, dt.datetime | None]] = {}
    first_accepted: dict[int, dt.datetime] = {}
    for row in rows:
        earlier = latest.get(row.org_id)
        if row.status == SubmissionStatus.DRAFT.value and earlier and earlier[1] in _SUBMITTED:
            continue  # a draft (a correction begun, say) does not hide what was already submitted
        latest[row.org_id] = (row.id, row.status, row.submitted_at)
        if (
            row.status not in (SubmissionStatus.AUDIT_FAILED.value, SubmissionStatus.DRAFT.value)
            and row.submitted_at
        ):
            first_accepted.setdefault(row.org_id, row.submitted_at)
    names = dict(
        conn.execute(
            select(organisations.c.id, organisations.c.name).where(organisations.c.id.in_(task.org_ids))
        ).all()
    )
    lines = []
    for org_id, org_code in zip(task.org_ids, task.org_codes, strict=True):
        found = latest.get(org_id)
        state = _STATE[SubmissionStatus(found[1])] if found else "not_started"
        accepted = first_accepted.get(org_id)
        on_time = accepted is not None and accepted.date() <= current.deadline
        lines.append(
            BoardLine(
                org_id=org_id,
                org_code=org_code,
                org_name=names.get(org_id, org_code),
                state=state,
                submission_id=found[0] if found else None,
                submitted_at=found[2] if found else None,
                on_time=on_time,
                overdue=today > current.deadline and state in ("not_started", "draft", "returned"),
            )
        )
    return Board(task, current, lines)
