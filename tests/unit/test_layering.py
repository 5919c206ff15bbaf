"""Domain packages stay free of web, CLI and template libraries; only the adapters import them."""

from __future__ import annotations

import ast
from pathlib import Path

import citybase

FORBIDDEN = ("fastapi", "starlette", "typer", "jinja2", "uvicorn")
ADAPTERS = ("api", "web", "cli")
ADAPTER_MODULES = ("app.py", "__main__.py")
PACKAGE = Path(citybase.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def domain_modules() -> list[Path]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ADAPTERS or str(relative) in ADAPTER_MODULES:
            continue
        modules.append(path)
    return modules


def test_there_are_domain_modules_to_check() -> None:
    names = {path.relative_to(PACKAGE).parts[0] for path in domain_modules()}
    assert {"regions", "accounts", "ledger", "storage"} <= names


def test_domain_packages_import_no_web_cli_or_template_library() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imports(path) & set(FORBIDDEN)) for path in domain_modules()
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_check_would_catch_an_offender(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from fastapi import FastAPI\nimport jinja2.ext\n", encoding="utf-8")
    assert _imports(module) & set(FORBIDDEN) == {"fastapi", "jinja2"}
