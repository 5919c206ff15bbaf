"""The evidence ledger (可信存证): an append-only, hash-chained record of every write."""

from citybase.ledger.chain import GENESIS_HASH, LedgerRecord, canonical_json
from citybase.ledger.service import (
    LedgerEntry,
    LedgerFilter,
    VerifyReport,
    count_entries,
    export_records,
    list_entries,
    record,
    verify_chain,
    verify_records,
)

__all__ = [
    "GENESIS_HASH",
    "LedgerEntry",
    "LedgerFilter",
    "LedgerRecord",
    "VerifyReport",
    "canonical_json",
    "count_entries",
    "export_records",
    "list_entries",
    "record",
    "verify_chain",
    "verify_records",
]
