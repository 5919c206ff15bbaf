"""The JSON API under /api/v1: thin routes over the domain services."""

from fastapi import APIRouter

from citybase.api.routes import (
    analysis,
    anomalies,
    brief,
    conflicts,
    dashboards,
    facts,
    forecast,
    indicators,
    ledger,
    organisations,
    quality,
    regions,
    submissions,
    targets,
    tasks,
    users,
)


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    # The series query comes first: routes are matched in order, and it is the API's hot path.
    for module in (facts, regions, organisations, users, ledger, indicators, conflicts, submissions, tasks):
        router.include_router(module.router)
    router.include_router(analysis.router)
    router.include_router(forecast.router)
    router.include_router(brief.router)
    router.include_router(targets.router)
    router.include_router(dashboards.router)
    router.include_router(quality.router)
    router.include_router(anomalies.router)
    return router
