"""``doorstep init``: create or upgrade the database, then the organisation and its first admin."""

from __future__ import annotations

import json
import shlex
import sys
from typing import Annotated

import typer

from doorstep.bootstrap import Container
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened
from doorstep.services import accounts
from doorstep.services.accounts import Setup

ORG_ENV = "DOORSTEP_ORG"
ADMIN_EMAIL_ENV = "DOORSTEP_ADMIN_EMAIL"
ADMIN_PASSWORD_ENV = "DOORSTEP_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a secret
SERVER_URL = "http://127.0.0.1:8000"

OrgName = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar=ORG_ENV,
        metavar="NAME",
        show_default=False,
        help="Name of the organisation, e.g. 'City Couriers'; its slug is derived from it.",
    ),
]
AdminEmail = Annotated[
    str | None,
    typer.Option(
        envvar=ADMIN_EMAIL_ENV,
        show_default=False,
        help="E-mail the first administrator logs in with.",
    ),
]
AdminPassword = Annotated[
    str | None,
    typer.Option(
        envvar=ADMIN_PASSWORD_ENV,
        show_default=False,
        help="First administrator's password, at least 10 characters; prompted for if left out.",
    ),
]


def init(
    org: OrgName = None, admin_email: AdminEmail = None, admin_password: AdminPassword = None
) -> None:
    """Create or upgrade the database, then the organisation and its first admin; safe to rerun."""
    name = org or ask("organisation name", "--org", ORG_ENV)
    email = admin_email or ask("administrator e-mail", "--admin-email", ADMIN_EMAIL_ENV)
    password = admin_password or ask(
        "administrator password", "--admin-password", ADMIN_PASSWORD_ENV, secret=True
    )
    with opened() as c:
        migrate(c)
        setup = accounts.ensure_organisation(
            name, email, password, uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher
        )
    report(setup)


def ask(label: str, flag: str, env: str, *, secret: bool = False) -> str:
    """Prompt on a terminal; unattended (no terminal) the value must come from a flag or env var."""
    if not has_terminal():
        output.usage_error(
            f"no {label} given: pass {flag} or set {env} (there is no terminal to ask on)"
        )
    return str(typer.prompt(label.capitalize(), hide_input=secret, confirmation_prompt=secret))


def has_terminal() -> bool:
    """Whether someone can answer a prompt (tests replace this to drive the prompts)."""
    return sys.stdin.isatty()


def migrate(c: Container) -> None:
    before, after = c.migrate()
    current = " (up to date)" if before == after else ""
    output.done(f"database revision: {before or 'none'} -> {after}{current}")


def report(setup: Setup) -> None:
    """Say what was created or already there, and how to log in."""
    organisation, admin = setup.organisation, setup.admin
    org_state = "created" if setup.created_organisation else "already exists"
    output.done(f"organisation {organisation.name!r} (slug {organisation.slug}) {org_state}")
    if setup.created_admin:
        output.done(f"administrator {admin.email} created")
    else:
        output.done(f"administrator {admin.email} already exists; its password was left unchanged")
    output.plain(
        f"\nStart the server with `doorstep serve`, open {SERVER_URL}/docs and log in as "
        f"{admin.email}, or get a token with:"
    )
    output.plain(f"  {login_command(admin.email)}")


def login_command(email: str) -> str:
    """The curl line for ``POST /api/v1/auth/login``, quoted for a POSIX shell."""
    body = json.dumps({"email": email, "password": "YOUR-PASSWORD"})
    headers = "-H 'Content-Type: application/json'"
    return f"curl -X POST {SERVER_URL}/api/v1/auth/login {headers} -d {shlex.quote(body)}"
