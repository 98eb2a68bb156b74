"""The front page's counts, read for a person's own plans only, agree with the lists they
summarise, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from projections.base import View
from projections.drift import drift_list, drift_of_open_plans
from projections.engine import ProjectionEngine
from projections.escalations import open_escalation_count, open_escalations
from projections.partner_task_completion import open_task_count, tasks_for
from projections.registry import open_views

TODAY = date(2026, 11, 26)


def _views(settings: Settings) -> dict[str, View]:
    cases = build_case_record(settings)
    load_demo(cases, today=TODAY, seed=11)
    views = open_views(settings)
    ProjectionEngine(cases.recorder, cases.mapper, views).catch_up()
    cases.close()
    return {view.model.name: view for view in views}


def _check_counts_agree_with_the_lists(views: dict[str, View]) -> None:
    all_plans = [
        row["plan_id"] for row in views["drift"].query("SELECT plan_id FROM {plans}", {}, None)
    ]
    every = {UUID(str(plan_id)) for plan_id in all_plans}
    some = set(sorted(every, key=str)[: len(every) // 2])
    assert len(some) > 5
    tasks = views["partner_task_completion"]
    people = tasks.query(
        "SELECT DISTINCT assignee_id, agency FROM {tasks}", {}, {"assignee_id": "uuid"}
    )
    for person in people[:6]:
        for plans in (some, every):
            listed = [
                t
                for t in tasks_for(
                    tasks,
                    assignee_id=person["assignee_id"],
                    agency=person["agency"],
                    today=TODAY,
                    plan_ids=plans,
                )
                if t.is_open
            ]
            counted = open_task_count(
                tasks,
                assignee_id=person["assignee_id"],
                agency=person["agency"],
                plan_ids=plans,
                today=TODAY,
            )
            assert counted.open == len(listed)
            assert counted.overdue == sum(t.is_overdue(TODAY) for t in listed)
    for plans in (some, every, set()):
        open_list = [e for e in open_escalations(views["escalations"], TODAY) if e.plan_id in plans]
        assert open_escalation_count(views["escalations"], plans) == len(open_list)
        drifting = {d.plan_id for d in drift_list(views["drift"], TODAY) if d.plan_id in plans}
        counted_drift = {
            d.plan_id for d in drift_of_open_plans(views["drift"], plans, TODAY) if d.flags
        }
        assert counted_drift == drifting
    assert open_escalation_count(views["escalations"], every) > 0
    assert drift_of_open_plans(views["drift"], every, TODAY)


def test_the_counts_of_ones_own_plans_agree_with_the_lists_on_sqlite(tmp_path: Path) -> None:
    _check_counts_agree_with_the_lists(_views(Settings(data_dir=tmp_path, database_url=None)))


@pytest.mark.postgres
def test_the_counts_of_ones_own_plans_agree_with_the_lists_on_postgresql(
    postgres_settings: Settings,
) -> None:
    _check_counts_agree_with_the_lists(_views(postgres_settings))
