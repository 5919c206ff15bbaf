"""Users: create, list, read, disable and enable, roles, passwords, and their API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from citybase.accounts.tokens import create_token, list_tokens, revoke_token
from citybase.accounts.users import (
    change_password,
    create_user,
    get_user,
    list_users,
    set_user_active,
    set_user_roles,
    unlock_user,
)
from citybase.api.convert import token_public, user_public
from citybase.api.deps import ActorDep, ConnDep, PolicyDep
from citybase.api.schemas import (
    MePublic,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserRolesUpdate,
)

router = APIRouter(tags=["users"])


@router.get("/users", response_model=list[UserPublic])
def list_all(conn: ConnDep, actor: ActorDep, org: Annotated[str | None, Query()] = None) -> list[UserPublic]:
    return [user_public(user) for user in list_users(conn, actor, org)]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create(body: UserCreate, conn: ConnDep, actor: ActorDep, policy: PolicyDep) -> UserPublic:
    return user_public(
        create_user(
            conn,
            actor,
            username=body.username,
            password=body.password,
            org_code=body.org_code,
            roles=body.roles,
            display_name=body.display_name,
            policy=policy,
        )
    )


@router.get("/users/{username}", response_model=UserPublic)
def read(username: str, conn: ConnDep, actor: ActorDep) -> UserPublic:
    return user_public(get_user(conn, actor, username))


@router.post("/users/{username}/disable", response_model=UserPublic)
def disable(username: str, conn: ConnDep, actor: ActorDep) -> UserPublic:
    return user_public(set_user_active(conn, actor, username, False))


@router.post("/users/{username}/enable", response_model=UserPublic)
def enable(username: str, conn: ConnDep, actor: ActorDep) -> UserPublic:
    return user_public(set_user_active(conn, actor, username, True))


@router.post("/users/{username}/unlock", response_model=UserPublic)
def unlock(username: str, conn: ConnDep, actor: ActorDep) -> UserPublic:
    return user_public(unlock_user(conn, actor, username))


@router.put("/users/{username}/roles", response_model=UserPublic)
def put_roles(username: str, body: UserRolesUpdate, conn: ConnDep, actor: ActorDep) -> UserPublic:
    return user_public(set_user_roles(conn, actor, username, body.roles))


@router.post("/users/{username}/password", status_code=status.HTTP_204_NO_CONTENT)
def set_password(
    username: str, body: PasswordChange, conn: ConnDep, actor: ActorDep, policy: PolicyDep
) -> None:
    change_password(
        conn, actor, username, body.new_password, current_password=body.current_password, policy=policy
    )


@router.get("/users/{username}/tokens", response_model=list[TokenPublic])
def tokens_of(username: str, conn: ConnDep, actor: ActorDep) -> list[TokenPublic]:
    return [token_public(token) for token in list_tokens(conn, actor, username)]


@router.post("/users/{username}/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def issue_for(
    username: str, body: TokenCreate, conn: ConnDep, actor: ActorDep, policy: PolicyDep
) -> TokenCreated:
    token, secret = create_token(
        conn, actor, username=username, role=body.role, days=body.days, name=body.name, policy=policy
    )
    return TokenCreated(**token_public(token).model_dump(), token=secret)


@router.get("/me", response_model=MePublic)
def me(conn: ConnDep, actor: ActorDep) -> MePublic:
    user = get_user(conn, actor, actor.username)
    return MePublic(
        **user_public(user).model_dump(),
        platform_admin=actor.is_platform_admin,
        acting_roles=sorted(actor.roles),
    )


@router.get("/me/tokens", response_model=list[TokenPublic])
def my_tokens(conn: ConnDep, actor: ActorDep) -> list[TokenPublic]:
    return [token_public(token) for token in list_tokens(conn, actor)]


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def issue_mine(body: TokenCreate, conn: ConnDep, actor: ActorDep, policy: PolicyDep) -> TokenCreated:
    token, secret = create_token(conn, actor, role=body.role, days=body.days, name=body.name, policy=policy)
    return TokenCreated(**token_public(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke(token_id: int, conn: ConnDep, actor: ActorDep) -> TokenPublic:
    return token_public(revoke_token(conn, actor, token_id))
