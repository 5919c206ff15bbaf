"""The web UI: Jinja2 pages with htmx and ECharts served from the package, in Chinese or English."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from citybase.errors import CityBaseError
from citybase.web.deps import LoginRequired, language_of, login_redirect, read_flashes
from citybase.web.routes import (
    account,
    analysis,
    anomalies,
    auth,
    brief,
    cockpit,
    collection,
    conflicts,
    dashboards,
    data,
    home,
    indicators,
    ledger,
    orgs,
    quality,
    regions,
    review,
    rules,
    submit,
)
from citybase.web.templating import Page, render

ErrorRenderer = Callable[[Request, CityBaseError | None, int], Response]


def install_web(app: FastAPI) -> ErrorRenderer:
    """Mount the static files and pages on `app`; returns the renderer of HTML error pages."""
    static = resources.files("citybase.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    pages = (auth, home, regions, orgs, indicators, data, conflicts, account, ledger)
    for module in (*pages, collection, submit, review, rules):
        app.include_router(module.router)
    app.include_router(brief.router)
    app.include_router(analysis.router)
    app.include_router(anomalies.router)
    app.include_router(cockpit.router)
    app.include_router(quality.router)
    app.include_router(dashboards.router)

    @app.exception_handler(LoginRequired)
    async def on_login_required(_request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc.next_url)

    def render_error(request: Request, error: CityBaseError | None, status: int) -> Response:
        if status == 401:
            return login_redirect(request.url.path)
        page = Page(
            request=request,
            language=language_of(request),
            session=None,
            csrf_token="",
            flashes=read_flashes(request),
        )
        text = error.render(page.gettext) if error is not None else ""
        problems = [problem.render(page.gettext) for problem in error.problems] if error is not None else []
        return render(page, "error.html", status_code=status, status=status, message=text, problems=problems)

    return render_error
