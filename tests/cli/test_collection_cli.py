"""`citybase import`, `submissions`, `tasks` and `rules` as a user runs them, against the demo city."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from citybase.storage import connect_database
from tests.cli.conftest import Invoke
from tests.cli.test_cli import succeeded


def _facts_from(url: str, submission: str) -> int:
    from sqlalchemy import func, select

    from citybase.facts.tables import facts

    database = connect_database(url)
    try:
        with database.read() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(facts)
                    .where(facts.c.origin == f"submission:{submission}")
                ).scalar_one()
            )
    finally:
        database.dispose()


def _submission_id(output: str) -> str:
    last = output.strip().splitlines()[-1]
    found = re.fullmatch(r"submission: (\d+)", last)
    assert found, output
    return found.group(1)


@pytest.mark.parametrize(
    "command", [("import",), ("submissions", "approve"), ("tasks", "board"), ("rules", "try")]
)
def test_new_commands_have_help(cli: Invoke, command: tuple[str, ...]) -> None:
    assert "Usage:" in succeeded(cli(*command, "--help")).output


def test_import_then_approve(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "南山区2024年一季度.csv"
    sheet.write_bytes("地区,地区生产总值,第三产业增加值\n南山区,2100.5,1400\n".encode("gbk"))
    result = cli("import", str(sheet), "--org", "NANSHAN", "--period", "2024Q1", "--database-url", demo_url)
    assert result.exit_code == 0, result.output
    submission = _submission_id(result.output)
    assert "under_review" in result.output
    assert _facts_from(demo_url, submission) == 0
    succeeded(cli("submissions", "approve", submission, "--database-url", demo_url))
    assert _facts_from(demo_url, submission) == 2


def test_import_with_errors_exits_2_and_publishes_nothing(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("地区,地区生产总值\n南山区,2100\n粤海街道,二千\n火星区,3\n", encoding="utf-8")
    result = cli("import", str(sheet), "--org", "NANSHAN", "--period", "2024Q1", "--database-url", demo_url)
    assert result.exit_code == 2, result.output
    submission = _submission_id(result.output)
    assert "bad!B3" in result.output
    assert "火星区" in result.output
    approve = cli("submissions", "approve", submission, "--database-url", demo_url)
    assert approve.exit_code != 0
    assert _facts_from(demo_url, submission) == 0


def test_unreadable_file_exits_2(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "broken.xlsx"
    sheet.write_bytes(b"not a workbook at all")
    result = cli("import", str(sheet), "--org", "NANSHAN", "--database-url", demo_url)
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_rule_error_blocks_the_import(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    succeeded(
        cli(
            "rules",
            "add",
            "GDP_POSITIVE_TERTIARY",
            "VA_TERTIARY <= GDP",
            "--enable",
            "--database-url",
            demo_url,
        )
    )
    sheet = tmp_path / "q.csv"
    sheet.write_text("region,GDP,VA_TERTIARY\n440305,100,120\n", encoding="utf-8")
    result = cli("import", str(sheet), "--org", "STATS", "--period", "2024Q1", "--database-url", demo_url)
    assert result.exit_code == 2, result.output
    assert "GDP_POSITIVE_TERTIARY" in result.output
    listed = succeeded(cli("rules", "list", "--database-url", demo_url)).output
    assert "GDP_POSITIVE_TERTIARY" in listed
    tried = succeeded(
        cli(
            "rules",
            "try",
            "GDP_POSITIVE_TERTIARY",
            "--start",
            "2010",
            "--end",
            "2017",
            "--database-url",
            demo_url,
        )
    )
    assert "values checked" in tried.output


def test_task_board_template_and_report(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    succeeded(
        cli(
            "tasks",
            "create",
            "GDP_Q",
            "--name",
            "季度GDP",
            "--indicator",
            "GDP,VA_TERTIARY",
            "--org",
            "NANSHAN,FUTIAN",
            "--period",
            "2024Q1",
            "--deadline",
            "2024-04-15",
            "--database-url",
            demo_url,
        )
    )
    template = tmp_path / "t.xlsx"
    succeeded(
        cli(
            "tasks",
            "template",
            "GDP_Q",
            "--org",
            "NANSHAN",
            "--output",
            str(template),
            "--database-url",
            demo_url,
        )
    )
    book = openpyxl.load_workbook(template)
    book.worksheets[0].cell(row=5, column=3).value = -1  # below GDP's valid range
    book.save(template)
    result = cli("import", str(template), "--org", "NANSHAN", "--database-url", demo_url)
    assert result.exit_code == 2, result.output
    submission = _submission_id(result.output)
    report = tmp_path / "report.xlsx"
    succeeded(cli("submissions", "report", submission, "--output", str(report), "--database-url", demo_url))
    annotated = openpyxl.load_workbook(report)
    assert annotated.sheetnames[0] == "审核报告"
    board = succeeded(cli("tasks", "board", "GDP_Q", "--database-url", demo_url)).output
    assert "NANSHAN" in board
    assert "completion 0%" in board
