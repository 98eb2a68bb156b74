"""Build a real case record on SQLite or PostgreSQL, and read what it physically stored."""

from __future__ import annotations

from pathlib import Path

import psycopg
from eventsourcing.cryptography import AESCipher
from pydantic import SecretStr

from domain.application import CaseRecord
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record


def settings_for(
    backend: str, tmp_path: Path, postgres: tuple[str, str] | None, cipher: bool
) -> Settings:
    key = SecretStr(AESCipher.create_key(num_bytes=32)) if cipher else None
    if backend == "postgres":
        assert postgres is not None
        url, schema = postgres
        return Settings(data_dir=tmp_path, database_url=url, database_schema=schema, cipher_key=key)
    return Settings(data_dir=tmp_path, database_url=None, cipher_key=key)


def open_case_record(settings: Settings) -> CaseRecord:
    return build_case_record(settings)


def raw_stored_bytes(settings: Settings) -> bytes:
    """Every byte the backend holds for the record: the SQLite file, or every row of every table
    in the PostgreSQL schema."""
    if not settings.uses_postgres:
        return b"".join(p.read_bytes() for p in settings.data_dir.glob("*.sqlite*"))
    assert settings.database_url is not None
    chunks: list[bytes] = []
    with psycopg.connect(settings.database_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (settings.database_schema,),
        ).fetchall()
        for (table,) in tables:
            for row in conn.execute(f'SELECT * FROM "{settings.database_schema}"."{table}"'):
                for value in row:
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(chunks)
