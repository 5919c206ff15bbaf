"""Who is acting, for which organisation, with which roles, through which channel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUBMITTER = "submitter"
    REVIEWER = "reviewer"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"
    SYSTEM = "system"


SYSTEM_USERNAME = "system"


@dataclass(frozen=True)
class Actor:
    """The acting principal passed to every domain function; permissions are checked against it."""

    username: str
    user_id: int | None
    org_code: str | None
    org_id: int | None
    roles: frozenset[Role]
    platform_org: bool
    via: Channel

    @classmethod
    def system(cls, via: Channel = Channel.CLI) -> Actor:
        """The operator at the server's console: full rights, recorded in the ledger as `system`."""
        return cls(
            username=SYSTEM_USERNAME,
            user_id=None,
            org_code=None,
            org_id=None,
            roles=frozenset({Role.ADMIN}),
            platform_org=True,
            via=via,
        )

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_org and Role.ADMIN in self.roles

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.username == SYSTEM_USERNAME

    def describe(self) -> str:
        return f"{self.username} ({self.org_code})" if self.org_code else self.username
