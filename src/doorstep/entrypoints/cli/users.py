"""``doorstep users``: add and list the people who log in to the organisation."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.schemas.accounts import UserIn
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.records import Layout, rejecting
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.entrypoints.cli.setup import ask
from doorstep.services import accounts

app = typer.Typer(help="Add and list users.", no_args_is_help=True)

USER_PASSWORD_ENV = "DOORSTEP_USER_PASSWORD"  # noqa: S105 - the variable's name, not a secret

USER = Layout(
    {"email": ("email",), "name": ("name",), "role": ("roles",), "password": ("password",)},
)


@app.command("add")
def add(
    email: Annotated[str, typer.Option(help="E-mail the user logs in with.")],
    name: Annotated[str, typer.Option(help="The user's full name.")],
    role: Annotated[
        list[Role], typer.Option(help="A role deciding what the user may do; repeat for several.")
    ],
    password: Annotated[
        str | None,
        typer.Option(
            envvar=USER_PASSWORD_ENV,
            show_default=False,
            help="Initial password (at least 10 characters); prompted for when left out.",
        ),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Add a user who logs in with e-mail and password."""
    secret = password or ask("password", "--password", USER_PASSWORD_ENV, secret=True)
    flat = {"email": email, "name": name, "role": role, "password": secret}
    with organisation_scope(org) as s, rejecting(USER.option):
        checked = USER.read(UserIn, flat)
        c = s.container
        user = accounts.create_user(
            s.principal,
            checked.email,
            checked.name,
            checked.roles,
            checked.password,
            uow=s.uow(),
            clock=c.clock,
            ids=c.ids,
            hasher=c.hasher,
        )
    output.done(f"user {user.email} added with id {user.id}")


@app.command("list")
def list_(org: OrgOption = None) -> None:
    """List the organisation's users and their roles."""
    with organisation_scope(org) as s:
        found = accounts.list_users(s.principal, uow=s.uow())
    output.table(
        "Users",
        ["E-mail", "Name", "Roles", "Active", "Id"],
        (
            [u.email, u.name, ", ".join(sorted(u.roles)), "yes" if u.active else "no", u.id]
            for u in found
        ),
    )
