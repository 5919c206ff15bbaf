"""Notable changes (值得关注的变化): what moved against the year before — the speed of growth at current and
at comparable prices, the shift between industries, the industry that pulled most — each only when both
numbers it compares are there."""

from __future__ import annotations

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.brief_headline import Headline, short_name, since
from citybase.analysis.brief_model import Draft, Section
from citybase.analysis.brief_text import GROWTH_DECIMALS, growth_phrase, number, speed_phrase
from citybase.analysis.observations import Options
from citybase.analysis.structure import Contribution, Structure, structure
from citybase.errors import CityBaseError
from citybase.transform.periods import Period

TOTAL = "GDP"
MEANINGFUL_POINTS = 0.05  # a share that moved less than this rounds to 0.0 and is not news


def changes_section(
    conn: Connection,
    actor: Actor,
    draft: Draft,
    headline: Headline,
    shares: Structure | None,
    moved: Contribution | None,
    when: Period,
    options: Options,
) -> Section:
    paragraphs = [
        text
        for text in (
            _speed(headline, when),
            _comparable_speed(headline),
            _price_gap(headline),
            _shift(conn, actor, draft, shares, when, options),
            _largest_pull(moved),
        )
        if text
    ]
    if not paragraphs:
        paragraphs = ["本期数据不足以与上年比较。"]
    return Section(key="changes", heading="四、值得关注的变化", paragraphs=tuple(paragraphs))


def _speed(headline: Headline, when: Period) -> str:
    now, before = headline.nominal, headline.previous_nominal
    if now is None or before is None:
        return ""
    difference = round(now.value, GROWTH_DECIMALS) - round(before.value, GROWTH_DECIMALS)
    return (
        f"按现价计算，地区生产总值增速{since(when)}{speed_phrase(difference)}"
        f"（上年{growth_phrase(before.value)}）。"
    )


def _comparable_speed(headline: Headline) -> str:
    now, before = headline.published, headline.previous_published
    if now is None or before is None:
        return ""
    return (
        f"按可比价格计算，地区生产总值增速比上年{speed_phrase(now.value - before.value)}"
        f"（上年{growth_phrase(before.value)}）。"
    )


def _price_gap(headline: Headline) -> str:
    if headline.nominal is None or headline.published is None:
        return ""
    difference = round(headline.nominal.value, GROWTH_DECIMALS) - headline.published.value
    if round(difference, GROWTH_DECIMALS) == 0:
        return "按现价计算的增速与按可比价格计算的增速相同。"
    side = "高" if difference > 0 else "低"
    return (
        f"按现价计算的增速比按可比价格计算的增速{side}{number(abs(difference), GROWTH_DECIMALS)}个百分点，"
        "差额包含价格变动，也可能包含数据修订和统计口径的差异。"
    )


def _shift(
    conn: Connection,
    actor: Actor,
    draft: Draft,
    shares: Structure | None,
    when: Period,
    options: Options,
) -> str:
    if shares is None:
        return ""
    try:
        before = structure(conn, actor, TOTAL, draft.region, str(when.shift_years(-1)), options=options)
    except CityBaseError:
        return ""
    draft.use(before.total, *(part.observation for part in before.parts))
    clauses = []
    for now, then in zip(shares.parts, before.parts, strict=True):
        if now.share is None or then.share is None:
            continue
        difference = round(now.share, GROWTH_DECIMALS) - round(then.share, GROWTH_DECIMALS)
        if abs(difference) >= MEANINGFUL_POINTS:
            clauses.append(f"{short_name(now.indicator_name)}比重{growth_phrase(difference, '个百分点')}")
    if not clauses:
        return "三次产业结构与上年基本持平。"
    return "与上年相比，" + "，".join(clauses) + "。"


def _largest_pull(moved: Contribution | None) -> str:
    if moved is None or any(part.pull is None for part in moved.parts):
        return ""
    top = max(moved.parts, key=lambda part: part.pull or 0.0)
    return (
        f"{short_name(top.indicator_name)}对增长的拉动最大，按现价计算拉动"
        f"{number(top.pull or 0.0, GROWTH_DECIMALS)}个百分点，贡献率{number(top.contribution or 0.0, 1)}%。"
    )
