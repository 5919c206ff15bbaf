"""Collection tasks, audit rules and notifications through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citybase.api.deps import ActorDep, ConnDep
from citybase.audit.model import RuleSpec, Severity
from citybase.audit.rules import get_rule, list_rules, rule_versions, save_rule, set_rule_active, trial_run
from citybase.collection.notifications import list_notifications, mark_read
from citybase.collection.tasks import Board, Task, create_task, find_task, list_tasks, task_board
from citybase.collection.templating import task_template
from citybase.i18n import translations

router = APIRouter(tags=["collection"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TaskCreate(BaseModel):
    code: str
    name: str
    indicators: list[str] = Field(min_length=1)
    orgs: list[str] = Field(min_length=1)
    first_period: str
    reviewer_org: str
    deadline: dt.date | None = None
    recurrence: str | None = None
    deadline_days: int = Field(default=15, ge=0, le=366)
    region_scope: str = "own"
    two_level: bool = False
    description: str = ""


class RuleWrite(BaseModel):
    name: str = ""
    expression: str
    severity: Severity = Severity.ERROR
    message: str = ""
    group: str = ""
    active: bool | None = None


class RuleTrial(BaseModel):
    expression: str
    severity: Severity = Severity.ERROR
    start: str
    end: str


def task_json(task: Task) -> dict[str, Any]:
    return {
        "code": task.code,
        "name": task.name,
        "description": task.description,
        "recurrence": task.recurrence,
        "first_period": task.first_period,
        "deadline_days": task.deadline_days,
        "reviewer_org": task.reviewer_org,
        "region_scope": task.region_scope,
        "two_level": task.two_level,
        "indicators": list(task.indicators),
        "orgs": list(task.org_codes),
    }


def board_json(board: Board) -> dict[str, Any]:
    return {
        "task": board.task.code,
        "period": board.period.period,
        "deadline": board.period.deadline.isoformat(),
        "completion_rate": round(board.completion_rate, 4),
        "timeliness_rate": round(board.timeliness_rate, 4),
        "items": [
            {
                "org": line.org_code,
                "org_name": line.org_name,
                "state": line.state,
                "submission": line.submission_id,
                "submitted_at": line.submitted_at.isoformat() if line.submitted_at else None,
                "on_time": line.on_time,
                "overdue": line.overdue,
            }
            for line in board.lines
        ],
    }


@router.get("/tasks")
def tasks(conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return {"items": [task_json(task) for task in list_tasks(conn, actor)]}


@router.post("/tasks", status_code=201)
def create(body: TaskCreate, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    task = create_task(
        conn,
        actor,
        code=body.code,
        name=body.name,
        indicator_codes=body.indicators,
        org_codes=body.orgs,
        first_period=body.first_period,
        reviewer_org=body.reviewer_org,
        deadline=body.deadline,
        recurrence=body.recurrence,
        deadline_days=body.deadline_days,
        region_scope=body.region_scope,
        two_level=body.two_level,
        description=body.description,
    )
    return task_json(task)


@router.get("/tasks/{code}")
def task(code: str, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return task_json(find_task(conn, code))


@router.get("/tasks/{code}/board")
def board(code: str, conn: ConnDep, actor: ActorDep, period: str | None = None) -> dict[str, Any]:
    return board_json(task_board(conn, actor, code, period))


@router.get("/tasks/{code}/template.xlsx")
def template(code: str, org: str, conn: ConnDep, actor: ActorDep, period: str | None = None) -> Response:
    content = task_template(conn, actor, code, org, period)
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{code}-{org}.xlsx"'}
    )


def rule_json(rule: Any) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "expression": rule.expression,
        "severity": rule.severity,
        "message": rule.message,
        "group": rule.group,
        "active": rule.active,
        "version": rule.version,
        "updated_by": rule.updated_by,
        "updated_at": rule.updated_at.isoformat(),
    }


@router.get("/rules")
def rules(conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return {"items": [rule_json(rule) for rule in list_rules(conn, actor)]}


@router.get("/rules/{code}")
def rule(code: str, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    versions = rule_versions(conn, actor, code)
    return {
        **rule_json(get_rule(conn, actor, code)),
        "versions": [
            version.__dict__ | {"changed_at": version.changed_at.isoformat()} for version in versions
        ],
    }


@router.put("/rules/{code}")
def write_rule(code: str, body: RuleWrite, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    spec = RuleSpec(code, body.name, body.expression, body.severity, body.message)
    return rule_json(save_rule(conn, actor, spec, group=body.group, active=body.active))


@router.post("/rules/{code}/active")
def switch_rule(code: str, active: bool, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return rule_json(set_rule_active(conn, actor, code, active))


@router.post("/rules/trial")
def try_rule(body: RuleTrial, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    spec = RuleSpec("TRIAL", "trial", body.expression, body.severity)
    checked, findings = trial_run(conn, actor, spec, start=body.start, end=body.end)
    return {
        "checked": checked,
        "findings": [
            {
                "indicator": f.key[0],
                "region": f.key[1],
                "period": f.key[2],
                "dims": f.key[3],
                "severity": f.severity.value,
                "values": [[name, value] for name, value in f.values],
                "expected": f.expected,
            }
            for f in findings
        ],
    }


@router.get("/notifications")
def notifications(conn: ConnDep, actor: ActorDep, unread: bool = False) -> dict[str, Any]:
    chinese = translations("zh_CN").gettext
    found = list_notifications(conn, actor, unread_only=unread)
    return {"items": [{**item.as_dict(), "text_zh": item.text.render(chinese)} for item in found]}


@router.post("/notifications/read")
def read_all(conn: ConnDep, actor: ActorDep) -> dict[str, int]:
    return {"marked": mark_read(conn, actor)}
