"""Users of the caller's organisation (admin only, except reading yourself)."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.accounts import UserIn, UserOut, UserPatch
from doorstep.services import accounts

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", summary="List the organisation's users")
def list_users(principal: PrincipalDep, c: ContainerDep) -> list[UserOut]:
    return [UserOut.of(u) for u in accounts.list_users(principal, uow=c.reader())]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserOut, summary="Add a user")
def create_user(
    body: UserIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: UserOut.of(
            accounts.create_user(
                principal,
                body.email,
                body.name,
                body.roles,
                body.password,
                uow=uow,
                clock=c.clock,
                ids=c.ids,
                hasher=c.hasher,
            )
        ),
    )


@router.get("/me", summary="The logged-in user")
def me(principal: PrincipalDep, c: ContainerDep) -> UserOut:
    return UserOut.of(accounts.get_user(principal, principal.actor_id, uow=c.reader()))


@router.get("/{user_id}", summary="One user")
def get_user(user_id: str, principal: PrincipalDep, c: ContainerDep) -> UserOut:
    return UserOut.of(accounts.get_user(principal, user_id, uow=c.reader()))


@router.patch("/{user_id}", summary="Change a user's name, roles, password or active flag")
def update_user(user_id: str, body: UserPatch, principal: PrincipalDep, c: ContainerDep) -> UserOut:
    changes = body.domain_fields()
    return UserOut.of(
        accounts.update_user(principal, user_id, changes, uow=c.uow(), hasher=c.hasher)
    )


@router.delete("/{user_id}", summary="Deactivate a user (kept for the audit trail)")
def deactivate_user(user_id: str, principal: PrincipalDep, c: ContainerDep) -> UserOut:
    return UserOut.of(accounts.deactivate_user(principal, user_id, uow=c.uow(), hasher=c.hasher))
