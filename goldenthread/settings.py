"""Typed settings, read from `GOLDENTHREAD_*` environment variables (and a `.env` file)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the record lives and how it is protected.

    SQLite in `data_dir` is the default, so a newcomer runs everything with no server; a
    `postgresql://` database URL switches every stream and view to PostgreSQL.
    """

    model_config = SettingsConfigDict(env_prefix="GOLDENTHREAD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite files live.")
    database_url: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/dbname switches to PostgreSQL.",
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema for every table (must exist)."
    )
    cipher_key: SecretStr | None = Field(
        default=None,
        description="Base64 AES key; when set, every event's state is encrypted at rest.",
    )
    escalation_policy: str = Field(
        default="london", description="Escalation stage model: a preset name or a JSON file path."
    )
    core_group_interval_weeks: int = Field(
        default=6,
        ge=1,
        le=12,
        description="How often the core group meets after its first meeting.",
    )

    aggregate_cache_size: int = Field(
        default=2000,
        ge=0,
        description="Streams kept in memory per process; each use reads only newer events.",
    )
    projection_batch_size: int = Field(
        default=2000, ge=1, le=100_000, description="Notifications per projection transaction."
    )
    projections_in_process: bool = Field(
        default=True,
        description="Run the projection worker inside the web process (SQLite, small sites).",
    )

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and self.database_url.startswith(
            ("postgresql://", "postgres://")
        )

    def persistence_env(self, name: str = "cases") -> dict[str, str]:
        """The eventsourcing library's environment for the case record (and, with another `name`,
        for a projection's own SQLite file)."""
        env: dict[str, str] = {}
        if self.uses_postgres:
            assert self.database_url is not None
            url = urlsplit(self.database_url)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=unquote(url.path.lstrip("/")) or "postgres",
                POSTGRES_HOST=url.hostname or "127.0.0.1",
                POSTGRES_PORT=str(url.port or 5432),
                POSTGRES_USER=unquote(url.username or "postgres"),
                POSTGRES_PASSWORD=unquote(url.password or ""),
                POSTGRES_POOL_SIZE="4",
                POSTGRES_MAX_OVERFLOW="12",
            )
            if self.database_schema:
                env["POSTGRES_SCHEMA"] = self.database_schema
            if name == "cases":
                env["APPLICATION_RECORDER_TOPIC"] = (
                    "goldenthread.postgres_recorder:OneTripPostgresRecorder"
                )
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.data_dir / f"{name}.sqlite"),
                SQLITE_LOCK_TIMEOUT="10",
            )
        if name == "cases" and self.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache_size)
        if self.cipher_key is not None and name == "cases":
            env.update(
                CIPHER_TOPIC="eventsourcing.cryptography:AESCipher",
                CIPHER_KEY=self.cipher_key.get_secret_value(),
            )
        return env

    def view_env(self, name: str, scratch: str | None = None) -> dict[str, str]:
        """The environment of a projection's view: on SQLite its own file (table names are fixed
        per file), on PostgreSQL the record's database with a small pool of its own. `scratch`
        names a throwaway copy (another file, or another schema) used by `projections verify`."""
        env = self.persistence_env(
            f"view_{name}" if scratch is None else f"scratch_{scratch}_{name}"
        )
        if self.uses_postgres:
            env["POSTGRES_POOL_SIZE"] = "2"
            env["POSTGRES_MAX_OVERFLOW"] = "6"
            if scratch is not None:
                env["POSTGRES_SCHEMA"] = f"scratch_{scratch}"
        return env
