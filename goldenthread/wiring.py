"""Builds the application from settings: the one place that knows about environment variables."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg

from domain.application import CaseRecord
from domain.escalation_policy import EscalationPolicy, get_policy, policy_from_mapping
from goldenthread.settings import Settings
from projections.engine import ProjectionEngine
from projections.registry import open_views


def escalation_policy(settings: Settings) -> EscalationPolicy:
    """A preset by name (`london`, `lincolnshire`), or a partnership's own policy in JSON."""
    path = Path(settings.escalation_policy)
    if path.suffix == ".json":
        return policy_from_mapping(json.loads(path.read_text(encoding="utf-8")))
    return get_policy(settings.escalation_policy)


def build_case_record(settings: Settings | None = None) -> CaseRecord:
    settings = settings or Settings()
    return CaseRecord(
        env=settings.persistence_env(),
        escalation_policy=escalation_policy(settings),
        core_group_interval_weeks=settings.core_group_interval_weeks,
    )


def build_projection_engine(
    settings: Settings,
    cases: CaseRecord,
    names: Sequence[str] | None = None,
    scratch: str | None = None,
    *,
    alone_in_process: bool = False,
) -> ProjectionEngine:
    """The engine that keeps the named views (all by default) up to date from `cases`;
    `alone_in_process` where that is all the process does (see `ProjectionEngine`)."""
    return ProjectionEngine(
        cases.recorder,
        cases.mapper,
        open_views(settings, names, scratch),
        batch_size=settings.projection_batch_size,
        alone_in_process=alone_in_process,
    )


@contextmanager
def creating_tables(settings: Settings) -> Iterator[None]:
    """Processes starting together (several web workers, projection workers) take turns to create
    tables: PostgreSQL's `CREATE TABLE IF NOT EXISTS` is not safe against itself run at the same
    moment. A session advisory lock on the record's database serialises start-up; on SQLite
    there is one process."""
    if not settings.uses_postgres:
        yield
        return
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


SCHEMA_LOCK = 0x601D7E7  # any fixed number: every Golden Thread process uses the same one
