"""Fixtures for real backends: a SQLite file per test, a fresh PostgreSQL database per run.

PostgreSQL tests skip with a clear reason on a developer machine without a server, and fail
under CI=true, where the server must be there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from goldenthread.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "GOLDENTHREAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"PostgreSQL is required under CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({reason})")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end: runs never see each other."""
    name = f"goldenthread_test_{uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        _postgres_unavailable(type(error).__name__)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_schema(postgres_database: str) -> Iterator[tuple[str, str]]:
    """A schema of its own for one test, inside the run's database."""
    schema = f"t_{uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return postgres_database, schema


@pytest.fixture
def postgres_settings(tmp_path: Path, postgres_schema: tuple[str, str]) -> Settings:
    """The tracker's settings for one test: its own PostgreSQL schema and data folder."""
    url, schema = postgres_schema
    return Settings(data_dir=tmp_path, database_url=url, database_schema=schema)
