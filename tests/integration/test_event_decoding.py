"""The read side's own log reading and event decoding give exactly what the library's would, and a
view filled from empty (without its indexes until the end) ends up with every index.

`projections.reading` and `projections.decoding` exist for speed; these tests are what lets them:
every event of the demo authority, on both backends and with the cipher on, decodes to the same
class with the same attribute values as `Mapper.to_domain_event`, and pages of the log hold the
same rows as `select_notifications`.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from pydantic import SecretStr

from domain.application import CaseRecord
from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from projections.decoding import EventDecoder
from projections.engine import ProjectionEngine
from projections.reading import LogReader
from projections.registry import open_views

TODAY = date(2026, 11, 26)


def _demo(settings: Settings) -> CaseRecord:
    cases = build_case_record(settings)
    load_demo(cases, today=TODAY, seed=11)
    return cases


def _all_notifications(cases: CaseRecord) -> list[Any]:
    return list(cases.recorder.select_notifications(start=1, limit=1_000_000))


def _same_event(left: Any, right: Any) -> bool:
    return type(left) is type(right) and vars(left) == vars(right)


def _assert_decodes_like_the_mapper(cases: CaseRecord) -> int:
    decoder = EventDecoder(cases.mapper)
    notifications = _all_notifications(cases)
    for notification in notifications:
        expected = cases.mapper.to_domain_event(notification)
        assert _same_event(decoder.decode(notification), expected), notification.topic
        # The values it reuses are equal, never shared mutable state: decode twice, compare.
        assert _same_event(decoder.decode(notification), expected), notification.topic
    return len(notifications)


def test_every_demo_event_decodes_exactly_as_the_library_mapper_decodes_it(tmp_path: Path) -> None:
    cases = _demo(Settings(data_dir=tmp_path, database_url=None))
    assert _assert_decodes_like_the_mapper(cases) > 1_000
    cases.close()


def test_with_the_cipher_on_events_still_decode_exactly_as_the_mapper_decodes_them(
    tmp_path: Path,
) -> None:
    key = SecretStr(AESCipher.create_key(num_bytes=32))
    cases = _demo(Settings(data_dir=tmp_path, database_url=None, cipher_key=key))
    assert _assert_decodes_like_the_mapper(cases) > 1_000
    cases.close()


def test_state_the_fast_path_cannot_read_is_decoded_by_the_mapper(tmp_path: Path) -> None:
    cases = _demo(Settings(data_dir=tmp_path, database_url=None))
    decoder = EventDecoder(cases.mapper)
    notification = _all_notifications(cases)[0]
    # An unknown stored name inside the state: the mapper's own error, not a wrong event.
    state = notification.state.replace(b'"_type_":"datetime_iso"', b'"_type_":"unheard_of"')
    with pytest.raises(Exception, match="unheard_of"):
        decoder.decode_parts(
            notification.topic, state, notification.originator_id, notification.originator_version
        )
    cases.close()


def _pages(reader: LogReader, size: int, stop: int | None) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    after = 0
    while page := reader.page(after, size, stop):
        rows.extend(tuple(row) for row in page)
        after = page[-1][0]
    return rows


def _library_rows(cases: CaseRecord, stop: int | None) -> list[tuple[Any, ...]]:
    return [
        (n.id, UUID(str(n.originator_id)), n.originator_version, n.topic, bytes(n.state))
        for n in cases.recorder.select_notifications(start=1, limit=1_000_000, stop=stop)
    ]


def _assert_pages_hold_the_library_rows(cases: CaseRecord) -> None:
    reader = LogReader(cases.recorder)
    head = cases.recorder.max_notification_id() or 0
    for size, stop in ((97, None), (1_000, head // 2 + 3), (50, head - 1)):
        read = [(i, UUID(str(o)), v, t, bytes(s)) for i, o, v, t, s in _pages(reader, size, stop)]
        assert read == _library_rows(cases, stop), (size, stop)


def test_pages_of_the_log_hold_the_rows_the_library_reads_on_sqlite(tmp_path: Path) -> None:
    cases = _demo(Settings(data_dir=tmp_path, database_url=None))
    _assert_pages_hold_the_library_rows(cases)
    cases.close()


@pytest.mark.postgres
def test_pages_of_the_log_hold_the_rows_the_library_reads_on_postgresql(
    postgres_settings: Settings,
) -> None:
    cases = _demo(postgres_settings)
    _assert_pages_hold_the_library_rows(cases)
    assert _assert_decodes_like_the_mapper(cases) > 1_000
    cases.close()


def _sqlite_indexes(settings: Settings, name: str) -> set[str]:
    files = list(settings.data_dir.rglob(f"*{name}*.sqlite"))
    assert files, f"no view file for {name}"
    with sqlite3.connect(files[0]) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_view_filled_from_empty_has_every_index_when_the_catch_up_ends(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    cases = _demo(settings)
    (view,) = open_views(settings, ["plan_history"])
    declared = {name for name, _ in view.index_ddl()}
    assert declared, "the plan history declares indexes"
    ProjectionEngine(cases.recorder, cases.mapper, [view], batch_size=300).catch_up()
    assert _sqlite_indexes(settings, "plan_history") >= declared
    cases.close()


def test_indexes_dropped_by_a_bulk_load_that_died_come_back_before_the_next_write(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    cases = _demo(settings)
    (view,) = open_views(settings, ["plan_history"])
    declared = {name for name, _ in view.index_ddl()}
    # A bulk load that wrote two batches, then the process died before the end.
    ProjectionEngine(cases.recorder, cases.mapper, [view], batch_size=300).catch_up(max_batches=2)
    view.begin_bulk_load()
    assert not _sqlite_indexes(settings, "plan_history") & declared
    (reopened,) = open_views(settings, ["plan_history"])
    ProjectionEngine(cases.recorder, cases.mapper, [reopened], batch_size=300).catch_up()
    assert _sqlite_indexes(settings, "plan_history") >= declared
    cases.close()


@pytest.mark.postgres
def test_a_view_filled_from_empty_on_postgresql_has_every_index_at_the_end(
    tmp_path: Path, postgres_schema: tuple[str, str]
) -> None:
    url, schema = postgres_schema
    settings = Settings(data_dir=tmp_path, database_url=url, database_schema=schema)
    cases = _demo(settings)
    (view,) = open_views(settings, ["plan_history"])
    ProjectionEngine(cases.recorder, cases.mapper, [view], batch_size=300).catch_up()
    with psycopg.connect(url) as conn:
        found = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,)
            )
        }
    assert {
        f"plan_history_{t.name}_ix{n}" for t in view.model.tables for n, _ in enumerate(t.indexes)
    } <= found
    cases.close()
