"""SDMX-CSV 2.0: plain and labelled headers, every time form, attributes, and every refusal."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citybase.collection.sdmx_csv import SdmxObservation, is_sdmx_csv, read_sdmx_csv, sdmx_period
from citybase.errors import InvalidInput
from citybase.transform.periods import parse_period

HEADER = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "FREQ",
    "INDICATOR",
    "REF_AREA",
    "SEX",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "OBS_STATUS",
    "COMMENT",
    "OBS_CONF",
]
FLOW = "CITYBASE:DF_FACTS(1.0)"


def row(**cells: str) -> list[str]:
    defaults = {"STRUCTURE": "dataflow", "STRUCTURE_ID": FLOW, "ACTION": "I"}
    return [cells.get(name, defaults.get(name, "")) for name in HEADER]


def problems_of(rows: list[Sequence[object]]) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InvalidInput) as raised:
        read_sdmx_csv(rows)
    return [(problem.row, problem.column, problem.render()) for problem in raised.value.problems]


def test_recognised_by_its_first_header() -> None:
    assert is_sdmx_csv(HEADER)
    assert is_sdmx_csv(["STRUCTURE[;]", "STRUCTURE_ID"])
    assert is_sdmx_csv(["\ufeffstructure", "STRUCTURE_ID"])
    assert not is_sdmx_csv(["地区", "GDP"])
    assert not is_sdmx_csv([])


def test_plain_mode_reads_codes_dims_status_and_note() -> None:
    rows: list[Sequence[object]] = [
        HEADER,
        row(
            FREQ="Q",
            INDICATOR="GDP",
            REF_AREA="440305",
            SEX="F",
            TIME_PERIOD="2024-Q1",
            OBS_VALUE="1234.5",
            UNIT_MEASURE="CNY_100M",
            OBS_STATUS="P",
            COMMENT="初步核算: 待修订",
            OBS_CONF="F",
        ),
        row(INDICATOR="POP", REF_AREA="440303", SEX="_T", TIME_PERIOD="2023", OBS_VALUE="NaN"),
    ]
    first, second = read_sdmx_csv(rows)
    assert first == SdmxObservation(
        row=2,
        indicator="GDP",
        region="440305",
        period="2024Q1",
        value="1234.5",
        unit="CNY_100M",
        dims="SEX=F",  # FREQ is implied by the period; OBS_CONF is an attribute
        status="provisional",
        note="初步核算: 待修订",  # a note is free text, not an "ID: Name" pair
        action="I",
    )
    assert (second.row, second.period, second.value, second.dims, second.status, second.unit) == (
        3,
        "2023",
        "NaN",
        "",  # _T is the total, no breakdown
        "final",
        None,
    )


def test_labels_both_mode_takes_the_ids() -> None:
    header = [
        "STRUCTURE[;]",
        "STRUCTURE_ID",
        "ACTION",
        "INDICATOR: 指标",
        "REF_AREA: 地区",
        "AGE: 年龄",
        "TIME_PERIOD: 时间",
        "OBS_VALUE: 观测值",
        "UNIT_MEASURE: 单位",
        "OBS_STATUS: 状态",
        "OBS_COMMENT: 备注",
    ]
    rows: list[Sequence[object]] = [
        header,
        [
            "dataflow",
            f"{FLOW}: 城市事实",
            "A",
            "GDP: 地区生产总值",
            "440305: 南山区",
            "Y15T64: 15-64岁",
            "2024-S1: 2024年上半年",
            "98.6",
            "PT: 百分比",
            "E: 估计值",
            "口径调整",
        ],
    ]
    (observation,) = read_sdmx_csv(rows)
    assert (observation.indicator, observation.region, observation.period) == ("GDP", "440305", "2024H1")
    assert (observation.dims, observation.unit, observation.status) == ("AGE=Y15T64", "PT", "provisional")
    assert (observation.note, observation.action) == ("口径调整", "A")


def test_labels_name_mode_skips_the_name_columns() -> None:
    header = [
        "STRUCTURE",
        "STRUCTURE_ID",
        "STRUCTURE_NAME",
        "ACTION",
        "INDICATOR",
        "Indicator",
        "REF_AREA",
        "Reference area",
        "SEX",
        "Sex",
        "TIME_PERIOD",
        "Time",
        "OBS_VALUE",
        "Observation value",
        "OBS_STATUS",
        "Observation status",
    ]
    values = ["dataflow", FLOW, "城市事实", "R", "POP", "常住人口", "440303", "罗湖区", "M", "男"]
    rows: list[Sequence[object]] = [header, [*values, "2024-M03", "2024年3月", "1.2", "", "A", "正常"]]
    (observation,) = read_sdmx_csv(rows)
    assert (observation.indicator, observation.region, observation.period) == ("POP", "440303", "2024-03")
    assert (observation.dims, observation.status, observation.action) == ("SEX=M", "final", "R")


@pytest.mark.parametrize(
    ("sdmx", "citybase"),
    [
        ("2024", "2024"),
        ("2024-A1", "2024"),
        ("2024-S1", "2024H1"),
        ("2024-S2", "2024H2"),
        ("2024-Q1", "2024Q1"),
        ("2024-Q4", "2024Q4"),
        ("2024-M03", "2024-03"),
        ("2024-M12", "2024-12"),
        ("2024-03", "2024-03"),
        (" 2024-q2 ", "2024Q2"),
    ],
)
def test_each_time_form_becomes_a_citybase_period(sdmx: str, citybase: str) -> None:
    assert sdmx_period(sdmx) == citybase
    assert str(parse_period(citybase)) == citybase  # the form CityBase itself writes
    rows: list[Sequence[object]] = [
        HEADER,
        row(INDICATOR="GDP", REF_AREA="440305", TIME_PERIOD=sdmx, OBS_VALUE="1"),
    ]
    assert read_sdmx_csv(rows)[0].period == citybase


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-M00", "2024-Q5", "2024-W01", "2024-01-15", "24-Q1", "2024-A2"]
)
def test_other_time_forms_are_refused(text: str) -> None:
    assert sdmx_period(text) is None


def test_unit_mult_scales_the_value() -> None:
    header = [*HEADER, "UNIT_MULT"]
    base = row(INDICATOR="GDP", REF_AREA="440305", TIME_PERIOD="2024", OBS_VALUE="1.25")
    rows: list[Sequence[object]] = [header, [*base, "3"], [*base, "0"], [*base, ""], [*base, "-2"]]
    assert [item.value for item in read_sdmx_csv(rows)] == ["1250", "1.25", "1.25", "0.0125"]


def test_rows_without_an_observation_are_skipped() -> None:
    rows: list[Sequence[object]] = [
        HEADER,
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],
        row(REF_AREA="440305", OBS_STATUS="A"),  # attributes attached to a partial key
        row(INDICATOR="GDP", REF_AREA="440305", TIME_PERIOD="2024", OBS_VALUE="7"),
    ]
    assert [item.row for item in read_sdmx_csv(rows, first_row=10)] == [13]


def test_no_action_column_means_information() -> None:
    rows: list[Sequence[object]] = [
        ["STRUCTURE", "STRUCTURE_ID", "INDICATOR", "REF_AREA", "TIME_PERIOD", "OBS_VALUE"],
        ["dataflow", FLOW, "GDP", "440305", "2024-Q2", 12.5],
    ]
    (observation,) = read_sdmx_csv(rows)
    assert (observation.action, observation.value, observation.dims) == ("I", "12.5", "")


def test_missing_columns_are_named_with_those_found() -> None:
    rows: list[Sequence[object]] = [["STRUCTURE", "STRUCTURE_ID", "INDICATOR", "TIME", "OBS_VALUE"]]
    with pytest.raises(InvalidInput) as raised:
        read_sdmx_csv(rows)
    text = raised.value.render()
    assert "REF_AREA, TIME_PERIOD" in text
    assert "STRUCTURE, STRUCTURE_ID, INDICATOR, TIME, OBS_VALUE" in text
    assert [(problem.row, problem.column) for problem in raised.value.problems] == [
        (1, "REF_AREA"),
        (1, "TIME_PERIOD"),
    ]


def test_every_row_problem_is_listed_at_once() -> None:
    good = {"INDICATOR": "GDP", "REF_AREA": "440305", "TIME_PERIOD": "2024", "OBS_VALUE": "1"}
    rows: list[Sequence[object]] = [
        HEADER,
        row(**{**good, "TIME_PERIOD": "2024-W07"}),
        row(**{**good, "ACTION": "D"}),
        row(**{**good, "ACTION": "X"}),
        row(**{**good, "STRUCTURE": "table"}),
        row(**{**good, "INDICATOR": ""}),
        row(**good),
    ]
    found = problems_of(rows)
    assert [(where, column) for where, column, _text in found] == [
        (2, "TIME_PERIOD"),
        (3, "ACTION"),
        (4, "ACTION"),
        (5, "STRUCTURE"),
        (6, "INDICATOR"),
    ]
    texts = [text for _where, _column, text in found]
    assert "'2024-W07' is not an SDMX time period" in texts[0]
    assert "2024-M03" in texts[0]  # the forms expected are named
    assert "never deletes" in texts[1]
    assert "'X'" in texts[2]
    assert "dataflow, datastructure or dataprovision" in texts[3]
    assert texts[4].startswith("INDICATOR is empty")


def test_a_unit_mult_that_is_not_a_power_is_refused() -> None:
    header = [*HEADER, "UNIT_MULT"]
    rows: list[Sequence[object]] = [
        header,
        [*row(INDICATOR="GDP", REF_AREA="440305", TIME_PERIOD="2024", OBS_VALUE="1"), "thousand"],
    ]
    assert [(where, column) for where, column, _text in problems_of(rows)] == [(2, "UNIT_MULT")]


codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=12).filter(
    lambda text: not text.startswith("_")
)
periods = st.sampled_from(
    [("2023", "2023"), ("2024-Q3", "2024Q3"), ("2024-S2", "2024H2"), ("2022-M11", "2022-11")]
)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1e9, max_value=1e9).map(str)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(codes, codes, periods, numbers, st.sampled_from(["F", "M", "_T"])), max_size=8))
def test_what_is_written_reads_back(items: list[tuple[str, str, tuple[str, str], str, str]]) -> None:
    rows: list[Sequence[object]] = [HEADER]
    for indicator, region, (time, _period), value, sex in items:
        rows.append(row(INDICATOR=indicator, REF_AREA=region, TIME_PERIOD=time, OBS_VALUE=value, SEX=sex))
    read = read_sdmx_csv(rows)
    assert [(item.indicator, item.region, item.period, item.value, item.dims) for item in read] == [
        (indicator, region, period, value, "" if sex == "_T" else f"SEX={sex}")
        for indicator, region, (_time, period), value, sex in items
    ]
