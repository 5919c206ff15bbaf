"""GET /api/v1/analysis/anomalies on the demo city: the findings with their evidence, filters, paging, the
CSV twin, refusals and authentication."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from citybase.analysis.anomalies_model import COLUMNS
from tests.factories import csv_rows

Auth = Callable[..., dict[str, str]]
URL = "/api/v1/analysis/anomalies"


def test_a_district_sum_below_the_city_with_its_evidence(client: TestClient, auth: Auth) -> None:
    response = client.get(
        URL, params={"indicator": "GDP", "kind": "relation"}, headers=auth("finance_viewer")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["kind"], item["method"], item["indicator"], item["region"], item["period"]) == (
        "relation",
        "sub_regions",
        "GDP",
        "440300",
        "2016",
    )
    # 大鹏新区 has no division code, so the nine districts sum to less than the city (docs/facts.md).
    assert item["value"] == pytest.approx(19492.6, abs=0.01)
    assert item["expected"] == pytest.approx(19185.14, abs=0.01)
    assert item["gap"] == pytest.approx(item["value"] - item["expected"])
    assert item["score"] is None
    evidence = item["evidence"]
    assert (evidence["coverage"], evidence["rule"], evidence["tolerance"]) == (
        "9/9",
        "GDP_DISTRICT_SUM",
        "± 1%",
    )
    assert len(evidence["sub_regions"]) == 9
    assert sum(child["value"] for child in evidence["sub_regions"]) == pytest.approx(item["expected"])
    assert body["summary"]["rules"] == [
        {"code": "GDP_BALANCE", "expression": "GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%"}
    ]


def test_series_breaks_with_the_numbers_used(client: TestClient, auth: Auth) -> None:
    body = client.get(URL, params={"kind": "series", "limit": 500}, headers=auth("finance_viewer")).json()
    assert body["total"] == len(body["items"]) > 0
    assert {item["kind"] for item in body["items"]} == {"series"}
    for item in body["items"]:
        assert abs(item["score"]) > body["threshold"] == 3.5
        assert not item["low"] <= item["value"] <= item["high"]
        inputs = item["evidence"]["score_inputs"]
        assert item["score"] == pytest.approx((inputs["growth"] - inputs["median"]) / inputs["robust_sd"])
    assert body["summary"]["series_too_short"] > 0
    # A higher threshold keeps only the stronger breaks, each of them among the ones above.
    stricter = client.get(
        URL, params={"kind": "series", "threshold": 10}, headers=auth("finance_viewer")
    ).json()
    assert 0 < stricter["total"] < body["total"]
    assert all(abs(item["score"]) > 10 for item in stricter["items"])


def test_paging_and_the_region_filter(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    whole = client.get(URL, params={"limit": 10}, headers=headers).json()
    second = client.get(URL, params={"limit": 5, "offset": 5}, headers=headers).json()
    assert second["total"] == whole["total"]
    assert second["items"] == whole["items"][5:10]
    shenzhen = client.get(URL, params={"region": "440300"}, headers=headers).json()
    assert shenzhen["total"] > 0
    assert {item["region"] for item in shenzhen["items"]} == {"440300"}


def test_the_csv_twin(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    params = {"indicator": "LAND_AREA", "kind": "relation"}
    response = client.get(URL, params={**params, "format": "csv"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    columns, rows = csv_rows(response.content)
    assert columns == COLUMNS
    assert [(row["indicator"], row["region"], row["period"]) for row in rows] == [
        ("LAND_AREA", "440300", "2016")
    ]
    # 1997.27 km² for the city against 1701.95 for its nine districts: 大鹏新区's 295.32 km².
    assert (rows[0]["value"], rows[0]["expected"], rows[0]["gap"]) == ("1997.27", "1701.95", "295.32")
    assert json.loads(rows[0]["evidence"])["coverage"] == "9/9"


def test_as_of_before_anything_was_published(client: TestClient, auth: Auth) -> None:
    body = client.get(URL, params={"as_of": "2000-01-01T00:00:00"}, headers=auth("finance_viewer")).json()
    assert (body["total"], body["summary"]["values_read"], body["as_of"]) == (
        0,
        0,
        "2000-01-01T00:00:00+00:00",
    )


def test_refusals(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    bad = client.get(URL, params={"threshold": "-1"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "The threshold must be a positive number, not -1.0"
    unknown = client.get(URL, params={"indicator": "NOPE"}, headers=headers)
    assert unknown.status_code == 404
    assert "NOPE" in unknown.json()["detail"]
    kind = client.get(URL, params={"kind": "both"}, headers=headers)
    assert kind.status_code == 422
    assert "kind" in kind.json()["detail"]
    assert client.get(URL).status_code == 401
