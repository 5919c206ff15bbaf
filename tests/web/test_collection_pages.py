"""Collection in the browser's view: a task and its board, the Excel template, a file through the preview and
the confirmation, the data-entry grid, files that cannot be read, and the English pages.

The reviewing organisation is the statistics bureau (stats_reviewer sets the task and decides); Nanshan
district reports (nanshan_submitter)."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from tests.factories import csv_rows
from tests.web.test_auth import signed_in
from tests.web.test_indicator_pages import contains_all, part
from tests.web.test_pages import page, twins

# openpyxl ships no type hints: loaded by name, it needs neither stubs nor an ignore comment for mypy.
openpyxl = importlib.import_module("openpyxl")

TASK = "WEB_GDP_Q"
NANSHAN_CSV = "地区代码,地区生产总值,第三产业增加值\n440305,2000,1300\n"


def hidden(document: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', document)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def hidden_all(document: str, name: str) -> list[str]:
    return [
        html.unescape(value)
        for value in re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)">', document)
    ]


def selected_targets(document: str) -> list[str]:
    """The option chosen in every column's mapping select of the preview, in column order."""
    selects = re.findall(r'<select name="target"[^>]*>(.*?)</select>', document, re.S)
    chosen = [re.search(r'<option value="([^"]*)"\s*selected', select) for select in selects]
    return [found.group(1) if found else "" for found in chosen]


@pytest.fixture
def reviewer(client: TestClient, demo_login: DemoLogin) -> TestClient:
    """The statistics bureau's reviewer, who sets collection tasks and decides on submissions."""
    signed_in(client, "stats_reviewer", demo_login.user_password)
    return client


@pytest.fixture
def submitter(app: FastAPI, demo_login: DemoLogin) -> Iterator[TestClient]:
    """Nanshan district's statistician, in a browser of their own."""
    with TestClient(app) as other:
        signed_in(other, "nanshan_submitter", demo_login.user_password)
        yield other


def create_task(client: TestClient, **values: object) -> str:
    token = hidden(page(client, "/tasks"), "csrf_token")
    form: dict[str, object] = {
        "code": TASK,
        "name": "季度地区生产总值报送",
        "indicators": ["GDP", "VA_TERTIARY"],
        "orgs": ["NANSHAN"],
        "first_period": "2030Q1",
        "reviewer_org": "STATS",
        "deadline": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "recurrence": "quarter",
        "deadline_days": "15",
        "region_scope": "own",
        "csrf_token": token,
        **values,
    }
    response = client.post("/tasks", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    return str(response.headers["location"])


def preview(client: TestClient, body: bytes, filename: str, **fields: str) -> tuple[int, str]:
    token = hidden(page(client, "/submit"), "csrf_token")
    response = client.post(
        "/submit/preview",
        data={"csrf_token": token, "org": "NANSHAN", "task": "", "period": "", **fields},
        files={"file": (filename, body, "application/octet-stream")},
    )
    return response.status_code, response.text


def confirm(client: TestClient, document: str, targets: list[str] | None = None) -> str:
    """Post the preview's confirmation form as shown (or with other targets); the submission's address."""
    response = client.post(
        "/submit/confirm",
        data={
            "csrf_token": hidden(document, "csrf_token"),
            "token": hidden(document, "token"),
            "org": hidden(document, "org"),
            "task": hidden(document, "task"),
            "period": hidden(document, "period"),
            "header": hidden_all(document, "header"),
            "detected": hidden_all(document, "detected"),
            "target": targets or selected_targets(document),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:3000]
    return str(response.headers["location"])


def board_state(document: str, org: str) -> str:
    found = re.search(rf'<tr data-org="{org}" data-state="(\w+)"', document)
    assert found, f"no board line for {org}"
    return found.group(1)


# ---- tasks and the board -----------------------------------------------------------------------------------


def test_task_from_creation_to_an_approved_board(reviewer: TestClient, submitter: TestClient) -> None:
    assert create_task(reviewer) == f"/tasks/{TASK}"
    board = page(reviewer, f"/tasks/{TASK}")
    contains_all(board, "季度地区生产总值报送", "任务 WEB_GDP_Q 已创建", "未报送", "报送率", "及时率")
    assert board_state(board, "NANSHAN") == "not_started"
    assert part(board, r'id="completion-rate">([^<]*)<') == "0%"
    links = dict(twins(board))
    assert links["json"] == f"/api/v1/tasks/{TASK}/board?period=2030Q1"
    assert reviewer.get(links["json"]).json()["items"][0]["state"] == "not_started"
    _header, rows = csv_rows(reviewer.get(links["csv"]).content)
    assert [(row["org"], row["state"], row["state_label"]) for row in rows] == [
        ("NANSHAN", "not_started", "未报送")
    ]
    assert "data-template=" not in board  # the reviewer does not report for Nanshan

    # Nanshan downloads its template, then uploads a CSV through the preview.
    own_board = page(submitter, f"/tasks/{TASK}")
    template_url = html.unescape(part(own_board, r'<a href="([^"]+)" data-template="NANSHAN">'))
    template = submitter.get(template_url)
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book["报送数据"]
    assert [sheet.cell(4, column).value for column in (3, 4)] == ["GDP", "VA_TERTIARY"]
    assert sheet["A5"].value == "440305"

    status, shown = preview(submitter, NANSHAN_CSV.encode("gb18030"), "nanshan.csv", task=TASK)
    assert status == 200, shown[:3000]
    contains_all(shown, "检查各列", 'data-sheet="nanshan"', "440305", "2000", "1300")
    assert selected_targets(shown) == ["@region", "GDP", "VA_TERTIARY"]
    assert part(shown, r'id="value-count">(\d+)<') == "2"
    location = confirm(submitter, shown)
    report = page(submitter, location)
    contains_all(report, "待审核", 'id="count-values">2<', "nanshan.csv")
    assert 'id="approve-form"' not in report  # Nanshan cannot decide on its own figures
    assert board_state(page(submitter, f"/tasks/{TASK}"), "NANSHAN") == "submitted"

    # The bureau approves; the board is complete and on time.
    waiting = page(reviewer, "/submissions?to_review=true")
    submission_id = location.rsplit("/", 1)[-1]
    assert f'data-submission="{submission_id}"' in waiting
    decision = page(reviewer, location)
    response = reviewer.post(
        f"{location}/approve",
        data={"csrf_token": hidden(decision, "csrf_token"), "comment": "核对无误"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "已通过" in part(page(reviewer, location), r'id="submission-status">([^<]*)<')
    board = page(reviewer, f"/tasks/{TASK}")
    assert board_state(board, "NANSHAN") == "approved"
    assert "已通过" in board
    assert part(board, r'id="completion-rate">([^<]*)<') == "100%"
    assert part(board, r'id="timeliness-rate">([^<]*)<') == "100%"


def test_task_form_errors_and_permissions(
    reviewer: TestClient, submitter: TestClient, app: FastAPI, demo_login: DemoLogin
) -> None:
    token = hidden(page(reviewer, "/tasks"), "csrf_token")
    response = reviewer.post(
        "/tasks",
        data={"code": TASK, "name": "x", "indicators": ["GDP"], "orgs": ["NANSHAN"], "first_period": "2030Q1",
              "reviewer_org": "STATS", "deadline": "31/12/2030", "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 422
    assert "31/12/2030" in part(response.text, r'id="task-deadline"[^>]*>\s*(<div class="error">[^<]*</div>)')
    assert 'value="x"' in response.text  # what was typed stays
    assert 'id="task-form"' not in page(submitter, "/tasks")
    forbidden = submitter.post(
        "/tasks", data={"code": "X", "csrf_token": hidden(page(submitter, "/tasks"), "csrf_token")}
    )
    assert forbidden.status_code == 403
    assert reviewer.post("/tasks", data={"code": TASK}).status_code == 403  # no CSRF token

    # Futian neither reports for the task nor reviews it: no board for it.
    create_task(reviewer)
    with TestClient(app) as stranger:
        signed_in(stranger, "futian_submitter", demo_login.user_password)
        assert stranger.get(f"/tasks/{TASK}").status_code == 403
        assert f'data-task="{TASK}"' not in page(stranger, "/tasks")


def test_a_column_mapped_on_the_preview_is_used_and_remembered(submitter: TestClient) -> None:
    body = "地区代码,本地口径产值\n440305,10\n".encode()
    status, shown = preview(submitter, body, "local.csv", period="2030Q1")
    assert status == 200
    assert selected_targets(shown) == ["@region", "@ignore"]
    assert "本地口径产值" in part(
        shown, r'id="preview-problems">(.*?)</section>'
    )  # numbers mapped to nothing
    location = confirm(submitter, shown, targets=["@region", "GDP"])
    submission = submitter.get("/api/v1" + location).json()
    assert (submission["status"], submission["values"]) == ("under_review", 1)
    assert submission["mapping"]["本地口径产值"] == "GDP"
    _status, again = preview(submitter, body, "local.csv", period="2030Q1")
    assert selected_targets(again) == ["@region", "GDP"]  # remembered for files laid out like this one


# ---- files that cannot be used -----------------------------------------------------------------------------


def test_files_that_cannot_be_used_are_explained_with_their_cells(submitter: TestClient) -> None:
    status, shown = preview(
        submitter, "地区代码,地区生产总值\n440305,abc\n440305,12\n".encode(), "bad.csv", period="2030Q1"
    )
    assert status == 200  # readable: the preview shows what would fail, cell by cell
    problems = part(shown, r'<section class="card problems-card" id="preview-problems">(.*?)</section>')
    contains_all(problems, "文件中的问题", '<td class="mono">bad!B2</td>', "“abc”不是数字")
    assert part(shown, r'id="value-count">(\d+)<') == "1"

    status, shown = preview(submitter, b"\x00\x01 certainly not a workbook" * 20, "figures.xlsx")
    assert status == 422  # unreadable: refused on the upload page, which stays filled in
    refusal = part(shown, r'<section class="flash error upload-error"[^>]*>(.*?)</section>')
    contains_all(refusal, "无法读取文件", "figures.xlsx", "已损坏或不是 Excel 文件")
    assert 'id="upload-form"' in shown
    status, shown = preview(submitter, b"", "empty.csv")
    assert status == 422
    assert "不含任何数据" in shown


# ---- the data-entry grid -----------------------------------------------------------------------------------


def test_grid_posts_typed_values(submitter: TestClient) -> None:
    grid = page(submitter, "/submit/grid?period=2030Q1&indicator=GDP&indicator=VA_TERTIARY")
    contains_all(grid, 'id="entry-grid"', 'data-region="440305"', "地区生产总值", "第三产业增加值")
    keys = hidden_all(grid, "key")
    assert keys[:2] == ["440305:GDP", "440305:VA_TERTIARY"]
    assert len(keys) > 4  # the district and its streets
    values = ["1,234.5", "800"] + [""] * (len(keys) - 2)
    form = {"csrf_token": hidden(grid, "csrf_token"), "org": "NANSHAN", "period": "2030Q1",
            "indicator": ["GDP", "VA_TERTIARY"], "key": keys, "value": values}  # fmt: skip
    response = submitter.post("/submit/grid", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    submission = submitter.get("/api/v1" + response.headers["location"]).json()
    assert (submission["channel"], submission["values"], submission["status"]) == ("grid", 2, "under_review")
    assert "数据录入表格" in page(submitter, response.headers["location"])

    rejected = submitter.post("/submit/grid", data={**form, "value": ["abc", *values[1:]]})
    assert rejected.status_code == 422
    assert "abc" in part(rejected.text, r'<td class="bad">(.*?)</td>')
    assert 'value="800"' in rejected.text  # what was typed stays


# ---- language ----------------------------------------------------------------------------------------------


def test_collection_pages_in_english(reviewer: TestClient) -> None:
    create_task(reviewer)
    reviewer.get("/lang/en", params={"next": "/tasks"})
    tasks = page(reviewer, "/tasks")
    contains_all(tasks, "<title>Collection tasks · CityBase</title>", "New task")
    assert "报送任务" not in tasks
    board = page(reviewer, f"/tasks/{TASK}")
    contains_all(board, "Not submitted", "Submission rate")
    assert "未报送" not in board
