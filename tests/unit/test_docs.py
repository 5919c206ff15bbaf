"""The docs keep up with the code: every setting, command and API path is documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main
from fastapi.testclient import TestClient

from citybase.cli import app as cli_app
from citybase.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"CITYBASE_{name.upper()}" not in text]
    assert missing == []


def _commands(group: Any, prefix: str = "") -> list[str]:
    """Every command path under `group`: "serve", "user create", ..."""
    found = [prefix] if prefix else []
    for name, command in getattr(group, "commands", {}).items():
        found += _commands(command, f"{prefix} {name}".strip())
    return found


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(cli_app))
    assert len(commands) > 20
    assert [command for command in commands if f"{command}" not in text] == []


def test_every_api_path_is_documented(client: TestClient) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    paths = client.get("/openapi.json").json()["paths"]
    assert [path for path in paths if path not in text] == []


def test_doc_links_resolve() -> None:
    broken = []
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert broken == []
