"""The cockpit pages on the demo city: the overview tiles, the district choropleth, the indicator page with
its forecast band, their JSON and CSV twins, and the login they need."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.web.test_auth import is_login_redirect, scalar, signed_in
from tests.web.test_pages import page, twins

CHART = (
    r'<div class="{classes}" data-chart data-renderer="canvas" id="{id}"[^>]*>\s*'
    r'<script type="application/json">(.*?)</script>'
)


def chart(document: str, element_id: str, classes: str = "chart") -> dict[str, Any]:
    found = re.search(CHART.format(classes=classes, id=element_id), document, re.S)
    assert found, element_id
    option: dict[str, Any] = json.loads(found.group(1))
    return option


def tile(document: str, code: str) -> str:
    found = re.search(rf'<section class="card tile" id="tile-{code}".*?</section>', document, re.S)
    assert found, code
    return found.group(0)


def csv_rows(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


@pytest.fixture
def viewer(client: TestClient, demo_login: DemoLogin) -> TestClient:
    signed_in(client, "finance_viewer", demo_login.user_password)
    return client


def test_the_overview_shows_gdp_with_nominal_and_comparable_growth_apart(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit")
    gdp = tile(document, "GDP")
    assert '<span class="big" data-value>36,801.87</span> 亿元' in gdp
    assert '<span class="muted" data-period>2024</span>' in gdp
    # (36801.87 / 34606.4 − 1) × 100 = 6.34 %, from current-price levels: 现价, never 可比价.
    growth = re.search(r"<div class=\"line\" data-growth>(.*?)</div>", gdp, re.S).group(1)  # type: ignore[union-attr]
    assert "+6.3 %" in growth
    assert "现价" in growth
    assert "可比价" not in growth
    published = re.search(r"<div class=\"line\" data-published>(.*?)</div>", gdp, re.S).group(1)  # type: ignore[union-attr]
    assert "5.8 %" in published
    assert "可比价" in published
    assert "GDP_GROWTH" in published
    # The demo's illustrative targets: growth 6.0 % against the published 5.8 %; 37,000 亿元 (99.46 %).
    assert 'data-target="GDP-2024-growth"' in gdp
    assert "-0.2" in gdp
    assert 'aria-valuenow="99.46"' in gdp
    option = chart(document, "spark-GDP", "chart spark")
    assert option["xAxis"]["data"][-3:] == ["2022", "2023", "2024"]
    assert option["series"][0]["data"][-3:] == [32387.68, 34606.4, 36801.87]
    assert "saveAsImage" in option["toolbox"]["feature"]
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in document


def test_a_year_to_date_value_is_measured_against_the_share_of_the_year(viewer: TestClient) -> None:
    retail = tile(page(viewer, "/cockpit"), "RETAIL_SALES")
    assert "7,646.98" in retail
    assert "2023Q3YTD" in retail
    # 7646.98 / 10500 = 72.83 % of the year's target after 9 of 12 months (75 %): behind.
    assert 'aria-valuenow="72.83"' in retail
    assert 'style="left: 75.0%"' in retail
    assert '<span class="behind">' in retail


def test_a_published_rate_tile_says_its_own_price_basis(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit")
    investment = tile(document, "FAI_GROWTH")
    assert "11.0" in investment
    assert "现价" in investment
    assert "data-growth" not in investment
    industry = tile(document, "IND_VA_ABOVE_SCALE_GROWTH")
    assert "9.7" in industry
    assert "可比价" in industry


def test_the_overview_twins_and_the_chosen_indicators(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit?indicators=GDP,POP_RESIDENT")
    assert re.findall(r'id="tile-(\w+)"', document) == ["GDP", "POP_RESIDENT"]
    json_url, csv_url = (url for _kind, url in twins(document))
    found = viewer.get(json_url).json()
    assert [item["indicator"] for item in found["tiles"]] == ["GDP", "POP_RESIDENT"]
    assert found["tiles"][0]["growth_price_basis"] == "nominal"
    assert found["tiles"][0]["published_price_basis"] == "comparable"
    assert found["tiles"][1]["growth_price_basis"] is None  # people have no price basis
    rows = csv_rows(viewer, csv_url)
    assert [row["indicator"] for row in rows] == ["GDP", "POP_RESIDENT"]
    assert rows[0]["value"] == "36801.87"
    assert rows[0]["published_growth"] == "5.8"
    spark_csv = re.search(r'<a href="([^"]+)" data-chart-csv="spark-GDP">', document).group(1)  # type: ignore[union-attr]
    trend = csv_rows(viewer, spark_csv.replace("&amp;", "&"))
    assert trend[-1] == {
        "indicator": "GDP",
        "region": "440300",
        "period": "2024",
        "value": "36801.87",
        "unit": "亿元",
    }


def test_an_unknown_indicator_is_named(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit?indicators=NOPE", status=404)
    assert "NOPE" in document


def test_the_district_choropleth_and_ranking(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit/districts?indicator=GDP&measure=share")
    option = chart(document, "district-map", "chart map")
    series = option["series"][0]
    assert series["type"] == "map"
    assert series["map"] == "cockpit-440300"
    data = {item["name"]: item["value"] for item in series["data"]}
    assert len(data) == 9
    assert data["南山区"] == 19.727  # 3845.2711 / 19492.6 = 19.7268 %, to three decimals
    assert data["福田区"] == 18.249  # 3557.287 / 19492.6 = 18.2494 %
    boundaries = re.search(
        r'<script type="application/json" id="cockpit-440300">(.*?)</script>', document, re.S
    )
    names = {feature["properties"]["name"] for feature in json.loads(boundaries.group(1))["features"]}  # type: ignore[union-attr]
    assert set(data) == names
    table = document.split('id="district-table"')[1].split("</table>")[0]
    first = re.findall(r"<tr data-region=\"(\d+)\">(.*?)</tr>", table, re.S)[0]
    assert first[0] == "440305"
    assert "19.7" in first[1]
    assert ">1<" in first[1]
    assert '<option value="2016" selected>2016</option>' in document
    json_url, csv_url = (url for _kind, url in twins(document))
    assert viewer.get(json_url).json()["items"][0]["region_name"] == "南山区"
    rows = csv_rows(viewer, csv_url)
    assert rows[0]["region"] == "440305"
    assert rows[0]["measure"] == "share"


def test_districts_per_capita_and_a_refused_measure(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit/districts?indicator=GDP&measure=per_capita&period=2016")
    data = {
        item["name"]: item["value"]
        for item in chart(document, "district-map", "chart map")["series"][0]["data"]
    }
    # Nanshan 2016: 3845.2711 亿元 over 135.63 万人 = 283,512 元/人.
    assert data["南山区"] == pytest.approx(283511.84, abs=0.01)
    assert "现价" in document  # a per-capita value of money from current-price levels
    document = page(viewer, "/cockpit/districts?indicator=GDP&measure=growth", status=422)
    assert 'id="districts-error"' in document
    assert "2015" in document
    assert viewer.get("/cockpit/districts?indicator=GDP&measure=size").status_code == 422


def test_the_indicator_page_shows_the_forecast_band_backtest_growth_and_revisions(
    viewer: TestClient, db: Database
) -> None:
    document = page(viewer, "/cockpit/indicator/GDP")
    option = chart(document, "series-chart", "chart tall")
    names = [series["name"] for series in option["series"]]
    assert names[0] == "实际值" or names[0] == "Actual"
    bands = [series for series in option["series"] if series.get("stack")]
    assert {series["stack"] for series in bands} == {"band80", "band95"}
    assert option["xAxis"]["data"][-4:] == ["2024", "2025", "2026", "2027"]
    assert "data-mase-naive" in document
    assert "data-model" in document
    growth = chart(document, "growth-chart")
    assert growth["xAxis"]["data"][-1] == "2024"
    nominal, published = growth["series"]
    assert nominal["data"][-1] == pytest.approx(6.34, abs=0.01)
    assert published["data"][-1] == 5.8
    assert "现价" in nominal["name"] or "current" in nominal["name"]
    assert "可比价" in published["name"] or "comparable" in published["name"]
    assert 'id="revisions-table"' in document
    assert "36,801.87" in document.split('id="revisions-card"')[1]
    # A second view reuses the stored run fitted on the same inputs rather than fitting again.
    runs = scalar(db, "SELECT COUNT(*) FROM forecast_runs WHERE indicator = 'GDP'")
    assert runs == 1
    page(viewer, "/cockpit/indicator/GDP")
    assert scalar(db, "SELECT COUNT(*) FROM forecast_runs WHERE indicator = 'GDP'") == 1
    json_url, csv_url = (url for _kind, url in twins(document))
    found = viewer.get(json_url).json()
    assert found["forecast"]["mase_naive"] is not None
    assert len(found["forecast"]["points"]) == 3
    rows = csv_rows(viewer, csv_url)
    assert rows[-1]["kind"] == "forecast"
    assert rows[-1]["period"] == "2027"
    assert [row["period"] for row in rows if row["kind"] == "actual"][-1] == "2024"


def test_a_series_too_short_to_forecast_says_why(viewer: TestClient) -> None:
    document = page(viewer, "/cockpit/indicator/GDP_PER_CAPITA")
    assert 'id="no-forecast"' in document
    assert "GDP_PER_CAPITA" in document.split('id="no-forecast"')[1].split("</div>")[0]


def test_the_cockpit_needs_a_login(client: TestClient) -> None:
    for path in ("/cockpit", "/cockpit/districts", "/cockpit/indicator/GDP", "/cockpit?format=json"):
        assert is_login_redirect(client.get(path, follow_redirects=False)), path
