"""The chain's arithmetic: canonical serialisation and hashing, free of any database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_normalise(item) for item in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        # Floats are written as their shortest round-tripping text so every platform hashes alike.
        return repr(value)
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} into the ledger")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text, numbers other than integers as strings."""
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def format_timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class LedgerRecord:
    """The hashed fields of one entry, in the form both the writer and the verifier hash."""

    seq: int
    recorded_at: dt.datetime
    actor: str
    actor_org: str | None
    via: str
    action: str
    object_type: str
    object_key: str
    detail_digest: str
    prev_hash: str

    def entry_hash(self) -> str:
        return sha256_hex(
            canonical_json(
                {
                    "seq": self.seq,
                    "recorded_at": format_timestamp(self.recorded_at),
                    "actor": self.actor,
                    "actor_org": self.actor_org,
                    "via": self.via,
                    "action": self.action,
                    "object_type": self.object_type,
                    "object_key": self.object_key,
                    "detail_digest": self.detail_digest,
                    "prev_hash": self.prev_hash,
                }
            )
        )
