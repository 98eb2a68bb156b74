"""The live streams a request reads: each read from the store at most once per request, and many
read together.

The Gate reads a plan with its core group in one round trip (the plan's core group never
changes, so the cached plan names it before the plan is brought up to date).

A list page decides each row on the live plan and core group (the access policy never trusts a
projection that may lag). Loading those one at a time costs a round trip to the database per
stream, even when the stream is in the aggregate cache, because every load asks the store for
events newer than the cached version. Here the streams a page needs are brought up to date in one
query per kind of stream: the cached aggregates are fast-forwarded with whatever the store holds
beyond their versions, exactly as a single load would, and streams not in the cache are loaded
the ordinary way (which caches them for the next request).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from domain.application import CaseRecord
from domain.errors import NotFoundError
from domain.plan import ChildProtectionPlan

A = TypeVar("A", bound=Aggregate)


class Streams:
    """One request's reads of the live record. Objects returned may be the cached aggregates
    themselves: only for reading, never to change."""

    def __init__(self, cases: CaseRecord) -> None:
        self.cases = cases
        self._read: dict[UUID, Aggregate | None] = {}

    def load(self, cls: type[A], record_id: UUID) -> A:
        """One stream as it stands, or `NotFoundError`."""
        found = self.load_many(cls, [record_id])
        if record_id not in found:
            return self.cases.load(cls, record_id, copy=False)  # says what was not found
        return found[record_id]

    def prefetch(self, record_ids: Iterable[UUID]) -> None:
        """Bring those of `record_ids` that are in the aggregate cache up to date together, in
        one query (of any kinds); the rest are read when asked for."""
        repository = self.cases.repository
        if (
            repository.cache is None
            or not repository.fastforward
            or not isinstance(self.cases.recorder, PostgresApplicationRecorder)
        ):
            return
        cached: dict[UUID, Aggregate] = {}
        for record_id in dict.fromkeys(record_ids):
            if record_id in self._read:
                continue
            try:
                cached[record_id] = cast(Aggregate, repository.cache.get(record_id))
            except KeyError:
                continue
        if len(cached) > 1:
            self._read.update(_fast_forward(self.cases, cached))

    def prefetch_plans(self, plan_ids: Iterable[UUID]) -> None:
        """`prefetch` plans with their core groups and children: a plan's core group and child
        never change, so the cached plan names them before it is brought up to date."""
        wanted = list(plan_ids)
        named = [p for p in map(self.cached, wanted) if isinstance(p, ChildProtectionPlan)]
        self.prefetch([*wanted, *(p.core_group_id for p in named), *(p.child_id for p in named)])

    def cached(self, record_id: UUID) -> Aggregate | None:
        """The aggregate cache's copy (possibly behind the store), without reading the store."""
        cache = self.cases.repository.cache
        if cache is None:
            return None
        try:
            return cast(Aggregate, cache.get(record_id))
        except KeyError:
            return None

    def load_many(self, cls: type[A], record_ids: Iterable[UUID]) -> dict[UUID, A]:
        """The streams of `cls` among `record_ids` as they stand now; ids of no such stream are
        left out."""
        wanted = list(dict.fromkeys(record_ids))
        unread = [record_id for record_id in wanted if record_id not in self._read]
        if unread:
            self._read.update(_current(self.cases, cls, unread))
        found = {}
        for record_id in wanted:
            aggregate = self._read[record_id]
            if isinstance(aggregate, cls):
                found[record_id] = aggregate
        return found


def _current(
    cases: CaseRecord, cls: type[Aggregate], record_ids: list[UUID]
) -> dict[UUID, Aggregate | None]:
    repository = cases.repository
    cached: dict[UUID, Aggregate] = {}
    uncached: list[UUID] = []
    batched = (
        repository.cache is not None
        and repository.fastforward
        and isinstance(cases.recorder, PostgresApplicationRecorder)
        and len(record_ids) > 1
    )
    for record_id in record_ids:
        if not batched:
            uncached.append(record_id)
            continue
        assert repository.cache is not None
        try:
            cached[record_id] = cast(Aggregate, repository.cache.get(record_id))
        except KeyError:
            uncached.append(record_id)
    found: dict[UUID, Aggregate | None] = {}
    if cached:
        found.update(_fast_forward(cases, cached))
    for record_id in uncached:
        try:
            found[record_id] = cases.load(cls, record_id, copy=False)
        except NotFoundError:
            found[record_id] = None
    return found


BATCH = 200
"""Streams per query: the query's estimated cost stays low even where the store has never been
analysed, so the planner keeps to the primary key."""
NEWER_PER_QUERY = 100
"""Newer events read per stream in the batch; a stream further behind is finished by an
ordinary load."""


def _fast_forward(cases: CaseRecord, cached: dict[UUID, Aggregate]) -> dict[UUID, Aggregate]:
    """The cached aggregates brought up to date with one query per `BATCH` of them, each under
    the repository's fast-forward lock, as a single load would."""
    recorder = cases.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore = recorder.datastore
    # A lateral subquery per stream, with a limit, so each is an index range scan of the
    # primary key whatever statistics the planner has.
    statement = SQL(
        "SELECT e.originator_id, e.originator_version, e.topic, e.state "
        "FROM unnest(string_to_array(%s, ',')::{id_type}[], "
        "string_to_array(%s, ',')::bigint[]) AS c(id, version) "
        "CROSS JOIN LATERAL (SELECT originator_id, originator_version, topic, state "
        "FROM {schema}.{table} WHERE originator_id = c.id AND originator_version > c.version "
        "ORDER BY originator_version LIMIT %s) AS e"
    ).format(
        schema=Identifier(datastore.schema),
        table=Identifier(recorder.events_table_name),
        id_type=Identifier(datastore.originator_id_type),
    )
    ids = list(cached)
    rows: list[Any] = []
    with datastore.get_connection() as connection, connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            # Ids and versions travel as two comma-separated strings: dumping them as arrays
            # costs more than the query.
            ids_text = ",".join(map(str, chunk))
            versions = ",".join(str(cached[record_id].version) for record_id in chunk)
            cursor.execute(statement, [ids_text, versions, NEWER_PER_QUERY], prepare=True)
            rows.extend(cursor.fetchall())
    newer: dict[UUID, list[Any]] = {}
    for row in rows:
        stored = StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        event = cases.mapper.to_domain_event(stored)
        newer.setdefault(event.originator_id, []).append(event)
    repository = cases.repository
    for record_id, events in newer.items():
        events.sort(key=lambda event: event.originator_version)
        lock = repository._use_fastforward_lock(record_id)
        try:
            with lock:
                aggregate = cached[record_id]
                for event in events:
                    # Another request may have brought it on meanwhile: apply only what follows.
                    if event.originator_version == aggregate.version + 1:
                        aggregate = event.mutate(aggregate)
                cached[record_id] = aggregate
        finally:
            repository._disuse_fastforward_lock(record_id)
        if len(events) == NEWER_PER_QUERY:
            cached[record_id] = cases.load(type(cached[record_id]), record_id, copy=False)
    return cached
