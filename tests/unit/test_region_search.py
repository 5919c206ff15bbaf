"""Finding regions by name, short name, path, typo and code prefix, and the index following changes."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor
from citybase.regions.index import region_index, short_name
from citybase.regions.loader import apply_edition
from citybase.regions.search import search_regions
from citybase.site import HOME_REGION, REGIONS_REVISION, get_setting, set_setting
from citybase.storage import Database, connect_database
from tests.factories import shenzhen_edition


def _codes(db: Database, actor: Actor, query: str, limit: int = 10, year: int | None = None) -> list[str]:
    with db.read() as conn:
        return [match.region.code for match in search_regions(conn, actor, query, limit=limit, year=year)]


def test_short_name_puts_the_home_citys_district_first(db: Database, system: Actor) -> None:
    with db.read() as conn:
        matches = search_regions(conn, system, "南山")
    assert (matches[0].region.code, matches[0].how) == ("440305", "short")
    # The other 南山区 (鹤岗) and the 南山街道 inside Nanshan are still offered.
    assert {"230404", "440305002"} <= {match.region.code for match in matches}


def test_without_a_home_region_ties_fall_back_to_level_and_code(empty_db: Database, system: Actor) -> None:
    assert _codes(empty_db, system, "南山")[:2] == ["230404", "440305"]
    with empty_db.write() as conn:
        set_setting(conn, system, HOME_REGION, "440300")
    assert _codes(empty_db, system, "南山")[0] == "440305"


def test_exact_full_name_scores_highest(db: Database, system: Actor) -> None:
    with db.read() as conn:
        first = search_regions(conn, system, "南山街道")[0]
    assert (first.region.code, first.how, first.score) == ("440305002", "exact", 100.0)


def test_path_of_ancestor_names(db: Database, system: Actor) -> None:
    with db.read() as conn:
        matches = search_regions(conn, system, "深圳南山")
    assert (matches[0].region.code, matches[0].how) == ("440305", "path")
    assert "230404" not in {match.region.code for match in matches}  # 鹤岗's 南山区 is not in 深圳


def test_full_official_path(db: Database, system: Actor) -> None:
    assert _codes(db, system, "广东省深圳市南山区")[0] == "440305"
    assert _codes(db, system, "黑龙江省鹤岗市南山区")[0] == "230404"


def test_spaces_in_the_query_are_ignored(db: Database, system: Actor) -> None:
    assert _codes(db, system, " 深圳 南山 ")[0] == "440305"


def test_a_typo_still_finds_the_district(db: Database, system: Actor) -> None:
    with db.read() as conn:
        matches = search_regions(conn, system, "南山去")
    assert matches, "a one-character typo should still match fuzzily"
    assert (matches[0].region.code, matches[0].how) == ("440305", "fuzzy")


def test_code_prefix_lists_codes_under_it_shortest_first(db: Database, system: Actor) -> None:
    with db.read() as conn:
        matches = search_regions(conn, system, "4403", limit=50)
    codes = [match.region.code for match in matches]
    assert codes[0] == "440300"
    assert all(code.startswith("4403") for code in codes)
    assert all(match.how == "code" for match in matches)
    assert len(codes) == 50


def test_a_full_code_comes_first(db: Database, system: Actor) -> None:
    with db.read() as conn:
        matches = search_regions(conn, system, "440305")
    assert (matches[0].region.code, matches[0].score) == ("440305", 100.0)
    assert {match.region.parent_code for match in matches[1:]} == {"440305"}


def test_limit_is_respected(db: Database, system: Actor) -> None:
    assert len(_codes(db, system, "朝阳", limit=2)) == 2


def test_blank_query_finds_nothing(db: Database, system: Actor) -> None:
    assert _codes(db, system, "  ") == []


def test_retired_codes_are_found_and_year_filters_them(db: Database, system: Actor) -> None:
    assert _codes(db, system, "崇文区")[0] == "110103"
    assert "110103" in _codes(db, system, "崇文", year=2005)
    assert "110103" not in _codes(db, system, "崇文", year=2015)


def test_current_codes_rank_before_retired_ones_of_equal_score(empty_db: Database, system: Actor) -> None:
    with empty_db.write() as conn:
        apply_edition(conn, system, shenzhen_edition({"440305": "南山新区"}), 2024, "test")
    with empty_db.read() as conn:
        matches = [match for match in search_regions(conn, system, "440305") if match.region.code == "440305"]
    assert [(match.region.name, match.region.is_current) for match in matches] == [
        ("南山新区", True),
        ("南山区", False),
    ]


def test_short_name_strips_one_administrative_suffix() -> None:
    assert short_name("南山区") == "南山"
    assert short_name("广东省") == "广东"
    assert short_name("新疆维吾尔自治区") == "新疆"
    assert short_name("南山街道") == "南山"
    # Stripping may not leave a single character.
    assert short_name("沙市") == "沙市"


def test_index_is_reused_until_regions_change(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        first = region_index(conn)
        assert region_index(conn) is first
        revision = get_setting(conn, REGIONS_REVISION)
    with empty_db.write() as conn:
        apply_edition(conn, system, shenzhen_edition({"440399": "前海新区"}), 2024, "test")
    with empty_db.read() as conn:
        rebuilt = region_index(conn)
        new_revision = get_setting(conn, REGIONS_REVISION)
    assert rebuilt is not first
    assert new_revision != revision
    assert rebuilt.revision == new_revision


def test_search_sees_an_edition_applied_through_another_engine(empty_url: str, system: Actor) -> None:
    reader, writer = connect_database(empty_url), connect_database(empty_url)
    try:
        assert "440399" not in _codes(reader, system, "前海新区")
        with writer.write() as conn:
            apply_edition(
                conn, system, shenzhen_edition({"440399": "前海新区", "440305": "南山新区"}), 2024, "t"
            )
        assert _codes(reader, system, "前海新区")[0] == "440399"
        with reader.read() as conn:
            renamed = search_regions(conn, system, "南山新区")[0]
        assert (renamed.region.code, renamed.region.valid_from, renamed.how) == ("440305", 2024, "exact")
    finally:
        reader.dispose()
        writer.dispose()


def test_an_index_built_inside_a_rolled_back_change_is_not_reused(empty_db: Database, system: Actor) -> None:
    # The index built while the first edition was pending must not be taken for the state after the
    # second one, although each moved the revision once from the same starting point.
    def pending_edition() -> None:
        with empty_db.write() as conn:
            apply_edition(conn, system, shenzhen_edition({"440399": "前海新区"}), 2024, "t")
            assert search_regions(conn, system, "前海新区")[0].region.code == "440399"
            raise RuntimeError("the import was cancelled")

    with pytest.raises(RuntimeError):
        pending_edition()
    with empty_db.write() as conn:
        apply_edition(conn, system, shenzhen_edition({"440398": "后海新区"}), 2024, "t")
    assert "440399" not in _codes(empty_db, system, "前海新区")
    assert _codes(empty_db, system, "后海新区")[0] == "440398"


def test_search_follows_a_change_of_home_region(db: Database, system: Actor) -> None:
    assert _codes(db, system, "南山")[0] == "440305"
    with db.write() as conn:
        set_setting(conn, system, HOME_REGION, "230400")
    assert _codes(db, system, "南山")[0] == "230404"
