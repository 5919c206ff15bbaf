"""The shape of division codes: 6 digits down to county level, 9 for townships (statistical codes)."""

from __future__ import annotations

import re
import unicodedata

from citybase.errors import InvalidInput
from citybase.messages import N_, message
from citybase.regions.model import Level

COUNTRY_CODE = "100000"
CODE_PATTERN = re.compile(r"^([0-9]{6}|[0-9]{9})$")


def normalise_code(code: str) -> str:
    """Return the code in ASCII digits without spaces, or raise InvalidInput naming it and the expected form.

    Full-width digits (４４０３０５), which Chinese input methods produce, are read as the same code.
    """
    cleaned = unicodedata.normalize("NFKC", code).strip()
    if not CODE_PATTERN.match(cleaned):
        raise InvalidInput(
            message(
                N_(
                    "Region code '{code}' is malformed: expected 6 digits (province to county) "
                    "or 9 digits (township)"
                ),
                code=code,
            )
        )
    return cleaned


def implied_level(code: str) -> Level:
    """The level a well-formed code denotes by its digits alone."""
    if code == COUNTRY_CODE:
        return Level.COUNTRY
    if len(code) == 9:
        return Level.TOWNSHIP
    if code.endswith("0000"):
        return Level.PROVINCE
    if code.endswith("00"):
        return Level.CITY
    return Level.COUNTY


def implied_parent(code: str) -> str | None:
    """The parent a code's digits point at (a county's city, a city's province, ...)."""
    level = implied_level(code)
    if level is Level.COUNTRY:
        return None
    if level is Level.PROVINCE:
        return COUNTRY_CODE
    if level is Level.CITY:
        return code[:2] + "0000"
    if level is Level.COUNTY:
        return code[:4] + "00"
    return code[:6]
