"""`citybase targets`: set, list and remove the targets indicators are measured against (目标)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, print_table

app = typer.Typer(help="Indicator targets (目标) and the progress towards them.", no_args_is_help=True)

Kind = Literal["level", "growth"]
KindOption = Annotated[Kind, typer.Option("--kind", help="level: a value to reach; growth: a yoy rate in %")]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@app.command("set")
def set_(
    indicator: Annotated[str, typer.Option("--indicator", help="Indicator code, e.g. GDP")],
    region: Annotated[str, typer.Option("--region", help="Region code, e.g. 440300")],
    period: Annotated[str, typer.Option("--period", help="The period, e.g. 2024")],
    value: Annotated[float, typer.Option("--value", help="The level, or the growth rate in %")],
    kind: KindOption = "level",
    note: Annotated[str, typer.Option("--note", help="Where the target comes from")] = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Set or replace one target (as the console operator)."""
    from citybase.analysis.targets import set_target

    with console_transaction(database_url, write=True) as conn:
        found = set_target(conn, Actor.system(Channel.CLI), indicator, region, period, kind, value, note)
    console.print(
        f"target set: {found.indicator} {found.region} {found.period} {found.kind} "
        f"{found.value:g} {found.unit}"
    )


@app.command("list")
def list_(
    indicator: Annotated[str | None, typer.Option("--indicator")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    period: Annotated[str | None, typer.Option("--period")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Targets with the latest actual value in their period and how far it has come."""
    from citybase.analysis.targets import list_targets, progress

    with console_transaction(database_url, write=False) as conn:
        actor = Actor.system(Channel.CLI)
        found = [
            progress(conn, actor, item)
            for item in list_targets(conn, actor, indicator=indicator, region=region, period=period)
        ]
    print_table(
        (
            "indicator",
            "region",
            "period",
            "kind",
            "target",
            "unit",
            "actual",
            "actual period",
            "basis",
            "%",
            "gap",
            "on track",
        ),
        [
            (
                item.target.indicator,
                item.target.region,
                item.target.period,
                item.target.kind,
                _number(item.target.value),
                item.target.unit,
                _number(item.actual),
                item.actual_period or "—",
                item.price_basis or "—",
                _number(item.percent),
                _number(item.gap),
                "—" if item.on_track is None else ("yes" if item.on_track else "no"),
            )
            for item in found
        ],
    )


@app.command("remove")
def remove(
    indicator: Annotated[str, typer.Option("--indicator")],
    region: Annotated[str, typer.Option("--region")],
    period: Annotated[str, typer.Option("--period")],
    kind: KindOption = "level",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Remove one target."""
    from citybase.analysis.targets import remove_target

    with console_transaction(database_url, write=True) as conn:
        found = remove_target(conn, Actor.system(Channel.CLI), indicator, region, period, kind)
    console.print(f"target removed: {found.indicator} {found.region} {found.period} {found.kind}")
