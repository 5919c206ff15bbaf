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


class IndicatorVersionPublic(BaseModel):
    version: int
    effective_from: dt.date
    definition: str
    notes: str
    unit: str
    formula: str | None
    change_note: str
    recorded_by: str
    recorded_at: dt.datetime


class IndicatorPublic(BaseModel):
    code: str
    name: str
    name_en: str
    category: str | None
    unit: str
    frequency: str
    value_kind: str
    region_aggregation: str
    time_aggregation: str
    weight_indicator: str | None
    decimals: int
    min_value: float | None
    max_value: float | None
    authoritative_org: str = Field(description="The authoritative department (数源部门).")
    reporters: list[str]
    dimensions: list[str]
    status: str
    formula: str | None
    definition: str = Field(description="The definition and scope (口径).")
    notes: str
    version: int
    effective_from: dt.date
    growth_of: str | None = Field(
        default=None, description="The level a published growth rate is the growth of."
    )
    price_basis: str | None = Field(default=None, description="comparable (可比价) or nominal (现价).")
    resolved_from: str | None = Field(default=None, description="The alias this was looked up by, if any.")
    alias_unit: str | None = None
    alias_dims: str | None = None
    alias_cumulative: bool | None = None


class IndicatorDetailPublic(IndicatorPublic):
    versions: list[IndicatorVersionPublic]
    aliases: list[str]


class IndicatorWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    unit: str
    frequency: str
    value_kind: str
    authoritative_org: str
    name_en: str = ""
    category: str | None = None
    region_aggregation: str | None = None
    time_aggregation: str | None = None
    weight_indicator: str | None = None
    decimals: int = 2
    min_value: float | None = None
    max_value: float | None = None
    reporters: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    status: str = "active"
    formula: str | None = None
    definition: str = ""
    notes: str = ""
    growth_of: str | None = None
    price_basis: str | None = None
    effective_from: dt.date | None = Field(default=None, description="When a changed 口径 takes effect.")
    change_note: str = ""


class FactPublic(BaseModel):
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    dims: str
    value: float | None
    unit: str
    status: str
    source: str | None = Field(description="The organisation that reported it; null for computed values.")
    origin: str | None
    recorded_at: dt.datetime | None
    recorded_by: str | None
    note: str
    fact_id: int | None
    definition_version: int
    computed: str | None = Field(description="null when reported; 'sum' (of sub-regions) or 'formula'.")
    coverage: str | None
    computed_value: float | None
    difference: float | None


class FactsPublic(BaseModel):
    items: list[FactPublic]
    total: int
    limit: int
    offset: int


class FactWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: str
    region: str
    period: str
    value: float | str
    unit: str | None = None
    dims: str = ""
    status: str = "final"
    note: str = ""


class FactsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[FactWrite]
    source_org: str | None = Field(default=None, description="Defaults to the token's organisation.")
    key: str = Field(min_length=1, max_length=100, description="The caller's idempotency key for this batch.")


class PublishPublic(BaseModel):
    replayed: bool = Field(description="True when this key was published before and nothing was applied now.")
    origin: str
    source_org: str
    authoritative: bool
    inserted: int
    revised: int
    unchanged: int
    competing: int
    conflicts: list[int]
    sha256: str


class RevisionPublic(BaseModel):
    fact_id: int
    value: float
    unit: str
    status: str
    role: str
    source: str
    origin: str
    recorded_by: str
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None
    note: str


class ConflictPublic(BaseModel):
    id: int
    indicator: str
    indicator_name: str
    unit: str
    region: str
    region_name: str
    period: str
    dims: str
    authoritative_value: float | None
    authoritative_source: str | None
    competing_value: float
    competing_source: str
    gap: float | None
    status: str
    resolution: str | None
    raised_at: dt.datetime
    resolved_by: str | None
    resolved_at: dt.datetime | None
    note: str


class ConflictDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(description="keep, replace or other_scope")
    note: str
