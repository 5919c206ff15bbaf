"""Login, logout and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from citybase.accounts.actor import Channel
from citybase.accounts.sessions import end_session, start_session
from citybase.accounts.users import authenticate
from citybase.api.deps import SESSION_COOKIE, ConnDep, PolicyDep
from citybase.web.deps import (
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    OptionalPageDep,
    check_csrf,
    redirect,
    safe_next,
    session_of,
    supported,
)
from citybase.web.templating import render

router = APIRouter()


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.is_production)


@router.get("/login", include_in_schema=False)
def login_form(page: OptionalPageDep, next: str = "/") -> Response:
    if page.session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    response = render(page, "login.html", next=safe_next(next))
    if LOGIN_CSRF_COOKIE not in page.request.cookies:
        response.set_cookie(
            LOGIN_CSRF_COOKIE, page.csrf_token, httponly=True, samesite="lax", secure=_secure(page.request)
        )
    return response


@router.post("/login", include_in_schema=False)
def login(
    page: OptionalPageDep,
    conn: ConnDep,
    policy: PolicyDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    cookie = page.request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        # The double-submitted token guards the login form itself against cross-site posting.
        check_csrf(page, "")
    outcome = authenticate(conn, username, password, Channel.WEB, policy)
    if outcome.user is None or outcome.failure is not None:
        # Returned, not raised: the failure counter written by authenticate must be committed.
        error = outcome.failure.render(page.gettext) if outcome.failure else ""
        return render(
            page, "login.html", status_code=401, next=safe_next(next), error=error, username=username
        )
    secret = start_session(conn, outcome.user, policy)
    response = redirect(safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=_secure(page.request),
        max_age=int(policy.session_lifetime.total_seconds()),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        secrets.token_urlsafe(32),
        httponly=True,
        samesite="lax",
        secure=_secure(page.request),
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(page: OptionalPageDep, conn: ConnDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    if page.session is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(page, csrf_token)
    session = session_of(page)
    end_session(conn, session.actor, page.request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login", flash=("info", page.gettext("You have logged out.")))
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{language}", include_in_schema=False)
def switch_language(language: str, request: Request, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if supported(language):
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    return response
