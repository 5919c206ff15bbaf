"""JSON shapes of the API, named <Thing>Public / <Thing>Create after the pattern used throughout."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from citybase.accounts.actor import Role
from citybase.accounts.organisations import OrgKind


class ErrorProblem(BaseModel):
    code: str
    message: str
    row: int | None = None
    column: str | None = None


class ErrorPublic(BaseModel):
    detail: str = Field(description="What went wrong, in English.")
    detail_zh: str = Field(description="The same in Simplified Chinese.")
    code: str = Field(description="A stable error code: not_found, invalid_input, permission_denied, ...")
    problems: list[ErrorProblem] = Field(default_factory=list)


class HealthPublic(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: int | None = Field(description="First year the code was in use; null when not recorded.")
    valid_to: int | None = Field(description="Last year the code was in use; null while it is current.")
    current: bool


class RegionMatchPublic(RegionPublic):
    score: float
    match: str = Field(
        description="How the name matched: exact, short, path, prefix, contains, fuzzy or code."
    )


class RegionChangePublic(BaseModel):
    year: int
    kind: str
    old_code: str | None
    new_code: str | None
    note: str


class RegionDetailPublic(RegionPublic):
    ancestors: list[RegionPublic]
    children_count: int
    versions: list[RegionPublic]
    changes: list[RegionChangePublic]


class OrganisationPublic(BaseModel):
    code: str
    name: str
    name_en: str
    kind: OrgKind
    region_code: str
    platform: bool
    active: bool
    user_count: int
    created_at: dt.datetime


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    kind: OrgKind
    region_code: str
    name_en: str = ""


class UserPublic(BaseModel):
    username: str
    display_name: str
    org_code: str
    org_name: str
    roles: list[Role]
    active: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str = Field(repr=False)
    org_code: str
    roles: list[str]
    display_name: str = ""


class UserRolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(repr=False)
    current_password: str | None = Field(default=None, repr=False)


class TokenPublic(BaseModel):
    id: int
    prefix: str
    name: str
    username: str
    org_code: str
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    state: str


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str | None = None
    days: int | None = None
    name: str = ""


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret; shown this once and never again.")


class MePublic(UserPublic):
    platform_admin: bool
    acting_roles: list[Role] = Field(description="The roles this request acts with (a token's one role).")


class LedgerEntryPublic(BaseModel):
    seq: int
    recorded_at: dt.datetime
    actor: str
    actor_org: str | None
    via: str
    action: str
    object_type: str
    object_key: str
    detail: dict[str, Any]
    detail_digest: str
    prev_hash: str
    entry_hash: str


class LedgerPagePublic(BaseModel):
    items: list[LedgerEntryPublic]
    total: int
    next_before: int | None = Field(description="Pass as `before` to get the next (older) page.")


class LedgerVerifyPublic(BaseModel):
    ok: bool
    entries_checked: int
    head_seq: int
    first_bad_seq: int | None
    problem: str | None
