#!/usr/bin/env python3
"""One-command bootstrap for CityBase, needing only Python 3.11+.

    python3 run.py start   install CityBase into .venv, load the demo city into an empty database, serve it
    python3 run.py test    install CityBase and its test tools into .venv, then run ruff, mypy and pytest

Installs are pinned by requirements/*.lock and skipped when the lock has not changed since the last run.
Extra arguments after `start` go to `citybase serve`; after `test`, to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = {"start": ROOT / "requirements" / "runtime.lock", "test": ROOT / "requirements" / "test.lock"}


def run(*command: str | Path, **options: object) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False, **options)  # noqa: S603
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def install(purpose: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must run, and explain, on an older Python too
        sys.exit(f"CityBase needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    lock = LOCKS[purpose]
    marker = VENV / f".installed-{purpose}"
    fingerprint = hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == fingerprint:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", lock)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ROOT)
    marker.write_text(fingerprint)


def start(arguments: list[str]) -> None:
    install("start")
    citybase = BIN / "citybase"
    run(citybase, "demo", "--if-empty")
    run(citybase, "serve", *arguments)


def test(arguments: list[str]) -> None:
    install("test")
    run(PYTHON, "-m", "ruff", "check", "src", "tests", "bench", "run.py")
    run(PYTHON, "-m", "mypy")
    workers = [] if any(arg.startswith("-n") for arg in arguments) else ["-n", "auto"]
    run(PYTHON, "-m", "pytest", *workers, *arguments)


def main() -> None:
    commands = {"start": start, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
