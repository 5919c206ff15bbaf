"""Organisations and users: validation, passwords, login with lockout, disabling, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.organisations import (
    Organisation,
    OrgKind,
    create_organisation,
    get_organisation,
    list_organisations,
    set_organisation_active,
)
from citybase.accounts.passwords import check_password
from citybase.accounts.policy import AccountPolicy
from citybase.accounts.tables import organisations, users
from citybase.accounts.users import (
    LoginOutcome,
    User,
    authenticate,
    change_password,
    create_user,
    find_user,
    get_user,
    list_users,
    set_user_active,
    set_user_roles,
    unlock_user,
)
from citybase.demo import DemoLogin
from citybase.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound
from citybase.ledger import LedgerFilter, list_entries
from citybase.ledger.tables import ledger_entries
from citybase.settings import Settings
from citybase.storage import Database
from citybase.storage.metadata import utcnow
from tests.conftest import make_settings
from tests.factories import GOOD_PASSWORD, acting, counts


def _new_org(
    db: Database,
    actor: Actor,
    *,
    code: str = "TAX",
    name: str = "深圳市税务局",
    kind: str = "department",
    region_code: str = "440300",
    name_en: str = "",
) -> Organisation:
    with db.write() as conn:
        return create_organisation(
            conn, actor, code=code, name=name, kind=kind, region_code=region_code, name_en=name_en
        )


def _new_user(
    db: Database,
    actor: Actor,
    *,
    username: str = "nanshan_clerk",
    password: str = GOOD_PASSWORD,
    org_code: str = "NANSHAN",
    roles: list[str] | None = None,
    display_name: str = "",
) -> User:
    with db.write() as conn:
        return create_user(
            conn,
            actor,
            username=username,
            password=password,
            org_code=org_code,
            roles=["submitter"] if roles is None else roles,
            display_name=display_name,
        )


def _problems(error: InvalidInput) -> dict[str, str]:
    return {problem.column or "": problem.code for problem in error.problems}


def _login(db: Database, username: str, password: str, policy: AccountPolicy | None = None) -> LoginOutcome:
    with db.write() as conn:
        return authenticate(conn, username, password, Channel.WEB, policy)


def _failed_logins(db: Database, username: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(select(users.c.failed_logins).where(users.c.username == username)).scalar_one()
        )


# --- organisations -----------------------------------------------------------------------------------


def test_create_organisation(db: Database) -> None:
    admin = acting(db, "admin")
    org = _new_org(db, admin, name=" 深圳市税务局 ", name_en="Shenzhen Tax Service")
    assert (org.code, org.name, org.kind, org.region_code, org.platform, org.active) == (
        "TAX",
        "深圳市税务局",
        OrgKind.DEPARTMENT,
        "440300",
        False,
        True,
    )
    with db.read() as conn:
        assert get_organisation(conn, admin, "TAX") == org
        [entry] = list_entries(conn, admin, LedgerFilter(action="org.created", object_key="TAX"))
    assert (entry.actor, entry.detail["region_code"]) == ("admin", "440300")


def test_every_organisation_problem_names_its_field(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        _new_org(db, acting(db, "admin"), code="tax bureau", name="  ", kind="ministry", region_code="44030X")
    assert _problems(caught.value) == {
        "code": "invalid",
        "name": "required",
        "kind": "invalid",
        "region_code": "invalid",
    }
    messages = {problem.column: problem.render() for problem in caught.value.problems}
    assert "tax bureau" in messages["code"]
    assert "ministry" in messages["kind"]
    assert "44030X" in messages["region_code"]


def test_unknown_region_is_a_problem_on_region_code(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        _new_org(db, acting(db, "admin"), region_code="449999")
    assert _problems(caught.value) == {"region_code": "unknown_region"}
    assert "449999" in caught.value.problems[0].render()


def test_region_code_in_full_width_digits_is_stored_in_ascii(db: Database) -> None:
    org = _new_org(db, acting(db, "admin"), region_code="４４０３０５")
    assert org.region_code == "440305"


def test_duplicate_organisation_already_exists(db: Database) -> None:
    before = counts(db, organisations, ledger_entries)
    with pytest.raises(AlreadyExists, match="NANSHAN"):
        _new_org(db, acting(db, "admin"), code="NANSHAN")
    assert counts(db, organisations, ledger_entries) == before


def test_there_is_only_one_platform_organisation(db: Database, system: Actor) -> None:
    with db.write() as conn, pytest.raises(AlreadyExists):
        create_organisation(
            conn,
            system,
            code="GSDB2",
            name="第二平台",
            kind="department",
            region_code="440300",
            platform=True,
        )


def test_platform_organisation_cannot_be_deactivated(db: Database) -> None:
    with db.write() as conn, pytest.raises(InvalidInput, match="GSDB"):
        set_organisation_active(conn, acting(db, "admin"), "GSDB", False)


def test_unknown_organisation_is_not_found(db: Database) -> None:
    with db.read() as conn, pytest.raises(NotFound, match="NOPE"):
        get_organisation(conn, acting(db, "admin"), "NOPE")


def test_listing_organisations_counts_active_users(db: Database) -> None:
    admin = acting(db, "admin")
    with db.write() as conn:
        set_user_active(conn, admin, "nanshan_reviewer", False)
    with db.read() as conn:
        districts = list_organisations(conn, admin, "district")
        every = list_organisations(conn, admin)
    assert len(districts) == 9
    assert all(org.kind is OrgKind.DISTRICT for org in districts)
    assert len(every) == 27
    by_code = {org.code: org.user_count for org in every}
    assert (by_code["NANSHAN"], by_code["FUTIAN"], by_code["STATS"]) == (2, 3, 4)


# --- users -------------------------------------------------------------------------------------------


def test_create_user(db: Database) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    user = _new_user(db, nanshan_admin, roles=["Submitter", "viewer"], display_name="南山 录入员")
    assert (user.username, user.org_code, user.roles, user.active) == (
        "nanshan_clerk",
        "NANSHAN",
        frozenset({Role.SUBMITTER, Role.VIEWER}),
        True,
    )
    with db.read() as conn:
        [entry] = list_entries(
            conn, acting(db, "admin"), LedgerFilter(action="user.created", object_key="nanshan_clerk")
        )
    assert (entry.actor, entry.actor_org, entry.detail["roles"]) == (
        "nanshan_admin",
        "NANSHAN",
        ["submitter", "viewer"],
    )
    assert GOOD_PASSWORD not in entry.detail.values()


def test_every_user_problem_names_its_field(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        _new_user(db, acting(db, "admin"), username="9 Bad", password="short", roles=["boss"])
    columns = {problem.column for problem in caught.value.problems}
    assert columns == {"username", "password", "roles"}
    assert "boss" in next(p.render() for p in caught.value.problems if p.column == "roles")


def test_a_user_needs_a_role(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        _new_user(db, acting(db, "admin"), roles=[])
    assert _problems(caught.value) == {"roles": "required"}


def test_duplicate_user_already_exists(db: Database) -> None:
    before = counts(db, users, ledger_entries)
    with pytest.raises(AlreadyExists, match="nanshan_submitter"):
        _new_user(db, acting(db, "admin"), username="nanshan_submitter")
    assert counts(db, users, ledger_entries) == before


def test_user_in_unknown_organisation_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        _new_user(db, acting(db, "admin"), org_code="NOPE")


def test_no_users_in_a_deactivated_organisation(db: Database) -> None:
    admin = acting(db, "admin")
    with db.write() as conn:
        set_organisation_active(conn, admin, "NANSHAN", False)
    with pytest.raises(InvalidInput) as caught:
        _new_user(db, admin)
    assert _problems(caught.value) == {"org": "inactive"}
    assert "NANSHAN" in caught.value.problems[0].render()


# --- password rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Ab-1", {"too_short"}),
        ("abcdefghijkl", {"too_simple"}),
        ("123456789012", {"too_simple"}),
        ("xx-nanshan_clerk-1", {"contains_username"}),
        ("XX-NANSHAN_CLERK-1", {"contains_username"}),
        ("nanshan_clerk", {"contains_username"}),
        ("aaaa", {"too_short", "too_simple"}),
    ],
)
def test_password_rules(password: str, codes: set[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_password(password, username="nanshan_clerk", min_length=10)
    assert {problem.code for problem in caught.value.problems} == codes
    assert {problem.column for problem in caught.value.problems} == {"password"}


@pytest.mark.parametrize("password", [GOOD_PASSWORD, "abcdefghi1", "长城长城长城长城长城1", "!!!!!!!!!a"])
def test_acceptable_passwords(password: str) -> None:
    check_password(password, username="nanshan_clerk", min_length=10)


def test_minimum_length_comes_from_the_settings(db: Database, demo_url: str) -> None:
    policy = AccountPolicy.from_settings(make_settings(demo_url, password_min_length=20))
    with db.write() as conn, pytest.raises(InvalidInput) as caught:
        create_user(
            conn,
            acting(db, "admin"),
            username="nanshan_clerk",
            password=GOOD_PASSWORD,
            org_code="NANSHAN",
            roles=["viewer"],
            policy=policy,
        )
    assert [(problem.column, problem.code) for problem in caught.value.problems] == [
        ("password", "too_short")
    ]
    assert "20" in caught.value.problems[0].render()


def test_change_own_password_needs_the_current_one(db: Database, demo_login: DemoLogin) -> None:
    me = acting(db, "nanshan_submitter")
    with db.write() as conn, pytest.raises(InvalidInput) as caught:
        change_password(conn, me, "nanshan_submitter", GOOD_PASSWORD, current_password="wrong")
    assert _problems(caught.value) == {"current_password": "wrong_password"}
    with db.write() as conn:
        change_password(
            conn, me, "nanshan_submitter", GOOD_PASSWORD, current_password=demo_login.user_password
        )
    assert _login(db, "nanshan_submitter", GOOD_PASSWORD).user is not None
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is None


def test_admin_resets_a_password_without_the_current_one(db: Database) -> None:
    with db.write() as conn:
        change_password(conn, acting(db, "nanshan_admin"), "nanshan_submitter", GOOD_PASSWORD)
    assert _login(db, "nanshan_submitter", GOOD_PASSWORD).user is not None


def test_a_new_password_must_meet_the_rules(db: Database) -> None:
    with db.write() as conn, pytest.raises(InvalidInput) as caught:
        change_password(conn, acting(db, "admin"), "nanshan_submitter", "password")
    assert {(problem.column, problem.code) for problem in caught.value.problems} == {
        ("password", "too_short"),
        ("password", "too_simple"),
    }


# --- logging in --------------------------------------------------------------------------------------


def test_login_with_the_right_password(db: Database, demo_login: DemoLogin) -> None:
    outcome = _login(db, "nanshan_submitter", demo_login.user_password)
    user = outcome.raise_for_failure()
    assert (user.username, outcome.failure) == ("nanshan_submitter", None)
    assert user.last_login_at is not None
    assert _login(db, "admin", demo_login.admin_password).user is not None


def test_unknown_user_and_wrong_password_fail_alike(db: Database, demo_login: DemoLogin) -> None:
    unknown = _login(db, "nobody", demo_login.user_password)
    wrong = _login(db, "nanshan_submitter", "not-the-password-1")
    assert unknown.user is None
    assert wrong.user is None
    assert str(unknown.failure) == str(wrong.failure) == "Wrong username or password"
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        wrong.raise_for_failure()


def test_wrong_passwords_are_counted_and_a_success_resets_the_count(
    db: Database, demo_login: DemoLogin
) -> None:
    for attempt in (1, 2):
        _login(db, "nanshan_submitter", "not-the-password-1")
        assert _failed_logins(db, "nanshan_submitter") == attempt
    with db.read() as conn:
        failures = list_entries(conn, acting(db, "admin"), LedgerFilter(action="user.login_failed"))
    assert [entry.detail["failures"] for entry in failures] == [2, 1]
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is not None
    assert _failed_logins(db, "nanshan_submitter") == 0


def test_a_login_typed_with_spaces_is_recorded_under_the_users_name(db: Database) -> None:
    _login(db, "  nanshan_submitter ", "not-the-password-1")
    assert _failed_logins(db, "nanshan_submitter") == 1
    with db.read() as conn:
        [entry] = list_entries(conn, acting(db, "admin"), LedgerFilter(action="user.login_failed"))
    assert (entry.actor, entry.object_key) == ("nanshan_submitter", "nanshan_submitter")


def test_lockout_after_max_failures_refuses_even_the_right_password(
    db: Database, settings: Settings, demo_login: DemoLogin
) -> None:
    policy = AccountPolicy.from_settings(settings)
    for _attempt in range(settings.login_max_failures - 1):
        assert _login(db, "nanshan_submitter", "not-the-password-1", policy).user is None
    with db.read() as conn:
        assert find_user(conn, "nanshan_submitter").locked_until is None
    _login(db, "nanshan_submitter", "not-the-password-1", policy)
    with db.read() as conn:
        locked = find_user(conn, "nanshan_submitter")
    assert locked.is_locked(utcnow())
    assert locked.locked_until is not None
    assert locked.locked_until - utcnow() <= policy.lockout
    refused = _login(db, "nanshan_submitter", demo_login.user_password, policy)
    assert refused.user is None
    assert "locked" in str(refused.failure)


def test_lockout_threshold_follows_the_setting(db: Database, demo_url: str, demo_login: DemoLogin) -> None:
    policy = AccountPolicy.from_settings(make_settings(demo_url, login_max_failures=2))
    _login(db, "nanshan_submitter", "not-the-password-1", policy)
    _login(db, "nanshan_submitter", "not-the-password-1", policy)
    assert "locked" in str(_login(db, "nanshan_submitter", demo_login.user_password, policy).failure)


def _lock(db: Database, username: str) -> None:
    policy = AccountPolicy(max_failures=1)
    _login(db, username, "not-the-password-1", policy)


def test_unlock_lets_the_user_in_again(db: Database, demo_login: DemoLogin) -> None:
    _lock(db, "nanshan_submitter")
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is None
    with db.write() as conn:
        unlocked = unlock_user(conn, acting(db, "nanshan_admin"), "nanshan_submitter")
    assert unlocked.locked_until is None
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is not None


def test_a_lock_ends_by_itself(db: Database, demo_login: DemoLogin) -> None:
    _lock(db, "nanshan_submitter")
    with db.engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == "nanshan_submitter")
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is not None


def test_a_disabled_user_cannot_log_in(db: Database, demo_login: DemoLogin) -> None:
    with db.write() as conn:
        disabled = set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_submitter", False)
    assert not disabled.active
    outcome = _login(db, "nanshan_submitter", demo_login.user_password)
    assert outcome.user is None
    assert "disabled" in str(outcome.failure)
    with db.write() as conn:
        set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_submitter", True)
    assert _login(db, "nanshan_submitter", demo_login.user_password).user is not None


def test_users_of_a_deactivated_organisation_cannot_log_in(db: Database, demo_login: DemoLogin) -> None:
    with db.write() as conn:
        set_organisation_active(conn, acting(db, "admin"), "NANSHAN", False)
    outcome = _login(db, "nanshan_submitter", demo_login.user_password)
    assert outcome.user is None
    assert "NANSHAN" in str(outcome.failure)


def test_admins_cannot_disable_themselves(db: Database) -> None:
    with db.write() as conn, pytest.raises(InvalidInput):
        set_user_active(conn, acting(db, "nanshan_admin"), "nanshan_admin", False)


# --- roles and reading users -------------------------------------------------------------------------


def test_set_roles_replaces_them(db: Database) -> None:
    with db.write() as conn:
        user = set_user_roles(conn, acting(db, "nanshan_admin"), "nanshan_submitter", ["reviewer", "viewer"])
    assert user.roles == frozenset({Role.REVIEWER, Role.VIEWER})
    assert user.sorted_roles == [Role.REVIEWER, Role.VIEWER]


def test_set_roles_refuses_no_or_unknown_roles(db: Database, subtests: pytest.Subtests) -> None:
    for roles in [[], ["chief"], ["viewer", "chief"]]:
        with subtests.test(roles=roles):
            with db.write() as conn, pytest.raises(InvalidInput):
                set_user_roles(conn, acting(db, "nanshan_admin"), "nanshan_submitter", roles)
            with db.read() as conn:
                assert find_user(conn, "nanshan_submitter").roles == frozenset({Role.SUBMITTER})


def test_users_see_themselves_and_their_own_organisation(db: Database) -> None:
    me = acting(db, "nanshan_submitter")
    with db.read() as conn:
        assert get_user(conn, me, "nanshan_submitter").username == "nanshan_submitter"
        mine = list_users(conn, me)
    assert {user.username for user in mine} == {"nanshan_admin", "nanshan_reviewer", "nanshan_submitter"}


def test_platform_admin_lists_every_user(db: Database, demo_login: DemoLogin) -> None:
    with db.read() as conn:
        every = list_users(conn, acting(db, "admin"))
    assert len(every) == demo_login.users
