"""Domain records to API schemas."""

from __future__ import annotations

from citybase.accounts.organisations import Organisation
from citybase.accounts.tokens import ApiToken
from citybase.accounts.users import User
from citybase.api.schemas import LedgerEntryPublic, OrganisationPublic, TokenPublic, UserPublic
from citybase.ledger import LedgerEntry
from citybase.storage.metadata import utcnow


def organisation_public(org: Organisation) -> OrganisationPublic:
    return OrganisationPublic(
        code=org.code,
        name=org.name,
        name_en=org.name_en,
        kind=org.kind,
        region_code=org.region_code,
        platform=org.platform,
        active=org.active,
        user_count=org.user_count,
        created_at=org.created_at,
    )


def user_public(user: User) -> UserPublic:
    return UserPublic(
        username=user.username,
        display_name=user.display_name,
        org_code=user.org_code,
        org_name=user.org_name,
        roles=user.sorted_roles,
        active=user.active,
        locked_until=user.locked_until,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def token_public(token: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=token.id,
        prefix=token.prefix,
        name=token.name,
        username=token.username,
        org_code=token.org_code,
        role=token.role,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        state=token.state(utcnow()),
    )


def ledger_public(entry: LedgerEntry) -> LedgerEntryPublic:
    return LedgerEntryPublic(
        seq=entry.seq,
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        actor_org=entry.actor_org,
        via=entry.via,
        action=entry.action,
        object_type=entry.object_type,
        object_key=entry.object_key,
        detail=entry.detail,
        detail_digest=entry.detail_digest,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )
