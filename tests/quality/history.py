"""A small, hand-made collection history in 2030, beside the demo city's (whose submissions are dated when
the demo was loaded, years earlier), for the data-quality board's tests.

Task QUALITY_Q asks NANSHAN, FUTIAN and LUOHU for GDP and the three industries for 2029Q4, due
2030-01-15, reviewed by STATS:

| when (UTC)       | organisation | what                                                        | findings   |
|------------------|--------------|-------------------------------------------------------------|------------|
| 2030-01-10 09:00 | NANSHAN      | balanced figures, approved (on time)                        | —          |
| 2030-01-12 09:00 | FUTIAN       | GDP short of its parts: audit failed                        | 2 errors   |
| 2030-01-14 09:00 | LUOHU        | the parts without GDP; returned with a comment (on time)    | 1 warning  |
| 2030-02-03 09:00 | FUTIAN       | corrected, under review (late)                              | —          |

Conflicts (GDP and VA_TERTIARY are STATS's): A — NANSHAN's GDP 440305 against the approved value, open,
raised 2030-01-20; B — FUTIAN's VA_TERTIARY 440304, open, raised 2030-01-05; C — FUTIAN's GDP 440304,
resolved (keep) on 2030-02-10.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update

from citybase.accounts.actor import Actor
from citybase.collection.intake import submit_upload
from citybase.collection.tables import submissions
from citybase.collection.tasks import create_task
from citybase.collection.workflow import approve, return_submission
from citybase.facts.conflicts import resolve_conflict
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.facts.tables import conflicts
from citybase.storage import Database
from tests.factories import acting

TASK = "QUALITY_Q"
TODAY = dt.date(2030, 3, 31)
RETURN_COMMENT = "请补报地区生产总值"
HEADER = "地区,地区生产总值,第一产业增加值,第二产业增加值,第三产业增加值\n"


@dataclass(frozen=True)
class History:
    nanshan: int
    futian_failed: int
    luohu_returned: int
    futian_corrected: int
    conflict_a: int
    conflict_b: int
    conflict_c: int


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def build_history(db: Database, system: Actor) -> History:
    reviewer = acting(db, "stats_reviewer")
    with db.write() as conn:
        create_task(
            conn,
            reviewer,
            code=TASK,
            name="季度数据质量测试",
            indicator_codes=["GDP", "VA_PRIMARY", "VA_SECONDARY", "VA_TERTIARY"],
            org_codes=["NANSHAN", "FUTIAN", "LUOHU"],
            first_period="2029Q4",
            reviewer_org="STATS",
            deadline=dt.date(2030, 1, 15),
        )

        def upload(org: str, body: str) -> int:
            found = submit_upload(conn, system, body.encode(), f"{org}.csv", org_code=org, task=TASK)
            return found.submission.id

        nanshan = upload("NANSHAN", HEADER + "南山区,100,1,40,59\n")
        futian_failed = upload("FUTIAN", HEADER + "福田区,50,1,40,59\n")
        luohu = upload("LUOHU", "地区,第一产业增加值,第二产业增加值,第三产业增加值\n罗湖区,1,40,59\n")
        futian_corrected = upload("FUTIAN", HEADER + "福田区,100,1,40,59\n")
        approve(conn, reviewer, nanshan)
        return_submission(conn, reviewer, luohu, RETURN_COMMENT)
        for ident, day in (
            (nanshan, "2030-01-10"),
            (futian_failed, "2030-01-12"),
            (luohu, "2030-01-14"),
            (futian_corrected, "2030-02-03"),
        ):
            conn.execute(update(submissions).where(submissions.c.id == ident).values(submitted_at=at(day)))
        conn.execute(update(submissions).where(submissions.c.id == luohu).values(decided_at=at("2030-01-16")))
        publish(conn, system, [FactInput("GDP", "440305", "2029Q4", "120")], origin="t", source_org="NANSHAN")
        stats = [
            FactInput("VA_TERTIARY", "440304", "2029Q4", "59"),
            FactInput("GDP", "440304", "2029Q4", "100"),
        ]
        publish(conn, system, stats, origin="t", source_org="STATS")
        publish(
            conn,
            system,
            [FactInput("VA_TERTIARY", "440304", "2029Q4", "70")],
            origin="t",
            source_org="FUTIAN",
        )
        publish(conn, system, [FactInput("GDP", "440304", "2029Q4", "101")], origin="t", source_org="FUTIAN")
        a, b, c = conn.execute(conflicts.select().order_by(conflicts.c.id)).scalars().all()[-3:]
        resolve_conflict(conn, system, c, "keep", "核实无误")
        for ident, raised in ((a, "2030-01-20"), (b, "2030-01-05"), (c, "2030-01-25")):
            conn.execute(update(conflicts).where(conflicts.c.id == ident).values(raised_at=at(raised)))
        conn.execute(update(conflicts).where(conflicts.c.id == c).values(resolved_at=at("2030-02-10")))
    return History(nanshan, futian_failed, luohu, futian_corrected, a, b, c)
