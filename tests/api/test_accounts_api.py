"""The organisations, users and tokens API: happy paths, CSV twins, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybase.accounts.tables import api_tokens, organisations, users
from citybase.demo import DemoLogin
from citybase.ledger import LedgerFilter, list_entries
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from tests.factories import GOOD_PASSWORD, acting, as_csv_cells, counts, csv_rows

Auth = Callable[..., dict[str, str]]
Bearer = dict[str, dict[str, str]]
API = "/api/v1"
ORG_COLUMNS = ["code", "name", "name_en", "kind", "region_code", "platform", "active", "user_count"]
WRITTEN = (organisations, users, api_tokens, ledger_entries)
NEW_ORG = {"code": "TAX", "name": "深圳市税务局", "kind": "department", "region_code": "440300"}
NEW_USER = {
    "username": "nanshan_clerk",
    "password": GOOD_PASSWORD,
    "org_code": "NANSHAN",
    "roles": ["viewer"],
}


@pytest.fixture
def bearer(auth: Auth) -> Bearer:
    """Authorization headers for the demo users these tests act as, issued before anything is counted."""
    users = (
        "admin",
        "nanshan_admin",
        "nanshan_submitter",
        "nanshan_reviewer",
        "stats_submitter",
        "finance_viewer",
    )
    return {username: auth(username) for username in users}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


# --- organisations -----------------------------------------------------------------------------------


def test_list_organisations_and_its_csv_twin(client: TestClient, bearer: Bearer) -> None:
    headers = bearer["finance_viewer"]
    items = _ok(client.get(f"{API}/organisations", headers=headers))
    assert len(items) == 27
    nanshan = next(item for item in items if item["code"] == "NANSHAN")
    assert (nanshan["kind"], nanshan["region_code"], nanshan["user_count"]) == ("district", "440305", 3)
    response = client.get(f"{API}/organisations", params={"format": "csv"}, headers=headers)
    header, rows = csv_rows(response.content)
    assert header == ORG_COLUMNS
    assert rows == [as_csv_cells(item, ORG_COLUMNS) for item in items]


def test_list_organisations_of_one_kind(client: TestClient, bearer: Bearer) -> None:
    items = _ok(
        client.get(f"{API}/organisations", params={"kind": "district"}, headers=bearer["finance_viewer"])
    )
    assert len(items) == 9
    assert {item["kind"] for item in items} == {"district"}
    bad = _refused(
        client.get(f"{API}/organisations", params={"kind": "ministry"}, headers=bearer["admin"]), 422
    )
    assert [problem["column"] for problem in bad["problems"]] == ["query.kind"]


def test_read_organisation(client: TestClient, bearer: Bearer) -> None:
    body = _ok(client.get(f"{API}/organisations/GSDB", headers=bearer["nanshan_submitter"]))
    assert (body["platform"], body["kind"], body["name_en"]) == (
        True,
        "department",
        "Shenzhen Government Services and Data Management Bureau",
    )
    missing = _refused(client.get(f"{API}/organisations/NOPE", headers=bearer["admin"]), 404)
    assert "NOPE" in missing["detail"]


def test_platform_admin_creates_an_organisation(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, ledger_entries)["ledger_entries"]
    body = _ok(client.post(f"{API}/organisations", json=NEW_ORG, headers=bearer["admin"]), 201)
    assert (body["code"], body["active"], body["user_count"]) == ("TAX", True, 0)
    assert counts(db, ledger_entries)["ledger_entries"] == before + 1
    with db.read() as conn:
        [entry] = list_entries(
            conn, acting(db, "admin"), LedgerFilter(action="org.created", object_key="TAX")
        )
    assert (entry.actor, entry.via) == ("admin", "api")


INVALID_ORGS: list[tuple[dict[str, Any], list[str]]] = [
    ({**NEW_ORG, "code": "tax"}, ["code"]),
    ({**NEW_ORG, "region_code": "449999"}, ["region_code"]),
    ({**NEW_ORG, "region_code": "44030X", "name": " "}, ["name", "region_code"]),
    ({key: value for key, value in NEW_ORG.items() if key != "name"}, ["name"]),
    ({**NEW_ORG, "kind": "ministry"}, ["kind"]),
    ({**NEW_ORG, "budget": 1}, ["budget"]),
]


def test_invalid_organisation_is_422_naming_each_field(
    client: TestClient, bearer: Bearer, db: Database, subtests: pytest.Subtests
) -> None:
    # Refusals write nothing, so every case can run against the same fresh database.
    before = counts(db, *WRITTEN)
    for body, columns in INVALID_ORGS:
        with subtests.test(body=body):
            refused = _refused(client.post(f"{API}/organisations", json=body, headers=bearer["admin"]), 422)
            assert sorted(problem["column"] for problem in refused["problems"]) == columns
            assert refused["code"] == "invalid_input"
            assert counts(db, *WRITTEN) == before


def test_duplicate_organisation_is_409(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, *WRITTEN)
    body = _refused(
        client.post(f"{API}/organisations", json={**NEW_ORG, "code": "STATS"}, headers=bearer["admin"]), 409
    )
    assert "STATS" in body["detail"]
    assert body["code"] == "already_exists"
    assert counts(db, *WRITTEN) == before


def test_only_platform_admins_create_organisations(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, *WRITTEN)
    body = _refused(client.post(f"{API}/organisations", json=NEW_ORG, headers=bearer["nanshan_admin"]), 403)
    assert "nanshan_admin" in body["detail"]
    assert counts(db, *WRITTEN) == before


def test_deactivate_and_activate_an_organisation(client: TestClient, bearer: Bearer) -> None:
    admin = bearer["admin"]
    assert _ok(client.post(f"{API}/organisations/NANSHAN/deactivate", headers=admin))["active"] is False
    assert _ok(client.get(f"{API}/organisations/NANSHAN", headers=admin))["active"] is False
    assert _ok(client.post(f"{API}/organisations/NANSHAN/activate", headers=admin))["active"] is True


def test_deactivating_refusals(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, *WRITTEN)
    _refused(client.post(f"{API}/organisations/GSDB/deactivate", headers=bearer["admin"]), 422)
    _refused(client.post(f"{API}/organisations/NANSHAN/deactivate", headers=bearer["nanshan_admin"]), 403)
    _refused(client.post(f"{API}/organisations/NOPE/deactivate", headers=bearer["admin"]), 404)
    assert counts(db, *WRITTEN) == before


def test_users_of_an_organisation(client: TestClient, bearer: Bearer) -> None:
    items = _ok(client.get(f"{API}/organisations/NANSHAN/users", headers=bearer["nanshan_admin"]))
    assert [item["username"] for item in items] == ["nanshan_admin", "nanshan_reviewer", "nanshan_submitter"]
    assert all("password" not in key for item in items for key in item)
    refused = _refused(client.get(f"{API}/organisations/STATS/users", headers=bearer["nanshan_admin"]), 403)
    assert "STATS" in refused["detail"]
    assert "STATS" in refused["detail_zh"]


# --- users -------------------------------------------------------------------------------------------


def test_list_users_of_own_org_or_refused_for_another(client: TestClient, bearer: Bearer) -> None:
    headers = bearer["nanshan_submitter"]
    items = _ok(client.get(f"{API}/users", headers=headers))
    assert {item["org_code"] for item in items} == {"NANSHAN"}
    assert len(_ok(client.get(f"{API}/users", params={"org": "NANSHAN"}, headers=headers))) == 3
    _refused(client.get(f"{API}/users", params={"org": "STATS"}, headers=headers), 403)


def test_platform_admin_lists_everyone(client: TestClient, bearer: Bearer, demo_login: DemoLogin) -> None:
    assert len(_ok(client.get(f"{API}/users", headers=bearer["admin"]))) == demo_login.users


def test_org_admin_creates_a_user_in_their_org(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, ledger_entries)["ledger_entries"]
    body = _ok(client.post(f"{API}/users", json=NEW_USER, headers=bearer["nanshan_admin"]), 201)
    assert (body["username"], body["org_code"], body["roles"], body["active"]) == (
        "nanshan_clerk",
        "NANSHAN",
        ["viewer"],
        True,
    )
    assert "password" not in body
    assert counts(db, ledger_entries)["ledger_entries"] == before + 1


def test_org_admin_cannot_create_a_user_in_another_org(
    client: TestClient, bearer: Bearer, db: Database
) -> None:
    before = counts(db, *WRITTEN)
    body = _refused(
        client.post(f"{API}/users", json={**NEW_USER, "org_code": "STATS"}, headers=bearer["nanshan_admin"]),
        403,
    )
    assert "STATS" in body["detail"]
    assert body["code"] == "permission_denied"
    assert counts(db, *WRITTEN) == before


INVALID_USERS: list[tuple[dict[str, Any], list[str]]] = [
    ({**NEW_USER, "password": "short"}, ["password", "password"]),
    ({**NEW_USER, "username": "Clerk Nanshan"}, ["username"]),
    ({**NEW_USER, "roles": []}, ["roles"]),
    ({**NEW_USER, "roles": ["boss"]}, ["roles"]),
    ({key: value for key, value in NEW_USER.items() if key != "username"}, ["username"]),
    ({**NEW_USER, "roles": "viewer"}, ["roles"]),
]


def test_invalid_user_is_422_naming_each_field(
    client: TestClient, bearer: Bearer, db: Database, subtests: pytest.Subtests
) -> None:
    before = counts(db, *WRITTEN)
    for body, columns in INVALID_USERS:
        with subtests.test(body={key: value for key, value in body.items() if key != "password"}):
            refused = _refused(client.post(f"{API}/users", json=body, headers=bearer["nanshan_admin"]), 422)
            assert sorted(problem["column"] for problem in refused["problems"]) == columns
            assert counts(db, *WRITTEN) == before


def test_duplicate_user_is_409(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, *WRITTEN)
    body = {**NEW_USER, "username": "nanshan_submitter"}
    refused = _refused(client.post(f"{API}/users", json=body, headers=bearer["nanshan_admin"]), 409)
    assert "nanshan_submitter" in refused["detail"]
    assert counts(db, *WRITTEN) == before


def test_read_a_user(client: TestClient, bearer: Bearer) -> None:
    body = _ok(client.get(f"{API}/users/nanshan_submitter", headers=bearer["nanshan_reviewer"]))
    assert (body["display_name"], body["roles"], body["locked_until"]) == (
        "南山区统计员",
        ["submitter"],
        None,
    )
    _refused(client.get(f"{API}/users/stats_submitter", headers=bearer["nanshan_admin"]), 403)
    _refused(client.get(f"{API}/users/nobody", headers=bearer["admin"]), 404)


def test_me(client: TestClient, bearer: Bearer) -> None:
    me = _ok(client.get(f"{API}/me", headers=bearer["admin"]))
    assert (me["username"], me["platform_admin"], me["acting_roles"]) == ("admin", True, ["admin"])
    other = _ok(client.get(f"{API}/me", headers=bearer["nanshan_admin"]))
    assert (other["org_code"], other["platform_admin"]) == ("NANSHAN", False)


def test_disable_revokes_tokens_and_enable_restores_login_only(client: TestClient, bearer: Bearer) -> None:
    victim = bearer["nanshan_submitter"]
    assert _ok(client.get(f"{API}/me", headers=victim))["username"] == "nanshan_submitter"
    admin = bearer["nanshan_admin"]
    assert _ok(client.post(f"{API}/users/nanshan_submitter/disable", headers=admin))["active"] is False
    refused = _refused(client.get(f"{API}/me", headers=victim), 401)
    assert "revoked" in refused["detail"]
    assert _ok(client.post(f"{API}/users/nanshan_submitter/enable", headers=admin))["active"] is True
    _refused(client.get(f"{API}/me", headers=victim), 401)


def test_disabling_yourself_is_refused(client: TestClient, bearer: Bearer, db: Database) -> None:
    before = counts(db, *WRITTEN)
    _refused(client.post(f"{API}/users/nanshan_admin/disable", headers=bearer["nanshan_admin"]), 422)
    assert counts(db, *WRITTEN) == before


def test_unlock(client: TestClient, bearer: Bearer) -> None:
    body = _ok(client.post(f"{API}/users/nanshan_submitter/unlock", headers=bearer["nanshan_admin"]))
    assert body["locked_until"] is None
    _refused(client.post(f"{API}/users/stats_submitter/unlock", headers=bearer["nanshan_admin"]), 403)


def test_set_roles(client: TestClient, bearer: Bearer, db: Database) -> None:
    admin = bearer["nanshan_admin"]
    body = _ok(
        client.put(
            f"{API}/users/nanshan_submitter/roles", json={"roles": ["viewer", "reviewer"]}, headers=admin
        )
    )
    assert body["roles"] == ["reviewer", "viewer"]
    before = counts(db, *WRITTEN)
    _refused(client.put(f"{API}/users/nanshan_submitter/roles", json={"roles": []}, headers=admin), 422)
    _refused(client.put(f"{API}/users/nanshan_submitter/roles", json={}, headers=admin), 422)
    _refused(client.put(f"{API}/users/stats_submitter/roles", json={"roles": ["admin"]}, headers=admin), 403)
    assert counts(db, *WRITTEN) == before


def test_admin_resets_a_password(client: TestClient, bearer: Bearer) -> None:
    response = client.post(
        f"{API}/users/nanshan_submitter/password",
        json={"new_password": GOOD_PASSWORD},
        headers=bearer["nanshan_admin"],
    )
    assert response.status_code == 204
    assert response.content == b""


def test_own_password_change_needs_the_current_one(
    client: TestClient, bearer: Bearer, demo_login: DemoLogin
) -> None:
    headers = bearer["nanshan_submitter"]
    wrong = {"new_password": GOOD_PASSWORD, "current_password": "not-it-at-all-1"}
    refused = _refused(
        client.post(f"{API}/users/nanshan_submitter/password", json=wrong, headers=headers), 422
    )
    assert [problem["column"] for problem in refused["problems"]] == ["current_password"]
    right = {"new_password": GOOD_PASSWORD, "current_password": demo_login.user_password}
    assert (
        client.post(f"{API}/users/nanshan_submitter/password", json=right, headers=headers).status_code == 204
    )


def test_weak_new_password_is_422(client: TestClient, bearer: Bearer) -> None:
    body = {"new_password": "nanshan_submitter1"}
    refused = _refused(
        client.post(f"{API}/users/nanshan_submitter/password", json=body, headers=bearer["admin"]), 422
    )
    assert [problem["code"] for problem in refused["problems"]] == ["contains_username"]


# --- tokens ------------------------------------------------------------------------------------------


def test_issue_my_own_token_and_use_it(client: TestClient, bearer: Bearer, db: Database) -> None:
    body = _ok(
        client.post(
            f"{API}/me/tokens", json={"days": 7, "name": "sync"}, headers=bearer["nanshan_submitter"]
        ),
        201,
    )
    secret = body["token"]
    assert (body["role"], body["state"], body["name"], body["prefix"]) == (
        "submitter",
        "active",
        "sync",
        secret[:12],
    )
    lifetime = dt.datetime.fromisoformat(body["expires_at"]) - dt.datetime.fromisoformat(body["created_at"])
    assert lifetime == dt.timedelta(days=7)
    me = _ok(client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}))
    assert me["acting_roles"] == ["submitter"]
    listed = _ok(client.get(f"{API}/me/tokens", headers={"Authorization": f"Bearer {secret}"}))
    assert body["id"] in {item["id"] for item in listed}
    assert all("token" not in item for item in listed), "the secret is shown once only"


def test_bad_token_requests_are_422(
    client: TestClient, bearer: Bearer, db: Database, subtests: pytest.Subtests
) -> None:
    headers = bearer["nanshan_submitter"]
    before = counts(db, *WRITTEN)
    for body in [{"days": 0}, {"days": 366}, {"role": "admin"}, {"role": "chief"}]:
        with subtests.test(body=body):
            refused = _refused(client.post(f"{API}/me/tokens", json=body, headers=headers), 422)
            assert refused["code"] == "invalid_input"
            assert counts(db, *WRITTEN) == before


def test_org_admin_manages_their_users_tokens_only(client: TestClient, bearer: Bearer, db: Database) -> None:
    admin = bearer["nanshan_admin"]
    issued = _ok(client.post(f"{API}/users/nanshan_submitter/tokens", json={}, headers=admin), 201)
    listed = _ok(client.get(f"{API}/users/nanshan_submitter/tokens", headers=admin))
    assert len(listed) == 2  # the one the fixture issued, and this newer one first
    assert listed[0]["id"] == issued["id"]
    before = counts(db, *WRITTEN)
    _refused(client.post(f"{API}/users/stats_submitter/tokens", json={}, headers=admin), 403)
    _refused(client.get(f"{API}/users/stats_submitter/tokens", headers=admin), 403)
    assert counts(db, *WRITTEN) == before


def test_revoke_a_token(client: TestClient, bearer: Bearer) -> None:
    issued = _ok(client.post(f"{API}/me/tokens", json={}, headers=bearer["nanshan_submitter"]), 201)
    token_headers = {"Authorization": f"Bearer {issued['token']}"}
    revoked = _ok(client.delete(f"{API}/tokens/{issued['id']}", headers=token_headers))
    assert revoked["state"] == "revoked"
    assert revoked["revoked_at"] is not None
    _refused(client.get(f"{API}/me", headers=token_headers), 401)


def test_revoke_refusals(client: TestClient, bearer: Bearer, db: Database) -> None:
    issued = _ok(client.post(f"{API}/me/tokens", json={}, headers=bearer["stats_submitter"]), 201)
    before = counts(db, *WRITTEN)
    _refused(client.delete(f"{API}/tokens/{issued['id']}", headers=bearer["nanshan_admin"]), 403)
    _refused(client.delete(f"{API}/tokens/999999", headers=bearer["admin"]), 404)
    _refused(client.delete(f"{API}/tokens/first", headers=bearer["admin"]), 422)
    assert counts(db, *WRITTEN) == before
