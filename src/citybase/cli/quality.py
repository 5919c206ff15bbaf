"""`citybase quality`: the data-quality board (数据质量看板) — rule violations, timeliness, conflicts and
review outcomes — as tables, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, print_table

SECTION_HELP = (
    "One section: summary, findings_by_rule, findings_by_severity, findings_by_org, findings_by_month, "
    "timeliness_by_task, timeliness_by_org, timeliness_lines, conflicts_by_indicator, conflicts_by_org, "
    "oldest_conflicts, reviews_by_org, returns (default: every one; for csv, the summary)."
)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def quality(
    start: Annotated[
        str | None, typer.Option(help="First month, YYYY-MM (default: 11 months before the end).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM (default: this month).")] = None,
    org: Annotated[str | None, typer.Option(help="Only this organisation's figures.")] = None,
    task: Annotated[str | None, typer.Option(help="Only this collection task.")] = None,
    section: Annotated[str | None, typer.Option(help=SECTION_HELP)] = None,
    format: Annotated[Literal["table", "json", "csv"], typer.Option(help="Output format.")] = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """The data-quality board: audit findings by rule, severity, organisation and month; 报送率 and 及时率;
    conflicts between sources; review outcomes and returns with their comments."""
    from citybase.quality import SECTIONS, check_section, quality_board, section_columns

    with console_transaction(database_url, write=False) as conn:
        chosen = check_section(section) if section else None
        board = quality_board(conn, Actor.system(Channel.CLI), start=start, end=end, org=org, task=task)
    if format == "json":
        document = board.as_dict() if chosen is None else {"section": chosen, "items": board.rows(chosen)}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        return
    if format == "csv":
        name = chosen or "summary"
        writer = csv.DictWriter(sys.stdout, section_columns(name), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(board.rows(name))
        return
    for name in (chosen,) if chosen else SECTIONS:
        columns = section_columns(name)
        if chosen is None:
            console.print(f"\n[bold]{name}[/]  {board.start} – {board.end}")
        print_table(columns, [[_cell(row[column]) for column in columns] for row in board.rows(name)])
