"""The case record's PostgreSQL recorder saves in one statement and keeps the library's guarantees:
notification ids in commit order, a version conflict refused whole, the ids it returns stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from domain.application import CaseRecord
from goldenthread.postgres_recorder import OneTripPostgresRecorder
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

pytestmark = pytest.mark.postgres

WRITERS = 6
SAVES_EACH = 40


@pytest.fixture
def cases(postgres_settings: Settings) -> Iterator[CaseRecord]:
    record = build_case_record(postgres_settings)
    yield record
    record.close()


def stored(originator_id: UUID, version: int) -> StoredEvent:
    return StoredEvent(originator_id, version, "tests:Happened", b'{"n":%d}' % version)


def test_the_case_record_on_postgresql_saves_through_the_one_trip_recorder(
    cases: CaseRecord,
) -> None:
    assert isinstance(cases.recorder, OneTripPostgresRecorder)


def test_the_ids_a_save_returns_are_the_notification_ids_stored_for_its_events(
    cases: CaseRecord,
) -> None:
    first, second = uuid4(), uuid4()
    ids = cases.recorder.insert_events([stored(first, 1), stored(second, 1), stored(first, 2)])
    notes = cases.recorder.select_notifications(start=0, limit=10, inclusive_of_start=False)
    assert ids == [n.id for n in notes]
    assert [(n.originator_id, n.originator_version) for n in notes] == [
        (first, 1),
        (second, 1),
        (first, 2),
    ]
    assert notes[2].state == b'{"n":2}'


def test_a_version_conflict_is_the_librarys_integrity_error_and_nothing_of_the_save_is_stored(
    cases: CaseRecord,
) -> None:
    taken, other = uuid4(), uuid4()
    cases.recorder.insert_events([stored(taken, 1)])
    with pytest.raises(IntegrityError):
        cases.recorder.insert_events([stored(other, 1), stored(taken, 1)])
    assert cases.recorder.select_events(other) == []
    assert cases.recorder.insert_events([stored(other, 1)]) is not None


def test_a_reader_following_the_log_during_concurrent_saves_never_misses_an_event(
    cases: CaseRecord,
) -> None:
    """Notification ids must become visible in order: a reader that has read up to id N never
    later finds an id below N committed (which it would have passed over for good). The table
    lock inside the save's one statement is what guarantees it."""
    recorder = cases.recorder
    written: list[int] = []
    written_lock = threading.Lock()
    seen: list[int] = []
    writers_done = threading.Event()

    def write() -> None:
        originator = uuid4()
        for version in range(1, SAVES_EACH + 1):
            ids = recorder.insert_events([stored(originator, version)])
            assert ids is not None
            with written_lock:
                written.extend(ids)

    def follow() -> None:
        after = 0
        while True:
            done = writers_done.is_set()
            notes = recorder.select_notifications(start=after, limit=50, inclusive_of_start=False)
            seen.extend(n.id for n in notes)
            if notes:
                after = notes[-1].id
            elif done:
                return
            else:
                time.sleep(0.001)

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    writers_done.set()
    follower.join(timeout=30)
    assert not follower.is_alive()

    assert len(written) == WRITERS * SAVES_EACH
    assert seen == sorted(seen)
    assert set(seen) == set(written), "the follower passed over an event committed late"


def test_a_save_waits_for_the_events_tables_lock_that_keeps_commit_order(
    postgres_settings: Settings, cases: CaseRecord
) -> None:
    """`ROW SHARE` conflicts with the `EXCLUSIVE` lock a save must take, not with a plain
    insert's own lock: while another transaction holds it, a save must wait."""
    assert postgres_settings.database_url is not None
    table = f'"{postgres_settings.database_schema}"."caserecord_events"'
    finished = threading.Event()

    def save() -> None:
        cases.recorder.insert_events([stored(uuid4(), 1)])
        finished.set()

    with psycopg.connect(postgres_settings.database_url) as holder:
        holder.execute(f"LOCK TABLE {table} IN ROW SHARE MODE")
        saver = threading.Thread(target=save)
        saver.start()
        assert _waiting_on_a_lock(postgres_settings.database_url), "the save did not wait"
        assert not finished.is_set()
        holder.commit()
    saver.join(timeout=10)
    assert finished.is_set()


def _waiting_on_a_lock(url: str, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE %s",
                ("%caserecord_events_insert%",),
            ).fetchone()
            if waiting is not None and waiting[0] > 0:
                return True
            time.sleep(0.01)
    return False
