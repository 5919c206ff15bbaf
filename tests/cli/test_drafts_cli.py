"""`citybase import --draft` and `--cumulative`, `citybase submissions submit` and `discard`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citybase.storage import connect_database
from tests.cli.conftest import Invoke
from tests.cli.test_cli import succeeded


def _submission_id(output: str) -> str:
    found = re.fullmatch(r"submission: (\d+)", output.strip().splitlines()[-1])
    assert found, output
    return found.group(1)


def _periods(url: str, submission: str) -> list[str]:
    from sqlalchemy import select

    from citybase.collection.tables import submission_values

    database = connect_database(url)
    try:
        with database.read() as conn:
            return list(
                conn.execute(
                    select(submission_values.c.period)
                    .where(submission_values.c.submission_id == int(submission))
                    .order_by(submission_values.c.id)
                ).scalars()
            )
    finally:
        database.dispose()


@pytest.mark.parametrize("command", [("submissions", "submit"), ("submissions", "discard")])
def test_draft_commands_have_help(cli: Invoke, command: tuple[str, ...]) -> None:
    assert "Usage:" in succeeded(cli(*command, "--help")).output


def test_import_a_draft_then_submit_it(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "nanshan.csv"
    sheet.write_bytes("地区,地区生产总值\n南山区,2100.5\n罗湖区,abc\n".encode())
    kept = cli(
        "import", str(sheet), "--org", "STATS", "--period", "2024Q1", "--draft", "--database-url", demo_url
    )
    assert kept.exit_code == 0, kept.output  # a draft is not blocked by its findings
    draft = _submission_id(kept.output)
    assert "status draft" in kept.output
    assert "nanshan!B3" in kept.output
    submitted = cli("submissions", "submit", draft, "--database-url", demo_url)
    assert submitted.exit_code == 2, submitted.output  # audited now: the bad cell blocks it
    assert _submission_id(submitted.output) == draft
    assert "status audit_failed" in submitted.output
    again = cli("submissions", "submit", draft, "--database-url", demo_url)
    assert again.exit_code == 1
    assert f"Submission {draft} is audit_failed; only a draft can be submitted" in again.output


def test_discard_a_draft_and_refuse_a_submission(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "good.csv"
    sheet.write_bytes("地区,地区生产总值\n南山区,2100.5\n".encode())
    draft = _submission_id(
        succeeded(
            cli(
                "import",
                str(sheet),
                "--org",
                "STATS",
                "--period",
                "2024Q1",
                "--draft",
                "--database-url",
                demo_url,
            )
        ).output
    )
    assert succeeded(cli("submissions", "discard", draft, "--database-url", demo_url)).output.strip() == (
        f"submission {draft}: discarded (1 values)"
    )
    tombstone = succeeded(cli("submissions", "show", draft, "--database-url", demo_url)).output
    assert "discarded" in tombstone
    submitted = _submission_id(
        succeeded(
            cli("import", str(sheet), "--org", "STATS", "--period", "2024Q1", "--database-url", demo_url)
        ).output
    )
    refused = cli("submissions", "discard", submitted, "--database-url", demo_url)
    assert refused.exit_code == 1
    assert "only a draft can be discarded" in refused.output
    assert (
        "status: under_review"
        in succeeded(cli("submissions", "show", submitted, "--database-url", demo_url)).output
    )


def test_import_cumulative(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "ytd.csv"
    sheet.write_bytes(b"region,period,FINANCE_VA\n440300,2024Q2,2100\n440300,2024Q3,3300\n")
    result = succeeded(
        cli("import", str(sheet), "--org", "STATS", "--cumulative", "--database-url", demo_url)
    )
    assert _periods(demo_url, _submission_id(result.output)) == ["2024H1", "2024Q3YTD"]
    stock = tmp_path / "stock.csv"
    stock.write_bytes(b"region,period,POP_RESIDENT\n440300,2024,1700\n")
    refused = cli("import", str(stock), "--org", "STATS", "--cumulative", "--database-url", demo_url)
    assert refused.exit_code == 2
    assert "POP_RESIDENT is a stock indicator, not a flow" in refused.output
