"""Jinja2 templates rendered per request in the visitor's language, with the shared page context."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from citybase import __version__
from citybase.accounts.permissions import Permission, may
from citybase.accounts.sessions import WebSession
from citybase.i18n import LANGUAGES, translations
from citybase.storage.metadata import utcnow
from citybase.web import labels

FLASH_COOKIE = "citybase_flash"


def _environment() -> Environment:
    folder = resources.files("citybase.web").joinpath("templates")
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters["datetime"] = _format_datetime
    env.filters["date"] = lambda value: value.date().isoformat() if value else "—"
    return env


def _format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    # Shown in China Standard Time, the only time zone a city government here works in.
    return value.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


ENVIRONMENT = _environment()


@dataclass
class Page:
    """What every page knows about the visit: language, session, CSRF token and flash messages."""

    request: Request
    language: str
    session: WebSession | None
    csrf_token: str
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def gettext(self, text: str) -> str:
        return translations(self.language).gettext(text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return translations(self.language).ngettext(singular, plural, count)


def render(page: Page, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    catalogue = translations(page.language)

    def gettext(text: str, **params: Any) -> str:
        translated = catalogue.gettext(text)
        return translated % params if params else translated

    def ngettext(singular: str, plural: str, count: int, **params: Any) -> str:
        translated = catalogue.ngettext(singular, plural, count)
        return translated % {"num": count, **params}

    def label(table: str, code: str | None) -> str:
        if code is None:
            return "—"
        mapping: dict[str, str] = getattr(labels, table)
        return catalogue.gettext(mapping[code]) if code in mapping else code

    def years(region: Any) -> str:
        """The years a code was in use: "… – 2009", "2016 – present"."""
        start = str(region.valid_from) if region.valid_from is not None else "…"
        end = str(region.valid_to) if region.valid_to is not None else catalogue.gettext("present")
        return f"{start} – {end}"

    def can(permission: str) -> bool:
        return page.session is not None and may(page.session.actor, Permission(permission))

    context = {
        "can": can,
        "years": years,
        "request": page.request,
        "page": page,
        "session": page.session,
        "actor": page.session.actor if page.session else None,
        "user": page.session.user if page.session else None,
        "csrf_token": page.csrf_token,
        "flashes": page.flashes,
        "language": page.language,
        "languages": LANGUAGES,
        "version": __version__,
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "label": label,
        "translate": catalogue.gettext,
        "now_utc": utcnow,
        **values,
    }
    html = ENVIRONMENT.get_template(template).render(context)
    response = HTMLResponse(html, status_code=status_code)
    if page.flashes:
        response.delete_cookie(FLASH_COOKIE)
    return response
