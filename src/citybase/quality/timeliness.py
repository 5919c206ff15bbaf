"""Timeliness (报送率 and 及时率): the collection tasks' boards for every period due in the months, as the
task board computes them, narrowed to what the actor may see, summed per task period and organisation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from citybase.collection.tables import collection_tasks, task_orgs, task_periods
from citybase.collection.tasks import Board, BoardLine, task_board
from citybase.quality.model import OrgTimeliness, TaskTimeliness, TimelinessLine, rate
from citybase.quality.scope import BoardScope

SUBMITTED_STATES = ("submitted", "approved")


def _due_periods(conn: Connection, scope: BoardScope) -> list[tuple[str, str]]:
    """(task code, period) of every task period whose deadline falls in the months, that the actor may see."""
    query = (
        select(collection_tasks.c.code, task_periods.c.period)
        .join(task_periods, task_periods.c.task_id == collection_tasks.c.id)
        .where(
            task_periods.c.deadline >= scope.begins.date(),
            task_periods.c.deadline < scope.ends.date(),
        )
        .order_by(task_periods.c.deadline, collection_tasks.c.code)
    )
    if scope.task is not None:
        query = query.where(collection_tasks.c.id == scope.task.id)
    if not scope.every_org:
        asked = select(task_orgs.c.task_id).where(task_orgs.c.org_id == scope.actor.org_id)
        query = query.where(
            (collection_tasks.c.reviewer_org_id == scope.actor.org_id) | collection_tasks.c.id.in_(asked)
        )
    return [(row.code, row.period) for row in conn.execute(query)]


def _visible(board: Board, scope: BoardScope) -> list[BoardLine]:
    """The lines the actor may see (all of them for the task's reviewer), of the organisation asked."""
    lines = board.lines
    if not scope.every_org and board.task.reviewer_org_id != scope.actor.org_id:
        lines = [line for line in lines if line.org_id == scope.actor.org_id]
    if scope.org is not None:
        lines = [line for line in lines if line.org_id == scope.org.id]
    return lines


def timeliness(
    conn: Connection, scope: BoardScope, today: dt.date
) -> tuple[list[TaskTimeliness], list[OrgTimeliness], list[TimelinessLine]]:
    """Per task period, per organisation, and every organisation's line of every task period."""
    by_task: list[TaskTimeliness] = []
    lines: list[TimelinessLine] = []
    for code, period in _due_periods(conn, scope):
        board = task_board(conn, scope.actor, code, period, today=today)
        kept = Board(board.task, board.period, _visible(board, scope))
        if not kept.lines:
            continue
        by_task.append(
            TaskTimeliness(
                task=kept.task.code,
                task_name=kept.task.name,
                period=kept.period.period,
                deadline=kept.period.deadline,
                asked=len(kept.lines),
                submitted=sum(1 for line in kept.lines if line.state in SUBMITTED_STATES),
                on_time=sum(1 for line in kept.lines if line.on_time),
                overdue=sum(1 for line in kept.lines if line.overdue),
                completion_rate=kept.completion_rate,
                timeliness_rate=kept.timeliness_rate,
            )
        )
        lines.extend(
            TimelinessLine(
                task=kept.task.code,
                period=kept.period.period,
                deadline=kept.period.deadline,
                org=line.org_code,
                org_name=line.org_name,
                state=line.state,
                submission=line.submission_id,
                submitted_at=line.submitted_at,
                on_time=line.on_time,
                overdue=line.overdue,
            )
            for line in kept.lines
        )
    return by_task, _per_org(lines), lines


def _per_org(lines: list[TimelinessLine]) -> list[OrgTimeliness]:
    grouped: dict[tuple[str, str], list[TimelinessLine]] = defaultdict(list)
    for line in lines:
        grouped[(line.org, line.org_name)].append(line)
    found = []
    for (org, name), items in grouped.items():
        submitted = sum(1 for line in items if line.state in SUBMITTED_STATES)
        on_time = sum(1 for line in items if line.on_time)
        found.append(
            OrgTimeliness(
                org=org,
                org_name=name,
                asked=len(items),
                submitted=submitted,
                on_time=on_time,
                overdue=sum(1 for line in items if line.overdue),
                completion_rate=rate(submitted, len(items)),
                timeliness_rate=rate(on_time, len(items)),
            )
        )
    return sorted(found, key=lambda item: (item.timeliness_rate, item.completion_rate, item.org))
