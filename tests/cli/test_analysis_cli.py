"""`citybase analysis` against the demo city: each command in each format, --as-of, and refusals."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.conftest import Invoke


def test_growth_as_json_table_and_csv(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "analysis", "growth", "GDP", "440300", "2017", "--format", "json", "--database-url", demo_url
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["value"] == pytest.approx((22490.06 / 19492.6012 - 1) * 100)
    assert (body["price_basis"], body["previous"]["value"]) == ("nominal", 19492.6012)
    table = cli("analysis", "growth", "GDP", "440300", "2017", "--database-url", demo_url)
    assert table.exit_code == 0
    assert "15.377" in table.output
    assert "nominal" in table.output
    rows = list(
        csv.DictReader(
            io.StringIO(
                cli(
                    "analysis",
                    "growth",
                    "GDP",
                    "440300",
                    "2017",
                    "--format",
                    "csv",
                    "--database-url",
                    demo_url,
                ).output
            )
        )
    )
    assert rows[0]["current_value"] == "22490.06"


def test_as_of_before_anything_was_published_finds_nothing(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "analysis", "growth", "GDP", "440300", "2017", "--as-of", "2000-01-01", "--database-url", demo_url
    )
    assert result.exit_code == 1
    assert "No value of GDP for region 440300 in 2017" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("structure", "440300", "2022"), "VA_TERTIARY"),
        (("contribution", "440300", "2017"), "VA_SECONDARY"),
        (("ranking", "GDP", "2016", "--by", "share"), "440305"),
        (("index", "GDP", "440300", "2010", "--start", "2015"), "2017"),
        (("cagr", "GDP", "440300", "2010", "2017"), "12.96"),
        (("per-capita", "GDP", "440300", "2019", "--population-basis", "average"), "203489"),
        (("rollup", "GDP", "440300", "2016"), "9/9"),
    ],
)
def test_each_command(cli: Invoke, demo_url: str, args: tuple[str, ...], expected: str) -> None:
    result = cli("analysis", *args, "--format", "csv", "--database-url", demo_url)
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_refusals(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "analysis",
        "per-capita",
        "GDP",
        "440305",
        "2016",
        "--population",
        "LAND_AREA",
        "--database-url",
        demo_url,
    )
    assert result.exit_code == 1
    assert "LAND_AREA is not a population" in result.output
    result = cli(
        "analysis", "growth", "GDP", "440300", "2017", "--as-of", "yesterday", "--database-url", demo_url
    )
    assert result.exit_code == 2
    assert "not an ISO 8601" in result.output


def test_growth_share_for_a_period(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "analysis",
        "growth-share",
        "2017",
        "--indicator",
        "GDP",
        "--format",
        "json",
        "--database-url",
        demo_url,
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    city = next(item for item in body["items"] if item["region"] == "440300")
    assert city["growth"] == pytest.approx((22490.06 / 19492.6012 - 1) * 100, abs=1e-4)
    table = cli(
        "analysis", "growth-share", "2016", "--within", "440305", "--limit", "5", "--database-url", demo_url
    )
    assert table.exit_code == 0, table.output
    assert "440305" in table.output
    refused = cli("analysis", "growth-share", "someday", "--database-url", demo_url)
    assert refused.exit_code != 0
    assert "'someday' is not a period" in refused.output
