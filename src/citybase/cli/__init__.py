"""The `citybase` command: thin Typer commands over the domain services."""

from __future__ import annotations

import typer

from citybase import __version__
from citybase.cli import (
    analysis,
    anomalies,
    brief,
    dashboards,
    db,
    demo,
    facts,
    forecast,
    indicators,
    ledger,
    orgs,
    quality,
    regions,
    rules,
    serve,
    submissions,
    targets,
    tasks,
    tokens,
    users,
)

app = typer.Typer(
    name="citybase",
    help="CityBase — the city's public base database (智慧城市公共基础数据库).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="user")
app.add_typer(orgs.app, name="org")
app.add_typer(tokens.app, name="token")
app.add_typer(ledger.app, name="ledger")
app.add_typer(regions.app, name="regions")
app.add_typer(indicators.app, name="indicators")
app.add_typer(facts.app, name="facts")
app.command("import")(submissions.import_file)
app.add_typer(submissions.app, name="submissions")
app.add_typer(tasks.app, name="tasks")
app.add_typer(rules.app, name="rules")
app.add_typer(forecast.app, name="forecast")
app.add_typer(analysis.app, name="analysis")
app.command("brief")(brief.brief)
app.add_typer(dashboards.app, name="dashboards")
app.add_typer(targets.app, name="targets")
app.command("quality")(quality.quality)
app.command("anomalies")(anomalies.anomalies)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citybase {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """CityBase — the city's public base database (智慧城市公共基础数据库)."""


def main() -> None:
    app()
