"""The case record's PostgreSQL recorder: each save is one statement, so the log is locked for as
long as the database takes to write it, and no longer.

The library's recorder keeps notification order equal to commit order by locking the events table
(`EXCLUSIVE`) in every inserting transaction. It sends the lock and the insert, waits for their
results, then sends `COMMIT`: the table stays locked while the result travels back and the saving
thread is woken, takes the interpreter lock and answers. Under load the web worker's other threads
hold the interpreter and the machine's cores are busy, so that wait is several times longer than
the insert and every other writer queues behind it.

Here the same lock, notification and insert run in a database function called as one statement in
autocommit mode, so the transaction ends on the server and the lock is released at its commit, with
no wait on the client in between. What is stored, the order of notification ids and the errors
raised (a version conflict is still the library's `IntegrityError`) are exactly the library's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier


class OneTripPostgresRecorder(PostgresApplicationRecorder):
    """`PostgresApplicationRecorder`, saving in one round trip (see the module's docstring)."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = Identifier(self.datastore.schema, f"{self.events_table_name}_insert")
        table = Identifier(self.datastore.schema, self.events_table_name)
        self.check_identifier_length(f"{self.events_table_name}_insert")
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {function}("
                "ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $body$ "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING notification_id; "
                "END $body$"
            ).format(
                function=function,
                id_type=Identifier(self.datastore.originator_id_type),
                lock_timeout=self.datastore.lock_timeout,
                table=table,
                channel=Identifier(self.channel_name),
            )
        )
        self._insert_call = SQL(
            "SELECT {function}(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "AS notification_id"
        ).format(function=function, id_type=Identifier(self.datastore.originator_id_type))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        params = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit, "the statement must be its own transaction"
            curs.execute(self._insert_call, params, prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]
