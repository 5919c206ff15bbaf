"""/api/v1/analysis/targets: list with progress (JSON and CSV), set and remove, refusals."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient

Auth = Callable[..., dict[str, str]]
URL = "/api/v1/analysis/targets"


def test_list_the_demo_targets_with_progress(client: TestClient, auth: Auth) -> None:
    response = client.get(
        URL, params={"indicator": "GDP", "region": "440300"}, headers=auth("finance_viewer")
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(item["target"]["period"], item["target"]["kind"]) for item in items] == [
        ("2024", "growth"),
        ("2024", "level"),
    ]
    growth = next(item for item in items if item["target"]["kind"] == "growth")
    assert growth["actual"] == 5.8
    assert growth["price_basis"] == "comparable"
    assert growth["compared_with"] == "GDP_GROWTH"
    as_csv = client.get(URL, params={"format": "csv"}, headers=auth("finance_viewer"))
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    retail = next(row for row in rows if row["indicator"] == "RETAIL_SALES")
    assert (retail["value"], retail["actual"], retail["percent"], retail["time_share"]) == (
        "10500.0",
        "7646.98",
        "72.83",
        "75.0",
    )


def test_set_replace_and_remove(client: TestClient, auth: Auth) -> None:
    headers = auth("admin")
    body = {"indicator": "GDP", "region": "440300", "period": "2025", "kind": "growth", "value": 5.0}
    made = client.put(URL, json=body, headers=headers)
    assert made.status_code == 200, made.text
    assert (made.json()["value"], made.json()["unit"], made.json()["set_by"]) == (5.0, "%", "admin")
    again = client.put(URL, json={**body, "value": 5.5, "note": "revised"}, headers=headers)
    assert again.json()["id"] == made.json()["id"]
    assert again.json()["note"] == "revised"
    listed = client.get(URL, params={"period": "2025"}, headers=headers).json()["items"]
    assert [item["target"]["value"] for item in listed] == [5.5]
    assert listed[0]["actual"] is None  # nothing reported for 2025 yet
    params = {"indicator": "GDP", "region": "440300", "period": "2025", "kind": "growth"}
    gone = client.delete(URL, params=params, headers=headers)
    assert gone.status_code == 200
    assert client.get(URL, params={"period": "2025"}, headers=headers).json()["items"] == []
    missing = client.delete(URL, params=params, headers=headers)
    assert missing.status_code == 404
    assert "There is no growth target of GDP for region 440300 in 2025" in missing.text


def test_refusals(client: TestClient, auth: Auth) -> None:
    body = {"indicator": "GDP", "region": "440300", "period": "2025", "kind": "growth", "value": 5.0}
    assert client.get(URL).status_code == 401
    assert client.put(URL, json=body).status_code == 401
    denied = client.put(URL, json=body, headers=auth("stats_analyst"))
    assert denied.status_code == 403
    assert "change the indicator system" in denied.text
    bad = client.put(URL, json={**body, "period": "2025-13"}, headers=auth("admin"))
    assert bad.status_code == 422
    assert "2025-13" in bad.text
    rate = client.put(URL, json={**body, "indicator": "GDP_GROWTH"}, headers=auth("admin"))
    assert rate.status_code == 422
    assert "GDP_GROWTH is itself a growth rate" in rate.text
