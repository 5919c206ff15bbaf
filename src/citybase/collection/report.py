"""The audit report as the submitter's own file: offending cells highlighted and commented, with a report
sheet listing every finding."""

from __future__ import annotations

import re

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.audit.workbook import CellMark, ReportLine, annotate_upload
from citybase.collection.model import AuditLine
from citybase.collection.reading import read_upload
from citybase.collection.store import load_lines, submission_file
from citybase.messages import Translate

_CELL = re.compile(r"^(?P<sheet>.*)!(?P<column>[A-Z]{1,3})(?P<row>\d+)$")


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def marks_for(lines: list[AuditLine], translate: Translate | None) -> list[CellMark]:
    """A mark on every cell a finding points at or read."""
    marks: list[CellMark] = []
    for line in lines:
        text = f"{line.rule}: {line.message.render(translate)}" + (f"\n{line.values}" if line.values else "")
        for location in (line.location, *line.involved):
            found = _CELL.match(location or "")
            if found:
                marks.append(
                    CellMark(
                        found["sheet"], int(found["row"]), column_index(found["column"]), line.severity, text
                    )
                )
    return marks


def annotated_report(
    conn: Connection, actor: Actor, submission_id: int, *, translate: Translate | None
) -> bytes:
    submission, content = submission_file(conn, actor, submission_id)
    lines = load_lines(conn, submission_id)
    report = [
        ReportLine(
            sheet=(line.location.split("!", 1)[0] if "!" in line.location else ""),
            cell=line.location,
            rule=line.rule,
            severity=line.severity,
            message=line.message.render(translate),
            values=line.values,
        )
        for line in lines
    ]
    marks = marks_for(lines, translate)
    if content is None or submission.kind == "json":  # a draft's JSON items are kept, but are no sheet
        return annotate_upload(b"", "csv", [], report, csv_rows=[["—"]], csv_sheet="数据")
    if submission.kind == "csv":
        sheet = read_upload(content, submission.filename or "data.csv")[0]
        return annotate_upload(content, "csv", marks, report, csv_rows=sheet.rows, csv_sheet=sheet.name)
    return annotate_upload(content, "xlsx", marks, report)
