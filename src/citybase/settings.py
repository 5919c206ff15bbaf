"""Settings from CITYBASE_* environment variables and an optional TOML file, built on demand only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_DATABASE_FILE = "citybase.db"
SETTINGS_FILE_VARIABLE = "CITYBASE_SETTINGS_FILE"


class Settings(BaseSettings):
    """Every setting CityBase reads; docs/settings.md lists each one (a test keeps them in step)."""

    model_config = SettingsConfigDict(env_prefix="CITYBASE_", extra="forbid", frozen=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE_FILE}",
        description="SQLAlchemy URL of the database; a SQLite file in the working folder by default.",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production, session cookies are marked Secure.",
    )
    auto_migrate: bool = Field(default=True, description="Apply pending migrations when the server starts.")
    default_language: Literal["zh_CN", "en"] = Field(
        default="zh_CN", description="Language of the web UI for a visitor who has not chosen one."
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Lifetime of a web session.")
    token_default_days: int = Field(
        default=90, ge=1, le=3650, description="Lifetime of an API token when none is asked for."
    )
    token_max_days: int = Field(
        default=365, ge=1, le=3650, description="Longest lifetime an API token may be given."
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins in a row before an account is locked."
    )
    lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="How long a locked account stays locked."
    )
    password_min_length: int = Field(default=10, ge=8, le=128, description="Shortest password accepted.")
    argon2_time_cost: int = Field(default=3, ge=1, le=20, description="Argon2id iterations.")
    argon2_memory_kib: int = Field(
        default=65536, ge=1024, le=4 * 1024 * 1024, description="Argon2id memory per hash, in KiB."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, ge=0, le=600_000, description="How long SQLite waits for a lock before failing."
    )
    upload_max_mb: int = Field(
        default=50, ge=1, le=2048, description="Largest upload accepted (.xlsx or .csv), in megabytes."
    )
    upload_max_rows: int = Field(
        default=1_100_000, ge=10, le=50_000_000, description="Most data rows accepted in one submission."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Level of the server's log."
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "sqlite+", "postgresql:", "postgresql+", "postgres:")):
            raise ValueError(
                f"database URL {url!r} is not supported: use sqlite:///FILE or postgresql://USER@HOST/DB"
            )
        if url.startswith("postgres:"):
            url = "postgresql" + url.removeprefix("postgres")
        if url.startswith("postgresql:"):
            url = "postgresql+psycopg" + url.removeprefix("postgresql")
        return url

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        settings_file = os.environ.get(SETTINGS_FILE_VARIABLE)
        if settings_file:
            sources.append(_TomlFileSource(settings_cls, Path(settings_file)))
        return tuple(sources)


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads settings from a TOML file named by CITYBASE_SETTINGS_FILE (keys without the prefix)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        import tomllib

        try:
            self._values: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValueError(f"settings file {path} (from {SETTINGS_FILE_VARIABLE}) does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"settings file {path} is not valid TOML: {exc}") from exc

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


def get_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and the settings file), with explicit overrides on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
