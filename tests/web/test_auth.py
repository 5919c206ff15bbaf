"""Logging in and out of the web UI: CSRF on the login form, failures, lockout, sessions, language.

The helpers at the top are shared by the other web tests (`from tests.web.test_auth import ...`).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from citybase.demo import DemoLogin
from citybase.storage import Database

SESSION_COOKIE = "citybase_session"
LOGIN_CSRF_COOKIE = "citybase_login_csrf"
LANGUAGE_COOKIE = "citybase_lang"
_FORM_TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def form_token(page: str) -> str:
    """The CSRF token a form on this page would post."""
    found = _FORM_TOKEN.search(page)
    assert found, "no csrf_token field on the page"
    return html.unescape(found.group(1))


def session_token(page: str) -> str:
    """The session's CSRF token, as the page hands it to htmx and scripts."""
    found = _META_TOKEN.search(page)
    assert found, "no csrf-token meta tag on the page"
    return html.unescape(found.group(1))


def log_in(client: TestClient, username: str, password: str, next_url: str = "/") -> httpx.Response:
    """Fill in and post the login form the way a browser does; the redirect is not followed."""
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": form_token(page.text),
            "next": next_url,
        },
        follow_redirects=False,
    )


def signed_in(client: TestClient, username: str, password: str) -> str:
    """Log in (asserting success) and return the session's CSRF token for later posts."""
    response = log_in(client, username, password)
    assert response.status_code == 303, response.text
    assert client.cookies.get(SESSION_COOKIE)
    return session_token(client.get("/account").text)


def scalar(db: Database, sql: str, **params: object) -> Any:
    with db.read() as conn:
        return conn.execute(text(sql), params).scalar_one()


def ledger_size(db: Database) -> int:
    return scalar(db, "SELECT count(*) FROM ledger_entries")


def is_login_redirect(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


# ---- the login page and the language -----------------------------------------------------------------------


def test_login_page_is_in_chinese_by_default(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "<title>登录 · CityBase</title>" in response.text
    assert "用户名" in response.text
    assert "密码" in response.text
    assert "Log in" not in response.text
    assert client.cookies.get(LOGIN_CSRF_COOKIE) == form_token(response.text)


def test_language_switch_to_english_and_back(client: TestClient) -> None:
    switched = client.get("/lang/en", params={"next": "/login"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert client.cookies.get(LANGUAGE_COOKIE) == "en"
    page = client.get("/login").text
    assert '<html lang="en">' in page
    assert "<title>Log in · CityBase</title>" in page
    assert "登录" not in page
    client.get("/lang/zh_CN")
    assert "<title>登录 · CityBase</title>" in client.get("/login").text


def test_unknown_language_is_ignored(client: TestClient) -> None:
    response = client.get("/lang/xx", params={"next": "/login"}, follow_redirects=False)
    assert response.status_code == 303
    assert LANGUAGE_COOKIE not in response.headers.get("set-cookie", "")
    assert "<title>登录 · CityBase</title>" in client.get("/login").text


def test_language_switch_never_redirects_to_another_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "evil"):
        response = client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/", target


# ---- login -------------------------------------------------------------------------------------------------


def next_of(location: str) -> str:
    """The page a login redirect will return to, as the browser will request it."""
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)["next"][0]


def test_pages_redirect_to_login_with_next(client: TestClient) -> None:
    for path in ("/", "/regions?q=南山", "/orgs/STATS", "/account", "/ledger", "/regions/tree/440300"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert unquote(next_of(response.headers["location"])) == path


def test_login_lands_on_the_page_asked_for(client: TestClient, demo_login: DemoLogin) -> None:
    redirect = client.get("/regions?q=南山", follow_redirects=False).headers["location"]
    login_page = client.get(redirect).text
    field = re.search(r'name="next" value="([^"]*)"', login_page)
    assert field
    response = client.post(
        "/login",
        data={
            "username": "stats_reviewer",
            "password": demo_login.user_password,
            "csrf_token": form_token(login_page),
            "next": html.unescape(field.group(1)),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert unquote(response.headers["location"]) == "/regions?q=南山"
    assert "“南山”的查找结果" in client.get(response.headers["location"]).text


def test_login_and_home_page(client: TestClient, demo_login: DemoLogin, db: Database) -> None:
    response = log_in(client, demo_login.admin_username, demo_login.admin_password)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE + "=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert home.status_code == 200
    assert "欢迎，平台管理员" in home.text
    assert scalar(db, "SELECT last_login_at IS NOT NULL FROM users WHERE username = 'admin'")


def test_login_never_redirects_to_another_site(client: TestClient, demo_login: DemoLogin) -> None:
    response = log_in(client, "stats_reviewer", demo_login.user_password, next_url="//evil.example/x")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_signed_in_visitor_is_sent_on_from_the_login_page(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "stats_reviewer", demo_login.user_password)
    response = client.get("/login", params={"next": "/orgs"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/orgs"


def test_wrong_password_is_refused_and_counted(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    before = ledger_size(db)
    response = log_in(client, "stats_reviewer", demo_login.user_password + "x")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'value="stats_reviewer"' in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert client.cookies.get(SESSION_COOKIE) is None
    assert scalar(db, "SELECT failed_logins FROM users WHERE username = 'stats_reviewer'") == 1
    assert ledger_size(db) == before + 1
    assert scalar(db, "SELECT action FROM ledger_entries ORDER BY seq DESC LIMIT 1") == "user.login_failed"


def test_unknown_user_gets_the_same_answer(client: TestClient) -> None:
    response = log_in(client, "nobody", "Whatever-123")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_account_locks_after_five_failures(client: TestClient, demo_login: DemoLogin, db: Database) -> None:
    for attempt in range(5):
        response = log_in(client, "finance_viewer", f"wrong-password-{attempt}")
        assert response.status_code == 401
    assert scalar(db, "SELECT locked_until IS NOT NULL FROM users WHERE username = 'finance_viewer'")
    response = log_in(client, "finance_viewer", demo_login.user_password)
    assert response.status_code == 401
    assert "账号已被锁定" in response.text
    assert client.cookies.get(SESSION_COOKIE) is None
    assert scalar(db, "SELECT count(*) FROM ledger_entries WHERE action = 'user.locked'") == 1


def test_four_failures_do_not_lock(client: TestClient, demo_login: DemoLogin) -> None:
    for attempt in range(4):
        assert log_in(client, "finance_viewer", f"wrong-password-{attempt}").status_code == 401
    assert log_in(client, "finance_viewer", demo_login.user_password).status_code == 303


def test_login_without_csrf_token_is_refused(client: TestClient, demo_login: DemoLogin, db: Database) -> None:
    client.get("/login")
    before = ledger_size(db)
    response = client.post(
        "/login",
        data={"username": "stats_reviewer", "password": demo_login.user_password},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "表单的安全令牌缺失或已过期" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert client.cookies.get(SESSION_COOKIE) is None
    assert ledger_size(db) == before
    assert is_login_redirect(client.get("/", follow_redirects=False))


def test_login_with_wrong_csrf_token_is_refused(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    client.get("/login")
    before = ledger_size(db)
    response = client.post(
        "/login",
        data={"username": "stats_reviewer", "password": demo_login.user_password, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert client.cookies.get(SESSION_COOKIE) is None
    assert ledger_size(db) == before


def test_login_without_the_csrf_cookie_is_refused(client: TestClient, demo_login: DemoLogin) -> None:
    token = form_token(client.get("/login").text)
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"username": "stats_reviewer", "password": demo_login.user_password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert client.cookies.get(SESSION_COOKIE) is None


def test_disabled_account_cannot_log_in(client: TestClient, demo_login: DemoLogin, db: Database) -> None:
    with db.write() as conn:
        conn.execute(text("UPDATE users SET active = :no WHERE username = 'finance_viewer'"), {"no": False})
    response = log_in(client, "finance_viewer", demo_login.user_password)
    assert response.status_code == 401
    assert "已停用" in response.text


# ---- logout ------------------------------------------------------------------------------------------------


def test_logout_ends_the_session(client: TestClient, demo_login: DemoLogin) -> None:
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    old_cookie = client.cookies.get(SESSION_COOKIE)
    assert old_cookie
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "您已退出登录。" in client.get("/login").text
    assert is_login_redirect(client.get("/", follow_redirects=False))
    # The old cookie, replayed, no longer opens anything: the session ended on the server.
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert is_login_redirect(client.get("/", follow_redirects=False))
    assert client.get("/api/v1/me").status_code == 401


def test_logout_without_csrf_token_is_refused(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "stats_reviewer", demo_login.user_password)
    response = client.post("/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200


# ---- the API with the session cookie -----------------------------------------------------------------------


def test_api_reads_work_with_the_session_cookie(client: TestClient, demo_login: DemoLogin) -> None:
    signed_in(client, "nanshan_submitter", demo_login.user_password)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "nanshan_submitter"


def test_api_write_with_session_cookie_needs_the_csrf_header(
    client: TestClient, demo_login: DemoLogin, db: Database
) -> None:
    token = signed_in(client, "stats_reviewer", demo_login.user_password)
    before = scalar(db, "SELECT count(*) FROM api_tokens")
    missing = client.post("/api/v1/me/tokens", json={"name": "no header"})
    assert missing.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    wrong = client.post(
        "/api/v1/me/tokens", json={"name": "wrong header"}, headers={"X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    assert scalar(db, "SELECT count(*) FROM api_tokens") == before
    right = client.post("/api/v1/me/tokens", json={"name": "with header"}, headers={"X-CSRF-Token": token})
    assert right.status_code == 201, right.text
    assert scalar(db, "SELECT count(*) FROM api_tokens") == before + 1
