"""The region index as built for lookups: short names as the suffix list has them, and the index built from
the database's rows holding what the rows say."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from citybase.regions.index import _SUFFIXES, region_index, short_name, to_region
from citybase.regions.tables import regions
from citybase.storage import Database


def _short_name_by_list(name: str) -> str:
    """The suffix list tried in its order, as short_name was first written."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def test_short_names_are_what_the_suffix_list_gives() -> None:
    stems = ["", "南", "南山", "新疆", "维吾尔", "特别行政", "自治", "壮族", "林", "特", "新", "街", "道"]
    endings = [*_SUFFIXES, "", "x", "政区", "自治区区"]
    names = [stem + ending for stem, ending in itertools.product(stems, endings)]
    for name in names:
        assert short_name(name) == _short_name_by_list(name), name


def test_the_index_holds_every_region_as_stored(db: Database) -> None:
    with db.read() as conn:
        index = region_index(conn)
        stored = [to_region(row._mapping) for row in conn.execute(select(regions))]
    assert sorted(index.entries, key=lambda item: (item.code, item.valid_from or 0)) == index.entries
    assert sorted(index.entries, key=repr) == sorted(stored, key=repr)
    for position, region in enumerate(index.entries):
        assert short_name(region.name) == _short_name_by_list(region.name)
        assert position in index.by_short[_short_name_by_list(region.name)]
        assert position in index.by_name[region.name]
