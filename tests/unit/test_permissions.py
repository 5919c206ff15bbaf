"""Who may do what: roles × own or other organisation, checked in the domain, and refusals write nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.organisations import create_organisation, set_organisation_active
from citybase.accounts.permissions import POLICY, Permission, Scope, may, require, scope_of
from citybase.accounts.tables import api_tokens, organisations, user_roles, users
from citybase.accounts.tokens import create_token, list_tokens, revoke_token
from citybase.accounts.users import (
    change_password,
    create_user,
    get_user,
    list_users,
    set_user_active,
    set_user_roles,
    unlock_user,
)
from citybase.errors import PermissionDenied
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from tests.factories import GOOD_PASSWORD, acting, counts

WRITTEN = (users, user_roles, api_tokens, organisations, ledger_entries)


def _actor(roles: set[Role], *, platform: bool = False, org_id: int = 7) -> Actor:
    return Actor(
        username="someone",
        user_id=99,
        org_code="ORG",
        org_id=org_id,
        roles=frozenset(roles),
        platform_org=platform,
        via=Channel.API,
    )


def _token_id(db: Database, username: str) -> int:
    with db.write() as conn:
        token, _secret = create_token(conn, acting(db, "admin"), username=username)
    return token.id


# --- the policy as data ------------------------------------------------------------------------------


@pytest.mark.parametrize("permission", list(Permission))
def test_platform_admins_may_do_everything_anywhere(permission: Permission) -> None:
    assert scope_of(_actor({Role.ADMIN}, platform=True), permission) is Scope.ANY
    assert may(_actor({Role.ADMIN}, platform=True), permission, org_id=12345)


def test_platform_membership_without_the_admin_role_is_no_privilege() -> None:
    analyst = _actor({Role.ANALYST}, platform=True)
    assert not analyst.is_platform_admin
    assert not may(analyst, Permission.MANAGE_ORGS)
    assert not may(analyst, Permission.MANAGE_USERS, org_id=7)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_view_regions_and_organisations(role: Role) -> None:
    actor = _actor({role})
    assert may(actor, Permission.VIEW_REGIONS)
    assert may(actor, Permission.VIEW_ORGS)
    assert not may(actor, Permission.MANAGE_REGIONS)
    assert not may(actor, Permission.MANAGE_ORGS)


@pytest.mark.parametrize("role", list(Role))
def test_users_are_visible_within_ones_own_organisation_only(role: Role) -> None:
    actor = _actor({role}, org_id=7)
    assert may(actor, Permission.VIEW_USERS, org_id=7)
    assert not may(actor, Permission.VIEW_USERS, org_id=8)


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        (Role.ADMIN, True, False),
        (Role.REVIEWER, False, False),
        (Role.SUBMITTER, False, False),
        (Role.ANALYST, False, False),
        (Role.VIEWER, False, False),
    ],
)
def test_only_org_admins_manage_users_and_only_their_own(role: Role, own: bool, other: bool) -> None:
    actor = _actor({role}, org_id=7)
    assert may(actor, Permission.MANAGE_USERS, org_id=7) is own
    assert may(actor, Permission.MANAGE_USERS, org_id=8) is other
    assert may(actor, Permission.MANAGE_TOKENS, org_id=7) is own


def test_any_admin_may_verify_the_ledger_but_reads_only_their_own_part() -> None:
    admin = _actor({Role.ADMIN})
    assert scope_of(admin, Permission.VERIFY_LEDGER) is Scope.ANY
    assert scope_of(admin, Permission.VIEW_LEDGER) is Scope.OWN_ORG
    assert scope_of(_actor({Role.REVIEWER}), Permission.VERIFY_LEDGER) is Scope.NONE


def test_the_broadest_of_several_roles_counts() -> None:
    assert may(_actor({Role.VIEWER, Role.ADMIN}), Permission.MANAGE_USERS, org_id=7)


def test_every_permission_has_a_policy_entry() -> None:
    assert set(POLICY) == set(Permission)


def test_refusal_names_actor_permission_and_other_org() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(_actor({Role.ADMIN}), Permission.MANAGE_USERS, org_id=8, org_code="STATS")
    assert (
        caught.value.render()
        == "someone (ORG) may not create or change users of another organisation (STATS)"
    )
    with pytest.raises(PermissionDenied) as caught:
        require(_actor({Role.VIEWER}), Permission.MANAGE_USERS, org_id=7, org_code="ORG")
    assert caught.value.render() == "someone (ORG) may not create or change users"


# --- the matrix against the demo city ----------------------------------------------------------------


Operation = Callable[[Connection, Actor], Any]

# In an order the platform admin can run them one after another (disabling comes last).
CROSS_ORG: dict[str, Operation] = {
    "create a user": lambda conn, actor: create_user(
        conn, actor, username="stats_clerk", password=GOOD_PASSWORD, org_code="STATS", roles=["viewer"]
    ),
    "list users": lambda conn, actor: list_users(conn, actor, "STATS"),
    "read a user": lambda conn, actor: get_user(conn, actor, "stats_submitter"),
    "unlock a user": lambda conn, actor: unlock_user(conn, actor, "stats_submitter"),
    "set roles": lambda conn, actor: set_user_roles(conn, actor, "stats_submitter", ["submitter", "viewer"]),
    "reset a password": lambda conn, actor: change_password(conn, actor, "stats_submitter", GOOD_PASSWORD),
    "issue a token": lambda conn, actor: create_token(conn, actor, username="stats_submitter"),
    "list tokens": lambda conn, actor: list_tokens(conn, actor, "stats_submitter"),
    "disable a user": lambda conn, actor: set_user_active(conn, actor, "stats_submitter", False),
}


def test_an_org_admin_cannot_act_on_another_org(db: Database, subtests: pytest.Subtests) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    before = counts(db, *WRITTEN)
    for operation, run in CROSS_ORG.items():
        with subtests.test(operation=operation):
            # Caught inside the transaction, which then commits: the refusal itself must write nothing.
            with db.write() as conn, pytest.raises(PermissionDenied) as caught:
                run(conn, nanshan_admin)
            assert "STATS" in caught.value.render()
            assert "nanshan_admin" in caught.value.render()
            assert counts(db, *WRITTEN) == before


def test_the_platform_admin_can_act_on_any_org(db: Database, subtests: pytest.Subtests) -> None:
    admin = acting(db, "admin")
    for operation, run in CROSS_ORG.items():
        with subtests.test(operation=operation), db.write() as conn:
            run(conn, admin)


def test_an_org_admin_cannot_revoke_another_orgs_token(db: Database) -> None:
    token_id = _token_id(db, "stats_submitter")
    before = counts(db, *WRITTEN)
    with db.write() as conn, pytest.raises(PermissionDenied, match="STATS"):
        revoke_token(conn, acting(db, "nanshan_admin"), token_id)
    assert counts(db, *WRITTEN) == before
    with db.write() as conn:
        assert revoke_token(conn, acting(db, "stats_admin"), token_id).revoked_at is not None


def test_an_org_admin_manages_their_own_users(db: Database) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    with db.write() as conn:
        created = create_user(
            conn,
            nanshan_admin,
            username="nanshan_clerk",
            password=GOOD_PASSWORD,
            org_code="NANSHAN",
            roles=["viewer"],
        )
        listed = {user.username for user in list_users(conn, nanshan_admin, "NANSHAN")}
        set_user_active(conn, nanshan_admin, "nanshan_clerk", False)
    assert created.org_code == "NANSHAN"
    assert "nanshan_clerk" in listed


SUBMITTER_REFUSED: dict[str, Operation] = {
    "create a user": lambda conn, actor: create_user(
        conn, actor, username="nanshan_clerk", password=GOOD_PASSWORD, org_code="NANSHAN", roles=["viewer"]
    ),
    "disable a colleague": lambda conn, actor: set_user_active(conn, actor, "nanshan_reviewer", False),
    "give themselves admin": lambda conn, actor: set_user_roles(conn, actor, "nanshan_submitter", ["admin"]),
    "reset a colleague's password": lambda conn, actor: change_password(
        conn, actor, "nanshan_reviewer", GOOD_PASSWORD
    ),
    "issue a colleague's token": lambda conn, actor: create_token(conn, actor, username="nanshan_reviewer"),
    "create an organisation": lambda conn, actor: create_organisation(
        conn, actor, code="TAX", name="深圳市税务局", kind="department", region_code="440300"
    ),
    "deactivate their organisation": lambda conn, actor: set_organisation_active(
        conn, actor, "NANSHAN", False
    ),
}


def test_a_submitter_cannot_manage_accounts(db: Database, subtests: pytest.Subtests) -> None:
    submitter = acting(db, "nanshan_submitter")
    before = counts(db, *WRITTEN)
    for operation, run in SUBMITTER_REFUSED.items():
        with subtests.test(operation=operation):
            with db.write() as conn, pytest.raises(PermissionDenied) as caught:
                run(conn, submitter)
            assert "nanshan_submitter" in caught.value.render()
            assert "another organisation" not in caught.value.render()
            assert counts(db, *WRITTEN) == before


def test_org_admins_cannot_create_organisations(db: Database) -> None:
    with db.write() as conn, pytest.raises(PermissionDenied, match="nanshan_admin"):
        create_organisation(
            conn,
            acting(db, "nanshan_admin"),
            code="TAX",
            name="深圳市税务局",
            kind="department",
            region_code="440300",
        )


def test_a_token_acts_with_its_one_role(db: Database) -> None:
    with db.write() as conn:
        create_user(
            conn,
            acting(db, "admin"),
            username="nanshan_chief",
            password=GOOD_PASSWORD,
            org_code="NANSHAN",
            roles=["admin", "submitter"],
        )
    as_submitter = acting(db, "nanshan_chief", "submitter")
    with db.write() as conn, pytest.raises(PermissionDenied):
        set_user_active(conn, as_submitter, "nanshan_reviewer", False)
    with db.write() as conn:
        assert not set_user_active(
            conn, acting(db, "nanshan_chief", "admin"), "nanshan_reviewer", False
        ).active
