"""`citybase facts query`: series from the central store as a table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console_transaction, print_table

app = typer.Typer(help="The central store: query series.", no_args_is_help=True)


@app.command("query")
def query(
    indicator: Annotated[list[str], typer.Option(help="Indicator code or alias; repeatable.")],
    region: Annotated[list[str] | None, typer.Option(help="Region code; repeatable.")] = None,
    start: Annotated[str | None, typer.Option(help="First period (2010, 2024Q1, 2024-03).")] = None,
    end: Annotated[str | None, typer.Option(help="Last period.")] = None,
    dims: Annotated[str, typer.Option(help="Breakdown such as SEX=F; '*' for all.")] = "",
    as_of: Annotated[str | None, typer.Option(help="What was published at this instant (ISO 8601).")] = None,
    unit: Annotated[str | None, typer.Option(help="Convert to this unit.")] = None,
    format: Annotated[Literal["table", "csv", "json"], typer.Option(help="Output format.")] = "table",
    limit: Annotated[int, typer.Option(help="At most this many values.")] = 10_000,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Print values for indicators × regions × periods (CSV as the API's format=csv gives it)."""
    from citybase.facts.query import SeriesQuery, query_facts
    from citybase.facts.tabular import FACT_COLUMNS, fact_rows

    moment = None
    if as_of:
        moment = dt.datetime.fromisoformat(as_of)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    with console_transaction(database_url, write=False) as conn:
        page = query_facts(
            conn,
            Actor.system(Channel.CLI),
            SeriesQuery(
                indicators=[part for item in indicator for part in item.split(",")],
                regions=[part for item in region or [] for part in item.split(",")],
                start=start,
                end=end,
                dims=None if dims == "*" else dims,
                as_of=moment,
                unit=unit,
                limit=limit,
            ),
        )
    rows = list(fact_rows(page.items))
    if format == "csv":
        writer = csv.DictWriter(sys.stdout, FACT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    elif format == "json":
        sys.stdout.write(
            json.dumps({"items": rows, "total": page.total}, ensure_ascii=False, indent=1) + "\n"
        )
    else:
        print_table(
            ("indicator", "region", "period", "dims", "value", "unit", "status", "source", "computed"),
            [
                [
                    str(row[name])
                    for name in (
                        "indicator",
                        "region_name",
                        "period",
                        "dims",
                        "value",
                        "unit",
                        "status",
                        "source",
                        "computed",
                    )
                ]
                for row in rows
            ],
        )
