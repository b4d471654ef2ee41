"""Settings from the environment (``DOORSTEP_*``); the defaults run everything embedded."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    fast_password_hashing: bool = Field(default=False, description="cheap argon2, for tests only")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'doorstep.db'}"
