"""`citybase token ...`: API tokens issued from the server's console."""

from __future__ import annotations

from typing import Annotated

import typer

from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    prepared_database,
    print_table,
    reporting_errors,
)

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    username: Annotated[str, typer.Option(help="The user the token acts as.")],
    role: Annotated[
        str | None, typer.Option(help="One of the user's roles (default: their highest).")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Lifetime in days (default from the settings).")] = None,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a token and print only the token (the secret is not stored and cannot be shown again)."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.policy import AccountPolicy
    from citybase.accounts.tokens import create_token

    with (
        prepared_database(database_url) as (settings, database),
        reporting_errors(),
        database.write() as conn,
    ):
        _token, secret = create_token(
            conn,
            Actor.system(Channel.CLI),
            username=username,
            role=role,
            days=days,
            name=name,
            policy=AccountPolicy.from_settings(settings),
        )
    typer.echo(secret)


@app.command("list")
def list_(
    username: Annotated[str, typer.Option(help="Whose tokens.")], database_url: DatabaseUrlOption = None
) -> None:
    """List a user's tokens (never their secrets)."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.tokens import list_tokens
    from citybase.storage.metadata import utcnow

    with console_transaction(database_url, write=False) as conn:
        found = list_tokens(conn, Actor.system(Channel.CLI), username)
    rows: list[list[str]] = []
    now = utcnow()
    for token in found:
        rows.append(
            [
                str(token.id),
                token.prefix + "…",
                token.name,
                token.role.value,
                token.expires_at.strftime("%Y-%m-%d"),
                token.state(now),
            ]
        )
    print_table(("id", "prefix", "name", "role", "expires", "state"), rows)


@app.command("revoke")
def revoke(token_id: int, database_url: DatabaseUrlOption = None) -> None:
    """Revoke a token by its id (from `citybase token list`)."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.tokens import revoke_token

    with console_transaction(database_url, write=True) as conn:
        token = revoke_token(conn, Actor.system(Channel.CLI), token_id)
    console.print(f"Token {token.id} ({token.prefix}…) of {token.username} revoked.")
