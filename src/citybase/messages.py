"""User-facing messages written in English and translated by the adapters (web UI, API) through Babel.

Domain code marks a message template with `N_` so Babel extracts it; the template is formatted with
named parameters, so logs get the English text and the web UI the catalogue's translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[[str], str]


def N_(template: str) -> str:  # noqa: N802 - the conventional gettext no-op marker
    """Mark a message template for extraction without translating it here."""
    return template


@dataclass(frozen=True)
class Message:
    """A translatable message: an English template with `{name}` placeholders and their values."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Translate | None = None) -> str:
        text = translate(self.template) if translate else self.template
        params = {
            name: value.render(translate) if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return text.format(**params)

    def __str__(self) -> str:
        return self.render()


def message(template: str, **params: Any) -> Message:
    return Message(template, params)
