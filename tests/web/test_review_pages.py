"""Review in the browser's view: the list of submissions, the audit report with its findings, decisions and
explanations, the annotated Excel file, notifications, and the rule editor with its trial run."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.accounts.actor import Actor
from citybase.audit.model import RuleSpec, Severity
from citybase.audit.rules import save_rule
from citybase.collection.intake import submit_upload
from citybase.collection.tasks import create_task
from citybase.demo import DemoLogin
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.storage import Database
from tests.factories import acting, csv_rows
from tests.web.test_auth import signed_in
from tests.web.test_collection_pages import hidden
from tests.web.test_indicator_pages import contains_all, part
from tests.web.test_pages import page, twins

# openpyxl ships no type hints: loaded by name, it needs neither stubs nor an ignore comment for mypy.
openpyxl = importlib.import_module("openpyxl")

WARNING_RULE = RuleSpec("WEB_GDP_CAP", "南山季度地区生产总值偏大", "GDP <= 1000", Severity.WARNING)
TASK = "WEB_REVIEW_Q"


@pytest.fixture
def task(db: Database) -> str:
    """A quarterly task: Nanshan reports, the statistics bureau reviews."""
    with db.write() as conn:
        create_task(
            conn,
            acting(db, "stats_reviewer"),
            code=TASK,
            name="季度地区生产总值",
            indicator_codes=["GDP"],
            org_codes=["NANSHAN"],
            first_period="2030Q1",
            reviewer_org="STATS",
            deadline=dt.date.today() + dt.timedelta(days=30),
        )
    return TASK


def upload(db: Database, task: str, body: str, name: str = "w.csv") -> int:
    """Nanshan's submission for the task, made directly in the domain; its number."""
    with db.write() as conn:
        result = submit_upload(
            conn, acting(db, "nanshan_submitter"), body.encode(), name, org_code="NANSHAN", task=task
        )
    return result.submission.id


@pytest.fixture
def warned(db: Database, system: Actor, task: str) -> int:
    """A submission under review with one warning of an active rule; its number."""
    with db.write() as conn:
        save_rule(conn, system, WARNING_RULE, active=True)
    return upload(db, task, "region,GDP\n440305,2000\n")


@pytest.fixture
def reviewer(client: TestClient, demo_login: DemoLogin) -> TestClient:
    signed_in(client, "stats_reviewer", demo_login.user_password)
    return client


@pytest.fixture
def submitter(app: FastAPI, demo_login: DemoLogin) -> Iterator[TestClient]:
    with TestClient(app) as other:
        signed_in(other, "nanshan_submitter", demo_login.user_password)
        yield other


@pytest.fixture
def admin(app: FastAPI, demo_login: DemoLogin) -> Iterator[TestClient]:
    with TestClient(app) as other:
        signed_in(other, demo_login.admin_username, demo_login.admin_password)
        yield other


def post_form(client: TestClient, path: str, page_path: str, **fields: object) -> tuple[int, str, str]:
    """Post a form of the page at `page_path` with its CSRF token; status, location and body."""
    token = hidden(page(client, page_path), "csrf_token")
    response = client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)
    return response.status_code, response.headers.get("location", ""), response.text


# ---- the audit report and the decisions --------------------------------------------------------------------


def test_audit_report_explanation_and_approval(
    warned: int, reviewer: TestClient, submitter: TestClient
) -> None:
    where = f"/submissions/{warned}"
    report = page(submitter, where)
    findings = part(report, r'<section class="card" id="findings">(.*?)</section>')
    contains_all(findings, "警告", "WEB_GDP_CAP@v1", "w!B2", "南山季度地区生产总值偏大", "2,000")
    contains_all(report, "待审核", 'id="count-warnings">1<', 'id="explain-form"', "下载标注后的 Excel 文件")
    assert 'id="approve-form"' not in report
    assert ("json", f"/api/v1/submissions/{warned}") in twins(report)

    # Approval waits for the submitter's explanation of the warning.
    status, _location, body = post_form(reviewer, f"{where}/approve", where, comment="")
    assert status == 422
    assert "说明" in part(body, r'<form method="post" action="[^"]+/approve"[^>]*>(.*?)</form>')
    status, location, _body = post_form(submitter, f"{where}/explain", where, comment="新增重大项目投产")
    assert (status, location) == (303, where)
    assert "新增重大项目投产" in page(reviewer, where)
    status, _location, _body = post_form(reviewer, f"{where}/approve", where, comment="同意")
    assert status == 303
    approved = page(reviewer, where)
    assert "已通过" in part(approved, r'id="submission-status">([^<]*)<')
    timeline = part(approved, r'<ol class="timeline">(.*?)</ol>')
    contains_all(timeline, "nanshan_submitter", "stats_reviewer", "待审核", "已通过", "同意")
    assert 'id="approve-form"' not in approved


def test_submitter_cannot_decide(warned: int, submitter: TestClient, db: Database) -> None:
    where = f"/submissions/{warned}"
    assert 'id="return-form"' not in page(submitter, where)
    status, _location, _body = post_form(submitter, f"{where}/approve", where, comment="自己批准")
    assert status == 403
    assert "待审核" in part(page(submitter, where), r'id="submission-status">([^<]*)<')


def test_return_needs_a_comment_and_notifies(
    warned: int, reviewer: TestClient, submitter: TestClient
) -> None:
    where = f"/submissions/{warned}"
    status, _location, body = post_form(reviewer, f"{where}/return", where, comment="  ")
    assert status == 422
    assert 'id="return-form"' in body
    status, _location, _body = post_form(reviewer, f"{where}/return", where, comment="请核对南山数据")
    assert status == 303
    assert "已退回" in page(reviewer, where)
    badge = submitter.get("/notifications/badge")
    assert 'id="unread-count"' in badge.text
    log = page(submitter, "/notifications")
    contains_all(log, "请核对南山数据", f'href="{where}"')
    status, _location, _body = post_form(submitter, "/notifications/read", "/notifications")
    assert status == 303
    assert submitter.get("/notifications/badge").text == ""


def test_annotated_excel_download(db: Database, task: str, reviewer: TestClient) -> None:
    submission = upload(db, task, "地区代码,地区生产总值\n440305,abc\n", "bad.csv")
    report = page(reviewer, f"/submissions/{submission}")
    contains_all(report, "审核未通过", "bad!B2", "abc")
    response = reviewer.get(f"/submissions/{submission}/report.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "审核报告"
    assert any("bad!B2" in str(cell.value) for row in book["审核报告"].iter_rows() for cell in row)


def test_submission_list_tabs_and_twins(warned: int, reviewer: TestClient) -> None:
    waiting = page(reviewer, "/submissions?to_review=true")
    assert f'data-submission="{warned}"' in waiting
    assert "/api/v1/submissions?to_review=true" in dict(twins(waiting))["json"]
    failed = page(reviewer, "/submissions?status=audit_failed")
    assert f'data-submission="{warned}"' not in failed
    _header, rows = csv_rows(reviewer.get(dict(twins(waiting))["csv"]).content)
    assert str(warned) in [row["id"] for row in rows]
    assert {row["status"] for row in rows} == {"under_review"}
    _header, findings = csv_rows(reviewer.get(f"/submissions/{warned}?format=csv").content)
    assert [(row["rule"], row["location"], row["severity"]) for row in findings] == [
        ("WEB_GDP_CAP@v1", "w!B2", "warning")
    ]


# ---- rules -------------------------------------------------------------------------------------------------


def test_rule_editor_saves_versions_and_switches(admin: TestClient, reviewer: TestClient) -> None:
    fields = {"code": "WEB_TERTIARY_CAP", "name": "第三产业增加值上限", "expression": "VA_TERTIARY <= 100000",
              "severity": "warning", "message": "", "group": "经济", "active": "true"}  # fmt: skip
    status, location, _body = post_form(admin, "/rules/new", "/rules/new", **fields)
    assert (status, location) == (303, "/rules/WEB_TERTIARY_CAP")
    status, _location, _body = post_form(
        admin, location, location, **{**fields, "expression": "VA_TERTIARY <= 90000"}
    )
    assert status == 303
    editor = page(admin, location)
    versions = part(editor, r'<section class="card" id="versions">(.*?)</section>')
    contains_all(versions, "v1", "v2", "VA_TERTIARY &lt;= 100000", "VA_TERTIARY &lt;= 90000")
    status, _location, _body = post_form(admin, f"{location}/active", "/rules", active="false")
    assert status == 303
    listing = page(admin, "/rules")
    contains_all(part(listing, r'<tr data-rule="WEB_TERTIARY_CAP"[^>]*>(.*?)</tr>'), "v3", "停用")

    status, _location, body = post_form(
        admin, "/rules/new", "/rules/new", **{**fields, "expression": "GDP <= ("}
    )
    assert status == 422
    assert 'id="rule-error"' in body
    assert "GDP &lt;= (" in body  # what was typed stays
    assert post_form(reviewer, "/rules/new", "/rules", **fields)[0] == 403


def test_trial_run_shows_findings_without_saving(admin: TestClient, db: Database, system: Actor) -> None:
    with db.write() as conn:
        publish(
            conn,
            system,
            [FactInput("GDP", "440305", "2030Q1", "2000")],
            origin="test:trial",
            source_org="STATS",
        )
    token = hidden(page(admin, "/rules/new"), "csrf_token")
    fields = {"csrf_token": token, "code": "", "name": "", "expression": "GDP <= 1000", "severity": "error",
              "start": "2030Q1", "end": "2030Q1"}  # fmt: skip
    fragment = admin.post("/rules/trial", data=fields, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    contains_all(fragment.text, 'id="trial-findings"', "440305", "2030Q1", "错误")
    whole = admin.post("/rules/trial", data=fields)  # without JavaScript: the editor with the results
    contains_all(whole.text, "<html", 'id="rule-form"', 'id="trial-findings"', "440305")
    broken = admin.post(
        "/rules/trial", data={**fields, "expression": "GDP <= ("}, headers={"HX-Request": "true"}
    )
    assert 'role="alert"' in broken.text
    assert 'data-rule="TRIAL"' not in page(admin, "/rules")  # nothing was saved
