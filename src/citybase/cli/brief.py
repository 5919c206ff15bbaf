"""`citybase brief`: the analysis brief (形势分析报告) for a region and period, as .docx, .xlsx or JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, fail


def brief(
    period: Annotated[str, typer.Option(help="Period of GDP: 2017, 2023Q3, 2023H1.")],
    region: Annotated[str | None, typer.Option(help="Region code (default: the home region).")] = None,
    format: Annotated[Literal["docx", "xlsx", "json"], typer.Option(help="Output format.")] = "docx",
    output: Annotated[
        Path | None, typer.Option(help="File to write (default: brief-REGION-PERIOD.FORMAT; '-' for stdout).")
    ] = None,
    forecast: Annotated[bool, typer.Option(help="Include the forecast section.")] = True,
    horizon: Annotated[int, typer.Option(help="Periods to forecast.", min=1, max=12)] = 3,
    as_of: Annotated[
        str | None, typer.Option(help="Use the values published then (ISO 8601, UTC if no zone).")
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the analysis brief: key figures, structure, districts, changes, forecast and data notes."""
    from citybase.analysis.brief import BriefOptions, make_brief
    from citybase.analysis.brief_docx import brief_docx
    from citybase.analysis.brief_xlsx import brief_xlsx

    moment = None
    if as_of:
        try:
            moment = dt.datetime.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: '{as_of}' is not an ISO 8601 date and time", 2)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    options = BriefOptions(as_of=moment, forecast=forecast, horizon=horizon)
    with console_transaction(database_url, write=False) as conn:
        found = make_brief(conn, Actor.system(Channel.CLI), region, period, options)
    if format == "json":
        content = (json.dumps(found.as_dict(), ensure_ascii=False, indent=1, default=str) + "\n").encode()
    else:
        content = brief_docx(found) if format == "docx" else brief_xlsx(found)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(content)
        return
    target = output or Path(f"{found.filename}.{format}")
    target.write_bytes(content)
    console.print(f"{found.title}: wrote {target} ({len(content):,} bytes)")
    if found.gaps:
        console.print(f"{len(found.gaps)} part(s) left out for want of data; see the data notes")
