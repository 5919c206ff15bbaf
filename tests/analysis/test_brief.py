"""The analysis brief on the demo city: its Chinese sentences and tables against numbers worked out by hand
from the stored values, the gaps it names, revisions and vintages, the forecast, refusals, and the .docx
and .xlsx files it is written to."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from citybase.accounts.actor import Actor, Channel
from citybase.analysis.brief import BriefOptions, make_brief
from citybase.analysis.brief_docx import brief_docx
from citybase.analysis.brief_forecast import _quality
from citybase.analysis.brief_model import Brief
from citybase.analysis.brief_xlsx import brief_xlsx
from citybase.analysis.forecast_runs import run_forecast
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.storage import Database
from citybase.storage.metadata import utcnow
from tests.factories import acting

NO_FORECAST = BriefOptions(forecast=False)


def _brief(
    db: Database, actor: Actor, period: str, options: BriefOptions = NO_FORECAST, region: str | None = None
) -> Brief:
    with db.read() as conn:
        return make_brief(conn, actor, region, period, options)


def _table(found: Brief, key: str) -> list[tuple[object, ...]]:
    return next(
        list(table.rows) for section in found.sections for table in section.tables if table.key == key
    )


def test_the_2017_headline_is_nominal_from_the_levels_and_says_no_comparable_rate_is_stored(
    db: Database,
) -> None:
    found = _brief(db, acting(db, "finance_viewer"), "2017")
    # (22490.06 / 19492.6012 − 1) × 100 = 15.377…; the demo stores no comparable-price rate for 2017.
    assert found.headline == (
        "2017年全市地区生产总值22490.06亿元，按现价计算比上年增长15.4%。按可比价格计算的增速本期未有公布数据。"
    )
    assert found.title == "深圳市2017年经济运行形势分析报告"
    assert found.calculations["growth"]["price_basis"] == "nominal"
    assert found.calculations["growth"]["value"] == pytest.approx(15.377418, abs=1e-6)
    assert found.calculations["published_growth"] is None
    assert _table(found, "figures")[0] == (
        "地区生产总值",
        "亿元",
        22490.06,
        19492.6,
        15.4,
        "现价总量；增速按现价计算（名义）",
    )
    # Every number traces to a stored value: both GDP years are among the inputs, with their source.
    keys = {(item.indicator, item.period): item for item in found.inputs}
    assert keys[("GDP", "2017")].value == 22490.06
    assert keys[("GDP", "2016")].value == 19492.6012
    assert keys[("GDP", "2017")].source == "STATS"


def test_the_2017_structure_contributions_and_changes(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2017")
    structure = found.section("structure")
    assert structure is not None
    # 19.57, 9320.2 and 13150.28 of 22490.06: 0.087%, 41.44%, 58.47%.
    assert structure.paragraphs[0] == "2017年全市三次产业结构为0.1:41.4:58.5。"
    # Δ secondary 1539.75 and Δ tertiary 1445.31 of Δ GDP 2997.4588: 51.4% and 48.2%; pulls on 19492.6012.
    assert "贡献率分别为0.4%、51.4%、48.2%，分别拉动增长0.1、7.9、7.4个百分点。" in structure.paragraphs[2]
    rows = _table(found, "structure")
    assert rows[2][:4] == ("第三产业", 13150.28, 58.5, 12.3)
    changes = found.section("changes")
    assert changes is not None
    # 2016 grew (19492.6012 / 17502.86 − 1) = 11.4%, so 2017's 15.4% is 4.0 points faster.
    assert changes.paragraphs[0] == "按现价计算，地区生产总值增速比上年加快4.0个百分点（上年增长11.4%）。"
    assert "第三产业比重下降1.5个百分点" in changes.paragraphs[1]
    assert changes.paragraphs[2] == "第二产业对增长的拉动最大，按现价计算拉动7.9个百分点，贡献率51.4%。"


def test_what_the_data_cannot_support_is_left_out_and_named(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2017")
    missing = {gap.what: gap for gap in found.gaps}
    # No resident population for 2017, and no district has a 2017 GDP.
    assert set(missing) == {"人均地区生产总值", "年末常住人口", "各区地区生产总值排名"}
    assert "No value of POP_RESIDENT for region 440300 in 2017" in missing["年末常住人口"].reason.render()
    districts = found.section("districts")
    assert districts is not None
    assert districts.paragraphs == ("各区数据暂缺，详见数据说明。",)
    notes = found.section("notes")
    assert notes is not None
    assert any(text.startswith("以下内容因数据不足未能给出：人均地区生产总值") for text in notes.paragraphs)
    assert (
        "数据来源（数源部门）：深圳市统计局（地区生产总值、第一产业增加值、第二产业增加值、第三产业增加值）。"
        in notes.paragraphs
    )


def test_the_published_comparable_rate_is_set_beside_the_nominal_one(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2023")
    # (34606.4 / 32387.68 − 1) × 100 = 6.85 nominal; GDP_GROWTH 2023 = 6.0 as published.
    assert (
        found.headline
        == "2023年全市地区生产总值34606.40亿元，按现价计算比上年增长6.9%；按可比价格计算增长6.0%。"
    )
    assert found.calculations["published_growth"]["price_basis"] == "comparable"
    changes = found.section("changes")
    assert changes is not None
    # 2022 was 3.3 at comparable prices: 6.0 − 3.3 = 2.7 points faster; nominal 6.9 − 6.0 = 0.9 above.
    assert "按可比价格计算，地区生产总值增速比上年加快2.7个百分点（上年增长3.3%）。" in changes.paragraphs
    assert any(
        text.startswith("按现价计算的增速比按可比价格计算的增速高0.9个百分点") for text in changes.paragraphs
    )
    structure = found.section("structure")
    assert structure is not None
    assert (
        "第一产业增加值24.71亿元，按现价计算比上年下降3.6%（按可比价格计算增长2.6%）"
        in structure.paragraphs[1]
    )


def test_districts_population_and_per_capita_in_2016(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2016")
    headline = found.section("headline")
    assert headline is not None
    # 19492.6012 亿元 / 1190.84 万人 = 163687.8 元/人 on the year-end population (2015's is not stored).
    assert (
        headline.paragraphs[1] == "按年末常住人口计算，人均地区生产总值163688元/人；年末常住人口1190.84万人。"
    )
    districts = found.section("districts")
    assert districts is not None
    assert districts.paragraphs[0].startswith("2016年，地区生产总值居前3位的是南山区（3845.27亿元，占19.7%）")
    # The nine districts sum to 19185.1434, 307.4578 less than the city's reported 19492.6012.
    assert "各区合计19185.14亿元，与全市数值19492.60亿元相差307.46亿元" in districts.paragraphs[1]
    rows = _table(found, "districts_level")
    assert rows[0][:4] == (1, "南山区", 3845.2711, 19.7)  # shown as 3845.27
    assert len(rows) == 9
    assert {gap.what for gap in found.gaps} == {"各区地区生产总值增速排名"}


def test_revisions_after_first_release_and_an_earlier_vintage(db: Database, system: Actor) -> None:
    before = utcnow()
    with db.write() as conn:
        publish(
            conn, system, [FactInput("GDP", "440300", "2017", "22500")], origin="test", source_org="STATS"
        )
    found = _brief(db, system, "2017")
    assert found.headline.startswith("2017年全市地区生产总值22500.00亿元")
    notes = found.section("notes")
    assert notes is not None
    revised = next(text for text in notes.paragraphs if text.startswith("数据修订："))
    assert "2017年深圳市地区生产总值首次发布为22490.06亿元" in revised
    assert "现行数值为22500亿元，共修订1次" in revised
    # As published before the revision, the brief reads the first value and reports it unrevised.
    earlier = _brief(db, system, "2017", BriefOptions(as_of=before, forecast=False))
    assert earlier.headline.startswith("2017年全市地区生产总值22490.06亿元")
    assert earlier.as_of == before
    old_notes = earlier.section("notes")
    assert old_notes is not None
    assert not any("2017年深圳市地区生产总值首次发布" in text for text in old_notes.paragraphs)


def test_refusals_name_what_is_wrong(db: Database, system: Actor) -> None:
    with pytest.raises(NotFound, match="Unknown region code 999999"):
        _brief(db, system, "2017", region="999999")
    with pytest.raises(NotFound, match=r"No value of GDP for region 440300 in 2018 \(the period asked for\)"):
        _brief(db, system, "2018")
    with pytest.raises(InvalidInput, match="Period 2017-03 does not match GDP, which is reported by quarter"):
        _brief(db, system, "2017-03")
    nobody = Actor("ghost", 999, "STATS", None, frozenset(), False, Channel.API)
    with pytest.raises(PermissionDenied, match="ghost \\(STATS\\) may not view data"):
        _brief(db, nobody, "2017")


def test_the_forecast_is_fitted_up_to_the_briefs_period(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2017", BriefOptions(horizon=2))
    forecast = found.calculations["forecast"]
    assert forecast["run_id"] is None
    assert forecast["inputs"][0]["period"] == "2001"
    assert forecast["inputs"][-1] == {"period": "2017", "value": 22490.06, "filled": False, "computed": None}
    assert [point["period"] for point in forecast["points"]] == ["2018", "2019"]
    section = found.section("forecast")
    assert section is not None
    assert section.paragraphs[0].startswith("以2001年至2017年的地区生产总值（17个数值）为样本")
    assert (
        f"回测的平均绝对标度误差（MASE）为{forecast['mase']:.2f}，朴素预测（沿用上期数值）为"
        in section.paragraphs[1]
    )
    assert section.paragraphs[2].startswith("本预测在生成报告时计算，未存储")
    rows = _table(found, "forecast")
    assert [row[0] for row in rows] == ["2018年", "2019年"]
    for _label, value, low80, high80, low95, high95 in rows:
        assert low95 <= low80 <= value <= high80 <= high95  # type: ignore[operator]


def test_a_stored_run_on_the_same_inputs_is_reused_and_a_losing_model_is_flagged(
    db: Database, system: Actor
) -> None:
    with db.write() as conn:
        run = run_forecast(conn, system, "GDP", "440300", 3)
    found = _brief(db, system, "2024", BriefOptions())
    assert found.calculations["forecast"]["run_id"] == run.id
    section = found.section("forecast")
    assert section is not None
    assert f"本预测为已存储的第{run.id}号预测运行。" in section.paragraphs
    assert [row[1] for row in _table(found, "forecast")] == [round(point.value, 2) for point in run.points]
    assert "2018年、2020年无数值，按相邻数值插值" in section.paragraphs[0]
    losing = replace(run, mase=2.0, mase_naive=1.0)
    assert _quality(losing) == (
        "回测的平均绝对标度误差（MASE）为2.00，朴素预测（沿用上期数值）为1.00：所选模型未能胜过朴素预测，"
        "本预测不比直接沿用上期数值更可信，仅供参考。"
    )


def test_the_docx_has_the_headline_tables_chinese_fonts_and_native_charts(
    db: Database, system: Actor
) -> None:
    found = _brief(db, system, "2016")
    content = brief_docx(found)
    document = docx.Document(io.BytesIO(content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "深圳市2016年经济运行形势分析报告"
    assert found.headline in texts
    assert "三、各区比较" in [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    tables = document.tables
    assert tables[0].rows[0].cells[0].text == "指标"
    assert tables[0].rows[1].cells[2].text == "19492.6"
    nanshan = next(table for table in tables if table.rows[0].cells[1].text == "地区").rows[1]
    assert [cell.text for cell in nanshan.cells[:4]] == ["1", "南山区", "3845.27", "19.7"]
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    headline_run = next(p for p in document.paragraphs if p.text == found.headline).runs[0]
    assert headline_run.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        charts = sorted(name for name in package.namelist() if name.startswith("word/charts/"))
        assert charts == ["word/charts/chart1.xml", "word/charts/chart2.xml", "word/charts/chart3.xml"]
        district_chart = package.read("word/charts/chart3.xml").decode()
    assert "<c:barChart>" in district_chart
    assert "南山区" in district_chart
    assert "<c:v>3845.27</c:v>" in district_chart


def test_the_xlsx_has_a_sheet_per_section_with_the_numbers_and_charts(db: Database, system: Actor) -> None:
    found = _brief(db, system, "2016")
    book = openpyxl.load_workbook(io.BytesIO(brief_xlsx(found)))
    assert book.sheetnames == ["概要", "主要指标", "产业结构", "各区比较", "值得关注的变化", "数据说明"]
    assert book["概要"]["B7"].value == found.headline
    figures = book["主要指标"]
    cells = {
        (cell.row, cell.column): cell.value
        for row in figures.iter_rows()
        for cell in row
        if cell.value is not None
    }
    header_row = next(row for (row, column), value in cells.items() if value == "增长（%）")
    assert cells[(header_row + 1, 1)] == "地区生产总值"
    assert cells[(header_row + 1, 3)] == 19492.6
    assert cells[(header_row + 1, 5)] == 11.4
    districts = book["各区比较"]
    values = [cell.value for row in districts.iter_rows() for cell in row]
    assert "地区生产总值（亿元）" in values
    assert 3845.2711 in values
    assert len(districts._charts) == 1
    assert sum(len(sheet._charts) for sheet in book.worksheets) == 3


def test_a_quarter_brief_leaves_per_capita_to_whole_years(db: Database, system: Actor) -> None:
    # 2023Q4 is derived from the year and 2023Q3YTD; the store holds no 2022Q4 to grow from.
    found = _brief(db, system, "2023Q4")
    assert found.headline.startswith("2023年四季度全市地区生产总值10138.15亿元")
    whats = {gap.what for gap in found.gaps}
    assert "人均地区生产总值和常住人口" in whats
    assert "地区生产总值按现价计算的增速" in whats
    notes = found.section("notes")
    assert notes is not None
    assert any("由年初累计数推算" in text for text in notes.paragraphs)
    assert found.generated_at <= utcnow() + dt.timedelta(seconds=1)
