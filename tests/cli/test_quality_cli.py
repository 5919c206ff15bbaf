"""`citybase quality` on the hand-made history of tests/quality/history.py: tables, JSON and CSV, one
section or all of them, and bad input refused."""

from __future__ import annotations

import csv
import io
import json

import pytest

from citybase.accounts.actor import Actor
from citybase.storage import Database
from tests.cli.conftest import Invoke
from tests.cli.test_cli import succeeded
from tests.quality.history import RETURN_COMMENT, History, build_history

MONTHS = ("--start", "2030-01", "--end", "2030-03")


@pytest.fixture
def history(db: Database, system: Actor) -> History:
    return build_history(db, system)


def test_json(cli: Invoke, demo_url: str, history: History) -> None:
    result = succeeded(cli("quality", *MONTHS, "--format", "json", "--database-url", demo_url))
    body = json.loads(result.stdout)
    assert (body["scope"], body["summary"]["submissions"], body["summary"]["open_conflicts"]) == ("all", 4, 2)
    assert [(r["org"], r["audit_failed"], r["pending"]) for r in body["reviews"]["by_org"]] == [
        ("FUTIAN", 1, 1),
        ("LUOHU", 0, 0),
        ("NANSHAN", 0, 0),
    ]
    one = succeeded(
        cli("quality", *MONTHS, "--section", "returns", "--format", "json", "--database-url", demo_url)
    )
    assert json.loads(one.stdout) == {"section": "returns", "items": body["reviews"]["returns"]}


def test_csv_of_one_section(cli: Invoke, demo_url: str, history: History) -> None:
    args = (
        "quality",
        *MONTHS,
        "--section",
        "findings_by_rule",
        "--format",
        "csv",
        "--database-url",
        demo_url,
    )
    rows = list(csv.DictReader(io.StringIO(succeeded(cli(*args)).stdout)))
    assert [(row["rule"], row["severity"], row["findings"]) for row in rows] == [
        ("GDP_BALANCE", "error", "1"),
        ("TERTIARY_WITHIN_GDP", "error", "1"),
        ("GDP_PAIR", "warning", "1"),
    ]


def test_tables(cli: Invoke, demo_url: str, history: History) -> None:
    everything = succeeded(cli("quality", *MONTHS, "--database-url", demo_url)).stdout
    for name in ("summary", "findings_by_month", "timeliness_by_org", "oldest_conflicts", "returns"):
        assert f"{name}  2030-01 – 2030-03" in everything
    assert RETURN_COMMENT in everything
    lines = succeeded(
        cli("quality", *MONTHS, "--org", "FUTIAN", "--section", "reviews_by_org", "--database-url", demo_url)
    ).stdout.splitlines()
    assert lines[0].split() == [
        "org",
        "org_name",
        "submissions",
        "approved",
        "returned",
        "audit_failed",
        "pending",
    ]
    assert lines[1].split() == ["FUTIAN", "深圳市福田区人民政府", "2", "0", "0", "1", "1"]
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--section", "nope"), "Unknown section 'nope'"),
        (
            ("--start", "2030-04", "--end", "2030-03"),
            "The start month 2030-04 is after the end month 2030-03",
        ),
        (("--org", "NOWHERE"), "Unknown organisation NOWHERE"),
    ],
)
def test_bad_input_exits_1(cli: Invoke, demo_url: str, args: tuple[str, ...], text: str) -> None:
    result = cli("quality", *args, "--database-url", demo_url)
    assert result.exit_code == 1
    assert text in result.stderr
