"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, message

_hasher = PasswordHasher()
# Verified against when the username does not exist, so a miss costs as long as a wrong password;
# made on first use, not at import, to keep start-up fast.
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("citybase-no-such-user")
    return _dummy_hash


def configure_hashing(time_cost: int, memory_kib: int) -> None:
    """Set the argon2id cost for new hashes; existing hashes keep verifying and are upgraded at login."""
    global _hasher, _dummy_hash
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _dummy_hash = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_password(password: str, *, username: str, min_length: int) -> None:
    """Raise InvalidInput listing every rule the password breaks."""
    problems: list[Problem] = []
    if len(password) < min_length:
        problems.append(
            Problem(
                "too_short",
                message(N_("The password must have at least {length} characters"), length=min_length),
                column="password",
            )
        )
    classes = sum(bool(re.search(pattern, password)) for pattern in (r"[A-Za-z]", r"\d", r"[^A-Za-z\d]"))
    if classes < 2:
        problems.append(
            Problem(
                "too_simple",
                message(N_("The password must mix at least two of letters, digits and symbols")),
                column="password",
            )
        )
    if username and username.lower() in password.lower():
        problems.append(
            Problem(
                "contains_username",
                message(N_("The password must not contain the username")),
                column="password",
            )
        )
    if problems:
        raise InvalidInput(message(N_("The password is not acceptable")), problems=problems)
