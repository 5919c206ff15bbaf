"""Loads the demo city into a prepared database: streets, organisations and their users."""

from __future__ import annotations

import csv
import io
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import create_organisation
from citybase.accounts.passwords import hash_password
from citybase.accounts.users import create_user
from citybase.demo.collection import load_collection
from citybase.demo.dashboards import load_dashboards
from citybase.demo.statistics import load_indicator_system, load_series
from citybase.demo.targets import load_targets
from citybase.regions.loader import load_bundled_streets
from citybase.site import HOME_REGION, set_setting

DEMO_CITY = "440300"
ADMIN_USERNAME = "admin"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoLogin:
    admin_username: str
    admin_password: str
    user_password: str
    organisations: int
    users: int
    sample_usernames: tuple[str, ...]
    indicators: int = 0
    facts: int = 0
    skipped: tuple[str, ...] = ()


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("citybase.demo").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def generate_password(length: int = 16) -> str:
    """A random password with letters, digits and a symbol, readable enough to type."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(length - 2))
    return body[: length // 2] + "-" + secrets.choice(string.digits) + body[length // 2 :]


def _accounts_for(org: dict[str, str], templates: list[dict[str, str]]) -> list[dict[str, str]]:
    """The demo accounts of one organisation: its own rows in users.csv, or else its kind's `*` rows."""
    kind = "platform" if org["platform"] == "true" else org["kind"]
    own = [row for row in templates if row["org_code"] == org["code"]]
    rows = own or [row for row in templates if row["kind"] == kind and row["org_code"] == "*"]
    short_name = org["name"].removeprefix("深圳市").removesuffix("人民政府")
    return [
        {
            "username": row["username"].format(org=org["code"].lower()),
            "roles": row["roles"],
            "display_name": row["display_name"].format(org_name=short_name),
        }
        for row in rows
    ]


def load_demo(conn: Connection, actor: Actor, progress: Progress | None = None) -> DemoLogin:
    """Load the demo city in the caller's transaction; returns the generated login details."""
    report = progress or (lambda _step, _done, _total: None)
    organisations = _rows("organisations.csv")
    templates = _rows("users.csv")
    total = 4 + len(organisations)
    report("streets", 0, total)
    load_bundled_streets(conn, actor, DEMO_CITY)
    set_setting(conn, actor, HOME_REGION, DEMO_CITY)
    report("organisations", 1, total)
    admin_password = generate_password()
    user_password = generate_password()
    # One hash for every demo account but the admin: argon2 is slow on purpose, and these share a password.
    shared_hash = hash_password(user_password)
    created_users: list[str] = []
    for done, row in enumerate(organisations, start=2):
        platform = row["platform"] == "true"
        create_organisation(
            conn,
            actor,
            code=row["code"],
            name=row["name"],
            name_en=row["name_en"],
            kind=row["kind"],
            region_code=row["region_code"],
            platform=platform,
        )
        for account in _accounts_for(row, templates):
            is_admin = account["username"] == ADMIN_USERNAME
            create_user(
                conn,
                actor,
                username=account["username"],
                org_code=row["code"],
                password=admin_password if is_admin else user_password,
                password_hash=None if is_admin else shared_hash,
                roles=account["roles"].split(";"),
                display_name=account["display_name"],
            )
            created_users.append(account["username"])
        report("organisations", done, total)
    report("indicator system", total - 2, total)
    indicators = load_indicator_system(conn, actor)
    report("statistical series", total - 1, total)
    series = load_series(conn, actor)
    load_collection(conn, actor)
    load_dashboards(conn, actor)
    load_targets(conn, actor)
    report("done", total, total)
    samples = tuple(
        name
        for name in ("stats_reviewer", "stats_submitter", "nanshan_submitter", "finance_viewer")
        if name in created_users
    )
    return DemoLogin(
        ADMIN_USERNAME,
        admin_password,
        user_password,
        len(organisations),
        len(created_users),
        samples,
        indicators=indicators,
        facts=series.published,
        skipped=tuple(series.skipped),
    )
