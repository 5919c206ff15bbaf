"""Killing `citybase import` or `citybase submissions approve` at any moment leaves all of a submission or
none.

The process is killed with SIGKILL (no cleanup of any kind) at several points of its run; afterwards the
database must hold either the whole submission and its values, or no trace of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from citybase.collection.tables import submission_values, submissions
from citybase.facts.tables import facts
from citybase.regions.index import region_index
from citybase.storage import connect_database

pytestmark = pytest.mark.slow

# Indicators that no demo audit rule reads, so the synthetic values pass the audit.
MONTHLY, QUARTERLY = "RETAIL_SALES", "FINANCE_VA"


def _big_csv(url: str, path: Path) -> int:
    database = connect_database(url)
    try:
        with database.read() as conn:
            index = region_index(conn)
            regions = ["440300"] + [kid.code for kid in index.children_of("440300")]
            regions += [street.code for district in regions[1:] for street in index.children_of(district)]
    finally:
        database.dispose()
    lines = ["indicator,region,period,value"]
    for region in regions:
        for year in range(1980, 2025):
            lines.extend(
                f"{MONTHLY},{region},{year}-{month:02d},{year - 1970}.{month}" for month in range(1, 13)
            )
            lines.extend(
                f"{QUARTERLY},{region},{year}Q{quarter},{year - 1970}.{quarter}" for quarter in range(1, 5)
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def _counts(url: str) -> tuple[int, int, int]:
    database = connect_database(url)
    try:
        with database.read() as conn:
            return (
                int(conn.execute(select(func.count()).select_from(submissions)).scalar_one()),
                int(conn.execute(select(func.count()).select_from(submission_values)).scalar_one()),
                int(
                    conn.execute(
                        select(func.count()).select_from(facts).where(facts.c.origin.like("submission:%"))
                    ).scalar_one()
                ),
            )
    finally:
        database.dispose()


def _latest_submission(url: str) -> int:
    database = connect_database(url)
    try:
        with database.read() as conn:
            return int(conn.execute(select(func.max(submissions.c.id))).scalar_one())
    finally:
        database.dispose()


def _run(args: list[str], kill_after: float | None) -> int | None:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CITYBASE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "citybase", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    if kill_after is None:
        return process.wait(timeout=300)
    time.sleep(kill_after)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    return None


def test_killed_import_and_approval_leave_all_or_nothing(demo_url: str, tmp_path: Path, backend: str) -> None:
    sheet = tmp_path / "big.csv"
    rows = _big_csv(demo_url, sheet)
    import_args = ["import", str(sheet), "--org", "STATS", "--database-url", demo_url]
    start = _counts(demo_url)  # the demo city holds a submission of its own
    started = time.perf_counter()
    assert _run(import_args, None) == 0
    full = time.perf_counter() - started
    baseline = _counts(demo_url)
    assert (baseline[0] - start[0], baseline[1] - start[1]) == (1, rows)
    submission = str(_latest_submission(demo_url))
    for fraction in (0.35, 0.6, 0.8, 0.95):
        before = _counts(demo_url)
        _run(import_args, full * fraction)
        after = _counts(demo_url)
        added = (after[0] - before[0], after[1] - before[1])
        assert added in {(0, 0), (1, rows)}, (fraction, added)
    # Approval of the first big submission, killed at several points, then let through.
    approve_args = ["submissions", "approve", submission, "--database-url", demo_url]
    for fraction in (0.4, 0.6, 0.8, 1.0, 1.2):
        _run(approve_args, full * fraction)
        published = _counts(demo_url)[2] - start[2]
        assert published in {0, rows}, (fraction, published)
        if published:
            break
    assert _run(approve_args, None) in {0, 1}  # 1: it had been approved before the kill landed
    assert _counts(demo_url)[2] - start[2] == rows
