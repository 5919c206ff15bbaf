"""One's own account: profile, password, and API tokens (the secret shown once, on creation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from citybase.accounts.tokens import create_token, list_tokens, revoke_token
from citybase.accounts.users import change_password
from citybase.api.deps import ConnDep, PolicyDep
from citybase.errors import InvalidInput
from citybase.storage.metadata import utcnow
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.forms import problems_by_field
from citybase.web.templating import Page, render

router = APIRouter(prefix="/account")


def _account_page(
    page: Page, conn: ConnDep, policy: PolicyDep, status_code: int = 200, **extra: object
) -> Response:
    session = session_of(page)
    values: dict[str, object] = {"errors": {}, "new_token": None, "token_form": {}, **extra}
    return render(
        page,
        "account.html",
        status_code=status_code,
        tokens=list_tokens(conn, session.actor),
        now=utcnow(),
        policy=policy,
        **values,
    )


@router.get("", include_in_schema=False)
def account(page: PageDep, conn: ConnDep, policy: PolicyDep) -> Response:
    return _account_page(page, conn, policy)


@router.post("/password", include_in_schema=False)
def password(
    page: PageDep,
    conn: ConnDep,
    policy: PolicyDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    if new_password != repeat_password:
        return _account_page(
            page,
            conn,
            policy,
            status_code=422,
            errors={"repeat_password": [page.gettext("The two new passwords differ.")]},
        )
    try:
        with conn.begin_nested():
            change_password(
                conn, actor, actor.username, new_password, current_password=current_password, policy=policy
            )
    except InvalidInput as error:
        return _account_page(
            page, conn, policy, status_code=422, errors=problems_by_field(error, page.gettext)
        )
    return redirect("/account", page=page, flash=("success", page.gettext("Your password has been changed.")))


@router.post("/tokens", include_in_schema=False)
def token_create(
    page: PageDep,
    conn: ConnDep,
    policy: PolicyDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form = {"name": name, "role": role, "days": days}
    try:
        lifetime = int(days) if days.strip() else None
    except ValueError:
        return _account_page(
            page,
            conn,
            policy,
            status_code=422,
            token_form=form,
            errors={"days": [page.gettext("Enter the lifetime as a whole number of days.")]},
        )
    try:
        with conn.begin_nested():
            token, secret = create_token(
                conn, actor, role=role or None, days=lifetime, name=name, policy=policy
            )
    except InvalidInput as error:
        return _account_page(
            page,
            conn,
            policy,
            status_code=422,
            token_form=form,
            errors={"token": [error.render(page.gettext)]},
        )
    # The secret is rendered into this one response and never stored or shown again.
    return _account_page(page, conn, policy, status_code=201, new_token=(token, secret))


@router.post("/tokens/{token_id}/revoke", include_in_schema=False)
def token_revoke(
    token_id: int, page: PageDep, conn: ConnDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(page, csrf_token)
    token = revoke_token(conn, session_of(page).actor, token_id)
    return redirect(
        "/account",
        page=page,
        flash=("success", page.gettext("Token %(prefix)s… revoked.") % {"prefix": token.prefix}),
    )
