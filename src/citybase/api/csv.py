"""Streaming CSV twins of JSON lists: a header row, then one row per item; a BOM on request for Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi.responses import StreamingResponse


def _lines(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], bom: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if row.get(column) is None else row.get(column) for column in columns])
        yield buffer.getvalue()


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str, *, bom: bool = False
) -> StreamingResponse:
    """`bom` prefixes a byte-order mark, which Excel needs to read UTF-8 Chinese text correctly."""
    return StreamingResponse(
        _lines(rows, columns, bom),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
