"""/api/v1/organisations/{code}/code-mappings: list (with its CSV twin), set, remove and import."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from citybase.storage import Database
from tests.factories import csv_rows, ledger_size

Auth = Callable[..., dict[str, str]]
URL = "/api/v1/organisations/NANSHAN/code-mappings"


def _put(
    client: TestClient, headers: dict[str, str], kind: str, local: str, standard: str
) -> dict[str, object]:
    response = client.put(
        URL, json={"kind": kind, "local_code": local, "standard_code": standard}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_set_list_download_and_remove(client: TestClient, auth: Auth) -> None:
    nanshan = auth("nanshan_submitter")
    made = _put(client, nanshan, "region", "南山片区", "440305")
    assert {
        key: made[key] for key in ("kind", "local_code", "standard_code", "standard_name", "updated_by")
    } == {
        "kind": "region",
        "local_code": "南山片区",
        "standard_code": "440305",
        "standard_name": "南山区",
        "updated_by": "nanshan_submitter",
    }
    _put(client, nanshan, "indicator", "本区GDP", "gdp")
    listed = client.get(URL, headers=nanshan).json()
    assert [(item["kind"], item["local_code"], item["standard_code"]) for item in listed] == [
        ("indicator", "本区GDP", "GDP"),
        ("region", "南山片区", "440305"),
    ]
    regions_only = client.get(URL, params={"kind": "region"}, headers=nanshan).json()
    assert [item["local_code"] for item in regions_only] == ["南山片区"]

    download = client.get(URL, params={"format": "csv", "bom": "true"}, headers=nanshan)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="code-mappings-NANSHAN.csv"' in download.headers["content-disposition"]
    assert download.content.startswith("\ufeff".encode())
    header, rows = csv_rows(download.content)
    assert header == ["kind", "local_code", "standard_code", "standard_name", "updated_by", "updated_at"]
    assert [(row["local_code"], row["standard_name"]) for row in rows] == [
        ("本区GDP", "地区生产总值"),
        ("南山片区", "南山区"),
    ]

    removed = client.delete(URL, params={"kind": "region", "local_code": "南山片区"}, headers=nanshan)
    assert removed.status_code == 200
    assert removed.json()["standard_code"] == "440305"
    assert [item["local_code"] for item in client.get(URL, headers=nanshan).json()] == ["本区GDP"]
    again = client.delete(URL, params={"kind": "region", "local_code": "南山片区"}, headers=nanshan)
    assert again.status_code == 404
    assert again.json()["detail"] == "NANSHAN has no region mapping for '南山片区'"


def test_an_unknown_standard_code_is_a_problem_and_nothing_is_written(
    client: TestClient, auth: Auth, db: Database
) -> None:
    nanshan = auth("nanshan_submitter")
    before = ledger_size(db)
    response = client.put(
        URL, json={"kind": "indicator", "local_code": "本区GDP", "standard_code": "NO_SUCH"}, headers=nanshan
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["detail"] == "The code mapping cannot be saved"
    assert "detail_zh" in body
    assert body["problems"] == [
        {
            "code": "unknown_indicator",
            "row": None,
            "column": "standard_code",
            "message": "Unknown indicator NO_SUCH",
        }
    ]
    assert ledger_size(db) == before
    assert client.get(URL, headers=nanshan).json() == []


def test_who_may_read_and_write(client: TestClient, auth: Auth) -> None:
    refused = client.get(URL, headers=auth("futian_submitter"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "futian_submitter (FUTIAN) may not view submissions of another organisation (NANSHAN)"
    )
    assert client.get(URL, headers=auth("finance_viewer")).status_code == 403
    assert client.get(URL, headers=auth("nanshan_reviewer")).status_code == 200
    body = {"kind": "region", "local_code": "NS01", "standard_code": "440305"}
    assert client.put(URL, json=body, headers=auth("nanshan_reviewer")).status_code == 403
    assert client.put(URL, json=body, headers=auth("nanshan_admin")).status_code == 200
    missing = client.get("/api/v1/organisations/NOWHERE/code-mappings", headers=auth("admin"))
    assert missing.status_code == 404
    assert client.get(URL).status_code == 401


def test_import_is_all_or_nothing(client: TestClient, auth: Auth, db: Database) -> None:
    nanshan = auth("nanshan_submitter")
    before = ledger_size(db)
    bad = b"kind,local_code,standard_code\nregion,NS01,440305\nregion,NS02,4403\nindicator,,GDP\n"
    response = client.post(f"{URL}/import", files={"file": ("m.csv", bad, "text/csv")}, headers=nanshan)
    assert response.status_code == 422
    problems = [(item["row"], item["column"], item["code"]) for item in response.json()["problems"]]
    assert problems == [(3, "standard_code", "invalid"), (4, "local_code", "missing")]
    assert (
        response.json()["detail"]
        == "Nothing was imported from m.csv: correct the rows listed and upload it again"
    )
    assert ledger_size(db) == before
    assert client.get(URL, headers=nanshan).json() == []

    good = b"kind,local_code,standard_code\nregion,NS01,440305\nregion,NS02,440305\n"
    done = client.post(f"{URL}/import", files={"file": ("m.csv", good, "text/csv")}, headers=nanshan)
    assert done.status_code == 200, done.text
    assert done.json() == {"rows": 2, "added": 2, "changed": 0, "unchanged": 0}
    assert ledger_size(db) == before + 1
    refused = client.post(
        f"{URL}/import", files={"file": ("m.csv", good, "text/csv")}, headers=auth("nanshan_reviewer")
    )
    assert refused.status_code == 403
