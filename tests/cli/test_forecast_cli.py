"""`citybase forecast`: run, show, list, reproduce and scenario on the demo city."""

from __future__ import annotations

import json

from tests.cli.conftest import Invoke


def test_run_show_list_and_reproduce(cli: Invoke, demo_url: str) -> None:
    made = cli("forecast", "run", "--indicator", "GDP", "--region", "440300", "--database-url", demo_url)
    assert made.exit_code == 0, made.output
    assert "run 1: GDP 440300 by year, 24 values 2001–2024" in made.output
    assert "backtest MASE" in made.output
    assert "naive" in made.output
    assert "No value for 2018: interpolated between its neighbours" in made.output
    for period in ("2025", "2026", "2027"):
        assert period in made.output

    shown = cli("forecast", "show", "1", "--format", "json", "--database-url", demo_url)
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert [point["period"] for point in body["points"]] == ["2025", "2026", "2027"]
    assert body["mase"] is not None
    assert body["mase_naive"] is not None
    assert body["parameters"]["season_length"] == 1

    listed = cli("forecast", "list", "--database-url", demo_url)
    assert listed.exit_code == 0
    assert listed.output.splitlines()[1].split()[:5] == ["1", "GDP", "440300", "year", "3"]

    again = cli("forecast", "reproduce", "1", "--database-url", demo_url)
    assert again.exit_code == 0, again.output
    assert "run 1 reproduced: identical" in again.output


def test_failures_exit_1_with_the_reason(cli: Invoke, demo_url: str) -> None:
    short = cli("forecast", "run", "--indicator", "GDP", "--region", "440305", "--database-url", demo_url)
    assert short.exit_code == 1
    assert "GDP 440305 has 1 values by year" in short.output
    missing = cli("forecast", "show", "7", "--database-url", demo_url)
    assert missing.exit_code == 1
    assert "There is no forecast run 7" in missing.output


def test_scenario_prints_base_and_scenario(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "forecast",
        "scenario",
        "--indicator",
        "GDP",
        "--region",
        "440300",
        "--driver",
        "GDP",
        "--growth-pp",
        "1",
        "--horizon",
        "2",
        "--database-url",
        demo_url,
    )
    assert result.exit_code == 0, result.output
    assert "GDP 440300: GDP 440300 growth +1 pp" in result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["period", "base", "(亿元)", "scenario", "difference"]
    first = lines[2].split()
    assert first[0] == "2025"
    assert first[3] == "368.019"  # 1 point of the 2024 value, 36,801.87 亿元
