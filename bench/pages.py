"""The pages people use most, served by uvicorn against PostgreSQL with a large authority's record.

The record is the benchmark history of bench/projections.py (1,350 synthetic plans with realistic
histories, generated once and cached), its views rebuilt before the server starts. Each page is
read by a signed-in browser session over a keep-alive connection, in blocks of 50 that alternate
with blocks of `/health` on the same connection, so the page and the health endpoint are timed
side by side over the same minutes:
- the plan page of a typical plan, as the chair of the safeguarding unit;
- "my tasks", as a health visitor who sits in many core groups;
- the escalations page, as a team manager.

Figures: `postgres.page_<name>_p50_ms`, `…_p95_ms` and `page_<name>_p95_vs_health_ratio` (against
the health requests made alongside that page); `postgres.pages_health_p50_ms` and `…_p95_ms` over
every health request.

Usage: python -m bench.pages postgres
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from uuid import UUID

import httpx
import psycopg

from bench.http import Connection, _free_port, _percentiles, _wait_until_serving
from bench.projections import copy_events, history_file
from bench.support import fresh_storage
from domain.application import CaseRecord
from domain.plan import ChildProtectionPlan
from goldenthread.demo import DEMO_PASSWORD
from goldenthread.rebuild import rebuild
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

READS = 1000


def _session_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base) as client:
        form = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        response = client.post(
            "/sign-in",
            data={
                "csrf_token": token.group(1),
                "username": username,
                "password": DEMO_PASSWORD,
                "next": "/",
            },
        )
        assert response.status_code == 303, response.text
        return f"gt_session={client.cookies['gt_session']}"


BLOCK = 50
"""Page and health requests alternate in blocks of this many, so a drift in a shared machine's
speed falls on both alike, while each is timed among requests of its own kind."""


async def _page_timings(port: int, cookie: str, path: str) -> tuple[list[float], list[float]]:
    """Timings of `path` and of `/health` on one keep-alive connection, in alternating blocks."""
    connection = await Connection.open(port)
    headers = {"Cookie": cookie}
    for asked in (path, "/health"):
        for _ in range(10):
            status, _, body = await connection.request("GET", asked, headers)
            assert status == 200, (asked, status, body[:300])
    loop = asyncio.get_running_loop()
    timings: dict[str, list[float]] = {path: [], "/health": []}
    for _ in range(READS // BLOCK):
        for asked in (path, "/health"):
            for _ in range(BLOCK):
                started = loop.time()
                status, _, _ = await connection.request("GET", asked, headers)
                timings[asked].append((loop.time() - started) * 1000)
                assert status == 200, (asked, status)
    connection.close()
    return timings[path], timings["/health"]


def _typical_plan(settings: Settings) -> UUID:
    """An open plan with a history of about the median length."""
    cases = build_case_record(settings)
    plans = []
    for note in cases.recorder.select_notifications(start=1, limit=5_000):
        if note.topic.endswith("ChildProtectionPlan.Started"):
            plan = cases.load(ChildProtectionPlan, UUID(str(note.originator_id)))
            if plan.is_open:
                plans.append((plan.version, plan.id))
    cases.close()
    plans.sort()
    return plans[len(plans) // 2][1]


def run(backend: str) -> dict[str, float]:
    assert backend == "postgres", "the page benchmark runs against PostgreSQL"
    source_path, _ = history_file()
    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        url = f"postgresql://postgres@127.0.0.1:5432/{env['POSTGRES_DBNAME']}"
        settings = Settings(data_dir=Path(tmp), database_url=url)
        cases = build_case_record(settings)
        source = CaseRecord(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(source_path)}
        )
        copy_events(source, cases)
        source.close()
        cases.close()
        rebuild(settings, jobs=2)
        with psycopg.connect(url, autocommit=True) as connection:
            # The set-up's writes are flushed before anything is timed.
            connection.execute("VACUUM ANALYZE")
            connection.execute("CHECKPOINT")
        from api.security.accounts import Accounts
        from goldenthread.database import Database
        from goldenthread.demo import create_demo_users

        database = Database(settings)
        create_demo_users(Accounts(database))
        database.close()
        plan = _typical_plan(settings)
        port = _free_port()
        server_env = {
            **os.environ,
            "GOLDENTHREAD_DATABASE_URL": url,
            "GOLDENTHREAD_DATA_DIR": tmp,
            "GOLDENTHREAD_PROJECTIONS_IN_PROCESS": "false",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "goldenthread.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_serving(port)
            base = f"http://127.0.0.1:{port}"
            pages = {
                "plan": ("margaret.quinn", f"/plans/{plan}"),
                "my_tasks": ("laura.bennett", "/my-tasks"),
                "escalations": ("helen.marsh", "/escalations"),
            }
            figures: dict[str, float] = {}
            every_health: list[float] = []
            for name, (username, path) in pages.items():
                cookie = _session_cookie(base, username)
                timings, health_timings = asyncio.run(_page_timings(port, cookie, path))
                p50, p95 = _percentiles(timings)
                health_p95 = _percentiles(health_timings)[1]
                every_health += health_timings
                figures[f"postgres.page_{name}_p50_ms"] = p50
                figures[f"postgres.page_{name}_p95_ms"] = p95
                figures[f"page_{name}_p95_vs_health_ratio"] = p95 / health_p95
            health = _percentiles(every_health)
            figures["postgres.pages_health_p50_ms"] = health[0]
            figures["postgres.pages_health_p95_ms"] = health[1]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "postgres")))
