"""Applying yearly editions of the division list: new, renamed and retired codes, order, and bad input."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.ledger import LedgerFilter, list_entries, verify_chain
from citybase.ledger.tables import ledger_entries
from citybase.regions.loader import DivisionRow, EditionReport, apply_edition, parse_division_csv
from citybase.regions.model import Level
from citybase.regions.service import children, get_region, versions
from citybase.regions.tables import regions
from citybase.site import REGIONS_REVISION, get_setting
from citybase.storage import Database
from tests.factories import SHENZHEN_DISTRICTS, acting, counts, county, shenzhen_edition

HEADER = "code,name,level,parent_code\n"


def _apply(
    db: Database, actor: Actor, rows: list[DivisionRow], edition: int | None, **options: bool
) -> EditionReport:
    with db.write() as conn:
        return apply_edition(conn, actor, rows, edition, "test-edition.csv", **options)


def _revision(db: Database) -> str | None:
    with db.read() as conn:
        return get_setting(conn, REGIONS_REVISION)


def test_unchanged_list_changes_nothing_but_is_recorded(empty_db: Database, system: Actor) -> None:
    before = counts(empty_db, regions)
    report = _apply(empty_db, system, shenzhen_edition(), 2024)
    assert report.as_dict() == {"edition": 2024, "added": 0, "changed": 0, "retired": 0, "unchanged": 9}
    assert counts(empty_db, regions) == before
    with empty_db.read() as conn:
        [entry] = list_entries(conn, system, LedgerFilter(action="regions.edition_applied"), limit=1)
    assert entry.object_key == "2024"
    assert entry.detail["source"] == "test-edition.csv"


def test_new_code_starts_in_the_edition_year(empty_db: Database, system: Actor) -> None:
    report = _apply(empty_db, system, shenzhen_edition({"440399": "前海新区"}), 2024)
    assert report.added == ["440399"]
    with empty_db.read() as conn:
        region = get_region(conn, system, "440399")
        assert get_region(conn, system, "440399", 2024) == region
        with pytest.raises(NotFound, match=r"440399.*2023"):
            get_region(conn, system, "440399", 2023)
    assert (region.name, region.valid_from, region.valid_to, region.level) == (
        "前海新区",
        2024,
        None,
        Level.COUNTY,
    )


def test_renamed_code_gets_a_new_version_and_the_old_one_closes(empty_db: Database, system: Actor) -> None:
    report = _apply(empty_db, system, shenzhen_edition({"440305": "南山新区"}), 2024)
    assert report.changed == ["440305"]
    with empty_db.read() as conn:
        now = get_region(conn, system, "440305")
        before = get_region(conn, system, "440305", 2023)
        every = versions(conn, system, "440305")
    assert (now.name, now.valid_from, now.valid_to) == ("南山新区", 2024, None)
    assert (before.name, before.valid_to) == ("南山区", 2023)
    assert [(item.name, item.valid_from, item.valid_to) for item in every] == [
        ("南山区", None, 2023),
        ("南山新区", 2024, None),
    ]


def test_moving_a_code_to_another_parent_is_a_change(empty_db: Database, system: Actor) -> None:
    rows = [*shenzhen_edition({"440311": None}), county("440311", "光明区", parent="440100")]
    # The list names only part of 440100's counties, so it must not retire the rest of them.
    report = _apply(empty_db, system, rows, 2024, retire_missing=False)
    assert report.changed == ["440311"]
    with empty_db.read() as conn:
        assert get_region(conn, system, "440311").parent_code == "440100"
        assert get_region(conn, system, "440311", 2023).parent_code == "440300"


def test_code_missing_from_a_covered_group_retires(empty_db: Database, system: Actor) -> None:
    report = _apply(empty_db, system, shenzhen_edition({"440311": None}), 2024)
    assert report.retired == ["440311"]
    with empty_db.read() as conn:
        retired = get_region(conn, system, "440311")
        assert get_region(conn, system, "440311", 2020).name == "光明区"
        with pytest.raises(NotFound, match=r"440311.*2024"):
            get_region(conn, system, "440311", 2024)
        current = {region.code for region in children(conn, system, "440300")}
        in_2023 = {region.code for region in children(conn, system, "440300", 2023)}
    assert (retired.valid_from, retired.valid_to, retired.is_current) == (2018, 2023, False)
    assert current == set(SHENZHEN_DISTRICTS) - {"440311"}
    assert in_2023 == set(SHENZHEN_DISTRICTS)


def test_groups_the_list_does_not_cover_are_left_alone(empty_db: Database, system: Actor) -> None:
    with empty_db.read() as conn:
        guangzhou = children(conn, system, "440100")
    _apply(empty_db, system, shenzhen_edition({"440311": None}), 2024)
    with empty_db.read() as conn:
        assert children(conn, system, "440100") == guangzhou


def test_keep_missing_retires_nothing(empty_db: Database, system: Actor) -> None:
    report = _apply(empty_db, system, shenzhen_edition({"440311": None}), 2024, retire_missing=False)
    assert report.retired == []
    with empty_db.read() as conn:
        assert get_region(conn, system, "440311").is_current


def test_applying_the_same_edition_twice_changes_nothing_more(empty_db: Database, system: Actor) -> None:
    rows = shenzhen_edition({"440305": "南山新区", "440399": "前海新区", "440311": None})
    _apply(empty_db, system, rows, 2024)
    before = counts(empty_db, regions)
    again = _apply(empty_db, system, rows, 2024)
    assert (again.added, again.changed, again.retired, again.unchanged) == ([], [], [], 9)
    assert counts(empty_db, regions) == before


def test_older_edition_is_refused_naming_both_years(empty_db: Database, system: Actor) -> None:
    _apply(empty_db, system, shenzhen_edition({"440399": "前海新区"}), 2025)
    before = counts(empty_db, regions, ledger_entries)
    with pytest.raises(InvalidInput) as caught:
        _apply(empty_db, system, shenzhen_edition({"440305": "南山新区"}), 2024)
    assert "2024" in caught.value.render()
    assert "2025" in caught.value.render()
    assert counts(empty_db, regions, ledger_entries) == before


def test_older_edition_is_refused_after_one_that_only_retired_codes(
    empty_db: Database, system: Actor
) -> None:
    _apply(empty_db, system, shenzhen_edition({"440311": None}), 2025)
    before = counts(empty_db, regions, ledger_entries)
    # Applying 2024 now would bring 光明区 back from 2024 although the 2025 edition ended it in 2024.
    with pytest.raises(InvalidInput, match="2024"):
        _apply(empty_db, system, shenzhen_edition(), 2024)
    assert counts(empty_db, regions, ledger_entries) == before


def test_edition_changes_to_a_known_code_need_a_year(empty_db: Database, system: Actor) -> None:
    with pytest.raises(InvalidInput, match="440305"):
        _apply(empty_db, system, shenzhen_edition({"440305": "南山新区"}), None)


def test_only_platform_admins_apply_editions(db: Database) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    before = counts(db, regions, ledger_entries)
    with db.write() as conn, pytest.raises(PermissionDenied, match="nanshan_admin"):
        apply_edition(conn, nanshan_admin, shenzhen_edition({"440399": "前海新区"}), 2024, "t")
    assert counts(db, regions, ledger_entries) == before
    _apply(db, acting(db, "admin"), shenzhen_edition({"440399": "前海新区"}), 2024)
    with db.read() as conn:
        assert get_region(conn, acting(db, "admin"), "440399").name == "前海新区"


def test_the_ledger_still_verifies_after_an_edition(empty_db: Database, system: Actor) -> None:
    _apply(empty_db, system, shenzhen_edition({"440305": "南山新区", "440311": None}), 2024)
    with empty_db.read() as conn:
        assert verify_chain(conn, system).ok


def test_parse_accepts_a_bom_and_street_as_township() -> None:
    rows = parse_division_csv("\ufeff" + HEADER + "440305099,科技园街道,street,440305\n")
    assert rows == [DivisionRow("440305099", "科技园街道", Level.TOWNSHIP, "440305")]


def test_every_bad_row_is_reported_with_line_and_column() -> None:
    text = HEADER + (
        "440303,罗湖区,county,440300\n"  # line 2: fine
        "44030X,坏码区,county,440300\n"  # line 3: code
        "440304,,county,440300\n"  # line 4: name
        "440305,南山区,district,440300\n"  # line 5: level
        "440303,罗湖区,county,440300\n"  # line 6: duplicate of line 2
        "440306,宝安区,county,4403\n"  # line 7: parent code
    )
    with pytest.raises(InvalidInput) as caught:
        parse_division_csv(text)
    found = {(problem.row, problem.column) for problem in caught.value.problems}
    assert found == {(3, "code"), (4, "name"), (5, "level"), (6, "code"), (7, "parent_code")}
    assert "5" in caught.value.render()
    messages = {problem.row: problem.render() for problem in caught.value.problems}
    assert "44030X" in messages[3]
    assert "district" in messages[5]
    assert "line 2" in messages[6]


def test_line_numbers_count_blank_lines() -> None:
    text = HEADER + "440303,罗湖区,county,440300\n\n440304,福田区,county,44030X\n"
    with pytest.raises(InvalidInput) as caught:
        parse_division_csv(text)
    # The bad row is the file's fourth line: a reader looking for it must land on it.
    assert [(problem.row, problem.column) for problem in caught.value.problems] == [(4, "parent_code")]


def test_a_code_in_full_width_digits_is_a_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_division_csv(HEADER + "４４０３９９,前海新区,county,440300\n")
    assert [(problem.row, problem.column) for problem in caught.value.problems] == [(2, "code")]


def test_missing_columns_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_division_csv("code,name\n440305,南山区\n")
    assert "level" in caught.value.render()
    assert "parent_code" in caught.value.render()


def test_a_bad_list_writes_nothing(empty_db: Database, system: Actor) -> None:
    before = counts(empty_db, regions, ledger_entries)
    revision = _revision(empty_db)
    text = HEADER + "440399,前海新区,county,440300\n440398,,county,440300\n"
    with empty_db.write() as conn, pytest.raises(InvalidInput):
        apply_edition(conn, system, parse_division_csv(text), 2024, "bad.csv")
    assert counts(empty_db, regions, ledger_entries) == before
    assert _revision(empty_db) == revision


def test_unknown_parent_is_reported_and_nothing_written(empty_db: Database, system: Actor) -> None:
    before = counts(empty_db, regions, ledger_entries)
    rows = parse_division_csv(HEADER + "440399,前海新区,county,440300\n449901,无主区,county,449900\n")
    # Caught inside the transaction, which then commits: the refusal itself must have written nothing.
    with empty_db.write() as conn, pytest.raises(InvalidInput) as caught:
        apply_edition(conn, system, rows, 2024, "bad.csv")
    assert [(problem.row, problem.column) for problem in caught.value.problems] == [(3, "parent_code")]
    assert "449900" in caught.value.problems[0].render()
    assert counts(empty_db, regions, ledger_entries) == before


def test_a_region_without_parent_must_be_the_country(empty_db: Database, system: Actor) -> None:
    rows = parse_division_csv(HEADER + "449901,无主区,county,\n")
    with empty_db.write() as conn, pytest.raises(InvalidInput) as caught:
        apply_edition(conn, system, rows, 2024, "bad.csv")
    assert [(problem.row, problem.column) for problem in caught.value.problems] == [(2, "parent_code")]


def test_new_codes_may_hang_under_codes_listed_with_them(empty_db: Database, system: Actor) -> None:
    text = HEADER + "449900,深汕市,city,440000\n449901,深汕区,county,449900\n"
    report = _apply(empty_db, system, parse_division_csv(text), 2024, retire_missing=False)
    assert report.added == ["449900", "449901"]
    with empty_db.read() as conn:
        assert [region.code for region in children(conn, system, "449900")] == ["449901"]


def test_each_edition_moves_the_regions_revision(empty_db: Database, system: Actor) -> None:
    revision = _revision(empty_db)
    _apply(empty_db, system, shenzhen_edition({"440399": "前海新区"}), 2024)
    assert _revision(empty_db) not in (revision, None)
