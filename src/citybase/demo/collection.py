"""The demo city's collection and audit: its audit rules, a quarterly task for the districts, and a little
history — submissions waiting for review, one that failed its audit and was corrected, one returned with the
reviewer's comment — so every page, the data-quality board too, has something real to show."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor, Channel
from citybase.accounts.users import actor_for, find_user
from citybase.audit.model import RuleSpec, Severity
from citybase.audit.rules import save_rule
from citybase.collection.intake import submit_upload
from citybase.collection.tasks import create_task
from citybase.collection.workflow import return_submission

DISTRICTS = ("FUTIAN", "LUOHU", "YANTIAN", "NANSHAN", "BAOAN", "LONGGANG", "LONGHUA", "PINGSHAN", "GUANGMING")
TASK = "GDP_QUARTERLY"
FIRST_PERIOD = "2026Q3"
# 南山区 2026 年三季度 as its statistician would send it: its own layout, 万元, a title and a note.
SAMPLE = (
    "南山区2026年三季度主要经济指标\n"
    "单位：万元\n"
    "地区,地区生产总值,第一产业增加值,第二产业增加值,第三产业增加值\n"
    '南山区,"23,456,700","1,200","8,765,400","14,690,100"\n'
    "注：初步核算数\n"
)
# 罗湖区's first sheet: 地区生产总值 typed short of its parts, so two error rules stop it; the corrected sheet
# follows. 宝安区 leaves 地区生产总值 out (a warning), and the statistics bureau returns it.
LUOHU_HEADER = (
    "罗湖区2026年三季度主要经济指标\n"
    "单位：亿元\n"
    "地区,地区生产总值,第一产业增加值,第二产业增加值,第三产业增加值\n"
)
LUOHU_WRONG = LUOHU_HEADER + '罗湖区,"1,850.3",0.2,"1,100.4","2,010.6"\n'
LUOHU_RIGHT = LUOHU_HEADER + '罗湖区,"3,111.5",0.2,"1,100.4","2,010.6"\n'
BAOAN_PARTS = (
    "宝安区2026年三季度主要经济指标\n单位：亿元\n"
    "地区,第一产业增加值,第二产业增加值,第三产业增加值\n"
    '宝安区,1.1,"1,650.2","1,302.7"\n'
)
BAOAN_RETURNED = "请补报地区生产总值（GDP），与三次产业增加值一并报送。"


def rule_document() -> dict[str, Any]:
    text = resources.files("citybase.demo").joinpath("data/rules.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def load_collection(conn: Connection, actor: Actor) -> int:
    """Rules (switched on), the task and the sample submission; returns how many rules were loaded."""
    rules = rule_document()["rules"]
    for rule in rules:
        save_rule(
            conn,
            actor,
            RuleSpec(
                rule["code"], rule["name"], rule["expression"], Severity(rule["severity"]), rule["message"]
            ),
            group=rule["group"],
            active=True,
        )
    create_task(
        conn,
        actor,
        code=TASK,
        name="季度地区生产总值及三次产业增加值",
        indicator_codes=["GDP", "VA_PRIMARY", "VA_SECONDARY", "VA_TERTIARY"],
        org_codes=DISTRICTS,
        first_period=FIRST_PERIOD,
        reviewer_org="STATS",
        recurrence="quarter",
        deadline_days=15,
        description="各区按季度报送本区地区生产总值及三次产业增加值，由市统计局审核。",
    )
    submit_upload(
        conn, actor, SAMPLE.encode("gb18030"), "南山区2026年三季度.csv", org_code="NANSHAN", task=TASK
    )
    _history(conn)
    return len(rules)


def _history(conn: Connection) -> None:
    """A failed audit corrected by a second upload, and a submission the reviewer returned with a comment."""

    def person(username: str) -> Actor:
        return actor_for(conn, find_user(conn, username), Channel.WEB)

    luohu = person("luohu_submitter")
    for sheet in (LUOHU_WRONG, LUOHU_RIGHT):
        submit_upload(
            conn, luohu, sheet.encode("gb18030"), "罗湖区2026年三季度.csv", org_code="LUOHU", task=TASK
        )
    baoan = submit_upload(
        conn,
        person("baoan_submitter"),
        BAOAN_PARTS.encode("gb18030"),
        "宝安区2026年三季度.csv",
        org_code="BAOAN",
        task=TASK,
    )
    return_submission(conn, person("stats_reviewer"), baoan.submission.id, BAOAN_RETURNED)
