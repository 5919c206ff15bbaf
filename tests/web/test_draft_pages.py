"""Drafts in the browser: the grid saved as a draft, counted on the board, loaded again and submitted under
the same number or discarded; an upload kept as a draft from the preview; year-to-date columns marked on
the preview. Nanshan district reports (nanshan_submitter); the statistics bureau reviews (stats_reviewer)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from citybase.collection.tables import submission_values
from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.web.test_auth import signed_in
from tests.web.test_collection_pages import (
    TASK,
    board_state,
    create_task,
    hidden,
    hidden_all,
    preview,
    selected_targets,
)
from tests.web.test_indicator_pages import contains_all, part
from tests.web.test_pages import page


@pytest.fixture
def reviewer(client: TestClient, demo_login: DemoLogin) -> TestClient:
    signed_in(client, "stats_reviewer", demo_login.user_password)
    return client


@pytest.fixture
def submitter(app: FastAPI, demo_login: DemoLogin) -> Iterator[TestClient]:
    with TestClient(app) as other:
        signed_in(other, "nanshan_submitter", demo_login.user_password)
        yield other


def _grid_form(document: str, action: str, typed: dict[str, str]) -> dict[str, object]:
    keys = hidden_all(document, "key")
    return {
        "csrf_token": hidden(document, "csrf_token"),
        "org": "NANSHAN",
        "task": hidden(document, "task"),
        "period": hidden(document, "period"),
        "indicator": hidden_all(document, "indicator")[: len({key.split(":")[1] for key in keys})],
        "key": keys,
        "value": [typed.get(key, "") for key in keys],
        "action": action,
    }


def _cell(document: str, name: str) -> str:
    found = re.search(
        rf'<td class="([^"]*)">\s*<input type="hidden" name="key" value="{name}">(.*?)</td>', document, re.S
    )
    assert found, f"no cell {name}"
    return found.group(1) + "|" + found.group(2)


def test_grid_draft_is_counted_loaded_again_and_submitted_under_its_number(
    reviewer: TestClient, submitter: TestClient
) -> None:
    create_task(reviewer)
    grid_url = f"/submit/grid?org=NANSHAN&task={TASK}"
    grid = page(submitter, grid_url)
    assert 'id="save-draft"' in grid
    assert 'id="grid-draft"' not in grid
    saved = submitter.post(
        "/submit/grid",
        data=_grid_form(grid, "draft", {"440305:GDP": "1,234.5", "440305:VA_TERTIARY": "abc"}),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:3000]
    assert saved.headers["location"] == f"/submit/grid?org=NANSHAN&task={TASK}&period=2030Q1"

    again = page(submitter, saved.headers["location"])
    draft_id = part(again, r'id="grid-draft" data-draft="(\d+)"')
    assert f"#{draft_id}" in part(again, r'<div class="flash success" role="status">([^<]*)</div>')
    assert 'value="1,234.5"' in _cell(again, "440305:GDP")
    tertiary = _cell(again, "440305:VA_TERTIARY")
    assert tertiary.startswith("bad|")
    assert 'value="abc"' in tertiary
    assert "不是数字" in tertiary
    submission = submitter.get(f"/api/v1/submissions/{draft_id}").json()
    assert (submission["status"], submission["values"], submission["channel"]) == ("draft", 1, "grid")

    board = page(submitter, f"/tasks/{TASK}")
    assert board_state(board, "NANSHAN") == "draft"
    assert "草稿" in board
    # The bureau neither sees the draft nor has it to review.
    assert f'data-submission="{draft_id}"' not in page(reviewer, "/submissions")
    assert reviewer.get(f"/submissions/{draft_id}").status_code == 403

    # Corrected and submitted from the grid: the draft itself goes under review, no second submission.
    submitted = submitter.post(
        "/submit/grid",
        data=_grid_form(again, "submit", {"440305:GDP": "1,234.5", "440305:VA_TERTIARY": "800"}),
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text[:3000]
    assert submitted.headers["location"] == f"/submissions/{draft_id}"
    after = submitter.get(f"/api/v1/submissions/{draft_id}").json()
    assert (after["status"], after["values"]) == ("under_review", 2)
    assert [(event["from"], event["to"]) for event in after["events"]] == [
        (None, "draft"),
        ("draft", "under_review"),
    ]
    assert board_state(page(submitter, f"/tasks/{TASK}"), "NANSHAN") == "submitted"
    assert 'id="grid-draft"' not in page(submitter, grid_url)


def test_grid_draft_without_a_task_keeps_its_columns_and_is_discarded(submitter: TestClient) -> None:
    grid = page(submitter, "/submit/grid?period=2030Q1&indicator=GDP&indicator=VA_TERTIARY")
    saved = submitter.post(
        "/submit/grid",
        data=_grid_form(grid, "draft", {"440305:GDP": "1000", "440305:VA_TERTIARY": "700"}),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:3000]
    # Opened again for the period alone, the grid takes its columns from the draft's values.
    again = page(submitter, "/submit/grid?org=NANSHAN&period=2030Q1")
    draft_id = part(again, r'id="grid-draft" data-draft="(\d+)"')
    assert hidden_all(again, "key")[:2] == ["440305:GDP", "440305:VA_TERTIARY"]
    assert 'value="700"' in _cell(again, "440305:VA_TERTIARY")

    form = part(again, r'(<form method="post" action="/submit/grid/discard".*?</form>)')
    discarded = submitter.post(
        "/submit/grid/discard",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "draft": hidden(form, "draft"),
            "org": "NANSHAN",
            "period": "2030Q1",
            "indicator": hidden_all(form, "indicator"),
        },
        follow_redirects=False,
    )
    assert discarded.status_code == 303
    empty = page(submitter, discarded.headers["location"])
    assert f"#{draft_id}" in part(empty, r'<div class="flash success" role="status">([^<]*)</div>')
    assert 'id="grid-draft"' not in empty
    assert submitter.get(f"/api/v1/submissions/{draft_id}").json()["status"] == "discarded"


def _confirm(client: TestClient, document: str, **extra: object) -> str:
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
            "target": selected_targets(document),
            **extra,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:3000]
    return str(response.headers["location"])


def test_an_upload_kept_as_a_draft_is_submitted_from_its_page(
    submitter: TestClient, reviewer: TestClient
) -> None:
    status, shown = preview(
        submitter, "地区代码,地区生产总值\n440305,2000\n".encode(), "later.csv", period="2030Q1"
    )
    assert status == 200
    assert 'id="save-draft"' in shown
    location = _confirm(submitter, shown, action="draft")
    report = page(submitter, location)
    contains_all(
        report, 'id="draft-box"', 'id="submit-draft-form"', 'id="discard-draft-form"', "草稿"
    )  # "Draft"
    assert submitter.get("/api/v1" + location).json()["status"] == "draft"
    assert reviewer.get(location).status_code == 403

    token = hidden(report, "csrf_token")
    response = submitter.post(f"{location}/submit", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert submitter.get("/api/v1" + location).json()["status"] == "under_review"
    submitted = page(submitter, location)
    assert 'id="draft-box"' not in submitted
    # Once submitted it is no draft: discarding it is refused, with the reason, and nothing changes.
    refused = submitter.post(f"{location}/discard", data={"csrf_token": token})
    assert refused.status_code == 409
    reason = part(refused.text, r'id="draft-error">([^<]*)<')
    assert location.rsplit("/", 1)[-1] in reason
    assert "under_review" in reason
    assert submitter.get("/api/v1" + location).json()["status"] == "under_review"


def test_a_draft_upload_is_discarded_from_its_page(submitter: TestClient) -> None:
    _status, shown = preview(
        submitter, "地区代码,地区生产总值\n440305,2000\n".encode(), "drop.csv", period="2030Q1"
    )
    location = _confirm(submitter, shown, action="draft")
    token = hidden(page(submitter, location), "csrf_token")
    response = submitter.post(f"{location}/discard", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/submissions"
    assert submitter.get("/api/v1" + location).json()["status"] == "discarded"


def test_a_column_marked_year_to_date_on_the_preview(submitter: TestClient, db: Database) -> None:
    body = "地区代码,时期,地区生产总值,第三产业增加值\n440305,2030Q3,9000,6000\n".encode()
    status, shown = preview(submitter, body, "ytd.csv")
    assert status == 200
    boxes = re.findall(r'<input type="checkbox" name="cumulative" value="([^"]+)">', shown)
    assert boxes == ["ytd!C", "ytd!D"]  # the value columns, not the region or the period
    location = _confirm(submitter, shown, cumulative=["ytd!C"])
    submission_id = int(location.rsplit("/", 1)[-1])
    with db.read() as conn:
        periods = conn.execute(
            select(submission_values.c.location, submission_values.c.period)
            .where(submission_values.c.submission_id == submission_id)
            .order_by(submission_values.c.id)
        ).all()
    assert [tuple(row) for row in periods] == [("ytd!C2", "2030Q3YTD"), ("ytd!D2", "2030Q3")]
