"""The central store: one authoritative current value per key, revisions, vintages, conflicts, sums,
derived indicators, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from citybase.accounts.actor import Actor, Channel, Role
from citybase.errors import InvalidInput, PermissionDenied
from citybase.facts.conflicts import list_conflicts, resolve_conflict
from citybase.facts.model import FactInput
from citybase.facts.query import SeriesQuery, query_facts, revisions
from citybase.facts.store import publish
from citybase.facts.tables import conflicts, facts
from citybase.ledger import verify_chain
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database


def _publish(
    db: Database, actor: Actor, rows: list[FactInput], org: str = "STATS", origin: str = "test"
) -> object:
    with db.write() as conn:
        return publish(conn, actor, rows, origin=origin, source_org=org)


def _values(db: Database, actor: Actor, **query: object) -> dict[tuple[str, str, str], float | None]:
    with db.read() as conn:
        page = query_facts(conn, actor, SeriesQuery(**query))  # type: ignore[arg-type]
    return {(item.indicator, item.region, item.period): item.value for item in page.items}


def _count(db: Database, table: object) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_publish_and_read_back(store: Database, system: Actor) -> None:
    report = _publish(
        store,
        system,
        [FactInput("GDP", "440300", "2017", "22490.06"), FactInput("GDP", "440300", "2016", "19492.6")],
    )
    assert report.inserted == 2  # type: ignore[attr-defined]
    values = _values(store, system, indicators=["GDP"], regions=["440300"], start="2010", end="2017")
    assert values == {("GDP", "440300", "2016"): 19492.6, ("GDP", "440300", "2017"): 22490.06}


def test_aliases_convert_units_breakdowns_and_year_to_date(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [
            FactInput("GDP_10K", "440305", "2016", "38452711"),
            FactInput("GDP_YTD", "440300", "2023Q3", "24818.73"),
        ],
    )
    _publish(store, system, [FactInput("POP_HUKOU_MALE", "440300", "2016", "200.1")], org="PSB")
    values = _values(store, system, indicators=["GDP"], regions=["440305", "440300"], include_computed=False)
    assert values[("GDP", "440305", "2016")] == pytest.approx(3845.2711)
    assert values[("GDP", "440300", "2023Q3YTD")] == 24818.73
    in_10k = _values(store, system, indicators=["GDP_10K"], regions=["440305"])
    assert in_10k[("GDP", "440305", "2016")] == pytest.approx(38452711)
    with store.read() as conn:
        page = query_facts(conn, system, SeriesQuery(indicators=["POP_HUKOU"], regions=["440300"], dims=None))
    assert [(item.dims, item.value) for item in page.items] == [("SEX=M", 200.1)]


def test_a_revision_keeps_the_old_value_and_as_of_sees_it(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2010", "9581.5")], origin="nbs-2019")
    moment = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    report = _publish(store, system, [FactInput("GDP", "440300", "2010", "10069")], origin="yearbook")
    assert report.revised == 1  # type: ignore[attr-defined]
    assert _values(store, system, indicators=["GDP"], regions=["440300"])[("GDP", "440300", "2010")] == 10069
    assert (
        _values(store, system, indicators=["GDP"], regions=["440300"], as_of=moment)[
            ("GDP", "440300", "2010")
        ]
        == 9581.5
    )
    with store.read() as conn:
        history = revisions(conn, system, "GDP", "440300", "2010")
    assert [(item.value, item.origin, item.superseded_at is None) for item in history] == [
        (9581.5, "nbs-2019", False),
        (10069.0, "yearbook", True),
    ]


def test_sending_the_same_value_again_is_not_a_revision(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2017", "22490.06")])
    report = _publish(store, system, [FactInput("GDP", "440300", "2017", "22490.060")])
    assert (report.inserted, report.revised, report.unchanged) == (0, 0, 1)  # type: ignore[attr-defined]
    assert _count(store, facts) == 1


def test_another_source_never_replaces_the_authoritative_value(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.6")])
    report = _publish(store, system, [FactInput("GDP", "440300", "2016", "19000")], org="NANSHAN")
    assert report.competing == 1
    assert len(report.conflicts) == 1
    assert (
        _values(store, system, indicators=["GDP"], regions=["440300"])[("GDP", "440300", "2016")] == 19492.6
    )
    with store.read() as conn:
        [conflict] = list_conflicts(conn, system)
    assert (conflict.authoritative_value, conflict.competing_value, conflict.competing_source) == (
        19492.6,
        19000.0,
        "NANSHAN",
    )
    assert conflict.gap == pytest.approx(-492.6)


def test_an_agreeing_second_source_raises_no_conflict(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.6")])
    report = _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.60")], org="NANSHAN")
    assert report.conflicts == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("decision", "expected"), [("keep", 19492.6), ("replace", 19000.0), ("other_scope", 19492.6)]
)
def test_resolving_a_conflict(store: Database, system: Actor, decision: str, expected: float) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.6")])
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19000")], org="NANSHAN")
    with store.write() as conn:
        [conflict] = list_conflicts(conn, system)
        resolved = resolve_conflict(conn, system, conflict.id, decision, "checked against the yearbook")
    assert (resolved.status, resolved.resolution) == ("resolved", decision)
    assert (
        _values(store, system, indicators=["GDP"], regions=["440300"])[("GDP", "440300", "2016")] == expected
    )
    with store.read() as conn:
        entries = (
            conn.execute(
                select(ledger_entries.c.detail).where(ledger_entries.c.action == "conflict.resolved")
            )
            .scalars()
            .all()
        )
        assert verify_chain(conn, system).ok
    assert len(entries) == 1
    assert decision in entries[0]


def test_only_platform_admins_resolve_conflicts(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.6")])
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19000")], org="NANSHAN")
    reviewer = Actor(
        username="stats_reviewer",
        user_id=99,
        org_code="STATS",
        org_id=2,
        roles=frozenset({Role.REVIEWER, Role.ADMIN}),
        platform_org=False,
        via=Channel.API,
    )
    with store.write() as conn:
        [conflict] = list_conflicts(conn, system)
        with pytest.raises(PermissionDenied):
            resolve_conflict(conn, reviewer, conflict.id, "keep", "no")


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (FactInput("GDPX", "440300", "2016", "1"), "Unknown indicator GDPX"),
        (FactInput("GDP", "449999", "2016", "1"), "Unknown region code 449999"),
        (FactInput("GDP", "44030", "2016", "1"), "malformed"),
        (FactInput("GDP", "440300", "2016-03", "1"), "does not match GDP"),
        (FactInput("POP_RESIDENT", "440300", "2016Q1", "1"), "reported by year"),
        (FactInput("GDP", "440300", "2016", "-5"), "outside the valid range"),
        (FactInput("GDP", "440300", "2016", "5", unit="万人"), "'万人' cannot be converted to '亿元'"),
        (FactInput("GDP", "440300", "2016", "abc"), "'abc' is not a number"),
        (FactInput("SHARE_TERTIARY_CALC", "440300", "2016", "5"), "computed by formula"),
        (FactInput("POP_HUKOU", "440300", "2016", "5", dims="SEX=X"), "not a value of SEX"),
        (FactInput("GDP", "440300", "2016", "5", dims="SEX=M"), "not broken down by SEX"),
        (FactInput("GDP", "110103", "2016", "5"), "retired after 2009"),
        (FactInput("GDP", "440300", "2016", "5", status="maybe"), "provisional or final"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    store: Database, system: Actor, row: FactInput, fragment: str
) -> None:
    before = (_count(store, facts), _count(store, ledger_entries))
    good = FactInput("GDP", "440300", "2017", "22490.06", row=1)
    with pytest.raises(InvalidInput) as error:
        _publish(store, system, [good, FactInput(**{**row.__dict__, "row": 2, "column": "C"})])
    assert any(fragment in problem.render() and problem.row == 2 for problem in error.value.problems), [
        problem.render() for problem in error.value.problems
    ]
    assert (_count(store, facts), _count(store, ledger_entries)) == before


def test_a_repeated_key_in_one_submission_is_refused(store: Database, system: Actor) -> None:
    with pytest.raises(InvalidInput) as error:
        _publish(
            store,
            system,
            [
                FactInput("GDP", "440300", "2016", "1", row=1),
                FactInput("GDP", "440300", "2016年", "2", row=4),
            ],
        )
    assert "first on row 1" in error.value.problems[0].render()


def test_a_department_may_only_report_what_it_is_allowed_to(store: Database, system: Actor) -> None:
    with pytest.raises(InvalidInput, match="cannot be accepted") as error:
        _publish(store, system, [FactInput("POP_HUKOU", "440300", "2016", "1")], org="NANSHAN")
    assert "not among those allowed" in error.value.problems[0].render()
    submitter = Actor(
        username="nanshan_submitter",
        user_id=50,
        org_code="NANSHAN",
        org_id=4,
        roles=frozenset({Role.SUBMITTER}),
        platform_org=False,
        via=Channel.API,
    )
    with store.write() as conn, pytest.raises(PermissionDenied):
        publish(conn, submitter, [FactInput("GDP", "440305", "2016", "1")], origin="x", source_org="STATS")


def test_parent_values_summed_from_districts_are_flagged_and_compared(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [
            FactInput("GDP", "440300", "2016", "19492.6012"),
            FactInput("GDP_10K", "440305", "2016", "38452711"),
            FactInput("GDP_10K", "440304", "2016", "35572870"),
        ],
    )
    with store.read() as conn:
        [city] = query_facts(conn, system, SeriesQuery(indicators=["GDP"], regions=["440300"])).items
        [computed] = query_facts(
            conn,
            system,
            SeriesQuery(
                indicators=["VA_TERTIARY", "GDP"],
                regions=["440300"],
                start="2016",
                end="2016",
                include_computed=True,
            ),
        ).items
    assert city.computed is None
    assert city.source == "STATS"
    assert city.computed_value == pytest.approx(7402.5581)
    assert city.difference == pytest.approx(19492.6012 - 7402.5581)
    assert city.coverage is not None
    assert city.coverage.startswith("2/")
    assert computed is not None


def test_a_parent_without_a_reported_value_gets_a_computed_one(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [FactInput("GDP", "440305", "2020", "6500"), FactInput("GDP", "440304", "2020", "4700")],
    )
    with store.read() as conn:
        [item] = query_facts(conn, system, SeriesQuery(indicators=["GDP"], regions=["440300"])).items
    assert (item.computed, item.value, item.source, item.status) == ("sum", 11200.0, None, "computed")
    # Growth rates are not summed over regions.
    _publish(store, system, [FactInput("GDP_GROWTH", "440305", "2020", "2.5")])
    assert _values(store, system, indicators=["GDP_GROWTH"], regions=["440300"]) == {}


def test_derived_indicators_are_computed_with_units(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [
            FactInput("GDP", "440300", "2016", "19492.6"),
            FactInput("VA_TERTIARY", "440300", "2016", "11785.9"),
            FactInput("POP_RESIDENT", "440300", "2016", "1190.84"),
        ],
    )
    with store.read() as conn:
        items = query_facts(
            conn,
            system,
            SeriesQuery(indicators=["SHARE_TERTIARY_CALC", "GDP_PER_CAPITA_CALC"], regions=["440300"]),
        ).items
    found = {item.indicator: item for item in items}
    assert found["SHARE_TERTIARY_CALC"].value == pytest.approx(11785.9 / 19492.6 * 100, rel=1e-6)
    assert found["SHARE_TERTIARY_CALC"].computed == "formula"
    assert found["GDP_PER_CAPITA_CALC"].value == pytest.approx(19492.6e8 / 1190.84e4, rel=1e-6)
    assert found["GDP_PER_CAPITA_CALC"].unit == "元/人"


def test_units_on_output(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2017", "22490.06")])
    assert _values(store, system, indicators=["GDP"], regions=["440300"], unit="万元") == {
        ("GDP", "440300", "2017"): pytest.approx(224900600)
    }
    with store.read() as conn, pytest.raises(InvalidInput, match="万人"):
        query_facts(conn, system, SeriesQuery(indicators=["GDP"], regions=["440300"], unit="万人"))


def test_every_publication_is_one_ledger_entry_with_a_digest(store: Database, system: Actor) -> None:
    before = _count(store, ledger_entries)
    _publish(store, system, [FactInput("GDP", "440300", str(year), str(year)) for year in range(2000, 2020)])
    with store.read() as conn:
        detail = conn.execute(select(ledger_entries.c.detail).order_by(ledger_entries.c.seq.desc())).scalar()
    assert _count(store, ledger_entries) == before + 1
    assert '"inserted":20' in detail
    assert '"sha256":' in detail
    assert _count(store, conflicts) == 0


def test_a_resolved_conflict_keeps_the_values_it_was_decided_on(store: Database, system: Actor) -> None:
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19492.6")])
    _publish(store, system, [FactInput("GDP", "440300", "2016", "19000")], org="NANSHAN")
    with store.write() as conn:
        [conflict] = list_conflicts(conn, system)
        resolved = resolve_conflict(conn, system, conflict.id, "replace", "the district figure was audited")
    assert (resolved.authoritative_value, resolved.competing_value) == (19492.6, 19000.0)
    assert resolved.gap == pytest.approx(-492.6)
    with store.read() as conn:
        history = revisions(conn, system, "GDP", "440300", "2016")
    current = [item for item in history if item.superseded_at is None]
    assert [(item.value, item.role, item.origin) for item in current] == [
        (19000.0, "authoritative", f"conflict:{conflict.id}")
    ]


def test_single_quarters_and_year_to_date_are_derived_for_flows(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [
            FactInput("GDP_YTD", "440300", "2022Q1", "7500"),
            FactInput("GDP_YTD", "440300", "2022Q2", "15300"),
            FactInput("GDP_YTD", "440300", "2022Q3", "23900"),
        ],
    )
    with store.read() as conn:
        items = query_facts(conn, system, SeriesQuery(indicators=["GDP"], regions=["440300"])).items
    found = {item.period: (item.value, item.computed) for item in items}
    assert found["2022Q2"] == (7800.0, "from_cumulative")
    assert found["2022Q3"] == (8600.0, "from_cumulative")
    assert found["2022H1"] == (15300.0, None)
    # Growth rates are never derived over time.
    _publish(
        store,
        system,
        [
            FactInput("GDP_GROWTH", "440300", "2022Q1", "3.1"),
            FactInput("GDP_GROWTH", "440300", "2022H1", "3.0"),
        ],
    )
    growth = _values(store, system, indicators=["GDP_GROWTH"], regions=["440300"])
    assert set(growth) == {("GDP_GROWTH", "440300", "2022Q1"), ("GDP_GROWTH", "440300", "2022H1")}


def test_year_to_date_is_summed_from_single_quarters(store: Database, system: Actor) -> None:
    _publish(
        store,
        system,
        [FactInput("GDP", "440300", f"2023Q{quarter}", str(1000 * quarter)) for quarter in (1, 2, 3)],
    )
    with store.read() as conn:
        items = query_facts(conn, system, SeriesQuery(indicators=["GDP"], regions=["440300"])).items
    found = {item.period: (item.value, item.computed) for item in items}
    assert found["2023H1"] == (3000.0, "cumulative")
    assert found["2023Q3YTD"] == (6000.0, "cumulative")
    assert "2023" not in found
