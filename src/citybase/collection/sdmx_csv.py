"""Reading SDMX-CSV 2.0 observations (STRUCTURE, STRUCTURE_ID, ACTION, dimensions, OBS_VALUE, attributes)
as values in CityBase's terms: INDICATOR, REF_AREA and TIME_PERIOD, further dimensions as disaggregations.

Headers and values may be written "ID" or "ID: Name" (labels=both) or with a name column after each
component (labels=name); only the IDs are used. Every problem is collected and raised once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, message

REQUIRED = ("INDICATOR", "REF_AREA", "TIME_PERIOD", "OBS_VALUE")
STRUCTURE_KINDS = frozenset({"dataflow", "datastructure", "dataprovision"})
ACTIONS = frozenset({"I", "A", "R", "D"})
# The identification columns that come before the components, in this order when present.
_LEADING = frozenset({"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "SERIES_KEY", "OBS_KEY"})
# Attributes and technical columns seen in SDMX data: never a breakdown, even when written before OBS_VALUE
# (uploads may order columns freely; in the standard order every column after OBS_VALUE is an attribute).
KNOWN_ATTRIBUTES = frozenset(
    {
        "UNIT_MEASURE",
        "UNIT_MULT",
        "OBS_STATUS",
        "OBS_CONF",
        "CONF_STATUS",
        "COMMENT",
        "OBS_COMMENT",
        "DECIMALS",
        "TIME_FORMAT",
        "TITLE",
        "BASE_PER",
        "SOURCE_DETAIL",
        "OBS_PRE_BREAK",
        "EMBARGO_TIME",
        "UPDATED",
        "VALID_FROM",
        "VALID_TO",
    }
)
# FREQ is implied by the form of TIME_PERIOD, so it is not a breakdown of the value.
_NOT_BREAKDOWNS = frozenset({*REQUIRED, "FREQ"})
# Codes meaning "no breakdown along this dimension": _T total, _Z not applicable.
_NO_BREAKDOWN_CODES = frozenset({"", "_T", "_Z"})
# Statuses that still describe a settled figure (A normal, B break in series, D definition differs);
# any other flag (P provisional, E estimated, F forecast, I imputed ...) keeps the value provisional.
_FINAL_STATUSES = frozenset({"", "A", "B", "D"})
_TIME: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^(\d{4})(?:-A1)?$"), lambda m: m[1]),
    (re.compile(r"^(\d{4})-S([12])$"), lambda m: f"{m[1]}H{m[2]}"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), lambda m: f"{m[1]}Q{m[2]}"),
    (re.compile(r"^(\d{4})-M?(0[1-9]|1[0-2])$"), lambda m: f"{m[1]}-{m[2]}"),
)
_BRACKETS = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class SdmxObservation:
    row: int  # 1-based line number in the file (the header is line `first_row`)
    indicator: str
    region: str
    period: str  # CityBase form: 2024, 2024H1, 2024Q1, 2024-03
    value: str  # OBS_VALUE as text, scaled by UNIT_MULT; "" or "NaN" is missing
    unit: str | None
    dims: str  # further dimensions, "SEX=F;AGE=Y15T64"
    status: str  # "final" or "provisional"
    note: str
    action: str  # "I", "A" or "R"


def _id(text: object) -> str:
    """The ID of a value written "ID: Name" (labels=both); a plain value is returned stripped."""
    return str(text if text is not None else "").split(": ", 1)[0].strip()


def _header_id(text: object) -> str:
    """A column's component ID, without its label, byte order mark or bracket term (STRUCTURE[;])."""
    return _BRACKETS.sub("", _id(str(text if text is not None else "").lstrip("\ufeff"))).strip().upper()


def is_sdmx_csv(header: Sequence[str]) -> bool:
    return bool(header) and _header_id(header[0]) == "STRUCTURE"


def sdmx_period(text: str) -> str | None:
    """SDMX time (2024, 2024-A1, 2024-S1, 2024-Q1, 2024-M03, 2024-03) in CityBase's form, or None."""
    for pattern, build in _TIME:
        found = pattern.match(text.strip().upper())
        if found:
            return build(found)
    return None


def _columns(header: Sequence[object]) -> tuple[dict[str, int], list[str]]:
    """Where each column ID is, and the IDs of the dimensions that become disaggregations."""
    ids = [_header_id(cell) for cell in header]
    names_follow = "STRUCTURE_NAME" in ids  # labels=name: a name column right after each component
    at: dict[str, int] = {}
    components: list[str] = []
    position = 0
    while position < len(ids):
        name = ids[position]
        if name and name not in at:
            at[name] = position
            if name not in _LEADING:
                components.append(name)
                if names_follow:
                    position += 1
        position += 1
    measure = at.get("OBS_VALUE", len(ids))
    dimensions = [
        name
        for name in components
        if at[name] < measure and name not in _NOT_BREAKDOWNS and name not in KNOWN_ATTRIBUTES
    ]
    return at, dimensions


def _scaled(value: str, multiplier: str) -> str | None:
    """OBS_VALUE times 10**UNIT_MULT as plain text; None when UNIT_MULT is not a whole number."""
    if not multiplier or multiplier == "0":
        return value
    if not re.fullmatch(r"-?\d{1,2}", multiplier):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value  # a missing or odd value is left for the value check to report
    if not number.is_finite():
        return value
    return format(number.scaleb(int(multiplier)).normalize(), "f")


def read_sdmx_csv(rows: Sequence[Sequence[object]], *, first_row: int = 1) -> list[SdmxObservation]:
    """Observations of an SDMX-CSV 2.0 table whose first row is the header; all problems raised together."""
    header = list(rows[0]) if rows else []
    at, dimensions = _columns(header)
    missing = [name for name in REQUIRED if name not in at]
    if missing:
        found = ", ".join(name for name in (_header_id(cell) for cell in header) if name) or "—"
        raise InvalidInput(
            message(
                N_("The SDMX-CSV file lacks the columns {missing} (found: {found})"),
                missing=", ".join(missing),
                found=found,
            ),
            problems=[
                Problem(
                    "missing_column",
                    message(
                        N_("The SDMX-CSV header has no {column} column (found: {found})"),
                        column=name,
                        found=found,
                    ),
                    row=first_row,
                    column=name,
                )
                for name in missing
            ],
        )
    observations: list[SdmxObservation] = []
    problems: list[Problem] = []
    for offset, cells in enumerate(rows[1:], start=1):
        if any(str(value).strip() for value in cells if value is not None):
            reader = _RowReader(cells, at, first_row + offset, problems)
            found_one = reader.observation(dimensions)
            if found_one is not None:
                observations.append(found_one)
    if problems:
        raise InvalidInput(
            message(N_("{count} problem(s) in the SDMX-CSV file"), count=len(problems)),
            problems=problems,
        )
    return observations


class _RowReader:
    """One data row: reads cells by column ID and records what is wrong with it."""

    def __init__(self, cells: Sequence[object], at: dict[str, int], row: int, problems: list[Problem]):
        self.cells = cells
        self.at = at
        self.row = row
        self.problems = problems

    def raw(self, name: str) -> str:
        position = self.at.get(name)
        if position is None or position >= len(self.cells) or self.cells[position] is None:
            return ""
        return str(self.cells[position]).strip()

    def code(self, name: str) -> str:
        return _id(self.raw(name))

    def fail(self, column: str, template: str, **params: object) -> None:
        self.problems.append(Problem("invalid", message(template, **params), row=self.row, column=column))

    def observation(self, dimensions: list[str]) -> SdmxObservation | None:
        structure = self.code("STRUCTURE")
        if structure and structure.lower() not in STRUCTURE_KINDS:
            self.fail(
                "STRUCTURE",
                N_("STRUCTURE is '{value}': expected dataflow, datastructure or dataprovision"),
                value=structure,
            )
        action = (self.code("ACTION") or "I").upper()
        if action == "D":
            self.fail(
                "ACTION",
                N_(
                    "Delete actions (ACTION D) are refused: CityBase never deletes a value; "
                    "send the corrected value with action I, A or R"
                ),
            )
            return None
        if action not in ACTIONS:
            self.fail("ACTION", N_("ACTION is '{value}': expected I, A or R"), value=action)
            return None
        value = self.raw("OBS_VALUE")
        time = self.code("TIME_PERIOD")
        if not value and not time:
            return None  # a row of attributes attached to a partial key carries no observation
        period = sdmx_period(time)
        if period is None:
            self.fail(
                "TIME_PERIOD",
                N_(
                    "'{text}' is not an SDMX time period: expected 2024, 2024-A1, 2024-S1, 2024-Q1, "
                    "2024-M03 or 2024-03"
                ),
                text=time,
            )
        for name in ("INDICATOR", "REF_AREA"):
            if not self.code(name):
                self.fail(
                    name,
                    N_("{name} is empty: each observation needs INDICATOR, REF_AREA and TIME_PERIOD"),
                    name=name,
                )
        scaled = _scaled(value, self.code("UNIT_MULT"))
        if scaled is None:
            self.fail(
                "UNIT_MULT",
                N_("UNIT_MULT is '{value}': expected a whole power of ten such as 0, 3 or 6"),
                value=self.code("UNIT_MULT"),
            )
        if period is None or scaled is None or not self.code("INDICATOR") or not self.code("REF_AREA"):
            return None
        return SdmxObservation(
            row=self.row,
            indicator=self.code("INDICATOR"),
            region=self.code("REF_AREA"),
            period=period,
            value=scaled,
            unit=self.code("UNIT_MEASURE") or None,
            dims=";".join(
                f"{name}={self.code(name)}"
                for name in dimensions
                if self.code(name).upper() not in _NO_BREAKDOWN_CODES
            ),
            status="final" if self.code("OBS_STATUS").upper() in _FINAL_STATUSES else "provisional",
            note=self.raw("COMMENT") or self.raw("OBS_COMMENT"),
            action=action,
        )
