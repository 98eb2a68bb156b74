"""A projection worker killed with SIGKILL in the middle of catching up, again and again, loses
no event and applies none twice: after restarts its views equal a fresh rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import psycopg
import pytest

from goldenthread.demo import load_synthetic
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine

pytestmark = pytest.mark.postgres
KILLS = 4


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "goldenthread.cli", "projections", "run", "--poll", "0.02"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _positions(engine) -> set[int]:
    return set(engine.positions().values())


def test_views_equal_a_fresh_rebuild_after_repeated_sigkills(postgres_database, tmp_path):
    schema = f"crash_{os.getpid()}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgres_database,
        database_schema=schema,
        projection_batch_size=25,
    )
    cases = build_case_record(settings)
    load_synthetic(cases, plans=60, seed=11, today=date(2026, 11, 26))
    head = cases.recorder.max_notification_id()
    watcher = build_projection_engine(settings, cases)
    env = {
        **os.environ,
        "GOLDENTHREAD_DATABASE_URL": postgres_database,
        "GOLDENTHREAD_DATABASE_SCHEMA": schema,
        "GOLDENTHREAD_DATA_DIR": str(tmp_path),
        "GOLDENTHREAD_PROJECTION_BATCH_SIZE": "25",
    }

    killed_mid_way = 0
    for _ in range(KILLS):
        before = _positions(watcher)
        worker = _worker(env)
        deadline = time.monotonic() + 30
        while _positions(watcher) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        if min(_positions(watcher)) < head:
            killed_mid_way += 1
    worker = _worker(env)
    deadline = time.monotonic() + 60
    while _positions(watcher) != {head} and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.terminate()
    worker.wait(timeout=10)

    assert killed_mid_way >= 2, "the worker was killed while it still had work to do"
    assert _positions(watcher) == {head}
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "scratch_fresh_{os.getpid()}"')
    fresh = build_projection_engine(settings, cases, scratch=f"fresh_{os.getpid()}")
    fresh.catch_up()
    live = build_projection_engine(settings, cases)
    for live_view, fresh_view in zip(live.views, fresh.views, strict=True):
        assert live_view.all_rows() == fresh_view.all_rows(), live_view.model.name
    cases.close()
