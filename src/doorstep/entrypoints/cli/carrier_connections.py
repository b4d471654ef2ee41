"""``doorstep carriers connect CODE --url URL``: store how to reach a partner's API.

The API key and the webhook secret are read from files (``--api-key-file``,
``--webhook-secret-file``) or, without them, from the environment (``DOORSTEP_CARRIER_API_KEY``,
``DOORSTEP_CARRIER_WEBHOOK_SECRET``), never from the command line: arguments end up in shell
histories and process lists. Neither is ever printed back. Registered in ``main`` as a command
of the ``carriers`` group.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from doorstep.entrypoints.api.schemas.handoffs import ConnectionOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services.carriers import handoff, registry

API_KEY_ENV = "DOORSTEP_CARRIER_API_KEY"
WEBHOOK_SECRET_ENV = "DOORSTEP_CARRIER_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret


def _secret(path: Path | None, option: str, env: str, what: str) -> str:
    """The secret in the file (surrounding whitespace and the final newline dropped), else
    in the environment variable; a usage error naming both when neither holds one."""
    if path is not None:
        try:
            found = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            output.usage_error(f"{option}: cannot read {path}: {error.__class__.__name__}")
        if not found:
            output.usage_error(f"{option}: {path} is empty; write the {what} in it")
        return found
    found = os.environ.get(env, "").strip()
    if not found:
        output.usage_error(f"give the {what} in a file with {option}, or set {env}")
    return found


def connect(
    carrier: Annotated[str, typer.Argument(help="The partner carrier's code (or id).")],
    url: Annotated[
        str,
        typer.Option("--url", help="The partner's API base URL, e.g. https://api.partner.fi/v1"),
    ],
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            "--api-key-file",
            dir_okay=False,
            help=f"A file holding the partner's API key; default: ${API_KEY_ENV}.",
        ),
    ] = None,
    webhook_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--webhook-secret-file",
            dir_okay=False,
            help="A file holding the webhook secret agreed with the partner (whsec_ + "
            f"base64); default: ${WEBHOOK_SECRET_ENV}.",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON, as the API answers.")] = False,
    org: OrgOption = None,
) -> None:
    """Store how to reach a partner carrier's API and check its webhooks, replacing what was
    stored. The key and the secret come from files or the environment and are never shown."""
    api_key = _secret(api_key_file, "--api-key-file", API_KEY_ENV, "API key")
    secret = _secret(
        webhook_secret_file, "--webhook-secret-file", WEBHOOK_SECRET_ENV, "webhook secret"
    )
    with organisation_scope(org) as s:
        c = s.container
        code = registry.get_carrier(s.principal, carrier, uow=c.reader()).code
        found = handoff.connect(
            s.principal,
            carrier,
            base_url=url,
            api_key=api_key,
            webhook_secret=secret,
            uow=s.uow(),
            clock=c.clock,
        )
    shown = ConnectionOut.of(found, code)
    if json:
        output.json(shown)
        return
    output.details(
        f"Connected {code}",
        [
            ("API", shown.base_url),
            ("Adapter", shown.adapter),
            ("Webhooks to", f"POST {shown.webhook_url} (signed with the secret stored)"),
        ],
    )
