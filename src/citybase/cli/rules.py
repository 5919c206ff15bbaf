"""`citybase rules ...`: write audit rules, try them on stored data, switch them on and off."""

from __future__ import annotations

from typing import Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, fail, print_table

app = typer.Typer(help="Audit rules (审核规则): add, try, enable, disable, list.", no_args_is_help=True)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Rule code, e.g. GDP_BALANCE.")],
    expression: Annotated[
        str, typer.Argument(help="The rule, e.g. 'GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%'.")
    ],
    name: Annotated[str, typer.Option(help="What the rule checks, in words.")] = "",
    severity: Annotated[
        str, typer.Option(help="error (blocks) or warning (needs an explanation).")
    ] = "error",
    message: Annotated[str, typer.Option(help="Text shown to submitters.")] = "",
    group: Annotated[str, typer.Option(help="Group the rule belongs to.")] = "",
    enable: Annotated[bool, typer.Option(help="Switch it on at once.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add a rule, or change one (a new version)."""
    from citybase.audit.model import RuleSpec, Severity
    from citybase.audit.rules import save_rule

    with console_transaction(database_url, write=True) as conn:
        if severity not in ("error", "warning"):
            fail(f"--severity must be error or warning, not {severity!r}", 2)
        spec = RuleSpec(code, name, expression, Severity(severity), message)
        rule = save_rule(conn, Actor.system(Channel.CLI), spec, group=group, active=True if enable else None)
    console.out(f"rule {rule.code} v{rule.version} ({'on' if rule.active else 'off'})", highlight=False)


@app.command("try")
def try_rule(
    code: Annotated[str, typer.Argument(help="Rule code (saved), or a name for the expression given.")],
    start: Annotated[str, typer.Option(help="First period of stored data to try it on.")],
    end: Annotated[str, typer.Option(help="Last period.")],
    expression: Annotated[
        str | None, typer.Option(help="Try this expression instead of the saved one.")
    ] = None,
    severity: Annotated[str, typer.Option(help="error or warning.")] = "error",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Run a rule over stored values and print what it would find, without switching it on."""
    from citybase.audit.model import RuleSpec, Severity
    from citybase.audit.rules import get_rule, trial_run

    with console_transaction(database_url, write=False) as conn:
        actor = Actor.system(Channel.CLI)
        if expression is None:
            spec = get_rule(conn, actor, code).spec
        else:
            spec = RuleSpec(code.upper(), code, expression, Severity(severity))
        checked, findings = trial_run(conn, actor, spec, start=start, end=end)
    print_table(
        ("severity", "indicator", "region", "period", "values", "expected"),
        [
            [
                f.severity.value,
                f.key[0],
                f.key[1],
                f.key[2],
                "; ".join(f"{n} = {v}" for n, v in f.values),
                f.expected,
            ]
            for f in findings
        ],
    )
    console.out(f"{checked} values checked, {len(findings)} findings", highlight=False)


def _switch(code: str, active: bool, database_url: str | None) -> None:
    from citybase.audit.rules import set_rule_active

    with console_transaction(database_url, write=True) as conn:
        rule = set_rule_active(conn, Actor.system(Channel.CLI), code, active)
    console.out(f"rule {rule.code} v{rule.version} ({'on' if rule.active else 'off'})", highlight=False)


@app.command("enable")
def enable(
    code: Annotated[str, typer.Argument(help="Rule code.")], database_url: DatabaseUrlOption = None
) -> None:
    """Switch a rule on."""
    _switch(code, True, database_url)


@app.command("disable")
def disable(
    code: Annotated[str, typer.Argument(help="Rule code.")], database_url: DatabaseUrlOption = None
) -> None:
    """Switch a rule off."""
    _switch(code, False, database_url)


@app.command("list")
def list_command(database_url: DatabaseUrlOption = None) -> None:
    """List rules with their versions and whether they are on."""
    from citybase.audit.rules import list_rules

    with console_transaction(database_url, write=False) as conn:
        rules = list_rules(conn, Actor.system(Channel.CLI))
    print_table(
        ("code", "version", "on", "severity", "expression", "name"),
        [
            [r.code, str(r.version), "on" if r.active else "off", r.severity, r.expression, r.name]
            for r in rules
        ],
    )
