"""The analysis page on the demo city: the district ranking, the structure with its chart, the twins."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from tests.web.test_auth import is_login_redirect, signed_in
from tests.web.test_pages import page, twins

CHART = re.compile(
    r'<div class="chart" data-chart id="structure-chart">\s*<script type="application/json">(.*?)</script>',
    re.S,
)


def test_the_page_ranks_districts_and_shows_the_structure(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis?indicator=GDP&period=2016&basis=yoy")
    table = document.split('id="ranking-table"')[1].split("<tbody>")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert "南山区" in rows[0]
    assert ">1<" in rows[0]
    assert "19.7" in rows[0]  # Nanshan's share of the city, 3845.27 / 19492.60
    assert 'id="structure-table"' in document
    chart = json.loads(CHART.search(document).group(1))  # type: ignore[union-attr]
    assert [series["type"] for series in chart["series"]] == ["bar", "bar"]
    assert len(chart["series"][0]["data"]) == 3
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in document
    found = twins(document)
    assert [url.split("?")[0] for kind, url in found if kind == "json"] == [
        "/api/v1/analysis/ranking",
        "/api/v1/analysis/structure",
        "/api/v1/analysis/contribution",
    ]
    assert client.get(found[0][1]).json()["items"][0]["region"] == "440305"
    assert client.get(found[1][1]).headers["content-type"].startswith("text/csv")


def test_a_bad_period_says_why(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis?indicator=POP_RESIDENT&period=2016Q1", status=422)
    assert 'id="ranking-error"' in document
    assert "POP_RESIDENT" in document


def test_the_form_alone_and_the_login(client: TestClient, demo_login: DemoLogin) -> None:
    assert is_login_redirect(client.get("/analysis", follow_redirects=False))
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis")
    assert 'id="analysis-intro"' in document
    assert 'href="/analysis"' in document


def test_growth_and_shares_of_a_period(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    intro = page(client, "/analysis/growth-share")
    assert 'id="growth-share-intro"' in intro
    assert 'href="/analysis/growth-share" class="active"' in intro
    document = page(client, "/analysis/growth-share?period=2016&indicator=GDP&within=440300")
    table = document.split('id="growth-share-table"')[1].split("</table>")[0]
    nanshan = next(row for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "440305" in row)
    assert "南山区" in nanshan
    assert "3,845.27" in nanshan
    assert 'id="growth-share-summary"' in document
    found = twins(document)
    assert [url.split("?")[0] for _kind, url in found] == ["/api/v1/analysis/growth-share"] * 2
    assert client.get(found[0][1]).json()["period"] == "2016"
    everything = page(client, "/analysis/growth-share?period=2016")
    assert 'id="next"' in everything  # more than a page of values in 2016
    refused = page(client, "/analysis/growth-share?period=someday", status=422)
    assert 'id="growth-share-error"' in refused
