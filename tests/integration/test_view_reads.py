"""Reads of views on PostgreSQL: one statement each on an autocommit connection, and within
`reading_together` one pooled connection for all of them, with the same answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from projections.base import reading_together
from projections.engine import ProjectionEngine
from projections.key_decisions import decisions_for_plan
from projections.plan_history import changes_since_last_conference, history
from projections.registry import open_views

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 26)


def test_reads_held_together_use_one_connection_and_answer_the_same(
    tmp_path: Path, postgres_schema: tuple[str, str]
) -> None:
    url, schema = postgres_schema
    settings = Settings(data_dir=tmp_path, database_url=url, database_schema=schema)
    cases = build_case_record(settings)
    load_demo(cases, today=TODAY, seed=3)
    views = {view.model.name: view for view in open_views(settings)}
    ProjectionEngine(cases.recorder, cases.mapper, list(views.values())).catch_up()
    plan_ids = [
        row["plan_id"]
        for row in views["key_decisions"].query("SELECT plan_id FROM {plans} ORDER BY plan_id")
    ]
    assert len(plan_ids) > 10

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
    cases.close()
