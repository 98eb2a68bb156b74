"""Shared pieces of the benchmarks: fresh storage per run, timing, and the results file."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

RESULTS = Path(__file__).parent / "results.json"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_storage(backend: str, workdir: Path) -> Iterator[dict[str, str]]:
    """The eventsourcing environment of an empty store: a new SQLite file or a new database."""
    if backend == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        name = workdir / f"bench-{uuid4().hex[:8]}.sqlite"
        yield {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(name)}
        for path in workdir.glob(f"{name.name}*"):
            path.unlink()
        return
    database = f"goldenthread_bench_{uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database,
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": "5432",
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "",
            "POSTGRES_POOL_SIZE": "10",
        }
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def ops_per_second(operations: list[Callable[[], Any]]) -> float:
    started = time.perf_counter()
    for operation in operations:
        operation()
    return len(operations) / (time.perf_counter() - started)


def median_seconds(operation: Callable[[], Any], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        operation()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def merge_results(figures: dict[str, float]) -> dict[str, float]:
    """Add `figures` to bench/results.json, keeping figures written by other benchmarks."""
    current: dict[str, float] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    current.update({k: round(v, 4) for k, v in figures.items()})
    RESULTS.write_text(json.dumps(dict(sorted(current.items())), indent=2) + "\n")
    return current
