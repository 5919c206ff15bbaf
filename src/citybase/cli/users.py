"""`citybase user ...`: accounts, run as the operator at the server's console."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    fail,
    prepared_database,
    print_table,
    read_secret_from_stdin,
    reporting_errors,
)

app = typer.Typer(help="Create, list, disable and unlock users.", no_args_is_help=True)


def _operator() -> Actor:
    return Actor.system(Channel.CLI)


def _password(password_stdin: bool, username: str) -> str:
    if password_stdin:
        return read_secret_from_stdin()
    if not sys.stdin.isatty():
        fail("give the password with --password-stdin when not at a terminal", 2)
    first = typer.prompt(f"Password for {username}", hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        fail("the two passwords differ", 2)
    return str(first)


@app.command("create")
def create(
    username: Annotated[str, typer.Option(help="Login name: lower-case letters, digits, '.', '-', '_'.")],
    org: Annotated[str, typer.Option(help="Code of the user's organisation.")],
    role: Annotated[
        list[str], typer.Option(help="admin, submitter, reviewer, analyst or viewer; repeatable.")
    ],
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a user in an organisation."""
    from citybase.accounts.policy import AccountPolicy
    from citybase.accounts.users import create_user

    password = _password(password_stdin, username)
    with (
        prepared_database(database_url) as (settings, database),
        reporting_errors(),
        database.write() as conn,
    ):
        user = create_user(
            conn,
            _operator(),
            username=username,
            password=password,
            org_code=org,
            roles=[part for item in role for part in item.split(",") if part],
            display_name=display_name,
            policy=AccountPolicy.from_settings(settings),
        )
    console.print(
        f"Created user {user.username} in {user.org_code} with roles {', '.join(user.sorted_roles)}."
    )


@app.command("list")
def list_(
    org: Annotated[str | None, typer.Option(help="Only this organisation's users.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List users with their organisation, roles and state."""
    from citybase.accounts.users import list_users
    from citybase.storage.metadata import utcnow

    with console_transaction(database_url, write=False) as conn:
        found = list_users(conn, _operator(), org)
    rows: list[list[str]] = []
    now = utcnow()
    for user in found:
        state = "disabled" if not user.active else "locked" if user.is_locked(now) else "active"
        rows.append(
            [
                user.username,
                user.display_name,
                user.org_code,
                ",".join(user.sorted_roles),
                state,
                user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "",
            ]
        )
    print_table(("username", "name", "org", "roles", "state", "last login"), rows)
    console.print(f"{len(found)} users")


def _toggle(username: str, active: bool, database_url: str | None) -> None:
    from citybase.accounts.users import set_user_active

    with console_transaction(database_url, write=True) as conn:
        set_user_active(conn, _operator(), username, active)
    console.print(f"User {username} {'enabled' if active else 'disabled (sessions ended, tokens revoked)'}.")


@app.command("disable")
def disable(username: str, database_url: DatabaseUrlOption = None) -> None:
    """Disable a user: they can no longer log in, and their sessions and tokens end."""
    _toggle(username, False, database_url)


@app.command("enable")
def enable(username: str, database_url: DatabaseUrlOption = None) -> None:
    """Enable a disabled user again."""
    _toggle(username, True, database_url)


@app.command("unlock")
def unlock(username: str, database_url: DatabaseUrlOption = None) -> None:
    """Lift the lockout after too many failed logins."""
    from citybase.accounts.users import unlock_user

    with console_transaction(database_url, write=True) as conn:
        unlock_user(conn, _operator(), username)
    console.print(f"User {username} unlocked.")


@app.command("reset-password")
def reset_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from stdin.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Set a new password (generated and printed unless given on stdin)."""
    from citybase.accounts.policy import AccountPolicy
    from citybase.accounts.users import change_password
    from citybase.demo.loader import generate_password

    password = read_secret_from_stdin() if password_stdin else generate_password()
    with (
        prepared_database(database_url) as (settings, database),
        reporting_errors(),
        database.write() as conn,
    ):
        change_password(conn, _operator(), username, password, policy=AccountPolicy.from_settings(settings))
    if password_stdin:
        console.print(f"Password of {username} changed.")
    else:
        console.print(f"New password of {username}: {password}")
