"""Growth and shares of every series at once, checked by hand on the analysis fixture; the series blocks
they are computed from stay identical to a rebuild from the facts through revisions and conflicts."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor, Channel
from citybase.analysis.growth_share import GrowthShareRow, growth_share_table
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts import blocks
from citybase.facts.conflicts import list_conflicts, resolve_conflict
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.storage import Database
from tests.analysis.conftest import POPULATION, VALUES


def by_key(rows: list[GrowthShareRow]) -> dict[tuple[str, str], GrowthShareRow]:
    return {(row.indicator, row.region): row for row in rows}


def stored_blocks(database: Database) -> dict[tuple[int, str, str], dict[tuple[int, int], float]]:
    with database.read() as conn:
        columns = blocks.read_columns(conn)
    found = {}
    for series, region in enumerate(columns.region_codes):
        first, last = int(columns.offsets[series]), int(columns.offsets[series + 1])
        key = (int(columns.indicator_ids[series]), region, columns.dims[series])
        found[key] = {
            (int(start), int(end)): float(value)
            for start, end, value in zip(
                columns.starts[first:last], columns.ends[first:last], columns.values[first:last], strict=True
            )
        }
    return found


def rebuilt_blocks(database: Database) -> dict[tuple[int, str, str], dict[tuple[int, int], float]]:
    with database.write() as conn:
        blocks.rebuild(conn)
    return stored_blocks(database)


def test_growth_and_share_of_a_year_worked_by_hand(store: Database, system: Actor) -> None:
    with store.read() as conn:
        table = growth_share_table(conn, system, period="2022")
    rows = by_key(table.items)
    # Districts: 10/8, 30/25, 30/24, 20/20; shares of 10 + 30 + 30 + 20 = 90 among four reporting siblings.
    for region, growth, share in (
        ("440303", 25.0, 100 * 10 / 90),
        ("440304", 20.0, 100 * 30 / 90),
        ("440305", 25.0, 100 * 30 / 90),
        ("440306", 0.0, 100 * 20 / 90),
    ):
        row = rows[("GDP", region)]
        assert row.growth == pytest.approx(growth)
        assert row.share == pytest.approx(share, abs=1e-4)
        assert (row.growth_unit, row.price_basis, row.share_of, row.reporting_siblings) == (
            "%",
            "nominal",
            "440300",
            4,
        )
    city = rows[("GDP", "440300")]
    assert (city.value, city.base_value, city.growth) == (110.0, 100.0, pytest.approx(10.0))
    assert city.share is None  # the only region under Guangdong that reported: no share of anything
    # A rate changes by points, never by a % of a %: 7.5 − 10.
    rate = rows[("GDP_GROWTH", "440300")]
    assert (rate.growth, rate.growth_unit, rate.share) == (pytest.approx(-2.5), "个百分点", None)
    # A density is a ratio that is not a percentage: % growth would need 2021; no share (not additive).
    assert rows[("DENSITY", "440303")].growth is None
    assert rows[("DENSITY", "440303")].share is None
    assert (table.period, table.total_rows) == ("2022", len(table.items))
    assert table.store_values == len(VALUES) + len(POPULATION)


def test_quarters_and_percentage_ratios(store: Database, system: Actor) -> None:
    with store.read() as conn:
        first_quarter = by_key(growth_share_table(conn, system, period="2023Q1").items)
        year_to_date = growth_share_table(conn, system, period="2022年一季度")
    assert first_quarter[("GDP", "440300")].growth == pytest.approx(10.0)  # 22 / 20
    assert first_quarter[("UNEMP_RATE", "440300")].growth == pytest.approx(-0.4)
    assert first_quarter[("UNEMP_RATE", "440300")].growth_unit == "个百分点"
    # 2022Q1 has nothing a year earlier.
    assert {row.growth for row in year_to_date.items} == {None}
    assert year_to_date.period == "2022Q1"


def test_filters_and_pages(store: Database, system: Actor) -> None:
    with store.read() as conn:
        districts = growth_share_table(conn, system, period="2022", indicators=["GDP"], within="440305")
        paged = growth_share_table(conn, system, period="2022", indicators=["GDP"], limit=2, offset=1)
    assert [row.region for row in districts.items] == ["440305"]
    assert districts.items[0].region_name == "南山区"
    assert paged.total_rows == 5
    assert [row.region for row in paged.items] == ["440303", "440304"]


def test_refusals(store: Database, system: Actor) -> None:
    with store.read() as conn:
        with pytest.raises(InvalidInput, match="'2022年中' is not a period"):
            growth_share_table(conn, system, period="2022年中")
        with pytest.raises(NotFound, match="Unknown indicator NOPE"):
            growth_share_table(conn, system, period="2022", indicators=["NOPE"])
        with pytest.raises(NotFound, match="Unknown region code 999999"):
            growth_share_table(conn, system, period="2022", within="999999")
        nobody = Actor("nobody", 999, None, None, frozenset(), False, Channel.API)
        with pytest.raises(PermissionDenied):
            growth_share_table(conn, nobody, period="2022")


def test_blocks_follow_revisions_and_new_periods(store: Database, system: Actor) -> None:
    assert stored_blocks(store) == rebuilt_blocks(store)
    with store.write() as conn:
        publish(
            conn,
            system,
            [FactInput("GDP", "440303", "2022", "12"), FactInput("GDP", "440303", "2020", "7")],
            origin="revision",
            source_org="STATS",
        )
    with store.read() as conn:
        row = by_key(growth_share_table(conn, system, period="2022", indicators=["GDP"]).items)[
            ("GDP", "440303")
        ]
        earlier = by_key(growth_share_table(conn, system, period="2021", indicators=["GDP"]).items)
    assert row.value == 12.0
    assert row.growth == pytest.approx(50.0)
    assert row.share == pytest.approx(100 * 12 / 92, abs=1e-4)
    assert earlier[("GDP", "440303")].growth == pytest.approx(100 * (8 / 7 - 1), abs=1e-4)
    assert stored_blocks(store) == rebuilt_blocks(store)


def test_blocks_follow_a_conflict_decided_for_the_other_source(store: Database, system: Actor) -> None:
    with store.write() as conn:
        publish(
            conn, system, [FactInput("GDP", "440305", "2022", "33")], origin="district", source_org="NANSHAN"
        )
    with store.read() as conn:
        assert by_key(growth_share_table(conn, system, period="2022").items)[("GDP", "440305")].value == 30.0
        conflict = list_conflicts(conn, system)[0]
    with store.write() as conn:
        resolve_conflict(conn, system, conflict.id, "replace", "the district figure was audited")
    with store.read() as conn:
        row = by_key(growth_share_table(conn, system, period="2022").items)[("GDP", "440305")]
    assert (row.value, row.growth) == (33.0, pytest.approx(37.5))
    assert stored_blocks(store) == rebuilt_blocks(store)


def test_pages_reuse_one_computation_until_the_ledger_moves(
    store: Database, system: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citybase.analysis import growth_share

    runs: list[int] = []
    original = growth_share.compute

    def counted(*args: object) -> growth_share.StoreGrowth:
        runs.append(1)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(growth_share, "compute", counted)
    with store.read() as conn:
        first = growth_share_table(conn, system, period="2022", indicators=["GDP"], limit=2)
        second = growth_share_table(conn, system, period="2022", indicators=["GDP"], limit=2, offset=2)
    assert len(runs) == 1
    assert [row.region for row in first.items + second.items] == ["440300", "440303", "440304", "440305"]
    with store.write() as conn:
        publish(
            conn, system, [FactInput("GDP", "440304", "2022", "35")], origin="revision", source_org="STATS"
        )
    with store.read() as conn:
        after = growth_share_table(conn, system, period="2022", indicators=["GDP"], limit=2, offset=2)
    assert len(runs) == 2
    assert after.items[0].value == 35.0
    assert after.items[0].growth == pytest.approx(40.0)
