"""Choosing the organisation a command acts in: --org, DOORSTEP_ORG_SLUG, or the only one."""

from __future__ import annotations

import pytest

from tests.entrypoints.cli.runner import Cli, one_line_error


@pytest.fixture
def two_orgs(cli: Cli) -> tuple[str, str]:
    cli.init("City Couriers", "admin@city.test")
    cli.init("Bay Bikes", "admin@bay.test")
    return "city-couriers", "bay-bikes"


def test_without_org_two_organisations_are_listed(cli: Cli, two_orgs: tuple[str, str]) -> None:
    """With two organisations and no --org, the command fails (usage, exit 2) listing both slugs."""
    result = cli("stations", "list")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "bay-bikes, city-couriers" in line
    assert "--org" in line
    assert "DOORSTEP_ORG_SLUG" in line


def test_org_option_scopes_the_command(cli: Cli, two_orgs: tuple[str, str]) -> None:
    """A station added with --org is seen in that organisation only."""
    city, bay = two_orgs
    cli.ok(
        "stations",
        "add",
        "--org",
        bay,
        "--code",
        "BAY1",
        "--name",
        "Bay",
        "--lat",
        "1",
        "--lon",
        "2",
    )
    assert "BAY1" in cli.ok("stations", "list", "--org", bay).stdout
    assert "BAY1" not in cli.ok("stations", "list", "--org", city).stdout


def test_org_slug_from_environment(cli: Cli, two_orgs: tuple[str, str]) -> None:
    """DOORSTEP_ORG_SLUG chooses the organisation when --org is left out."""
    city, _ = two_orgs
    cli.ok(
        "stations",
        "add",
        "--org",
        city,
        "--code",
        "CTY1",
        "--name",
        "City",
        "--lat",
        "1",
        "--lon",
        "2",
    )
    assert "CTY1" in cli.ok("stations", "list", DOORSTEP_ORG_SLUG=city).stdout


def test_unknown_slug_lists_the_known_ones(cli: Cli, two_orgs: tuple[str, str]) -> None:
    """A slug that matches nothing is a usage error naming the slugs that exist."""
    result = cli("stations", "list", "--org", "nope")
    assert result.exit_code == 2
    assert (
        "no organisation with slug 'nope'; there are: bay-bikes, city-couriers"
        in one_line_error(result)
    )


def test_the_only_organisation_needs_no_option(cli: Cli, org: str) -> None:
    """With one organisation, --org may be left out."""
    assert cli("stations", "list").exit_code == 0
