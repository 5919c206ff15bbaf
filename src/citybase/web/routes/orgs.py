"""Organisations, their users, and the forms admins use to manage them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from citybase.accounts.actor import Role
from citybase.accounts.organisations import (
    OrgKind,
    create_organisation,
    get_organisation,
    list_organisations,
)
from citybase.accounts.permissions import Permission, may
from citybase.accounts.users import create_user, list_users, set_user_active, unlock_user
from citybase.api.deps import ConnDep, PolicyDep, SettingsDep
from citybase.api.routes.submissions import limits_of, read_capped, refuse_oversized
from citybase.collection.codemap_import import import_code_mappings
from citybase.collection.codemaps import list_code_mappings, remove_code_mapping, set_code_mapping
from citybase.errors import InvalidInput
from citybase.regions.service import lookup_region
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.forms import problems_by_field
from citybase.web.templating import render

router = APIRouter(prefix="/orgs")


@router.get("", include_in_schema=False)
def organisation_list(
    page: PageDep, conn: ConnDep, kind: Annotated[OrgKind | None, Query()] = None
) -> Response:
    actor = session_of(page).actor
    return render(
        page,
        "orgs/index.html",
        orgs=list_organisations(conn, actor, kind.value if kind else None),
        kind=kind.value if kind else "",
        can_create=may(actor, Permission.MANAGE_ORGS),
        form={},
        errors={},
    )


@router.post("", include_in_schema=False)
def organisation_create(
    page: PageDep,
    conn: ConnDep,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form = {
        "code": code.strip(),
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "region_code": region_code.strip(),
    }
    try:
        with conn.begin_nested():
            org = create_organisation(
                conn,
                actor,
                code=form["code"],
                name=form["name"],
                name_en=form["name_en"],
                kind=form["kind"],
                region_code=form["region_code"],
            )
    except InvalidInput as error:
        return render(
            page,
            "orgs/index.html",
            status_code=422,
            orgs=list_organisations(conn, actor),
            kind="",
            can_create=True,
            form=form,
            errors=problems_by_field(error, page.gettext),
        )
    return redirect(
        f"/orgs/{org.code}",
        page=page,
        flash=("success", page.gettext("Organisation %(code)s created.") % {"code": org.code}),
    )


def _org_page(page: PageDep, conn: ConnDep, code: str, status_code: int = 200, **extra: object) -> Response:
    actor = session_of(page).actor
    org = get_organisation(conn, actor, code)
    can_view_users = may(actor, Permission.VIEW_USERS, org.id)
    values: dict[str, object] = {"form": {}, "errors": {}, **extra}
    return render(
        page,
        "orgs/detail.html",
        status_code=status_code,
        org=org,
        region=lookup_region(conn, org.region_code),
        members=list_users(conn, actor, org.code) if can_view_users else None,
        can_manage=may(actor, Permission.MANAGE_USERS, org.id),
        can_see_mappings=may(actor, Permission.VIEW_SUBMISSIONS, org.id),
        roles=list(Role),
        **values,
    )


@router.get("/{code}", include_in_schema=False)
def organisation_page(code: str, page: PageDep, conn: ConnDep) -> Response:
    return _org_page(page, conn, code)


@router.post("/{code}/users", include_in_schema=False)
def user_create(
    code: str,
    page: PageDep,
    conn: ConnDep,
    policy: PolicyDep,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form: dict[str, object] = {
        "username": username.strip(),
        "display_name": display_name,
        "roles": roles or [],
    }
    try:
        with conn.begin_nested():
            user = create_user(
                conn,
                actor,
                username=username.strip(),
                password=password,
                org_code=code,
                roles=roles or [],
                display_name=display_name,
                policy=policy,
            )
    except InvalidInput as error:
        return _org_page(
            page, conn, code, status_code=422, form=form, errors=problems_by_field(error, page.gettext)
        )
    return redirect(
        f"/orgs/{code}",
        page=page,
        flash=("success", page.gettext("User %(username)s created.") % {"username": user.username}),
    )


@router.post("/{code}/users/{username}/{action}", include_in_schema=False)
def user_action(
    code: str,
    username: str,
    action: str,
    page: PageDep,
    conn: ConnDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    if action == "disable":
        set_user_active(conn, actor, username, False)
        text = page.gettext("User %(username)s disabled; their sessions and tokens were ended.")
    elif action == "enable":
        set_user_active(conn, actor, username, True)
        text = page.gettext("User %(username)s enabled.")
    elif action == "unlock":
        unlock_user(conn, actor, username)
        text = page.gettext("User %(username)s unlocked.")
    else:
        return render(page, "error.html", status_code=404, status=404, message="")
    return redirect(f"/orgs/{code}", page=page, flash=("success", text % {"username": username}))


def _mappings_page(
    page: PageDep, conn: ConnDep, code: str, status_code: int = 200, **extra: object
) -> Response:
    actor = session_of(page).actor
    org = get_organisation(conn, actor, code)
    values: dict[str, object] = {
        "form": {},
        "errors": {},
        "import_error": None,
        "import_problems": [],
        **extra,
    }
    return render(
        page,
        "orgs/code_mappings.html",
        status_code=status_code,
        org=org,
        mappings=list_code_mappings(conn, actor, org.code),
        can_edit=may(actor, Permission.SUBMIT_DATA, org.id),
        **values,
    )


@router.get("/{code}/code-mappings", include_in_schema=False)
def code_mappings_page(code: str, page: PageDep, conn: ConnDep) -> Response:
    return _mappings_page(page, conn, code)


@router.post("/{code}/code-mappings", include_in_schema=False)
def code_mapping_set(
    code: str,
    page: PageDep,
    conn: ConnDep,
    kind: Annotated[str, Form(max_length=16)] = "",
    local_code: Annotated[str, Form(max_length=256)] = "",
    standard_code: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form = {"kind": kind, "local_code": local_code, "standard_code": standard_code}
    try:
        with conn.begin_nested():
            item = set_code_mapping(conn, actor, code, kind, local_code, standard_code)
    except InvalidInput as error:
        return _mappings_page(
            page, conn, code, status_code=422, form=form, errors=problems_by_field(error, page.gettext)
        )
    text = page.gettext("%(local)s now maps to %(standard)s.") % {
        "local": item.local_code,
        "standard": f"{item.standard_code} {item.standard_name}",
    }
    return redirect(f"/orgs/{code}/code-mappings", page=page, flash=("success", text))


@router.post("/{code}/code-mappings/remove", include_in_schema=False)
def code_mapping_remove(
    code: str,
    page: PageDep,
    conn: ConnDep,
    kind: Annotated[str, Form(max_length=16)] = "",
    local_code: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    item = remove_code_mapping(conn, session_of(page).actor, code, kind, local_code)
    text = page.gettext("The mapping of %(local)s was removed.") % {"local": item.local_code}
    return redirect(f"/orgs/{code}/code-mappings", page=page, flash=("success", text))


@router.post("/{code}/code-mappings/import", include_in_schema=False)
def code_mappings_import(
    code: str,
    request: Request,
    page: PageDep,
    conn: ConnDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    filename = file.filename or "mappings.csv"
    try:
        refuse_oversized(request, settings)
        data = read_capped(file, settings.upload_max_mb * 1024 * 1024)
        with conn.begin_nested():
            result = import_code_mappings(conn, actor, code, data, filename, limits=limits_of(settings))
    except InvalidInput as error:
        problems = [(item.row, item.column, item.render(page.gettext)) for item in error.problems]
        return _mappings_page(
            page,
            conn,
            code,
            status_code=422,
            import_error=error.render(page.gettext),
            import_problems=problems,
        )
    text = (
        page.gettext(
            "%(rows)s mappings read from the file: %(added)s added, %(changed)s changed, "
            "%(unchanged)s unchanged."
        )
        % result.as_dict()
    )
    return redirect(f"/orgs/{code}/code-mappings", page=page, flash=("success", text))
