"""`citybase targets`: set, list (with progress) and remove on the demo city; failures exit 1, naming why."""

from __future__ import annotations

from tests.cli.conftest import Invoke


def test_set_list_and_remove(cli: Invoke, demo_url: str) -> None:
    where = ("--indicator", "GDP", "--region", "440300", "--period", "2025")
    made = cli(
        "targets",
        "set",
        *where,
        "--kind",
        "growth",
        "--value",
        "5.5",
        "--note",
        "plan",
        "--database-url",
        demo_url,
    )
    assert made.exit_code == 0, made.output
    assert "target set: GDP 440300 2025 growth 5.5 %" in made.output

    listed = cli("targets", "list", "--indicator", "GDP", "--database-url", demo_url)
    assert listed.exit_code == 0, listed.output
    lines = [line.split() for line in listed.output.splitlines()]
    assert lines[0][:5] == ["indicator", "region", "period", "kind", "target"]
    by_key = {(line[2], line[3]): line for line in lines[1:]}
    assert set(by_key) == {("2024", "growth"), ("2024", "level"), ("2025", "growth")}
    # 2024: the published 5.8 % at comparable prices against 6 %: 0.2 points short.
    assert by_key[("2024", "growth")][6:] == ["5.8", "2024", "comparable", "—", "-0.2", "no"]
    assert by_key[("2025", "growth")][6] == "—"

    retail = cli("targets", "list", "--indicator", "RETAIL_SALES", "--database-url", demo_url)
    assert retail.output.splitlines()[1].split()[6:10] == ["7646.98", "2023Q3YTD", "—", "72.83"]

    gone = cli("targets", "remove", *where, "--kind", "growth", "--database-url", demo_url)
    assert gone.exit_code == 0, gone.output
    assert "target removed: GDP 440300 2025 growth" in gone.output
    again = cli("targets", "remove", *where, "--kind", "growth", "--database-url", demo_url)
    assert again.exit_code == 1
    assert "There is no growth target of GDP for region 440300 in 2025" in again.output


def test_bad_input_exits_1_naming_it(cli: Invoke, demo_url: str) -> None:
    bad = ("targets", "set", "--indicator", "GDP", "--region", "440300", "--period", "2025Q5", "--value", "1")
    refused = cli(*bad, "--database-url", demo_url)
    assert refused.exit_code == 1
    assert "2025Q5" in refused.output
    unknown = cli("targets", "list", "--indicator", "NOPE", "--database-url", demo_url)
    assert unknown.exit_code == 1
    assert "Unknown indicator NOPE" in unknown.output
