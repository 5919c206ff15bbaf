"""The web forms: organisations, users, one's password and API tokens; CSRF and permissions on each."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybase.demo import DemoLogin
from citybase.storage import Database
from tests.web.test_auth import form_token, is_login_redirect, ledger_size, log_in, scalar, signed_in

NEW_PASSWORD = "Lychee-Season-2025"


def org_count(db: Database, code: str) -> int:
    return int(scalar(db, "SELECT count(*) FROM organisations WHERE code = :code", code=code))


def user_count(db: Database, username: str) -> int:
    return int(scalar(db, "SELECT count(*) FROM users WHERE username = :username", username=username))


def field_errors(document: str, field_id: str) -> list[str]:
    """The error messages rendered right after the input with this id (and its hint, if any)."""
    hint = r'(?:<div class="hint">[^<]*</div>\s*)?'
    found = re.search(rf'id="{field_id}"[^>]*>\s*{hint}((?:<div class="error">[^<]*</div>)*)', document)
    assert found, f"no field {field_id}"
    return re.findall(r'<div class="error">([^<]*)</div>', found.group(1))


def flashes(document: str) -> list[str]:
    return re.findall(r'<div class="flash \w+" role="status">([^<]*)</div>', document)


def org_form(token: str, **values: str) -> dict[str, str]:
    return {
        "code": "ARCHIVES",
        "name": "深圳市档案馆",
        "name_en": "Shenzhen Archives",
        "kind": "department",
        "region_code": "440300",
        "csrf_token": token,
        **values,
    }


def user_form(token: str, **values: object) -> dict[str, object]:
    return {
        "username": "chen.jing",
        "display_name": "陈静",
        "password": NEW_PASSWORD,
        "roles": ["reviewer", "analyst"],
        "csrf_token": token,
        **values,
    }


@pytest.fixture
def admin_token(client: TestClient, demo_login: DemoLogin) -> str:
    """Log the client in as the platform administrator; the session's CSRF token."""
    return signed_in(client, demo_login.admin_username, demo_login.admin_password)


# ---- organisations -----------------------------------------------------------------------------------------


def test_platform_admin_creates_an_organisation(client: TestClient, admin_token: str, db: Database) -> None:
    token = form_token(client.get("/orgs").text)
    assert token == admin_token
    response = client.post("/orgs", data=org_form(token), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/orgs/ARCHIVES"
    document = client.get("/orgs/ARCHIVES").text
    assert "机构 ARCHIVES 已创建。" in flashes(document)
    assert "<h1>深圳市档案馆" in document
    assert org_count(db, "ARCHIVES") == 1
    assert scalar(db, "SELECT action FROM ledger_entries ORDER BY seq DESC LIMIT 1") == "org.created"
    assert flashes(client.get("/orgs/ARCHIVES").text) == []  # a flash is shown once


def test_organisation_form_errors_are_shown_by_field(
    client: TestClient, admin_token: str, db: Database
) -> None:
    before = ledger_size(db)
    response = client.post("/orgs", data=org_form(admin_token, region_code="449999"))
    assert response.status_code == 422
    document = response.text
    assert field_errors(document, "org-region") == ["未知的区划代码 449999"]
    assert field_errors(document, "org-code") == []
    assert 'value="ARCHIVES"' in document  # what was typed is kept
    assert 'value="深圳市档案馆"' in document
    assert org_count(db, "ARCHIVES") == 0
    assert ledger_size(db) == before


def test_organisation_form_reports_every_problem(client: TestClient, admin_token: str, db: Database) -> None:
    response = client.post("/orgs", data=org_form(admin_token, code="archives!", name=" ", region_code="44"))
    assert response.status_code == 422
    document = response.text
    assert len(field_errors(document, "org-code")) == 1
    assert "archives!" in field_errors(document, "org-code")[0]
    assert field_errors(document, "org-name") == ["机构名称不能为空"]
    assert "格式不正确" in field_errors(document, "org-region")[0]
    assert org_count(db, "archives!") == 0


def test_duplicate_organisation_is_refused(client: TestClient, admin_token: str, db: Database) -> None:
    before = ledger_size(db)
    response = client.post("/orgs", data=org_form(admin_token, code="STATS"))
    assert response.status_code == 409
    assert "STATS" in response.text
    assert ledger_size(db) == before


def test_organisation_form_without_csrf_is_refused(
    client: TestClient, admin_token: str, db: Database
) -> None:
    before = ledger_size(db)
    for token in ("", "forged"):
        response = client.post("/orgs", data=org_form(token), follow_redirects=False)
        assert response.status_code == 403
        assert "表单的安全令牌缺失或已过期" in response.text
    assert org_count(db, "ARCHIVES") == 0
    assert ledger_size(db) == before


def test_only_the_platform_admin_creates_organisations(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "stats_admin", demo_login.user_password)
    response = client.post("/orgs", data=org_form(token), follow_redirects=False)
    assert response.status_code == 403
    assert "您无权执行此操作" in response.text
    assert org_count(db, "ARCHIVES") == 0


def test_forms_need_a_session(client: TestClient, db: Database) -> None:
    token = form_token(client.get("/login").text)
    response = client.post("/orgs", data=org_form(token), follow_redirects=False)
    assert is_login_redirect(response)
    assert org_count(db, "ARCHIVES") == 0


# ---- users -------------------------------------------------------------------------------------------------


def test_platform_admin_creates_a_user(
    client: TestClient, admin_token: str, app: FastAPI, db: Database
) -> None:
    token = form_token(client.get("/orgs/STATS").text)
    response = client.post("/orgs/STATS/users", data=user_form(token), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/orgs/STATS"
    document = client.get("/orgs/STATS").text
    assert "用户 chen.jing 已创建。" in flashes(document)
    row = re.search(r'<tr data-username="chen.jing">(.*?)</tr>', document, re.DOTALL)
    assert row
    assert "陈静" in row.group(1)
    assert "审核员" in row.group(1)
    assert user_count(db, "chen.jing") == 1
    with TestClient(app) as newcomer:
        assert log_in(newcomer, "chen.jing", NEW_PASSWORD).status_code == 303
        assert newcomer.get("/api/v1/me").json()["org_code"] == "STATS"


def test_user_form_errors_are_shown_by_field(client: TestClient, admin_token: str, db: Database) -> None:
    before = ledger_size(db)
    response = client.post(
        "/orgs/STATS/users", data=user_form(admin_token, username="Chen Jing", password="short", roles=[])
    )
    assert response.status_code == 422
    document = response.text
    assert len(field_errors(document, "new-username")) == 1
    assert "Chen Jing" in field_errors(document, "new-username")[0]
    assert "密码至少需要 10 个字符" in field_errors(document, "new-password")
    assert "请至少为用户指定一个角色" in document
    assert 'value="Chen Jing"' in document
    assert NEW_PASSWORD not in document
    assert user_count(db, "Chen Jing") == 0
    assert ledger_size(db) == before


def test_user_form_with_an_unknown_role(client: TestClient, admin_token: str, db: Database) -> None:
    response = client.post("/orgs/STATS/users", data=user_form(admin_token, roles=["boss"]))
    assert response.status_code == 422
    assert "未知的角色“boss”" in response.text
    assert user_count(db, "chen.jing") == 0


def test_user_form_without_csrf_is_refused(client: TestClient, admin_token: str, db: Database) -> None:
    before = ledger_size(db)
    response = client.post("/orgs/STATS/users", data=user_form(""), follow_redirects=False)
    assert response.status_code == 403
    assert user_count(db, "chen.jing") == 0
    assert ledger_size(db) == before


def test_district_admin_cannot_create_a_user_elsewhere(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "nanshan_admin", demo_login.user_password)
    before = ledger_size(db)
    response = client.post("/orgs/STATS/users", data=user_form(token), follow_redirects=False)
    assert response.status_code == 403
    assert "您无权执行此操作" in response.text
    assert user_count(db, "chen.jing") == 0
    assert ledger_size(db) == before
    # In their own district they may.
    response = client.post("/orgs/NANSHAN/users", data=user_form(token), follow_redirects=False)
    assert response.status_code == 303
    assert (
        scalar(
            db,
            "SELECT o.code FROM users u JOIN organisations o ON o.id = u.org_id "
            "WHERE u.username = 'chen.jing'",
        )
        == "NANSHAN"
    )


def test_admin_disables_a_user_and_their_session_ends(
    client: TestClient, admin_token: str, app: FastAPI, demo_login: DemoLogin
) -> None:
    with TestClient(app) as reviewer:
        signed_in(reviewer, "stats_reviewer", demo_login.user_password)
        response = client.post(
            "/orgs/STATS/users/stats_reviewer/disable",
            data={"csrf_token": admin_token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert is_login_redirect(reviewer.get("/", follow_redirects=False))
        assert log_in(reviewer, "stats_reviewer", demo_login.user_password).status_code == 401
        client.post("/orgs/STATS/users/stats_reviewer/enable", data={"csrf_token": admin_token})
        assert log_in(reviewer, "stats_reviewer", demo_login.user_password).status_code == 303


# ---- the account page --------------------------------------------------------------------------------------


@pytest.fixture
def reviewer_token(client: TestClient, demo_login: DemoLogin) -> str:
    return signed_in(client, "stats_reviewer", demo_login.user_password)


def password_form(
    token: str, current: str, new: str = NEW_PASSWORD, repeat: str | None = None
) -> dict[str, str]:
    return {
        "current_password": current,
        "new_password": new,
        "repeat_password": new if repeat is None else repeat,
        "csrf_token": token,
    }


def test_change_password(
    client: TestClient, reviewer_token: str, demo_login: DemoLogin, app: FastAPI
) -> None:
    response = client.post(
        "/account/password",
        data=password_form(reviewer_token, demo_login.user_password),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "您的密码已修改。" in flashes(client.get("/account").text)
    with TestClient(app) as other:
        assert log_in(other, "stats_reviewer", demo_login.user_password).status_code == 401
        assert log_in(other, "stats_reviewer", NEW_PASSWORD).status_code == 303


def test_change_password_with_the_wrong_current_one(
    client: TestClient, reviewer_token: str, demo_login: DemoLogin, db: Database, app: FastAPI
) -> None:
    before = ledger_size(db)
    response = client.post("/account/password", data=password_form(reviewer_token, "not-my-password-1"))
    assert response.status_code == 422
    assert field_errors(response.text, "current-password") == ["当前密码不正确"]
    assert ledger_size(db) == before
    with TestClient(app) as other:
        assert log_in(other, "stats_reviewer", NEW_PASSWORD).status_code == 401
        assert log_in(other, "stats_reviewer", demo_login.user_password).status_code == 303


def test_change_password_with_differing_repeats(
    client: TestClient, reviewer_token: str, demo_login: DemoLogin, db: Database
) -> None:
    before = ledger_size(db)
    form = password_form(reviewer_token, demo_login.user_password, repeat=NEW_PASSWORD + "!")
    response = client.post("/account/password", data=form)
    assert response.status_code == 422
    assert field_errors(response.text, "repeat-password") == ["两次输入的新密码不一致。"]
    assert ledger_size(db) == before


def test_change_password_to_a_weak_one(
    client: TestClient, reviewer_token: str, demo_login: DemoLogin, db: Database
) -> None:
    before = ledger_size(db)
    response = client.post(
        "/account/password", data=password_form(reviewer_token, demo_login.user_password, new="short")
    )
    assert response.status_code == 422
    assert "密码至少需要 10 个字符" in field_errors(response.text, "new-password")
    assert ledger_size(db) == before


def test_change_password_without_csrf_is_refused(
    client: TestClient, reviewer_token: str, demo_login: DemoLogin, db: Database
) -> None:
    before = ledger_size(db)
    response = client.post("/account/password", data=password_form("", demo_login.user_password))
    assert response.status_code == 403
    assert ledger_size(db) == before


def test_api_token_is_shown_once_works_and_can_be_revoked(
    client: TestClient, reviewer_token: str, db: Database, app: FastAPI
) -> None:
    form = {"name": "月报导出", "role": "reviewer", "days": "30", "csrf_token": reviewer_token}
    response = client.post("/account/tokens", data=form)
    assert response.status_code == 201
    found = re.search(r'<code id="token-secret">([^<]+)</code>', response.text)
    assert found
    secret = found.group(1)
    assert secret.startswith("cbt_")
    assert "这是您的新 API 令牌" in response.text

    bearer = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as system:  # another system: the token and no session cookie
        me = system.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200
        assert me.json()["username"] == "stats_reviewer"
        assert me.json()["acting_roles"] == ["reviewer"]

    account = client.get("/account").text
    assert secret not in account
    row = re.search(r'<tr data-token-id="(\d+)">(.*?)</tr>', account, re.DOTALL)
    assert row
    assert "月报导出" in row.group(2)
    assert secret[:8] in row.group(2)

    revoked = client.post(
        f"/account/tokens/{row.group(1)}/revoke", data={"csrf_token": reviewer_token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    account = client.get("/account").text
    prefix = re.search(r'<td class="mono">([^<]+)…</td>', account)
    assert prefix
    assert secret.startswith(prefix.group(1))
    assert f"令牌 {prefix.group(1)}… 已吊销。" in flashes(account)
    row = re.search(r'<tr data-token-id="(\d+)">(.*?)</tr>', account, re.DOTALL)
    assert row
    assert "已吊销" in row.group(2)
    assert 'action="/account/tokens/' not in row.group(2)  # nothing left to revoke
    with TestClient(app) as system:
        assert system.get("/api/v1/me", headers=bearer).status_code == 401
    assert scalar(db, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = :id", id=int(row.group(1)))


@pytest.mark.parametrize(
    ("role", "days", "problem"),
    [
        ("reviewer", "many", "有效期请填写整数天数。"),
        ("reviewer", "100000", "令牌有效期应为 1 至 365 天，不能是 100000 天"),
        ("admin", "30", "用户 stats_reviewer 没有 admin 角色"),
    ],
    ids=["days-not-a-number", "too-many-days", "role-not-held"],
)
def test_api_token_form_errors(
    client: TestClient, reviewer_token: str, db: Database, role: str, days: str, problem: str
) -> None:
    response = client.post(
        "/account/tokens", data={"name": "x", "role": role, "days": days, "csrf_token": reviewer_token}
    )
    assert response.status_code == 422
    assert problem in response.text
    assert 'id="token-secret"' not in response.text
    assert 'value="x"' in response.text  # the form keeps what was typed
    assert scalar(db, "SELECT count(*) FROM api_tokens") == 0


def test_api_token_form_without_csrf_is_refused(
    client: TestClient, reviewer_token: str, db: Database
) -> None:
    response = client.post("/account/tokens", data={"name": "x", "role": "reviewer"})
    assert response.status_code == 403
    assert 'id="token-secret"' not in response.text
    assert scalar(db, "SELECT count(*) FROM api_tokens") == 0


def test_cannot_revoke_someone_elses_token(
    client: TestClient, demo_login: DemoLogin, token_for: Callable[..., str], db: Database
) -> None:
    token_for("finance_viewer")
    token_id = scalar(db, "SELECT max(id) FROM api_tokens")
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    response = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 403
    assert scalar(db, "SELECT revoked_at IS NULL FROM api_tokens WHERE id = :id", id=token_id)
