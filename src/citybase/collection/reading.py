"""Reading an upload into sheets of cells: Excel workbooks (.xlsx, .xlsm) and CSV text in any common encoding.

Every refusal says what was wrong with the file and what to send instead; sizes, zip bombs and row counts
are checked before the work they would make expensive.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import charset_normalizer
import python_calamine

from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, Message, message

MB = 1024 * 1024
XLSX_EXTENSIONS = frozenset({"xlsx", "xlsm"})
CSV_EXTENSIONS = frozenset({"csv", "txt", "tsv"})
ACCEPTED = ".xlsx, .xlsm, .csv, .tsv, .txt"
# The hidden sheet of a CityBase template (collection.templates.META_SHEET), read although hidden.
TEMPLATE_META_SHEET = "_citybase"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# Members smaller than this are left out of the ratio test: tiny XML parts compress very well legitimately.
RATIO_MIN_BYTES = 1 * MB
SNIFF_CHARS = 64 * 1024
SNIFF_QUOTED_CHARS = 8 * 1024
DETECT_BYTES = 256 * 1024
DELIMITERS = ",\t;|"
GB_FAMILY = frozenset({"gb2312", "gbk", "cp936", "ms936", "gb18030", "euc_cn", "hz"})


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 50 * MB  # the upload itself
    max_rows: int = 1_100_000  # rows over all sheets, headers included
    max_uncompressed_bytes: int = 500 * MB  # xlsx: sum of the zip members' declared sizes (zip bomb guard)
    max_compression_ratio: int = 200  # xlsx: any member whose uncompressed/compressed ratio is above this


@dataclass(frozen=True)
class RawSheet:
    """A sheet's cells as read; an empty cell is "" (as calamine and csv give it) and rows share one width.

    A merged range's value is copied into every cell the range covers, so merged headers repeat.
    """

    name: str  # the worksheet's name; for CSV the file name's stem
    rows: list[list[object]]  # str, int, float, bool, date/datetime/time/timedelta, or "" when empty
    first_row: int = 1  # the 1-based sheet row number of rows[0]
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig", "gb18030" ...
    kind: str = "xlsx"  # "xlsx" or "csv"


def _refuse(
    code: str, where: str, template: str, *, row: int | None = None, **params: object
) -> InvalidInput:
    reason: Message = message(template, **params)
    return InvalidInput(reason, problems=[Problem(code, reason, row=row, column=where)])


def _split_name(filename: str) -> tuple[str, str]:
    """(stem, extension in lower case) of an uploaded file's name, whatever path it came with."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name, ""
    return stem or name, extension.lower()


def read_upload(data: bytes, filename: str, *, limits: ReadLimits = ReadLimits()) -> list[RawSheet]:
    """The non-empty sheets of an uploaded workbook or CSV file; refuses what cannot or should not be read."""
    stem, extension = _split_name(filename)
    if len(data) > limits.max_bytes:
        raise _refuse(
            "too_large",
            filename,
            N_("The file {filename} is {size} MB, over the {limit} MB limit: split it into smaller files"),
            filename=filename,
            size=f"{len(data) / MB:.1f}",
            limit=f"{limits.max_bytes / MB:g}",
        )
    if extension not in XLSX_EXTENSIONS | CSV_EXTENSIONS | {"xls"}:
        raise _refuse(
            "file_type",
            filename,
            N_("The file {filename} is not of an accepted type: upload one of {accepted}"),
            filename=filename,
            accepted=ACCEPTED,
        )
    if not data or data.isspace():
        raise _no_data(filename)
    if data.startswith(OLE2_SIGNATURE):
        raise _encrypted_or_xls(filename)
    # Content decides over the name: an Excel workbook renamed .csv is still read as a workbook.
    if extension in XLSX_EXTENSIONS or data.startswith(ZIP_SIGNATURE):
        sheets = _read_xlsx(data, filename, limits)
    elif extension == "xls":
        raise _encrypted_or_xls(filename)
    else:
        sheets = [_read_csv(data, filename, stem or "CSV", extension, limits)]
    if not sheets:
        raise _no_data(filename)
    return sheets


def _no_data(filename: str) -> InvalidInput:
    return _refuse(
        "no_data",
        filename,
        N_("The file {filename} contains no data: expected a sheet with a header row and rows of values"),
        filename=filename,
    )


def _encrypted_or_xls(filename: str) -> InvalidInput:
    # Excel stores an encrypted .xlsx inside an OLE2 container, the same as a legacy .xls.
    return _refuse(
        "encrypted_or_xls",
        filename,
        N_(
            "The file {filename} is password-protected or in the old .xls format: "
            "remove the password, or open it in Excel and save it as .xlsx"
        ),
        filename=filename,
    )


def _too_many_rows(filename: str, limits: ReadLimits) -> InvalidInput:
    return _refuse(
        "too_many_rows",
        filename,
        N_("The file {filename} has more than {limit} rows: split it into smaller files"),
        filename=filename,
        limit=f"{limits.max_rows:,}",
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a million row lists are built.

    Each new list is tracked, so the collector would otherwise rescan every list built so far, again and
    again. Nothing built here forms a cycle, so the new lists then go straight to the oldest generation
    (freeze, then unfreeze) rather than being walked by the young generations' collections; that step is
    skipped when something else in the process has frozen objects, so as not to unfreeze them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


# --- Excel -------------------------------------------------------------------------------------------


def _check_zip(data: bytes, filename: str, limits: ReadLimits) -> None:
    """Refuse a damaged archive or a zip bomb from its central directory, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _corrupt(filename) from None
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise _bomb(filename, f"{total / MB:.0f} MB", f"{limits.max_uncompressed_bytes / MB:g} MB")
    for member in members:
        if member.file_size < RATIO_MIN_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise _bomb(filename, f"{ratio:.0f}×", f"{limits.max_compression_ratio}×")


def _corrupt(filename: str) -> InvalidInput:
    return _refuse(
        "corrupt",
        filename,
        N_(
            "The file {filename} is corrupt or not an Excel file: expected an .xlsx workbook "
            "(if it is a CSV file, name it .csv)"
        ),
        filename=filename,
    )


def _bomb(filename: str, found: str, limit: str) -> InvalidInput:
    return _refuse(
        "zip_bomb",
        filename,
        N_(
            "The file {filename} would expand to {found}, over the limit of {limit}: "
            "it is damaged or crafted; save the workbook again in Excel"
        ),
        filename=filename,
        found=found,
        limit=limit,
    )


def _read_xlsx(data: bytes, filename: str, limits: ReadLimits) -> list[RawSheet]:
    _check_zip(data, filename, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _encrypted_or_xls(filename) from None
    except Exception:  # calamine raises several error types (and plain ones) for a damaged workbook
        raise _corrupt(filename) from None
    sheets: list[RawSheet] = []
    budget = limits.max_rows
    with workbook:
        for meta in workbook.sheets_metadata:
            # Hidden sheets hold lookup lists and old versions, not what the department means to report;
            # the one exception is a CityBase template's own hidden sheet naming its task and period.
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != python_calamine.SheetVisibleEnum.Visible and meta.name != TEMPLATE_META_SHEET:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                height = sheet.height if sheet.start is not None else 0
            except Exception:  # a damaged worksheet part
                raise _corrupt(filename) from None
            if height > budget:
                raise _too_many_rows(filename, limits)
            try:
                raw = _sheet_rows(sheet) if height else None
            except Exception:  # calamine failing on a cell it cannot convert
                raise _corrupt(filename) from None
            if raw is None:
                continue
            budget -= len(raw.rows)
            sheets.append(raw)
    return sheets


def _sheet_rows(sheet: python_calamine.CalamineSheet) -> RawSheet | None:
    start = sheet.start
    if start is None:
        return None
    first_row, first_column = start
    with collector_paused():
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=True)
        if first_column:
            # calamine starts at the first used column; pad so indexes are the sheet's own columns.
            lead = [""] * first_column
            rows = [lead + row for row in rows]
        _fill_merged(rows, sheet.merged_cell_ranges or [], first_row)
        rows = _shape(rows, _has_value)
    if not rows:
        return None
    return RawSheet(sheet.name, rows, first_row=first_row + 1, kind="xlsx")


def _fill_merged(
    rows: list[list[Any]], ranges: list[tuple[tuple[int, int], tuple[int, int]]], first_row: int
) -> None:
    """Copy each merged range's value into every cell it covers, within the cells read."""
    if not rows:
        return
    width = len(rows[0])
    for (top, left), (bottom, right) in ranges:
        top_index = top - first_row
        if top_index < 0 or top_index >= len(rows) or left >= width:
            continue
        value = rows[top_index][left]
        if value == "":
            continue
        last_row = min(bottom - first_row, len(rows) - 1)
        last_column = min(right, width - 1)
        for index in range(top_index, last_row + 1):
            row = rows[index]
            row[left : last_column + 1] = [value] * (last_column + 1 - left)


def _has_value(cell: object) -> bool:
    if isinstance(cell, str):
        return bool(cell.strip())
    return cell is not None


def _shape(rows: list[list[Any]], has_value: Callable[[Any], object]) -> list[list[Any]]:
    """Drop trailing blank rows and columns and pad short rows, so every row has the same width.

    The common case, rows of one width, is checked with C-level loops only (map over the rows).
    """
    while rows and not any(map(has_value, rows[-1])):
        rows.pop()
    if not rows:
        return rows
    lengths = set(map(len, rows))
    width = max(lengths)
    if len(lengths) > 1:
        for row in rows:
            if len(row) < width:
                row.extend([""] * (width - len(row)))
    used = width
    while used > 0 and not any(map(has_value, map(itemgetter(used - 1), rows))):
        used -= 1
    if used < width:
        for row in rows:
            del row[used:]
    return rows


# --- CSV ---------------------------------------------------------------------------------------------

_CHUNK = 4096


def _split_sharing_repeats(lines: list[str], delimiter: str) -> list[list[Any]]:
    """Split lines into cells, making the repeated cells of a long table one string object each.

    Splitting gives every cell its own string: a million-row long table would hold its key columns (codes,
    names, periods, units) as millions of copies of a few thousand texts, about half the memory of its
    rows. Columns whose first cells mostly repeat are shared, chunk by chunk; value columns are left alone.
    """
    split = str.split
    rows: list[list[Any]] = []
    repeating: list[dict[Any, Any] | None] | None = None
    for start in range(0, len(lines), _CHUNK):
        chunk = [split(line, delimiter) for line in lines[start : start + _CHUNK]]
        if len(set(map(len, chunk))) != 1:
            rows += chunk  # ragged rows: kept as they are (the sheet is shaped later)
            continue
        columns = list(zip(*chunk, strict=True))
        if repeating is None:
            repeating = [{} if len(set(column)) * 4 <= len(column) else None for column in columns]
        if len(repeating) != len(columns):
            rows += chunk
            continue
        for index, texts in enumerate(repeating):
            if texts is not None:
                column = columns[index]
                columns[index] = tuple(map(texts.setdefault, column, column))
        rows += map(list, zip(*columns, strict=True))
    return rows


def read_csv_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), UTF-16 with BOM, else what charset_normalizer finds.

    GBK, GB2312 and CP936 are read as GB18030, their superset. Raises UnicodeError naming the encodings
    tried when none decodes the whole file.
    """
    tried: list[str] = []
    candidates: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.append("utf-8-sig")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.append("utf-16")
    candidates.append("utf-8")
    for encoding in candidates:
        tried.append(encoding)
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    for encoding in _detected_encodings(data):
        if encoding in tried:
            continue
        tried.append(encoding)
        # Single-byte code pages decode any bytes at all; NUL bytes mean binary data, not text.
        if b"\x00" in data[:DETECT_BYTES] and not encoding.startswith(("utf_16", "utf_32")):
            continue
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    shown = ", ".join(tried[:6])
    raise UnicodeError(shown if len(tried) <= 6 else f"{shown} … ({len(tried)} in all)")


def _detected_encodings(data: bytes) -> list[str]:
    """charset_normalizer's guesses, best first, from a sample cut at a line end."""
    sample = data[:DETECT_BYTES]
    if len(data) > DETECT_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return []
    best_chaos = matches[0].chaos
    names = ["gb18030" if match.encoding in GB_FAMILY else match.encoding for match in matches]
    # Short Chinese samples decode equally cleanly as Korean or Big5; a Chinese city's files are GB18030.
    if any(
        name == "gb18030" and match.chaos <= best_chaos for name, match in zip(names, matches, strict=True)
    ):
        names.insert(0, "gb18030")
    return list(dict.fromkeys(names))


def _delimiter(text: str, extension: str) -> str:
    sample = text[:SNIFF_CHARS]
    if '"' in sample:
        # The Sniffer's quote pattern takes time quadratic in the sample: 3 s for 64 KB, 50 ms for 8 KB.
        sample = text[:SNIFF_QUOTED_CHARS]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    fallback = "\t" if extension == "tsv" else ","
    try:
        found: str = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return fallback
    return found if len(found) == 1 and found in DELIMITERS else fallback


def _read_csv(data: bytes, filename: str, name: str, extension: str, limits: ReadLimits) -> RawSheet:
    try:
        text, encoding = read_csv_text(data)
    except UnicodeError as error:
        raise _refuse(
            "encoding",
            filename,
            N_(
                "The file {filename} could not be read as text (tried {encodings}): "
                "save it as CSV UTF-8 or as an .xlsx workbook"
            ),
            filename=filename,
            encodings=str(error) or "utf-8",
        ) from None
    delimiter = _delimiter(text, extension)
    with collector_paused():
        rows = _split_rows(text, delimiter, filename, limits)
        rows = _shape(rows, str.strip)
    if not rows:
        raise _no_data(filename)
    return RawSheet(name, rows, first_row=1, encoding=encoding, kind="csv")


def _split_rows(text: str, delimiter: str, filename: str, limits: ReadLimits) -> list[list[Any]]:
    plain = text.replace("\r\n", "\n") if '"' not in text and "\r" in text else text
    if '"' not in plain and "\r" not in plain:
        # Without quotes the csv module would only split on the delimiter; str.split does the same in
        # two thirds of the time (1.3 s rather than 2.0 s for a million rows on the development machine).
        if plain.count("\n") + (not plain.endswith("\n")) > limits.max_rows:
            raise _too_many_rows(filename, limits)
        lines = plain.split("\n")
        if lines[-1] == "":
            lines.pop()
        return _split_sharing_repeats(lines, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows: list[list[Any]] = list(itertools.islice(reader, limits.max_rows + 1))
    except csv.Error as error:
        raise _refuse(
            "csv",
            filename,
            N_(
                "The file {filename} could not be read as CSV at line {line} ({reason}): "
                "expected comma- or tab-separated text with quotes closed"
            ),
            filename=filename,
            row=reader.line_num,
            line=reader.line_num,
            reason=str(error),
        ) from None
    if len(rows) > limits.max_rows:
        raise _too_many_rows(filename, limits)
    return rows
