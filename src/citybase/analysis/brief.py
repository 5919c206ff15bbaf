"""The analysis brief (形势分析报告) for a region and period: headline figures, the three-industry structure,
the districts compared, notable changes, a forecast and data notes, written in Chinese from the numbers.

Every part comes from the analysis services; a part the data does not support is left out and named
among the gaps, and only a period without the headline GDP itself is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.brief_changes import changes_section
from citybase.analysis.brief_districts import district_section
from citybase.analysis.brief_forecast import forecast_section
from citybase.analysis.brief_headline import Headline, headline_section, per_capita_figures, structure_section
from citybase.analysis.brief_model import Brief, Draft
from citybase.analysis.brief_notes import notes_section
from citybase.analysis.growth import Basis, Growth, level_growth, linked_rate
from citybase.analysis.observations import (
    CURRENT,
    LATEST,
    Observation,
    Options,
    Subject,
    checked_period,
    read,
    region_code,
    required,
    subject,
)
from citybase.analysis.structure import Contribution, Structure, contribution, structure
from citybase.errors import CityBaseError
from citybase.regions.index import region_index
from citybase.site import HOME_REGION, get_setting
from citybase.storage.metadata import utcnow
from citybase.transform.periods import Period

TOTAL = "GDP"


@dataclass(frozen=True)
class BriefOptions:
    """How a brief is made: the vintage read (now when None), and whether and how far to forecast."""

    as_of: dt.datetime | None = None
    forecast: bool = True
    horizon: int = 3


DEFAULT_OPTIONS = BriefOptions()


def make_brief(
    conn: Connection,
    actor: Actor,
    region: str | None = None,
    period: str = "",
    options: BriefOptions = DEFAULT_OPTIONS,
) -> Brief:
    """Assemble the brief; NotFound names an unknown region or the headline value that is missing."""
    require(actor, Permission.VIEW_FACTS)
    home = get_setting(conn, HOME_REGION) or ""
    code = region_code(conn, region or home)
    read_options = Options(as_of=options.as_of) if options.as_of else LATEST
    gdp = subject(conn, TOTAL, read_options)
    when = checked_period(period.strip(), gdp)
    level = required(read(conn, actor, gdp, [code], [when], read_options), gdp, code, when, CURRENT)
    draft = Draft(
        region=code, region_name=level.region_name, place="全市" if code == home else level.region_name
    )
    draft.use(level)
    headline = _headline(conn, actor, draft, gdp, level, when, read_options)
    shares, moved = _structure(conn, actor, draft, when, read_options)
    sections = [
        headline_section(
            conn,
            actor,
            draft,
            gdp,
            headline,
            when,
            read_options,
            per_capita_figures(conn, actor, draft, when, read_options),
        ),
        structure_section(draft, when, shares, moved),
    ]
    if region_index(conn).children.get(code):
        sections.append(district_section(conn, actor, draft, when, read_options))
    sections.append(changes_section(conn, actor, draft, headline, shares, moved, when, read_options))
    if options.forecast:
        sections.append(forecast_section(conn, actor, draft, TOTAL, when, options.as_of, options.horizon))
    generated = utcnow()
    sections.append(notes_section(conn, actor, draft, options.as_of, generated))
    label = when.label_zh()
    return Brief(
        region=code,
        region_name=draft.region_name,
        period=str(when),
        period_label=label,
        title=f"{draft.region_name}{label}经济运行形势分析报告",
        issued=generated.date(),
        as_of=options.as_of,
        generated_at=generated,
        sections=tuple(sections),
        gaps=tuple(draft.gaps),
        inputs=tuple(draft.inputs.values()),
        calculations=draft.calculations,
    )


def _headline(
    conn: Connection,
    actor: Actor,
    draft: Draft,
    gdp: Subject,
    level: Observation,
    when: Period,
    options: Options,
) -> Headline:
    """GDP's nominal growth from levels and the published comparable rate, this period and a year before."""
    found = _nominal(conn, actor, draft.region, gdp, when, options)
    nominal = found if isinstance(found, Growth) else None
    if isinstance(found, CityBaseError):
        draft.missing("headline", "地区生产总值按现价计算的增速", found.message)
    else:
        draft.use(found.current, found.previous)
        draft.calculations["growth"] = found.as_dict()
    published = linked_rate(conn, actor, gdp, draft.region, when, options)
    if published is None:
        draft.calculations["published_growth"] = None
    else:
        draft.calculations["published_growth"] = published.as_dict()
    before = _nominal(conn, actor, draft.region, gdp, when.shift_years(-1), options)
    if isinstance(before, Growth):
        draft.use(before.previous)
    return Headline(
        level=level,
        nominal=nominal,
        published=published,
        previous_nominal=before if isinstance(before, Growth) else None,
        previous_published=linked_rate(conn, actor, gdp, draft.region, when.shift_years(-1), options),
    )


def _nominal(
    conn: Connection, actor: Actor, region: str, target: Subject, when: Period, options: Options
) -> Growth | CityBaseError:
    try:
        return level_growth(conn, actor, target, region, when, Basis.YOY, options, with_published=False)
    except CityBaseError as error:
        return error


def _structure(
    conn: Connection, actor: Actor, draft: Draft, when: Period, options: Options
) -> tuple[Structure | None, Contribution | None]:
    """The three industries' shares and their contributions to growth, each where the data allows."""
    shares = moved = None
    try:
        shares = structure(conn, actor, TOTAL, draft.region, str(when), options=options)
        draft.use(*(part.observation for part in shares.parts))
        draft.calculations["structure"] = shares.as_dict()
    except CityBaseError as error:
        draft.missing("structure", "三次产业结构", error.message)
    try:
        moved = contribution(conn, actor, TOTAL, draft.region, str(when), options=options)
        draft.use(*(item for part in moved.parts for item in part.inputs))
        draft.calculations["contribution"] = moved.as_dict()
    except CityBaseError as error:
        draft.missing("structure", "三次产业对增长的贡献", error.message)
    return shares, moved
