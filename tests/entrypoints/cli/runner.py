"""Running ``doorstep`` in-process against one data directory, and reading what it printed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner, Result

from doorstep.bootstrap import Container, build
from doorstep.config import Settings
from doorstep.domain.webhooks import new_secret
from doorstep.entrypoints.cli.main import app
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from doorstep.services.carriers import handoff
from tests.support.partner import API_KEY

ADMIN_PASSWORD = "correct horse battery"
ORG_NAME = "City Couriers"
ORG_SLUG = "city-couriers"


@dataclass
class Cli:
    """Runs ``doorstep`` in-process against one data directory."""

    data_dir: Path
    env: dict[str, str | None] = field(default_factory=dict)

    def __call__(self, *args: str, stdin: str | None = None, **env: str | None) -> Result:
        result = CliRunner().invoke(app, list(args), input=stdin, env={**self.env, **env})
        # Whatever the input, the CLI ends through an exit code, never an escaped exception.
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
        return result

    def ok(self, *args: str, **env: str | None) -> Result:
        result = self(*args, **env)
        assert result.exit_code == 0, result.output
        return result

    def init(self, name: str = ORG_NAME, email: str = "admin@couriers.test") -> Result:
        return self.ok(
            "init", "--org", name, "--admin-email", email, "--admin-password", ADMIN_PASSWORD
        )

    def container(self) -> Container:
        """Direct access to the same database, to check what the commands stored."""
        return build(Settings(data_dir=self.data_dir, fast_password_hashing=True))


def connect_partner(cli: Cli, carrier: str, url: str) -> None:
    """Connect the one organisation's ``carrier`` to the partner API at ``url`` (API_KEY, a
    fixed webhook secret), straight through the service."""
    container = cli.container()
    try:
        (org,) = accounts.list_organisations(uow=container.uow())
        handoff.connect(
            system_principal(org.id), carrier, base_url=url, api_key=API_KEY,
            webhook_secret=new_secret(b"c" * 32), uow=container.uow(), clock=container.clock,
        )  # fmt: skip
    finally:
        container.close()


def one_line_error(result: Result) -> str:
    """The error the command printed on stderr, checked to be one line and the last one."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0], result.stderr  # nothing wrapped onto a second line
    return errors[0]


def created_id(result: Result, prefix: str) -> str:
    found = re.search(rf"\b{prefix}_[0-9a-f]+\b", result.stdout)
    assert found, result.stdout
    return found.group(0)
