"""The acceptance contract of the foundation API, exactly as stated in the issue."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_healthz_answers_without_auth(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_region_by_code(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.get("/api/v1/regions/440305", headers=auth("stats_reviewer"))
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"], body["parent_code"]) == (
        "440305",
        "南山区",
        "county",
        "440300",
    )


def test_unknown_region_is_404_with_detail(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.get("/api/v1/regions/449999", headers=auth("stats_reviewer"))
    assert response.status_code == 404
    assert "449999" in response.json()["detail"]


def test_region_search_puts_nanshan_first(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.get("/api/v1/regions", params={"q": "南山"}, headers=auth("nanshan_submitter"))
    assert response.status_code == 200
    assert response.json()[0]["code"] == "440305"


def test_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "/api/v1/regions/{code}" in document["paths"]
    assert "/healthz" in document["paths"]
