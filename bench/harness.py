"""What the benchmarks share: figures, the timing loop, a scratch folder with the demo database, processes."""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL_VARIABLE = "CITYBASE_BENCH_POSTGRES_URL"


class BenchError(Exception):
    """A benchmark could not run (a command failed, a server never answered); the runner reports it."""


@dataclass
class Figure:
    """One measured number; `baseline` names the figure of the same benchmark it is compared with."""

    key: str
    label: str
    value: float
    unit: str
    higher_is_better: bool = False
    baseline: str | None = None
    is_baseline: bool = False
    samples: list[float] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """What one benchmark produced: its figures and notes (skipped parts, caveats)."""

    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, label: str, value: float, unit: str, **extra: Any) -> Figure:
        figure = Figure(key, label, value, unit, **extra)
        self.figures.append(figure)
        return figure

    def find(self, key: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.key == key), None)


@dataclass
class Context:
    """The run's options and its scratch folder; the demo database is prepared once and shared."""

    workdir: Path
    quick: bool = False
    repeat: int | None = None
    postgres_url: str | None = None
    _demo_sqlite: Path | None = None

    @property
    def cold_starts(self) -> int:
        return self.repeat or (2 if self.quick else 5)

    @property
    def rate_budget(self) -> float:
        """Seconds spent on one throughput measurement."""
        return 0.25 if self.quick else 1.0

    @property
    def rate_rounds(self) -> int:
        return 1 if self.quick else 3

    def log(self, text: str) -> None:
        print(f"  · {text}", file=sys.stderr, flush=True)

    def demo_sqlite(self) -> Path:
        """A SQLite file with the demo city, made by the real `citybase demo` command (once per run)."""
        if self._demo_sqlite is None:
            path = self.workdir / "demo.db"
            self.log(f"preparing the demo city in {path} (citybase demo)")
            run_command([*citybase_command(), "demo", "--database-url", f"sqlite:///{path}"], self.workdir)
            self._demo_sqlite = path
        return self._demo_sqlite


def citybase_command() -> list[str]:
    """The installed `citybase` command beside this interpreter, else `python -m citybase`."""
    script = Path(sys.executable).with_name("citybase")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "citybase"]


def clean_environment() -> dict[str, str]:
    """The environment for child processes, without CITYBASE_* settings so every run measures the defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("CITYBASE_")}


def run_command(args: Sequence[str], cwd: Path, timeout: float = 300) -> str:
    """Run a command to completion and return its output; a failure raises BenchError with its output."""
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{' '.join(args)}` did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"`{' '.join(args)}` exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Ask a server we started to stop (SIGTERM), and kill it if it has not stopped within `grace`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def measure_rate(call: Callable[[T], object], items: Sequence[T], budget: float) -> float:
    """Calls per second of `call` over `items` (cycled) for about `budget` seconds.

    The clock is read once per chunk, and chunks grow until each takes ~20 ms, so the loop costs the
    same small overhead whether a call takes 50 ns (a dict lookup) or 5 ms (an HTTP request).
    """
    if not items:
        raise BenchError("nothing to measure: the workload is empty")
    count, position, done, chunk = len(items), 0, 0, 8
    start = time.perf_counter()
    deadline = start + budget
    while True:
        chunk_start = time.perf_counter()
        for _ in range(chunk):
            call(items[position])
            position += 1
            if position == count:
                position = 0
        done += chunk
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)
        if now - chunk_start < 0.02:
            chunk *= 2


def peer_environment(
    ctx: Context, report: Report, *, folder: Path, packages: Sequence[str], program: str
) -> Path | None:
    """`program` from `packages` installed with pip into a virtual environment of their own at `folder`
    (made on first use), so a peer's dependencies never change the project's; None, with a note in the
    report, when it cannot be installed (the peer's figures are then skipped)."""
    bindir = "Scripts" if os.name == "nt" else "bin"
    found = folder / bindir / program
    installed = folder / ".citybase-bench-installed"
    if found.exists() and installed.exists():
        return found
    ctx.log(f"installing {', '.join(packages)} with pip into {folder}")
    try:
        if not (folder / bindir / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
        subprocess.run(
            [str(folder / bindir / "python"), "-m", "pip", "install", "--quiet", *packages],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        output = getattr(exc, "stderr", b"") or b""
        reason = output.decode(errors="replace").strip()[-300:] or str(exc)
        report.notes.append(
            f"{', '.join(packages)} could not be installed into {folder} ({reason}); the figures that "
            "compare with it are skipped"
        )
        return None
    installed.write_text(" ".join(packages) + "\n", encoding="utf-8")
    return found


def postgres_urls(server_url: str, database: str) -> tuple[str, str]:
    """For `database` on the server of `server_url`: the SQLAlchemy URL CityBase takes, and libpq's."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(database=database)
    citybase = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return citybase, libpq


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[tuple[str, str]]:
    """A new, empty database on the server of `server_url`, dropped afterwards; yields its two URLs.

    The URL given to the benchmarks names a server (and a database to connect to for administration);
    the benchmarks never write to that database itself.
    """
    import psycopg
    from psycopg import sql

    name = f"citybase_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = postgres_urls(server_url, _server_database(server_url))[1]
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BenchError(f"cannot create a scratch database on {_shown(server_url)}: {exc}") from exc
    try:
        yield postgres_urls(server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _server_database(server_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).database or "postgres"


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
