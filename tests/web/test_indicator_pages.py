"""The indicator catalogue, the data browser, revisions and the conflict board, in the browser's view.

Each test installs a small indicator system of its own (WEB_… codes) and publishes a few values of
Shenzhen and two districts, so the pages have series, a computed sum, a revision, a definition change
and one conflict to show, whatever the demo city holds.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from citybase.accounts.actor import Actor
from citybase.demo import DemoLogin
from citybase.facts.conflicts import list_conflicts
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.indicators.definitions import IndicatorInput
from citybase.indicators.service import revise_indicator
from citybase.storage import Database
from tests.factories import csv_rows, install_web_indicators, web_indicator_system
from tests.web.test_auth import is_login_redirect, session_token, signed_in
from tests.web.test_pages import nav_links, page, twins

CHART = re.compile(
    r'<div class="chart tall" data-chart id="([^"]+)">\s*<script type="application/json">(.*?)</script>', re.S
)


def _publish(db: Database, actor: Actor, org: str, origin: str, rows: list[FactInput]) -> None:
    with db.write() as conn:
        publish(conn, actor, rows, origin=origin, source_org=org)


@pytest.fixture
def figures(db: Database, system: Actor) -> int:
    """The WEB_ system with values, a revision, a second definition version and one open conflict;
    returns the conflict's id."""
    install_web_indicators(db, system)
    indicators: list[dict[str, Any]] = web_indicator_system()["indicators"]  # type: ignore[assignment]
    entry = next(item for item in indicators if item["code"] == "WEB_GDP")
    revised = IndicatorInput.from_mapping({**entry, "definition": entry["definition"] + "（经济普查后修订）"})
    with db.write() as conn:
        revise_indicator(
            conn, system, "WEB_GDP", revised, effective_from=dt.date(2018, 1, 1), change_note="第四次经济普查"
        )
    _publish(
        db,
        system,
        "STATS",
        "test:city",
        [
            FactInput("WEB_GDP", "440300", "2016", "19492.6"),
            FactInput("WEB_GDP", "440300", "2017", "22490.06"),
            FactInput("WEB_GDP", "440300", "2019", "26927.09"),
            FactInput("WEB_GDP", "440305", "2017", "4600", status="provisional"),
            FactInput("WEB_GDP", "440305", "2018", "5018"),
            FactInput("WEB_GDP", "440304", "2018", "4250"),
            FactInput("WEB_VA3", "440300", "2016", "11704.97"),
            FactInput("WEB_VA3", "440300", "2017", "13150.28"),
        ],
    )
    _publish(db, system, "STATS", "test:final", [FactInput("WEB_GDP", "440305", "2017", "4601.2")])
    _publish(db, system, "NANSHAN", "test:nanshan", [FactInput("WEB_GDP", "440305", "2018", "5100")])
    with db.read() as conn:
        found = list_conflicts(conn, system, indicator="WEB_GDP")
    assert len(found) == 1
    return found[0].id


@pytest.fixture
def admin(client: TestClient, demo_login: DemoLogin) -> TestClient:
    signed_in(client, demo_login.admin_username, demo_login.admin_password)
    return client


def chart(document: str, element_id: str) -> dict[str, object]:
    found = dict(CHART.findall(document))
    assert element_id in found, f"no chart {element_id}"
    option: dict[str, object] = json.loads(found[element_id])
    return option


def part(document: str, pattern: str) -> str:
    """The first group of `pattern` in the page, which must be there."""
    found = re.search(pattern, document, re.S)
    assert found, f"nothing matches {pattern}"
    return found.group(1)


def contains_all(document: str, *expected: str) -> None:
    for item in expected:
        assert item in document, item


def conflict_status(db: Database, conflict_id: int) -> str:
    with db.read() as conn:
        return str(
            conn.execute(
                text("SELECT status FROM conflicts WHERE id = :id"), {"id": conflict_id}
            ).scalar_one()
        )


# ---- navigation and sign-in ----------------------------------------------------------------------------

PAGES = ("/indicators", "/indicators/WEB_GDP", "/data", "/data/revisions?indicator=X&region=1&period=2020",
         "/conflicts", "/conflicts/badge")  # fmt: skip


def test_pages_need_a_session(client: TestClient) -> None:
    for path in PAGES:
        assert is_login_redirect(client.get(path, follow_redirects=False)), path


def test_navigation_and_open_conflict_badge(admin: TestClient, figures: int) -> None:
    links = nav_links(page(admin, "/"))
    assert links["指标体系"] == "/indicators"
    assert links["数据浏览"] == "/data"
    assert links["冲突"] == "/conflicts"
    assert 'hx-get="/conflicts/badge"' in page(admin, "/indicators")
    badge = admin.get("/conflicts/badge")
    assert badge.status_code == 200
    assert re.search(r'<span class="nav-count" title="[^"]*">\d+</span>', badge.text)


# ---- the catalogue -----------------------------------------------------------------------------------------


def test_catalogue_lists_indicators_by_category(admin: TestClient, figures: int) -> None:
    document = page(admin, "/indicators")
    assert "<title>指标体系 · CityBase</title>" in document
    row = part(document, r'<tr data-code="WEB_GDP">(.*?)</tr>')
    contains_all(
        row,
        "测试地区生产总值",
        "亿元",
        "年度",
        "时期数（流量）",
        'href="/orgs/STATS"',
        "深圳市统计局",
        "在用",
    )
    assert "派生" in part(document, r'<tr data-code="WEB_SHARE3">(.*?)</tr>')  # the derived marker
    node = part(document, r'<li class="depth-1[^"]*" data-category="WEB_ECON.GDP">(.*?)</li>')
    contains_all(node, "测试生产总值", '<span class="count">3</span>')
    assert '<span class="count">4</span>' in part(document, r'data-category="WEB_ECON">(.*?)</li>')


def test_catalogue_search_category_and_twins(admin: TestClient, figures: int) -> None:
    found = page(admin, "/indicators?q=web_share")
    assert 'data-code="WEB_SHARE3"' in found
    assert 'data-code="WEB_GDP"' not in found
    in_category = page(admin, "/indicators?category=WEB_ECON.GDP")
    assert 'data-code="WEB_VA3"' in in_category
    assert 'data-code="WEB_POP"' not in in_category
    links = dict(twins(in_category))
    assert links["json"] == "/api/v1/indicators?category=WEB_ECON.GDP"
    assert links["csv"] == "/api/v1/indicators?category=WEB_ECON.GDP&format=csv&bom=true"
    codes = {item["code"] for item in admin.get(links["json"]).json()}
    assert codes == {"WEB_GDP", "WEB_VA3", "WEB_SHARE3"}
    _header, rows = csv_rows(admin.get(links["csv"]).content)
    assert {row["code"] for row in rows} == codes


# ---- one indicator -----------------------------------------------------------------------------------------


def test_indicator_page_shows_the_definition_and_its_history(admin: TestClient, figures: int) -> None:
    document = page(admin, "/indicators/WEB_GDP")
    contains_all(
        document,
        "测试地区生产总值",
        "按市场价格计算的常住单位生产活动最终成果（经济普查后修订）",
        '<a href="/orgs/STATS">深圳市统计局</a>',
        '<a href="/orgs/NANSHAN">',  # may also report
        "≥ 0 亿元",
        "测试第三产业比重",  # its value is used in the formula of WEB_SHARE3
    )
    aliases = part(document, r'<table class="data" id="alias-table">(.*?)</table>')
    contains_all(aliases, "WEB_GDP_10K", "以万元为单位")
    versions = part(document, r'<table class="data" id="version-table">(.*?)</table>')
    contains_all(versions, "v2", "2018-01-01", "第四次经济普查", "v1", "1949-01-01")
    assert ("json", "/api/v1/indicators/WEB_GDP") in twins(document)


def test_indicator_chart_marks_the_break_and_computed_values(admin: TestClient, figures: int) -> None:
    document = page(admin, "/indicators/WEB_GDP")
    option: Any = chart(document, "series-chart")
    series = {line["name"]: line for line in option["series"]}
    assert set(series) == {"深圳市", "福田区", "南山区"}
    assert option["xAxis"]["data"] == ["2016", "2017", "2018", "2019"]
    city = series["深圳市"]["data"]
    assert city[0] == 19492.6
    assert city[2] == {"value": 9268.0, "symbol": "emptyDiamond", "symbolSize": 9}  # 5018 + 4250, computed
    marks = series["深圳市"]["markLine"]["data"]
    assert [mark["xAxis"] for mark in marks] == ["2018"]
    assert "v2" in marks[0]["name"]
    table = part(document, r'<table class="data series-table" id="series-table">(.*?)</table>')
    assert "◇" in table  # the computed sum
    assert 'href="/data/revisions?indicator=WEB_GDP&amp;region=440305&amp;period=2017"' in table
    series_twins = {kind: url for kind, url in twins(document) if url.startswith("/api/v1/facts")}
    # The default regions: the home city and those of its districts with values.
    assert (
        series_twins["json"]
        == "/api/v1/facts?indicator=WEB_GDP&region=440300%2C440304%2C440305&frequency=year"
    )
    assert series_twins["csv"] == series_twins["json"] + "&format=csv&bom=true&limit=10000"
    assert admin.get(series_twins["json"]).json()["total"] == 7


def test_region_picker_chooses_the_series(admin: TestClient, figures: int) -> None:
    document = page(admin, "/indicators/WEB_GDP?region=440305")
    option: Any = chart(document, "series-chart")
    assert [line["name"] for line in option["series"]] == ["南山区"]
    assert '<input type="checkbox" name="region" value="440305" checked>' in document
    assert '<input type="checkbox" name="region" value="440300" >' in document


def test_alias_shows_the_indicator_it_names(admin: TestClient, figures: int) -> None:
    for path in ("/indicators/WEB_GDP_10K", "/indicators/web_gdp_10k"):
        document = page(admin, path)
        assert "WEB_GDP_10K 是 WEB_GDP 以万元为单位的别名" in document
        assert '<span class="mono muted">WEB_GDP</span>' in document  # the heading names the indicator


def test_derived_indicator_shows_its_formula_and_computed_series(admin: TestClient, figures: int) -> None:
    document = page(admin, "/indicators/WEB_SHARE3")
    contains_all(
        document, "WEB_VA3 / WEB_GDP × 100", 'href="/indicators/WEB_VA3"', 'href="/indicators/WEB_GDP"'
    )
    option: Any = chart(document, "series-chart")
    line = option["series"][0]
    assert line["lineStyle"] == {"type": "dashed"}
    assert line["data"][0]["value"] == pytest.approx(60.05, abs=0.01)


def test_unknown_indicator_is_not_found(admin: TestClient, figures: int) -> None:
    assert "未知指标 NO_SUCH_THING" in page(admin, "/indicators/NO_SUCH_THING", status=404)


# ---- the data browser --------------------------------------------------------------------------------------


def test_data_browser_starts_with_the_form(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data")
    assert '<form method="get" action="/data" class="card data-form" id="data-form">' in document
    assert '<option value="WEB_GDP" >' in document
    assert '<input type="checkbox" name="region" value="440300" checked>' in document  # the home city
    assert 'id="data-table"' not in document
    assert 'data-twin="json"' not in document  # no data yet, so no twins


def test_data_browser_shows_values_with_their_marks(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data?indicator=WEB_GDP&region=440300&region=440305&start=2016&end=2019")
    table = part(document, r'<table class="data" id="data-table">(.*?)</table>')
    rows = re.findall(r'<tr class="[^"]*">(.*?)</tr>', table, re.S)
    assert len(rows) == 6  # four years of the city (one a computed sum), two of Nanshan
    computed = next(row for row in rows if "2018" in row and "440300" in row)
    contains_all(computed, "下级汇总 2/9", "计算值", "9,268.00", "v2")
    revised = next(row for row in rows if "2017" in row and "440305" in row)
    contains_all(revised, "4,601.20", "最终核实", "修订记录", "v1")
    assert chart(document, "data-chart")["series"]


def test_data_browser_csv_twin_is_the_same_query(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data?indicator=WEB_GDP&region=440300,440305&start=2016&end=2019")
    links = dict(twins(document))
    assert links["json"] == "/api/v1/facts?indicator=WEB_GDP&region=440300%2C440305&start=2016&end=2019"
    assert links["csv"] == links["json"] + "&format=csv&bom=true&limit=10000"
    assert f'href="{html.escape(links["csv"])}" download' in document  # the 下载 CSV button
    response = admin.get(links["csv"])
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    _header, rows = csv_rows(response.content)
    assert sorted((row["region"], row["period"]) for row in rows) == [
        ("440300", "2016"), ("440300", "2017"), ("440300", "2018"), ("440300", "2019"),
        ("440305", "2017"), ("440305", "2018"),
    ]  # fmt: skip
    assert admin.get(links["json"]).json()["total"] == len(rows)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("indicator=WEB_GDP&start=20x", "“20x”不是有效的时期"),
        ("indicator=WEB_GDP&start=2019&end=2016", "起始时期 2019 晚于截止时期 2016"),
        ("indicator=NO_SUCH_THING", "未知指标 NO_SUCH_THING"),
        ("indicator=WEB_GDP&region=999999", "999999"),
        ("indicator=WEB_GDP&as_of=yesterday", "“yesterday”不是有效的日期时间"),
    ],
)
def test_bad_input_re_renders_the_form(admin: TestClient, figures: int, query: str, message: str) -> None:
    document = page(admin, f"/data?{query}", status=422)
    error = part(document, r'<div class="flash error" role="alert" id="data-error">(.*?)</div>')
    assert message in html.unescape(error)
    assert 'id="data-form"' in document  # the form again, not an error page
    assert 'class="error-page' not in document


def test_bad_period_keeps_what_was_typed(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data?indicator=WEB_GDP&start=20x", status=422)
    assert 'name="start" value="20x"' in document
    assert '<option value="WEB_GDP" selected>' in document


def test_data_as_of_a_moment_before_publication_is_empty(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data?indicator=WEB_GDP&region=440305&as_of=2001-01-01T00:00")
    assert "没有符合筛选条件的数据" in document
    as_of = "2001-01-01T00%3A00%3A00%2B08%3A00"  # midnight in China Standard Time
    assert ("json", f"/api/v1/facts?indicator=WEB_GDP&region=440305&as_of={as_of}") in twins(document)


# ---- revisions ---------------------------------------------------------------------------------------------


def test_revision_history_of_one_value(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data/revisions?indicator=WEB_GDP&region=440305&period=2017")
    table = part(document, r'<table class="data" id="revision-table">(.*?)</table>')
    rows = re.findall(r'<tr class="([^"]*)" data-fact-id="\d+">(.*?)</tr>', table, re.S)
    assert [kind.strip() for kind, _row in rows] == ["superseded", "current"]
    contains_all(rows[0][1], "4,600.00", "初步")
    contains_all(rows[1][1], "4,601.20", "最终核实", "当前")
    links = dict(twins(document))
    assert links == {"json": "/api/v1/facts/revisions?indicator=WEB_GDP&region=440305&period=2017"}
    assert len(admin.get(links["json"]).json()) == 2


def test_revisions_include_competing_values(admin: TestClient, figures: int) -> None:
    document = page(admin, "/data/revisions?indicator=WEB_GDP_10K&region=440305&period=2018")
    contains_all(document, "权威值", "竞争值", "深圳市南山区人民政府")


# ---- the conflict board ------------------------------------------------------------------------------------


def conflict_card(document: str, conflict_id: int) -> str:
    return part(document, rf'<article class="card conflict \w+" id="conflict-{conflict_id}"(.*?)</article>')


def test_conflict_board_shows_both_values_and_the_gap(admin: TestClient, figures: int) -> None:
    document = page(admin, "/conflicts?indicator=WEB_GDP")
    card = conflict_card(document, figures)
    contains_all(card, "测试地区生产总值", "南山区", "2018", "5,018.00", "5,100.00", "+82.00", "+1.63%",
                 "深圳市统计局", "深圳市南山区人民政府", "发现于")  # fmt: skip
    contains_all(card, f'action="/conflicts/{figures}/resolve"', 'name="csrf_token"', 'value="replace"')
    links = dict(twins(document))
    assert set(links) == {"json"}
    assert [item["id"] for item in admin.get(links["json"]).json()] == [figures]
    assert f'id="conflict-{figures}"' not in page(admin, "/conflicts?status=resolved&indicator=WEB_GDP")


def test_resolving_needs_the_csrf_token(admin: TestClient, db: Database, figures: int) -> None:
    response = admin.post(f"/conflicts/{figures}/resolve", data={"decision": "keep", "note": "核实无误"})
    assert response.status_code == 403
    assert conflict_status(db, figures) == "open"


def test_only_platform_admins_resolve(
    client: TestClient, demo_login: DemoLogin, db: Database, figures: int
) -> None:
    token = signed_in(client, "stats_admin", demo_login.user_password)
    board = page(client, "/conflicts")
    assert "只有平台管理员可以处理冲突" in board
    assert f'action="/conflicts/{figures}/resolve"' not in board
    response = client.post(
        f"/conflicts/{figures}/resolve",
        data={"decision": "keep", "note": "核实无误", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert conflict_status(db, figures) == "open"


def test_a_decision_needs_a_reason(admin: TestClient, db: Database, figures: int) -> None:
    token = session_token(page(admin, "/conflicts"))
    response = admin.post(
        f"/conflicts/{figures}/resolve",
        data={"decision": "other_scope", "note": "  ", "csrf_token": token, "status": "open"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    card = conflict_card(response.text, figures)
    assert "请填写处理理由" in card
    assert 'value="other_scope" required checked' in card  # the choice is kept
    assert conflict_status(db, figures) == "open"


def test_resolving_a_conflict(admin: TestClient, db: Database, figures: int) -> None:
    token = session_token(page(admin, "/conflicts"))
    decision = {
        "decision": "replace",
        "note": "南山区公报已更正",
        "csrf_token": token,
        "indicator": "WEB_GDP",
    }
    response = admin.post(f"/conflicts/{figures}/resolve", data=decision, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/conflicts?status=open&indicator=WEB_GDP"
    after = page(admin, response.headers["location"])
    assert f"冲突 #{figures} 已处理：以其他来源的数值替换。" in after
    assert f'id="conflict-{figures}"' not in after
    card = conflict_card(page(admin, "/conflicts?status=resolved&indicator=WEB_GDP"), figures)
    contains_all(card, "以其他来源的数值替换", "南山区公报已更正", "admin")
    assert "resolve-form" not in card
    assert conflict_status(db, figures) == "resolved"
    revisions = page(admin, "/data/revisions?indicator=WEB_GDP&region=440305&period=2018")
    assert "5,100.00" in part(revisions, r'<tr class="current" data-fact-id="\d+">(.*?)</tr>')


# ---- the other language ------------------------------------------------------------------------------------


def test_pages_in_english(admin: TestClient, figures: int) -> None:
    admin.get("/lang/en")
    expected = {
        "/indicators": "<title>Indicator system · CityBase</title>",
        "/indicators/WEB_GDP_10K": "WEB_GDP_10K is an alias of WEB_GDP in 万元",
        "/data?indicator=WEB_GDP": "Download CSV",
        "/data/revisions?indicator=WEB_GDP&region=440305&period=2017": "Superseded",
        "/conflicts": "Conflict board",
    }
    for path, wanted in expected.items():
        document = page(admin, path)
        assert wanted in document, path
        assert '<html lang="en">' in document
    assert "&#39;20x&#39; is not a period" in page(admin, "/data?indicator=WEB_GDP&start=20x", status=422)
