"""The evidence ledger: chaining, verification, tamper detection, exports, and concurrent appends."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, select, text

from citybase.accounts.actor import Actor
from citybase.errors import PermissionDenied
from citybase.ledger import (
    GENESIS_HASH,
    LedgerFilter,
    canonical_json,
    count_entries,
    export_records,
    list_entries,
    record,
    verify_chain,
    verify_records,
)
from citybase.ledger.chain import LedgerRecord, format_timestamp, parse_timestamp, sha256_hex
from citybase.ledger.tables import ledger_entries, ledger_head
from citybase.storage import Database
from citybase.storage.metadata import UTCDateTime
from tests.factories import acting, ledger_size

FORGED_HASH = "f" * 64


def _head(db: Database) -> tuple[int, str]:
    with db.read() as conn:
        row = conn.execute(select(ledger_head.c.seq, ledger_head.c.entry_hash)).one()
    return row.seq, row.entry_hash


def _verify(db: Database, actor: Actor) -> Any:
    with db.read() as conn:
        return verify_chain(conn, actor)


def _raw(db: Database, sql: str, **params: Any) -> None:
    """Change the stored chain behind CityBase's back, as someone with database access could."""
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _append(db: Database, actor: Actor, key: str, detail: dict[str, Any] | None = None) -> int:
    with db.write() as conn:
        return record(conn, actor, "test.appended", "thing", key, detail)


# --- appending ---------------------------------------------------------------------------------------


def test_record_links_each_entry_to_the_one_before(db: Database, system: Actor) -> None:
    head_seq, head_hash = _head(db)
    first = _append(db, system, "a", {"n": 1})
    second = _append(db, system, "b", {"n": 2})
    assert (first, second) == (head_seq + 1, head_seq + 2)
    with db.read() as conn:
        rows = conn.execute(
            select(ledger_entries)
            .where(ledger_entries.c.seq.in_([first, second]))
            .order_by(ledger_entries.c.seq)
        ).all()
    assert rows[0].prev_hash == head_hash
    assert rows[1].prev_hash == rows[0].entry_hash
    assert _head(db) == (second, rows[1].entry_hash)


def test_entry_stores_actor_and_canonical_detail(db: Database) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    seq = _append(db, nanshan_admin, "k1", {"b": 2, "a": "南山", "when": dt.date(2024, 1, 31)})
    with db.read() as conn:
        row = conn.execute(select(ledger_entries).where(ledger_entries.c.seq == seq)).one()
    assert (row.actor, row.actor_org, row.via, row.action, row.object_type, row.object_key) == (
        "nanshan_admin",
        "NANSHAN",
        "api",
        "test.appended",
        "thing",
        "k1",
    )
    assert row.detail == '{"a":"南山","b":2,"when":"2024-01-31"}'
    assert row.detail_digest == sha256_hex(row.detail)


def test_the_first_entry_links_to_the_genesis_hash(db: Database) -> None:
    with db.read() as conn:
        first = conn.execute(select(ledger_entries).where(ledger_entries.c.seq == 1)).one()
    assert first.prev_hash == GENESIS_HASH


def test_a_rolled_back_append_leaves_no_gap(db: Database, system: Actor) -> None:
    before = _head(db)

    def change_that_fails() -> None:
        with db.write() as conn:
            record(conn, system, "test.appended", "thing", "lost")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert _head(db) == before
    assert _append(db, system, "kept") == before[0] + 1
    assert _verify(db, system).ok


# --- verifying the stored chain ----------------------------------------------------------------------


def test_an_untouched_chain_verifies(db: Database, system: Actor) -> None:
    report = _verify(db, system)
    head_seq, _hash = _head(db)
    assert report.ok
    assert report.entries_checked == head_seq == ledger_size(db)
    assert report.first_bad_seq is None
    assert "intact" in report.describe()


def test_an_empty_chain_verifies(empty_db: Database, system: Actor) -> None:
    with empty_db.engine.begin() as conn:
        conn.execute(ledger_entries.delete())
        conn.execute(ledger_head.update().values(seq=0, entry_hash=GENESIS_HASH))
    report = _verify(empty_db, system)
    assert (report.ok, report.entries_checked, report.head_seq) == (True, 0, 0)


TAMPERING = {
    "actor": "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = :seq",
    "actor_org": "UPDATE ledger_entries SET actor_org = 'FORGED' WHERE seq = :seq",
    "via": "UPDATE ledger_entries SET via = 'web' WHERE seq = :seq",
    "action": "UPDATE ledger_entries SET action = action || '.forged' WHERE seq = :seq",
    "object_type": "UPDATE ledger_entries SET object_type = 'forged' WHERE seq = :seq",
    "object_key": "UPDATE ledger_entries SET object_key = object_key || '-forged' WHERE seq = :seq",
    "detail": "UPDATE ledger_entries SET detail = detail || ' ' WHERE seq = :seq",
    "detail_digest": "UPDATE ledger_entries SET detail_digest = entry_hash WHERE seq = :seq",
    "prev_hash": "UPDATE ledger_entries SET prev_hash = entry_hash WHERE seq = :seq",
    "entry_hash": "UPDATE ledger_entries SET entry_hash = prev_hash WHERE seq = :seq",
}


def test_changing_any_column_is_reported_at_that_entry(
    db: Database, system: Actor, subtests: pytest.Subtests
) -> None:
    victim = _head(db)[0] // 2
    for column, statement in TAMPERING.items():
        with subtests.test(column=column), db.engine.connect() as conn:
            # Each change is verified inside its own transaction and then rolled back, so one database
            # serves every column.
            with conn.begin() as transaction:
                conn.execute(text(statement), {"seq": victim})
                report = verify_chain(conn, system)
                transaction.rollback()
            assert not report.ok
            assert report.first_bad_seq == victim
            assert report.entries_checked == victim - 1
            assert str(victim) in report.describe()
    assert _verify(db, system).ok, "the chain verifies again once every change is undone"


def test_changing_the_recorded_time_is_reported(db: Database, system: Actor) -> None:
    victim = _head(db)[0] // 2
    with db.read() as conn:
        recorded_at = conn.execute(
            select(ledger_entries.c.recorded_at).where(ledger_entries.c.seq == victim)
        ).scalar_one()
    statement = text("UPDATE ledger_entries SET recorded_at = :moment WHERE seq = :seq").bindparams(
        bindparam("moment", type_=UTCDateTime())
    )
    with db.engine.begin() as conn:
        conn.execute(statement, {"moment": recorded_at - dt.timedelta(seconds=1), "seq": victim})
    report = _verify(db, system)
    assert (report.ok, report.first_bad_seq) == (False, victim)


def test_an_entry_rewritten_consistently_breaks_the_next_link(db: Database, system: Actor) -> None:
    # A forger who recomputes the digest and hash of the entry they changed still breaks the chain
    # at the following entry, which links to the original hash.
    victim = _head(db)[0] // 2
    forged_detail = '{"forged":true}'
    with db.read() as conn:
        row = conn.execute(select(ledger_entries).where(ledger_entries.c.seq == victim)).one()
    forged = LedgerRecord(
        seq=row.seq,
        recorded_at=row.recorded_at,
        actor=row.actor,
        actor_org=row.actor_org,
        via=row.via,
        action=row.action,
        object_type=row.object_type,
        object_key=row.object_key,
        detail_digest=sha256_hex(forged_detail),
        prev_hash=row.prev_hash,
    )
    _raw(
        db,
        "UPDATE ledger_entries SET detail = :detail, detail_digest = :digest, entry_hash = :hash "
        "WHERE seq = :seq",
        detail=forged_detail,
        digest=forged.detail_digest,
        hash=forged.entry_hash(),
        seq=victim,
    )
    report = _verify(db, system)
    assert (report.ok, report.first_bad_seq) == (False, victim + 1)


def test_renumbering_an_entry_is_a_missing_entry(db: Database, system: Actor) -> None:
    victim = _head(db)[0] // 2
    _raw(db, "UPDATE ledger_entries SET seq = seq + 1000000 WHERE seq = :seq", seq=victim)
    report = _verify(db, system)
    assert (report.ok, report.first_bad_seq) == (False, victim)
    assert "missing" in report.describe()


def test_deleting_a_middle_entry_is_reported_missing(db: Database, system: Actor) -> None:
    victim = _head(db)[0] // 2
    _raw(db, "DELETE FROM ledger_entries WHERE seq = :seq", seq=victim)
    report = _verify(db, system)
    assert (report.ok, report.first_bad_seq) == (False, victim)
    assert f"entry {victim} is missing" in report.describe()


def test_deleting_the_last_entry_no_longer_matches_the_head(db: Database, system: Actor) -> None:
    last = _head(db)[0]
    _raw(db, "DELETE FROM ledger_entries WHERE seq = :seq", seq=last)
    report = _verify(db, system)
    assert not report.ok
    assert report.first_bad_seq == last
    assert report.head_seq == last
    assert report.entries_checked == last - 1


def test_replacing_the_head_hash_is_reported(db: Database, system: Actor) -> None:
    _raw(db, "UPDATE ledger_head SET entry_hash = :hash", hash=FORGED_HASH)
    assert not _verify(db, system).ok


def test_tampering_is_found_however_long_the_chain(
    db: Database, system: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Verification streams the chain in batches; a break just past a batch boundary is still seen.
    monkeypatch.setattr("citybase.ledger.service.VERIFY_BATCH", 7)
    victim = 15
    _raw(db, TAMPERING["object_key"], seq=victim)
    progress: list[tuple[int, int]] = []
    with db.read() as conn:
        report = verify_chain(conn, system, progress=lambda done, total: progress.append((done, total)))
    assert (report.ok, report.first_bad_seq) == (False, victim)
    assert progress == [(7, ledger_size(db)), (14, ledger_size(db))]


# --- exports -----------------------------------------------------------------------------------------


def _export_lines(db: Database, actor: Actor) -> list[str]:
    with db.read() as conn:
        return [json.dumps(item, ensure_ascii=False) for item in export_records(conn, actor)]


def test_an_export_verifies_away_from_the_database(db: Database, system: Actor) -> None:
    _append(db, system, "exported", {"amount": Decimal("12.50"), "names": ["南山", "福田"]})
    records = [json.loads(line) for line in _export_lines(db, system)]
    head = _head(db)
    assert [item["seq"] for item in records] == list(range(1, head[0] + 1))
    assert records[-1]["entry_hash"] == head[1]
    report = verify_records(records, head)
    assert (report.ok, report.entries_checked) == (True, head[0])


def test_an_export_matches_the_stored_rows(db: Database, system: Actor) -> None:
    records = [json.loads(line) for line in _export_lines(db, system)]
    with db.read() as conn:
        rows = conn.execute(select(ledger_entries).order_by(ledger_entries.c.seq)).all()
    assert len(records) == len(rows)
    for exported, row in zip(records, rows, strict=True):
        assert parse_timestamp(exported["recorded_at"]) == row.recorded_at
        assert {key: value for key, value in exported.items() if key != "recorded_at"} == {
            key: value for key, value in row._mapping.items() if key != "recorded_at"
        }


def _forge(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


EXPORT_FORGERIES = {
    "actor": _forge,
    "object_key": _forge,
    "detail": lambda _detail: '{"forged":true}',
    "recorded_at": lambda moment: format_timestamp(parse_timestamp(moment) + dt.timedelta(microseconds=1)),
    "prev_hash": _forge,
    "entry_hash": _forge,
}


def test_a_tampered_export_is_detected(db: Database, system: Actor, subtests: pytest.Subtests) -> None:
    lines = _export_lines(db, system)
    victim = len(lines) // 2
    for field, forge in EXPORT_FORGERIES.items():
        with subtests.test(field=field):
            records = [json.loads(line) for line in lines]
            records[victim - 1][field] = forge(records[victim - 1][field])
            report = verify_records(records, _head(db))
            assert (report.ok, report.first_bad_seq) == (False, victim)


def test_a_truncated_export_fails_against_the_head(db: Database, system: Actor) -> None:
    records = [json.loads(line) for line in _export_lines(db, system)]
    assert verify_records(records[:-3], None).ok  # a prefix is a valid chain on its own
    report = verify_records(records[:-3], _head(db))
    assert (report.ok, report.first_bad_seq) == (False, len(records) - 2)


def test_export_and_verify_need_the_verify_permission(db: Database) -> None:
    submitter = acting(db, "nanshan_submitter")
    with db.read() as conn:
        with pytest.raises(PermissionDenied, match="nanshan_submitter"):
            list(export_records(conn, submitter))
        with pytest.raises(PermissionDenied):
            verify_chain(conn, submitter)
        assert verify_chain(conn, acting(db, "nanshan_admin")).ok


# --- listing -----------------------------------------------------------------------------------------


def test_listing_pages_backwards_newest_first(db: Database, system: Actor) -> None:
    head_seq = _head(db)[0]
    with db.read() as conn:
        page = list_entries(conn, system, LedgerFilter(), limit=5)
        older = list_entries(conn, system, LedgerFilter(), limit=5, before_seq=page[-1].seq)
    assert [entry.seq for entry in page] == list(range(head_seq, head_seq - 5, -1))
    assert [entry.seq for entry in older] == list(range(head_seq - 5, head_seq - 10, -1))


def test_filters_narrow_the_listing_and_the_count(db: Database, system: Actor) -> None:
    with db.read() as conn:
        created = list_entries(conn, system, LedgerFilter(action="user."), limit=1000)
        total = count_entries(conn, system, LedgerFilter(action="user."))
        one = list_entries(conn, system, LedgerFilter(object_type="user", object_key="nanshan_admin"))
    assert created
    assert all(entry.action.startswith("user.") for entry in created)
    assert total == len(created)
    assert [(entry.action, entry.detail["org"]) for entry in one] == [("user.created", "NANSHAN")]


def test_action_prefix_is_not_a_pattern(db: Database, system: Actor) -> None:
    _append(db, system, "x")
    with db.read() as conn:
        assert list_entries(conn, system, LedgerFilter(action="test%")) == []
        assert list_entries(conn, system, LedgerFilter(action="test_appended")) == []


def test_an_org_admin_sees_only_entries_made_in_their_org(db: Database, system: Actor) -> None:
    nanshan_admin = acting(db, "nanshan_admin")
    _append(db, nanshan_admin, "mine")
    _append(db, acting(db, "stats_admin"), "theirs")
    with db.read() as conn:
        seen = list_entries(conn, nanshan_admin, LedgerFilter(), limit=1000)
        asked_for_stats = list_entries(conn, nanshan_admin, LedgerFilter(org="STATS"))
        assert count_entries(conn, nanshan_admin, LedgerFilter()) == len(seen)
    assert [entry.object_key for entry in seen] == ["mine"]
    assert asked_for_stats == []


def test_non_admins_may_not_read_the_ledger(db: Database) -> None:
    with db.read() as conn, pytest.raises(PermissionDenied, match="finance_viewer"):
        list_entries(conn, acting(db, "finance_viewer"), LedgerFilter())


# --- concurrency -------------------------------------------------------------------------------------


def test_concurrent_appends_never_fork_the_chain(db: Database, system: Actor) -> None:
    writers, appends = 6, 8
    before = _head(db)[0]
    start = threading.Barrier(writers)

    def append_many(writer: int) -> list[int]:
        start.wait(timeout=30)
        numbers = []
        for count in range(appends):
            with db.write() as conn:
                # Two entries per transaction widen the window in which a fork could happen.
                numbers.append(record(conn, system, "test.concurrent", "writer", f"{writer}-{count}a"))
                numbers.append(record(conn, system, "test.concurrent", "writer", f"{writer}-{count}b"))
        return numbers

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(append_many, range(writers)))

    issued = sorted(number for numbers in results for number in numbers)
    assert issued == list(range(before + 1, before + 1 + writers * appends * 2))
    with db.read() as conn:
        rows = conn.execute(select(ledger_entries.c.seq, ledger_entries.c.prev_hash)).all()
    assert len({row.prev_hash for row in rows}) == len(rows), "two entries link to the same predecessor"
    assert sorted(row.seq for row in rows) == list(range(1, before + 1 + writers * appends * 2))
    report = _verify(db, system)
    assert report.ok, report.describe()


# --- canonical serialisation -------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_canonical_json_ignores_key_order(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical_json(reordered) == canonical_json(value)


@given(json_values)
def test_canonical_json_reads_back_unchanged(value: Any) -> None:
    assert json.loads(canonical_json(value)) == value


@given(json_values)
def test_canonical_json_has_no_whitespace_between_tokens(value: Any) -> None:
    text_ = canonical_json(value)
    assert canonical_json(json.loads(text_)) == text_
    assert json.dumps(json.loads(text_), sort_keys=True, separators=(",", ":"), ensure_ascii=False) == text_


@given(st.sets(st.integers() | st.text(max_size=5), max_size=8))
def test_sets_serialise_the_same_in_any_order(items: set[int | str]) -> None:
    assert canonical_json(items) == canonical_json(frozenset(reversed(list(items))))
    written = [canonical_json(item) for item in json.loads(canonical_json(items))]
    assert written == sorted(canonical_json(item) for item in items)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_written_as_their_shortest_exact_text(number: float) -> None:
    written = json.loads(canonical_json(number))
    assert isinstance(written, str)
    assert float(written) == number


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6))
def test_decimals_keep_their_value_and_precision(number: Decimal) -> None:
    written = json.loads(canonical_json(number))
    assert Decimal(written) == number
    assert "E" not in written.upper()


def test_decimal_places_are_kept() -> None:
    assert canonical_json({"v": Decimal("1.50")}) == '{"v":"1.50"}'
    assert canonical_json({"v": Decimal("1.5")}) == '{"v":"1.5"}'


@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.timezones()
    )
)
def test_instants_serialise_in_utc_whatever_their_zone(moment: dt.datetime) -> None:
    written = json.loads(canonical_json(moment))
    assert written.endswith("Z")
    # Compared in UTC: Python never calls a time in a DST gap equal to one in another zone.
    assert parse_timestamp(written) == moment.astimezone(dt.UTC)
    assert canonical_json(moment.astimezone(dt.timezone(dt.timedelta(hours=8)))) == canonical_json(moment)


def test_naive_times_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical_json({"at": dt.datetime(2024, 1, 1)})
    with pytest.raises(TypeError, match="bytes"):
        canonical_json({"raw": b"\x00"})


def test_chinese_text_is_written_as_is() -> None:
    assert canonical_json({"名称": "南山区", "n": 1}) == '{"n":1,"名称":"南山区"}'


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(detail=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_any_detail_reads_back_and_keeps_the_chain_valid(
    db: Database, system: Actor, detail: dict[str, Any]
) -> None:
    # The same database serves every example: the chain keeps growing and must stay valid throughout.
    seq = _append(db, system, "hypothesis", detail)
    with db.read() as conn:
        [entry] = list_entries(conn, system, LedgerFilter(), limit=1)
        report = verify_chain(conn, system)
    assert entry.seq == seq
    assert entry.detail == detail
    assert report.ok, report.describe()
