"""`citybase tasks ...`: create collection tasks, open recurring periods, see the board, get templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, print_table

app = typer.Typer(
    help="Collection tasks (报送任务): create, open periods, board, templates.", no_args_is_help=True
)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@app.command("create")
def create(
    code: Annotated[str, typer.Argument(help="Task code, e.g. GDP_QUARTERLY.")],
    name: Annotated[str, typer.Option(help="Task name shown to organisations.")],
    indicator: Annotated[list[str], typer.Option(help="Indicator code; repeatable or comma-separated.")],
    org: Annotated[
        list[str], typer.Option(help="Reporting organisation code; repeatable or comma-separated.")
    ],
    period: Annotated[str, typer.Option(help="First period (2024, 2024Q1, 2024-03).")],
    reviewer: Annotated[str, typer.Option(help="Reviewing organisation code.")] = "STATS",
    deadline: Annotated[str | None, typer.Option(help="Deadline of the first period (YYYY-MM-DD).")] = None,
    recurrence: Annotated[
        str | None, typer.Option(help="year, half, quarter or month to open each period.")
    ] = None,
    deadline_days: Annotated[int, typer.Option(help="Days after a period ends until its deadline.")] = 15,
    regions: Annotated[
        str, typer.Option(help="own, children or both: the regions each organisation reports.")
    ] = "own",
    two_level: Annotated[
        bool, typer.Option(help="Districts approve their figures before the reviewer.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a collection task; its first period opens at once."""
    from citybase.collection.tasks import create_task

    with console_transaction(database_url, write=True) as conn:
        task = create_task(
            conn,
            Actor.system(Channel.CLI),
            code=code,
            name=name,
            indicator_codes=_split(indicator),
            org_codes=_split(org),
            first_period=period,
            reviewer_org=reviewer,
            deadline=dt.date.fromisoformat(deadline) if deadline else None,
            recurrence=recurrence,
            deadline_days=deadline_days,
            region_scope=regions,
            two_level=two_level,
        )
    console.out(
        f"task {task.code}: {len(task.indicators)} indicators, {len(task.org_codes)} organisations",
        highlight=False,
    )


@app.command("list")
def list_command(database_url: DatabaseUrlOption = None) -> None:
    """List collection tasks."""
    from citybase.collection.tasks import list_tasks

    with console_transaction(database_url, write=False) as conn:
        tasks = list_tasks(conn, Actor.system(Channel.CLI))
    print_table(
        ("code", "name", "recurrence", "reviewer", "indicators", "organisations"),
        [
            [
                t.code,
                t.name,
                t.recurrence or "",
                t.reviewer_org,
                ",".join(t.indicators),
                ",".join(t.org_codes),
            ]
            for t in tasks
        ],
    )


@app.command("board")
def board(
    code: Annotated[str, typer.Argument(help="Task code.")],
    period: Annotated[str | None, typer.Option(help="Period (default: the latest open one).")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Who has reported: state per organisation, overdue flags, completion and timeliness rates."""
    from citybase.collection.tasks import task_board

    with console_transaction(database_url, write=False) as conn:
        found = task_board(conn, Actor.system(Channel.CLI), code, period)
    print_table(
        ("org", "name", "state", "submission", "on time", "overdue"),
        [
            [
                line.org_code,
                line.org_name,
                line.state,
                str(line.submission_id or ""),
                "yes" if line.on_time else "",
                "OVERDUE" if line.overdue else "",
            ]
            for line in found.lines
        ],
    )
    console.out(
        f"{found.task.code} {found.period.period} (deadline {found.period.deadline}): "
        f"completion {found.completion_rate:.0%}, timeliness {found.timeliness_rate:.0%}",
        highlight=False,
    )


@app.command("open-due")
def open_due(
    today: Annotated[str | None, typer.Option(help="Act as if today were this date (YYYY-MM-DD).")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Open recurring tasks' periods that have ended, and remind organisations of near deadlines."""
    from citybase.collection.tasks import open_due_periods, remind_deadlines

    day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    with console_transaction(database_url, write=True) as conn:
        actor = Actor.system(Channel.CLI)
        opened = open_due_periods(conn, actor, day)
        reminded = remind_deadlines(conn, actor, day)
    for code, period in opened:
        console.out(f"opened {code} {period}", highlight=False)
    console.out(f"{len(opened)} periods opened, {reminded} reminders sent", highlight=False)


@app.command("template")
def template(
    code: Annotated[str, typer.Argument(help="Task code.")],
    org: Annotated[str, typer.Option(help="Organisation the template is for.")],
    output: Annotated[Path, typer.Option(help="Where to write the .xlsx.")],
    period: Annotated[str | None, typer.Option(help="Period (default: the latest open one).")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the Excel template for one organisation and period, prefilled with its rows and columns."""
    from citybase.collection.templating import task_template

    with console_transaction(database_url, write=False) as conn:
        content = task_template(conn, Actor.system(Channel.CLI), code, org, period)
    output.write_bytes(content)
    console.out(f"wrote {output}", highlight=False)
