"""UI languages: Simplified Chinese by default, English available; catalogues compiled by Babel."""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
DOMAIN = "messages"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue for a language; message ids are English, so English needs none."""
    if language == "en" or language not in LANGUAGES:
        return gettext.NullTranslations()
    locale_dir = resources.files("citybase").joinpath("locale")
    with resources.as_file(locale_dir) as path:
        return gettext.translation(DOMAIN, localedir=str(path), languages=[language])


def pick_language(requested: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    if requested in LANGUAGES:
        return requested
    return default


def language_from_accept(header: str | None) -> str | None:
    """Map an Accept-Language header to a supported language (zh* → zh_CN, en* → en)."""
    if not header:
        return None
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return None
