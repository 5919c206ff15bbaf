"""GET /api/v1/quality on the hand-made history of tests/quality/history.py: the board as JSON, each section
as JSON rows or CSV, the actor's scope, refusals and bad filters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from citybase.accounts.actor import Actor
from citybase.storage import Database
from tests.factories import as_csv_cells, csv_rows
from tests.quality.history import RETURN_COMMENT, TASK, History, build_history

Auth = Callable[..., dict[str, str]]
URL = "/api/v1/quality"
MONTHS = {"start": "2030-01", "end": "2030-03"}


@pytest.fixture
def history(db: Database, system: Actor) -> History:
    return build_history(db, system)


def test_the_board_as_json(client: TestClient, auth: Auth, history: History) -> None:
    response = client.get(URL, params=MONTHS, headers=auth("stats_reviewer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start"], body["end"], body["scope"], body["org"], body["task"]) == (
        "2030-01",
        "2030-03",
        "own",
        None,
        None,
    )
    summary = body["summary"]
    assert (summary["submissions"], summary["error_findings"], summary["warning_findings"]) == (4, 2, 1)
    assert (summary["completion_rate"], summary["timeliness_rate"]) == (0.6667, 0.6667)
    assert [item["rule"] for item in body["findings"]["top_rules"]] == [
        "GDP_BALANCE",
        "TERTIARY_WITHIN_GDP",
        "GDP_PAIR",
    ]
    assert [(m["month"], m["errors"]) for m in body["findings"]["by_month"]] == [
        ("2030-01", 2),
        ("2030-02", 0),
        ("2030-03", 0),
    ]
    [task] = body["timeliness"]["by_task"]
    assert (task["task"], task["period"], task["deadline"], task["asked"]) == (
        TASK,
        "2029Q4",
        "2030-01-15",
        3,
    )
    assert (body["conflicts"]["open"], body["conflicts"]["resolved"]) == (2, 1)
    assert [c["id"] for c in body["conflicts"]["oldest_open"]] == [history.conflict_b, history.conflict_a]
    assert [(r["submission"], r["comment"]) for r in body["reviews"]["returns"]] == [
        (history.luohu_returned, RETURN_COMMENT)
    ]


def test_a_section_as_csv_matches_its_json(client: TestClient, auth: Auth, history: History) -> None:
    headers = auth("stats_reviewer")
    params = {**MONTHS, "section": "findings_by_org"}
    items = client.get(URL, params=params, headers=headers).json()["items"]
    assert [(item["org"], item["errors"], item["warnings"]) for item in items] == [
        ("FUTIAN", 2, 0),
        ("LUOHU", 0, 1),
    ]
    response = client.get(URL, params={**params, "format": "csv", "bom": "true"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="quality-findings_by_org.csv"'
    assert response.content.startswith("\ufeff".encode())
    header, rows = csv_rows(response.content)
    assert header == ["org", "org_name", "errors", "warnings", "submissions"]
    assert rows == [as_csv_cells(item, header) for item in items]


def test_csv_without_a_section_is_the_summary_and_empty_sections_keep_their_header(
    client: TestClient, auth: Auth, history: History
) -> None:
    headers = auth("stats_reviewer")
    header, rows = csv_rows(client.get(URL, params={**MONTHS, "format": "csv"}, headers=headers).content)
    assert header[:3] == ["submissions", "error_findings", "warning_findings"]
    assert [(row["submissions"], row["open_conflicts"], row["completion_rate"]) for row in rows] == [
        ("4", "2", "0.6667")
    ]
    march = {"start": "2030-03", "end": "2030-03", "section": "returns", "format": "csv"}
    header, rows = csv_rows(client.get(URL, params=march, headers=headers).content)
    assert (header[:2], rows) == (["submission", "org"], [])


def test_a_district_sees_its_own_figures(client: TestClient, auth: Auth, history: History) -> None:
    body = client.get(URL, params=MONTHS, headers=auth("nanshan_submitter")).json()
    assert body["scope"] == "own"
    assert [r["org"] for r in body["reviews"]["by_org"]] == ["NANSHAN"]
    assert body["findings"]["by_rule"] == []
    assert [line["org"] for line in body["timeliness"]["lines"]] == ["NANSHAN"]
    assert body["conflicts"]["open"] == 1


def test_refusals_and_bad_filters(client: TestClient, auth: Auth, history: History) -> None:
    nanshan = auth("nanshan_submitter")
    other = client.get(URL, params={**MONTHS, "org": "FUTIAN"}, headers=nanshan)
    assert other.status_code == 403
    assert other.json()["detail"] == (
        "nanshan_submitter (NANSHAN) may not view submissions of another organisation (FUTIAN)"
    )
    bad = client.get(URL, params={"start": "2030-1"}, headers=nanshan)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "The start month '2030-1' must be written YYYY-MM, e.g. 2026-03"
    section = client.get(URL, params={"section": "everything"}, headers=nanshan)
    assert section.status_code == 422
    assert section.json()["detail"].startswith(
        "Unknown section 'everything' (known: summary, findings_by_rule"
    )
    assert client.get(URL, params={"task": "NO_TASK"}, headers=nanshan).status_code == 404
    assert client.get(URL).status_code == 401
