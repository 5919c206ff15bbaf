"""The demo city's dashboard: 经济运行月度看板, made by the statistics bureau's analyst and shared with the
whole government, so the dashboards pages have something real to show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.dashboards.service import create_dashboard

OWNER = "stats_analyst"
CITY = "440300"
THREE_INDUSTRIES = ["VA_PRIMARY", "VA_SECONDARY", "VA_TERTIARY"]

ECONOMY: dict[str, Any] = {
    "code": "economy-monthly",
    "title": "经济运行月度看板",
    "description": (
        "全市地区生产总值、增长、产业结构与各区对比（名义增长由现价总量计算，可比价增速为统计局发布数）。"
    ),
    "sharing": "government",
    "panels": [
        {"title": "地区生产总值", "chart": "line", "indicators": ["GDP"], "regions": [CITY],
         "periods": {"last": 10}, "measure": "level", "width": 6},
        {"title": "地区生产总值增长：名义与可比价", "chart": "bar", "indicators": ["GDP", "GDP_GROWTH"],
         "regions": [CITY], "periods": {"from": "2021", "to": "2024"}, "measure": "yoy", "width": 6},
        {"title": "人均地区生产总值", "chart": "kpi", "indicators": ["GDP"], "regions": [CITY],
         "periods": {"last": 2}, "measure": "per_capita", "width": 4},
        {"title": "三次产业构成", "chart": "pie", "indicators": THREE_INDUSTRIES, "regions": [CITY],
         "periods": {"last": 1}, "measure": "level", "width": 4},
        {"title": "三次产业增加值", "chart": "stacked_bar", "indicators": THREE_INDUSTRIES, "regions": [CITY],
         "periods": {"last": 6}, "measure": "level", "width": 4},
        {"title": "各区地区生产总值占全市比重", "chart": "map", "indicators": ["GDP"],
         "regions": [f"districts:{CITY}"], "periods": {"last": 1}, "measure": "share", "width": 6},
        {"title": "各区常住人口", "chart": "table", "indicators": ["POP_RESIDENT"],
         "regions": [f"districts:{CITY}"], "periods": {"last": 1}, "measure": "level", "width": 6},
    ],
}  # fmt: skip


def load_dashboards(conn: Connection, actor: Actor) -> int:
    """The demo dashboards, owned by the bureau's analyst; returns how many were made."""
    create_dashboard(conn, actor, ECONOMY, owner=OWNER)
    return 1
