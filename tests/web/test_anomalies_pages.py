"""The anomalies page on the demo city: the list with its evidence and links, the filters, paging, the JSON
and CSV twins, a bad filter, the login, and English."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from tests.web.test_auth import is_login_redirect, signed_in
from tests.web.test_pages import page, twins

ROW = re.compile(
    r'<tr data-kind="(\w+)" data-method="(\w+)" data-indicator="(\w+)" data-region="(\d+)"'
    r' data-period="(\w+)">(.*?)</tr>',
    re.S,
)


def rows(document: str) -> list[tuple[str, ...]]:
    return ROW.findall(document)


def test_the_list_with_evidence_and_links(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis/anomalies?indicator=LAND_AREA,GDP&kind=relation")
    found = rows(document)
    assert [row[:5] for row in found] == [
        ("relation", "sub_regions", "LAND_AREA", "440300", "2016"),
        ("relation", "sub_regions", "GDP", "440300", "2016"),
    ]
    land = found[0][5]
    assert "1,997.27" in land
    assert "1,701.95" in land
    assert "<details" in land
    assert "9/9" in land
    assert "南山区" in land  # each district's value is in the evidence
    links = [html.unescape(link) for link in re.findall(r'href="([^"]+)"', land)]
    assert "/indicators/LAND_AREA?region=440300&frequency=year" in links
    data = next(link for link in links if link.startswith("/data?"))
    assert data.startswith("/data?indicator=LAND_AREA&region=440300%2C440303")
    assert page(client, data).count("1,997.27") >= 1
    gdp = found[1][5]
    assert 'href="/rules/GDP_DISTRICT_SUM"' in gdp
    assert 'id="anomalies-summary"' in document


def test_series_breaks_show_the_expected_range(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis/anomalies?kind=series&region=540100")
    found = rows(document)
    assert found
    assert {row[0] for row in found} == {"series"}
    assert {row[3] for row in found} == {"540100"}
    # 拉萨's tertiary sector: 42.50 in 2003 against 11.09 in 2002, where 11.36 to 13.49 was expected.
    assert found[0][:5] == ("series", "growth", "VA_TERTIARY", "540100", "2003")
    first = found[0][5]
    assert "11.36 – 13.49" in first
    assert "50.11" in first
    assert "2002: 11.09" in first
    assert 'href="/indicators/VA_TERTIARY?region=540100&amp;frequency=year"' in first


def test_twins_and_paging(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis/anomalies")
    found = twins(document)
    assert [kind for kind, _url in found] == ["json", "csv"]
    body = client.get(found[0][1]).json()
    assert body["total"] > 50
    assert [item["indicator"] for item in body["items"]] == [row[2] for row in rows(document)]
    assert len(body["items"]) == 50
    csv_response = client.get(found[1][1])
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.text.count("\n") == body["total"] + 1
    following = re.search(r'<a href="([^"]+)" id="next">', document)
    assert following is not None
    second = page(client, html.unescape(following.group(1)))
    assert 'id="previous"' in second
    assert rows(second)[0][:5] != rows(document)[0][:5]


def test_a_bad_filter_says_why(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "finance_viewer", demo_login.user_password)
    document = page(client, "/analysis/anomalies?threshold=abc", status=422)
    assert 'id="anomalies-error"' in document
    assert "abc" in document
    unknown = page(client, "/analysis/anomalies?indicator=NOPE", status=422)
    assert "NOPE" in unknown
    assert not rows(unknown)


def test_login_and_english(client: TestClient, demo_login: DemoLogin) -> None:
    assert is_login_redirect(client.get("/analysis/anomalies", follow_redirects=False))
    signed_in(client, "finance_viewer", demo_login.user_password)
    client.get("/lang/en", follow_redirects=False)
    document = page(client, "/analysis/anomalies?kind=series&region=540100")
    assert "<h1>Anomalies</h1>" in document
    assert "Modified z-score" in document
    assert "Growth on the year before" in document
