"""The dashboards pages on the demo city: the list, the view with its charts and twins, the editor's
buttons, its refusals next to the field (nothing saved), sharing, copying and deleting."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from citybase.dashboards.tables import dashboards
from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.factories import row_count
from tests.web.test_auth import is_login_redirect, signed_in
from tests.web.test_pages import page

CHART = re.compile(r'id="chart-(\d+)">\s*<script type="application/json">(.*?)</script>', re.S)


def charts(document: str) -> dict[int, dict[str, Any]]:
    return {int(number): json.loads(body) for number, body in CHART.findall(document)}


def form(token: str, **fields: Any) -> dict[str, Any]:
    panel = {
        "p1_title": "GDP",
        "p1_chart": "line",
        "p1_indicators": ["GDP"],
        "p1_regions": ["440300"],
        "p1_frequency": "year",
        "p1_periods": "last",
        "p1_last": "5",
        "p1_measure": "level",
        "p1_width": "6",
    }
    return {
        "csrf_token": token,
        "title": "我的看板",
        "code": "mine",
        "sharing": "private",
        "panel_count": "1",
        **panel,
        **fields,
    }


def test_the_list_shows_mine_and_those_shared_with_me(client: TestClient, demo_login: DemoLogin) -> None:
    assert is_login_redirect(client.get("/dashboards", follow_redirects=False))
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/dashboards")
    shared = document.split('id="shared"')[1].split("</table>")[0]
    assert 'href="/dashboards/economy-monthly"' in shared
    assert 'id="mine-empty"' in document


def test_the_view_draws_each_panel_with_its_twins(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "nanshan_submitter", demo_login.user_password)
    document = page(client, "/dashboards/economy-monthly")
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in document
    drawn = charts(document)
    assert sorted(drawn) == [1, 2, 4, 5, 6]  # 3 is a KPI tile, 7 a table
    assert drawn[1]["toolbox"]["feature"]["saveAsImage"]["type"] == "png"
    names = [series["name"] for series in drawn[2]["series"]]
    # Shown in Chinese by default: 现价 (nominal, computed from levels) beside 可比价 (the published rate).
    assert names == ["地区生产总值 (现价)", "地区生产总值比上年增长 (可比价)"]
    assert drawn[2]["series"][0]["data"] == [None, 5.6183, 6.8505, 6.3441]
    assert drawn[4]["series"][0]["type"] == "pie"
    assert drawn[5]["series"][0]["stack"] == "total"
    assert drawn[6]["series"][0]["map"] == "dashboard-map-440300"
    assert 'id="dashboard-map-440300-6"' in document  # the district boundaries
    nanshan = next(item for item in drawn[6]["series"][0]["data"] if item["code"] == "440305")
    assert nanshan == {"name": "南山区", "code": "440305", "value": 19.7268}
    kpi = document.split('id="kpi-3"')[1].split("</div>\n      </div>")[0]
    assert "183,377.01" in kpi
    assert "元/人" in kpi
    assert 'id="table-7"' in document
    assert 'href="/api/v1/dashboards/economy-monthly/panels/6/data?format=csv&amp;bom=true"' in document
    assert 'id="edit-dashboard"' not in document
    assert 'id="sharing"' not in document
    csv_answer = client.get("/api/v1/dashboards/economy-monthly/panels/6/data?format=csv&bom=true")
    assert csv_answer.text.startswith("\ufeffdashboard,panel,indicator")


def test_the_editor_adds_moves_and_removes_panels_without_saving(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    before = row_count(db, dashboards)
    document = page(client, "/dashboards/new")
    assert 'id="p1-indicators"' in document
    assert 'value="districts:440300"' in document
    added = client.post("/dashboards/new", data=form(token, action="add"))
    assert added.status_code == 200
    assert 'id="panel-editor-2"' in added.text
    assert 'name="panel_count" value="2"' in added.text
    moved = client.post(
        "/dashboards/new", data=form(token, action="down-1", panel_count="2", p2_title="Second")
    )
    assert moved.text.index('value="Second"') < moved.text.index('value="GDP"')
    removed = client.post("/dashboards/new", data=form(token, action="remove-1", panel_count="1"))
    assert 'id="panel-editor-1"' not in removed.text
    assert row_count(db, dashboards) == before


def test_a_bad_panel_is_shown_next_to_its_field_and_nothing_is_saved(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    before = row_count(db, dashboards)
    refused = client.post(
        "/dashboards/new", data=form(token, action="save", p1_indicators=["GDP_GROWTH"], p1_measure="share")
    )
    assert refused.status_code == 422
    measure = refused.text.split('id="p1-measure"')[1].split("</div>")[0]
    assert '<div class="error">' in measure
    assert "GDP_GROWTH" in measure
    assert 'id="editor-errors"' in refused.text
    assert '<option value="GDP_GROWTH" selected>' in refused.text  # the analyst's choice is kept
    assert row_count(db, dashboards) == before
    no_token = client.post("/dashboards/new", data=form("", action="save"))
    assert no_token.status_code == 403
    assert row_count(db, dashboards) == before


def test_save_share_copy_and_delete(client: TestClient, demo_login: DemoLogin) -> None:
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    saved = client.post("/dashboards/new", data=form(token, action="save"), follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dashboards/mine"
    view = page(client, "/dashboards/mine")
    assert 'id="edit-dashboard"' in view
    assert 'id="sharing"' in view
    edited = client.post(
        "/dashboards/mine/edit", data=form(token, action="save", title="改过的看板"), follow_redirects=False
    )
    assert edited.status_code == 303
    assert 'id="dashboard-title">改过的看板<' in page(client, "/dashboards/mine")
    shared = client.post(
        "/dashboards/mine/share", data={"csrf_token": token, "sharing": "organisations", "orgs": ["FINANCE"]},
        follow_redirects=False,
    )  # fmt: skip
    assert shared.status_code == 303
    assert client.get("/api/v1/dashboards/mine").json()["shared_with"] == ["FINANCE"]
    copied = client.post(
        "/dashboards/economy-monthly/copy", data={"csrf_token": token}, follow_redirects=False
    )
    assert copied.status_code == 303
    assert copied.headers["location"].startswith("/dashboards/economy-monthly-")
    refused = client.post("/dashboards/economy-monthly/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    deleted = client.post("/dashboards/mine/delete", data={"csrf_token": token}, follow_redirects=False)
    assert deleted.status_code == 303
    assert client.get("/dashboards/mine").status_code == 404
