"""Column mapping: what each column of a department's sheet means (region, indicator, period, a value of
some indicator or period), found from its header, its content, a mapping remembered for the same sheet
layout, or one the user gave."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from citybase.collection.layout import HeaderColumn, SheetLayout
from citybase.errors import InvalidInput
from citybase.indicators.catalog import IndicatorCatalog
from citybase.transform.periods import Period, parse_period


class Role(StrEnum):
    """What a column holds when it is not the values of one indicator or one period."""

    REGION = "@region"
    INDICATOR = "@indicator"
    PERIOD = "@period"
    UNIT = "@unit"
    VALUE = "@value"
    DIMS = "@dims"
    STATUS = "@status"
    NOTE = "@note"
    IGNORE = "@ignore"


PERIOD_PREFIX = "period:"

_HEADER_ROLES: dict[Role, tuple[str, ...]] = {
    Role.REGION: (
        "地区", "地区代码", "地区编码", "区划代码", "行政区划代码", "行政区划", "区域", "区划", "地区名称",
        "区名", "辖区", "区县", "REGION", "REF_AREA", "REGION_CODE", "REGION_NAME", "NAME", "地区名",
        "区域代码", "区域名称", "区划名称", "行政区划名称", "街道", "街道名称",
    ),
    Role.INDICATOR: ("指标", "指标名称", "指标代码", "指标编码", "项目", "INDICATOR", "INDICATOR_CODE"),
    Role.PERIOD: (
        "时间", "期别", "年份", "年度", "报告期", "时期", "统计期", "年月", "PERIOD", "TIME_PERIOD",
    ),
    Role.UNIT: ("单位", "计量单位", "UNIT", "UNIT_MEASURE"),
    Role.VALUE: ("数值", "值", "本期", "本期数", "数据", "VALUE", "OBS_VALUE"),
    Role.DIMS: ("分组", "分类", "DIMS"),
    Role.STATUS: ("状态", "数据状态", "STATUS", "OBS_STATUS"),
    Role.NOTE: ("备注", "注释", "NOTE", "COMMENT"),
}  # fmt: skip
_BY_HEADER = {word.upper(): role for role, words in _HEADER_ROLES.items() for word in words}
# Names of regions are taken for codes only where the header says so; "地区名称" beside "地区代码" is a label.
_NAME_ONLY = {
    "地区名称",
    "REGION_NAME",
    "NAME",
    "区名",
    "地区名",
    "区域名称",
    "区划名称",
    "行政区划名称",
    "街道名称",
}
_CODE_TOKEN = re.compile(r"[\[(（【]\s*([A-Z][A-Z0-9_]{1,63})\s*[\])）】]")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|\d+[.、]|[（(][一二三四五六七八九十\d]+[)）]|其中[:：]?|#|＃)\s*"
)


@dataclass(frozen=True)
class ColumnMapping:
    """One column and what it was mapped to: a Role value, an indicator code, or `period:<period>`."""

    column: HeaderColumn
    target: str
    how: str  # remembered, given, code, alias, name, similar, period, header, content, none

    @property
    def is_value(self) -> bool:
        return self.target == Role.VALUE or not self.target.startswith("@")

    @property
    def indicator(self) -> str | None:
        return None if self.target.startswith(("@", PERIOD_PREFIX)) else self.target

    @property
    def period(self) -> str | None:
        return self.target[len(PERIOD_PREFIX) :] if self.target.startswith(PERIOD_PREFIX) else None


@dataclass(frozen=True)
class Vocabulary:
    """What headers can name: indicator codes, aliases, Chinese names, the organisation's own names."""

    codes: frozenset[str]
    names: Mapping[str, str]  # normalised name → code
    local: Mapping[str, str]  # the organisation's local codes and names → standard code

    @classmethod
    def build(cls, catalog: IndicatorCatalog, local: Mapping[str, str] | None = None) -> Vocabulary:
        codes = set(catalog.by_code) | set(catalog.aliases)
        names: dict[str, str] = {}
        for indicator in catalog.by_code.values():
            if indicator.formula is None:
                names.setdefault(_plain(indicator.name), indicator.code)
        return cls(frozenset(codes), names, {_plain(key): value for key, value in (local or {}).items()})

    def indicator_for(self, text: str) -> tuple[str, str] | None:
        """The indicator a header names, and how it was recognised; None when it names none."""
        upper = text.strip().upper()
        if upper in self.codes:
            return upper, "code"
        plain = _plain(text)
        if plain in self.local:
            return self.local[plain], "remembered"
        token = _CODE_TOKEN.search(unicodedata.normalize("NFKC", text).upper())
        if token and token.group(1) in self.codes:
            return token.group(1), "code"
        if plain in self.names:
            return self.names[plain], "name"
        if len(plain) >= 2:
            similar = [code for name, code in self.names.items() if name.startswith(plain)]
            if len(similar) == 1:
                return similar[0], "similar"
        return None


def _plain(text: str) -> str:
    """A name as compared: NFKC, no spaces, no list numbering or 其中 prefix."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    cleaned = _NUMBERING.sub("", cleaned)
    return re.sub(r"\s+", "", cleaned)


def header_parts(column: HeaderColumn) -> list[str]:
    """A multi-row header's parts, the most specific (lowest) first."""
    return [part.strip() for part in reversed(column.header.split(" / ")) if part.strip()]


def period_in_text(text: str) -> Period | None:
    """A period written in a header or title ("2023年", "2024年一季度"), if the text is one."""
    cleaned = _plain(text).rstrip("：:")
    if not cleaned or len(cleaned) > 16:
        return None
    try:
        return parse_period(cleaned)
    except InvalidInput:
        return None


_TITLE_PERIOD = re.compile(
    r"(\d{4})\s*年\s*(?:(\d{1,2})\s*[-—~至]\s*(\d{1,2})\s*月|前?([一二三四1-4])\s*季度|(\d{1,2})\s*月|([上下])半年)?"
)


def period_in_title(title: str) -> Period | None:
    """The period a title names ("2023年深圳市各区地区生产总值" → 2023), when it names exactly one."""
    found = {
        match.group(0).replace(" ", "")
        for match in _TITLE_PERIOD.finditer(unicodedata.normalize("NFKC", title))
    }
    periods = {period for period in (period_in_text(text) for text in found) if period is not None}
    return periods.pop() if len(periods) == 1 else None


def map_columns(
    layout: SheetLayout,
    vocabulary: Vocabulary,
    *,
    remembered: Mapping[str, str] | None = None,
    given: Mapping[str, str] | None = None,
) -> list[ColumnMapping]:
    """Map every column: a mapping the user gave wins, then the remembered one, then the header's words."""
    mapped: list[ColumnMapping] = []
    for column in layout.columns:
        for source, how in ((given, "given"), (remembered, "remembered")):
            if source is None:
                continue
            target = source.get(column.header) or source.get(column.letter)
            if target:
                mapped.append(ColumnMapping(column, _normal_target(target), how))
                break
        else:
            mapped.append(_by_header(column, vocabulary))
    return _settle_regions(mapped)


def _normal_target(target: str) -> str:
    target = target.strip()
    if target.startswith("@") or target.startswith(PERIOD_PREFIX):
        return target
    return target.upper()


def _by_header(column: HeaderColumn, vocabulary: Vocabulary) -> ColumnMapping:
    parts = header_parts(column)
    for part in parts:
        role = _BY_HEADER.get(_plain(part).upper())
        if role is not None:
            return ColumnMapping(column, role.value, "header")
    for part in [*parts, column.header.replace(" / ", "")]:
        found = vocabulary.indicator_for(part)
        if found is not None:
            return ColumnMapping(column, found[0], found[1])
    for part in parts:
        period = period_in_text(part)
        if period is not None:
            return ColumnMapping(column, f"{PERIOD_PREFIX}{period}", "period")
    return ColumnMapping(column, Role.IGNORE.value, "none")


def _settle_regions(mapped: list[ColumnMapping]) -> list[ColumnMapping]:
    """Where a code column and a name column both say "region", codes are used and names kept as labels."""
    regions = [item for item in mapped if item.target == Role.REGION]
    if len(regions) < 2:
        return mapped
    coded = [item for item in regions if not _names_only(item.column)]
    keep = coded[0] if coded else regions[0]
    return [
        ColumnMapping(item.column, Role.IGNORE.value, "label")
        if item.target == Role.REGION and item is not keep
        else item
        for item in mapped
    ]


def _names_only(column: HeaderColumn) -> bool:
    return any(_plain(part).upper() in _NAME_ONLY for part in header_parts(column))


def describe(mapping: Sequence[ColumnMapping]) -> dict[str, str]:
    """The mapping as {header: target}, the form it is remembered and given in."""
    return {item.column.header: item.target for item in mapping}
