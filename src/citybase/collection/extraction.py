"""From a mapped sheet to offered values: each value cell with its indicator, region, period, unit and place.

Regions written as names ("南山区", "南山", "全市") are read within the reporting organisation's area first;
units come from the column header, a unit column, a caption ("单位：万元"), or a "%" written in the cell.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import NamedTuple

from citybase.collection.cells import parse_number
from citybase.collection.layout import DataRow, SheetLayout, column_letter
from citybase.collection.mapping import ColumnMapping, Role, Vocabulary, period_in_text
from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, Message, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex, short_name

_WHOLE_AREA = {"全市", "合计", "总计", "全区", "总计(全市)", "全市合计", "TOTAL"}


class Offered(NamedTuple):
    """One value as found in the sheet, before it is checked against the indicator system."""

    indicator: str
    region: str
    period: str
    dims: str
    unit: str | None
    value: Decimal
    status: str
    note: str
    location: str  # 报送数据!C5


@dataclass
class RegionResolver:
    """Region codes and names to codes, preferring the reporting organisation's area; remembered per text."""

    index: RegionIndex
    area: str  # the organisation's region: names are looked up inside it first
    local: Mapping[str, str] = field(default_factory=dict)  # the organisation's own codes and names
    _memo: dict[str, str | Message] = field(default_factory=dict)

    def resolve(self, text: str) -> str | Message:
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = self._resolve(text)
        return found

    def _resolve(self, text: str) -> str | Message:
        cleaned = unicodedata.normalize("NFKC", text).strip().lstrip("#").strip()
        for prefix in ("其中:", "其中"):
            cleaned = cleaned.removeprefix(prefix).strip()
        if cleaned in self.local:
            return self.local[cleaned]
        if cleaned[:1].isdigit():
            try:
                return normalise_code(cleaned)
            except InvalidInput as error:
                return error.message
        if cleaned.upper() in _WHOLE_AREA:
            return self.area
        # A full name wins over a short one (福田区 is the district, not 福田街道); among short names the
        # higher level wins (南山 is 南山区 rather than 南山街道).
        exact = self._current(self.index.by_name.get(cleaned, []))
        candidates = exact or self._current(self.index.by_short.get(short_name(cleaned), []))
        inside = {code for code in candidates if self.index.within(code, self.area)}
        chosen = inside or candidates
        if len(chosen) > 1:
            shortest = min(len(code) for code in chosen)
            chosen = {code for code in chosen if len(code) == shortest}
        if len(chosen) == 1:
            return chosen.pop()
        if not chosen:
            return message(N_("No region is named '{name}'"), name=text)
        return message(
            N_("The region name '{name}' is ambiguous ({codes}); write the region code instead"),
            name=text,
            codes=", ".join(sorted(chosen)[:5]),
        )

    def _current(self, positions: list[int]) -> set[str]:
        return {self.index.entries[p].code for p in positions if self.index.entries[p].is_current}


@dataclass(frozen=True)
class LongTable:
    """A long table's columns (one value per row; its indicator, region and period in columns), for the
    column-wise check of clean sheets (collection.columns); `rows` reads the same table row by row."""

    place: str  # the value column, e.g. "数据!D"; a row number completes a location
    numbers: Sequence[int]
    regions: Sequence[object]
    indicators: Sequence[object]
    periods: Sequence[object]
    units: Sequence[object] | None
    values: Sequence[object]
    column_unit: str | None
    caption: str | None
    status: str
    resolver: RegionResolver
    vocabulary: Vocabulary
    rows: Callable[[], Iterator[Offered]]


@dataclass
class Extraction:
    # A list, or with `lazy` an iterator that adds to `problems` as it goes (read those once it is consumed).
    values: Iterable[Offered] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    table: LongTable | None = None  # with `lazy`, a long table to check column-wise before reading `values`


@dataclass(frozen=True)
class Defaults:
    region: str | None  # used where no column names the region
    period: str | None  # used where neither a column nor a header names the period
    status: str = "final"


def detect_by_content(
    layout: SheetLayout, mapping: list[ColumnMapping], resolver: RegionResolver, vocabulary: Vocabulary
) -> list[ColumnMapping]:
    """Give a role to the first unmapped text column when the header said nothing but the cells do."""
    targets = {item.target for item in mapping}
    if {Role.REGION.value, Role.INDICATOR.value} & targets:
        return mapping
    for position, item in enumerate(mapping):
        if item.target != Role.IGNORE or item.how != "none":
            continue
        texts = [str(row.cells[item.column.index]).strip() for row in layout.rows[:50]]
        texts = [text for text in texts if text and text != "None"]
        if not texts:
            continue
        regions = sum(1 for text in texts if isinstance(resolver.resolve(text), str))
        indicators = sum(1 for text in texts if vocabulary.indicator_for(text) is not None)
        periods = sum(1 for text in texts if period_in_text(text) is not None)
        best = max((regions, Role.REGION), (indicators, Role.INDICATOR), (periods, Role.PERIOD))
        if best[0] >= 0.6 * len(texts):
            changed = list(mapping)
            changed[position] = ColumnMapping(item.column, best[1].value, "content")
            return changed
        break
    return mapping


def extract(
    layout: SheetLayout,
    mapping: Sequence[ColumnMapping],
    *,
    resolver: RegionResolver,
    vocabulary: Vocabulary,
    defaults: Defaults,
    lazy: bool = False,
    problems: list[Problem] | None = None,
) -> Extraction:
    """Every value cell of the sheet as an Offered value; problems name the sheet, row and column.

    With `lazy` the values come as they are read, so a million-row sheet is checked without holding a
    million offered values at once. Problems go to `problems` when it is given."""
    found = Extraction() if problems is None else Extraction(problems=problems)
    roles = {item.target: item.column.index for item in mapping if item.target.startswith("@")}
    value_columns = [item for item in mapping if item.is_value]
    _refuse_unmapped_numbers(layout, mapping, found)
    if not value_columns:
        found.problems.append(
            Problem(
                "unmapped",
                message(
                    N_("Sheet {sheet}: no column is mapped to an indicator, a period or values"),
                    sheet=layout.sheet,
                ),
            )
        )
        return found
    sheet = layout.sheet
    columns = [
        (item.column.index, item.indicator, item.period, item.column.unit, f"{sheet}!{item.column.letter}")
        for item in value_columns
    ]
    if roles.get(Role.REGION) is None and defaults.region is None:
        found.problems.append(
            Problem("unmapped", message(N_("Sheet {sheet}: no column names the region"), sheet=sheet))
        )
        return found
    if lazy:
        found.table = _long_table(layout, columns, roles, resolver, vocabulary, defaults, found.problems)
        if found.table is None:
            found.values = _values(layout, columns, roles, resolver, vocabulary, defaults, found.problems)
    else:
        found.values = list(_values(layout, columns, roles, resolver, vocabulary, defaults, found.problems))
    return found


def _long_table(
    layout: SheetLayout,
    columns: list[tuple[int, str | None, str | None, str | None, str]],
    roles: dict[str, int],
    resolver: RegionResolver,
    vocabulary: Vocabulary,
    defaults: Defaults,
    problems: list[Problem],
) -> LongTable | None:
    """The sheet as columns when it is a long table: one value column, and region, indicator and period
    columns (a unit column allowed; breakdowns, statuses and notes go row by row)."""
    if len(columns) != 1 or len(layout.rows) < _COLUMNS_FROM:
        return None
    index, column_indicator, column_period, column_unit, place = columns[0]
    keyed = (Role.REGION, Role.INDICATOR, Role.PERIOD)
    if column_indicator or column_period or any(role not in roles for role in keyed):
        return None
    if any(role in roles for role in (Role.DIMS, Role.STATUS, Role.NOTE)):
        return None
    rows = list(map(attrgetter("cells"), layout.rows))

    def column(at: int) -> list[object]:
        return list(map(itemgetter(at), rows))

    at_unit = roles.get(Role.UNIT)
    try:
        regions, indicators, periods = (column(roles[role]) for role in keyed)
        units, values = None if at_unit is None else column(at_unit), column(index)
    except IndexError:
        return None  # a short row: read row by row
    return LongTable(
        place=place,
        numbers=list(map(attrgetter("number"), layout.rows)),
        regions=regions,
        indicators=indicators,
        periods=periods,
        units=units,
        values=values,
        column_unit=column_unit,
        caption=layout.caption_unit,
        status=defaults.status,
        resolver=resolver,
        vocabulary=vocabulary,
        rows=lambda: _values(layout, columns, roles, resolver, vocabulary, defaults, problems),
    )


# Below this many rows a sheet is read row by row: the column-wise check pays off on long tables only.
_COLUMNS_FROM = 1000


def _values(
    layout: SheetLayout,
    columns: list[tuple[int, str | None, str | None, str | None, str]],
    roles: dict[str, int],
    resolver: RegionResolver,
    vocabulary: Vocabulary,
    defaults: Defaults,
    problems: list[Problem],
) -> Iterator[Offered]:
    """The value cells, row by row; problems are added to `problems` on the way."""
    sheet, caption = layout.sheet, layout.caption_unit
    at_region, at_indicator, at_period = (
        roles.get(Role.REGION),
        roles.get(Role.INDICATOR),
        roles.get(Role.PERIOD),
    )
    at_dims, at_unit, at_status, at_note = (
        roles.get(role) for role in (Role.DIMS, Role.UNIT, Role.STATUS, Role.NOTE)
    )
    indicator_memo: dict[str, str | None] = {}
    period_memo: dict[str, str | None] = {}
    for row in layout.rows:
        cells = row.cells
        region = defaults.region or ""
        if at_region is not None:
            found_region = _row_region(row, at_region, resolver, sheet, problems)
            if found_region is None:
                continue
            region = found_region
        row_indicator = row_period = None
        if at_indicator is not None and (text := cell_text(cells[at_indicator])):
            row_indicator = _memo_indicator(text, vocabulary, indicator_memo)
            if row_indicator is None:
                problems.append(_problem(sheet, row, at_indicator, N_("Unknown indicator '{text}'"), text))
                continue
        if at_period is not None and (text := cell_text(cells[at_period])):
            row_period = _memo_period(text, period_memo)
            if row_period is None:
                problems.append(_problem(sheet, row, at_period, N_("'{text}' is not a period"), text))
                continue
        dims = cell_text(cells[at_dims]) if at_dims is not None else ""
        row_unit = (cell_text(cells[at_unit]) or None) if at_unit is not None else None
        status = (
            (_status(cell_text(cells[at_status])) or defaults.status)
            if at_status is not None
            else defaults.status
        )
        note = cell_text(cells[at_note]) if at_note is not None else ""
        for index, column_indicator, column_period, column_unit, place in columns:
            cell = cells[index]
            try:
                parsed = parse_number(cell)
            except ValueError:
                problems.append(_problem(sheet, row, index, N_("'{text}' is not a number"), str(cell)))
                continue
            if parsed is None:
                continue
            indicator = column_indicator or row_indicator
            period = column_period or row_period or defaults.period
            if indicator is None:
                problems.append(_problem(sheet, row, index, N_("No indicator is named for this value"), ""))
                continue
            if period is None:
                problems.append(_problem(sheet, row, index, _NO_PERIOD, ""))
                continue
            unit = column_unit or row_unit or caption or ("%" if parsed.percent else None)
            yield Offered(
                indicator, region, period, dims, unit, parsed.value, status, note, f"{place}{row.number}"
            )


_NO_PERIOD = N_("No period is named for this value: add a period column or give the period with the upload")


def _refuse_unmapped_numbers(
    layout: SheetLayout, mapping: Sequence[ColumnMapping], found: Extraction
) -> None:
    """A column of numbers that maps to nothing would be dropped silently; name it instead."""
    for item in mapping:
        if item.target != Role.IGNORE or item.how != "none":
            continue
        numbers = 0
        for row in layout.rows[:20]:
            try:
                numbers += parse_number(row.cells[item.column.index]) is not None
            except ValueError:
                continue
        if numbers:
            found.problems.append(
                Problem(
                    "unmapped",
                    message(
                        N_(
                            "Sheet {sheet}, column {column} ('{header}') holds numbers but names no "
                            "indicator or period: map it to an indicator, or mark it @ignore"
                        ),
                        sheet=layout.sheet,
                        column=item.column.letter,
                        header=item.column.raw_header,
                    ),
                    column=item.column.letter,
                )
            )


def _row_region(
    row: DataRow, column: int, resolver: RegionResolver, sheet: str, problems: list[Problem]
) -> str | None:
    text = cell_text(row.cells[column])
    if not text:
        problems.append(_problem(sheet, row, column, N_("The region is missing"), ""))
        return None
    resolved = resolver.resolve(text)
    if isinstance(resolved, Message):
        problems.append(
            Problem(
                "invalid", resolved, row=row.number, column=f"{sheet}!{column_letter(column)}{row.number}"
            )
        )
        return None
    return resolved


def _memo_indicator(text: str, vocabulary: Vocabulary, memo: dict[str, str | None]) -> str | None:
    if text not in memo:
        found = vocabulary.indicator_for(text)
        memo[text] = found[0] if found else None
    return memo[text]


def _memo_period(text: str, memo: dict[str, str | None]) -> str | None:
    if text not in memo:
        period = period_in_text(text)
        memo[text] = str(period) if period else None
    return memo[text]


def _status(text: str | None) -> str | None:
    if not text:
        return None
    lowered = text.strip().lower()
    if lowered in {"初步", "provisional", "p", "e"}:
        return "provisional"
    if lowered in {"最终", "最终核实", "final", "a"}:
        return "final"
    return lowered


def cell_text(cell: object) -> str:
    """A key cell as text: whole floats from Excel without ".0" (2023.0 → "2023")."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _problem(sheet: str, row: DataRow, column: int, template: str, text: str) -> Problem:
    return Problem(
        "invalid",
        message(template, text=text),
        row=row.number,
        column=f"{sheet}!{column_letter(column)}{row.number}",
    )
