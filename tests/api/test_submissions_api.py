"""Submissions through the API: an upload audited and approved, JSON idempotent by its key, and uploads over
the size limit refused before they are read."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.app import create_app
from tests.conftest import make_settings

API = "/api/v1"
Headers = Callable[..., dict[str, str]]


def test_upload_audit_and_approve(client: TestClient, auth: Headers) -> None:
    body = "地区,地区生产总值,第三产业增加值\n南山区,2100,1400\n".encode("gbk")
    response = client.post(
        f"{API}/submissions/upload",
        headers=auth("nanshan_submitter"),
        files={"file": ("南山.csv", body, "text/csv")},
        data={"org": "NANSHAN", "period": "2024Q1"},
    )
    assert response.status_code == 201, response.text
    submission = response.json()
    assert submission["status"] == "under_review"
    assert submission["values"] == 2
    assert submission["reviewer_org"] == "STATS"
    refused = client.post(
        f"{API}/submissions/{submission['id']}/approve", headers=auth("nanshan_submitter"), json={}
    )
    assert refused.status_code == 403
    approved = client.post(
        f"{API}/submissions/{submission['id']}/approve", headers=auth("stats_reviewer"), json={}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    facts = client.get(
        f"{API}/facts?indicator=GDP&region=440305&start=2024Q1&end=2024Q1", headers=auth("stats_reviewer")
    )
    assert [item["value"] for item in facts.json()["items"]] == [2100]
    report = client.get(f"{API}/submissions/{submission['id']}/report.xlsx", headers=auth("stats_reviewer"))
    assert report.status_code == 200
    assert report.content[:2] == b"PK"


def test_json_batch_is_idempotent_and_points_at_json_paths(client: TestClient, auth: Headers) -> None:
    batch = {
        "org": "STATS",
        "client_key": "stats-2024q2-1",
        "items": [
            {"indicator": "GDP", "region": "440305", "period": "2024Q2", "value": 2200},
            {"indicator": "GDP", "region": "440304", "period": "2024Q2", "value": "abc"},
        ],
    }
    first = client.post(f"{API}/submissions", headers=auth("stats_submitter"), json=batch)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "audit_failed"
    assert [line["location"] for line in first.json()["audit"]] == ["$.items[1].value"]
    assert first.json()["audit"][0]["message_zh"] == "“abc”不是数字"
    again = client.post(f"{API}/submissions", headers=auth("stats_submitter"), json=batch)
    assert again.json()["id"] == first.json()["id"]


@pytest.fixture
def small_limit_client(demo_url: str) -> Iterator[TestClient]:
    app: FastAPI = create_app(make_settings(demo_url, upload_max_mb=1))
    with TestClient(app) as client:
        yield client


def test_upload_over_the_limit_is_refused_before_it_is_read(
    small_limit_client: TestClient, auth: Headers
) -> None:
    declared = small_limit_client.post(
        f"{API}/submissions/upload", headers={"Content-Length": str(2 * 1024**3)}, content=b"x"
    )
    assert declared.status_code == 413
    assert "1 MB" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        for _ in range(4):
            yield b"440305,1\n" * (1024 * 1024 // 9)

    # Sent in chunks without a declared length: cut off once the body passes the limit.
    streamed = small_limit_client.post(
        f"{API}/submissions/upload",
        headers={**auth("stats_submitter"), "Content-Type": "multipart/form-data; boundary=x"},
        content=chunks(),
    )
    assert streamed.status_code == 413
    page = small_limit_client.post("/submit", headers={"Content-Length": str(5 * 1024**2)}, content=b"x")
    assert page.status_code == 413
    assert "上限" in page.text
