"""The analysis API on the demo city: the growth contract exactly as the issue states it, the other
calculations with their inputs, CSV twins, refusals and authentication."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.factories import csv_rows

Auth = Callable[..., dict[str, str]]


def test_growth_contract(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/api/v1/analysis/growth",
        params={"indicator": "GDP", "region": "440300", "period": "2017", "basis": "yoy"},
        headers=auth("finance_viewer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["value"] == pytest.approx((22490.06 / 19492.6012 - 1) * 100)
    assert (body["basis"], body["price_basis"], body["unit"]) == ("yoy", "nominal", "%")
    assert body["current"]["period"] == "2017"
    assert body["current"]["value"] == 22490.06
    assert body["current"]["unit"] == "亿元"
    assert body["previous"]["period"] == "2016"
    assert body["previous"]["value"] == 19492.6012
    assert body["previous"]["unit"] == "亿元"
    assert body["published"] is None  # no GDP_GROWTH 2017 is stored for 440300


def test_growth_shows_the_published_comparable_rate_beside(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    level = client.get(
        "/api/v1/analysis/growth",
        params={"indicator": "GDP", "region": "440300", "period": "2023"},
        headers=headers,
    ).json()
    assert level["price_basis"] == "nominal"
    assert level["published"]["indicator"] == "GDP_GROWTH"
    assert (level["published"]["value"], level["published"]["price_basis"]) == (6.0, "comparable")
    rate = client.get(
        "/api/v1/analysis/growth",
        params={"indicator": "GDP_GROWTH", "region": "440300", "period": "2023", "basis": "yoy"},
        headers=headers,
    ).json()
    assert (rate["value"], rate["price_basis"], rate["basis"]) == (6.0, "comparable", "yoy")
    assert rate["from_levels"]["price_basis"] == "nominal"


def test_period_on_period_and_csv(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    params = {"indicator": "GDP", "region": "440300", "period": "2017", "basis": "pop"}
    body = client.get("/api/v1/analysis/growth", params=params, headers=headers).json()
    assert (body["basis"], body["base_period"]) == ("pop", "2016")
    response = client.get("/api/v1/analysis/growth", params={**params, "format": "csv"}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")
    _columns, rows = csv_rows(response.content)
    assert rows[0]["current_value"] == "22490.06"
    assert rows[0]["previous_value"] == "19492.6012"
    assert float(rows[0]["value"]) == pytest.approx(body["value"])


@pytest.mark.parametrize(
    ("path", "params", "check"),
    [
        ("structure", {"region": "440300", "period": "2022"}, lambda b: len(b["parts"]) == 3),
        (
            "contribution",
            {"region": "440300", "period": "2017"},
            lambda b: abs(b["contributions_sum"] - 100) < 0.01,
        ),
        ("ranking", {"indicator": "GDP", "period": "2016"}, lambda b: b["items"][0]["region"] == "440305"),
        (
            "index",
            {"indicator": "GDP", "region": "440300", "base": "2010"},
            lambda b: b["method"] == "ratio_to_base",
        ),
        (
            "cagr",
            {"indicator": "GDP", "region": "440300", "start": "2010", "end": "2017"},
            lambda b: b["years"] == 7,
        ),
        (
            "per-capita",
            {"indicator": "GDP", "region": "440300", "period": "2019", "population_basis": "average"},
            lambda b: abs(b["value"] - 203489) < 1,
        ),
        (
            "rollup",
            {"indicator": "GDP", "region": "440300", "period": "2016"},
            lambda b: b["coverage"] == "9/9",
        ),
    ],
)
def test_each_calculation_answers_json_and_csv(
    client: TestClient,
    auth: Auth,
    path: str,
    params: dict[str, str],
    check: Callable[[dict[str, object]], bool],
) -> None:
    headers = auth("finance_viewer")
    response = client.get(f"/api/v1/analysis/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert check(response.json())
    twin = client.get(f"/api/v1/analysis/{path}", params={**params, "format": "csv"}, headers=headers)
    assert twin.status_code == 200
    columns, rows = csv_rows(twin.content)
    assert rows
    assert columns


def test_refusals_are_specific(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    missing = client.get(
        "/api/v1/analysis/growth",
        params={"indicator": "GDP", "region": "440300", "period": "2018"},
        headers=headers,
    )
    assert missing.status_code == 404
    assert "2018" in missing.json()["detail"]
    assert "the period asked for" in missing.json()["detail"]
    wrong = client.get(
        "/api/v1/analysis/growth",
        params={"indicator": "POP_RESIDENT", "region": "440300", "period": "2019Q1"},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert "POP_RESIDENT" in wrong.json()["detail"]
    summed = client.get(
        "/api/v1/analysis/rollup",
        params={"indicator": "GDP_GROWTH", "region": "440300", "period": "2023"},
        headers=headers,
    )
    assert summed.status_code == 422
    assert "not added up over regions" in summed.json()["detail"]


def test_anonymous_callers_are_refused(client: TestClient) -> None:
    response = client.get(
        "/api/v1/analysis/growth", params={"indicator": "GDP", "region": "440300", "period": "2017"}
    )
    assert response.status_code == 401


def test_growth_share_of_every_value_agrees_with_the_single_series_growth(
    client: TestClient, auth: Auth
) -> None:
    headers = auth("finance_viewer")
    response = client.get(
        "/api/v1/analysis/growth-share", params={"period": "2017", "indicator": "GDP"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    city = next(item for item in body["items"] if item["region"] == "440300")
    assert city["growth"] == pytest.approx((22490.06 / 19492.6012 - 1) * 100, abs=1e-4)
    assert (city["base_value"], city["value"], city["price_basis"], city["growth_unit"]) == (
        19492.6012,
        22490.06,
        "nominal",
        "%",
    )
    assert body["store"]["values"] >= body["store"]["growths"] > 0


def test_growth_share_districts_share_the_sum_of_those_that_reported(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/api/v1/analysis/growth-share",
        params={"period": "2016", "indicator": "GDP", "within": "440300"},
        headers=auth("finance_viewer"),
    )
    assert response.status_code == 200, response.text
    districts = [item for item in response.json()["items"] if item["share_of"] == "440300"]
    assert len(districts) >= 9
    total = sum(item["value"] for item in districts)
    nanshan = next(item for item in districts if item["region"] == "440305")
    assert nanshan["share"] == pytest.approx(100 * 3845.27 / total, abs=1e-4)
    assert nanshan["reporting_siblings"] == len(districts)
    assert sum(item["share"] for item in districts) == pytest.approx(100.0)
    _header, rows = csv_rows(
        client.get(
            "/api/v1/analysis/growth-share",
            params={"period": "2016", "indicator": "GDP", "within": "440305", "format": "csv"},
            headers=auth("finance_viewer"),
        ).content
    )
    assert [row["region"] for row in rows] == ["440305"]
    assert rows[0]["share_of_name"] == "深圳市"


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"period": "someday"}, 422, "'someday' is not a period"),
        ({"period": "2016", "indicator": "NOPE"}, 404, "Unknown indicator NOPE"),
        ({"period": "2016", "within": "999999"}, 404, "Unknown region code 999999"),
    ],
)
def test_growth_share_refusals(
    client: TestClient, auth: Auth, params: dict[str, str], status: int, text: str
) -> None:
    response = client.get("/api/v1/analysis/growth-share", params=params, headers=auth("finance_viewer"))
    assert response.status_code == status
    assert text in response.text
    assert client.get("/api/v1/analysis/growth-share", params={"period": "2016"}).status_code == 401
