"""Per-request web plumbing: the session cookie, the CSRF check on forms, language, flash messages."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from citybase.accounts.sessions import WebSession, resolve_session
from citybase.api.deps import SESSION_COOKIE, ConnDep
from citybase.errors import PermissionDenied
from citybase.i18n import LANGUAGES, pick_language
from citybase.messages import N_, message
from citybase.settings import Settings
from citybase.web.templating import FLASH_COOKIE, Page

LANGUAGE_COOKIE = "citybase_lang"
LOGIN_CSRF_COOKIE = "citybase_login_csrf"


class LoginRequired(Exception):
    """Raised by pages that need a session; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def language_of(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return pick_language(request.cookies.get(LANGUAGE_COOKIE), settings.default_language)


def read_flashes(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")).decode("utf-8"))
        return [(str(level), str(text)) for level, text in items][:5]
    except (ValueError, TypeError):
        return []


def flash_cookie_value(items: list[tuple[str, str]]) -> str:
    return base64.urlsafe_b64encode(json.dumps(items, ensure_ascii=False).encode("utf-8")).decode("ascii")


def optional_page(request: Request, conn: ConnDep) -> Page:
    cookie = request.cookies.get(SESSION_COOKIE)
    session = resolve_session(conn, cookie) if cookie else None
    csrf = (
        session.csrf_token if session else request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    )
    return Page(
        request=request,
        language=language_of(request),
        session=session,
        csrf_token=csrf,
        flashes=read_flashes(request),
    )


def signed_in_page(page: Annotated[Page, Depends(optional_page)]) -> Page:
    if page.session is None:
        target = page.request.url.path + (f"?{page.request.url.query}" if page.request.url.query else "")
        raise LoginRequired(target)
    return page


OptionalPageDep = Annotated[Page, Depends(optional_page)]
PageDep = Annotated[Page, Depends(signed_in_page)]


def session_of(page: Page) -> WebSession:
    if page.session is None:  # signed_in_page guarantees it; this narrows the type
        raise LoginRequired("/")
    return page.session


def check_csrf(page: Page, sent: str) -> None:
    """Refuse a form post whose CSRF token does not match the session's (nothing is written)."""
    if not sent or not hmac.compare_digest(sent, page.csrf_token):
        raise PermissionDenied(
            message(N_("The form's security token is missing or has expired; reload the page and try again"))
        )


def safe_next(url: str | None) -> str:
    """Only same-site paths are followed after login, never another host."""
    if not url:
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/"
    return url


def redirect(url: str, *, flash: tuple[str, str] | None = None, page: Page | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        pending = page.flashes if page else []
        response.set_cookie(
            FLASH_COOKIE, flash_cookie_value([*pending, flash]), httponly=True, samesite="lax", max_age=60
        )
    return response


def login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_url)}", status_code=303)


def supported(language: str) -> bool:
    return language in LANGUAGES
