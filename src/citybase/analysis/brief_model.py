"""What an analysis brief (形势分析报告) is made of, independent of the file it is written to: sections of
Chinese paragraphs, tables and charts, the gaps the data leaves, and every input value behind the numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from citybase.analysis.observations import Observation
from citybase.i18n import translations
from citybase.messages import Message

Cell = str | float | int | None


@dataclass(frozen=True)
class Column:
    """A table column: its Chinese title with the unit, and the decimals its numbers are shown with."""

    title: str
    decimals: int | None = None  # None: text, or numbers shown as they are

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "decimals": self.decimals}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [column.as_dict() for column in self.columns],
            "rows": [list(row) for row in self.rows],
            "note": self.note,
        }


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """A column or line chart over categories (periods, industries, districts), drawn by each renderer."""

    key: str
    title: str
    kind: str  # "column" or "line"
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "categories": list(self.categories),
            "series": [{"name": item.name, "values": list(item.values)} for item in self.series],
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "heading": self.heading,
            "paragraphs": list(self.paragraphs),
            "tables": [table.as_dict() for table in self.tables],
            "charts": [chart.as_dict() for chart in self.charts],
        }


@dataclass(frozen=True)
class Gap:
    """A part of the brief the data does not support, and why (the refusal of the calculation)."""

    section: str
    what: str  # Chinese: what could not be said
    reason: Message

    @property
    def text(self) -> str:
        return f"{self.what}：{self.reason.render(translations('zh_CN').gettext)}"

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "what": self.what, "reason": self.reason.render(), "text": self.text}


@dataclass(frozen=True)
class Brief:
    """The whole brief: title and date, sections, gaps, the input values and the calculations' answers."""

    region: str
    region_name: str
    period: str
    period_label: str
    title: str
    issued: dt.date
    as_of: dt.datetime | None  # the vintage read; None for the values published now
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    gaps: tuple[Gap, ...] = ()
    inputs: tuple[Observation, ...] = ()
    calculations: dict[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Section | None:
        return next((item for item in self.sections if item.key == key), None)

    @property
    def headline(self) -> str:
        """The brief's first sentence, the one a reader quotes."""
        first = self.section("headline")
        return first.paragraphs[0] if first and first.paragraphs else ""

    @property
    def filename(self) -> str:
        return f"brief-{self.region}-{self.period}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "region_name": self.region_name,
            "period": self.period,
            "period_label": self.period_label,
            "title": self.title,
            "issued": self.issued.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "generated_at": self.generated_at.isoformat(),
            "headline": self.headline,
            "sections": [section.as_dict() for section in self.sections],
            "gaps": [gap.as_dict() for gap in self.gaps],
            "inputs": [item.as_dict() for item in self.inputs],
            "calculations": self.calculations,
        }


@dataclass
class Draft:
    """What the sections gather while a brief is assembled: the inputs they used and the gaps they met."""

    region: str
    region_name: str
    place: str  # how sentences name the region: 全市 for the home city, else its name
    inputs: dict[tuple[str, str, str], Observation] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    calculations: dict[str, Any] = field(default_factory=dict)

    def use(self, *items: Observation | None) -> None:
        for item in items:
            if item is not None:
                self.inputs.setdefault((item.indicator, item.region, item.period), item)

    def missing(self, section: str, what: str, reason: Message) -> None:
        self.gaps.append(Gap(section, what, reason))
