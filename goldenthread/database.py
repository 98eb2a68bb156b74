"""A small SQL store for operational records that are not the case record: user accounts,
sign-in sessions, sign-in attempts, idempotency keys and the access log.

These are not events of practice, so they are plain tables, on the same backend as the record:
`accounts.sqlite` beside the event store, or the record's PostgreSQL database and schema. SQL is
written once with `%(name)s` parameters and runs on both.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from goldenthread.settings import Settings

Row = dict[str, Any]


class Database:
    """Transactions on SQLite (one connection, serialised) or PostgreSQL (a pool)."""

    def __init__(self, settings: Settings, name: str = "accounts") -> None:
        self.postgres = settings.uses_postgres
        self._lock = threading.Lock()
        if self.postgres:
            assert settings.database_url is not None
            options = (
                f"-c search_path={settings.database_schema}" if settings.database_schema else ""
            )
            self._url, self._options = settings.database_url, options
            # Autocommit: a single statement is one round trip; `transaction()` still opens an
            # explicit transaction where several statements must hold together.
            self._pool: ConnectionPool[Any] | None = ConnectionPool(
                settings.database_url,
                kwargs={"row_factory": dict_row, "options": options, "autocommit": True},
                min_size=1,
                max_size=8,
                open=True,
            )
            # Records that must never make a request wait for a disk flush (the access log).
            self._unflushed: ConnectionPool[Any] | None = ConnectionPool(
                settings.database_url,
                kwargs={
                    "row_factory": dict_row,
                    "options": f"{options} -c synchronous_commit=off".strip(),
                    "autocommit": True,
                },
                min_size=1,
                max_size=8,
                open=True,
            )
            self._sqlite: sqlite3.Connection | None = None
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self._pool = None
            self._unflushed = None
            self._sqlite = sqlite3.connect(
                settings.data_dir / f"{name}.sqlite",
                check_same_thread=False,
                isolation_level=None,
            )
            self._sqlite.row_factory = sqlite3.Row
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute("PRAGMA busy_timeout=10000")
            self._sqlite.execute("PRAGMA synchronous=NORMAL")

    def connect(self, application_name: str) -> psycopg.Connection[Any]:
        """A connection of its own, outside the pools, in autocommit mode (PostgreSQL only): for
        a listener, which holds its connection for as long as it runs."""
        assert self.postgres, "only PostgreSQL connections can listen"
        return psycopg.connect(
            self._url, options=self._options, autocommit=True, application_name=application_name
        )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        if self._pool is not None:
            with self._pool.connection() as conn, conn.transaction():
                yield Transaction(conn.cursor(), postgres=True)
            return
        assert self._sqlite is not None
        with self._lock:
            self._sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._sqlite.cursor(), postgres=False)
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            self._sqlite.execute("COMMIT")

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """One statement, atomic on its own."""
        if self._pool is not None:
            with self._pool.connection() as conn:
                return Transaction(conn.cursor(), postgres=True).execute(sql, params)
        with self.transaction() as tx:
            return tx.execute(sql, params)

    def execute_unflushed(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """One statement whose commit does not wait for a disk flush: a crash of the database
        server may lose the last fraction of a second of such writes, never tear one. (SQLite
        here never waits for a flush per commit: WAL with `synchronous=NORMAL`.)"""
        if self._unflushed is not None:
            with self._unflushed.connection() as conn:
                Transaction(conn.cursor(), postgres=True).execute(sql, params)
            return
        self.execute(sql, params)

    def close(self) -> None:
        if self._unflushed is not None:
            self._unflushed.close()
        if self._pool is not None:
            self._pool.close()
        if self._sqlite is not None:
            self._sqlite.close()


class Transaction:
    def __init__(self, cursor: Any, *, postgres: bool) -> None:
        self._cursor = cursor
        self.postgres = postgres

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        if not self.postgres:
            sql = re.sub(r"%\((\w+)\)s", r":\1", sql)
        self._cursor.execute(sql, dict(params or {}))
        if self._cursor.description is None:
            return []
        return [dict(row) for row in self._cursor.fetchall()]
