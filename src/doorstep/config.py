"""Settings from the environment (``DOORSTEP_*``); the defaults run everything embedded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from doorstep.domain.fleet import SpeedProfile


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "doorstep"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; a SQLite file in data_dir when unset"
    )
    session_hours: float = Field(default=12.0, gt=0, description="how long a login stays valid")
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="largest request body accepted"
    )
    max_import_bytes: int = Field(
        default=33_554_432, gt=0, description="largest body of POST /orders:import (10,000 rows)"
    )
    fast_password_hashing: bool = Field(default=False, description="cheap argon2, for tests only")
    region: str = Field(
        default="helsinki", description="built region whose road graph answers travel questions"
    )
    travel_provider: Literal["road", "osrm", "valhalla", "haversine"] = Field(
        default="road",
        description="road: the region's own graph; osrm/valhalla: your server; haversine: "
        "straight lines with a circuity factor (a fallback only)",
    )
    osrm_urls: dict[SpeedProfile, str] = Field(
        default_factory=dict,
        description='OSRM server per profile, JSON, e.g. {"van": "http://127.0.0.1:5000"}',
    )
    valhalla_url: str | None = Field(default=None, description="Valhalla server base URL")
    max_snap_m: float = Field(
        default=500.0, gt=0, description="farthest a point may lie from a road it is placed on"
    )
    geocoder: Literal["local", "nominatim", "pelias"] = Field(
        default="local",
        description="local: the region's own address index; nominatim/pelias: your server",
    )
    geocoder_url: str | None = Field(
        default=None, description="Nominatim or Pelias base URL when geocoder is not local"
    )
    country: str = Field(
        default="FI", description="ISO country code for phone numbers and geocoding hints"
    )
    matrix_workers: int | None = Field(
        default=None, ge=1, description="processes for large matrices; all cores when unset"
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        description="processes of the local worker pool (imports parse ahead in it); all cores "
        "when unset",
    )

    executor: str | None = Field(
        default=None,
        description="Dask scheduler address (e.g. tcp://host:8786) that solves the parts of big "
        "planning days; the local worker pool when unset",
    )

    # Customer messages: e-mail goes out through this SMTP server (none: e-mails are logged
    # as skipped), SMS through Twilio's API (none: SMS skipped). The outbox worker runs in the
    # API server every ``outbox_interval_s`` seconds (0: not in the server; run
    # ``doorstep outbox run`` instead).
    smtp_host: str | None = Field(default=None, description="SMTP server for customer e-mail")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_from: str = Field(default="doorstep@localhost", description="the From address")
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(default=None, repr=False)
    twilio_from: str | None = Field(default=None, description="sender number or id")
    twilio_base_url: str | None = Field(default=None, description="for tests and proxies")
    outbox_interval_s: float = Field(default=5.0, ge=0)
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where customers reach doorstep: the tracking links in messages start so",
    )

    # A simulated clock, so a running server can live in the digital twin's day (e.g.
    # tomorrow 06:00) while the twin drives it over HTTP: with the real clock, the twin's
    # pings would be refused as far ahead of the server's time.
    clock_start: datetime | None = Field(
        default=None,
        description="for demos and load tests only: the server's clock starts at this moment "
        "(ISO 8601 with a UTC offset, e.g. 2026-11-23T06:00:00+02:00) instead of the real time",
    )
    clock_speed: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="for demos and load tests only: with clock_start, the server's clock runs "
        "this many times as fast as real time (at most 3600: an hour a second)",
    )

    @field_validator("clock_start")
    @classmethod
    def _clock_start_has_offset(cls, value: datetime | None) -> datetime | None:
        # A naive moment would be read in whatever zone the server runs in: refuse to guess.
        if value is not None and value.utcoffset() is None:
            raise ValueError(
                f"DOORSTEP_CLOCK_START {value.isoformat()} has no UTC offset; give one, "
                f"e.g. {value.isoformat()}+02:00 or {value.isoformat()}Z"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'doorstep.db'}"

    @property
    def regions_dir(self) -> Path:
        return self.data_dir / "regions"

    @property
    def proofs_dir(self) -> Path:
        return self.data_dir / "proofs"
