"""Account limits taken from the settings, passed to the account services by the adapters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citybase.settings import Settings


@dataclass(frozen=True)
class AccountPolicy:
    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    session_lifetime: dt.timedelta = dt.timedelta(hours=12)
    token_default_days: int = 90
    token_max_days: int = 365
    password_min_length: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        return cls(
            max_failures=settings.login_max_failures,
            lockout=dt.timedelta(minutes=settings.lockout_minutes),
            session_lifetime=dt.timedelta(hours=settings.session_hours),
            token_default_days=settings.token_default_days,
            token_max_days=settings.token_max_days,
            password_min_length=settings.password_min_length,
        )
