"""The JSON API under /api/v1: thin routes over the domain services."""

from fastapi import APIRouter

from citybase.api.routes import (
    conflicts,
    facts,
    indicators,
    ledger,
    organisations,
    regions,
    submissions,
    tasks,
    users,
)


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for module in (regions, organisations, users, ledger, indicators, facts, conflicts, submissions, tasks):
        router.include_router(module.router)
    return router
