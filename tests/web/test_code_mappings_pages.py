"""The 代码对照 page of an organisation: its mappings with their standard names, adding, changing and removing
one, importing a file (every bad row shown in Chinese, nothing kept), the CSV download, and who sees what."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.factories import csv_rows
from tests.web.test_auth import ledger_size, signed_in
from tests.web.test_pages import page, twins

PAGE = "/orgs/NANSHAN/code-mappings"


def _rows(document: str) -> list[list[str]]:
    """The mapping table's cells, as text, row by row (without the remove button's column)."""
    body = re.search(r'<table class="data" id="mapping-table">.*?<tbody>(.*?)</tbody>', document, re.S)
    assert body, "no mapping table"
    rows = re.findall(r"<tr data-kind[^>]*>(.*?)</tr>", body.group(1), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row[:4]] for row in cells]


def _problems(document: str) -> list[tuple[str, str, str]]:
    table = re.search(
        r'<table class="data problems" id="import-problems">.*?<tbody>(.*?)</tbody>', document, re.S
    )
    assert table, "no problem table"
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1))
    return [(row, html.unescape(column), html.unescape(text)) for row, column, text in rows]


def test_the_organisation_page_links_to_its_mappings_for_those_who_may_see_them(
    client: TestClient, app: FastAPI, demo_login: DemoLogin
) -> None:
    signed_in(client, "futian_submitter", demo_login.user_password)
    assert 'id="code-mappings-link"' not in page(client, "/orgs/NANSHAN")
    assert "futian_submitter (FUTIAN)" in page(client, PAGE, status=403)
    with TestClient(app) as reviewer:
        signed_in(reviewer, "nanshan_reviewer", demo_login.user_password)
        assert f'href="{PAGE}" id="code-mappings-link"' in page(reviewer, "/orgs/NANSHAN")
        document = page(reviewer, PAGE)
    assert 'id="mapping-table"' in document
    assert 'id="mapping-form"' not in document  # a reviewer sees them but does not change them
    assert 'id="mapping-import-form"' not in document


def test_add_change_and_remove_a_mapping(client: TestClient, demo_login: DemoLogin, db: Database) -> None:
    token = signed_in(client, "nanshan_submitter", demo_login.user_password)
    document = page(client, PAGE)
    assert _rows(document) == []
    assert twins(document) == [
        ("json", "/api/v1/organisations/NANSHAN/code-mappings"),
        ("csv", "/api/v1/organisations/NANSHAN/code-mappings?format=csv&bom=true"),
    ]
    form = {"kind": "region", "local_code": "南山片区", "standard_code": "440305", "csrf_token": token}
    added = client.post(PAGE, data=form, follow_redirects=False)
    assert added.status_code == 303
    assert added.headers["location"] == PAGE
    client.post(PAGE, data={**form, "kind": "indicator", "local_code": "本区GDP", "standard_code": "GDP"})
    assert _rows(page(client, PAGE)) == [
        ["指标", "本区GDP", "GDP", "地区生产总值"],
        ["区划", "南山片区", "440305", "南山区"],
    ]
    client.post(PAGE, data={**form, "standard_code": "440304"})
    assert _rows(page(client, PAGE))[1] == ["区划", "南山片区", "440304", "福田区"]

    before = ledger_size(db)
    wrong = client.post(PAGE, data={**form, "standard_code": "449999"})
    assert wrong.status_code == 422
    assert "未知的区划代码 449999" in wrong.text  # shown under the standard code field, in Chinese
    assert 'value="449999"' in wrong.text  # what was typed is kept in the form
    assert ledger_size(db) == before

    remove = {"kind": "region", "local_code": "南山片区"}
    assert client.post(f"{PAGE}/remove", data=remove).status_code == 403  # no CSRF token: nothing removed
    assert len(_rows(page(client, PAGE))) == 2
    removed = client.post(f"{PAGE}/remove", data={**remove, "csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303
    assert _rows(page(client, PAGE)) == [["指标", "本区GDP", "GDP", "地区生产总值"]]

    download = client.get("/api/v1/organisations/NANSHAN/code-mappings?format=csv&bom=true")
    assert download.status_code == 200
    header, rows = csv_rows(download.content)
    assert header[:3] == ["kind", "local_code", "standard_code"]
    assert [(row["kind"], row["local_code"], row["standard_code"]) for row in rows] == [
        ("indicator", "本区GDP", "GDP")
    ]


def test_an_import_shows_every_bad_row_in_chinese_and_keeps_nothing(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "nanshan_submitter", demo_login.user_password)
    bad = "\n".join(
        [
            "类型,本单位代码或名称,标准代码",
            "地区,NS01,440305",
            "地区,NS02,449999",
            "指标,本区GDP,GDP",
            "地区,NS01,440306",
        ]
    )
    before = ledger_size(db)
    response = client.post(
        f"{PAGE}/import",
        data={"csrf_token": token},
        files={"file": ("对照.csv", bad.encode("gbk"), "text/csv")},
    )
    assert response.status_code == 422
    problems = _problems(response.text)
    assert [(row, column) for row, column, _text in problems] == [
        ("3", "标准代码"),
        ("5", "本单位代码或名称"),
    ]
    assert problems[0][2] == "未知的区划代码 449999"
    assert ledger_size(db) == before
    assert _rows(response.text) == []

    good = "kind,local_code,standard_code\nregion,NS01,440305\nindicator,本区GDP,GDP\n"
    done = client.post(
        f"{PAGE}/import", data={"csrf_token": token}, files={"file": ("m.csv", good.encode(), "text/csv")}
    )
    assert done.status_code == 200  # followed to the page
    assert _rows(done.text) == [
        ["指标", "本区GDP", "GDP", "地区生产总值"],
        ["区划", "NS01", "440305", "南山区"],
    ]
    assert ledger_size(db) == before + 1


def test_another_district_cannot_post_to_the_page(client: TestClient, demo_login: DemoLogin) -> None:
    token = signed_in(client, "futian_submitter", demo_login.user_password)
    form = {"kind": "region", "local_code": "NS01", "standard_code": "440305", "csrf_token": token}
    refused = client.post(PAGE, data=form)
    assert refused.status_code == 403
    assert "futian_submitter (FUTIAN)" in refused.text
