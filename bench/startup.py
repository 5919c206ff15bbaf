"""Cold start: from launching `citybase serve` to the first 200 from GET /healthz, against a demo database.

Baseline, measured in the same run and started the same way: bench/minimal_app.py, a FastAPI app with
only /healthz under Uvicorn. The two commands alternate, after one discarded warm-up start each, so
drift in the machine's load falls on both alike. For context it also times `import citybase.app`
against `import fastapi, uvicorn` in a fresh interpreter.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import BenchError, Context, Report, citybase_command, clean_environment, median, stop

NAME = "startup"
DESCRIPTION = "cold start of `citybase serve` until /healthz answers 200, against a minimal FastAPI app"

MINIMAL_APP = Path(__file__).with_name("minimal_app.py")
START_TIMEOUT = 60.0
POLL_INTERVAL = 0.005
IMPORT_PROBE = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def time_to_healthy(command: list[str], port: int, log_path: Path, cwd: Path) -> float:
    """Seconds from launching `command` until it answers /healthz with 200; the server is stopped after."""
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=clean_environment(), cwd=cwd
        )
        shown = " ".join(command)
        try:
            while True:
                if healthy(port):
                    return time.perf_counter() - start
                if process.poll() is not None:
                    output = log_path.read_text(errors="replace")[-2000:]
                    raise BenchError(
                        f"`{shown}` exited with {process.returncode} before answering /healthz:\n{output}"
                    )
                if time.perf_counter() - start > START_TIMEOUT:
                    raise BenchError(f"`{shown}` did not answer /healthz within {START_TIMEOUT:.0f} s")
                time.sleep(POLL_INTERVAL)
        finally:
            stop(process)


def import_seconds(modules: str, cwd: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(modules=modules)],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"importing {modules} failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def run(ctx: Context, report: Report) -> None:
    database_url = f"sqlite:///{ctx.demo_sqlite()}"
    commands: dict[str, Callable[[int], list[str]]] = {
        "citybase": lambda port: [
            *citybase_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ],
        "minimal": lambda port: [
            sys.executable,
            str(MINIMAL_APP),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    starts = ctx.cold_starts
    ctx.log(f"{starts} cold starts of each server (plus one warm-up each), alternating")
    for attempt in range(starts + 1):
        for name, build in commands.items():
            port = free_port()
            seconds = time_to_healthy(build(port), port, ctx.workdir / f"serve-{name}.log", ctx.workdir)
            if attempt > 0:  # the first start warms the file cache and the bytecode cache; it is not counted
                times[name].append(seconds)

    for kind, pick in (("median", median), ("min", min)):
        report.add(
            f"minimal_{kind}",
            f"minimal FastAPI app → /healthz 200 ({kind} of {starts})",
            pick(times["minimal"]),
            "s",
            is_baseline=True,
            samples=times["minimal"],
        )
        report.add(
            f"serve_{kind}",
            f"citybase serve → /healthz 200 ({kind} of {starts})",
            pick(times["citybase"]),
            "s",
            baseline=f"minimal_{kind}",
            samples=times["citybase"],
        )

    imports: dict[str, list[float]] = {"fastapi, uvicorn": [], "citybase.app": []}
    for _ in range(starts):
        for modules, found in imports.items():
            found.append(import_seconds(modules, ctx.workdir))
    baseline, citybase = imports["fastapi, uvicorn"], imports["citybase.app"]
    report.add(
        "import_baseline",
        f"import fastapi, uvicorn (median of {starts})",
        median(baseline),
        "s",
        is_baseline=True,
        samples=baseline,
    )
    report.add(
        "import_citybase_app",
        f"import citybase.app (median of {starts})",
        median(citybase),
        "s",
        baseline="import_baseline",
        samples=citybase,
    )
    report.notes.append(
        "startup: `citybase serve` checks the schema revision before serving (migrations are "
        "already applied), so the time includes that check."
    )
