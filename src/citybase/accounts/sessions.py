"""Web sessions: a random cookie secret (stored hashed) bound to a user and a CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor, Channel
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.tables import organisations, users, web_sessions
from citybase.accounts.tokens import hash_secret
from citybase.accounts.users import User, actor_for, user_by_id
from citybase.ledger import record
from citybase.storage.metadata import utcnow


@dataclass(frozen=True)
class WebSession:
    actor: Actor
    user: User
    csrf_token: str


def start_session(conn: Connection, user: User, policy: AccountPolicy | None = None) -> str:
    """Open a session for a user who has just logged in; returns the cookie secret."""
    policy = policy or AccountPolicy()
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(
        insert(web_sessions).values(
            token_hash=hash_secret(secret),
            csrf_token=secrets.token_urlsafe(32),
            user_id=user.id,
            created_at=now,
            expires_at=now + policy.session_lifetime,
        )
    )
    return secret


def resolve_session(conn: Connection, secret: str) -> WebSession | None:
    """The live session behind a cookie, or None when it is unknown, ended or expired, or its user or
    organisation is disabled."""
    row = conn.execute(
        select(
            organisations.c.active.label("org_active"),
            web_sessions.c.user_id,
            web_sessions.c.csrf_token,
            web_sessions.c.expires_at,
            web_sessions.c.ended_at,
            users.c.active,
        )
        .join(users, users.c.id == web_sessions.c.user_id)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(web_sessions.c.token_hash == hash_secret(secret))
    ).first()
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    if not (row.active and row.org_active):
        return None
    user = user_by_id(conn, row.user_id)
    return WebSession(actor=actor_for(conn, user, Channel.WEB), user=user, csrf_token=row.csrf_token)


def end_session(conn: Connection, actor: Actor, secret: str) -> None:
    ended = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.token_hash == hash_secret(secret), web_sessions.c.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if ended.rowcount:
        record(conn, actor, "user.logged_out", "user", actor.username, {})
