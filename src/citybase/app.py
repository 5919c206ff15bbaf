"""The ASGI application: `create_app(settings)` wires the database, the API, the web UI and /healthz."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from citybase import __version__
from citybase.accounts.passwords import configure_hashing
from citybase.accounts.policy import AccountPolicy
from citybase.api import api_router
from citybase.api.errors import error_json, log_error, status_for, validation_error
from citybase.api.schemas import HealthPublic
from citybase.errors import CityBaseError, DatabaseUnavailable
from citybase.instance import prepare_database
from citybase.messages import N_, message
from citybase.settings import Settings, get_settings
from citybase.storage.database import connect_database
from citybase.storage.migrate import current_revision
from citybase.web import install_web
from citybase.web.bodylimit import BodyLimit

log = logging.getLogger("citybase")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for `settings` (read from the environment when not given)."""
    settings = settings or get_settings()
    configure_hashing(settings.argon2_time_cost, settings.argon2_memory_kib)
    database = connect_database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            prepare_database(database)
        yield
        database.dispose()

    app = FastAPI(
        title="CityBase",
        version=__version__,
        summary="The city's public base database (智慧城市公共基础数据库).",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.policy = AccountPolicy.from_settings(settings)

    @app.get("/healthz", response_model=HealthPublic, tags=["health"])
    def healthz() -> HealthPublic | JSONResponse:
        """Liveness and database reachability; needs no authentication."""
        try:
            database.check()
            revision = current_revision(database)
        except DatabaseUnavailable as exc:
            log.error("health check failed: %s", exc.render())
            return JSONResponse(
                {
                    "status": "error",
                    "version": __version__,
                    "database": exc.render(),
                    "schema_revision": None,
                },
                status_code=503,
            )
        return HealthPublic(status="ok", version=__version__, database="ok", schema_revision=revision)

    app.include_router(api_router())
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_mb * 1024 * 1024)
    render_web_error = install_web(app)

    def is_api(request: Request) -> bool:
        path = request.url.path
        return path.startswith("/api/") or path == "/healthz"

    def respond(request: Request, error: CityBaseError) -> Response:
        status = status_for(error)
        log_error(request, error, status)
        if is_api(request):
            return error_json(error, status)
        return render_web_error(request, error, status)

    @app.exception_handler(CityBaseError)
    async def on_domain_error(request: Request, exc: CityBaseError) -> Response:
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, validation_error(exc))

    @app.exception_handler(OperationalError)
    async def on_database_error(request: Request, exc: OperationalError) -> Response:
        log.exception("database error on %s %s", request.method, request.url.path)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return respond(
            request, DatabaseUnavailable(message(N_("The database is unavailable: {reason}"), reason=reason))
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": str(exc.detail), "code": "http_error"}, status_code=exc.status_code
            )
        return render_web_error(request, None, exc.status_code)

    return app


def settle_for_serving(app: FastAPI) -> None:
    """Load the long-lived caches (indicator catalogue, region index) before the first request and move
    them out of the garbage collector's sight: a full collection walking them stalled a request by 60 ms."""
    from citybase.indicators.catalog import indicator_catalog
    from citybase.regions.index import region_index

    database = app.state.database
    try:
        with database.read() as conn:
            indicator_catalog(conn)
            region_index(conn)
    except (CityBaseError, SQLAlchemyError) as exc:
        log.warning("caches not loaded before serving (they load on the first request): %s", exc)
    gc.collect()
    gc.freeze()
