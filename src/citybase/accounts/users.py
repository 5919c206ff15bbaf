"""Users: creation, roles, disabling, passwords, and login with lockout."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.organisations import find_organisation
from citybase.accounts.passwords import check_password, hash_password, needs_rehash, verify_password
from citybase.accounts.permissions import Permission, require
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.tables import api_tokens, organisations, user_roles, users, web_sessions
from citybase.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound, Problem
from citybase.ledger import record
from citybase.messages import N_, Message, message
from citybase.storage.metadata import utcnow

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
ROLE_ORDER = (Role.ADMIN, Role.REVIEWER, Role.SUBMITTER, Role.ANALYST, Role.VIEWER)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    org_code: str
    org_name: str
    org_id: int
    roles: frozenset[Role]
    active: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    org_platform: bool = False
    org_active: bool = True

    @property
    def sorted_roles(self) -> list[Role]:
        return [role for role in ROLE_ORDER if role in self.roles]

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def user_query() -> Any:
    """The columns a User is made of: the user, and their organisation's code, name and state."""
    return select(
        users,
        organisations.c.code.label("org_code"),
        organisations.c.name.label("org_name"),
        organisations.c.platform.label("org_platform"),
        organisations.c.active.label("org_active"),
    ).join(organisations, organisations.c.id == users.c.org_id)


def _roles_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, set[Role]]:
    ids = list(user_ids)
    found: dict[int, set[Role]] = {user_id: set() for user_id in ids}
    if ids:
        for user_id, role in conn.execute(
            select(user_roles.c.user_id, user_roles.c.role).where(user_roles.c.user_id.in_(ids))
        ):
            found[user_id].add(Role(role))
    return found


def _user(row: Mapping[Any, Any], roles: set[Role]) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        org_code=row["org_code"],
        org_name=row["org_name"],
        org_id=row["org_id"],
        roles=frozenset(roles),
        active=bool(row["active"]),
        locked_until=row["locked_until"],
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
        org_platform=bool(row["org_platform"]),
        org_active=bool(row["org_active"]),
    )


def find_user(conn: Connection, username: str) -> User:
    """Look a user up without a permission check (for services that check their own)."""
    row = conn.execute(user_query().where(users.c.username == username)).first()
    if row is None:
        raise NotFound(message(N_("Unknown user {username}"), username=username))
    return _user(row._mapping, _roles_of(conn, [row.id])[row.id])


def user_of_row(conn: Connection, row: Mapping[Any, Any]) -> User:
    """The user in a row selected with the user query's columns (`user_query`), with their roles."""
    return _user(row, _roles_of(conn, [row["id"]])[row["id"]])


def user_by_id(conn: Connection, user_id: int) -> User:
    row = conn.execute(user_query().where(users.c.id == user_id)).one()
    return _user(row._mapping, _roles_of(conn, [user_id])[user_id])


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    roles: set[Role] = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError as exc:
            raise InvalidInput(
                message(
                    N_("Unknown role '{role}'; expected one of {roles}"),
                    role=name,
                    roles=", ".join(role.value for role in Role),
                )
            ) from exc
    return frozenset(roles)


def create_user(
    conn: Connection,
    actor: Actor,
    *,
    username: str,
    password: str,
    org_code: str,
    roles: Iterable[str],
    display_name: str = "",
    policy: AccountPolicy | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user in an organisation; `password_hash` lets a bulk loader reuse one hash."""
    policy = policy or AccountPolicy()
    org = find_organisation(conn, org_code)
    require(actor, Permission.MANAGE_USERS, org.id, org.code)
    problems: list[Problem] = []
    if not USERNAME.match(username):
        problems.append(
            Problem(
                "invalid",
                message(
                    N_(
                        "Username '{username}' must be 3–64 lower-case letters, digits, '.', '-' or '_', "
                        "starting with a letter"
                    ),
                    username=username,
                ),
                column="username",
            )
        )
    try:
        role_set = parse_roles(roles)
        if not role_set:
            problems.append(
                Problem("required", message(N_("Give the user at least one role")), column="roles")
            )
    except InvalidInput as exc:
        problems.append(Problem("invalid", exc.message, column="roles"))
        role_set = frozenset()
    if password_hash is None:
        try:
            check_password(password, username=username, min_length=policy.password_min_length)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if not org.active:
        problems.append(
            Problem(
                "inactive", message(N_("Organisation {code} is deactivated"), code=org.code), column="org"
            )
        )
    if problems:
        raise InvalidInput(message(N_("The user cannot be created")), problems=problems)
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise AlreadyExists(message(N_("User {username} already exists"), username=username))
    now = utcnow()
    user_id = conn.execute(
        insert(users)
        .values(
            username=username,
            display_name=display_name.strip(),
            org_id=org.id,
            password_hash=password_hash or hash_password(password),
            active=True,
            failed_logins=0,
            created_at=now,
            password_changed_at=now,
        )
        .returning(users.c.id)
    ).scalar_one()
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": role.value} for role in role_set])
    record(
        conn,
        actor,
        "user.created",
        "user",
        username,
        {"org": org.code, "roles": sorted(role.value for role in role_set), "display_name": display_name},
    )
    return user_by_id(conn, user_id)


def list_users(conn: Connection, actor: Actor, org_code: str | None = None) -> list[User]:
    """Users of one organisation, or of every organisation the actor may see."""
    query = user_query().order_by(organisations.c.code, users.c.username)
    if org_code is not None:
        org = find_organisation(conn, org_code)
        require(actor, Permission.VIEW_USERS, org.id, org.code)
        query = query.where(users.c.org_id == org.id)
    elif not actor.is_platform_admin:
        require(actor, Permission.VIEW_USERS, actor.org_id, actor.org_code)
        query = query.where(users.c.org_id == actor.org_id)
    rows = conn.execute(query).all()
    roles = _roles_of(conn, [row.id for row in rows])
    return [_user(row._mapping, roles[row.id]) for row in rows]


def get_user(conn: Connection, actor: Actor, username: str) -> User:
    user = find_user(conn, username)
    if user.id != actor.user_id:
        require(actor, Permission.VIEW_USERS, user.org_id, user.org_code)
    return user


def _managed_user(conn: Connection, actor: Actor, username: str) -> User:
    user = find_user(conn, username)
    require(actor, Permission.MANAGE_USERS, user.org_id, user.org_code)
    return user


def set_user_active(conn: Connection, actor: Actor, username: str, active: bool) -> User:
    """Disable (ending sessions and revoking tokens) or re-enable an account."""
    user = _managed_user(conn, actor, username)
    if not active and user.id == actor.user_id:
        raise InvalidInput(message(N_("You cannot disable your own account")))
    now = utcnow()
    conn.execute(update(users).where(users.c.id == user.id).values(active=active))
    if not active:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.user_id == user.id, web_sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    record(conn, actor, "user.enabled" if active else "user.disabled", "user", username, {})
    return user_by_id(conn, user.id)


def set_user_roles(conn: Connection, actor: Actor, username: str, roles: Iterable[str]) -> User:
    user = _managed_user(conn, actor, username)
    role_set = parse_roles(roles)
    if not role_set:
        raise InvalidInput(message(N_("Give the user at least one role")))
    conn.execute(delete(user_roles).where(user_roles.c.user_id == user.id))
    conn.execute(insert(user_roles), [{"user_id": user.id, "role": role.value} for role in role_set])
    record(
        conn,
        actor,
        "user.roles_changed",
        "user",
        username,
        {"from": sorted(user.roles), "to": sorted(role.value for role in role_set)},
    )
    return user_by_id(conn, user.id)


def change_password(
    conn: Connection,
    actor: Actor,
    username: str,
    new_password: str,
    *,
    current_password: str | None = None,
    policy: AccountPolicy | None = None,
) -> None:
    """Users change their own password with the current one; admins reset others' without it."""
    policy = policy or AccountPolicy()
    user = find_user(conn, username)
    if user.id == actor.user_id:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id)).scalar_one()
        if current_password is None or not verify_password(stored, current_password):
            raise InvalidInput(
                message(N_("The current password is wrong")),
                problems=[
                    Problem(
                        "wrong_password",
                        message(N_("The current password is wrong")),
                        column="current_password",
                    )
                ],
            )
    else:
        require(actor, Permission.MANAGE_USERS, user.org_id, user.org_code)
    check_password(new_password, username=username, min_length=policy.password_min_length)
    conn.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(
            password_hash=hash_password(new_password),
            password_changed_at=utcnow(),
            failed_logins=0,
            locked_until=None,
        )
    )
    record(conn, actor, "user.password_changed", "user", username, {"by_self": user.id == actor.user_id})


def unlock_user(conn: Connection, actor: Actor, username: str) -> User:
    user = _managed_user(conn, actor, username)
    conn.execute(update(users).where(users.c.id == user.id).values(failed_logins=0, locked_until=None))
    record(conn, actor, "user.unlocked", "user", username, {})
    return user_by_id(conn, user.id)


def actor_for(conn: Connection, user: User, via: Channel, role: Role | None = None) -> Actor:
    """The Actor a user acts as; `role` narrows it to one role (an API token's scope)."""
    platform = user.org_platform
    roles = frozenset({role}) if role is not None else user.roles
    return Actor(
        username=user.username,
        user_id=user.id,
        org_code=user.org_code,
        org_id=user.org_id,
        roles=roles,
        platform_org=platform,
        via=via,
    )


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt; a failure is returned, not raised, so its counters are committed."""

    user: User | None
    failure: Message | None = None

    def raise_for_failure(self) -> User:
        if self.failure is not None or self.user is None:
            raise AuthenticationFailed(self.failure or message(N_("Login failed")))
        return self.user


WRONG_CREDENTIALS = N_("Wrong username or password")


def authenticate(
    conn: Connection, username: str, password: str, via: Channel, policy: AccountPolicy | None = None
) -> LoginOutcome:
    """Check a password, counting failures and locking the account after too many in a row."""
    policy = policy or AccountPolicy()
    username = username.strip()
    now = utcnow()
    row = conn.execute(
        select(
            users.c.id,
            users.c.password_hash,
            users.c.active,
            users.c.failed_logins,
            users.c.locked_until,
            organisations.c.active.label("org_active"),
            organisations.c.code.label("org_code"),
        )
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(users.c.username == username)
    ).first()
    if row is None:
        verify_password(None, password)
        return LoginOutcome(None, message(WRONG_CREDENTIALS))
    attempting = Actor(
        username=username,
        user_id=row.id,
        org_code=row.org_code,
        org_id=None,
        roles=frozenset(),
        platform_org=False,
        via=via,
    )
    if row.locked_until is not None and row.locked_until > now:
        return LoginOutcome(
            None,
            message(
                N_("The account is locked after too many failed logins; try again after {time} UTC"),
                time=row.locked_until.strftime("%H:%M"),
            ),
        )
    if not verify_password(row.password_hash, password):
        failures = row.failed_logins + 1
        if failures >= policy.max_failures:
            locked_until = now + policy.lockout
            conn.execute(
                update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=locked_until)
            )
            record(
                conn,
                attempting,
                "user.locked",
                "user",
                username,
                {"failures": failures, "locked_until": locked_until},
            )
        else:
            conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=failures))
            record(conn, attempting, "user.login_failed", "user", username, {"failures": failures})
        return LoginOutcome(None, message(WRONG_CREDENTIALS))
    if not row.active:
        return LoginOutcome(None, message(N_("The account {username} is disabled"), username=username))
    if not row.org_active:
        return LoginOutcome(None, message(N_("Organisation {code} is deactivated"), code=row.org_code))
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users).where(users.c.id == row.id).values(**values))
    record(conn, attempting, "user.logged_in", "user", username, {})
    return LoginOutcome(user_by_id(conn, row.id))
