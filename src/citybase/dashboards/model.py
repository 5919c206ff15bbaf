"""Dashboards and their panels as the rest of CityBase sees them, with the limits every panel keeps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from citybase.messages import N_

MAX_PANELS = 24
MAX_SERIES = 16  # indicators × regions drawn in one panel
MAX_PERIODS = 60
WIDTHS = (4, 6, 8, 12)  # columns of a 12-column grid
DISTRICTS_PREFIX = "districts:"  # "districts:440300": the sub-regions of 440300 in use now
FORMAT = "citybase-dashboard"
FORMAT_VERSION = 1


class ChartType(StrEnum):
    LINE = "line"
    BAR = "bar"
    STACKED_BAR = "stacked_bar"
    PIE = "pie"
    TABLE = "table"
    KPI = "kpi"
    MAP = "map"


class Measure(StrEnum):
    LEVEL = "level"  # the stored value, in the panel's unit
    YOY = "yoy"  # 同比
    POP = "pop"  # 环比
    SHARE = "share"  # of the parent region's value
    PER_CAPITA = "per_capita"  # over the resident population
    INDEX = "index"  # the first period of the window = 100


class Sharing(StrEnum):
    PRIVATE = "private"
    ORGANISATION = "organisation"  # the owner's organisation
    GOVERNMENT = "government"  # every signed-in government user
    ORGANISATIONS = "organisations"  # the organisations named


CHART_LABELS = {
    ChartType.LINE: N_("Line"),
    ChartType.BAR: N_("Bar"),
    ChartType.STACKED_BAR: N_("Stacked bar"),
    ChartType.PIE: N_("Pie"),
    ChartType.TABLE: N_("Table"),
    ChartType.KPI: N_("KPI tile"),
    ChartType.MAP: N_("District map"),
}

MEASURE_LABELS = {
    Measure.LEVEL: N_("Level"),
    Measure.YOY: N_("Year on year (同比)"),
    Measure.POP: N_("On the previous period (环比)"),
    Measure.SHARE: N_("Share of the parent region"),
    Measure.PER_CAPITA: N_("Per resident"),
    Measure.INDEX: N_("Index, first period = 100"),
}

SHARING_LABELS = {
    Sharing.PRIVATE: N_("Only me"),
    Sharing.ORGANISATION: N_("My organisation"),
    Sharing.GOVERNMENT: N_("The whole government"),
    Sharing.ORGANISATIONS: N_("The organisations named"),
}


@dataclass(frozen=True)
class Window:
    """The periods a panel shows: the last `last` periods with values, or a fixed range."""

    last: int | None = None
    start: str | None = None
    end: str | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.last is not None:
            return {"last": self.last}
        return {"from": self.start, "to": self.end}

    def describe(self) -> str:
        return f"last {self.last}" if self.last is not None else f"{self.start}–{self.end}"


@dataclass(frozen=True)
class Panel:
    title: str
    chart: ChartType
    indicators: tuple[str, ...]
    regions: tuple[str, ...]  # region codes, or "districts:<code>"
    window: Window
    frequency: str = "year"
    measure: Measure = Measure.LEVEL
    unit: str = ""  # the unit shown for levels and per-capita values; the indicator's own when empty
    width: int = 6

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "chart": self.chart.value,
            "indicators": list(self.indicators),
            "regions": list(self.regions),
            "periods": self.window.as_dict(),
            "frequency": self.frequency,
            "measure": self.measure.value,
            "unit": self.unit,
            "width": self.width,
        }


@dataclass(frozen=True)
class Definition:
    """What an analyst writes, exports and imports: the dashboard without its owner and timestamps."""

    code: str
    title: str
    description: str = ""
    sharing: Sharing = Sharing.PRIVATE
    shared_with: tuple[str, ...] = ()  # organisation codes, for Sharing.ORGANISATIONS
    panels: tuple[Panel, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "sharing": self.sharing.value,
            "shared_with": list(self.shared_with),
            "panels": [panel.as_dict() for panel in self.panels],
        }


@dataclass(frozen=True)
class Dashboard:
    id: int
    definition: Definition
    owner: str
    owner_name: str
    owner_org: str
    owner_org_id: int
    owner_user_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def panels(self) -> tuple[Panel, ...]:
        return self.definition.panels

    @property
    def sharing(self) -> Sharing:
        return self.definition.sharing

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.definition.as_dict(),
            "owner": self.owner,
            "owner_name": self.owner_name,
            "owner_org": self.owner_org,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }
