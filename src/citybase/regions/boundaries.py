"""Region boundaries (GeoJSON) bundled for the demo city, used to draw district maps."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_BUNDLED = {"440300": "shenzhen-districts.geojson"}


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("citybase.regions").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def children_boundaries(code: str) -> dict[str, Any] | None:
    """A FeatureCollection of the children of `code` (features keyed by `adcode`), if one is bundled."""
    name = _BUNDLED.get(code)
    return _load(name) if name else None
