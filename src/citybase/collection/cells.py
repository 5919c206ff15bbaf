"""Reading one cell: numbers as sheets write them, missing-value markers, percentages and units in text.

Sheets from departments write 1,234.5, １２３４, "12.5%", "—" for a missing value, and units in headers
("地区生产总值（亿元）", "单位：万元"); these helpers turn that text into values and units.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MISSING = frozenset(
    {"", "-", "—", "–", "--", "——", "…", "...", "/", "x", "X", "×", "NA", "N/A", "null", "空"}
)
_MISSING_UPPER = frozenset(marker.upper() for marker in MISSING)

# Beyond this a value is a typing or export error, and a database column could not hold it.
_MAX_EXPONENT = 100
_NOT_FINITE = frozenset({"NAN", "SNAN", "INF", "+INF", "-INF", "INFINITY", "+INFINITY", "-INFINITY"})
_PLAIN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
# NFKC turns no-break and ideographic spaces into spaces; zero-width characters it leaves alone.
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_MINUS = str.maketrans({"−": "-", "‐": "-", "‑": "-", "﹣": "-"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Units of Chinese statistics as headers and captions write them (compared after NFKC, without spaces).
CHINESE_UNITS = _words(
    """
    元 千元 万元 百万元 亿元 人 万人 户 万户 个 万个 家 件 项 座 所 % ‰ 个百分点 百分点 百分比
    平方公里 平方千米 平方米 万平方米 公里 千米 米 公顷 亩 万亩 吨 万吨 千克 公斤 千瓦时 万千瓦时 亿千瓦时
    人/平方公里 元/人 万元/人 美元 万美元 亿美元 张 床 辆 万辆 套 次 人次 万人次 年 岁 天 小时 分 倍
    台 部 条 册 万册 女=100
    """
)
_ENGLISH_UNIT_WORDS = _words(
    """
    yuan cny rmb usd us$ $ dollar dollars eur hkd thousand million billion mn bn 10,000 10000 100
    100,000,000 person persons people household households unit units km km2 sq square m m2 metre metres
    meter meters kilometre kilometres kilometer kilometers ha hectare hectares t ton tons tonne tonnes kg
    kwh mwh gwh twh % percent per cent pct ‰ year years bed beds vehicle vehicles time times visit visits
    case cases item items set sets enterprise enterprises point points percentage pp day days hour hours
    """
)
_NOT_UNIT_WORDS = frozenset(
    {"per", "cent", "thousand", "million", "billion", "mn", "bn", "10,000", "10000", "100", "100,000,000"}
)

_TRAILING_PARENS = re.compile(r"^(?P<before>.*?)[(（]\s*(?P<inner>[^()（）]+?)\s*[)）]\s*$", re.DOTALL)
_CAPTION = re.compile(
    r"(?:(?:计量|金额|货币|价值)单位|(?<![\u3400-\u9fff])单位)\s*[:：]\s*(?P<unit>[^\s()（）,，;；、]+)"
)
_TRAILING_CAPTION = re.compile(
    r"^(?P<before>.*?)[(（]?\s*(?:(?:计量|金额|货币|价值)单位|(?<![\u3400-\u9fff])单位)\s*[:：]\s*"
    r"(?P<unit>[^\s()（）,，;；、]+)\s*[)）]?\s*$",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: Decimal
    percent: bool  # written with a % sign ("12.5%" → value 12.5, percent True)


# Building through the slots skips the frozen __init__'s object.__setattr__ calls, a third of the time
# parse_number takes on a plain number; the object is the same as ParsedNumber(value, percent) gives.
_new_parsed = object.__new__
_set_value = ParsedNumber.__dict__["value"].__set__
_set_percent = ParsedNumber.__dict__["percent"].__set__


def _parsed(value: Decimal, percent: bool) -> ParsedNumber:
    parsed: ParsedNumber = _new_parsed(ParsedNumber)
    _set_value(parsed, value)
    _set_percent(parsed, percent)
    return parsed


def parse_number(cell: object) -> ParsedNumber | None:
    """None for a missing marker; ValueError (with a short English reason) for text that is not a number."""
    if isinstance(cell, str):
        if not cell:
            return None
        # Fast path: Decimal reads plain numbers (and full-width digits) itself; the rest goes the long way.
        try:
            value = Decimal(cell)
        except InvalidOperation:
            return _parse_text(cell)
        if value.is_finite() and "_" not in cell and -_MAX_EXPONENT <= value.adjusted() <= _MAX_EXPONENT:
            return _parsed(value, False)
        return _parse_text(cell)
    if isinstance(cell, float):
        return _parsed(from_float(cell), False)
    if isinstance(cell, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(cell, int):
        return _parsed(Decimal(cell), False)
    if cell is None:
        return None
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            raise ValueError("not a finite number")
        return _parsed(cell, False)
    raise ValueError(f"a {type(cell).__name__} value is not a number")


def from_float(number: float) -> Decimal:
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    # Excel stores 12 as 12.0: read it as the integer so it equals the same value typed in a CSV.
    if number.is_integer() and abs(number) < 1e15:
        return Decimal(int(number))
    return Decimal(repr(number))  # repr, so 0.1 stays 0.1 rather than its binary expansion


def _parse_text(text: str) -> ParsedNumber | None:
    cleaned = _SPACES.sub("", unicodedata.normalize("NFKC", text)).translate(_MINUS)
    if cleaned in MISSING or cleaned.upper() in _MISSING_UPPER:
        return None
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1]
    if cleaned.startswith("(") and cleaned.endswith(")"):
        raise ValueError("a number in parentheses is not read as negative; write it with a minus sign")
    if "," in cleaned:
        if not _GROUPED.fullmatch(cleaned):
            raise ValueError("thousands separators must group three digits")
        cleaned = cleaned.replace(",", "")
    if not _PLAIN.fullmatch(cleaned):
        if cleaned.upper() in _NOT_FINITE:
            raise ValueError("not a finite number")
        raise ValueError("not a number")
    value = Decimal(cleaned)
    if not -_MAX_EXPONENT <= value.adjusted() <= _MAX_EXPONENT:
        raise ValueError("the number is out of range")
    return _parsed(value, percent)


def normalise_header(text: str) -> str:
    """NFKC, whitespace collapsed, line breaks → " "."""
    return " ".join(_SPACES.sub(" ", unicodedata.normalize("NFKC", text)).split())


def _compact(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def bare_unit(text: str) -> str | None:
    """The unit when a whole text is one: "万元", "（亿元）", "元/人", "(USD million)"; else None."""
    return _unit_text(text) if _is_unit(text) else None


def _is_unit(text: str) -> bool:
    inner = _compact(text)
    if len(inner) >= 2 and inner[0] == "(" and inner[-1] == ")":
        inner = inner[1:-1]
    return _is_chinese_unit(inner) or _is_english_unit(unicodedata.normalize("NFKC", text).strip("() "))


def _is_chinese_unit(compact: str) -> bool:
    if compact in CHINESE_UNITS:
        return True
    top, slash, bottom = compact.partition("/")
    return bool(slash) and top in CHINESE_UNITS and bottom in CHINESE_UNITS


def _is_english_unit(text: str) -> bool:
    words = [word for word in re.split(r"[\s/\-]+", text.lower()) if word]
    if not words or len(words) > 5 or not all(word in _ENGLISH_UNIT_WORDS for word in words):
        return False
    return any(word not in _NOT_UNIT_WORDS for word in words)


def unit_in_text(text: str) -> tuple[str, str | None]:
    """(text without the unit, unit or None): "地区生产总值（亿元）" → ("地区生产总值", "亿元")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # A unit written on its own last line of a header cell: "地区生产总值\n亿元".
    if len(lines) >= 2:
        last = lines[-1]
        unit = caption_unit(last) if _TRAILING_CAPTION.match(last) else None
        if unit is None and _is_unit(last):
            unit = _unit_text(last)
        if unit is not None:
            return "\n".join(lines[:-1]), unit
    stripped = text.strip()
    caption = _TRAILING_CAPTION.match(stripped)
    if caption:
        return caption.group("before").strip(), _clean_unit(caption.group("unit"))
    parens = _TRAILING_PARENS.match(stripped)
    if parens and _is_unit(parens.group("inner")):
        return parens.group("before").strip(), _unit_text(parens.group("inner"))
    compact = _compact(stripped)
    if len(compact) > 1 and compact[-1] in "%‰" and not compact[-2].isdigit():
        return stripped[:-1].strip(), compact[-1]
    return text, None


def _unit_text(text: str) -> str:
    """A unit as returned: NFKC, without parentheses; Chinese units without spaces."""
    unit = unicodedata.normalize("NFKC", text).strip()
    if unit.startswith("(") and unit.endswith(")"):
        unit = unit[1:-1].strip()
    return _compact(unit) if _is_chinese_unit(_compact(unit)) else " ".join(unit.split())


def _clean_unit(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().rstrip("。.")


def caption_unit(text: str) -> str | None:
    """The unit a caption names: "单位：万元" → "万元", "（单位：亿元）" → "亿元".

    "填报单位：…" names the reporting organisation, not a unit, and gives None.
    """
    found = _CAPTION.search(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    unit = _clean_unit(found.group("unit"))
    return unit or None
