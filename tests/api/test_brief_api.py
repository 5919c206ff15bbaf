"""GET /api/v1/analysis/brief: the brief as JSON with its inputs, as a .docx and as an .xlsx download, and
its refusals."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import quote

import docx
import openpyxl
from fastapi.testclient import TestClient

Auth = Callable[..., dict[str, str]]
HEADLINE = (
    "2017年全市地区生产总值22490.06亿元，按现价计算比上年增长15.4%。按可比价格计算的增速本期未有公布数据。"
)


def test_the_brief_as_json_carries_its_sentences_and_inputs(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/api/v1/analysis/brief",
        params={"region": "440300", "period": "2017", "forecast": "false"},
        headers=auth("finance_viewer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["headline"] == HEADLINE
    assert [section["key"] for section in body["sections"]] == [
        "headline",
        "structure",
        "districts",
        "changes",
        "notes",
    ]
    assert body["calculations"]["growth"]["current"]["value"] == 22490.06
    assert body["calculations"]["growth"]["previous"]["value"] == 19492.6012
    assert {(item["indicator"], item["period"]) for item in body["inputs"]} >= {
        ("GDP", "2017"),
        ("GDP", "2016"),
    }
    assert {gap["what"] for gap in body["gaps"]} == {
        "人均地区生产总值",
        "年末常住人口",
        "各区地区生产总值排名",
    }


def test_the_brief_downloads_as_docx_and_xlsx(client: TestClient, auth: Auth) -> None:
    headers = auth("stats_analyst")
    word = client.get("/api/v1/analysis/brief?period=2017&format=docx&forecast=false", headers=headers)
    assert word.status_code == 200, word.text
    assert (
        word.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = word.headers["content-disposition"]
    assert 'filename="brief-440300-2017.docx"' in disposition
    assert quote("深圳市2017年经济运行形势分析报告.docx") in disposition
    assert HEADLINE in [paragraph.text for paragraph in docx.Document(io.BytesIO(word.content)).paragraphs]
    book = client.get("/api/v1/analysis/brief?period=2017&format=xlsx&forecast=false", headers=headers)
    assert book.status_code == 200
    assert book.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheets = openpyxl.load_workbook(io.BytesIO(book.content))
    assert sheets["概要"]["B7"].value == HEADLINE
    assert len(sheets["主要指标"]._charts) == 1


def test_refusals(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    unknown = client.get("/api/v1/analysis/brief?region=999999&period=2017", headers=headers)
    assert unknown.status_code == 404
    assert "Unknown region code 999999" in unknown.json()["detail"]
    empty = client.get("/api/v1/analysis/brief?period=2018&forecast=false", headers=headers)
    assert empty.status_code == 404
    assert empty.json()["detail"] == "No value of GDP for region 440300 in 2018 (the period asked for)"
    wrong = client.get("/api/v1/analysis/brief?period=2017&format=pdf", headers=headers)
    assert wrong.status_code == 422
    assert client.get("/api/v1/analysis/brief?period=2017").status_code == 401
