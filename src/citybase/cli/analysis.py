"""`citybase analysis`: growth, structure, contributions, rankings, indices, per-capita values and
aggregation from the central store, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol

import typer
from sqlalchemy import Connection

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console_transaction, fail, print_table

app = typer.Typer(help="Analysis: growth, structure, contributions, rankings, indices.", no_args_is_help=True)

FormatOption = Annotated[Literal["table", "csv", "json"], typer.Option(help="Output format.")]
AsOfOption = Annotated[
    str | None, typer.Option(help="Use the values published at this instant (ISO 8601, UTC if no zone).")
]
BasisOption = Annotated[
    Literal["yoy", "pop"], typer.Option(help="yoy: on the same period a year before; pop: on the one before.")
]
PartsOption = Annotated[
    list[str] | None,
    typer.Option("--part", help="A part of the total; repeatable (GDP: the three industries)."),
]


class Result(Protocol):
    def as_dict(self) -> dict[str, Any]: ...

    def rows(self) -> list[dict[str, Any]]: ...


def _options(as_of: str | None, status: str | None, dims: str) -> Any:
    from citybase.analysis.observations import Options

    moment = None
    if as_of:
        try:
            moment = dt.datetime.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: '{as_of}' is not an ISO 8601 date and time", 2)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return Options(as_of=moment, status=status, dims=dims)


def _run(database_url: str | None, format: str, compute: Callable[[Connection, Actor], Result]) -> None:
    with console_transaction(database_url, write=False) as conn:
        result = compute(conn, Actor.system(Channel.CLI))
    if format == "json":
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=1, default=str) + "\n")
        return
    rows = result.rows()
    columns = list(rows[0]) if rows else []
    if format == "csv":
        writer = csv.DictWriter(sys.stdout, columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    print_table(columns, [["" if row[name] is None else str(row[name]) for name in columns] for row in rows])


@app.command("growth")
def growth_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code or alias, e.g. GDP or GDP_GROWTH.")],
    region: Annotated[str, typer.Argument(help="Region code, e.g. 440300.")],
    period: Annotated[str, typer.Argument(help="Period: 2017, 2017Q3, 2017-03, 2017Q3YTD.")],
    basis: BasisOption = "yoy",
    as_of: AsOfOption = None,
    status: Annotated[str | None, typer.Option(help="Only final or provisional values.")] = None,
    dims: Annotated[str, typer.Option(help="Breakdown such as SEX=F.")] = "",
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Growth (同比/环比): % for levels (nominal), 个百分点 for percentages, published rates as stored."""
    from citybase.analysis.growth import growth

    opts = _options(as_of, status, dims)
    _run(
        database_url, format, lambda conn, actor: growth(conn, actor, indicator, region, period, basis, opts)
    )


@app.command("cagr")
def cagr_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code.")],
    region: Annotated[str, typer.Argument(help="Region code.")],
    start: Annotated[str, typer.Argument(help="First period, e.g. 2010.")],
    end: Annotated[str, typer.Argument(help="Last period, e.g. 2017.")],
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Compound annual growth between two periods (年均增长)."""
    from citybase.analysis.growth import compound_growth

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: compound_growth(conn, actor, indicator, region, start, end, opts),
    )


@app.command("structure")
def structure_command(
    region: Annotated[str, typer.Argument(help="Region code.")],
    period: Annotated[str, typer.Argument(help="Period.")],
    total: Annotated[str, typer.Option(help="The total.")] = "GDP",
    part: PartsOption = None,
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Each part's share of the total (the three-industry structure of GDP by default)."""
    from citybase.analysis.structure import structure

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: structure(conn, actor, total, region, period, part or [], opts),
    )


@app.command("contribution")
def contribution_command(
    region: Annotated[str, typer.Argument(help="Region code.")],
    period: Annotated[str, typer.Argument(help="Period.")],
    total: Annotated[str, typer.Option(help="The total.")] = "GDP",
    part: PartsOption = None,
    basis: BasisOption = "yoy",
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Each part's contribution rate (贡献率, %) and pull (拉动, 个百分点) on the total's growth."""
    from citybase.analysis.structure import contribution

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: contribution(conn, actor, total, region, period, part or [], basis, opts),
    )


@app.command("ranking")
def ranking_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code.")],
    period: Annotated[str, typer.Argument(help="Period.")],
    parent: Annotated[str | None, typer.Option(help="Parent region; the home city by default.")] = None,
    by: Annotated[Literal["level", "growth", "share"], typer.Option(help="What to rank by.")] = "level",
    basis: BasisOption = "yoy",
    order: Annotated[Literal["desc", "asc"], typer.Option(help="Largest first (desc) or smallest.")] = "desc",
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """The districts ranked by level, growth or share of the city; equal values share a rank."""
    from citybase.analysis.ranking import ranking

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: ranking(conn, actor, indicator, period, parent, by, basis, order, opts),
    )


@app.command("index")
def index_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code.")],
    region: Annotated[str, typer.Argument(help="Region code.")],
    base: Annotated[str, typer.Argument(help="Base period (= 100).")],
    start: Annotated[str | None, typer.Option(help="First period.")] = None,
    end: Annotated[str | None, typer.Option(help="Last period.")] = None,
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """The series as an index on a base period; published rates are chained."""
    from citybase.analysis.indices import index_series

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: index_series(conn, actor, indicator, region, base, start, end, opts),
    )


@app.command("per-capita")
def per_capita_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code, e.g. GDP.")],
    region: Annotated[str, typer.Argument(help="Region code.")],
    period: Annotated[str, typer.Argument(help="Period.")],
    population: Annotated[str, typer.Option(help="The population indicator.")] = "POP_RESIDENT",
    unit: Annotated[str, typer.Option(help="The unit of the result.")] = "元/人",
    population_basis: Annotated[
        Literal["year_end", "average"], typer.Option(help="Year-end population or the mean of two year-ends.")
    ] = "year_end",
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """A level over a population (人均), with the units converted."""
    from citybase.analysis.percapita import per_capita

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: per_capita(
            conn, actor, indicator, region, period, population, unit, population_basis, opts
        ),
    )


@app.command("rollup")
def rollup_command(
    indicator: Annotated[str, typer.Argument(help="Indicator code.")],
    region: Annotated[str, typer.Argument(help="Region code.")],
    period: Annotated[str, typer.Argument(help="Period.")],
    over: Annotated[Literal["regions", "time"], typer.Option(help="Sub-regions or sub-periods.")] = "regions",
    frequency: Annotated[
        str | None, typer.Option(help="Sub-periods for --over time: month, quarter.")
    ] = None,
    as_of: AsOfOption = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """A value aggregated by the indicator's rule, with how many parts reported of how many expected."""
    from citybase.analysis.rollup import rollup

    opts = _options(as_of, None, "")
    _run(
        database_url,
        format,
        lambda conn, actor: rollup(conn, actor, indicator, region, period, over, frequency, opts),
    )


@app.command("growth-share")
def growth_share_command(
    period: Annotated[str, typer.Argument(help="Period, e.g. 2024, 2024Q3, 2024-03.")],
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", help="Only this indicator; repeatable (all by default)."),
    ] = None,
    within: Annotated[str | None, typer.Option(help="Only regions inside this one (e.g. 440300).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """同比 and share among sibling regions of every value of a period, computed over the whole store."""
    from citybase.analysis.growth_share import growth_share_table

    _run(
        database_url,
        format,
        lambda conn, actor: growth_share_table(
            conn, actor, period=period, indicators=indicator or [], within=within, limit=limit
        ),
    )
