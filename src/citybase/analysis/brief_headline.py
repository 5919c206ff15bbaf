"""The brief's first two sections: the headline figures (GDP, its nominal and comparable growth, per-capita
GDP, population) and the three-industry structure with each industry's contribution to growth."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.brief_model import Cell, Chart, ChartSeries, Column, Draft, Section, Table
from citybase.analysis.brief_text import GROWTH_DECIMALS, growth_phrase, number, ratio_label
from citybase.analysis.growth import Growth, Published
from citybase.analysis.observations import Observation, Options, Subject, read, subject
from citybase.analysis.percapita import PerCapita, per_capita
from citybase.analysis.structure import Contribution, Structure
from citybase.errors import CityBaseError, NotFound
from citybase.messages import N_, message
from citybase.transform.periods import Frequency, Period

POPULATION = "POP_RESIDENT"
PUBLISHED_PER_CAPITA = "GDP_PER_CAPITA"
TREND_YEARS = 8


@dataclass(frozen=True)
class Headline:
    level: Observation
    nominal: Growth | None  # from levels, at current prices
    published: Published | None  # the stored rate, usually at comparable prices
    previous_nominal: Growth | None  # a year earlier, for the change in speed
    previous_published: Published | None


@dataclass(frozen=True)
class People:
    per_capita: PerCapita | None
    published_per_capita: Observation | None
    population: Observation | None
    population_before: Observation | None


def since(period: Period) -> str:
    return "比上年" if period.natural_frequency() is Frequency.YEAR else "比上年同期"


def short_name(name: str) -> str:
    """第一产业增加值 → 第一产业, as sentences name an industry."""
    return name.removesuffix("增加值")


def per_capita_figures(
    conn: Connection, actor: Actor, draft: Draft, when: Period, options: Options
) -> People:
    """Per-capita GDP (on the mean population when both year-ends are stored, else the year-end) and the
    year-end resident population; for whole years only."""
    if when.natural_frequency() is not Frequency.YEAR:
        draft.missing(
            "headline",
            "人均地区生产总值和常住人口",
            message(N_("Per-capita values and the year-end population are given for whole years only")),
        )
        return People(None, None, None, None)
    found: PerCapita | None = None
    try:
        found = per_capita(
            conn, actor, "GDP", draft.region, str(when), population_basis="average", options=options
        )
    except NotFound:
        try:
            found = per_capita(conn, actor, "GDP", draft.region, str(when), options=options)
        except CityBaseError as error:
            draft.missing("headline", "人均地区生产总值", error.message)
    except CityBaseError as error:
        draft.missing("headline", "人均地区生产总值", error.message)
    if found is not None:
        draft.use(found.numerator, *found.populations)
        draft.calculations["per_capita"] = found.as_dict()
    published = _one(conn, actor, draft, PUBLISHED_PER_CAPITA, when, options)
    population = _one(conn, actor, draft, POPULATION, when, options)
    if population is None:
        draft.missing(
            "headline",
            "年末常住人口",
            message(
                N_("No value of {indicator} for region {region} in {period} ({why})"),
                indicator=POPULATION,
                region=draft.region,
                period=str(when),
                why=message(N_("the period asked for")),
            ),
        )
    before = _one(conn, actor, draft, POPULATION, when.shift_years(-1), options) if population else None
    return People(found, published, population, before)


def _one(
    conn: Connection, actor: Actor, draft: Draft, code: str, when: Period, options: Options
) -> Observation | None:
    try:
        target = subject(conn, code, options)
    except NotFound:
        return None
    found = read(conn, actor, target, [draft.region], [when], options).get((draft.region, str(when)))
    draft.use(found)
    return found


def headline_section(
    conn: Connection,
    actor: Actor,
    draft: Draft,
    gdp: Subject,
    headline: Headline,
    when: Period,
    options: Options,
    people: People,
) -> Section:
    label, level = when.label_zh(), headline.level
    decimals = gdp.indicator.decimals
    sentence = f"{label}{draft.place}地区生产总值{number(level.value, decimals)}{level.unit}"
    if headline.nominal is not None:
        sentence += f"，按现价计算{since(when)}{growth_phrase(headline.nominal.value)}"
    if headline.published is not None:
        joiner = "；" if headline.nominal is not None else f"，{since(when)}"
        sentence += f"{joiner}按可比价格计算{growth_phrase(headline.published.value)}"
    sentence += "。"
    if headline.published is None:
        sentence += "按可比价格计算的增速本期未有公布数据。"
    paragraphs = [sentence]
    people_text = _people_sentence(people)
    if people_text:
        paragraphs.append(people_text)
    return Section(
        key="headline",
        heading="一、主要指标",
        paragraphs=tuple(paragraphs),
        tables=(_figures_table(headline, people, decimals),),
        charts=_trend(conn, actor, draft, gdp, when, options),
    )


def _people_sentence(people: People) -> str:
    parts = []
    if people.per_capita is not None:
        basis = "年平均常住人口" if people.per_capita.population_basis == "average" else "年末常住人口"
        text = f"按{basis}计算，人均地区生产总值{number(people.per_capita.value, 0)}{people.per_capita.unit}"
        if people.published_per_capita is not None:
            shown = number(people.published_per_capita.value, 0)
            text += f"（统计部门公布数为{shown}{people.published_per_capita.unit}）"
        parts.append(text)
    elif people.published_per_capita is not None:
        found = people.published_per_capita
        parts.append(f"人均地区生产总值{number(found.value, 0)}{found.unit}（统计部门公布数）")
    if people.population is not None:
        found = people.population
        text = f"年末常住人口{number(found.value, 2)}{found.unit}"
        if people.population_before is not None:
            change = found.value - people.population_before.value
            verb = "增加" if change >= 0 else "减少"
            rate = (found.value / people.population_before.value - 1) * 100
            text += f"，比上年末{verb}{number(abs(change), 2)}{found.unit}，{growth_phrase(rate)}"
        parts.append(text)
    return "；".join(parts) + "。" if parts else ""


def _growth_of(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or previous <= 0:
        return None
    return round((current / previous - 1) * 100, GROWTH_DECIMALS)


def _figures_table(headline: Headline, people: People, decimals: int) -> Table:
    rows: list[tuple[Cell, ...]] = []
    nominal = headline.nominal
    previous = nominal.previous.value if nominal and nominal.previous else None
    rows.append(
        (
            "地区生产总值",
            headline.level.unit,
            round(headline.level.value, decimals),
            None if previous is None else round(previous, decimals),
            None if nominal is None else round(nominal.value, GROWTH_DECIMALS),
            "现价总量；增速按现价计算（名义）",
        )
    )
    if headline.published is not None:
        basis = "按可比价格计算" if headline.published.price_basis == "comparable" else "公布数"
        rows.append(
            (
                "地区生产总值增速",
                headline.published.unit,
                None,
                None,
                headline.published.value,
                f"统计部门公布，{basis}",
            )
        )
    if people.per_capita is not None:
        found = people.per_capita
        basis = "年平均常住人口" if found.population_basis == "average" else "年末常住人口"
        rows.append(("人均地区生产总值", found.unit, round(found.value, 0), None, None, f"按{basis}计算"))
    if people.published_per_capita is not None:
        found_published = people.published_per_capita
        rows.append(
            (
                "人均地区生产总值（公布数）",
                found_published.unit,
                found_published.value,
                None,
                None,
                "统计部门公布",
            )
        )
    if people.population is not None:
        before = people.population_before.value if people.population_before else None
        rows.append(
            (
                "年末常住人口",
                people.population.unit,
                people.population.value,
                before,
                _growth_of(people.population.value, before),
                "",
            )
        )
    return Table(
        key="figures",
        title="表1 主要指标",
        columns=(
            Column("指标"),
            Column("单位"),
            Column("本期"),
            Column("上年同期"),
            Column("增长（%）", GROWTH_DECIMALS),
            Column("口径"),
        ),
        rows=tuple(rows),
    )


def _trend(
    conn: Connection, actor: Actor, draft: Draft, gdp: Subject, when: Period, options: Options
) -> tuple[Chart, ...]:
    periods = [when.shift_years(step - TREND_YEARS + 1) for step in range(TREND_YEARS)]
    found = read(conn, actor, gdp, [draft.region], periods, options)
    values = [found.get((draft.region, str(period))) for period in periods]
    kept = [(period, item) for period, item in zip(periods, values, strict=True) if item is not None]
    if len(kept) < 2:
        return ()
    draft.use(*(item for _period, item in kept))
    return (
        Chart(
            key="gdp_trend",
            title=f"图1 地区生产总值（{gdp.unit}）",
            kind="column",
            categories=tuple(period.label_zh() for period, _item in kept),
            series=(ChartSeries("地区生产总值", tuple(round(item.value, 2) for _period, item in kept)),),
            unit=gdp.unit,
        ),
    )


def structure_section(
    draft: Draft, when: Period, shares: Structure | None, moved: Contribution | None
) -> Section:
    if shares is None:
        return Section(
            key="structure", heading="二、产业结构", paragraphs=("三次产业数据暂缺，详见数据说明。",)
        )
    names = [short_name(part.indicator_name) for part in shares.parts]
    share_values = [part.share or 0.0 for part in shares.parts]
    paragraphs = [f"{when.label_zh()}{draft.place}三次产业结构为{ratio_label(share_values)}。"]
    if moved is not None:
        clauses = []
        for name, part in zip(names, moved.parts, strict=True):
            text = f"{name}增加值{number(part.current, 2)}{moved.unit}"
            if part.growth is not None:
                text += f"，按现价计算{since(when)}{growth_phrase(part.growth)}"
            if part.published is not None:
                text += f"（按可比价格计算{growth_phrase(part.published.value)}）"
            clauses.append(text)
        paragraphs.append("；".join(clauses) + "。")
        if all(part.contribution is not None and part.pull is not None for part in moved.parts):
            rates = "、".join(f"{number(part.contribution or 0.0, 1)}%" for part in moved.parts)
            pulls = "、".join(number(part.pull or 0.0, 1) for part in moved.parts)
            paragraphs.append(
                f"按现价计算，{'、'.join(names)}对地区生产总值增长的贡献率分别为{rates}，"
                f"分别拉动增长{pulls}个百分点。"
            )
    rows: list[tuple[Cell, ...]] = []
    for index, share in enumerate(shares.parts):
        change = moved.parts[index] if moved is not None else None
        rows.append(
            (
                names[index],
                share.value,
                None if share.share is None else round(share.share, GROWTH_DECIMALS),
                None if change is None or change.growth is None else round(change.growth, GROWTH_DECIMALS),
                None if change is None or change.contribution is None else round(change.contribution, 1),
                None if change is None or change.pull is None else round(change.pull, 2),
                None if change is None or change.published is None else change.published.value,
            )
        )
    table = Table(
        key="structure",
        title="表2 三次产业结构与增长贡献",
        columns=(
            Column("产业"),
            Column(f"增加值（{shares.unit}）", 2),
            Column("比重（%）", GROWTH_DECIMALS),
            Column("现价增长（%）", GROWTH_DECIMALS),
            Column("贡献率（%）", 1),
            Column("拉动（百分点）", 2),
            Column("可比价增长（%，公布数）", GROWTH_DECIMALS),
        ),
        rows=tuple(rows),
        note="增长、贡献率和拉动按现价总量计算；可比价增长为统计部门公布数。",
    )
    chart = Chart(
        key="structure",
        title="图2 三次产业比重（%）",
        kind="column",
        categories=tuple(names),
        series=(ChartSeries("比重", tuple(round(value, 2) for value in share_values)),),
        unit="%",
    )
    return Section(
        key="structure",
        heading="二、产业结构",
        paragraphs=tuple(paragraphs),
        tables=(table,),
        charts=(chart,),
    )
