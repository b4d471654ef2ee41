"""What a command acts in: the wired container and the organisation chosen with ``--org``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer

from doorstep.bootstrap import Container, build
from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import NotFound
from doorstep.entrypoints.cli import output
from doorstep.services import accounts
from doorstep.services.authorization import Principal, system_principal
from doorstep.services.ports import UnitOfWork

ORG_SLUG_ENV = "DOORSTEP_ORG_SLUG"

OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar=ORG_SLUG_ENV,
        metavar="SLUG",
        show_default=False,
        help="Organisation to act in, by slug; may be left out when the database holds only one.",
    ),
]


@dataclass(frozen=True)
class Scope:
    """A command's container, and itself acting as the chosen organisation's administrator."""

    container: Container
    principal: Principal
    slug: str = ""  # the organisation's

    def uow(self) -> UnitOfWork:
        return self.container.uow()


@contextmanager
def opened() -> Iterator[Container]:
    """A container for one command, closed (its connections released) when the command ends."""
    container = build()
    try:
        yield container
    finally:
        container.close()


def migrate(container: Container) -> tuple[str | None, str]:
    """Bring the schema to this release's revision, saying so on stderr when it changed."""
    before, after = container.migrate()
    if before != after:
        output.note(f"database upgraded: {before or 'empty'} -> {after}")
    return before, after


@contextmanager
def organisation_scope(slug: str | None) -> Iterator[Scope]:
    """Open the database (upgrading it like ``serve`` does) and act in the chosen organisation."""
    with opened() as container:
        migrate(container)
        organisation = choose(accounts.list_organisations(uow=container.uow()), slug)
        yield Scope(container, system_principal(organisation.id), organisation.slug)


def choose(organisations: Sequence[Organisation], slug: str | None) -> Organisation:
    """The organisation named by ``slug``, or the only one; fails listing the slugs otherwise."""
    slugs = ", ".join(o.slug for o in organisations)
    if slug is not None:
        found = next((o for o in organisations if o.slug == slug.strip().lower()), None)
        return found or output.usage_error(
            f"no organisation with slug {slug!r}; there are: {slugs or 'none'}"
        )
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        output.fail("there is no organisation yet; create one with `doorstep init`")
    output.usage_error(
        f"this database holds {len(organisations)} organisations ({slugs}); "
        f"choose one with --org SLUG or {ORG_SLUG_ENV}"
    )


def ensure_region(c: Container, name: str) -> None:
    """The region is built: Helsinki (bundled) is built now if not; another is an error."""
    try:
        c.regions.info(name)
    except NotFound:
        if name != "helsinki":
            output.usage_error(f"region {name} is not built: doorstep region build or synth")
        output.note("building the bundled Helsinki region (once, about a minute)")
        c.regions.build(None)
