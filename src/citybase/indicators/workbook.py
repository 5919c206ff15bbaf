"""The indicator system as an Excel workbook: one sheet each for indicators, versions, categories,
disaggregations and aliases. Written with XlsxWriter, read with python-calamine, converted to and from the
same document as the JSON exchange, so either format round-trips."""

from __future__ import annotations

import io
import json
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from citybase.errors import InvalidInput
from citybase.indicators.exchange import FORMAT, INDICATOR_FIELDS, OPTIONAL_FIELDS, VERSION
from citybase.messages import N_, message

LIST_FIELDS = ("reporters", "dimensions")
VERSION_FIELDS = (
    "indicator",
    "version",
    "effective_from",
    "definition",
    "notes",
    "unit",
    "formula",
    "change_note",
    "recorded_by",
    "recorded_at",
)
CATEGORY_FIELDS = ("code", "name", "name_en", "parent", "notes")
MEMBER_FIELDS = ("dimension", "dimension_name", "dimension_name_en", "code", "name", "name_en")
ALIAS_FIELDS = ("alias", "indicator", "unit", "dims", "cumulative", "note")
SHEETS = {
    "indicators": "指标 Indicators",
    "versions": "版本 Versions",
    "categories": "分类 Categories",
    "dimensions": "分组 Dimensions",
    "aliases": "别名 Aliases",
}


def write_workbook(document: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "bg_color": "#E8F1FA", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(name: str, fields: tuple[str, ...], rows: list[list[Any]]) -> None:
        worksheet = book.add_worksheet(SHEETS[name])
        worksheet.write_row(0, 0, fields, header)
        worksheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            worksheet.write_row(number, 0, ["" if cell is None else cell for cell in row], wrap)
        worksheet.set_column(0, len(fields) - 1, 18)

    sheet(
        "indicators",
        INDICATOR_FIELDS,
        [
            [
                ";".join(item.get(name) or []) if name in LIST_FIELDS else item.get(name)
                for name in INDICATOR_FIELDS
            ]
            for item in document["indicators"]
        ],
    )
    sheet(
        "versions",
        VERSION_FIELDS,
        [
            [item["code"], *[version.get(name) for name in VERSION_FIELDS[1:]]]
            for item in document["indicators"]
            for version in item.get("versions", [])
        ],
    )
    sheet(
        "categories",
        CATEGORY_FIELDS,
        [[item.get(name) for name in CATEGORY_FIELDS] for item in document["categories"]],
    )
    sheet(
        "dimensions",
        MEMBER_FIELDS,
        [
            [
                item["code"],
                item["name"],
                item.get("name_en", ""),
                member["code"],
                member["name"],
                member.get("name_en", ""),
            ]
            for item in document["dimensions"]
            for member in item["members"]
        ],
    )
    sheet(
        "aliases", ALIAS_FIELDS, [[item.get(name) for name in ALIAS_FIELDS] for item in document["aliases"]]
    )
    book.close()
    return buffer.getvalue()


def _rows(book: CalamineWorkbook, name: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    title = SHEETS[name]
    if title not in book.sheet_names:
        raise InvalidInput(message(N_("The workbook has no sheet '{sheet}'"), sheet=title))
    values = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    if not values:
        return []
    header = [str(cell).strip() for cell in values[0]]
    missing = [field for field in fields if field not in header and field not in OPTIONAL_FIELDS]
    if missing:
        raise InvalidInput(
            message(
                N_("Sheet '{sheet}' lacks the column(s) {columns}"), sheet=title, columns=", ".join(missing)
            )
        )
    rows = []
    for line in values[1:]:
        row = {header[index]: cell for index, cell in enumerate(line) if index < len(header)}
        if any(cell not in ("", None) for cell in row.values()):
            rows.append(row)
    return rows


def _text(value: Any) -> str | None:
    if value in ("", None):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    return None if value in ("", None) else float(value)


def read_workbook(content: bytes) -> dict[str, Any]:
    """The document a workbook written by `write_workbook` (or edited by hand in Excel) holds."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # calamine raises its own error types for every kind of unreadable file
        raise InvalidInput(
            message(N_("The file is not a readable Excel workbook: {reason}"), reason=str(exc))
        ) from exc
    versions: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(book, "versions", VERSION_FIELDS):
        versions.setdefault(str(row["indicator"]), []).append(
            {
                "version": int(float(row["version"])),
                "effective_from": (_text(row["effective_from"]) or "")[:10] or None,
                **{
                    name: _text(row[name]) or ("" if name in ("definition", "notes", "change_note") else None)
                    for name in (
                        "definition",
                        "notes",
                        "unit",
                        "formula",
                        "change_note",
                        "recorded_by",
                        "recorded_at",
                    )
                },
            }
        )
    indicators = []
    for row in _rows(book, "indicators", INDICATOR_FIELDS):
        item: dict[str, Any] = {name: _text(row.get(name)) for name in INDICATOR_FIELDS}
        for name in LIST_FIELDS:
            item[name] = [part for part in (item[name] or "").split(";") if part]
        item["decimals"] = int(float(row["decimals"] or 0))
        item["min_value"], item["max_value"] = _number(row["min_value"]), _number(row["max_value"])
        for name in ("name_en", "definition", "notes"):
            item[name] = item[name] or ""
        item["versions"] = versions.get(str(item["code"]), [])
        indicators.append(item)
    dimensions: dict[str, dict[str, Any]] = {}
    for row in _rows(book, "dimensions", MEMBER_FIELDS):
        entry = dimensions.setdefault(
            str(row["dimension"]),
            {
                "code": _text(row["dimension"]),
                "name": _text(row["dimension_name"]),
                "name_en": _text(row["dimension_name_en"]) or "",
                "members": [],
            },
        )
        entry["members"].append(
            {"code": _text(row["code"]), "name": _text(row["name"]), "name_en": _text(row["name_en"]) or ""}
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "categories": [
            {
                name: _text(row[name]) or ("" if name in ("name_en", "notes") else None)
                for name in CATEGORY_FIELDS
            }
            for row in _rows(book, "categories", CATEGORY_FIELDS)
        ],
        "dimensions": list(dimensions.values()),
        "indicators": indicators,
        "aliases": [
            {
                "alias": _text(row["alias"]),
                "indicator": _text(row["indicator"]),
                "unit": _text(row["unit"]),
                "dims": _text(row["dims"]) or "",
                "cumulative": str(row["cumulative"]).lower() in ("true", "1", "1.0"),
                "note": _text(row["note"]) or "",
            }
            for row in _rows(book, "aliases", ALIAS_FIELDS)
        ],
    }


def document_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
