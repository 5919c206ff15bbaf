"""The brief page: the brief as HTML with its tables and charts, download buttons for .docx and .xlsx that
the session may follow, and refusals shown on the page."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from tests.web.test_auth import is_login_redirect, signed_in
from tests.web.test_pages import page


def test_the_page_shows_the_brief_and_links_its_files(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis/brief?region=440300&period=2016&forecast=false")
    assert "深圳市2016年经济运行形势分析报告" in document
    assert "2016年全市地区生产总值19492.60亿元，按现价计算比上年增长11.4%。" in document
    table = document.split('id="brief-table-districts_level"')[1].split("</table>")[0]
    first = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)[0]
    assert "南山区" in first
    assert "3,845.27" in first
    assert "19.7" in first
    chart = re.search(
        r'id="brief-chart-districts">\s*<script type="application/json">(.*?)</script>', document, re.S
    )
    assert chart is not None
    option = json.loads(chart.group(1))
    assert option["series"][0]["type"] == "bar"
    assert option["xAxis"]["data"][0] == "南山区"
    links = dict(re.findall(r'href="([^"]+)" data-download="(\w+)"', document))
    by_kind = {kind: html.unescape(url) for url, kind in links.items()}
    assert by_kind["docx"] == "/api/v1/analysis/brief?region=440300&period=2016&forecast=false&format=docx"
    download = client.get(by_kind["xlsx"])
    assert download.status_code == 200
    assert download.content[:2] == b"PK"


def test_the_empty_form_and_refusals(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    assert 'id="brief-intro"' in page(client, "/analysis/brief")
    refused = page(client, "/analysis/brief?period=2018&forecast=false", status=422)
    assert 'id="brief-error"' in refused
    assert "GDP 在区划 440300 的 2018 没有数值（所查询的期别）" in refused


def test_the_page_needs_a_session(client: TestClient) -> None:
    assert is_login_redirect(client.get("/analysis/brief?period=2017", follow_redirects=False))
