"""Year-to-date (年初累计) figures marked on the way in: each value's period becomes the year-to-date
period, only for flows, and single periods are derived from them as for any year-to-date value."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citybase.accounts.actor import Actor
from citybase.collection.intake import IntakeResult, submit_items, submit_upload
from citybase.collection.model import SubmissionStatus
from citybase.collection.tables import submission_values
from citybase.collection.workflow import approve
from citybase.facts.query import SeriesQuery, query_facts
from citybase.indicators.catalog import indicator_catalog
from citybase.storage import Database

# 深圳 金融业增加值 (a quarterly flow), as a bureau publishes it: 1–3, 1–6 and 1–9 months.
YEAR_TO_DATE = "地区代码,时期,FINANCE_VA\n440300,2024Q1,1000\n440300,2024Q2,2100\n440300,2024Q3,3300\n"


def _upload(db: Database, actor: Actor, body: str, name: str = "ytd.csv", **options: object) -> IntakeResult:
    with db.write() as conn:
        return submit_upload(conn, actor, body.encode(), name, org_code="STATS", **options)  # type: ignore[arg-type]


def _staged(db: Database, submission_id: int) -> list[tuple[str, str, float]]:
    with db.read() as conn:
        catalog = indicator_catalog(conn)
        rows = conn.execute(
            select(submission_values.c.indicator_id, submission_values.c.period, submission_values.c.value)
            .where(submission_values.c.submission_id == submission_id)
            .order_by(submission_values.c.id)
        ).all()
    return [(catalog.by_id[row.indicator_id].code, row.period, row.value) for row in rows]


def _messages(result: IntakeResult) -> list[tuple[str, str]]:
    return [(line.location, line.message.render()) for line in result.lines]


def test_a_cumulative_upload_stores_year_to_date_values_and_quarters_are_derived(
    db: Database, system: Actor
) -> None:
    result = _upload(db, system, YEAR_TO_DATE, cumulative=True)
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, _messages(result)
    # 1–3 months is the first quarter itself; 1–6 is the first half; 1–9 is 2024Q3YTD.
    assert _staged(db, result.submission.id) == [
        ("FINANCE_VA", "2024Q1", 1000.0),
        ("FINANCE_VA", "2024H1", 2100.0),
        ("FINANCE_VA", "2024Q3YTD", 3300.0),
    ]
    with db.write() as conn:
        approve(conn, system, result.submission.id)
    with db.read() as conn:
        page = query_facts(
            conn, system, SeriesQuery(indicators=["FINANCE_VA"], regions=["440300"], start="2024", end="2024")
        )
    found = {item.period: (item.value, item.computed) for item in page.items}
    assert found["2024Q3YTD"] == (3300.0, None)  # as reported
    assert found["2024Q2"] == (1100.0, "from_cumulative")  # 2100 − 1000
    assert found["2024Q3"] == (1200.0, "from_cumulative")  # 3300 − 2100


def test_without_the_switch_the_same_file_holds_single_quarters(db: Database, system: Actor) -> None:
    result = _upload(db, system, YEAR_TO_DATE)
    assert [period for _code, period, _value in _staged(db, result.submission.id)] == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
    ]


def test_one_column_marked_cumulative_leaves_the_others_alone(db: Database, system: Actor) -> None:
    body = "地区代码,时期,FINANCE_VA,IND_VA_ALL\n440300,2024Q3,3300,800\n"
    result = _upload(db, system, body, "two.csv", cumulative_columns=["two!C"])
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, _messages(result)
    assert _staged(db, result.submission.id) == [
        ("FINANCE_VA", "2024Q3YTD", 3300.0),
        ("IND_VA_ALL", "2024Q3", 800.0),
    ]


def test_months_and_years_marked_cumulative(db: Database, system: Actor) -> None:
    items = [
        {"indicator": "RETAIL_SALES", "region": "440300", "period": "2024-02", "value": 1500},
        {"indicator": "RETAIL_SALES", "region": "440300", "period": "2024-03", "value": 2400},
        {"indicator": "LOGISTICS_VA", "region": "440300", "period": "2024", "value": 3000},
    ]
    with db.write() as conn:
        result = submit_items(conn, system, items, org_code="STATS", cumulative=True)
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, _messages(result)
    # January–March is the first quarter's key; a whole year is its own year-to-date.
    assert _staged(db, result.submission.id) == [
        ("RETAIL_SALES", "2024-02YTD", 1500.0),
        ("RETAIL_SALES", "2024Q1", 2400.0),
        ("LOGISTICS_VA", "2024", 3000.0),
    ]


def test_json_items_marked_one_by_one(db: Database, system: Actor) -> None:
    items = [
        {
            "indicator": "FINANCE_VA",
            "region": "440300",
            "period": "2024Q3",
            "value": 3300,
            "cumulative": True,
        },
        {"indicator": "FINANCE_VA", "region": "440300", "period": "2024Q2", "value": 1100},
    ]
    with db.write() as conn:
        result = submit_items(conn, system, items, org_code="STATS")
    assert _staged(db, result.submission.id) == [
        ("FINANCE_VA", "2024Q3YTD", 3300.0),
        ("FINANCE_VA", "2024Q2", 1100.0),
    ]


def test_stocks_and_ratios_cannot_be_cumulative(db: Database, system: Actor) -> None:
    body = (
        "地区代码,时期,POP_RESIDENT,SHARE_TERTIARY,FINANCE_VA\n"
        "440300,2024,1700,60,3300\n"
        "440300,2023,1750,61,3000\n"
    )
    result = _upload(db, system, body, "mixed.csv", cumulative=True)
    assert result.submission.status is SubmissionStatus.AUDIT_FAILED
    # One finding per indicator, at its first cell, naming the indicator; the flow is accepted.
    assert _messages(result) == [
        (
            "mixed!C2",
            "POP_RESIDENT is a stock indicator, not a flow: values marked year-to-date (年初累计) apply "
            "only to flows",
        ),
        (
            "mixed!D2",
            "SHARE_TERTIARY is a ratio indicator, not a flow: values marked year-to-date (年初累计) "
            "apply only to flows",
        ),
    ]
    assert _staged(db, result.submission.id) == []  # a failed audit keeps no values


def test_a_yearly_flow_refuses_a_year_to_date_quarter(db: Database, system: Actor) -> None:
    items = [{"indicator": "LOGISTICS_VA", "region": "440300", "period": "2024Q3", "value": 900}]
    with db.write() as conn:
        result = submit_items(conn, system, items, org_code="STATS", cumulative=True)
    assert result.submission.status is SubmissionStatus.AUDIT_FAILED
    [(place, text)] = _messages(result)
    assert place == "$.items[0]"
    assert text == "Period 2024Q3 does not match LOGISTICS_VA, which is reported by year"


@pytest.mark.parametrize(
    ("title", "code", "period"),
    [
        ("2024年1-9月", "FINANCE_VA", "2024Q3YTD"),
        ("2024年前三季度", "FINANCE_VA", "2024Q3YTD"),
        ("2024年1-2月", "RETAIL_SALES", "2024-02YTD"),
    ],
)
def test_a_title_naming_months_from_january_still_means_year_to_date(
    db: Database, system: Actor, title: str, code: str, period: str
) -> None:
    body = f"深圳市主要指标（{title}）\n地区代码,{code}\n440300,3300\n"
    for options in ({}, {"cumulative": True}):  # marked or not, the title already says year-to-date
        result = _upload(db, system, body, "titled.csv", **options)
        assert result.submission.status is SubmissionStatus.UNDER_REVIEW, _messages(result)
        assert _staged(db, result.submission.id) == [(code, period, 3300.0)]
