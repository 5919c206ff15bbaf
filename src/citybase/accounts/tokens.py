"""API tokens: scoped to a user's organisation and one role, expiring, revocable, stored hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.permissions import Permission, require
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.tables import api_tokens, organisations, users
from citybase.accounts.users import (
    ROLE_ORDER,
    User,
    actor_for,
    find_user,
    user_by_id,
    user_of_row,
    user_query,
)
from citybase.errors import AuthenticationFailed, InvalidInput, NotFound
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.storage.metadata import utcnow

TOKEN_PREFIX = "cbt_"  # noqa: S105 - a public marker on every token, not a secret


def hash_secret(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing can be guessed offline.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiToken:
    id: int
    prefix: str
    name: str
    username: str
    org_code: str
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


def _token_query() -> Any:
    return (
        select(api_tokens, users.c.username, organisations.c.code.label("org_code"))
        .join(users, users.c.id == api_tokens.c.user_id)
        .join(organisations, organisations.c.id == api_tokens.c.org_id)
    )


def _token(row: Mapping[Any, Any]) -> ApiToken:
    return ApiToken(
        id=row["id"],
        prefix=row["prefix"],
        name=row["name"],
        username=row["username"],
        org_code=row["org_code"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def _check_owner_access(actor: Actor, owner: User) -> None:
    if owner.id != actor.user_id:
        require(actor, Permission.MANAGE_TOKENS, owner.org_id, owner.org_code)


def create_token(
    conn: Connection,
    actor: Actor,
    *,
    username: str | None = None,
    role: str | None = None,
    days: int | None = None,
    name: str = "",
    policy: AccountPolicy | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a user (the actor by default); returns the record and the secret, shown once."""
    policy = policy or AccountPolicy()
    owner = find_user(conn, username) if username else _self(conn, actor)
    _check_owner_access(actor, owner)
    if not owner.active:
        raise InvalidInput(message(N_("The account {username} is disabled"), username=owner.username))
    # A token acting for its own user can only pass on the roles it acts with (a viewer token cannot mint
    # an admin token); the console and admins issuing for someone else grant from the user's roles.
    grantable = owner.roles & actor.roles if owner.id == actor.user_id else owner.roles
    if role is None:
        token_role = next((candidate for candidate in ROLE_ORDER if candidate in grantable), None)
        if token_role is None:
            raise InvalidInput(
                message(N_("No role of {username} can be given to a token"), username=owner.username)
            )
    else:
        try:
            token_role = Role(role)
        except ValueError as exc:
            raise InvalidInput(
                message(
                    N_("Unknown role '{role}'; expected one of {roles}"),
                    role=role,
                    roles=", ".join(r.value for r in Role),
                )
            ) from exc
        if token_role not in owner.roles:
            raise InvalidInput(
                message(
                    N_("User {username} does not hold the role {role}"),
                    username=owner.username,
                    role=token_role.value,
                )
            )
        if token_role not in grantable:
            raise InvalidInput(
                message(
                    N_("Acting as {acting}, you cannot issue a token with the role {role}"),
                    acting=", ".join(sorted(actor.roles)),
                    role=token_role.value,
                )
            )
    lifetime = policy.token_default_days if days is None else days
    if not 1 <= lifetime <= policy.token_max_days:
        raise InvalidInput(
            message(
                N_("A token lasts between 1 and {max} days, not {days}"),
                max=policy.token_max_days,
                days=lifetime,
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token_id = conn.execute(
        insert(api_tokens)
        .values(
            token_hash=hash_secret(secret),
            prefix=secret[:12],
            name=name.strip(),
            user_id=owner.id,
            org_id=owner.org_id,
            role=token_role.value,
            created_at=now,
            expires_at=now + dt.timedelta(days=lifetime),
        )
        .returning(api_tokens.c.id)
    ).scalar_one()
    token = _get(conn, token_id)
    record(
        conn,
        actor,
        "token.created",
        "api_token",
        str(token_id),
        {
            "user": owner.username,
            "org": owner.org_code,
            "role": token_role.value,
            "expires_at": token.expires_at,
            "prefix": token.prefix,
            "name": token.name,
        },
    )
    return token, secret


def _self(conn: Connection, actor: Actor) -> User:
    if actor.user_id is None:
        raise InvalidInput(message(N_("Name the user the token is for")))
    return user_by_id(conn, actor.user_id)


def _get(conn: Connection, token_id: int) -> ApiToken:
    row = conn.execute(_token_query().where(api_tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound(message(N_("Unknown API token {id}"), id=token_id))
    return _token(row._mapping)


def list_tokens(conn: Connection, actor: Actor, username: str | None = None) -> list[ApiToken]:
    owner = find_user(conn, username) if username else _self(conn, actor)
    _check_owner_access(actor, owner)
    rows = conn.execute(
        _token_query().where(api_tokens.c.user_id == owner.id).order_by(api_tokens.c.id.desc())
    )
    return [_token(row._mapping) for row in rows]


def revoke_token(conn: Connection, actor: Actor, token_id: int) -> ApiToken:
    token = _get(conn, token_id)
    _check_owner_access(actor, find_user(conn, token.username))
    if token.revoked_at is None:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=utcnow()))
        record(
            conn,
            actor,
            "token.revoked",
            "api_token",
            str(token_id),
            {"user": token.username, "prefix": token.prefix},
        )
    return _get(conn, token_id)


def _bearer_query() -> Any:
    """The token and its owner in one row: the owner's columns as the user query names them."""
    return (
        user_query()
        .add_columns(
            api_tokens.c.prefix.label("token_prefix"),
            api_tokens.c.role.label("token_role"),
            api_tokens.c.expires_at.label("token_expires_at"),
            api_tokens.c.revoked_at.label("token_revoked_at"),
        )
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
    )


def authenticate_token(conn: Connection, secret: str) -> Actor:
    """The Actor a bearer token stands for, narrowed to the token's role; raises with the reason."""
    row = conn.execute(_bearer_query().where(api_tokens.c.token_hash == hash_secret(secret.strip()))).first()
    if row is None:
        raise AuthenticationFailed(message(N_("The API token is not valid")))
    found = row._mapping
    prefix, revoked_at = found["token_prefix"], found["token_revoked_at"]
    expires_at, role = found["token_expires_at"], Role(found["token_role"])
    if revoked_at is not None:
        raise AuthenticationFailed(
            message(
                N_("The API token {prefix}… was revoked on {date}"),
                prefix=prefix,
                date=revoked_at.date().isoformat(),
            )
        )
    if expires_at <= utcnow():
        raise AuthenticationFailed(
            message(
                N_("The API token {prefix}… expired on {date}"),
                prefix=prefix,
                date=expires_at.date().isoformat(),
            )
        )
    owner = user_of_row(conn, found)
    if not owner.active:
        raise AuthenticationFailed(message(N_("The account {username} is disabled"), username=owner.username))
    if not owner.org_active:
        raise AuthenticationFailed(message(N_("Organisation {code} is deactivated"), code=owner.org_code))
    if role not in owner.roles:
        raise AuthenticationFailed(
            message(
                N_("User {username} no longer holds the token's role {role}"),
                username=owner.username,
                role=role.value,
            )
        )
    return actor_for(conn, owner, Channel.API, role)
