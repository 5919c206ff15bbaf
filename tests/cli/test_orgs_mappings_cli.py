"""`citybase org mappings | map | unmap | mappings-import`: an organisation's code mappings at the console."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.cli.test_cli import failed_cleanly, scalar, succeeded


@pytest.mark.parametrize("command", ["mappings", "map", "unmap", "mappings-import"])
def test_mapping_commands_have_help(cli: Invoke, command: str) -> None:
    assert "Usage:" in succeeded(cli("org", command, "--help")).output


def test_map_list_unmap(cli: Invoke, demo_url: str) -> None:
    db = ("--database-url", demo_url)
    made = succeeded(
        cli("org", "map", "NANSHAN", "--kind", "region", "--local", "南山片区", "--standard", "440305", *db)
    )
    assert made.output.strip() == "NANSHAN: region 南山片区 → 440305 (南山区)"
    succeeded(
        cli("org", "map", "NANSHAN", "--kind", "indicator", "--local", "本区GDP", "--standard", "gdp", *db)
    )
    listed = succeeded(cli("org", "mappings", "NANSHAN", *db)).output.splitlines()
    assert [line.split() for line in listed] == [
        ["kind", "local", "code", "standard", "code", "standard", "name", "updated", "by"],
        ["indicator", "本区GDP", "GDP", "地区生产总值", "system"],
        ["region", "南山片区", "440305", "南山区", "system"],
        ["2", "mappings"],
    ]
    only = succeeded(cli("org", "mappings", "NANSHAN", "--kind", "region", "--format", "csv", *db)).output
    rows = list(csv.DictReader(io.StringIO(only)))
    assert [(row["kind"], row["local_code"], row["standard_code"], row["standard_name"]) for row in rows] == [
        ("region", "南山片区", "440305", "南山区")
    ]
    gone = succeeded(cli("org", "unmap", "NANSHAN", "--kind", "region", "--local", "南山片区", *db))
    assert gone.output.strip() == "NANSHAN: removed region 南山片区 → 440305"
    assert scalar(demo_url, "SELECT count(*) FROM code_mappings") == 1
    again = failed_cleanly(cli("org", "unmap", "NANSHAN", "--kind", "region", "--local", "南山片区", *db))
    assert "NANSHAN has no region mapping for '南山片区'" in again


def test_map_refuses_an_unknown_standard_code(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "org", "map", "NANSHAN", "--kind", "region", "--local", "NS01", "--standard", "449999",
        "--database-url", demo_url,
    )  # fmt: skip
    failed_cleanly(result)
    assert "column standard_code: Unknown region code 449999" in result.stderr
    assert scalar(demo_url, "SELECT count(*) FROM code_mappings") == 0


def test_import_lists_every_bad_row_and_keeps_nothing(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "对照.csv"
    bad.write_bytes(
        "类型,本单位代码或名称,标准代码\n地区,NS01,440305\n指标,本区GDP,NOPE\n街道,NS02,440305\n".encode(
            "gbk"
        )
    )
    result = cli("org", "mappings-import", "NANSHAN", str(bad), "--database-url", demo_url)
    failed_cleanly(result)
    assert "row 3, column 标准代码: Unknown indicator NOPE" in result.stderr
    assert "row 4, column 类型: Expected region or indicator (地区 or 指标), not '街道'" in result.stderr
    assert "Nothing was imported from 对照.csv" in result.stderr
    assert scalar(demo_url, "SELECT count(*) FROM code_mappings") == 0

    good = tmp_path / "good.csv"
    good.write_text(
        "kind,local_code,standard_code\nregion,NS01,440305\nindicator,本区GDP,GDP\n", encoding="utf-8"
    )
    done = succeeded(cli("org", "mappings-import", "NANSHAN", str(good), "--database-url", demo_url))
    assert done.output.strip() == "NANSHAN: 2 mappings read from good.csv: 2 added, 0 changed, 0 unchanged"
    assert scalar(demo_url, "SELECT count(*) FROM ledger_entries WHERE action = 'code_mapping.imported'") == 1


def test_import_of_a_missing_file_is_a_usage_error(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    result = cli("org", "mappings-import", "NANSHAN", str(tmp_path / "none.csv"), "--database-url", demo_url)
    assert result.exit_code == 2
    assert "no such file" in result.stderr
