"""`citybase regions ...`: look up divisions and apply new editions of the code list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, fail, print_table

app = typer.Typer(help="Division codes: show, search, import a new edition.", no_args_is_help=True)


@app.command("show")
def show(
    code: str,
    year: Annotated[int | None, typer.Option(help="The version in use in this year.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show a region with its ancestors and children."""
    from citybase.regions.service import ancestors, children, get_region

    actor = Actor.system(Channel.CLI)
    with console_transaction(database_url, write=False) as conn:
        region = get_region(conn, actor, code, year)
        trail = ancestors(conn, actor, region.code, year)
        kids = children(conn, actor, region.code, year) if region.is_current or year else []
    years = f"{region.valid_from or '…'}–{region.valid_to or ''}"
    console.print(f"{region.code} {region.name} ({region.level.value}, in use {years})")
    console.print(" › ".join(f"{item.name} {item.code}" for item in trail) or "(root)")
    for kid in kids:
        console.print(f"  {kid.code} {kid.name}")


@app.command("search")
def search(
    query: str,
    limit: Annotated[int, typer.Option(help="How many matches.")] = 10,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Find regions by name (南山, 深圳南山), short name or code prefix."""
    from citybase.regions.search import search_regions

    with console_transaction(database_url, write=False) as conn:
        matches = search_regions(conn, Actor.system(Channel.CLI), query, limit=limit)
    rows: list[list[str]] = []
    for match in matches:
        rows.append(
            [
                match.region.code,
                match.region.name,
                match.region.level.value,
                match.region.parent_code or "",
                match.how,
                f"{match.score:g}",
            ]
        )
    print_table(("code", "name", "level", "parent", "match", "score"), rows)


@app.command("import")
def import_edition(
    file: Annotated[Path, typer.Argument(help="CSV with columns code,name,level,parent_code (UTF-8).")],
    edition: Annotated[int, typer.Option(help="The year of the code list (new codes start that year).")],
    keep_missing: Annotated[
        bool, typer.Option("--keep-missing", help="Do not retire codes the list lacks.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Apply a new edition of the division list: new codes start, changed ones get a new version."""
    from citybase.regions.loader import apply_edition, parse_division_csv

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file} as UTF-8 text: {exc}")
    with console_transaction(database_url, write=True) as conn:
        report = apply_edition(
            conn,
            Actor.system(Channel.CLI),
            parse_division_csv(text),
            edition,
            file.name,
            retire_missing=not keep_missing,
        )
    console.print(
        f"Edition {edition}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.retired)} retired, {report.unchanged} unchanged."
    )
