"""Server time of the cockpit pages: /cockpit, /cockpit/districts and /cockpit/indicator/GDP rendered
in-process (FastAPI's TestClient, no network) on the demo city, signed in as a department's viewer.

Each page is requested a few times first (the first indicator page view fits and stores the forecast;
later views reuse the stored run), then N times; p50 and p99 are reported beside /healthz and the home page
in the same run, and each page is marked MET or MISSED against the 300 ms target.
"""

from __future__ import annotations

import time

from bench.harness import Context, Report

NAME = "dashboards"
DESCRIPTION = "server-side render time of the cockpit pages (p50/p99) against 300 ms, beside /healthz and /"

TARGET_SECONDS = 0.300
VIEWER = "finance_viewer"
BASELINES = ("/healthz", "/")
PAGES = ("/cockpit", "/cockpit/districts", "/cockpit/indicator/GDP")
WARMUP = 3


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(ctx: Context, report: Report) -> None:
    from fastapi.testclient import TestClient

    from citybase.accounts.sessions import start_session
    from citybase.accounts.users import find_user
    from citybase.api.deps import SESSION_COOKIE
    from citybase.app import create_app
    from citybase.settings import get_settings

    path = ctx.demo_sqlite()
    app = create_app(get_settings(database_url=f"sqlite:///{path}"))
    database = app.state.database
    with database.write() as conn:
        secret = start_session(conn, find_user(conn, VIEWER))
    count = 20 if ctx.quick else 100
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, secret)
        for url in (*BASELINES, *PAGES):
            for _ in range(WARMUP):
                answer = client.get(url)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:300]}")
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                client.get(url)
                samples.append(time.perf_counter() - started)
            p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
            is_baseline = url in BASELINES
            verdict = "" if is_baseline else ("MET" if p99 < TARGET_SECONDS else "MISSED")
            note = (
                f"{verdict} against 300 ms (p99 {p99 * 1000:.1f} ms over {count} requests)" if verdict else ""
            )
            report.add(
                f"{url}:p50",
                f"{url} p50",
                p50,
                "s",
                is_baseline=url == "/healthz",
                baseline=None if url == "/healthz" else "/healthz:p50",
                samples=samples,
                note=note,
            )
            report.add(f"{url}:p99", f"{url} p99", p99, "s", baseline=None if is_baseline else "/:p99")
            if verdict:
                print(f"  {verdict}: {url} p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms", flush=True)
