"""The ledger API: filtered pages, the CSV twin, who may read it, and verification after tampering."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from citybase.ledger import canonical_json
from citybase.storage import Database
from tests.factories import GOOD_PASSWORD, as_csv_cells, csv_rows, ledger_size

Auth = Callable[..., dict[str, str]]
LEDGER = "/api/v1/ledger"
LEDGER_COLUMNS = [
    "seq", "recorded_at", "actor", "actor_org", "via", "action", "object_type", "object_key", "detail",
    "detail_digest", "prev_hash", "entry_hash",
]  # fmt: skip


@pytest.fixture
def admin(auth: Auth) -> dict[str, str]:
    return auth("admin")


def _page(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(LEDGER, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_newest_entries_first_with_total(client: TestClient, admin: dict[str, str], db: Database) -> None:
    body = _page(client, admin, limit=5)
    seqs = [item["seq"] for item in body["items"]]
    head = ledger_size(db)
    assert seqs == list(range(head, head - 5, -1))
    assert body["total"] == head
    assert body["next_before"] == seqs[-1]
    # The newest entry is the issue of the token this request runs on.
    assert (body["items"][0]["action"], body["items"][0]["detail"]["user"]) == ("token.created", "admin")


def test_paging_backwards_reaches_the_first_entry(client: TestClient, admin: dict[str, str]) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 40}
    while True:
        body = _page(client, admin, **params)
        seen.extend(item["seq"] for item in body["items"])
        if body["next_before"] is None:
            break
        params["before"] = body["next_before"]
    assert seen == list(range(body["total"], 0, -1))


def test_filters(client: TestClient, admin: dict[str, str]) -> None:
    created = _page(client, admin, action="user.created", limit=1000)
    assert created["total"] == len(created["items"]) > 0
    assert {item["action"] for item in created["items"]} == {"user.created"}
    nanshan = _page(client, admin, object_type="user", object_key="nanshan_admin")["items"]
    assert [(item["action"], item["detail"]["org"]) for item in nanshan] == [("user.created", "NANSHAN")]
    by_system = _page(client, admin, user="system", action="regions.")
    assert by_system["total"] >= 2
    assert _page(client, admin, user="nobody")["items"] == []


def test_time_window(client: TestClient, admin: dict[str, str]) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    assert _page(client, admin, since=future)["total"] == 0
    assert _page(client, admin, until=past)["total"] == 0
    everything = _page(client, admin)["total"]
    assert _page(client, admin, since=past, until=future)["total"] == everything
    # A time without a zone is taken as UTC.
    naive_future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert _page(client, admin, since=naive_future)["total"] == 0


def test_csv_twin_has_the_same_rows(client: TestClient, admin: dict[str, str]) -> None:
    items = _page(client, admin, limit=30)["items"]
    response = client.get(LEDGER, params={"limit": 30, "format": "csv"}, headers=admin)
    assert response.status_code == 200
    header, rows = csv_rows(response.content)
    assert header == LEDGER_COLUMNS
    expected = [
        as_csv_cells({**item, "detail": canonical_json(item["detail"])}, LEDGER_COLUMNS) for item in items
    ]
    assert rows == expected
    assert all(json.loads(row["detail"]) == item["detail"] for row, item in zip(rows, items, strict=True))


def test_an_api_write_is_recorded_once_with_its_actor(
    client: TestClient, auth: Auth, admin: dict[str, str], db: Database
) -> None:
    headers = auth("nanshan_admin")
    before = ledger_size(db)
    body = {
        "username": "nanshan_clerk",
        "password": GOOD_PASSWORD,
        "org_code": "NANSHAN",
        "roles": ["viewer"],
    }
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == 201
    assert ledger_size(db) == before + 1
    [entry] = _page(client, admin, limit=1, action="user.created")["items"]
    assert (entry["actor"], entry["actor_org"], entry["via"], entry["object_key"]) == (
        "nanshan_admin",
        "NANSHAN",
        "api",
        "nanshan_clerk",
    )


def test_an_org_admin_reads_only_their_orgs_entries(client: TestClient, auth: Auth) -> None:
    nanshan = auth("nanshan_admin")
    auth("stats_admin")  # an entry made by someone else, in another organisation
    response = client.post("/api/v1/users/nanshan_submitter/unlock", headers=nanshan)
    assert response.status_code == 200
    body = _page(client, nanshan, limit=1000)
    assert body["total"] == len(body["items"]) == 1
    assert {item["actor_org"] for item in body["items"]} == {"NANSHAN"}
    assert _page(client, nanshan, org="STATS")["items"] == []


@pytest.mark.parametrize(
    "username", ["nanshan_submitter", "stats_reviewer", "finance_viewer", "gsdb_analyst"]
)
def test_non_admins_may_not_read_or_verify_the_ledger(client: TestClient, auth: Auth, username: str) -> None:
    headers = auth(username)
    for path in (LEDGER, f"{LEDGER}/verify"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert username in response.json()["detail"]


def test_bad_parameters_are_422(client: TestClient, admin: dict[str, str], subtests: pytest.Subtests) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "query.limit"),
        ({"before": 0}, "query.before"),
        ({"since": "yesterday"}, "query.since"),
    ]
    for params, field in cases:
        with subtests.test(params=params):
            response = client.get(LEDGER, params=params, headers=admin)
            assert response.status_code == 422
            assert [problem["column"] for problem in response.json()["problems"]] == [field]


def test_verify_an_untouched_ledger(client: TestClient, admin: dict[str, str], db: Database) -> None:
    response = client.get(f"{LEDGER}/verify", headers=admin)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "entries_checked": ledger_size(db),
        "head_seq": ledger_size(db),
        "first_bad_seq": None,
        "problem": None,
    }


def test_any_admin_may_verify_the_whole_ledger(client: TestClient, auth: Auth, db: Database) -> None:
    body = client.get(f"{LEDGER}/verify", headers=auth("nanshan_admin")).json()
    assert body["ok"] is True
    assert body["entries_checked"] == ledger_size(db)


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = :seq",
        "UPDATE ledger_entries SET detail = detail || ' ' WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = prev_hash WHERE seq = :seq",
        "DELETE FROM ledger_entries WHERE seq = :seq",
    ],
)
def test_verify_reports_the_first_bad_entry(
    client: TestClient, admin: dict[str, str], db: Database, tampering: str
) -> None:
    victim = ledger_size(db) // 3
    with db.engine.begin() as conn:
        conn.execute(text(tampering), {"seq": victim})
    response = client.get(f"{LEDGER}/verify", headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["first_bad_seq"], body["entries_checked"]) == (False, victim, victim - 1)
    assert str(victim) in body["problem"]


def test_verify_reports_a_removed_last_entry(client: TestClient, admin: dict[str, str], db: Database) -> None:
    last = ledger_size(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = :seq"), {"seq": last})
    body = client.get(f"{LEDGER}/verify", headers=admin).json()
    assert (body["ok"], body["first_bad_seq"], body["head_seq"]) == (False, last, last)
    assert "removed" in body["problem"]


def test_reading_and_verifying_write_nothing(client: TestClient, admin: dict[str, str], db: Database) -> None:
    before = ledger_size(db)
    _page(client, admin)
    client.get(f"{LEDGER}/verify", headers=admin)
    client.get(LEDGER, params={"format": "csv"}, headers=admin)
    assert ledger_size(db) == before
