"""The signed-in pages: what they show, their JSON and CSV twins, permissions and error pages."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.web.test_auth import scalar, signed_in

NAV = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.DOTALL)
TWIN = re.compile(r'<a href="([^"]+)" data-twin="(json|csv)">')


@pytest.fixture
def admin(client: TestClient, demo_login: DemoLogin) -> TestClient:
    """The client, logged in as the platform administrator."""
    signed_in(client, demo_login.admin_username, demo_login.admin_password)
    return client


def page(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status, f"{path}: {response.status_code}\n{response.text[:2000]}"
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def nav_links(document: str) -> dict[str, str]:
    found = NAV.search(document)
    assert found, "no navigation"
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found.group(1))}


def twins(document: str) -> list[tuple[str, str]]:
    return [(kind, html.unescape(url)) for url, kind in TWIN.findall(document)]


def json_script(document: str, element_id: str) -> object:
    pattern = rf'<script type="application/json" id="{element_id}">(.*?)</script>'
    found = re.search(pattern, document, re.DOTALL)
    assert found, element_id
    return json.loads(found.group(1))


def tree_item(document: str, code: str) -> str:
    """The opening tag of the tree node of `code`."""
    found = re.search(rf'<li class="[^"]*" data-code="{code}">', document)
    assert found, f"no tree node {code}"
    return found.group(0)


# ---- the pages ---------------------------------------------------------------------------------------------


def test_home_page(admin: TestClient) -> None:
    document = page(admin, "/")
    assert "欢迎，平台管理员" in document
    assert "深圳市" in document
    assert "440300" in document
    assert nav_links(document) == {
        "首页": "/",
        "行政区划": "/regions",
        "机构与用户": "/orgs",
        "指标体系": "/indicators",
        "数据浏览": "/data",
        "数据分析": "/analysis",
        "驾驶舱": "/cockpit",
        "数据质量": "/quality",
        "冲突": "/conflicts",
        "报送": "/tasks",
        "审核": "/submissions",
        "规则": "/rules",
        "通知": "/notifications",
        "存证账本": "/ledger",
    }
    assert 'href="/orgs/STATS"' in document
    assert "data-seq=" in document  # the latest ledger entries


def test_region_tree_is_open_down_to_the_city(admin: TestClient) -> None:
    document = page(admin, "/regions")
    for code in ("100000", "440000", "440300"):
        assert 'class="open"' in tree_item(document, code)
    assert 'class=""' in tree_item(document, "110000")
    assert 'class=""' in tree_item(document, "440305")
    assert 'href="/regions/440305">南山区</a>' in document
    assert 'hx-get="/regions/tree/110000"' in document
    assert 'hx-get="/regions/tree/440300"' not in document  # already loaded
    assert 'id="search-results"' not in document


def test_region_search(admin: TestClient) -> None:
    document = page(admin, "/regions?q=南山")
    results = document[document.index('id="search-results"') :]
    assert "“南山”的查找结果" in results
    codes = re.findall(r'<td class="mono">(\d+)</td>', results)
    assert codes[0] == "440305"
    assert "230404" in codes  # 南山区 of 鹤岗市 is found too, after Shenzhen's


def test_region_search_form_with_no_year(admin: TestClient) -> None:
    """A browser submits every field of the search form, so an empty year must mean any year."""
    document = page(admin, "/regions?q=南山&year=")
    results = document[document.index('id="search-results"') :]
    assert re.findall(r'<td class="mono">(\d+)</td>', results)[0] == "440305"


def test_ledger_filter_form_with_empty_fields(admin: TestClient) -> None:
    document = page(admin, "/ledger?user=&org=&action=&object_type=&object_key=&since=&until=")
    assert "data-seq=" in document


def test_region_search_without_matches(admin: TestClient) -> None:
    document = page(admin, "/regions?q=不存在的地方")
    assert "没有与“不存在的地方”匹配的区划。" in document[document.index('id="search-results"') :]


def test_city_page_with_its_district_map(admin: TestClient) -> None:
    document = page(admin, "/regions/440300")
    assert "<h1>深圳市" in document
    assert "辖区地图" in document
    assert 'href="/regions/440000">广东省</a>' in document
    boundaries = json_script(document, "map-440300")
    assert isinstance(boundaries, dict)
    feature_names = {feature["properties"]["name"] for feature in boundaries["features"]}
    pattern = r'data-map="map-440300"[^>]*>\s*<script type="application/json">(.*?)</script>'
    chart = re.search(pattern, document, re.DOTALL)
    assert chart
    series = json.loads(chart.group(1))["series"][0]
    assert series["map"] == "map-440300"
    assert {"code": "440305", "name": "南山区"} in series["data"]
    assert len(series["data"]) >= 9
    # Every district on the map has a shape to click on.
    assert {item["name"] for item in series["data"]} <= feature_names
    for item in series["data"]:
        assert f'href="/regions/{item["code"]}">{item["name"]}</a>' in document


def test_district_page_lists_its_streets(admin: TestClient) -> None:
    document = page(admin, "/regions/440305")
    assert "<h1>南山区" in document
    assert "现行" in document
    assert 'href="/regions/440305001">南头街道</a>' in document
    assert "辖区地图" not in document


def test_retired_code_page(admin: TestClient) -> None:
    document = page(admin, "/regions/110103")
    assert "<h1>崇文区" in document
    assert "2009 年后停用" in document
    assert 'href="/regions/110101"' in document  # merged into the new 东城区
    assert "下级区划</h2>" not in document


def test_tree_fragment(admin: TestClient) -> None:
    fragment = page(admin, "/regions/tree/440300")
    assert "<html" not in fragment
    assert "<body" not in fragment
    assert fragment.lstrip().startswith("<li")
    codes = re.findall(r'<li class="[^"]*" data-code="(\d+)">', fragment)
    assert "440305" in codes
    assert all(code.startswith("4403") and len(code) == 6 for code in codes)
    assert 'hx-get="/regions/tree/440305"' in fragment


def test_tree_fragment_of_an_unknown_code(admin: TestClient) -> None:
    assert "未知的区划代码 449999" in page(admin, "/regions/tree/449999", status=404)


def test_organisations(admin: TestClient) -> None:
    document = page(admin, "/orgs")
    assert 'href="/orgs/STATS">深圳市统计局</a>' in document
    assert 'href="/orgs/NANSHAN">' in document
    assert 'id="org-form"' in document  # the platform admin may create organisations
    districts = page(admin, "/orgs?kind=district")
    assert 'href="/orgs/NANSHAN">' in districts
    assert 'href="/orgs/STATS">' not in districts
    departments = page(admin, "/orgs?kind=department")
    assert 'href="/orgs/STATS">' in departments
    assert 'href="/orgs/NANSHAN">' not in departments


def test_organisation_page(admin: TestClient) -> None:
    document = page(admin, "/orgs/STATS")
    assert "<h1>深圳市统计局" in document
    assert 'href="/regions/440300">深圳市</a>' in document
    assert 'data-username="stats_reviewer"' in document
    assert 'data-username="stats_submitter"' in document
    assert 'data-username="nanshan_admin"' not in document
    assert 'id="user-form"' in document


def test_account_page(admin: TestClient) -> None:
    document = page(admin, "/account")
    assert "我的账户" in document
    assert '<dd class="mono">admin</dd>' in document
    assert "您还没有 API 令牌。" in document


def test_ledger_page(admin: TestClient, db: Database) -> None:
    document = page(admin, "/ledger")
    assert "可信存证账本" in document
    newest = scalar(db, "SELECT max(seq) FROM ledger_entries")
    assert f'data-seq="{newest}"' in document
    assert 'id="verify-button"' in document
    assert 'id="verify-result"' not in document
    filtered = page(admin, "/ledger?action=org.")
    assert 'title="org.created"' in filtered
    assert 'title="user.created"' not in filtered
    assert 'title="user.logged_in"' not in filtered


def test_ledger_verify_on_the_page(admin: TestClient, db: Database) -> None:
    document = page(admin, "/ledger?verify=true")
    result = re.search(
        r'<div class="flash (\w+)" role="status" id="verify-result">(.*?)</div>', document, re.DOTALL
    )
    assert result
    assert result.group(1) == "success"
    assert "存证链完整" in result.group(2)


def test_ledger_verify_on_the_page_finds_tampering(admin: TestClient, db: Database) -> None:
    with db.write() as conn:
        conn.execute(text("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 4"))
    document = page(admin, "/ledger?verify=true")
    assert "存证链在第 4 条处断裂" in document


def test_pages_in_english(admin: TestClient) -> None:
    admin.get("/lang/en")
    document = page(admin, "/")
    assert '<html lang="en">' in document
    assert nav_links(document) == {
        "Home": "/",
        "Regions": "/regions",
        "Organisations": "/orgs",
        "Indicators": "/indicators",
        "Data": "/data",
        "Analysis": "/analysis",
        "Cockpit": "/cockpit",
        "Data quality": "/quality",
        "Conflicts": "/conflicts",
        "Collection": "/tasks",
        "Review": "/submissions",
        "Rules": "/rules",
        "Notifications": "/notifications",
        "Ledger": "/ledger",
    }
    assert "Welcome, 平台管理员" in document
    assert "Division tree" in page(admin, "/regions")


# ---- JSON and CSV twins ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        ("/regions", {"json", "csv"}),
        ("/regions?q=南山", {"json", "csv"}),
        ("/regions/440300", {"json", "csv"}),
        ("/orgs", {"json", "csv"}),
        ("/orgs?kind=district", {"json", "csv"}),
        ("/orgs/STATS", {"json"}),
        ("/account", {"json"}),
        ("/ledger", {"json", "csv"}),
    ],
)
def test_data_pages_link_working_twins(admin: TestClient, path: str, kinds: set[str]) -> None:
    links = twins(page(admin, path))
    assert {kind for kind, _url in links} == kinds
    for kind, url in links:
        assert url.startswith("/api/v1/"), url
        response = admin.get(url)
        assert response.status_code == 200, f"{url}: {response.text[:500]}"
        if kind == "json":
            assert response.headers["content-type"].startswith("application/json")
            assert response.json()
        else:
            assert response.headers["content-type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert len(rows) >= 2, response.text[:500]


def test_twins_carry_the_page_content(admin: TestClient) -> None:
    search = dict(twins(page(admin, "/regions?q=南山")))
    assert admin.get(search["json"]).json()[0]["code"] == "440305"
    assert "440305" in admin.get(search["csv"]).text
    districts = dict(twins(page(admin, "/orgs?kind=district")))
    codes = {org["code"] for org in admin.get(districts["json"]).json()}
    assert "NANSHAN" in codes
    assert "STATS" not in codes
    city = dict(twins(page(admin, "/regions/440300")))
    assert admin.get(city["json"]).json()["code"] == "440300"
    assert "南山区" in admin.get(city["csv"]).content.decode("utf-8-sig")


def test_twins_need_the_session(client: TestClient) -> None:
    assert client.get("/api/v1/regions/440300").status_code == 401


# ---- permissions -------------------------------------------------------------------------------------------


def test_non_admin_sees_no_ledger(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "stats_submitter", demo_login.user_password)
    document = page(client, "/")
    assert "存证账本" not in nav_links(document)
    assert 'href="/ledger"' not in document
    refused = page(client, "/ledger", status=403)
    assert "您无权执行此操作" in refused
    assert "data-seq=" not in refused
    assert page(client, "/ledger?verify=true", status=403)


def test_non_admin_sees_no_forms(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "stats_submitter", demo_login.user_password)
    assert 'id="org-form"' not in page(client, "/orgs")
    own = page(client, "/orgs/STATS")
    assert 'data-username="stats_reviewer"' in own
    assert 'id="user-form"' not in own
    other = page(client, "/orgs/NANSHAN")
    assert 'data-username="nanshan_admin"' not in other
    assert 'id="user-form"' not in other


def test_district_admin_manages_only_their_district(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "nanshan_admin", demo_login.user_password)
    assert 'id="user-form"' in page(client, "/orgs/NANSHAN")
    stats = page(client, "/orgs/STATS")
    assert 'id="user-form"' not in stats
    assert 'data-username="stats_reviewer"' not in stats


# ---- error pages -------------------------------------------------------------------------------------------


def test_unknown_region_is_a_chinese_404_page(admin: TestClient) -> None:
    document = page(admin, "/regions/449999", status=404)
    assert "未找到" in document
    assert "未知的区划代码 449999" in document
    assert 'href="/"' in document


def test_unknown_path_is_a_chinese_404_page(admin: TestClient) -> None:
    document = page(admin, "/no/such/page", status=404)
    assert "未找到" in document


def test_unknown_organisation_is_a_chinese_404_page(admin: TestClient) -> None:
    document = page(admin, "/orgs/NOSUCHORG", status=404)
    assert "未知的机构 NOSUCHORG" in document


def test_invalid_query_is_a_chinese_422_page(admin: TestClient) -> None:
    for path in ("/regions?year=1800", "/orgs?kind=bogus", "/ledger?since=yesterday"):
        document = page(admin, path, status=422)
        assert "输入有误" in document, path


def test_malformed_region_code_is_a_chinese_422_page(admin: TestClient) -> None:
    document = page(admin, "/regions/12ab", status=422)
    assert "输入有误" in document
    assert "区划代码“12ab”格式不正确" in document


def test_error_pages_in_english(admin: TestClient) -> None:
    admin.get("/lang/en")
    assert "Not found" in page(admin, "/regions/449999", status=404)
    assert "The input is not valid" in page(admin, "/regions?year=1800", status=422)
