"""The brief's district section: the sub-regions ranked by GDP level (with their share of the city) and by
nominal growth, with the published comparable rate beside each where stored."""

from __future__ import annotations

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.brief_model import Cell, Chart, ChartSeries, Column, Draft, Section, Table
from citybase.analysis.brief_text import GROWTH_DECIMALS, growth_phrase, number
from citybase.analysis.observations import Options
from citybase.analysis.ranking import Ranked, Ranking, ranking
from citybase.errors import CityBaseError
from citybase.transform.periods import Period

TOTAL = "GDP"
HEADING = "三、各区比较"


def district_section(conn: Connection, actor: Actor, draft: Draft, when: Period, options: Options) -> Section:
    try:
        by_level = ranking(conn, actor, TOTAL, str(when), draft.region, "level", options=options)
    except CityBaseError as error:
        draft.missing("districts", "各区地区生产总值排名", error.message)
        return Section(key="districts", heading=HEADING, paragraphs=("各区数据暂缺，详见数据说明。",))
    draft.use(*(item.current for item in by_level.items), *(item.previous for item in by_level.items))
    draft.calculations["ranking_level"] = by_level.as_dict()
    by_growth: Ranking | None = None
    try:
        by_growth = ranking(conn, actor, TOTAL, str(when), draft.region, "growth", options=options)
        draft.calculations["ranking_growth"] = by_growth.as_dict()
    except CityBaseError as error:
        draft.missing("districts", "各区地区生产总值增速排名", error.message)
    paragraphs = [_level_sentence(by_level, when)]
    total = _sum_note(by_level, draft.place)
    if total:
        paragraphs.append(total)
    if by_growth is not None:
        paragraphs.append(_growth_sentence(by_growth))
    tables = [_level_table(by_level)]
    if by_growth is not None:
        tables.append(_growth_table(by_growth))
    ranked = [item for item in by_level.items if item.value is not None]
    chart = Chart(
        key="districts",
        title=f"图3 各区地区生产总值（{by_level.unit}）",
        kind="column",
        categories=tuple(item.region_name for item in ranked),
        series=(ChartSeries("地区生产总值", tuple(round(item.value or 0.0, 2) for item in ranked)),),
        unit=by_level.unit,
    )
    return Section(
        key="districts",
        heading=HEADING,
        paragraphs=tuple(paragraphs),
        tables=tuple(tables),
        charts=(chart,),
    )


def _described(item: Ranked, unit: str, decimals: int) -> str:
    text = f"{item.region_name}（{number(item.value or 0.0, decimals)}{unit}"
    if item.share is not None:
        text += f"，占{number(item.share, GROWTH_DECIMALS)}%"
    return text + "）"


def _level_sentence(found: Ranking, when: Period) -> str:
    ranked = [item for item in found.items if item.rank is not None]
    top = ranked[:3]
    names = "、".join(_described(item, found.unit, found.decimals) for item in top[:-1])
    listed = f"{names}和{_described(top[-1], found.unit, found.decimals)}" if len(top) > 1 else names
    if len(top) == 1:
        listed = _described(top[0], found.unit, found.decimals)
    text = f"{when.label_zh()}，地区生产总值居前{len(top)}位的是{listed}。"
    reported, expected = found.coverage.split("/")
    if reported != expected:
        text += f"下辖{expected}个地区中{reported}个有数据。"
    return text


def _sum_note(found: Ranking, place: str) -> str:
    """When every sub-region reported, how their sum compares with the parent's own reported value."""
    reported, expected = found.coverage.split("/")
    if reported != expected or found.parent_value is None:
        return ""
    total = sum(item.value or 0.0 for item in found.items)
    difference = found.parent_value.value - total
    text = f"各区合计{number(total, found.decimals)}{found.unit}"
    if round(difference, found.decimals) == 0:
        return text + f"，与{place}数值一致。"
    return (
        text + f"，与{place}数值{number(found.parent_value.value, found.decimals)}{found.unit}"
        f"相差{number(difference, found.decimals)}{found.unit}（统计口径、未分区部分或四舍五入所致）。"
    )


def _growth_sentence(found: Ranking) -> str:
    ranked = [item for item in found.items if item.rank is not None and item.growth is not None]
    fastest, slowest = ranked[0], ranked[-1]
    text = f"按现价计算，增速最快的是{fastest.region_name}（{growth_phrase(fastest.growth or 0.0)}）"
    if slowest.region != fastest.region:
        text += f"，最慢的是{slowest.region_name}（{growth_phrase(slowest.growth or 0.0)}）"
    return text + "。"


def _level_table(found: Ranking) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (
            item.rank,
            item.region_name,
            item.value,
            None if item.share is None else round(item.share, GROWTH_DECIMALS),
            None if item.growth is None else round(item.growth, GROWTH_DECIMALS),
            item.published.value if item.published else None,
        )
        for item in found.items
    ]
    return Table(
        key="districts_level",
        title="表3 各区地区生产总值",
        columns=(
            Column("位次"),
            Column("地区"),
            Column(f"地区生产总值（{found.unit}）", found.decimals),
            Column("占全市比重（%）", GROWTH_DECIMALS),
            Column("现价增长（%）", GROWTH_DECIMALS),
            Column("可比价增长（%，公布数）", GROWTH_DECIMALS),
        ),
        rows=tuple(rows),
        note=f"有数据的区：{found.coverage}。",
    )


def _growth_table(found: Ranking) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (
            item.rank,
            item.region_name,
            None if item.growth is None else round(item.growth, GROWTH_DECIMALS),
            item.current.value if item.current else None,
            item.previous.value if item.previous else None,
        )
        for item in found.items
    ]
    return Table(
        key="districts_growth",
        title="表4 各区地区生产总值增速（按现价计算）",
        columns=(
            Column("位次"),
            Column("地区"),
            Column("现价增长（%）", GROWTH_DECIMALS),
            Column(f"本期（{found.unit}）", found.decimals),
            Column(f"上年同期（{found.unit}）", found.decimals),
        ),
        rows=tuple(rows),
    )
