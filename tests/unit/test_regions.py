"""Region lookups: by code, by year, retired codes, malformed codes, children, ancestors, the demo streets."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor
from citybase.errors import InvalidInput, NotFound
from citybase.regions import Level, normalise_code
from citybase.regions.codes import implied_level, implied_parent
from citybase.regions.service import (
    ancestors,
    changes_of,
    children,
    get_region,
    is_within,
    level_counts,
    regions_at_level,
    roots,
    versions,
)
from citybase.storage import Database
from tests.factories import SHENZHEN_DISTRICTS, acting


def test_region_by_code(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        region = get_region(conn, system, "440305")
    assert (region.code, region.name, region.level, region.parent_code) == (
        "440305",
        "南山区",
        Level.COUNTY,
        "440300",
    )
    assert region.is_current


def test_code_is_stripped_of_surrounding_spaces(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        assert get_region(conn, system, " 440305\t").code == "440305"


def test_unknown_code_is_not_found_naming_it(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn, pytest.raises(NotFound, match="449999"):
        get_region(conn, system, "449999")


def test_malformed_code_is_invalid_input_naming_it(
    empty_db: Database, system: Actor, subtests: pytest.Subtests
) -> None:
    for code in ["4403", "44030X", "4403050", "4403050011", "", "南山区", "440 305"]:
        with subtests.test(code=code), empty_db.read() as conn:
            with pytest.raises(InvalidInput) as caught:
                get_region(conn, system, code)
            assert f"'{code}'" in caught.value.render()


def test_full_width_digits_are_read_as_the_same_code(empty_db: Database, system: Actor) -> None:
    # Chinese input methods type full-width digits.
    with empty_db.read() as conn:
        assert get_region(conn, system, "４４０３０５").code == "440305"


def test_retired_code_stays_resolvable(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        region = get_region(conn, system, "110103")
        in_2005 = get_region(conn, system, "110103", 2005)
        in_last_year = get_region(conn, system, "110103", 2009)
    assert (region.name, region.valid_to, region.is_current) == ("崇文区", 2009, False)
    assert in_2005 == region == in_last_year


def test_year_after_retirement_is_not_found_naming_code_and_year(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn, pytest.raises(NotFound) as caught:
        get_region(conn, system, "110103", 2010)
    assert "110103" in caught.value.render()
    assert "2010" in caught.value.render()


def test_year_before_a_code_started_is_not_found(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        assert get_region(conn, system, "440309", 2016).name == "龙华区"
        with pytest.raises(NotFound, match=r"440309.*2015"):
            get_region(conn, system, "440309", 2015)


def test_a_current_code_without_start_year_is_valid_in_any_year(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        assert get_region(conn, system, "440305", 1990).name == "南山区"
        assert get_region(conn, system, "440305", 2030).name == "南山区"


def test_versions_and_changes_of_a_merged_code(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        found = versions(conn, system, "110103")
        merged = changes_of(conn, system, "110103")
        into = changes_of(conn, system, "110101")
    assert [(item.name, item.valid_to) for item in found] == [("崇文区", 2009)]
    assert [(change.year, change.kind.value, change.new_code) for change in merged] == [
        (2010, "merged", "110101")
    ]
    assert {change.old_code for change in into} == {"110103"}


def test_children_are_current_and_ordered_by_code(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        found = children(conn, system, "440300")
    assert [region.code for region in found] == sorted(SHENZHEN_DISTRICTS)
    assert all(region.parent_code == "440300" and region.is_current for region in found)


def test_children_in_a_year_include_codes_retired_since(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        now = {region.code for region in children(conn, system, "110100")}
        in_2005 = {region.code for region in children(conn, system, "110100", 2005)}
    assert "110103" not in now
    assert {"110103", "110104"} <= in_2005
    # Codes only set up later are absent from the older year.
    with empty_db.read() as conn:
        shenzhen_2015 = {region.code for region in children(conn, system, "440300", 2015)}
    assert not {"440309", "440310", "440311"} & shenzhen_2015


def test_ancestors_run_from_the_root_down(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        trail = ancestors(conn, system, "440305")
    assert [(region.code, region.level) for region in trail] == [
        ("100000", Level.COUNTRY),
        ("440000", Level.PROVINCE),
        ("440300", Level.CITY),
    ]


def test_ancestors_of_a_retired_code_in_its_year(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        trail = ancestors(conn, system, "371202", 2010)
    assert [region.code for region in trail] == ["100000", "370000", "371200"]
    assert trail[-1].name == "莱芜市"


def test_the_root_is_the_country(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        found = roots(conn, system)
        assert ancestors(conn, system, "100000") == []
    assert [(region.code, region.level) for region in found] == [("100000", Level.COUNTRY)]


def test_is_within(empty_db: Database) -> None:
    with empty_db.read() as conn:
        assert is_within(conn, "440305", "440000")
        assert is_within(conn, "440305", "440305")
        assert not is_within(conn, "440305", "110000")


def test_level_counts_match_the_bundled_list(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        found = level_counts(conn, system)
        provinces = regions_at_level(conn, system, Level.PROVINCE)
    assert found[Level.COUNTRY] == 1
    assert found[Level.PROVINCE] == len(provinces) == 31
    assert Level.TOWNSHIP not in found  # only the demo city brings townships


def test_demo_city_streets_hang_under_shenzhen_districts(db: Database, system: Actor) -> None:
    with db.read() as conn:
        streets = regions_at_level(conn, system, Level.TOWNSHIP)
    assert len(streets) == 79
    for street in streets:
        assert len(street.code) == 9
        assert street.code.startswith("4403")
        assert street.parent_code == street.code[:6]
        assert street.parent_code in SHENZHEN_DISTRICTS


def test_street_children_and_ancestors(db: Database, system: Actor) -> None:
    with db.read() as conn:
        nanshan = children(conn, system, "440305")
        trail = ancestors(conn, system, "440305002")
        street = get_region(conn, system, "440305002")
    assert len(nanshan) == 9
    assert {"440305001", "440305002", "440305400"} <= {region.code for region in nanshan}
    assert (street.name, street.level) == ("南山街道", Level.TOWNSHIP)
    assert [region.code for region in trail] == ["100000", "440000", "440300", "440305"]


def test_streets_are_only_loaded_for_the_demo_city(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        assert children(conn, system, "440305") == []
        with pytest.raises(NotFound):
            get_region(conn, system, "440305002")


def test_every_role_may_view_regions(db: Database) -> None:
    viewer = acting(db, "finance_viewer")
    with db.read() as conn:
        assert get_region(conn, viewer, "440305").name == "南山区"


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("100000", Level.COUNTRY, None),
        ("440000", Level.PROVINCE, "100000"),
        ("440300", Level.CITY, "440000"),
        ("440305", Level.COUNTY, "440300"),
        ("440305002", Level.TOWNSHIP, "440305"),
    ],
)
def test_level_and_parent_implied_by_digits(code: str, level: Level, parent: str | None) -> None:
    assert implied_level(code) is level
    assert implied_parent(code) == parent


def test_normalise_code_keeps_nine_digit_codes() -> None:
    assert normalise_code(" 440305002 ") == "440305002"
