"""`citybase anomalies`: values that break their series' pattern and relations that do not hold, across the
whole store, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, fail, print_table

TABLE_COLUMNS = [
    "severity",
    "kind",
    "indicator",
    "region",
    "period",
    "dims",
    "value",
    "expected",
    "score",
    "gap",
]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.6g}"


def anomalies(
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only this indicator; repeatable.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Only this region code.")] = None,
    category: Annotated[str | None, typer.Option(help="Only indicators in this category.")] = None,
    kind: Annotated[
        Literal["series", "relation"] | None,
        typer.Option(help="series: pattern breaks; relation: parts or sub-regions that do not add up."),
    ] = None,
    threshold: Annotated[float, typer.Option(help="Modified z-score beyond which a value is a break.")] = 3.5,
    tolerance: Annotated[
        float, typer.Option(help="Gap allowed between a region and the sum of its sub-regions, in %.")
    ] = 1.0,
    as_of: Annotated[
        str | None, typer.Option(help="Use the values published at this instant (ISO 8601, UTC if no zone).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many findings.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many findings first.")] = 0,
    format: Annotated[Literal["table", "csv", "json"], typer.Option(help="Output format.")] = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Anomalies across the store: series breaks (robust, seasonal-aware) and broken relations (a total
    against its parts, a region against its sub-regions), most severe first, with their evidence."""
    from citybase.analysis.anomalies import find_anomalies
    from citybase.analysis.anomalies_model import COLUMNS, AnomalyQuery

    moment = None
    if as_of:
        try:
            moment = dt.datetime.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: '{as_of}' is not an ISO 8601 date and time", 2)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    query = AnomalyQuery(
        indicators=indicator or [],
        region=region,
        category=category,
        kind=kind,
        threshold=threshold,
        tolerance=tolerance,
        as_of=moment,
        limit=limit,
        offset=offset,
    )
    with console_transaction(database_url, write=False) as conn:
        report = find_anomalies(conn, Actor.system(Channel.CLI), query)
    if format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
        return
    if format == "csv":
        writer = csv.DictWriter(sys.stdout, COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(report.rows())
        return
    rows = [
        [
            f"{item.severity:.2f}",
            f"{item.kind.value}/{item.method.value}",
            item.indicator,
            f"{item.region} {item.region_name}",
            item.period,
            item.dims,
            _number(item.value),
            _number(item.expected),
            _number(item.score),
            _number(item.gap),
        ]
        for item in report.items
    ]
    print_table(TABLE_COLUMNS, rows)
    summary = report.as_dict()["summary"]
    console.out(
        f"{report.total} findings ({summary['findings'].get('series', 0)} series, "
        f"{summary['findings'].get('relation', 0)} relations); {report.series_checked} series checked, "
        f"{report.series_short} too short to judge; {report.relations_checked} relations checked, "
        f"{report.relations_incomplete} left out for incomplete sub-regions",
        highlight=False,
    )
