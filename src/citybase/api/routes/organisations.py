"""Organisations and the users that belong to them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from citybase.accounts.organisations import (
    OrgKind,
    create_organisation,
    get_organisation,
    list_organisations,
    set_organisation_active,
)
from citybase.accounts.users import list_users
from citybase.api.convert import organisation_public, user_public
from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.api.schemas import OrganisationCreate, OrganisationPublic, UserPublic

router = APIRouter(prefix="/organisations", tags=["organisations"])

ORG_COLUMNS = ("code", "name", "name_en", "kind", "region_code", "platform", "active", "user_count")


@router.get("", response_model=list[OrganisationPublic])
def list_all(
    conn: ConnDep,
    actor: ActorDep,
    kind: Annotated[OrgKind | None, Query()] = None,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> list[OrganisationPublic] | Response:
    items = [
        organisation_public(org) for org in list_organisations(conn, actor, kind.value if kind else None)
    ]
    if format == "csv":
        return csv_response((item.model_dump() for item in items), ORG_COLUMNS, "organisations.csv", bom=bom)
    return items


@router.post("", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED)
def create(body: OrganisationCreate, conn: ConnDep, actor: ActorDep) -> OrganisationPublic:
    return organisation_public(
        create_organisation(
            conn,
            actor,
            code=body.code,
            name=body.name,
            kind=body.kind.value,
            region_code=body.region_code,
            name_en=body.name_en,
        )
    )


@router.get("/{code}", response_model=OrganisationPublic)
def read(code: str, conn: ConnDep, actor: ActorDep) -> OrganisationPublic:
    return organisation_public(get_organisation(conn, actor, code))


@router.post("/{code}/deactivate", response_model=OrganisationPublic)
def deactivate(code: str, conn: ConnDep, actor: ActorDep) -> OrganisationPublic:
    return organisation_public(set_organisation_active(conn, actor, code, False))


@router.post("/{code}/activate", response_model=OrganisationPublic)
def activate(code: str, conn: ConnDep, actor: ActorDep) -> OrganisationPublic:
    return organisation_public(set_organisation_active(conn, actor, code, True))


@router.get("/{code}/users", response_model=list[UserPublic])
def users_of(code: str, conn: ConnDep, actor: ActorDep) -> list[UserPublic]:
    return [user_public(user) for user in list_users(conn, actor, code)]
