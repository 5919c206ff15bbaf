"""The brief's data notes (数据说明): who reported each figure (数源部门), which vintage was read, the price
basis of each growth rate, values revised after their first release, computed and provisional values,
and what the data could not support."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.analysis.brief_model import Cell, Column, Draft, Section, Table
from citybase.analysis.brief_text import date_label, exact
from citybase.analysis.observations import Observation
from citybase.errors import NotFound
from citybase.facts.model import Role
from citybase.facts.query import revisions
from citybase.indicators.catalog import indicator_catalog
from citybase.transform.periods import parse_period

HEADING = "六、数据说明"
STATUS = {"final": "最终核实", "provisional": "初步", "computed": "计算"}
COMPUTED = {
    "sum": "由下辖地区数值加总",
    "formula": "由派生指标公式计算",
    "from_cumulative": "由年初累计数推算",
}


def notes_section(
    conn: Connection, actor: Actor, draft: Draft, as_of: dt.datetime | None, generated: dt.datetime
) -> Section:
    inputs = list(draft.inputs.values())
    names = {code: item.name for code, item in indicator_catalog(conn).by_code.items()}
    paragraphs = [
        _sources(conn, inputs, names),
        _vintage(as_of, generated),
        "价格口径：按现价计算的增速、贡献率和拉动由本报告根据现价总量计算（名义增速）；按可比价格计算的增速为"
        "统计部门公布数。两者口径不同，不可相互替代。",
    ]
    revised = _revisions(conn, actor, inputs, names, as_of)
    paragraphs.append(
        "数据修订：" + "；".join(revised) + "。"
        if revised
        else "数据修订：本报告所用数值在首次发布后均未修订。"
    )
    computed = _computed(inputs, names)
    if computed:
        paragraphs.append("计算数值：" + "；".join(computed) + "。")
    provisional = sorted({_key(item, names) for item in inputs if item.status == "provisional"})
    if provisional:
        paragraphs.append("初步数：" + "、".join(provisional) + "为初步数，可能修订。")
    if draft.gaps:
        paragraphs.append("以下内容因数据不足未能给出：" + "；".join(gap.text for gap in draft.gaps) + "。")
    return Section(
        key="notes", heading=HEADING, paragraphs=tuple(paragraphs), tables=(_inputs_table(inputs, names),)
    )


def _key(item: Observation, names: dict[str, str]) -> str:
    return (
        f"{parse_period(item.period).label_zh()}{item.region_name}{names.get(item.indicator, item.indicator)}"
    )


def _sources(conn: Connection, inputs: list[Observation], names: dict[str, str]) -> str:
    by_source: dict[str, dict[str, None]] = defaultdict(dict)  # a dict keeps the order of first use
    for item in inputs:
        if item.source:
            by_source[item.source][names.get(item.indicator, item.indicator)] = None
    if not by_source:
        return "数据来源：本报告所用数值均由系统计算。"
    parts = []
    for code in sorted(by_source):
        try:
            organisation = find_organisation(conn, code).name
        except NotFound:
            organisation = code
        parts.append(f"{organisation}（{'、'.join(by_source[code])}）")
    return "数据来源（数源部门）：" + "；".join(parts) + "。"


def _vintage(as_of: dt.datetime | None, generated: dt.datetime) -> str:
    if as_of is None:
        return f"数据版本：截至{date_label(generated.date())} {generated:%H:%M}（UTC）已发布的现行数值。"
    moment = as_of.astimezone(dt.UTC)
    return f"数据版本：{date_label(moment.date())} {moment:%H:%M}（UTC）时已发布的数值（历史版本）。"


def _revisions(
    conn: Connection,
    actor: Actor,
    inputs: list[Observation],
    names: dict[str, str],
    as_of: dt.datetime | None,
) -> list[str]:
    """Each reported input whose key holds more than one authoritative value up to the vintage read."""
    found = []
    for item in inputs:
        if item.computed is not None:
            continue
        history = [
            revision
            for revision in revisions(conn, actor, item.indicator, item.region, item.period)
            if revision.role == Role.AUTHORITATIVE.value
            and (as_of is None or _aware(revision.recorded_at) <= as_of)
        ]
        if len(history) < 2:
            continue
        first = history[0]
        found.append(
            f"{_key(item, names)}首次发布为{exact(first.value)}{item.unit}"
            f"（{date_label(_aware(first.recorded_at).date())}），"
            f"现行数值为{exact(item.value)}{item.unit}，共修订{len(history) - 1}次"
        )
    return found


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _computed(inputs: list[Observation], names: dict[str, str]) -> list[str]:
    found = []
    for item in inputs:
        if item.computed:
            how = COMPUTED.get(item.computed, item.computed)
            coverage = f"（覆盖{item.coverage}）" if item.coverage else ""
            found.append(f"{_key(item, names)}{how}{coverage}")
    return found


def _inputs_table(inputs: list[Observation], names: dict[str, str]) -> Table:
    """Every stored value the brief's numbers come from, so each can be traced to its source."""
    rows: list[tuple[Cell, ...]] = [
        (
            names.get(item.indicator, item.indicator),
            item.indicator,
            item.region_name,
            item.region,
            item.period,
            item.value,
            item.unit,
            STATUS.get(item.status, item.status),
            item.source or COMPUTED.get(item.computed or "", item.computed or ""),
        )
        for item in sorted(inputs, key=lambda item: (item.indicator, item.region, parse_period(item.period)))
    ]
    return Table(
        key="inputs",
        title="附表 本报告使用的数据",
        columns=(
            Column("指标"),
            Column("指标代码"),
            Column("地区"),
            Column("地区代码"),
            Column("期间"),
            Column("数值"),
            Column("单位"),
            Column("状态"),
            Column("数源部门/计算方式"),
        ),
        rows=tuple(rows),
    )
