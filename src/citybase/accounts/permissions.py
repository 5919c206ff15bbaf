"""Permissions as data: which role may do what, to its own organisation's objects or to any."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum

from citybase.accounts.actor import Actor, Role
from citybase.errors import PermissionDenied
from citybase.messages import N_, message


class Permission(StrEnum):
    VIEW_REGIONS = "view_regions"
    MANAGE_REGIONS = "manage_regions"
    VIEW_ORGS = "view_orgs"
    MANAGE_ORGS = "manage_orgs"
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_LEDGER = "view_ledger"
    VERIFY_LEDGER = "verify_ledger"
    VIEW_INDICATORS = "view_indicators"
    MANAGE_INDICATORS = "manage_indicators"
    VIEW_FACTS = "view_facts"
    REPORT_FACTS = "report_facts"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    SUBMIT_DATA = "submit_data"
    VIEW_SUBMISSIONS = "view_submissions"
    REVIEW_SUBMISSIONS = "review_submissions"
    MANAGE_TASKS = "manage_tasks"
    MANAGE_RULES = "manage_rules"


class Scope(IntEnum):
    NONE = 0
    OWN_ORG = 1
    ANY = 2


_EVERY_ROLE = tuple(Role)

# Platform admins (admin role in the platform organisation) hold Scope.ANY for every permission.
POLICY: Mapping[Permission, Mapping[Role, Scope]] = {
    Permission.VIEW_REGIONS: dict.fromkeys(_EVERY_ROLE, Scope.ANY),
    Permission.MANAGE_REGIONS: {},
    Permission.VIEW_ORGS: dict.fromkeys(_EVERY_ROLE, Scope.ANY),
    Permission.MANAGE_ORGS: {},
    Permission.VIEW_USERS: dict.fromkeys(_EVERY_ROLE, Scope.OWN_ORG),
    Permission.MANAGE_USERS: {Role.ADMIN: Scope.OWN_ORG},
    Permission.MANAGE_TOKENS: {Role.ADMIN: Scope.OWN_ORG},
    Permission.VIEW_LEDGER: {Role.ADMIN: Scope.OWN_ORG},
    Permission.VERIFY_LEDGER: {Role.ADMIN: Scope.ANY},
    Permission.VIEW_INDICATORS: dict.fromkeys(_EVERY_ROLE, Scope.ANY),
    Permission.MANAGE_INDICATORS: {},
    Permission.VIEW_FACTS: dict.fromkeys(_EVERY_ROLE, Scope.ANY),
    # Reporting is for one's own organisation; which indicators it may report is the indicator's list.
    Permission.REPORT_FACTS: {Role.ADMIN: Scope.OWN_ORG, Role.SUBMITTER: Scope.OWN_ORG},
    Permission.RESOLVE_CONFLICTS: {},
    Permission.SUBMIT_DATA: {Role.ADMIN: Scope.OWN_ORG, Role.SUBMITTER: Scope.OWN_ORG},
    # Submissions are seen by the organisation that made them and by the one that reviews them.
    Permission.VIEW_SUBMISSIONS: dict.fromkeys(_EVERY_ROLE, Scope.OWN_ORG),
    Permission.REVIEW_SUBMISSIONS: {Role.ADMIN: Scope.OWN_ORG, Role.REVIEWER: Scope.OWN_ORG},
    # Tasks belong to the reviewing organisation (the statistics bureau sets its own collection tasks).
    Permission.MANAGE_TASKS: {Role.ADMIN: Scope.OWN_ORG, Role.REVIEWER: Scope.OWN_ORG},
    Permission.MANAGE_RULES: {},
}

_DESCRIPTIONS = {
    Permission.VIEW_REGIONS: N_("view regions"),
    Permission.MANAGE_REGIONS: N_("change regions"),
    Permission.VIEW_ORGS: N_("view organisations"),
    Permission.MANAGE_ORGS: N_("create or change organisations"),
    Permission.VIEW_USERS: N_("view users"),
    Permission.MANAGE_USERS: N_("create or change users"),
    Permission.MANAGE_TOKENS: N_("manage other users' API tokens"),
    Permission.VIEW_LEDGER: N_("view the ledger"),
    Permission.VERIFY_LEDGER: N_("verify the ledger"),
    Permission.VIEW_INDICATORS: N_("view indicators"),
    Permission.MANAGE_INDICATORS: N_("change the indicator system"),
    Permission.VIEW_FACTS: N_("view data"),
    Permission.REPORT_FACTS: N_("report data"),
    Permission.RESOLVE_CONFLICTS: N_("resolve conflicts between sources"),
    Permission.SUBMIT_DATA: N_("submit data"),
    Permission.VIEW_SUBMISSIONS: N_("view submissions"),
    Permission.REVIEW_SUBMISSIONS: N_("review submissions"),
    Permission.MANAGE_TASKS: N_("manage collection tasks"),
    Permission.MANAGE_RULES: N_("change audit rules"),
}


def scope_of(actor: Actor, permission: Permission) -> Scope:
    if actor.is_platform_admin:
        return Scope.ANY
    grants = POLICY[permission]
    return max((grants.get(role, Scope.NONE) for role in actor.roles), default=Scope.NONE)


def may(actor: Actor, permission: Permission, org_id: int | None = None) -> bool:
    scope = scope_of(actor, permission)
    if scope is Scope.ANY:
        return True
    if scope is Scope.OWN_ORG:
        return org_id is None or org_id == actor.org_id
    return False


def require(
    actor: Actor, permission: Permission, org_id: int | None = None, org_code: str | None = None
) -> None:
    """Raise PermissionDenied, naming the actor, the permission and the organisation, unless allowed."""
    if may(actor, permission, org_id):
        return
    if org_id is not None and scope_of(actor, permission) is Scope.OWN_ORG:
        raise PermissionDenied(
            message(
                N_("{actor} may not {permission} of another organisation ({org})"),
                actor=actor.describe(),
                permission=message(_DESCRIPTIONS[permission]),
                org=org_code or org_id,
            )
        )
    raise PermissionDenied(
        message(
            N_("{actor} may not {permission}"),
            actor=actor.describe(),
            permission=message(_DESCRIPTIONS[permission]),
        )
    )
