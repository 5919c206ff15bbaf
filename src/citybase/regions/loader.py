"""Loading division code lists: the bundled national list and yearly editions applied as versions."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from importlib import resources

from sqlalchemy import Connection, func, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.errors import InvalidInput, Problem
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.codes import CODE_PATTERN, COUNTRY_CODE
from citybase.regions.model import ChangeKind, Level
from citybase.regions.tables import region_changes, regions
from citybase.site import REGIONS_REVISION, bump_revision

COUNTRY_NAME = "中华人民共和国"
COLUMNS = ("code", "name", "level", "parent_code")


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: Level
    parent_code: str | None


@dataclass
class EditionReport:
    edition: int | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "added": len(self.added),
            "changed": len(self.changed),
            "retired": len(self.retired),
            "unchanged": self.unchanged,
        }


def parse_division_csv(text: str) -> list[DivisionRow]:
    """Parse `code,name,level,parent_code` rows; every bad row is reported with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            message(
                N_("The division list lacks the column(s) {columns}; expected the header {expected}"),
                columns=", ".join(missing),
                expected=",".join(COLUMNS),
            )
        )
    rows: list[DivisionRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num  # the file's own line number, blank lines included
        code = (raw.get("code") or "").strip()
        name = (raw.get("name") or "").strip()
        parent = (raw.get("parent_code") or "").strip() or None
        level_text = (raw.get("level") or "").strip()
        if not CODE_PATTERN.match(code):
            problems.append(
                _problem(line, "code", N_("'{value}' is not a 6- or 9-digit division code"), code)
            )
            continue
        if code in seen:
            problems.append(
                Problem(
                    "duplicate",
                    message(N_("code {code} already appears on line {first}"), code=code, first=seen[code]),
                    row=line,
                    column="code",
                )
            )
            continue
        seen[code] = line
        if not name:
            problems.append(_problem(line, "name", N_("the name is empty"), name))
        level = _level(level_text)
        if level is None:
            problems.append(
                _problem(
                    line,
                    "level",
                    N_("'{value}' is not a level (province, city, county, township)"),
                    level_text,
                )
            )
            continue
        if parent is not None and not CODE_PATTERN.match(parent):
            problems.append(_problem(line, "parent_code", N_("'{value}' is not a division code"), parent))
            continue
        rows.append(DivisionRow(code, name, level, parent))
    if problems:
        raise InvalidInput(
            message(N_("The division list has {count} problem(s)"), count=len(problems)), problems=problems
        )
    return rows


_LEVEL_ALIASES = {"township": Level.TOWNSHIP, "street": Level.TOWNSHIP, "town": Level.TOWNSHIP}


def _level(text: str) -> Level | None:
    try:
        return Level(text)
    except ValueError:
        return _LEVEL_ALIASES.get(text)


def _problem(line: int, column: str, template: str, value: str) -> Problem:
    return Problem("invalid", message(template, value=value), row=line, column=column)


def apply_edition(
    conn: Connection,
    actor: Actor,
    rows: list[DivisionRow],
    edition: int | None,
    source: str,
    *,
    retire_missing: bool = True,
) -> EditionReport:
    """Bring the current regions in line with a code list published for `edition` (a year).

    New codes start in `edition`; a code whose name, level or parent changed gets a new version from
    `edition` and its old version ends the year before; with `retire_missing`, a code absent from the
    list but belonging to a sibling group the list covers ends the year before. Without an edition
    (the first load) new codes have no known start year and nothing may change or retire.
    """
    require(actor, Permission.MANAGE_REGIONS)
    current = {row.code: row for row in conn.execute(select(regions).where(regions.c.valid_to.is_(None)))}
    _check_parents(rows, set(current))
    if edition is not None:
        # The newest year any recorded change took effect: a start, or the year after an end.
        bounds = conn.execute(
            select(func.max(func.coalesce(regions.c.valid_from, 0)), func.max(regions.c.valid_to + 1))
        ).one()
        latest_start = max(value or 0 for value in bounds)
        if edition < latest_start:
            raise InvalidInput(
                message(
                    N_(
                        "Edition {edition} is older than changes already recorded for {latest}; "
                        "apply editions in order"
                    ),
                    edition=edition,
                    latest=latest_start,
                )
            )
    report = EditionReport(edition=edition)
    inserts: list[dict[str, object]] = []
    for row in rows:
        known = current.get(row.code)
        if known is None:
            report.added.append(row.code)
            inserts.append(_values(row, edition))
        elif (known.name, known.level, known.parent_code) == (row.name, row.level.value, row.parent_code):
            report.unchanged += 1
        else:
            if edition is None:
                raise InvalidInput(
                    message(
                        N_("Region {code} differs from the stored one; give the edition year of the list"),
                        code=row.code,
                    )
                )
            report.changed.append(row.code)
            _close(conn, known, edition)
            inserts.append(_values(row, edition))
    if retire_missing and edition is not None:
        listed = {row.code for row in rows}
        covered = {(row.parent_code, row.level.value) for row in rows}
        for code, known in current.items():
            if code not in listed and (known.parent_code, known.level) in covered:
                report.retired.append(code)
                _close(conn, known, edition)
    if inserts:
        conn.execute(insert(regions), inserts)
    bump_revision(conn, REGIONS_REVISION)
    record(
        conn,
        actor,
        "regions.edition_applied",
        "region_list",
        str(edition or "baseline"),
        {**report.as_dict(), "source": source},
    )
    return report


def _values(row: DivisionRow, edition: int | None) -> dict[str, object]:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level.value,
        "parent_code": row.parent_code,
        "valid_from": edition,
        "valid_to": None,
    }


def _close(conn: Connection, known: object, edition: int) -> None:
    row_id = known.id  # type: ignore[attr-defined]
    valid_from = known.valid_from  # type: ignore[attr-defined]
    if valid_from is not None and valid_from >= edition:
        # A version that began in this very edition is superseded within it: it never held for a year.
        conn.execute(update(regions).where(regions.c.id == row_id).values(valid_to=valid_from - 1))
    else:
        conn.execute(update(regions).where(regions.c.id == row_id).values(valid_to=edition - 1))


def _check_parents(rows: list[DivisionRow], stored: set[str]) -> None:
    listed = {row.code: row for row in rows}
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        if row.parent_code is None:
            if row.level is not Level.COUNTRY:
                problems.append(
                    Problem(
                        "parent",
                        message(N_("region {code} has no parent code"), code=row.code),
                        row=line,
                        column="parent_code",
                    )
                )
        elif row.parent_code not in listed and row.parent_code not in stored:
            problems.append(
                Problem(
                    "parent",
                    message(
                        N_("parent code {parent} of region {code} is neither listed nor stored"),
                        parent=row.parent_code,
                        code=row.code,
                    ),
                    row=line,
                    column="parent_code",
                )
            )
    if problems:
        raise InvalidInput(
            message(N_("The division list has {count} problem(s)"), count=len(problems)), problems=problems
        )


def _read_data(name: str) -> str:
    return resources.files("citybase.regions").joinpath("data", name).read_text(encoding="utf-8")


def bundled_divisions() -> list[DivisionRow]:
    """The country root plus the bundled 2023 statistical division list, provinces under the root."""
    rows = [DivisionRow(COUNTRY_CODE, COUNTRY_NAME, Level.COUNTRY, None)]
    for row in parse_division_csv(_read_data("divisions.csv")):
        parent = row.parent_code or (COUNTRY_CODE if row.level is Level.PROVINCE else None)
        rows.append(DivisionRow(row.code, row.name, row.level, parent))
    return rows


def load_bundled(conn: Connection, actor: Actor) -> EditionReport:
    """First load of the national list, with the bundled history of retired codes and changes."""
    text = _read_data("divisions.csv")
    report = apply_edition(conn, actor, bundled_divisions(), None, _source("divisions.csv", text))
    validity = list(csv.DictReader(io.StringIO(_read_data("region-validity.csv"))))
    for row in validity:
        conn.execute(
            update(regions)
            .where(regions.c.code == row["code"], regions.c.valid_to.is_(None))
            .values(valid_from=int(row["valid_from"]))
        )
    history = [
        {
            "code": row["code"],
            "name": row["name"],
            "level": Level(row["level"]).value,
            "parent_code": row["parent_code"] or None,
            "valid_from": int(row["valid_from"]) if row["valid_from"] else None,
            "valid_to": int(row["valid_to"]),
        }
        for row in csv.DictReader(io.StringIO(_read_data("region-history.csv")))
    ]
    conn.execute(insert(regions), history)
    changes = [
        {
            "year": int(row["year"]),
            "kind": ChangeKind(row["kind"]).value,
            "old_code": row["old_code"] or None,
            "new_code": row["new_code"] or None,
            "note": row["note"],
        }
        for row in csv.DictReader(io.StringIO(_read_data("region-changes.csv")))
    ]
    conn.execute(insert(region_changes), changes)
    record(
        conn,
        actor,
        "regions.history_loaded",
        "region_list",
        "baseline",
        {"retired_versions": len(history), "changes": len(changes), "start_years": len(validity)},
    )
    return report


def load_bundled_streets(conn: Connection, actor: Actor, city_code: str) -> EditionReport:
    """The bundled township list of the demo city (only Shenzhen's is bundled)."""
    text = _read_data("shenzhen-streets.csv")
    rows = [row for row in parse_division_csv(text) if row.code.startswith(city_code[:4])]
    return apply_edition(conn, actor, rows, None, _source("shenzhen-streets.csv", text))


def _source(name: str, text: str) -> str:
    return f"{name} sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"
