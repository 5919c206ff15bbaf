"""A dashboard built in the editor in a real browser: search the catalogue, pick an indicator, save, and
see the chart drawn by ECharts on a canvas (so its toolbox saves a PNG)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from citybase.demo import DemoLogin
from tests.browser.test_browser import log_in

pytestmark = pytest.mark.browser


def test_build_a_dashboard_in_the_editor_and_see_its_chart(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "stats_reviewer", demo_login.user_password)
    page.goto("/dashboards/new")
    page.fill("#d-title", "地区生产总值走势")
    page.fill("#d-code", "gdp-trend")
    page.fill("#p1-search", "地区生产总值比上年")
    expect(page.locator('#p1-indicators option[value="VA_PRIMARY"]')).to_be_hidden()
    page.select_option("#p1-indicators", ["GDP_GROWTH"])
    page.click("#add-panel")
    expect(page.locator("#panel-editor-2")).to_be_visible()
    expect(page.locator("#p1-indicators")).to_have_values(["GDP_GROWTH"])
    page.select_option("#p2-indicators", ["GDP"])
    page.select_option("#p2-chart", "bar")
    page.fill("#p2-last", "8")
    page.click("#save-dashboard")

    expect(page).to_have_url(re.compile(r"/dashboards/gdp-trend$"))
    expect(page.locator("#dashboard-title")).to_have_text("地区生产总值走势")
    for number in (1, 2):
        chart = page.locator(f"#chart-{number}")
        expect(chart).to_have_attribute("data-drawn", "true")
        expect(chart.locator("canvas")).to_have_count(1)
    expect(page.locator("#panel-2 a[data-twin='csv']")).to_have_attribute(
        "href", "/api/v1/dashboards/gdp-trend/panels/2/data?format=csv&bom=true"
    )
