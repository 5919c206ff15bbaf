"""The conflict board: values from other sources that disagree with the authoritative ones."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from citybase.api.deps import ActorDep, ConnDep
from citybase.api.schemas import ConflictDecision, ConflictPublic
from citybase.facts.conflicts import get_conflict, list_conflicts, resolve_conflict

router = APIRouter(prefix="/conflicts", tags=["conflicts"])


@router.get("", response_model=list[ConflictPublic])
def list_all(
    conn: ConnDep,
    actor: ActorDep,
    status: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
    indicator: str | None = None,
) -> list[ConflictPublic]:
    found = list_conflicts(conn, actor, status=None if status == "all" else status, indicator=indicator)
    return [ConflictPublic(**item.__dict__) for item in found]


@router.get("/{conflict_id}", response_model=ConflictPublic)
def read(conflict_id: int, conn: ConnDep, actor: ActorDep) -> ConflictPublic:
    return ConflictPublic(**get_conflict(conn, actor, conflict_id).__dict__)


@router.post("/{conflict_id}/resolve", response_model=ConflictPublic)
def resolve(conflict_id: int, body: ConflictDecision, conn: ConnDep, actor: ActorDep) -> ConflictPublic:
    return ConflictPublic(**resolve_conflict(conn, actor, conflict_id, body.decision, body.note).__dict__)
