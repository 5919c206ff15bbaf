"""The link from a published growth rate to its level (growth_of) and its price basis: checked, stored,
and carried through the JSON and Excel exchange."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor
from citybase.errors import InvalidInput
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.exchange import export_system, import_system
from citybase.indicators.workbook import read_workbook, write_workbook
from citybase.storage import Database
from tests.analysis.conftest import analysis_system


def test_the_demo_links_its_growth_rates(db: Database) -> None:
    with db.read() as conn:
        catalog = indicator_catalog(conn)
    gdp_growth = catalog.by_code["GDP_GROWTH"]
    assert (gdp_growth.growth_of, gdp_growth.price_basis) == ("GDP", "comparable")
    assert catalog.by_code["RETAIL_SALES_GROWTH"].price_basis == "nominal"
    assert catalog.by_code["GDP"].growth_of is None


def test_the_link_round_trips_through_json_and_excel(store: Database, system: Actor) -> None:
    with store.read() as conn:
        document = export_system(conn, system)
    entry = next(item for item in document["indicators"] if item["code"] == "GDP_GROWTH")
    assert (entry["growth_of"], entry["price_basis"]) == ("GDP", "comparable")
    again = read_workbook(write_workbook(document))
    entry = next(item for item in again["indicators"] if item["code"] == "GDP_GROWTH")
    assert (entry["growth_of"], entry["price_basis"]) == ("GDP", "comparable")
    with store.write() as conn:
        report = import_system(conn, system, again)
    assert report.revised == []


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"growth_of": "NOPE"}, "Unknown indicator NOPE"),
        ({"growth_of": "GDP_GROWTH"}, "cannot be its own growth"),
        ({"price_basis": "real"}, "'real' is not one of comparable, nominal"),
    ],
)
def test_bad_links_are_refused(store: Database, system: Actor, changes: dict[str, str], text: str) -> None:
    document = analysis_system()
    entry = next(item for item in document["indicators"] if item["code"] == "GDP_GROWTH")
    entry.update(changes)
    with store.write() as conn, pytest.raises(InvalidInput) as refused:
        import_system(conn, system, document)
    assert any(text in problem.render() for problem in refused.value.problems)


def test_only_a_growth_rate_links_to_a_level(store: Database, system: Actor) -> None:
    document = analysis_system()
    entry = next(item for item in document["indicators"] if item["code"] == "VA_TERTIARY")
    entry["growth_of"] = "GDP"
    with store.write() as conn, pytest.raises(InvalidInput) as refused:
        import_system(conn, system, document)
    assert "Only a growth rate can be the growth of another indicator; VA_TERTIARY is a flow" in [
        problem.render() for problem in refused.value.problems
    ]
