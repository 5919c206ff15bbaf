"""Audit rules (审核规则): the list with their switches, and the editor where a rule is written, tried on the
stored data without being saved (试运行), and saved as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from citybase.accounts.permissions import Permission, may
from citybase.api.deps import ConnDep
from citybase.audit.model import Finding, RuleSpec, Severity
from citybase.audit.rules import (
    RuleVersion,
    get_rule,
    list_rules,
    rule_versions,
    save_rule,
    set_rule_active,
    trial_run,
)
from citybase.errors import InvalidInput, NotFound
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.routes.collection_support import SEVERITY_LABELS
from citybase.web.templating import Page, render

router = APIRouter(prefix="/rules")
TRIAL_CODE = "TRIAL"


@dataclass(frozen=True)
class Trial:
    """What a trial run found, or why it could not run."""

    checked: int = 0
    findings: tuple[Finding, ...] = ()
    error: str | None = None


@router.get("", include_in_schema=False)
def rule_list(page: PageDep, conn: ConnDep) -> Response:
    actor = session_of(page).actor
    return render(
        page,
        "review/rules.html",
        rules=list_rules(conn, actor),
        can_manage=may(actor, Permission.MANAGE_RULES),
        severity_labels=SEVERITY_LABELS,
        json_url="/api/v1/rules",
    )


@router.post("/{code}/active", include_in_schema=False)
def rule_switch(
    code: str,
    page: PageDep,
    conn: ConnDep,
    active: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    rule = set_rule_active(conn, session_of(page).actor, code, active)
    text = (
        page.gettext("Rule %(code)s is switched on (version %(version)s).")
        if rule.active
        else page.gettext("Rule %(code)s is switched off (version %(version)s).")
    )
    return redirect(
        "/rules", page=page, flash=("success", text % {"code": rule.code, "version": rule.version})
    )


def _editor(
    page: Page,
    conn: Connection,
    code: str | None,
    form: dict[str, object],
    status_code: int = 200,
    error: str | None = None,
    trial: Trial | None = None,
) -> Response:
    actor = session_of(page).actor
    versions: list[RuleVersion] = rule_versions(conn, actor, code) if code else []
    return render(
        page,
        "review/rule.html",
        status_code=status_code,
        code=code,
        form=form,
        error=error,
        trial=trial,
        versions=versions,
        can_manage=may(actor, Permission.MANAGE_RULES),
        severities=list(Severity),
        severity_labels=SEVERITY_LABELS,
        json_url=f"/api/v1/rules/{code}" if code else "/api/v1/rules",
    )


@router.get("/new", include_in_schema=False)
def rule_new(page: PageDep, conn: ConnDep) -> Response:
    return _editor(page, conn, None, {"severity": Severity.ERROR.value, "active": True})


@router.get("/{code}", include_in_schema=False)
def rule_page(code: str, page: PageDep, conn: ConnDep) -> Response:
    rule = get_rule(conn, session_of(page).actor, code)
    form: dict[str, object] = {
        "code": rule.code,
        "name": rule.name,
        "expression": rule.expression,
        "severity": rule.severity,
        "message": rule.message,
        "group": rule.group,
        "active": rule.active,
    }
    return _editor(page, conn, rule.code, form)


@router.post("/trial", include_in_schema=False)
def rule_trial(
    request: Request,
    page: PageDep,
    conn: ConnDep,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    expression: Annotated[str, Form(max_length=4000)] = "",
    severity: Annotated[Severity, Form()] = Severity.ERROR,
    message: Annotated[str, Form(max_length=1000)] = "",
    group: Annotated[str, Form(max_length=64)] = "",
    start: Annotated[str, Form(max_length=32)] = "",
    end: Annotated[str, Form(max_length=32)] = "",
    existing: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Run the expression as typed over stored values between two periods; nothing is saved.

    htmx gets the results alone, to show below the editor; without JavaScript the whole editor comes back."""
    check_csrf(page, csrf_token)
    spec = RuleSpec(code.strip().upper() or TRIAL_CODE, name, expression, severity, message)
    if not start.strip() or not end.strip():
        trial = Trial(error=page.gettext("Give the first and the last period to try the rule on."))
    else:
        try:
            checked, found = trial_run(
                conn, session_of(page).actor, spec, start=start.strip(), end=end.strip()
            )
            trial = Trial(checked, tuple(found))
        except (InvalidInput, NotFound) as error:
            trial = Trial(error=error.render(page.gettext))
    if request.headers.get("HX-Request") == "true":
        return render(page, "review/_trial.html", trial=trial, severity_labels=SEVERITY_LABELS)
    form: dict[str, object] = {
        "code": code,
        "name": name,
        "expression": expression,
        "severity": severity.value,
        "message": message,
        "group": group,
        "start": start,
        "end": end,
    }
    return _editor(page, conn, existing or None, form, trial=trial)


@router.post("/{code}", include_in_schema=False)
def rule_save(
    code: str,
    page: PageDep,
    conn: ConnDep,
    new_code: Annotated[str, Form(alias="code", max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    expression: Annotated[str, Form(max_length=4000)] = "",
    severity: Annotated[Severity, Form()] = Severity.ERROR,
    message: Annotated[str, Form(max_length=1000)] = "",
    group: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Save a rule: `/rules/new` creates one under the code typed, `/rules/{code}` adds a version."""
    check_csrf(page, csrf_token)
    creating = code == "new"
    rule_code = new_code if creating else code
    form: dict[str, object] = {
        "code": rule_code,
        "name": name,
        "expression": expression,
        "severity": severity.value,
        "message": message,
        "group": group,
        "active": active,
    }
    try:
        with conn.begin_nested():
            saved = save_rule(
                conn,
                session_of(page).actor,
                RuleSpec(rule_code, name, expression, severity, message.strip()),
                group=group.strip(),
                active=active if creating else None,
            )
    except (InvalidInput, NotFound) as error:
        return _editor(
            page, conn, None if creating else code, form, status_code=422, error=error.render(page.gettext)
        )
    text = page.gettext("Rule %(code)s saved as version %(version)s.") % {
        "code": saved.code,
        "version": saved.version,
    }
    return redirect(f"/rules/{saved.code}", page=page, flash=("success", text))
