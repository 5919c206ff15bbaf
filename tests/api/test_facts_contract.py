"""The acceptance contract of the indicator system and central store, against the real demo city."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybase.cli import app as cli_app


def test_gdp_indicator(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.get("/api/v1/indicators/GDP", headers=auth("finance_viewer"))
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["unit"], body["authoritative_org"]) == ("GDP", "亿元", "STATS")
    assert body["name"] == "地区生产总值"
    assert body["frequency"] in ("year", "quarter")


def test_shenzhen_gdp_series(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.get(
        "/api/v1/facts",
        params={"indicator": "GDP", "region": "440300", "start": "2010", "end": "2017"},
        headers=auth("finance_viewer"),
    )
    assert response.status_code == 200
    items = response.json()["items"]
    yearly = {item["period"]: item for item in items if len(item["period"]) == 4}
    assert sorted(yearly) == [str(year) for year in range(2010, 2018)]
    assert yearly["2017"]["value"] == 22490.06
    assert yearly["2010"]["value"] == 9581.5
    for item in items:
        assert {"indicator", "region", "period", "value", "unit", "status", "source"} <= set(item)
        assert item["unit"] == "亿元"
        assert isinstance(item["value"], float | int)
    assert yearly["2017"]["source"] == "STATS"
    assert yearly["2017"]["status"] == "final"


def test_csv_twin_has_the_same_rows(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    params = {"indicator": "GDP", "region": "440300", "start": "2010", "end": "2017"}
    headers = auth("finance_viewer")
    items = client.get("/api/v1/facts", params=params, headers=headers).json()["items"]
    response = client.get("/api/v1/facts", params={**params, "format": "csv"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["period"], float(row["value"])) for row in rows] == [
        (item["period"], item["value"]) for item in items
    ]


def test_cli_prints_the_same_csv(
    client: TestClient, auth: Callable[..., dict[str, str]], demo_url: str
) -> None:
    api = client.get(
        "/api/v1/facts",
        params={"indicator": "GDP", "region": "440300", "format": "csv"},
        headers=auth("finance_viewer"),
    ).text
    result = CliRunner().invoke(
        cli_app,
        [
            "facts",
            "query",
            "--indicator",
            "GDP",
            "--region",
            "440300",
            "--format",
            "csv",
            "--database-url",
            demo_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.replace("\r\n", "\n") == api.replace("\r\n", "\n")


def test_district_gdp_in_10k_yuan_is_loaded_as_gdp(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    headers = auth("finance_viewer")
    assert client.get("/api/v1/indicators", params={"q": "GDP_10K"}, headers=headers).json() == []
    response = client.get(
        "/api/v1/facts",
        params={"indicator": "GDP", "region": "440305", "start": "2016", "end": "2016"},
        headers=headers,
    )
    [item] = response.json()["items"]
    assert item["value"] == 3845.2711
    assert item["unit"] == "亿元"
    alias = client.get("/api/v1/indicators/GDP_10K", headers=headers).json()
    assert (alias["code"], alias["resolved_from"], alias["alias_unit"]) == ("GDP", "GDP_10K", "万元")


def test_the_series_answer_matches_its_schema(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    from citybase.api.schemas import FactsPublic

    response = client.get(
        "/api/v1/facts",
        params={"indicator": "GDP", "region": "440300,440305"},
        headers=auth("finance_viewer"),
    )
    page = FactsPublic.model_validate(response.json())
    assert page.total == len(page.items) > 20
    assert set(response.json()["items"][0]) == set(page.items[0].model_dump())
