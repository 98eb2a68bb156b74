"""The tracker over HTTP against PostgreSQL, next to the same work in-process.

The server is `goldenthread serve --workers 2` (uvicorn with uvloop and httptools) on 127.0.0.1,
with a separate projection worker, exactly as a deployment runs. The load comes from a minimal
asyncio HTTP/1.1 client with keep-alive connections (a full HTTP library would spend more CPU per
request than the server on these two cores, and measure itself).

Figures:
- `postgres.http_command_ops_per_s`: 8 concurrent clients each recording visits on its own plan
  (`POST /api/v1/plans/{id}/visits` with `If-Match`), next to
  `postgres.inprocess_command_ops_per_s`: 8 threads running the same command through
  `CaseRecord` in one process; their ratio is `postgres.http_vs_inprocess_ratio`. The two run
  in alternating rounds, so that a slower spell of a shared machine falls on both alike;
- p50/p95 of reading a plan and its history, and of `/health`, and the ratio of each p95 to the
  health endpoint's (`plan_read_p95_vs_health_ratio`, `history_read_p95_vs_health_ratio`).

Usage: python -m bench.http postgres
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.support import fresh_storage
from domain.application import CaseRecord
from domain.plan import ChildProtectionPlan
from goldenthread.demo import DEMO_PASSWORD, TEAM_MANAGERS, username_of
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

CLIENTS = 8
COMMANDS_PER_CLIENT = 400
ROUNDS = 4
"""The commands of each side are run in this many alternating rounds."""
READS = 1000
TODAY = date(2026, 11, 26)


class Connection:
    """One keep-alive HTTP/1.1 connection: just enough protocol for the benchmark."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> tuple[int, dict[str, str], bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Connection: keep-alive",
            f"Content-Length: {len(payload)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers.get("content-length", "0"))
        content = await self.reader.readexactly(length) if length else b""
        return status, response_headers, content

    def close(self) -> None:
        self.writer.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(port: int, workers: int = 2, timeout: float = 60.0) -> None:
    """Until every worker listens: each has a socket of its own (goldenthread/serving.py) and
    listens only once its application has started, so a connection accepted earlier tells only
    that the first worker is up, and connections made before the others listen all go to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listening_sockets(port) >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _listening_sockets(port: int) -> int:
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                count += 1
    return count


def _plans_of_team(settings: Settings, team: str, count: int) -> list[UUID]:
    cases = build_case_record(settings)
    found = []
    for notification in cases.recorder.select_notifications(start=1, limit=100_000):
        if notification.topic.endswith("ChildProtectionPlan.Started"):
            plan = cases.load(ChildProtectionPlan, UUID(str(notification.originator_id)))
            if plan.team == team and plan.is_open:
                found.append(plan.id)
    cases.close()
    return found[:count]


async def _sign_in(port: int) -> str:
    connection = await Connection.open(port)
    status, _, body = await connection.request(
        "POST",
        "/api/v1/auth/token",
        body={"username": username_of(TEAM_MANAGERS[0]), "password": DEMO_PASSWORD},
    )
    connection.close()
    assert status == 200, body
    token: str = json.loads(body)["access_token"]
    return token


async def _client_commands(port: int, token: str, plan_id: UUID, count: int) -> int:
    connection = await Connection.open(port)
    auth = {"Authorization": f"Bearer {token}"}
    _, headers, _ = await connection.request("GET", f"/api/v1/plans/{plan_id}", auth)
    version = headers["etag"]
    done = 0
    for _n in range(count):
        status, headers, body = await connection.request(
            "POST",
            f"/api/v1/plans/{plan_id}/visits",
            {**auth, "If-Match": version},
            {
                "visited_on": TODAY.isoformat(),
                "seen_alone": True,
                "note": "Benchmark visit.",
            },
        )
        assert status == 202, body
        version = headers["etag"]
        done += 1
    connection.close()
    return done


async def _http_commands(port: int, token: str, plans: list[UUID], count: int) -> float:
    """Seconds taken by `count` commands from each of the clients at once."""
    started = time.perf_counter()
    done = await asyncio.gather(*(_client_commands(port, token, plan, count) for plan in plans))
    assert sum(done) == count * len(plans)
    return time.perf_counter() - started


async def _latencies(port: int, token: str, path: str) -> list[float]:
    connection = await Connection.open(port)
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(20):
        await connection.request("GET", path, auth)
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        status, _, body = await connection.request("GET", path, auth)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, body
    connection.close()
    return timings


def _inprocess_commands(cases: CaseRecord, plans: list[UUID], count: int) -> float:
    """Seconds taken by `count` commands from each of the threads at once."""
    actor = TEAM_MANAGERS[0].actor

    def run(plan_id: UUID) -> None:
        version = cases.load(ChildProtectionPlan, plan_id).version
        for _ in range(count):
            visited_on = TODAY

            def visit(plan: ChildProtectionPlan, on: date = visited_on) -> None:
                plan.record_visit(by=actor, visited_on=on, seen_alone=True, note="Benchmark visit.")

            version = cases.change_plan(plan_id, visit, expected_version=version).version

    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def run(backend: str) -> dict[str, float]:
    assert backend == "postgres", "the HTTP benchmark runs against PostgreSQL"
    from goldenthread.demo import load_demo, load_synthetic

    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        url = f"postgresql://postgres@127.0.0.1:5432/{env['POSTGRES_DBNAME']}"
        settings = Settings(data_dir=Path(tmp), database_url=url)
        cases = build_case_record(settings)
        load_demo(cases, today=TODAY)
        load_synthetic(cases, plans=40, seed=5, today=TODAY)
        cases.close()
        from api.security.accounts import Accounts
        from goldenthread.database import Database
        from goldenthread.demo import create_demo_users

        database = Database(settings)
        create_demo_users(Accounts(database))
        database.close()
        plans = _plans_of_team(settings, TEAM_MANAGERS[0].team, 2 * CLIENTS)
        http_plans, inprocess_plans = plans[:CLIENTS], plans[CLIENTS:]
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
        worker = subprocess.Popen(
            [sys.executable, "-m", "goldenthread.cli", "projections", "run"],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_serving(port)
            token = asyncio.run(_sign_in(port))
            cases = build_case_record(settings)
            per_round = COMMANDS_PER_CLIENT // ROUNDS
            inprocess_seconds = http_seconds = 0.0
            for _ in range(ROUNDS):
                inprocess_seconds += _inprocess_commands(cases, inprocess_plans, per_round)
                http_seconds += asyncio.run(_http_commands(port, token, http_plans, per_round))
            cases.close()
            inprocess = CLIENTS * per_round * ROUNDS / inprocess_seconds
            http = CLIENTS * per_round * ROUNDS / http_seconds
            plan = http_plans[0]
            health = _percentiles(asyncio.run(_latencies(port, token, "/health")))
            read = _percentiles(asyncio.run(_latencies(port, token, f"/api/v1/plans/{plan}")))
            history = _percentiles(
                asyncio.run(_latencies(port, token, f"/api/v1/plans/{plan}/history"))
            )
        finally:
            server.terminate()
            worker.terminate()
            server.wait(timeout=30)
            worker.wait(timeout=30)
    return {
        "postgres.http_command_ops_per_s": http,
        "postgres.inprocess_command_ops_per_s": inprocess,
        "postgres.http_vs_inprocess_ratio": http / inprocess,
        "postgres.health_p50_ms": health[0],
        "postgres.health_p95_ms": health[1],
        "postgres.plan_read_p50_ms": read[0],
        "postgres.plan_read_p95_ms": read[1],
        "postgres.plan_history_read_p50_ms": history[0],
        "postgres.plan_history_read_p95_ms": history[1],
        "plan_read_p95_vs_health_ratio": read[1] / health[1],
        "history_read_p95_vs_health_ratio": history[1] / health[1],
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "postgres")))
