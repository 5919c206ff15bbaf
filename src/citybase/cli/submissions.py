"""`citybase import` and `citybase submissions ...`: submit a file, read its audit report, decide on it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    fail,
    prepared_database,
    print_table,
    reporting_errors,
)
from citybase.errors import InvalidInput

if TYPE_CHECKING:
    from citybase.collection.intake import IntakeResult
    from citybase.collection.model import AuditLine

app = typer.Typer(
    help="Submissions: list them, read audit reports, submit or discard drafts, approve or return them.",
    no_args_is_help=True,
)

EXIT_BLOCKED = 2


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        header, sep, target = pair.partition("=")
        if not sep or not header.strip() or not target.strip():
            fail(
                "--map expects HEADER=TARGET (a column header or letter, then an indicator code "
                f"or @ignore); got {pair!r}",
                2,
            )
        mapping[header.strip()] = target.strip()
    return mapping


def import_file(
    file: Annotated[Path, typer.Argument(help="The .xlsx or .csv file, as a department would upload it.")],
    org: Annotated[str, typer.Option(help="Code of the reporting organisation.")],
    period: Annotated[
        str | None, typer.Option(help="Period of the values, where the file does not say.")
    ] = None,
    task: Annotated[str | None, typer.Option(help="Collection task this answers.")] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="Column mapping HEADER=CODE (or =@ignore); repeatable.")
    ] = None,
    explanation: Annotated[str, typer.Option(help="Explanation (说明) of audit warnings.")] = "",
    corrects: Annotated[int | None, typer.Option(help="The approved submission this corrects.")] = None,
    reason: Annotated[str, typer.Option(help="Why a correction is made.")] = "",
    cumulative: Annotated[
        bool,
        typer.Option("--cumulative", help="The values are year-to-date (年初累计): 2024Q3 is months 1-9."),
    ] = False,
    draft: Annotated[
        bool, typer.Option("--draft", help="Keep it as a draft: checked, not audited, not submitted.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Map, check and audit a file, and leave it under review. Exit 0 when no error blocks it, else 2.

    With --draft it is only read and checked, kept as a draft (exit 0), and submitted later with
    `citybase submissions submit ID`. The last line printed is `submission: ID`. Nothing reaches the
    central store until it is approved."""
    from citybase.collection.intake import submit_upload
    from citybase.collection.model import Channel as SubmissionChannel
    from citybase.collection.reading import ReadLimits

    if not file.is_file():
        fail(f"no such file: {file}", 2)
    data = file.read_bytes()
    with prepared_database(database_url) as (settings, database):
        limits = ReadLimits(max_bytes=settings.upload_max_mb * 1024 * 1024, max_rows=settings.upload_max_rows)
        try:
            with database.write() as conn:
                result = submit_upload(
                    conn,
                    Actor.system(Channel.CLI),
                    data,
                    file.name,
                    org_code=org,
                    channel=SubmissionChannel.CLI,
                    period=period,
                    task=task,
                    given=_mapping(map_),
                    limits=limits,
                    explanation=explanation,
                    corrects=corrects,
                    reason=reason,
                    cumulative=cumulative,
                    draft=draft,
                )
        except InvalidInput as error:
            with reporting_errors():
                raise error
            return  # pragma: no cover - reporting_errors exits
    _print_result(result)


def _print_result(result: IntakeResult) -> None:
    """The findings, the counts and `submission: ID` last; exit 2 when an error blocks a submission."""
    from citybase.collection.model import SubmissionStatus

    submission = result.submission
    _print_lines(result.lines)
    console.out(
        f"{submission.value_count} values, {submission.error_count} errors, "
        f"{submission.warning_count} warnings; "
        f"status {submission.status.value}",
        highlight=False,
    )
    console.out(f"submission: {submission.id}", highlight=False)
    if submission.blocked and submission.status is not SubmissionStatus.DRAFT:
        raise typer.Exit(EXIT_BLOCKED)


def _print_lines(lines: list[AuditLine]) -> None:
    if not lines:
        console.out("audit: no findings", highlight=False)
        return
    print_table(
        ("severity", "rule", "location", "message", "values"),
        [[line.severity, line.rule, line.location, line.message.render(), line.values] for line in lines],
    )


@app.command("list")
def list_command(
    status: Annotated[
        str | None, typer.Option(help="Only this status (under_review, approved, ...).")
    ] = None,
    org: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List submissions, newest first."""
    from citybase.collection.store import list_submissions

    with console_transaction(database_url, write=False) as conn:
        found = list_submissions(conn, Actor.system(Channel.CLI), status=status, org=org)
    print_table(
        ("id", "org", "status", "task", "period", "values", "errors", "warnings", "file"),
        [
            [
                str(s.id),
                s.org_code,
                s.status.value,
                s.task_code or "",
                s.task_period or s.period or "",
                str(s.value_count),
                str(s.error_count),
                str(s.warning_count),
                s.filename,
            ]
            for s in found
        ],
    )


@app.command("show")
def show(
    submission_id: Annotated[int, typer.Argument(help="Submission number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show a submission and its audit report."""
    from citybase.collection.store import get_submission, load_lines

    with console_transaction(database_url, write=False) as conn:
        actor = Actor.system(Channel.CLI)
        submission = get_submission(conn, actor, submission_id)
        lines = load_lines(conn, submission_id)
    if as_json:
        body = {**submission.as_dict(), "audit": [line.as_dict() for line in lines]}
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=1) + "\n")
        return
    for name, value in submission.as_dict().items():
        if name != "mapping":
            console.out(f"{name}: {value}", highlight=False)
    _print_lines(lines)


@app.command("submit")
def submit_command(
    submission_id: Annotated[int, typer.Argument(help="Number of the draft.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Submit a draft under its number: it is audited and waits for review. Exit 2 when an error blocks it."""
    from citybase.collection.drafts import submit_draft

    with console_transaction(database_url, write=True) as conn:
        result = submit_draft(conn, Actor.system(Channel.CLI), submission_id)
    _print_result(result)


@app.command("discard")
def discard_command(
    submission_id: Annotated[int, typer.Argument(help="Number of the draft.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Discard a draft with its values (the ledger keeps a record); a submitted one cannot be discarded."""
    from citybase.collection.drafts import discard_draft

    with console_transaction(database_url, write=True) as conn:
        draft = discard_draft(conn, Actor.system(Channel.CLI), submission_id)
    console.out(f"submission {draft.id}: discarded ({draft.value_count} values)", highlight=False)


@app.command("approve")
def approve(
    submission_id: Annotated[int, typer.Argument(help="Submission number.")],
    comment: Annotated[str, typer.Option(help="The reviewer's comment.")] = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Approve an audited submission (as the platform admin) and publish its values to the central store."""
    from citybase.collection.workflow import approve as approve_submission

    with console_transaction(database_url, write=True) as conn:
        submission = approve_submission(conn, Actor.system(Channel.CLI), submission_id, comment)
    console.out(f"submission {submission.id}: {submission.status.value}", highlight=False)


@app.command("return")
def return_command(
    submission_id: Annotated[int, typer.Argument(help="Submission number.")],
    comment: Annotated[str, typer.Option(help="Why it goes back (required).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Return a submission to its organisation with comments."""
    from citybase.collection.workflow import return_submission

    with console_transaction(database_url, write=True) as conn:
        submission = return_submission(conn, Actor.system(Channel.CLI), submission_id, comment)
    console.out(f"submission {submission.id}: {submission.status.value}", highlight=False)


@app.command("explain")
def explain_command(
    submission_id: Annotated[int, typer.Argument(help="Submission number.")],
    text: Annotated[str, typer.Option(help="The explanation (说明) of the warnings.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add the submitter's explanation of audit warnings."""
    from citybase.collection.workflow import explain

    with console_transaction(database_url, write=True) as conn:
        submission = explain(conn, Actor.system(Channel.CLI), submission_id, text)
    console.out(f"submission {submission.id}: explained", highlight=False)


@app.command("report")
def report(
    submission_id: Annotated[int, typer.Argument(help="Submission number.")],
    output: Annotated[Path, typer.Option(help="Where to write the annotated .xlsx.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the submitter's own file back with the audit findings highlighted and commented."""
    from citybase.collection.report import annotated_report

    with console_transaction(database_url, write=False) as conn:
        content = annotated_report(conn, Actor.system(Channel.CLI), submission_id, translate=None)
    output.write_bytes(content)
    console.out(f"wrote {output}", highlight=False)
