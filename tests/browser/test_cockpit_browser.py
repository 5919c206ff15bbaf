"""The cockpit in a real browser: the tiles' sparklines and the district choropleth drawn by ECharts on
canvases, and the PNG button that saves a chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from citybase.demo import DemoLogin
from tests.browser.test_browser import log_in

pytestmark = pytest.mark.browser


def test_the_overview_and_the_choropleth_are_drawn(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "finance_viewer", demo_login.user_password)
    page.goto("/cockpit")
    spark = page.locator("#spark-GDP")
    expect(spark).to_have_attribute("data-drawn", "true")
    expect(spark.locator("canvas")).to_have_count(1)
    expect(page.locator("#tile-GDP [data-value]")).to_have_text("36,801.87")
    with page.expect_download() as download:
        page.click("button[data-chart-png='spark-GDP']")
    assert download.value.suggested_filename == "spark-GDP.png"

    page.goto("/cockpit/districts?indicator=GDP&measure=share")
    district_map = page.locator("#district-map")
    expect(district_map).to_have_attribute("data-drawn", "true")
    expect(district_map.locator("canvas")).to_have_count(1)
    expect(page.locator("#district-table tbody tr").first).to_have_attribute("data-region", "440305")
