"""`citybase demo`: load the demo city (Shenzhen) into an empty database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn

from citybase.cli.common import DatabaseUrlOption, console, fail, prepared_database


def demo(
    database_url: DatabaseUrlOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Wipe a non-empty database first (destroys its data).")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing, successfully, if data is already there.")
    ] = False,
) -> None:
    """Load Shenzhen's districts, streets, departments and users, printing how to log in."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.demo import load_demo
    from citybase.instance import is_empty, prepare_database
    from citybase.storage.migrate import drop_everything

    with prepared_database(database_url) as (_settings, database):
        with database.read() as conn:
            empty = is_empty(conn)
        if not empty:
            if if_empty:
                console.print("The database already holds data; the demo city was not loaded again.")
                console.print("Forgot the admin password? Run: citybase user reset-password admin")
                return
            if not replace:
                fail(
                    "the database is not empty; use --replace to wipe it and load the demo city "
                    "(this destroys its data), or --if-empty to leave it as it is"
                )
            console.print("[yellow]Wiping the database before loading the demo city.[/]")
            drop_everything(database)
            prepare_database(database, Channel.CLI)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("Loading the demo city", total=1)

            def report(step: str, done: int, total: int) -> None:
                progress.update(
                    task, description=f"Loading the demo city: {step}", completed=done, total=total
                )

            with database.write() as conn:
                login = load_demo(conn, Actor.system(Channel.CLI), report)
    console.print(
        f"Demo city loaded: Shenzhen (440300), {login.organisations} organisations, {login.users} users, "
        f"{login.indicators} indicators, {login.facts} values."
    )
    if login.skipped:
        console.print(
            f"{len(login.skipped)} source rows were not loaded (no region code), e.g. {login.skipped[0]}"
        )
    console.print("")
    console.print("[bold]Log in as the platform administrator:[/]")
    console.print(f"  username: {login.admin_username}")
    console.print(f"  password: {login.admin_password}")
    console.print(
        f"Every other demo user ({', '.join(login.sample_usernames)}, ...) has the password "
        f"{login.user_password}"
    )
    console.print("These passwords are shown only now; `citybase user reset-password NAME` sets a new one.")
