"""`goldenthread serve --workers N`: each worker listens on a socket of its own, so keep-alive
connections are spread across the workers; the supervisor replaces a worker that dies, stops
every worker on SIGTERM, and gives up when a worker cannot start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldenthread.settings import Settings
from tests.polling import eventually

pytestmark = pytest.mark.postgres

CONNECTIONS = 16
STARTING = 30.0
"""Seconds a worker may take to start: it opens the record and the accounts first."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            return get_health(conn)
    except OSError:
        return False


def get_health(conn: socket.socket) -> bool:
    conn.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.endswith(b'"ok"}'):
        chunk = conn.recv(4096)
        if not chunk:
            return False
        reply += chunk
    return reply.startswith(b"HTTP/1.1 200")


def workers_of(supervisor: int) -> list[int]:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text()
        and "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
    ]


def established_connections(pid: int, port: int) -> int:
    """Connections to `port` that process `pid` holds open, read from /proc."""
    return sockets_on(pid, port, state="01")


def listening(pid: int, port: int) -> bool:
    """Whether process `pid` listens on `port`: a worker binds its socket at once, but listens
    only once the application has started, and only then does the kernel give it connections."""
    return sockets_on(pid, port, state="0A") > 0


def sockets_on(pid: int, port: int, state: str) -> int:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state and fields[9] in inodes:
                count += 1
    return count


def all_listening(supervisor: int, port: int, workers: int) -> bool:
    pids = workers_of(supervisor)
    try:
        return len(pids) == workers and all(listening(pid, port) for pid in pids)
    except FileNotFoundError:  # a worker ended while being looked at
        return False


def serve(settings: Settings, port: int, workers: int) -> subprocess.Popen[bytes]:
    assert settings.database_url is not None
    env = {
        **os.environ,
        "GOLDENTHREAD_DATABASE_URL": settings.database_url,
        "GOLDENTHREAD_DATABASE_SCHEMA": settings.database_schema or "",
        "GOLDENTHREAD_DATA_DIR": str(settings.data_dir),
        "GOLDENTHREAD_PROJECTIONS_IN_PROCESS": "false",
    }
    command = [sys.executable, "-m", "goldenthread.cli", "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def two_workers(postgres_settings: Settings) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    server = serve(postgres_settings, port, workers=2)
    try:
        assert eventually(lambda: all_listening(server.pid, port, 2), within=STARTING)
        yield server, port
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=60)


def test_keep_alive_connections_are_spread_across_the_workers(
    two_workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    """With one shared listening socket, whichever worker woke first took every connection
    waiting; here the kernel hands each connection to one worker's own socket."""
    server, port = two_workers
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
    try:
        assert all(get_health(conn) for conn in connections)
        held = [established_connections(pid, port) for pid in workers_of(server.pid)]
    finally:
        for conn in connections:
            conn.close()

    assert sum(held) == CONNECTIONS
    assert min(held) > 0, f"every worker takes connections: {held}"


def test_a_worker_that_dies_is_replaced_and_the_tracker_keeps_answering(
    two_workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    server, port = two_workers
    killed = workers_of(server.pid)[0]

    os.kill(killed, signal.SIGKILL)

    assert eventually(
        lambda: killed not in workers_of(server.pid) and all_listening(server.pid, port, 2),
        within=STARTING,
    )
    assert answers(port)


def test_sigterm_stops_every_worker(two_workers: tuple[subprocess.Popen[bytes], int]) -> None:
    server, port = two_workers
    workers = workers_of(server.pid)

    server.terminate()

    assert server.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert not answers(port)


def test_a_worker_that_cannot_listen_stops_the_server_with_the_startup_failure_status(
    postgres_settings: Settings,
) -> None:
    port = free_port()
    with socket.socket() as squatter:  # bound without SO_REUSEPORT: nobody may share it
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        server = serve(postgres_settings, port, workers=2)
        assert server.wait(timeout=60) == 3
