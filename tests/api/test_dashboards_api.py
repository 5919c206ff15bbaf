"""The dashboards API: create, read, replace, share, copy, delete, import and export, and panel data as
JSON and CSV, with the refusals a caller sees."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Auth = Callable[..., dict[str, str]]

GDP_PANEL = {
    "title": "GDP",
    "chart": "line",
    "indicators": ["GDP"],
    "regions": ["440300"],
    "periods": {"from": "2021", "to": "2023"},
    "measure": "yoy",
}


def test_create_read_share_copy_and_delete(client: TestClient, auth: Auth) -> None:
    owner, reader = auth("stats_analyst"), auth("finance_viewer")
    made = client.post(
        "/api/v1/dashboards", json={"code": "gdp", "title": "GDP", "panels": [GDP_PANEL]}, headers=owner
    )
    assert made.status_code == 201, made.text
    assert made.json()["panel_data"] == ["/api/v1/dashboards/gdp/panels/1/data"]
    assert client.get("/api/v1/dashboards/gdp", headers=reader).status_code == 403

    shared = client.put(
        "/api/v1/dashboards/gdp/share", json={"sharing": "organisations", "orgs": ["FINANCE"]}, headers=owner
    )
    assert shared.json()["shared_with"] == ["FINANCE"]
    seen = client.get("/api/v1/dashboards/gdp", headers=reader).json()
    assert (seen["owner"], seen["editable"]) == ("stats_analyst", False)
    codes = [item["code"] for item in client.get("/api/v1/dashboards", headers=reader).json()["items"]]
    assert codes == ["gdp", "economy-monthly"]

    refused = client.put("/api/v1/dashboards/gdp", json={"title": "x", "panels": []}, headers=reader)
    assert refused.status_code == 403
    assert "Only the owner (stats_analyst)" in refused.json()["detail"]

    copied = client.post("/api/v1/dashboards/gdp/copy", json={"code": "my-gdp"}, headers=reader)
    assert copied.status_code == 201
    assert (copied.json()["owner"], copied.json()["sharing"]) == ("finance_viewer", "private")
    assert client.delete("/api/v1/dashboards/gdp", headers=owner).status_code == 204
    assert client.get("/api/v1/dashboards/gdp", headers=owner).status_code == 404


def test_a_bad_panel_is_a_422_naming_the_panel_and_field(client: TestClient, auth: Auth) -> None:
    bad = {**GDP_PANEL, "indicators": ["GDP_GROWTH"], "measure": "per_capita"}
    answer = client.post(
        "/api/v1/dashboards",
        json={"code": "bad", "title": "Bad", "panels": [bad]},
        headers=auth("stats_analyst"),
    )
    assert answer.status_code == 422
    problem = answer.json()["problems"][0]
    assert (problem["column"], problem["row"]) == ("panels.1.measure", 1)
    assert problem["message"] == (
        "Panel 1 (GDP): GDP_GROWTH is a growth_rate: values that do not add up have no per_capita"
    )
    assert client.get("/api/v1/dashboards/bad", headers=auth("stats_analyst")).status_code == 404


def test_panel_data_as_json_and_csv(client: TestClient, auth: Auth) -> None:
    headers = auth("nanshan_submitter")
    body = client.get("/api/v1/dashboards/economy-monthly/panels/2/data", headers=headers).json()
    assert body["periods"] == ["2021", "2022", "2023", "2024"]
    nominal, published = body["series"]
    assert nominal["values"] == [None, 5.618257, 6.850506, 6.344116]
    assert (nominal["price_basis"], published["price_basis"]) == ("nominal", "comparable")
    answer = client.get("/api/v1/dashboards/economy-monthly/panels/2/data?format=csv", headers=headers)
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 8
    row = next(item for item in rows if item["indicator"] == "GDP" and item["period"] == "2023")
    assert (row["value"], row["input_value"], row["base_value"], row["price_basis"]) == (
        "6.850506",
        "34606.4",
        "32387.68",
        "nominal",
    )
    missing = client.get("/api/v1/dashboards/economy-monthly/panels/9/data", headers=headers)
    assert missing.status_code == 404


def test_export_then_import_round_trips(client: TestClient, auth: Auth) -> None:
    owner = auth("stats_analyst")
    exported = client.get("/api/v1/dashboards/economy-monthly/export", headers=owner)
    assert "attachment" in exported.headers["content-disposition"]
    definition: dict[str, Any] = exported.json()
    assert definition["format"] == "citybase-dashboard"
    clash = client.post("/api/v1/dashboards/import", json=definition, headers=owner)
    assert clash.status_code == 409
    moved = client.post(
        "/api/v1/dashboards/import",
        json={**definition, "code": "economy-copy"},
        headers=auth("finance_viewer"),
    )
    assert moved.status_code == 201
    again = client.get("/api/v1/dashboards/economy-copy/export", headers=auth("finance_viewer")).json()
    assert {**again, "code": "economy-monthly"} == definition
    replaced = client.post(
        "/api/v1/dashboards/import?replace=true", json={**definition, "title": "新标题"}, headers=owner
    )
    assert replaced.status_code == 201
    assert replaced.json()["title"] == "新标题"
