"""Every ledger action and object type the code records has a display name, so the ledger page never
shows a raw code such as `submission.discarded` to a civil servant."""

from __future__ import annotations

import ast
from pathlib import Path

import citybase
from citybase.web.labels import ACTION_LABELS, OBJECT_LABELS

PACKAGE = Path(citybase.__file__).parent


def _literals(node: ast.expr, constants: dict[str, str]) -> set[str]:
    """The texts an argument can be: a literal, a name bound to a module-level literal, or either branch
    of a conditional expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, constants) | _literals(node.orelse, constants)
    return set()


def _recorded() -> tuple[set[str], set[str]]:
    actions: set[str] = set()
    objects: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: statement.value.value
            for statement in tree.body
            if isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "record"
                and len(node.args) >= 4
            ):
                actions |= _literals(node.args[2], constants)
                objects |= _literals(node.args[3], constants)
    return actions, objects


def test_every_recorded_action_and_object_has_a_label() -> None:
    actions, objects = _recorded()
    assert len(actions) >= 30  # the scan finds the calls (it would pass vacuously otherwise)
    assert sorted(actions - ACTION_LABELS.keys()) == []
    assert sorted(objects - OBJECT_LABELS.keys()) == []
