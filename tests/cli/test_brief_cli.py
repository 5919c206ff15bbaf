"""`citybase brief`: the brief written to a .docx, an .xlsx or JSON, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl

from tests.cli.conftest import Invoke

HEADLINE = (
    "2017年全市地区生产总值22490.06亿元，按现价计算比上年增长15.4%。按可比价格计算的增速本期未有公布数据。"
)


def test_the_brief_is_written_to_docx_and_xlsx(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    target = tmp_path / "brief.docx"
    made = cli(
        "brief",
        "--region",
        "440300",
        "--period",
        "2017",
        "--format",
        "docx",
        "--output",
        str(target),
        "--no-forecast",
        "--database-url",
        demo_url,
    )
    assert made.exit_code == 0, made.output
    assert f"深圳市2017年经济运行形势分析报告: wrote {target}" in made.output
    assert "3 part(s) left out for want of data" in made.output
    assert HEADLINE in [paragraph.text for paragraph in docx.Document(str(target)).paragraphs]
    sheet = tmp_path / "brief.xlsx"
    again = cli(
        "brief",
        "--period",
        "2016",
        "--format",
        "xlsx",
        "--output",
        str(sheet),
        "--no-forecast",
        "--database-url",
        demo_url,
    )
    assert again.exit_code == 0, again.output
    assert "各区比较" in openpyxl.load_workbook(sheet).sheetnames


def test_json_to_stdout(cli: Invoke, demo_url: str) -> None:
    shown = cli(
        "brief",
        "--period",
        "2023",
        "--format",
        "json",
        "--output",
        "-",
        "--no-forecast",
        "--database-url",
        demo_url,
    )
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["headline"].endswith("按现价计算比上年增长6.9%；按可比价格计算增长6.0%。")


def test_refusals_exit_1_with_the_reason(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    missing = cli(
        "brief", "--period", "2018", "--output", str(tmp_path / "x.docx"), "--database-url", demo_url
    )
    assert missing.exit_code == 1
    assert "No value of GDP for region 440300 in 2018 (the period asked for)" in missing.output
    assert not (tmp_path / "x.docx").exists()
    unknown = cli("brief", "--region", "999999", "--period", "2017", "--database-url", demo_url)
    assert unknown.exit_code == 1
    assert "Unknown region code 999999" in unknown.output
