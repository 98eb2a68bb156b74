"""Several web workers, each accepting connections on a listening socket of its own.

uvicorn's own `--workers` shares one listening socket among its workers, and a worker woken for
a new connection accepts every connection waiting. Clients that keep their connections open (an
API client, a reverse proxy's pool, the HTTP benchmark) then tend to land on one worker: in the
benchmark's rounds of eight keep-alive connections on two workers, most rounds put all eight on
one of them, which served the whole load on one core while the other stood idle. Here each worker
binds the address itself with `SO_REUSEPORT`, and the kernel spreads new connections across the
workers' sockets by a hash of each connection's addresses, as nginx's `reuseport` does: which
worker takes a connection no longer depends on which one the scheduler happens to wake first.

Supervision is what uvicorn's supervisor does for the tracker: SIGTERM or SIGINT stops every
worker (each finishes its requests in flight); a worker that dies after it started serving is
replaced; a worker that fails to start stops the lot, since its replacement would fail the same
way.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("uvicorn.error")


@dataclass(frozen=True)
class WorkerOptions:
    app: str
    host: str
    port: int
    access_log: bool


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to the address with `SO_REUSEPORT`: one of a group the kernel balances."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(options: WorkerOptions) -> None:
    config = uvicorn.Config(options.app, factory=True, access_log=options.access_log)
    try:
        sock = listening_socket(options.host, options.port)
    except OSError as error:
        log.error("cannot listen on %s:%d (%s)", options.host, options.port, error.strerror)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def serve_workers(options: WorkerOptions, workers: int) -> None:
    """Run `workers` worker processes until SIGTERM or SIGINT."""
    uvicorn.Config(options.app, factory=True)  # configures logging: the workers' log format
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("Received %s, stopping the workers.", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(options,), name="goldenthread-web")
        process.start()
        log.info("Started worker process [%d]", process.pid)
        return process

    processes = [start() for _ in range(workers)]
    failed = False
    while not stopping.wait(0.5):
        for index, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("Worker process [%d] failed to start; stopping.", process.pid)
                failed = True
                stopping.set()
                break
            log.warning(
                "Worker process [%d] died (exit status %s); starting another.",
                process.pid,
                process.exitcode,
            )
            processes[index] = start()
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
    log.info("Stopped.")
    if failed:
        sys.exit(STARTUP_FAILURE)
