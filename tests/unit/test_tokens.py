"""API tokens: one role, bounded lifetimes, refused when revoked, expired or orphaned, stored only hashed."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.organisations import set_organisation_active
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.tables import api_tokens, users
from citybase.accounts.tokens import (
    TOKEN_PREFIX,
    ApiToken,
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
)
from citybase.accounts.users import create_user, set_user_active, set_user_roles
from citybase.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from citybase.storage.metadata import utcnow
from tests.conftest import make_settings
from tests.factories import GOOD_PASSWORD, acting, counts


def _issue(
    db: Database,
    actor: Actor,
    *,
    username: str | None = None,
    role: str | None = None,
    days: int | None = None,
    name: str = "",
    policy: AccountPolicy | None = None,
) -> tuple[ApiToken, str]:
    with db.write() as conn:
        return create_token(conn, actor, username=username, role=role, days=days, name=name, policy=policy)


def _authenticate(db: Database, secret: str) -> Actor:
    with db.read() as conn:
        return authenticate_token(conn, secret)


def _add_chief(db: Database) -> None:
    """A NANSHAN user holding both the admin and the submitter role."""
    with db.write() as conn:
        create_user(
            conn,
            acting(db, "admin"),
            username="nanshan_chief",
            password=GOOD_PASSWORD,
            org_code="NANSHAN",
            roles=["admin", "submitter"],
        )


def test_a_token_stands_for_its_user_and_role(db: Database) -> None:
    token, secret = _issue(db, acting(db, "nanshan_submitter"), name=" nightly sync ")
    actor = _authenticate(db, secret)
    assert secret.startswith(TOKEN_PREFIX)
    assert (token.username, token.org_code, token.role, token.name) == (
        "nanshan_submitter",
        "NANSHAN",
        Role.SUBMITTER,
        "nightly sync",
    )
    assert (actor.username, actor.org_code, actor.roles, actor.via) == (
        "nanshan_submitter",
        "NANSHAN",
        frozenset({Role.SUBMITTER}),
        Channel.API,
    )
    assert token.state(utcnow()) == "active"


def test_default_lifetime_and_role(db: Database) -> None:
    _add_chief(db)
    before = utcnow()
    token, _secret = _issue(db, acting(db, "nanshan_chief"))
    assert token.role is Role.ADMIN  # the first of the user's roles in the usual order
    assert before + dt.timedelta(days=90) <= token.expires_at <= utcnow() + dt.timedelta(days=90)


def test_the_role_must_be_one_the_user_holds(db: Database) -> None:
    before = counts(db, api_tokens, ledger_entries)
    with pytest.raises(InvalidInput) as caught:
        _issue(db, acting(db, "nanshan_submitter"), role="admin")
    assert "nanshan_submitter" in caught.value.render()
    assert "admin" in caught.value.render()
    with pytest.raises(InvalidInput, match="chief"):
        _issue(db, acting(db, "nanshan_submitter"), role="chief")
    assert counts(db, api_tokens, ledger_entries) == before


def test_a_token_narrows_a_user_to_one_of_their_roles(db: Database) -> None:
    _add_chief(db)
    _token, secret = _issue(db, acting(db, "admin"), username="nanshan_chief", role="submitter")
    actor = _authenticate(db, secret)
    assert actor.roles == frozenset({Role.SUBMITTER})


def test_a_narrowed_token_cannot_issue_a_broader_one(db: Database) -> None:
    # A token scoped to `submitter` must not be able to mint an `admin` token for the same user;
    # otherwise scoping a token to one role protects nothing.
    _add_chief(db)
    _token, secret = _issue(db, acting(db, "admin"), username="nanshan_chief", role="submitter")
    as_submitter = _authenticate(db, secret)
    before = counts(db, api_tokens, ledger_entries)
    with pytest.raises((PermissionDenied, InvalidInput)):
        _issue(db, as_submitter, role="admin")
    assert counts(db, api_tokens, ledger_entries) == before


def test_lifetime_bounds(db: Database, subtests: pytest.Subtests) -> None:
    submitter = acting(db, "nanshan_submitter")
    for days in [0, -5, 366, 10_000]:
        with subtests.test(days=days):
            with pytest.raises(InvalidInput) as caught:
                _issue(db, submitter, days=days)
            assert "365" in caught.value.render()
            assert str(days) in caught.value.render()
    for days in [1, 365]:
        with subtests.test(days=days):
            token, _secret = _issue(db, submitter, days=days)
            assert token.expires_at - token.created_at == dt.timedelta(days=days)


def test_longest_lifetime_comes_from_the_settings(db: Database, demo_url: str) -> None:
    policy = AccountPolicy.from_settings(make_settings(demo_url, token_max_days=30, token_default_days=7))
    submitter = acting(db, "nanshan_submitter")
    token, _secret = _issue(db, submitter, policy=policy)
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    with pytest.raises(InvalidInput, match="30"):
        _issue(db, submitter, days=31, policy=policy)


def test_the_secret_is_stored_only_as_its_hash(db: Database) -> None:
    token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.read() as conn:
        stored = conn.execute(select(api_tokens)).all()
        ledger_text = " ".join(
            " ".join(str(value) for value in row) for row in conn.execute(select(ledger_entries)).all()
        )
    for row in stored:
        assert all(secret not in str(value) for value in row), "the token secret is stored in clear"
    assert secret not in ledger_text
    [row] = [row for row in stored if row.id == token.id]
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:12] == token.prefix


def test_unknown_or_garbled_secret_is_refused(db: Database) -> None:
    _token, secret = _issue(db, acting(db, "nanshan_submitter"))
    for attempt in ("cbt_nonsense", secret[:-1], "", secret + "x"):
        with pytest.raises(AuthenticationFailed, match="not valid"):
            _authenticate(db, attempt)
    assert _authenticate(db, f"  {secret}\n").username == "nanshan_submitter"


def test_a_revoked_token_is_refused_saying_so(db: Database) -> None:
    token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.write() as conn:
        revoked = revoke_token(conn, acting(db, "nanshan_submitter"), token.id)
    assert revoked.state(utcnow()) == "revoked"
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(db, secret)
    assert "revoked" in caught.value.render()
    assert token.prefix in caught.value.render()
    assert revoked.revoked_at is not None
    assert revoked.revoked_at.date().isoformat() in caught.value.render()


def test_revoking_twice_records_once(db: Database) -> None:
    token, _secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.write() as conn:
        first = revoke_token(conn, acting(db, "nanshan_admin"), token.id)
    before = counts(db, ledger_entries)
    with db.write() as conn:
        second = revoke_token(conn, acting(db, "nanshan_admin"), token.id)
    assert first.revoked_at == second.revoked_at
    assert counts(db, ledger_entries) == before


def test_an_expired_token_is_refused_saying_so(db: Database) -> None:
    token, secret = _issue(db, acting(db, "nanshan_submitter"))
    expired_at = utcnow() - dt.timedelta(days=2)
    with db.engine.begin() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token.id).values(expires_at=expired_at))
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(db, secret)
    assert "expired" in caught.value.render()
    assert expired_at.date().isoformat() in caught.value.render()
    with db.read() as conn:
        [listed] = list_tokens(conn, acting(db, "nanshan_submitter"))
    assert listed.state(utcnow()) == "expired"


def test_a_disabled_users_tokens_stop_working(db: Database) -> None:
    _token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.write() as conn:
        set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_submitter", False)
    with pytest.raises(AuthenticationFailed):
        _authenticate(db, secret)
    # Enabling the account again does not bring its old tokens back.
    with db.write() as conn:
        set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_submitter", True)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        _authenticate(db, secret)


def test_a_token_of_a_user_disabled_directly_is_refused(db: Database) -> None:
    _token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "nanshan_submitter").values(active=False))
    with pytest.raises(AuthenticationFailed, match="disabled"):
        _authenticate(db, secret)


def test_no_tokens_for_a_disabled_user(db: Database) -> None:
    with db.write() as conn:
        set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_submitter", False)
    with pytest.raises(InvalidInput, match="disabled"):
        _issue(db, acting(db, "nanshan_admin"), username="nanshan_submitter")


def test_a_token_whose_role_was_taken_away_is_refused(db: Database) -> None:
    _token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.write() as conn:
        set_user_roles(conn, acting(db, "nanshan_admin"), "nanshan_submitter", ["viewer"])
    with pytest.raises(AuthenticationFailed) as caught:
        _authenticate(db, secret)
    assert "submitter" in caught.value.render()


def test_tokens_of_a_deactivated_organisation_stop_working(db: Database) -> None:
    # Its users can no longer log in; a token they issued earlier must not outlive that either.
    _token, secret = _issue(db, acting(db, "nanshan_submitter"))
    with db.write() as conn:
        set_organisation_active(conn, acting(db, "admin"), "NANSHAN", False)
    with pytest.raises(AuthenticationFailed, match="NANSHAN"):
        _authenticate(db, secret)


def test_listing_tokens_newest_first(db: Database) -> None:
    submitter = acting(db, "nanshan_submitter")
    first, _ = _issue(db, submitter, name="first")
    second, _ = _issue(db, submitter, name="second")
    with db.read() as conn:
        mine = list_tokens(conn, submitter)
        as_admin = list_tokens(conn, acting(db, "nanshan_admin"), "nanshan_submitter")
    assert [token.id for token in mine] == [second.id, first.id] == [token.id for token in as_admin]


def test_the_console_must_name_the_tokens_user(db: Database, system: Actor) -> None:
    with pytest.raises(InvalidInput, match="Name the user"):
        _issue(db, system)
