"""The data-quality board page on the hand-made history of tests/quality/history.py: KPI tiles, the three
charts (PNG button, CSV twin) and their tables, filters, JSON/CSV twins, scoping and refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.accounts.actor import Actor
from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.factories import csv_rows
from tests.quality.history import RETURN_COMMENT, TASK, History, build_history
from tests.web.test_auth import is_login_redirect, signed_in
from tests.web.test_indicator_pages import contains_all, part
from tests.web.test_pages import nav_links, page, twins

BOARD = "/quality?start=2030-01&end=2030-03"


@pytest.fixture
def history(db: Database, system: Actor) -> History:
    return build_history(db, system)


@pytest.fixture
def admin(client: TestClient, demo_login: DemoLogin) -> TestClient:
    signed_in(client, demo_login.admin_username, demo_login.admin_password)
    return client


def chart(document: str, chart_id: str) -> dict[str, Any]:
    option = part(document, rf'id="{chart_id}">\s*<script type="application/json">(.*?)</script>')
    found: dict[str, Any] = json.loads(option)
    return found


def test_kpis_and_charts(admin: TestClient, history: History) -> None:
    document = page(admin, BOARD)
    kpis = {
        name: part(document, rf'id="kpi-{name}">([^<]*)<')
        for name in ("completion", "timeliness", "conflicts", "errors")
    }
    assert kpis == {"completion": "66.7%", "timeliness": "66.7%", "conflicts": "2", "errors": "2"}
    rules = chart(document, "rules-chart")
    assert rules["yAxis"]["data"] == ["GDP_PAIR", "TERTIARY_WITHIN_GDP", "GDP_BALANCE"]  # largest on top
    assert [item["value"] for item in rules["series"][0]["data"]] == [1, 1, 1]
    assert rules["toolbox"]["feature"]["saveAsImage"]["type"] == "png"
    trend = chart(document, "trend-chart")
    assert trend["xAxis"]["data"] == ["2030-01", "2030-02", "2030-03"]
    assert [series["data"] for series in trend["series"]] == [[3, 1, 0], [2, 0, 0], [1, 0, 0]]
    timeliness = chart(document, "timeliness-chart")
    assert timeliness["xAxis"]["data"] == ["FUTIAN", "LUOHU", "NANSHAN"]
    assert [series["data"] for series in timeliness["series"]] == [[100.0, 0.0, 100.0], [0.0, 100.0, 100.0]]
    for chart_id in ("rules-chart", "trend-chart", "timeliness-chart"):
        assert f'data-renderer="canvas" id="{chart_id}"' in document
        assert f'data-chart-png="{chart_id}"' in document
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in document


def test_each_chart_links_its_data_as_csv(admin: TestClient, history: History) -> None:
    document = page(admin, BOARD)
    links = dict(re.findall(r'<a href="([^"]+)" data-chart-csv="([^"]+)"', document))
    by_section = {section: href.replace("&amp;", "&") for href, section in links.items()}
    assert set(by_section) == {"findings_by_rule", "findings_by_month", "timeliness_by_org"}
    response = admin.get(by_section["timeliness_by_org"])
    assert response.status_code == 200
    header, rows = csv_rows(response.content)
    assert header[:2] == ["org", "org_name"]
    assert [(row["org"], row["completion_rate"], row["timeliness_rate"]) for row in rows] == [
        ("FUTIAN", "1.0", "0.0"),
        ("LUOHU", "0.0", "1.0"),
        ("NANSHAN", "1.0", "1.0"),
    ]


def test_tables_under_the_charts(admin: TestClient, history: History) -> None:
    document = page(admin, BOARD)
    rules = part(document, r'<table class="data" id="rules-table">(.*?)</table>')
    assert re.findall(r'data-rule="([^"]+)"', rules) == ["GDP_BALANCE", "TERTIARY_WITHIN_GDP", "GDP_PAIR"]
    assert 'href="/rules/GDP_BALANCE"' in rules
    months = part(document, r'<table class="data" id="trend-table">(.*?)</table>')
    assert re.findall(r'data-month="([^"]+)"', months) == ["2030-01", "2030-02", "2030-03"]
    tasks = part(document, r'<table class="data" id="timeliness-task-table">(.*?)</table>')
    contains_all(tasks, f'data-task="{TASK}"', 'data-period="2029Q4"', "2030-01-15", "66.7%")
    oldest = part(document, r'<table class="data" id="oldest-conflicts-table">(.*?)</table>')
    assert re.findall(r'data-conflict="(\d+)"', oldest) == [str(history.conflict_b), str(history.conflict_a)]
    reviews = part(document, r'<table class="data" id="reviews-table">(.*?)</table>')
    assert re.findall(r'data-org="([^"]+)"', reviews) == ["FUTIAN", "LUOHU", "NANSHAN"]
    returns = part(document, r'<table class="data" id="returns-table">(.*?)</table>')
    contains_all(returns, f'href="/submissions/{history.luohu_returned}"', RETURN_COMMENT, "stats_reviewer")
    assert 'id="objections"' in document


def test_twins_and_filters(admin: TestClient, history: History) -> None:
    document = page(admin, f"{BOARD}&org=futian&task={TASK}")
    found = dict(twins(document)[:2])  # the page's own twins come first, then each section's
    assert found["json"] == f"/api/v1/quality?start=2030-01&end=2030-03&org=FUTIAN&task={TASK}"
    body = admin.get(found["json"]).json()
    assert (body["org"], body["task"], body["summary"]["submissions"]) == ("FUTIAN", TASK, 2)
    header, rows = csv_rows(admin.get(found["csv"]).content)
    assert (header[0], rows[0]["submissions"], rows[0]["audit_failed"]) == ("submissions", "2", "1")
    assert 'option value="FUTIAN" selected' in document
    assert f'option value="{TASK}" selected' in document
    assert 'value="2030-01"' in document


def test_a_district_sees_its_own_and_is_refused_others(
    app: FastAPI, demo_login: DemoLogin, history: History
) -> None:
    with TestClient(app) as nanshan:
        signed_in(nanshan, "nanshan_submitter", demo_login.user_password)
        document = page(nanshan, BOARD)
        select = part(document, r'<select id="q-org" name="org">(.*?)</select>')
        assert re.findall(r'option value="([A-Z]+)"', select) == ["NANSHAN"]
        reviews = part(document, r'<table class="data" id="reviews-table">(.*?)</table>')
        assert re.findall(r'data-org="([^"]+)"', reviews) == ["NANSHAN"]
        assert part(document, r'id="kpi-conflicts">([^<]*)<') == "1"
        assert 'id="quality-scope"' in document
        refused = nanshan.get(f"{BOARD}&org=FUTIAN")
        assert refused.status_code == 403
        assert "FUTIAN" in refused.text


def test_bad_filters_are_shown_with_422(admin: TestClient, history: History) -> None:
    response = admin.get("/quality?start=2030-13")
    assert response.status_code == 422
    assert "2030-13" in part(response.text, r'id="quality-error">([^<]*)<')
    assert 'id="quality-kpis"' not in response.text


def test_navigation_and_login(client: TestClient, admin: TestClient) -> None:
    links = list(nav_links(page(admin, "/")).values())
    assert links.index("/quality") > links.index("/analysis")
    admin.cookies.clear()
    assert is_login_redirect(client.get("/quality", follow_redirects=False))
