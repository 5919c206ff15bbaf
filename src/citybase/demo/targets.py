"""The demo city's targets: a few illustrative ones, so the cockpit shows progress towards a target for a
year (GDP), for a year to date (retail sales after nine months) and for a published rate (investment)."""

from __future__ import annotations

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.targets import set_target

CITY = "440300"
# Not in the bundled sources (../shared/data), so each says it is illustrative rather than the city's own.
ILLUSTRATIVE = "示例目标（演示数据，非官方公布）"

TARGETS = (
    ("GDP", "2024", "growth", 6.0, f"{ILLUSTRATIVE}：地区生产总值增长（可比价）"),
    ("GDP", "2024", "level", 37000.0, f"{ILLUSTRATIVE}：地区生产总值总量"),
    ("RETAIL_SALES", "2023", "level", 10500.0, f"{ILLUSTRATIVE}：社会消费品零售总额全年目标"),
    ("FAI_GROWTH", "2023", "level", 10.0, f"{ILLUSTRATIVE}：固定资产投资增长"),
)


def load_targets(conn: Connection, actor: Actor) -> int:
    """Set the demo targets for the city; returns how many."""
    for indicator, period, kind, value, note in TARGETS:
        set_target(conn, actor, indicator, CITY, period, kind, value, note)
    return len(TARGETS)
