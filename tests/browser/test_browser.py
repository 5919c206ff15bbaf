"""The web UI in a real browser: login, the htmx region tree, search, language switch, logout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from citybase.demo import DemoLogin

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_login_through_the_form(page: Page, demo_login: DemoLogin) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.fill("#username", demo_login.admin_username)
    page.fill("#password", "wrong-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    page.fill("#password", demo_login.admin_password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("欢迎，平台管理员")
    expect(page.locator("nav.nav a.active")).to_have_text("首页")


def test_region_tree_opens_and_closes(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, demo_login.admin_username, demo_login.admin_password)
    page.goto("/regions")
    for code in ("100000", "440000"):
        expect(page.locator(f'li[data-code="{code}"]')).to_have_class(re.compile(r"\bopen\b"))
    shenzhen = page.locator('li[data-code="440300"]')
    expect(shenzhen).to_have_class(re.compile(r"\bopen\b"))
    expect(shenzhen.locator('li[data-code="440305"] > .node > a')).to_have_text("南山区")
    expect(shenzhen.locator('li[data-code="440305"]')).to_be_visible()

    fetches: list[str] = []

    def remember(request: Request) -> None:
        if "/regions/tree/" in request.url:
            fetches.append(request.url)

    page.on("request", remember)
    beijing = page.locator('li[data-code="110000"]')
    toggle = beijing.locator("> .node > button.toggle")
    child = beijing.locator('> ul > li[data-code="110100"]')
    expect(child).to_have_count(0)
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    expect(child).to_be_visible()
    expect(child.locator("> .node > a")).to_have_text("市辖区")
    expect(beijing).to_have_class(re.compile(r"\bopen\b"))
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert [url.rsplit("/", 1)[-1] for url in fetches] == ["110000"]

    toggle.click()
    expect(child).to_be_hidden()
    expect(beijing).not_to_have_class(re.compile(r"\bopen\b"))
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    expect(child).to_be_visible()
    expect(beijing.locator('> ul > li[data-code="110100"]')).to_have_count(1)
    assert len(fetches) == 1, f"the children were fetched again: {fetches}"


def test_search_opens_the_region_page(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "stats_reviewer", demo_login.user_password)
    page.goto("/regions")
    page.fill("#q", "南山")
    page.press("#q", "Enter")
    first = page.locator("#search-results tbody tr").first
    expect(first.locator("td").first).to_have_text("440305")
    first.get_by_role("link", name="南山区").click()
    expect(page).to_have_url(re.compile(r"/regions/440305$"))
    expect(page.locator("h1")).to_contain_text("南山区")
    expect(page.get_by_role("link", name="南头街道")).to_be_visible()
    expect(page.locator(".breadcrumb")).to_contain_text("深圳市")


def test_city_map_is_drawn(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "stats_reviewer", demo_login.user_password)
    page.goto("/regions/440300")
    chart = page.locator('[data-map="map-440300"]')
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("svg path").first).to_be_attached()


def test_switch_to_english(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, demo_login.admin_username, demo_login.admin_password)
    expect(page.locator("nav.nav a")).to_have_text(
        [
            "首页",
            "行政区划",
            "机构与用户",
            "指标体系",
            "数据浏览",
            "数据分析",
            "驾驶舱",
            "数据质量",
            "冲突",
            "报送",
            "审核",
            "规则",
            "通知",
            "存证账本",
        ]
    )
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.nav a")).to_have_text(
        [
            "Home",
            "Regions",
            "Organisations",
            "Indicators",
            "Data",
            "Analysis",
            "Cockpit",
            "Data quality",
            "Conflicts",
            "Collection",
            "Review",
            "Rules",
            "Notifications",
            "Ledger",
        ]
    )
    page.goto("/regions")
    expect(page.locator("h1")).to_have_text("Regions")
    page.get_by_role("link", name="简体中文").click()
    expect(page.locator("h1")).to_have_text("行政区划")


def test_logout(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "stats_reviewer", demo_login.user_password)
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("您已退出登录。")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
