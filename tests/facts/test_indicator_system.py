"""The indicator system: definitions checked field by field, versions, and exchange round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from citybase.accounts.actor import Actor
from citybase.cli import app as cli_app
from citybase.errors import AlreadyExists, InvalidInput
from citybase.indicators.definitions import IndicatorInput
from citybase.indicators.exchange import export_system, import_system
from citybase.indicators.service import create_indicator, get_indicator, list_indicators, revise_indicator
from citybase.indicators.tables import indicators
from citybase.indicators.workbook import read_workbook, write_workbook
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database


def _input(**changes: object) -> IndicatorInput:
    data = {
        "code": "RETAIL_SALES",
        "name": "社会消费品零售总额",
        "unit": "亿元",
        "frequency": "month",
        "value_kind": "flow",
        "authoritative_org": "STATS",
        "definition": "售给个人和社会集团的消费品",
    }
    return IndicatorInput.from_mapping({**data, **changes})


def _count(db: Database, table: object) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_create_with_defaults_from_the_value_kind(store: Database, system: Actor) -> None:
    with store.write() as conn:
        created = create_indicator(conn, system, _input())
    assert (created.region_aggregation.value, created.time_aggregation.value) == ("sum", "sum")
    assert created.reporters == ("STATS",)
    with store.write() as conn, pytest.raises(AlreadyExists):
        create_indicator(conn, system, _input())


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"code": "retail-sales"}, "code", "capital letters"),
        ({"unit": "斤斤"}, "unit", "Unknown unit"),
        ({"frequency": "weekly"}, "frequency", "not one of"),
        ({"value_kind": "money"}, "value_kind", "not one of"),
        ({"authoritative_org": "NOPE"}, "authoritative_org", "Unknown organisation NOPE"),
        ({"reporters": ["NOPE2"]}, "reporters", "NOPE2"),
        ({"dimensions": ["AGE"]}, "dimensions", "AGE"),
        ({"category": "NOWHERE"}, "category", "NOWHERE"),
        ({"min_value": 5, "max_value": 1}, "min_value", "above the highest"),
        ({"region_aggregation": "weighted_mean"}, "weight_indicator", "weight indicator"),
        ({"formula": "GDP / NOPE_X", "value_kind": "ratio"}, "formula", "NOPE_X"),
        (
            {"formula": "GDP / VA_TERTIARY", "unit": "亿元", "value_kind": "ratio"},
            "formula",
            "cannot be expressed",
        ),
        ({"formula": "import os", "value_kind": "ratio"}, "formula", "cannot be read"),
    ],
)
def test_each_problem_names_its_field(
    store: Database, system: Actor, changes: dict[str, object], field: str, fragment: str
) -> None:
    before = _count(store, indicators)
    with store.write() as conn, pytest.raises(InvalidInput) as error:
        create_indicator(conn, system, _input(**changes))
    assert any(
        problem.column == field and fragment in problem.render() for problem in error.value.problems
    ), [(problem.column, problem.render()) for problem in error.value.problems]
    assert _count(store, indicators) == before


def test_a_formula_cycle_is_refused(store: Database, system: Actor) -> None:
    with store.write() as conn:
        create_indicator(
            conn, system, _input(code="A_CALC", formula="GDP * 1", unit="亿元", value_kind="ratio")
        )
        current = get_indicator(conn, system, "A_CALC")[0]
        data = _input(code="A_CALC", formula="B_CALC * 1", unit="亿元", value_kind="ratio")
        create_indicator(
            conn, system, _input(code="B_CALC", formula="A_CALC * 2", unit="亿元", value_kind="ratio")
        )
        with pytest.raises(InvalidInput) as error:
            revise_indicator(
                conn, system, "A_CALC", data, effective_from=current.effective_from + dt.timedelta(days=1)
            )
    assert "A_CALC → B_CALC → A_CALC" in error.value.problems[0].render()


def test_a_changed_definition_is_a_new_version(store: Database, system: Actor) -> None:
    with store.write() as conn:
        create_indicator(conn, system, _input(), effective_from=dt.date(2000, 1, 1))
        with pytest.raises(InvalidInput, match="give the date"):
            revise_indicator(conn, system, "RETAIL_SALES", _input(definition="新口径：含网上零售"))
        revised = revise_indicator(
            conn,
            system,
            "RETAIL_SALES",
            _input(definition="新口径：含网上零售"),
            effective_from=dt.date(2015, 1, 1),
            change_note="纳入网上零售",
        )
        renamed = revise_indicator(
            conn, system, "RETAIL_SALES", _input(definition="新口径：含网上零售", name="社零总额")
        )
    assert (revised.version, revised.effective_from) == (2, dt.date(2015, 1, 1))
    assert (renamed.version, renamed.name) == (2, "社零总额")


def test_json_round_trip(store: Database, other_db: Database, system: Actor) -> None:
    with store.write() as conn:
        revise_indicator(
            conn,
            system,
            "GDP",
            _gdp_changed(conn, system),
            effective_from=dt.date(2019, 1, 1),
            change_note="四经普后修订",
        )
        document = export_system(conn, system)
    _orgs(other_db, system)
    with other_db.write() as conn:
        import_system(conn, system, document)
        again = export_system(conn, system)
    assert _comparable(again) == _comparable(document)
    gdp = next(item for item in again["indicators"] if item["code"] == "GDP")
    assert [version["version"] for version in gdp["versions"]] == [1, 2]


def test_excel_round_trip(store: Database, system: Actor) -> None:
    with store.read() as conn:
        document = export_system(conn, system)
    assert _comparable(read_workbook(write_workbook(document))) == _comparable(document)


def test_an_import_with_any_problem_writes_nothing(store: Database, system: Actor) -> None:
    with store.read() as conn:
        document = export_system(conn, system)
    document["indicators"][0]["unit"] = "斤斤"
    document["aliases"].append(
        {"alias": "X_ALIAS", "indicator": "GDP", "unit": None, "dims": "", "cumulative": False, "note": ""}
    )
    before = (_count(store, indicators), _count(store, ledger_entries))
    with store.write() as conn, pytest.raises(InvalidInput) as error:
        import_system(conn, system, document)
    assert error.value.problems[0].column == "indicators[0].unit"
    assert (_count(store, indicators), _count(store, ledger_entries)) == before


def test_cli_export_and_import(store: Database, empty_url: str, system: Actor, tmp_path: Path) -> None:
    source_url = str(store.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    for suffix in ("json", "xlsx"):
        target = tmp_path / f"system.{suffix}"
        result = runner.invoke(cli_app, ["indicators", "export", str(target), "--database-url", source_url])
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli_app, ["indicators", "import", str(target), "--database-url", source_url])
        assert result.exit_code == 0, result.output
        assert "0 created, 0 revised" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(cli_app, ["indicators", "import", str(broken), "--database-url", source_url])
    assert result.exit_code != 0
    assert "not a JSON document" in result.output


def test_listing_by_category_follows_the_tree(store: Database, system: Actor) -> None:
    with store.read() as conn:
        codes = {item.code for item in list_indicators(conn, system, category="ECON")}
    assert {"GDP", "VA_TERTIARY", "SHARE_TERTIARY_CALC"} <= codes
    assert "POP_RESIDENT" not in codes


def _gdp_changed(conn: object, system: Actor) -> IndicatorInput:
    gdp = get_indicator(conn, system, "GDP")[0]  # type: ignore[arg-type]
    return IndicatorInput.from_mapping(
        {
            **{
                name: getattr(gdp, name)
                for name in (
                    "code",
                    "name",
                    "name_en",
                    "category",
                    "unit",
                    "decimals",
                    "min_value",
                    "max_value",
                    "notes",
                    "formula",
                    "weight_indicator",
                )
            },
            "frequency": gdp.frequency.value,
            "value_kind": gdp.value_kind.value,
            "status": gdp.status.value,
            "authoritative_org": gdp.authoritative_org,
            "reporters": list(gdp.reporters),
            "dimensions": list(gdp.dimensions),
            "definition": gdp.definition + "（第四次经济普查后修订）",
        }
    )


def _orgs(db: Database, system: Actor) -> None:
    from citybase.accounts.organisations import create_organisation

    with db.write() as conn:
        for code in ("GSDB", "STATS", "PSB", "NANSHAN", "FUTIAN"):
            create_organisation(
                conn,
                system,
                code=code,
                name=code,
                kind="department",
                region_code="440300",
                platform=code == "GSDB",
            )


def _comparable(document: dict[str, object]) -> dict[str, object]:
    """The document without the import's own bookkeeping (who recorded each version and when)."""
    copy = dict(document)
    copy["indicators"] = [
        {
            **item,
            "versions": [
                {key: value for key, value in version.items() if key not in ("recorded_at",)}
                for version in item["versions"]
            ],
        }
        for item in document["indicators"]  # type: ignore[attr-defined]
    ]
    return copy
