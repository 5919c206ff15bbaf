"""`citybase anomalies` against the demo city: the table with its summary, JSON, CSV, filters and
refusals."""

from __future__ import annotations

import csv
import io
import json

from citybase.analysis.anomalies_model import COLUMNS
from tests.cli.conftest import Invoke


def test_the_table_lists_findings_and_what_was_checked(cli: Invoke, demo_url: str) -> None:
    result = cli("anomalies", "--indicator", "GDP", "--kind", "relation", "--database-url", demo_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["severity", "kind", "indicator", "region", "period"]
    # GDP 深圳 2016: 19492.60 reported, 19185.14 over the districts, a gap of 307.46 (1.58 times 1%).
    assert lines[1].split() == [
        "1.58",
        "relation/sub_regions",
        "GDP",
        "440300",
        "深圳市",
        "2016",
        "19,492.6",
        "19,185.1",
        "307.458",
    ]
    assert lines[-1].startswith("1 findings (0 series, 1 relations); 0 series checked")


def test_json_and_csv(cli: Invoke, demo_url: str) -> None:
    result = cli("anomalies", "--region", "440300", "--format", "json", "--database-url", demo_url)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["total"] > 0
    land = next(item for item in body["items"] if item["indicator"] == "LAND_AREA")
    assert (land["value"], land["expected"], land["evidence"]["coverage"]) == (1997.27, 1701.95, "9/9")
    table = cli("anomalies", "--region", "440300", "--format", "csv", "--database-url", demo_url)
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert list(rows[0]) == COLUMNS
    assert [(row["indicator"], row["period"]) for row in rows] == [
        (item["indicator"], item["period"]) for item in body["items"]
    ]


def test_threshold_and_limit(cli: Invoke, demo_url: str) -> None:
    loose = json.loads(
        cli(
            "anomalies",
            "--kind",
            "series",
            "--threshold",
            "3",
            "--format",
            "json",
            "--database-url",
            demo_url,
        ).output
    )
    strict = json.loads(
        cli(
            "anomalies",
            "--kind",
            "series",
            "--threshold",
            "6",
            "--format",
            "json",
            "--database-url",
            demo_url,
        ).output
    )
    assert loose["total"] > strict["total"] > 0
    every = json.loads(
        cli("anomalies", "--limit", "1000", "--format", "json", "--database-url", demo_url).output
    )
    first = json.loads(
        cli("anomalies", "--limit", "1", "--format", "json", "--database-url", demo_url).output
    )
    assert first["total"] == every["total"] == len(every["items"])
    assert first["items"] == every["items"][:1]
    assert first["items"][0]["severity"] == max(item["severity"] for item in every["items"])


def test_refusals(cli: Invoke, demo_url: str) -> None:
    bad = cli("anomalies", "--threshold", "0", "--database-url", demo_url)
    assert bad.exit_code == 1
    assert "The threshold must be a positive number, not 0.0" in bad.output
    unknown = cli("anomalies", "--indicator", "NOPE", "--database-url", demo_url)
    assert unknown.exit_code == 1
    assert "Unknown indicator NOPE" in unknown.output
    moment = cli("anomalies", "--as-of", "yesterday", "--database-url", demo_url)
    assert moment.exit_code == 2
    assert "--as-of: 'yesterday' is not an ISO 8601 date and time" in moment.output
