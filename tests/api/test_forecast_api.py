"""The forecast contract of the analysis issue, exactly as stated, on the demo's Shenzhen GDP; stored runs,
reproduction and scenarios through the API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Auth = Callable[..., dict[str, str]]
POINT_FIELDS = {"period", "value", "lower_80", "upper_80", "lower_95", "upper_95"}


def test_forecast_contract_on_shenzhen_gdp(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/api/v1/analysis/forecast",
        params={"indicator": "GDP", "region": "440300", "horizon": 3},
        headers=auth("stats_analyst"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [point["period"] for point in body["points"]] == ["2025", "2026", "2027"]
    for point in body["points"]:
        assert set(point) == POINT_FIELDS
        assert (
            point["lower_95"] <= point["lower_80"] <= point["value"] <= point["upper_80"] <= point["upper_95"]
        )
    assert body["points"][0]["value"] > 36801.87 * 0.9  # near and above-ish the 2024 value, in 亿元
    assert body["model"] in {"AutoETS", "AutoARIMA", "AutoTheta", "Combination"}
    assert isinstance(body["mase"], float)
    assert isinstance(body["mase_naive"], float)
    assert body["mase_seasonal_naive"] == body["mase_naive"]  # yearly values: the season is one year
    assert body["mase"] == body["candidates"][body["model"]]["mase"]
    assert body["mase"] == min(
        score["mase"]
        for name, score in body["candidates"].items()
        if name in {"AutoETS", "AutoARIMA", "AutoTheta", "Combination"}
    )
    assert body["beats_naive"] is (body["mase"] < body["mase_naive"])
    assert (body["frequency"], body["unit"], body["horizon"]) == ("year", "亿元", 3)
    assert body["notes_zh"]
    assert len(body["notes_zh"]) == len(body["notes"]) == 2
    assert isinstance(body["run_id"], int)


def test_a_stored_run_can_be_read_and_reproduced(client: TestClient, auth: Auth) -> None:
    headers = auth("finance_viewer")
    made = client.get(
        "/api/v1/analysis/forecast",
        params={"indicator": "GDP", "region": "440300", "horizon": 2},
        headers=headers,
    ).json()
    stored = client.get(f"/api/v1/analysis/forecast-runs/{made['run_id']}", headers=headers)
    assert stored.status_code == 200
    assert stored.json()["points"] == made["points"]
    assert stored.json()["created_by"] == "finance_viewer"
    listed = client.get("/api/v1/analysis/forecast-runs", params={"indicator": "GDP"}, headers=headers)
    assert [item["run_id"] for item in listed.json()] == [made["run_id"]]
    again = client.post(f"/api/v1/analysis/forecast-runs/{made['run_id']}/reproduce", headers=headers)
    assert again.status_code == 200
    assert again.json()["identical"] is True
    assert again.json()["points"] == made["points"]
    assert again.json()["differences"] == []


def test_forecast_errors(client: TestClient, auth: Auth) -> None:
    assert (
        client.get("/api/v1/analysis/forecast", params={"indicator": "GDP", "region": "440300"}).status_code
        == 401
    )
    headers = auth("stats_analyst")
    short = client.get(
        "/api/v1/analysis/forecast",
        params={"indicator": "GDP", "region": "440305", "horizon": 3},
        headers=headers,
    )
    assert short.status_code == 422
    assert "GDP 440305 has 1 values by year" in short.json()["detail"]
    assert short.json()["detail_zh"]
    too_far = client.get(
        "/api/v1/analysis/forecast",
        params={"indicator": "GDP", "region": "440300", "horizon": 99},
        headers=headers,
    )
    assert too_far.status_code == 422
    missing = client.get("/api/v1/analysis/forecast-runs/12345", headers=headers)
    assert missing.status_code == 404
    assert "12345" in missing.json()["detail"]


def test_scenario_shows_base_and_scenario(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/api/v1/analysis/forecast-scenario",
        params={"indicator": "GDP", "region": "440300", "driver": "GDP", "growth_pp": 1, "horizon": 2},
        headers=auth("stats_analyst"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    first, second = body["lines"]
    assert first["scenario"] - first["base"] == first["difference"]
    # Plus one point of growth on the 2024 value in the first year, compounding in the second.
    assert abs(first["difference"] - 0.01 * 36801.87) < 1e-6
    assert second["difference"] > first["difference"]
    assert body["forecasts"][0]["run_id"] is None  # a scenario stores nothing
    refused = client.get(
        "/api/v1/analysis/forecast-scenario",
        params={"indicator": "GDP", "region": "440300", "driver": "POP_RESIDENT", "level": 1},
        headers=auth("stats_analyst"),
    )
    assert refused.status_code == 422
    assert "does not reach GDP in 440300" in refused.json()["detail"]
