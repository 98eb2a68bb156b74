"""Reads of views on PostgreSQL: one statement each on an autocommit connection, and within
`reading_together` one pooled connection for all of them, with the same answers; readers run
together send their queries in one pipeline, with the same answers again."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from projections.base import positions_of, reading_together, run_readers
from projections.engine import ProjectionEngine
from projections.key_decisions import decisions_for_plan, decisions_for_plan_reader
from projections.outcome_progress import progress_for_plan, progress_for_plan_reader
from projections.partner_task_completion import completion_by_plan, completion_by_plan_reader
from projections.plan_history import (
    changes_since_last_conference,
    changes_since_last_conference_reader,
    history,
    history_reader,
)
from projections.registry import open_views

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 26)


@pytest.fixture
def demo_views(postgres_settings: Settings):  # type: ignore[no-untyped-def]
    cases = build_case_record(postgres_settings)
    load_demo(cases, today=TODAY, seed=3)
    views = {view.model.name: view for view in open_views(postgres_settings)}
    ProjectionEngine(cases.recorder, cases.mapper, list(views.values())).catch_up()
    plan_ids = [
        row["plan_id"]
        for row in views["key_decisions"].query("SELECT plan_id FROM {plans} ORDER BY plan_id")
    ]
    assert len(plan_ids) > 10
    yield views, plan_ids
    cases.close()


def test_reads_held_together_use_one_connection_and_answer_the_same(demo_views) -> None:  # type: ignore[no-untyped-def]
    views, plan_ids = demo_views

    def read_all() -> list[object]:
        return [
            (
                history(views["plan_history"], plan_id),
                changes_since_last_conference(views["plan_history"], plan_id),
                decisions_for_plan(views["key_decisions"], plan_id, TODAY),
            )
            for plan_id in plan_ids
        ]

    pool = views["plan_history"].datastore.pool
    asked_before = pool.get_stats().get("requests_num", 0)
    separately = read_all()
    asked_separately = pool.get_stats().get("requests_num", 0) - asked_before
    with reading_together(views.values()):
        asked_before = pool.get_stats().get("requests_num", 0)
        together = read_all()
        # No connection was asked of the pool while the reads ran on the held one.
        assert pool.get_stats().get("requests_num", 0) == asked_before
    assert asked_separately >= 3 * len(plan_ids)
    assert together == separately


def test_readers_run_together_answer_as_each_run_alone(demo_views) -> None:  # type: ignore[no-untyped-def]
    views, plan_ids = demo_views
    history_view = views["plan_history"]
    # A plan whose history has no conference yet makes its reader ask a second round.
    unconvened = plan_ids[0]
    history_view.query(
        "DELETE FROM {conferences} WHERE plan_id = %(p)s RETURNING plan_id", {"p": unconvened}
    )

    def alone(plan_id):  # type: ignore[no-untyped-def]
        return [
            history(history_view, plan_id, limit=5),
            changes_since_last_conference(history_view, plan_id),
            decisions_for_plan(views["key_decisions"], plan_id, TODAY),
            progress_for_plan(views["outcome_progress"], plan_id),
            completion_by_plan(views["partner_task_completion"], plan_id),
        ]

    expected = {plan_id: alone(plan_id) for plan_id in plan_ids}
    assert expected[unconvened][1].conference is None
    assert expected[unconvened][1].entries  # the whole history, read in the second round
    with reading_together(views.values()):
        for plan_id in plan_ids:
            together = run_readers(
                [
                    history_reader(history_view, plan_id, limit=5),
                    changes_since_last_conference_reader(history_view, plan_id),
                    decisions_for_plan_reader(views["key_decisions"], plan_id, TODAY),
                    progress_for_plan_reader(views["outcome_progress"], plan_id),
                    completion_by_plan_reader(views["partner_task_completion"], plan_id),
                ]
            )
            assert together == expected[plan_id]


def test_positions_of_views_on_one_database_are_read_in_one_query_and_are_each_views_own(
    postgres_settings: Settings,
) -> None:
    cases = build_case_record(postgres_settings)
    load_demo(cases, today=TODAY, seed=5)
    views = open_views(postgres_settings)
    # Views left at different positions: some caught up in part, one not at all.
    ProjectionEngine(cases.recorder, cases.mapper, views[:3], batch_size=200).catch_up()
    ProjectionEngine(cases.recorder, cases.mapper, views[3:6], batch_size=200).catch_up(
        max_batches=2
    )
    executed: list[object] = []
    original = psycopg.Cursor.execute

    def counted(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        executed.append(query)
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = counted  # type: ignore[method-assign]
    try:
        together = positions_of(views)
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]
    assert len(executed) == 1
    assert together == {view: view.position() for view in views}
    assert len(set(together.values())) >= 3, "the views stand at different positions"
    cases.close()
