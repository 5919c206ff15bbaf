"""`citybase ledger ...`: verify the hash chain, list entries, export it for offline verification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    fail,
    prepared_database,
    print_table,
    reporting_errors,
)

app = typer.Typer(help="The evidence ledger: verify, list, export.", no_args_is_help=True)


@app.command("verify")
def verify(
    database_url: DatabaseUrlOption = None,
    file: Annotated[
        Path | None, typer.Option(help="Verify an export (JSON lines) instead of the database.")
    ] = None,
    head: Annotated[
        str | None, typer.Option(help="With --file: the head hash the export must end at.")
    ] = None,
) -> None:
    """Recompute the whole chain; exit 1 naming the first entry that does not hold."""
    from citybase.ledger import verify_chain, verify_records

    with Progress(
        TextColumn("Verifying the ledger"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("verify", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        if file is not None:
            try:
                lines = file.read_text(encoding="utf-8").splitlines()
                records = [json.loads(line) for line in lines if line.strip()]
            except (OSError, ValueError) as exc:
                fail(f"cannot read the ledger export {file}: {exc}")
            closing = (len(records), head) if head else None
            result = verify_records(records, closing, len(records), report)
        else:
            with console_transaction(database_url, write=False) as conn:
                result = verify_chain(conn, Actor.system(Channel.CLI), report)
    if not result.ok:
        fail(result.describe())
    console.print(result.describe())


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 20,
    user: Annotated[str | None, typer.Option(help="Acting username.")] = None,
    org: Annotated[str | None, typer.Option(help="Acting organisation code.")] = None,
    action: Annotated[str | None, typer.Option(help="Action or its prefix, e.g. 'user.'.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show the newest ledger entries."""
    from citybase.ledger import LedgerFilter, list_entries

    with console_transaction(database_url, write=False) as conn:
        entries = list_entries(
            conn, Actor.system(Channel.CLI), LedgerFilter(actor=user, org=org, action=action), limit=limit
        )
    rows: list[list[str]] = []
    for entry in entries:
        rows.append(
            [
                str(entry.seq),
                entry.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor,
                entry.actor_org or "",
                entry.via,
                entry.action,
                f"{entry.object_type} {entry.object_key}",
                entry.entry_hash[:12],
            ]
        )
    print_table(("seq", "time (UTC)", "actor", "org", "via", "action", "object", "hash"), rows)


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where to write the entries, one JSON object per line.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write every entry to a JSON-lines file that `citybase ledger verify --file` checks offline."""
    from citybase.ledger import export_records

    count, last_hash = 0, ""
    with (
        prepared_database(database_url) as (_settings, database),
        reporting_errors(),
        database.read() as conn,
        file.open("w", encoding="utf-8") as out,
    ):
        for item in export_records(conn, Actor.system(Channel.CLI)):
            out.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
            count, last_hash = count + 1, item["entry_hash"]
    console.print(f"Exported {count} entries to {file}; the head hash is {last_hash}")
    console.print(f"Check it later with: citybase ledger verify --file {file} --head {last_hash}")
