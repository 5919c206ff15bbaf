"""Dependencies shared by the API routes: the request's connection and the acting user."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.sessions import resolve_session
from citybase.accounts.tokens import authenticate_token
from citybase.errors import AuthenticationFailed, PermissionDenied
from citybase.messages import N_, message
from citybase.settings import Settings
from citybase.storage.database import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "citybase_session"
CSRF_HEADER = "X-CSRF-Token"


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_policy(request: Request) -> AccountPolicy:
    policy: AccountPolicy = request.app.state.policy
    return policy


def connection(request: Request) -> Iterator[Connection]:
    """A read transaction for safe methods, a write transaction otherwise; committed before the response."""
    database = get_database(request)
    with database.read() if request.method in SAFE_METHODS else database.write() as conn:
        yield conn


ConnDep = Annotated[Connection, Depends(connection, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PolicyDep = Annotated[AccountPolicy, Depends(get_policy)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_actor(request: Request, conn: ConnDep) -> Actor:
    """The actor behind a bearer token or, for the browser, the web session (with CSRF on writes)."""
    token = bearer_token(request)
    if token is not None:
        return authenticate_token(conn, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session = resolve_session(conn, cookie)
        if session is not None:
            if request.method not in SAFE_METHODS:
                sent = request.headers.get(CSRF_HEADER, "")
                if not sent or not hmac.compare_digest(sent, session.csrf_token):
                    raise PermissionDenied(message(N_("The CSRF token is missing or wrong; reload the page")))
            return session.actor
    if request.headers.get("authorization"):
        raise AuthenticationFailed(message(N_("The Authorization header must be 'Bearer <token>'")))
    raise AuthenticationFailed(message(N_("Authentication required: send 'Authorization: Bearer <token>'")))


ActorDep = Annotated[Actor, Depends(current_actor)]
