"""Maintaining the UI catalogues: `python -m citybase.i18n_tools extract|update|compile|check`.

Message ids are the English texts in the code (marked with N_, _ or gettext) and the templates; the
Simplified Chinese catalogue translates each. `check` fails when a text has no translation, a
translation is marked fuzzy, or the compiled .mo is older than its .po.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).parent
LOCALE = PACKAGE / "locale"
POT = LOCALE / "messages.pot"
LANGUAGE = "zh_CN"
PO = LOCALE / LANGUAGE / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]


def extract() -> Catalog:
    catalog = Catalog(project="CityBase", domain="messages", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE),
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        if filename.startswith("i18n_tools"):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _write_po(catalog: Catalog, path: Path, *, omit_header: bool = False) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=omit_header, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def read_catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle, locale=LANGUAGE)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def problems() -> list[str]:
    """Every way the catalogue is out of step with the code; empty when all is well."""
    found: list[str] = []
    catalog = read_catalog()
    for message in extract():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        strings = (
            entry.string
            if entry is not None and isinstance(entry.string, tuple | list)
            else ([entry.string] if entry is not None else [])
        )
        if entry is None or not all(strings):
            found.append(f"no Chinese translation for {message.id!r}")
        elif entry.fuzzy:
            found.append(f"the translation of {message.id!r} is marked fuzzy")
    if not MO.exists() or MO.read_bytes() != compiled(catalog):
        found.append(
            f"{MO.relative_to(PACKAGE)} is not compiled from the current .po; run `python -m "
            "citybase.i18n_tools compile`"
        )
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        _write_po(extract(), POT, omit_header=False)
    elif command == "update":
        template = extract()
        catalog = read_catalog() if PO.exists() else Catalog(locale=LANGUAGE, domain="messages")
        catalog.update(template, no_fuzzy_matching=True)
        _write_po(catalog, PO)
    elif command == "compile":
        MO.write_bytes(compiled(read_catalog()))
    elif command == "check":
        issues = problems()
        for issue in issues:
            print(issue)
        return 1 if issues else 0
    else:
        print(f"unknown command {command!r}: use extract, update, compile or check")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
