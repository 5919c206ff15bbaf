"""How the API refuses: status, English and Chinese detail, problems per field, and nothing written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from citybase.accounts.sessions import resolve_session, start_session
from citybase.accounts.tables import api_tokens, organisations, user_roles, users
from citybase.accounts.users import find_user
from citybase.api.deps import CSRF_HEADER, SESSION_COOKIE
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from citybase.storage.metadata import utcnow
from tests.factories import GOOD_PASSWORD, counts

TokenFor = Callable[..., str]
API = "/api/v1"
WRITTEN = (organisations, users, user_roles, api_tokens, ledger_entries)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["detail"]
    assert CHINESE.search(body["detail_zh"]), f"no Chinese in {body['detail_zh']!r}"
    assert body["detail_zh"] != body["detail"]
    return body


# --- 401 ---------------------------------------------------------------------------------------------


def test_no_credentials(client: TestClient) -> None:
    response = client.get(f"{API}/me")
    body = _assert_error(response, 401, "authentication_failed")
    assert "Authorization: Bearer" in body["detail"]
    assert "需要认证" in body["detail_zh"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_authorization_header_of_the_wrong_form(client: TestClient, subtests: pytest.Subtests) -> None:
    for header in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Token cbt_abc", "cbt_abc"]:
        with subtests.test(header=header):
            response = client.get(f"{API}/me", headers={"Authorization": header})
            body = _assert_error(response, 401, "authentication_failed")
            assert "Bearer <token>" in body["detail"]
            assert "Authorization" in body["detail_zh"]


def test_a_garbled_token(client: TestClient, subtests: pytest.Subtests) -> None:
    for secret in ["cbt_nonsense", "not-a-token-at-all", "cbt_" + "A" * 43]:
        with subtests.test(secret=secret):
            body = _assert_error(
                client.get(f"{API}/me", headers=_bearer(secret)), 401, "authentication_failed"
            )
            assert body["detail"] == "The API token is not valid"
            assert "无效" in body["detail_zh"]


def test_an_expired_token(client: TestClient, token_for: TokenFor, db: Database) -> None:
    secret = token_for("nanshan_submitter")
    with db.engine.begin() as conn:
        conn.execute(update(api_tokens).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    body = _assert_error(client.get(f"{API}/me", headers=_bearer(secret)), 401, "authentication_failed")
    assert "expired" in body["detail"]
    assert secret[:12] in body["detail"]
    assert "过期" in body["detail_zh"]


def test_a_revoked_token(client: TestClient, token_for: TokenFor) -> None:
    secret = token_for("nanshan_submitter")
    token_id = client.get(f"{API}/me/tokens", headers=_bearer(secret)).json()[0]["id"]
    assert client.delete(f"{API}/tokens/{token_id}", headers=_bearer(secret)).status_code == 200
    body = _assert_error(client.get(f"{API}/me", headers=_bearer(secret)), 401, "authentication_failed")
    assert "revoked" in body["detail"]
    assert "吊销" in body["detail_zh"]


def test_a_token_of_a_disabled_account(client: TestClient, token_for: TokenFor, db: Database) -> None:
    secret = token_for("nanshan_submitter")
    with db.engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "nanshan_submitter").values(active=False))
    body = _assert_error(client.get(f"{API}/me", headers=_bearer(secret)), 401, "authentication_failed")
    assert "nanshan_submitter" in body["detail"]
    assert "disabled" in body["detail"]


def test_a_token_of_a_deactivated_organisation(client: TestClient, token_for: TokenFor, db: Database) -> None:
    secret = token_for("nanshan_submitter")
    admin = _bearer(token_for("admin"))
    assert client.post(f"{API}/organisations/NANSHAN/deactivate", headers=admin).status_code == 200
    body = _assert_error(client.get(f"{API}/me", headers=_bearer(secret)), 401, "authentication_failed")
    assert "NANSHAN" in body["detail"]
    assert client.post(f"{API}/organisations/NANSHAN/activate", headers=admin).status_code == 200
    assert client.get(f"{API}/me", headers=_bearer(secret)).status_code == 200


SAMPLE_PATH_VALUES = {
    "code": "440305",
    "username": "nanshan_submitter",
    "token_id": "1",
    "conflict_id": "1",
    "submission_id": "1",
    "run_id": "1",
    "number": "1",
}


def test_every_api_route_needs_authentication(client: TestClient, subtests: pytest.Subtests) -> None:
    documented = client.get("/openapi.json").json()["paths"]
    paths = {path: operations for path, operations in documented.items() if path.startswith(API)}
    assert sum(len(operations) for operations in paths.values()) >= 25
    for path, operations in paths.items():
        for method in operations:
            with subtests.test(method=method, path=path):
                response = client.request(method, path.format(**SAMPLE_PATH_VALUES))
                _assert_error(response, 401, "authentication_failed")


# --- 403, 404, 409, 422 ------------------------------------------------------------------------------


def test_acting_on_another_organisation(client: TestClient, token_for: TokenFor) -> None:
    headers = _bearer(token_for("nanshan_admin"))
    response = client.post(f"{API}/users/stats_submitter/disable", headers=headers)
    body = _assert_error(response, 403, "permission_denied")
    assert (
        body["detail"]
        == "nanshan_admin (NANSHAN) may not create or change users of another organisation (STATS)"
    )
    assert "STATS" in body["detail_zh"]
    assert "nanshan_admin" in body["detail_zh"]


def test_unknown_object(client: TestClient, token_for: TokenFor) -> None:
    body = _assert_error(
        client.get(f"{API}/users/nobody", headers=_bearer(token_for("admin"))), 404, "not_found"
    )
    assert "nobody" in body["detail"]
    assert "nobody" in body["detail_zh"]


def test_duplicate(client: TestClient, token_for: TokenFor) -> None:
    body = {"code": "STATS", "name": "统计局", "kind": "department", "region_code": "440300"}
    response = client.post(f"{API}/organisations", json=body, headers=_bearer(token_for("admin")))
    assert "STATS" in _assert_error(response, 409, "already_exists")["detail_zh"]


def test_invalid_body_names_every_field(client: TestClient, token_for: TokenFor) -> None:
    body = {"username": "x", "org_code": "NANSHAN", "roles": "admin", "shoe_size": 42}
    response = client.post(f"{API}/users", json=body, headers=_bearer(token_for("admin")))
    refused = _assert_error(response, 422, "invalid_input")
    columns = {problem["column"] for problem in refused["problems"]}
    assert columns == {"password", "roles", "shoe_size"}
    for problem in refused["problems"]:
        assert problem["message"].startswith(f"{problem['column']}: ")
    assert all(column in refused["detail"] for column in columns)


def test_a_body_that_is_not_json(client: TestClient, token_for: TokenFor) -> None:
    response = client.post(
        f"{API}/organisations",
        content=b"code=TAX",
        headers={**_bearer(token_for("admin")), "Content-Type": "application/json"},
    )
    refused = _assert_error(response, 422, "invalid_input")
    assert refused["problems"]


def test_domain_problems_are_translated_too(client: TestClient, token_for: TokenFor) -> None:
    body = {"username": "nanshan_clerk", "password": "short", "org_code": "NANSHAN", "roles": ["viewer"]}
    response = client.post(f"{API}/users", json=body, headers=_bearer(token_for("admin")))
    refused = _assert_error(response, 422, "invalid_input")
    assert {problem["column"] for problem in refused["problems"]} == {"password"}
    assert {problem["code"] for problem in refused["problems"]} == {"too_short", "too_simple"}


def test_unknown_api_path_is_json_404(client: TestClient, token_for: TokenFor) -> None:
    response = client.get(f"{API}/no-such-thing", headers=_bearer(token_for("admin")))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "http_error"}


def test_wrong_method_is_json_405(client: TestClient, token_for: TokenFor) -> None:
    response = client.put(f"{API}/regions/440305", headers=_bearer(token_for("admin")))
    assert response.status_code == 405
    assert response.json()["code"] == "http_error"


# --- refusals write nothing --------------------------------------------------------------------------

NEW_USER = {
    "username": "nanshan_clerk",
    "password": GOOD_PASSWORD,
    "org_code": "NANSHAN",
    "roles": ["viewer"],
}

REFUSED_WRITES: list[tuple[str, str, str | None, dict[str, Any] | None, int]] = [
    ("POST", "/users", None, NEW_USER, 401),
    ("POST", "/users", "nanshan_submitter", NEW_USER, 403),
    ("POST", "/users", "nanshan_admin", {**NEW_USER, "org_code": "STATS"}, 403),
    ("POST", "/users", "nanshan_admin", {**NEW_USER, "username": "nanshan_reviewer"}, 409),
    ("POST", "/users", "nanshan_admin", {**NEW_USER, "password": "password"}, 422),
    ("POST", "/users", "nanshan_admin", {**NEW_USER, "org_code": "NOPE"}, 404),
    ("POST", "/organisations", "nanshan_admin",
     {"code": "TAX", "name": "税务局", "kind": "department", "region_code": "440300"}, 403),
    ("POST", "/organisations", "admin", {"code": "TAX", "name": "税务局", "kind": "department",
                                         "region_code": "449999"}, 422),
    ("POST", "/organisations/GSDB/deactivate", "admin", None, 422),
    ("POST", "/users/stats_submitter/disable", "nanshan_admin", None, 403),
    ("POST", "/users/nobody/disable", "admin", None, 404),
    ("POST", "/users/stats_submitter/unlock", "nanshan_admin", None, 403),
    ("PUT", "/users/nanshan_submitter/roles", "nanshan_submitter", {"roles": ["admin"]}, 403),
    ("PUT", "/users/nanshan_submitter/roles", "nanshan_admin", {"roles": ["chief"]}, 422),
    ("POST", "/users/stats_submitter/password", "nanshan_admin", {"new_password": GOOD_PASSWORD}, 403),
    ("POST", "/users/nanshan_submitter/password", "nanshan_submitter",
     {"new_password": GOOD_PASSWORD, "current_password": "wrong-password-1"}, 422),
    ("POST", "/users/stats_submitter/tokens", "nanshan_admin", {}, 403),
    ("POST", "/me/tokens", "nanshan_submitter", {"days": 1000}, 422),
    ("POST", "/me/tokens", "nanshan_submitter", {"role": "admin"}, 422),
    ("DELETE", "/tokens/999999", "admin", None, 404),
]  # fmt: skip


def test_a_refused_request_writes_nothing(
    client: TestClient, token_for: TokenFor, db: Database, subtests: pytest.Subtests
) -> None:
    # Issuing a token is itself a write, so every token is issued before anything is counted; and since
    # a refusal writes nothing, all the cases can run against the same fresh database.
    headers = {
        username: _bearer(token_for(username))
        for username in {case[2] for case in REFUSED_WRITES}
        if username
    }
    before = counts(db, *WRITTEN)
    for method, path, username, body, status in REFUSED_WRITES:
        with subtests.test(method=method, path=path, user=username, status=status):
            response = client.request(
                method, f"{API}{path}", json=body, headers=headers.get(username or "", {})
            )
            assert response.status_code == status, response.text
            assert counts(db, *WRITTEN) == before


# --- browser sessions on the API ---------------------------------------------------------------------


def _session(db: Database, username: str) -> tuple[str, str]:
    """A logged-in web session's cookie secret and its CSRF token."""
    with db.write() as conn:
        secret = start_session(conn, find_user(conn, username))
    with db.read() as conn:
        session = resolve_session(conn, secret)
    assert session is not None
    return secret, session.csrf_token


def test_a_session_cookie_reads_without_a_csrf_token(client: TestClient, db: Database) -> None:
    secret, _csrf = _session(db, "nanshan_admin")
    client.cookies.set(SESSION_COOKIE, secret)
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["username"] == "nanshan_admin"


def test_a_session_ends_with_its_organisation(client: TestClient, db: Database, token_for: TokenFor) -> None:
    secret, _csrf = _session(db, "nanshan_submitter")
    admin = _bearer(token_for("admin"))
    assert client.post(f"{API}/organisations/NANSHAN/deactivate", headers=admin).status_code == 200
    client.cookies.set(SESSION_COOKIE, secret)
    _assert_error(client.get(f"{API}/me"), 401, "authentication_failed")


def test_a_session_cookie_writes_only_with_its_csrf_token(client: TestClient, db: Database) -> None:
    secret, csrf = _session(db, "nanshan_admin")
    client.cookies.set(SESSION_COOKIE, secret)
    before = counts(db, *WRITTEN)
    for sent in ({}, {CSRF_HEADER: "forged"}):
        body = _assert_error(
            client.post(f"{API}/users/nanshan_submitter/unlock", headers=sent), 403, "permission_denied"
        )
        assert "CSRF" in body["detail"]
    assert counts(db, *WRITTEN) == before
    response = client.post(f"{API}/users/nanshan_submitter/unlock", headers={CSRF_HEADER: csrf})
    assert response.status_code == 200
