"""`citybase dashboards`: list, show, export, import, delete and share the dashboards analysts make."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, fail, print_table

app = typer.Typer(
    help="Dashboards made by analysts (自定义看板): definitions and sharing.", no_args_is_help=True
)

Sharing = Literal["private", "organisation", "government", "organisations"]


@app.command("list")
def list_(database_url: DatabaseUrlOption = None) -> None:
    """Every dashboard, the most recently changed first."""
    from citybase.dashboards.service import list_dashboards

    with console_transaction(database_url, write=False) as conn:
        found = list_dashboards(conn, Actor.system(Channel.CLI))
    print_table(
        ("code", "title", "owner", "org", "sharing", "panels", "updated"),
        [
            (
                item.code,
                item.title,
                item.owner,
                item.owner_org,
                item.sharing.value,
                str(len(item.panels)),
                f"{item.updated_at:%Y-%m-%d %H:%M}",
            )
            for item in found
        ],
    )


@app.command("show")
def show(code: str, database_url: DatabaseUrlOption = None) -> None:
    """A dashboard's owner, sharing and panels."""
    from citybase.dashboards.service import get_dashboard

    with console_transaction(database_url, write=False) as conn:
        found = get_dashboard(conn, Actor.system(Channel.CLI), code)
    shared = f" ({', '.join(found.definition.shared_with)})" if found.definition.shared_with else ""
    console.print(f"{found.code}: {found.title}")
    console.print(f"owner {found.owner} ({found.owner_org}), shared: {found.sharing.value}{shared}")
    if found.definition.description:
        console.print(found.definition.description)
    print_table(
        ("panel", "title", "chart", "measure", "indicators", "regions", "periods"),
        [
            (
                str(number),
                panel.title,
                panel.chart.value,
                panel.measure.value,
                ",".join(panel.indicators),
                ",".join(panel.regions),
                f"{panel.window.describe()} ({panel.frequency})",
            )
            for number, panel in enumerate(found.panels, start=1)
        ],
    )


@app.command("export")
def export(
    code: str,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The definition as JSON, to import into another CityBase."""
    from citybase.dashboards.service import get_dashboard

    with console_transaction(database_url, write=False) as conn:
        found = get_dashboard(conn, Actor.system(Channel.CLI), code)
    text = json.dumps(found.definition.as_dict(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"dashboard {found.code} written to {output}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A definition exported as JSON ('-' for stdin).")],
    owner: Annotated[str, typer.Option(help="The user who will own the dashboard.")],
    replace: Annotated[bool, typer.Option(help="Replace a dashboard of the same code.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create (or replace) a dashboard from its JSON definition, owned by --owner."""
    from citybase.dashboards.service import upsert_dashboard

    text = sys.stdin.read() if str(file) == "-" else _read(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{file} is not JSON: {error}", 2)
    with console_transaction(database_url, write=True) as conn:
        found = upsert_dashboard(conn, Actor.system(Channel.CLI), data, replace=replace, owner=owner)
    console.print(f"dashboard {found.code} imported: {len(found.panels)} panels, owned by {found.owner}")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}", 2)


@app.command("delete")
def delete(code: str, database_url: DatabaseUrlOption = None) -> None:
    """Delete a dashboard (recorded in the ledger with its definition)."""
    from citybase.dashboards.service import delete_dashboard

    with console_transaction(database_url, write=True) as conn:
        delete_dashboard(conn, Actor.system(Channel.CLI), code)
    console.print(f"dashboard {code} deleted")


@app.command("share")
def share(
    code: str,
    sharing: Annotated[Sharing, typer.Option(help="Who may see it.")],
    org: Annotated[
        list[str] | None, typer.Option(help="An organisation code, for 'organisations' (repeat).")
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Set who may see a dashboard."""
    from citybase.dashboards.service import share_dashboard

    with console_transaction(database_url, write=True) as conn:
        found = share_dashboard(conn, Actor.system(Channel.CLI), code, sharing, org or [])
    named = f": {', '.join(found.definition.shared_with)}" if found.definition.shared_with else ""
    console.print(f"dashboard {found.code} shared with {found.sharing.value}{named}")
