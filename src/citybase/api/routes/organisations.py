"""Organisations and the users that belong to them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

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
from citybase.api.deps import ActorDep, ConnDep, SettingsDep
from citybase.api.routes.submissions import limits_of, read_capped, refuse_oversized
from citybase.api.schemas import OrganisationCreate, OrganisationPublic, UserPublic
from citybase.collection.codemap_import import import_code_mappings
from citybase.collection.codemaps import (
    CSV_COLUMNS,
    CodeMapping,
    list_code_mappings,
    remove_code_mapping,
    set_code_mapping,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])

ORG_COLUMNS = ("code", "name", "name_en", "kind", "region_code", "platform", "active", "user_count")
MappingKind = Literal["region", "indicator"]


class CodeMappingWrite(BaseModel):
    kind: str = Field(description="region or indicator")
    local_code: str = Field(description="The organisation's own code or name, e.g. 南山片区")
    standard_code: str = Field(description="A division code (440305) or an indicator code (GDP)")


class CodeMappingPublic(BaseModel):
    kind: str
    local_code: str
    standard_code: str
    standard_name: str
    updated_by: str
    updated_at: dt.datetime


class CodeMappingImportPublic(BaseModel):
    rows: int
    added: int
    changed: int
    unchanged: int


def mapping_public(item: CodeMapping) -> CodeMappingPublic:
    return CodeMappingPublic.model_validate(item, from_attributes=True)


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


@router.get("/{code}/code-mappings", response_model=list[CodeMappingPublic])
def code_mappings_of(
    code: str,
    conn: ConnDep,
    actor: ActorDep,
    kind: MappingKind | None = None,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> list[CodeMappingPublic] | Response:
    """The organisation's local codes and names → standard codes (代码对照), by kind and local code."""
    found = list_code_mappings(conn, actor, code, kind)
    if format == "csv":
        rows = (item.as_dict() for item in found)
        return csv_response(rows, CSV_COLUMNS, f"code-mappings-{code}.csv", bom=bom)
    return [mapping_public(item) for item in found]


@router.put("/{code}/code-mappings", response_model=CodeMappingPublic)
def code_mapping_set(code: str, body: CodeMappingWrite, conn: ConnDep, actor: ActorDep) -> CodeMappingPublic:
    """Set or change one mapping; the standard code must exist."""
    return mapping_public(set_code_mapping(conn, actor, code, body.kind, body.local_code, body.standard_code))


@router.delete("/{code}/code-mappings", response_model=CodeMappingPublic)
def code_mapping_remove(
    code: str, kind: MappingKind, local_code: str, conn: ConnDep, actor: ActorDep
) -> CodeMappingPublic:
    """Remove one mapping; answers with the mapping removed."""
    return mapping_public(remove_code_mapping(conn, actor, code, kind, local_code))


@router.post("/{code}/code-mappings/import", response_model=CodeMappingImportPublic)
def code_mappings_import(
    code: str,
    request: Request,
    conn: ConnDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=".csv or .xlsx: kind, local_code, standard_code")],
) -> CodeMappingImportPublic:
    """Add or change every mapping in the file, or none when any row is wrong (422, every row listed)."""
    refuse_oversized(request, settings)
    data = read_capped(file, settings.upload_max_mb * 1024 * 1024)
    result = import_code_mappings(
        conn, actor, code, data, file.filename or "mappings.csv", limits=limits_of(settings)
    )
    return CodeMappingImportPublic(**result.as_dict())
