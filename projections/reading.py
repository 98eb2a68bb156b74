"""Reading the notification log in pages, as plain rows, for catch-ups and rebuilds.

The library's `select_notifications` builds a `Notification` object and a fresh `UUID` for every
row; a rebuild reads every row of the log, so the read side asks for the same rows with the same
query but keeps them as tuples, and leaves ids to the decoder (which reuses them). Recorders
other than the library's SQLite and PostgreSQL ones (the in-memory one in tests) are read through
`select_notifications`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

LoggedEvent = tuple[int, UUID | str, int, str, bytes]
"""(position, originator id, originator version, topic, state): one row of the log."""


class LogReader:
    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            self._postgres_page = SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {schema}.{table} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT %s"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(recorder.events_table_name),
            )
        elif isinstance(recorder, SQLiteApplicationRecorder):
            self._sqlite_page = (
                "SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?"
            )

    def page(self, after: int, limit: int, stop: int | None = None) -> Sequence[LoggedEvent]:
        """Up to `limit` rows with positions after `after` (and up to `stop`), in log order."""
        recorder: Any = self.recorder
        rows: list[LoggedEvent]
        if isinstance(recorder, PostgresApplicationRecorder):
            with (
                recorder.datastore.get_connection() as connection,
                connection.cursor(row_factory=tuple_row) as cursor,
            ):
                # `stop` is applied here, not in SQL: with a second bound, the prepared
                # statement's generic plan reads a page several times slower.
                cursor.execute(self._postgres_page, (after, limit), prepare=True)
                rows = cursor.fetchall()
                if stop is not None and rows and rows[-1][0] > stop:
                    rows = [row for row in rows if row[0] <= stop]
                return rows
        if isinstance(recorder, SQLiteApplicationRecorder):
            with recorder.datastore.transaction(commit=False) as cursor:
                raw = cursor.sqlite_cursor
                raw.row_factory = None
                raw.execute(self._sqlite_page, (after, stop if stop is not None else 2**62, limit))
                rows = raw.fetchall()
                return rows
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(
                start=after, limit=limit, stop=stop, inclusive_of_start=False
            )
        ]
