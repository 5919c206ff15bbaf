"""Indicator targets on the demo city: who may set them, what is refused and why, the ledger, and the
progress towards them (a year, a year to date, a growth rate against the published comparable rate)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citybase.accounts.actor import Actor
from citybase.analysis.targets import list_targets, progress, remove_target, set_target
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from tests.factories import acting, ledger_size


def test_the_demo_targets_and_their_progress(db: Database, system: Actor) -> None:
    viewer = acting(db, "finance_viewer")
    with db.read() as conn:
        found = {(item.indicator, item.kind): item for item in list_targets(conn, viewer, region="440300")}
        assert set(found) == {
            ("GDP", "growth"),
            ("GDP", "level"),
            ("RETAIL_SALES", "level"),
            ("FAI_GROWTH", "level"),
        }
        assert all("示例" in item.note for item in found.values())  # illustrative, not an official figure
        growth = progress(conn, viewer, found[("GDP", "growth")])
        level = progress(conn, viewer, found[("GDP", "level")])
        retail = progress(conn, viewer, found[("RETAIL_SALES", "level")])
        investment = progress(conn, viewer, found[("FAI_GROWTH", "level")])
    # GDP 2024 grew 5.8 % at comparable prices (GDP_GROWTH), against a target of 6.0 %: 0.2 points short.
    assert (growth.actual, growth.compared_with, growth.price_basis) == (5.8, "GDP_GROWTH", "comparable")
    assert growth.gap == pytest.approx(-0.2)
    assert growth.on_track is False
    # 36801.87 of 37000 亿元 = 99.46 %.
    assert (level.actual_period, level.percent, level.time_share) == ("2024", 99.46, 100.0)
    # Retail sales after nine months: 7646.98 of 10500 亿元 = 72.83 %, with 75 % of the year gone.
    assert (retail.actual_period, retail.percent, retail.time_share) == ("2023Q3YTD", 72.83, 75.0)
    assert retail.on_track is False
    # A rate against a level target is judged by its gap alone: 11.0 % against 10.0 %.
    assert (investment.percent, investment.gap, investment.on_track) == (None, 1.0, True)


def test_a_growth_target_meets_the_published_rate_else_the_nominal_growth(
    db: Database, system: Actor
) -> None:
    with db.write() as conn:
        target = set_target(conn, system, "VA_PRIMARY", "440300", "2024", "growth", 5.0)
        found = progress(conn, system, target)
    # VA_PRIMARY_GROWTH 2024 is stored (1.5 %, comparable): it is used, not the nominal 6.72 %.
    assert (found.actual, found.price_basis) == (1.5, "comparable")
    with db.write() as conn:
        target = set_target(conn, system, "POP_RESIDENT", "440300", "2022", "growth", 1.0)
        found = progress(conn, system, target)
    # No published rate for 2022: (1766.18 / 1768.16 − 1) × 100 = −0.112 %, computed.
    assert found.actual == pytest.approx(-0.111981)
    assert found.compared_with == "POP_RESIDENT"
    assert found.on_track is False


def test_setting_replaces_and_records_in_the_ledger(db: Database, system: Actor) -> None:
    before = ledger_size(db)
    with db.write() as conn:
        first = set_target(conn, system, "gdp", "440300", "2025", "growth", 5.0, "plan")
        second = set_target(conn, system, "GDP", "440300", "2025", "growth", 5.5, "revised plan")
        assert second.id == first.id
        assert (second.value, second.unit, second.note, second.set_by) == (5.5, "%", "revised plan", "system")
        removed = remove_target(conn, system, "GDP", "440300", "2025", "growth")
        assert removed.value == 5.5
        assert list_targets(conn, system, period="2025") == []
        actions = list(
            conn.execute(
                select(ledger_entries.c.action, ledger_entries.c.object_key).where(
                    ledger_entries.c.seq > before
                )
            )
        )
    assert [tuple(row) for row in actions] == [
        ("target.set", "GDP/440300/2025/growth"),
        ("target.set", "GDP/440300/2025/growth"),
        ("target.remove", "GDP/440300/2025/growth"),
    ]


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        (("NOPE", "440300", "2024", "level", 1.0), NotFound, "Unknown indicator NOPE"),
        (("GDP", "999999", "2024", "level", 1.0), NotFound, "Unknown region code 999999"),
        (("POP_RESIDENT", "440300", "2024Q1", "level", 1.0), InvalidInput, "reported by year"),
        (("GDP", "440300", "2024", "size", 1.0), InvalidInput, "'size' is not one of level, growth"),
        (("FAI_GROWTH", "440300", "2024", "growth", 1.0), InvalidInput, "FAI_GROWTH is itself a growth rate"),
        (("GDP", "440300", "2024", "level", float("nan")), InvalidInput, "finite number"),
    ],
)
def test_bad_targets_are_refused_by_name(
    db: Database,
    system: Actor,
    arguments: tuple[str, str, str, str, float],
    error: type[Exception],
    words: str,
) -> None:
    with db.write() as conn, pytest.raises(error) as raised:
        set_target(conn, system, *arguments)
    assert words in str(raised.value.render() if hasattr(raised.value, "render") else raised.value)


def test_only_those_managing_indicators_set_or_remove_targets(db: Database) -> None:
    for username in ("stats_analyst", "stats_admin", "finance_viewer"):
        actor = acting(db, username)
        with db.write() as conn, pytest.raises(PermissionDenied) as raised:
            set_target(conn, actor, "GDP", "440300", "2025", "growth", 5.0)
        assert "change the indicator system" in raised.value.render()
        with db.write() as conn, pytest.raises(PermissionDenied):
            remove_target(conn, actor, "GDP", "440300", "2024", "growth")
    with db.write() as conn, pytest.raises(NotFound) as missing:
        remove_target(conn, acting(db, "admin"), "GDP", "440300", "2030", "level")
    assert "There is no level target of GDP for region 440300 in 2030" in missing.value.render()
