"""Dashboards on the demo city: who sees and changes what under each sharing, the refusals that name the
panel and field (with nothing written), and panel data against figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from citybase.accounts.actor import Actor
from citybase.dashboards.model import ChartType, Measure
from citybase.dashboards.rendering import dashboard_panel_data
from citybase.dashboards.service import (
    copy_dashboard,
    create_dashboard,
    delete_dashboard,
    get_dashboard,
    list_dashboards,
    share_dashboard,
    update_dashboard,
    upsert_dashboard,
)
from citybase.dashboards.tables import dashboard_panels, dashboards
from citybase.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from citybase.ledger.service import LedgerFilter, list_entries
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from tests.factories import acting, counts

OWNER = "stats_analyst"  # STATS
SAME_ORG = "stats_reviewer"  # STATS
OTHER_ORG = "finance_viewer"  # FINANCE
DISTRICT = "nanshan_submitter"  # NANSHAN


def panel(**overrides: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "title": "GDP",
        "chart": "line",
        "indicators": ["GDP"],
        "regions": ["440300"],
        "periods": {"last": 5},
        "measure": "level",
    }
    return {**found, **overrides}


def definition(code: str = "gdp-watch", *panels: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"code": code, "title": "GDP watch", "panels": list(panels) or [panel()], **overrides}


def make(db: Database, username: str = OWNER, **overrides: Any) -> str:
    with db.write() as conn:
        return create_dashboard(conn, acting(db, username), definition(**overrides)).code


def sees(db: Database, username: str, code: str) -> bool:
    actor = acting(db, username)
    with db.read() as conn:
        try:
            get_dashboard(conn, actor, code)
        except PermissionDenied:
            return False
        visible = code in [item.code for item in list_dashboards(conn, actor)]
    assert visible
    return True


@pytest.mark.parametrize(
    ("sharing", "shared_with", "expected"),
    [
        ("private", [], {OWNER: True, SAME_ORG: False, OTHER_ORG: False, DISTRICT: False, "admin": True}),
        ("organisation", [], {OWNER: True, SAME_ORG: True, OTHER_ORG: False, DISTRICT: False, "admin": True}),
        ("government", [], {OWNER: True, SAME_ORG: True, OTHER_ORG: True, DISTRICT: True, "admin": True}),
        (
            "organisations",
            ["FINANCE"],
            {OWNER: True, SAME_ORG: False, OTHER_ORG: True, DISTRICT: False, "admin": True},
        ),
    ],
)
def test_sharing_decides_who_sees_a_dashboard(
    db: Database, sharing: str, shared_with: list[str], expected: dict[str, bool]
) -> None:
    code = make(db)
    with db.write() as conn:
        shared = share_dashboard(conn, acting(db, OWNER), code, sharing, shared_with)
    assert shared.sharing.value == sharing
    assert {username: sees(db, username, code) for username in expected} == expected


def test_only_the_owner_or_a_platform_admin_changes_shares_or_deletes(db: Database) -> None:
    code = make(db, sharing="government")
    reader = acting(db, SAME_ORG)
    for change in (
        lambda conn: update_dashboard(conn, reader, code, definition(title="Mine now")),
        lambda conn: share_dashboard(conn, reader, code, "private"),
        lambda conn: delete_dashboard(conn, reader, code),
    ):
        with db.write() as conn, pytest.raises(PermissionDenied, match=r"Only the owner \(stats_analyst\)"):
            change(conn)
    with db.write() as conn:
        changed = update_dashboard(
            conn, acting(db, "admin"), code, definition(title="Checked by the platform")
        )
    assert (changed.title, changed.owner, changed.updated_by) == ("Checked by the platform", OWNER, "admin")
    with db.write() as conn:
        delete_dashboard(conn, acting(db, OWNER), code)
    with db.read() as conn, pytest.raises(NotFound, match="There is no dashboard gdp-watch"):
        get_dashboard(conn, acting(db, OWNER), code)


def test_a_reader_saves_a_shared_dashboard_as_a_private_one_of_their_own(db: Database) -> None:
    code = make(db, sharing="government")
    with db.write() as conn:
        copied = copy_dashboard(conn, acting(db, OTHER_ORG), code, "my-gdp", "我的GDP")
    assert (copied.code, copied.title, copied.owner, copied.owner_org) == (
        "my-gdp",
        "我的GDP",
        OTHER_ORG,
        "FINANCE",
    )
    assert copied.sharing.value == "private"
    assert copied.panels == get_dashboard_as(db, OWNER, code).panels
    assert not sees(db, SAME_ORG, "my-gdp")


def get_dashboard_as(db: Database, username: str, code: str) -> Any:
    with db.read() as conn:
        return get_dashboard(conn, acting(db, username), code)


def test_every_change_is_in_the_ledger(db: Database, system: Actor) -> None:
    code = make(db)
    with db.write() as conn:
        update_dashboard(conn, acting(db, OWNER), code, definition(title="Second title"))
        share_dashboard(conn, acting(db, OWNER), code, "organisations", ["FINANCE", "DRC"])
        copy_dashboard(conn, acting(db, OWNER), code, "gdp-watch-2")
        delete_dashboard(conn, acting(db, OWNER), code)
    with db.read() as conn:
        entries = list_entries(conn, system, LedgerFilter(object_type="dashboard"), limit=20)
    actions = [
        (item.action, item.object_key, item.actor) for item in reversed(entries) if item.actor == OWNER
    ]
    assert actions == [
        ("dashboard.created", "gdp-watch", OWNER),
        ("dashboard.updated", "gdp-watch", OWNER),
        ("dashboard.shared", "gdp-watch", OWNER),
        ("dashboard.created", "gdp-watch-2", OWNER),
        ("dashboard.deleted", "gdp-watch", OWNER),
    ]
    shared = next(item for item in entries if item.action == "dashboard.shared")
    assert shared.detail == {"sharing": "organisations", "orgs": ["DRC", "FINANCE"]}
    assert (
        next(item for item in entries if item.object_key == "gdp-watch-2").detail["copied_from"]
        == "gdp-watch"
    )


@pytest.mark.parametrize(
    ("bad", "column", "text"),
    [
        (panel(indicators=["GDP", "NOPE"]), "panels.1.indicators", "Panel 1 (GDP): unknown indicator NOPE"),
        (panel(regions=["999999"]), "panels.1.regions", "Panel 1 (GDP): unknown region 999999"),
        (
            panel(indicators=["GDP_GROWTH"], measure="share"),
            "panels.1.measure",
            "GDP_GROWTH is a growth_rate",
        ),
        (panel(indicators=["GDP_GROWTH"], measure="pop"), "panels.1.measure", "no period-on-period change"),
        (
            panel(indicators=["GDP_GROWTH", "VA_PRIMARY_GROWTH"], chart="stacked_bar"),
            "panels.1.chart",
            "a stacked_bar adds its parts up; GDP_GROWTH (growth_rate, level) cannot be added up",
        ),
        (
            panel(indicators=["SHARE_PRIMARY"], measure="index"),
            "panels.1.measure",
            "SHARE_PRIMARY is a percentage",
        ),
        (
            panel(indicators=["GDP", "POP_RESIDENT"], regions=["districts:440300"]),
            "panels.1.indicators",
            "18 series (indicators × regions) are too many for a line; at most 16",
        ),
        (panel(indicators=["POP_RESIDENT"], frequency="quarter"), "panels.1.frequency", "reported by year"),
        (panel(unit="人"), "panels.1.unit", "Unit '亿元' cannot be converted to '人'"),
        (panel(measure="yoy", unit="亿元"), "panels.1.unit", "a yoy panel has its own unit"),
        (panel(chart="map", regions=["440300"]), "panels.1.regions", "there is no district map for 440300"),
        (panel(chart="kpi", regions=["440300", "440305"]), "panels.1.indicators", "at most 1"),
        (panel(periods={"last": 61}), "panels.1.periods", "at most 60 periods"),
        (panel(periods={"from": "2023", "to": "2019"}), "panels.1.periods", "runs backwards"),
        (panel(chart="donut"), "panels.1.chart", "chart 'donut' is not one of line, bar"),
    ],
)
def test_a_bad_panel_is_refused_naming_the_panel_and_field_and_nothing_is_written(
    db: Database, bad: dict[str, Any], column: str, text: str
) -> None:
    before = counts(db, dashboards, dashboard_panels, ledger_entries)
    with db.write() as conn, pytest.raises(InvalidInput) as refused:
        create_dashboard(conn, acting(db, OWNER), definition("bad-one", bad))
    problems = [(item.column, item.render()) for item in refused.value.problems]
    assert any(where == column and text in said for where, said in problems), problems
    assert counts(db, dashboards, dashboard_panels, ledger_entries) == before


def test_the_dashboard_fields_are_checked_too(db: Database) -> None:
    make(db)
    with db.write() as conn, pytest.raises(InvalidInput) as refused:
        create_dashboard(conn, acting(db, OWNER), definition("Bad Code!", title="", sharing="organisations"))
    columns = {item.column for item in refused.value.problems}
    assert columns == {"code", "title"}
    with db.write() as conn, pytest.raises(InvalidInput) as refused:
        create_dashboard(
            conn, acting(db, OWNER), definition("fine", sharing="organisations", shared_with=["NOWHERE"])
        )
    assert [item.render() for item in refused.value.problems] == ["Unknown organisation NOWHERE"]
    with db.write() as conn, pytest.raises(AlreadyExists, match="gdp-watch exists already"):
        create_dashboard(conn, acting(db, OTHER_ORG), definition())
    with db.write() as conn, pytest.raises(PermissionDenied, match="for another user"):
        create_dashboard(conn, acting(db, OTHER_ORG), definition("for-them"), owner=OWNER)


def test_import_replaces_only_when_asked(db: Database) -> None:
    code = make(db)
    again = definition(title="Imported again")
    with db.write() as conn, pytest.raises(AlreadyExists):
        upsert_dashboard(conn, acting(db, OWNER), again)
    with db.write() as conn:
        replaced = upsert_dashboard(conn, acting(db, OWNER), again, replace=True)
    assert (replaced.code, replaced.title) == (code, "Imported again")


def data(db: Database, code: str, number: int, username: str = OWNER) -> Any:
    with db.read() as conn:
        return dashboard_panel_data(conn, acting(db, username), code, number)


def test_the_demo_dashboard_is_shared_with_the_whole_government(db: Database) -> None:
    found = get_dashboard_as(db, DISTRICT, "economy-monthly")
    assert (found.title, found.owner, found.sharing.value) == ("经济运行月度看板", OWNER, "government")
    assert [item.chart for item in found.panels] == [
        ChartType.LINE, ChartType.BAR, ChartType.KPI, ChartType.PIE, ChartType.STACKED_BAR, ChartType.MAP,
        ChartType.TABLE,
    ]  # fmt: skip


def test_levels_and_growth_keep_nominal_and_comparable_apart(db: Database) -> None:
    levels = data(db, "economy-monthly", 1, DISTRICT)
    assert levels.periods[-5:] == ("2019", "2021", "2022", "2023", "2024")
    assert levels.series[0].values[-5:] == [26927.09, 30664.85, 32387.68, 34606.4, 36801.87]
    assert levels.series[0].unit == "亿元"

    growth = data(db, "economy-monthly", 2, DISTRICT)
    assert growth.periods == ("2021", "2022", "2023", "2024")
    nominal, published = growth.series
    # (32387.68 / 30664.85 − 1) × 100, (34606.4 / 32387.68 − 1) × 100, (36801.87 / 34606.4 − 1) × 100;
    # 2021 has no base, as 2020 is not stored.
    assert nominal.values == [None, 5.618257, 6.850506, 6.344116]
    assert (nominal.price_basis, nominal.method, nominal.unit) == ("nominal", "computed", "%")
    assert nominal.points[2].input == 34606.4
    assert nominal.points[2].base == 32387.68
    assert published.values == [6.7, 3.3, 6.0, 5.8]
    assert (published.price_basis, published.method) == ("comparable", "published")


def test_per_capita_share_and_pie_figures(db: Database) -> None:
    per_head = data(db, "economy-monthly", 3)
    assert per_head.periods == ("2021", "2022")
    # 32387.68 亿元 / 1766.18 万人 × 10⁴ = 183377.0057 元/人 (year-end population of 2022)
    assert per_head.series[0].values[-1] == pytest.approx(32387.68 / 1766.18 * 1e4, abs=1e-4)
    assert per_head.series[0].unit == "元/人"

    pie = data(db, "economy-monthly", 4)
    assert pie.periods == ("2024",)
    assert [item.values[0] for item in pie.series] == [26.37, 13909.28, 22866.22]

    shares = data(db, "economy-monthly", 6)
    assert shares.periods == ("2016",)
    nanshan = next(item for item in shares.series if item.region == "440305")
    # 南山 38452711 万元 = 3845.2711 亿元 of the city's 194926012 万元 = 19492.6012 亿元 (the yearbook)
    assert nanshan.values[0] == 19.726824
    assert (nanshan.points[0].input, nanshan.points[0].base) == (3845.2711, 19492.6012)
    assert len(shares.series) == 9


def test_units_index_and_csv_rows(db: Database) -> None:
    code = make(
        db,
        code="units",
        panels=[
            panel(chart="bar", regions=["districts:440300"], periods={"last": 1}, unit="万元"),
            panel(measure="index", periods={"from": "2021", "to": "2023"}),
        ],
    )
    districts = data(db, code, 1)
    assert next(item for item in districts.series if item.region == "440305").values == [38452711.0]
    assert districts.series[0].unit == "万元"
    indexed = data(db, code, 2)
    # 2021 = 100: 32387.68 / 30664.85 × 100, 34606.4 / 30664.85 × 100
    assert indexed.series[0].values == [100.0, 105.618257, 112.853642]
    rows = indexed.rows()
    assert rows[1]["period"] == "2022"
    assert rows[1]["input_value"] == 32387.68
    assert rows[1]["base_value"] == 30664.85
    assert indexed.panel.measure is Measure.INDEX


def test_panel_data_follows_the_dashboard_s_sharing(db: Database) -> None:
    code = make(db)
    with pytest.raises(PermissionDenied, match="not shared with them"):
        data(db, code, 1, OTHER_ORG)
    with pytest.raises(NotFound, match="has no panel 2"):
        data(db, code, 2)
