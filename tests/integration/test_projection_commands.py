"""`goldenthread projections status | rebuild | verify` on the demo authority."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from goldenthread.cli import app
from goldenthread.demo import load_demo
from goldenthread.rebuild import rebuild
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine
from projections.registry import READ_MODELS


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDENTHREAD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOLDENTHREAD_DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path, database_url=None)
    cases = build_case_record(settings)
    load_demo(cases, today=date(2026, 11, 26))
    head = cases.recorder.max_notification_id()
    cases.close()
    return settings, head


def test_verify_passes_on_the_demo_data(demo):
    _settings, head = demo

    result = CliRunner().invoke(app, ["projections", "verify"])

    assert result.exit_code == 0, result.output
    assert f"All {len(READ_MODELS)} views equal a fresh rebuild at position {head}" in result.output


def test_verify_reports_a_view_that_differs_from_a_rebuild_and_fails(demo):
    settings, _ = demo
    CliRunner().invoke(app, ["projections", "rebuild", "--jobs", "1"])
    cases = build_case_record(settings)
    view = build_projection_engine(settings, cases, ["partner_task_completion"]).views[0]
    with view.datastore.transaction(commit=True) as cursor:
        cursor.execute("UPDATE partner_task_completion_tasks SET status = 'completed'")
    cases.close()

    result = CliRunner().invoke(app, ["projections", "verify", "partner_task_completion"])

    assert result.exit_code == 1
    assert "partner_task_completion.tasks" in result.output
    assert "only in the live view" in result.output


def test_status_shows_each_views_lag_then_none_after_a_rebuild(demo):
    _, head = demo

    before = CliRunner().invoke(app, ["projections", "status"])
    rebuilt = CliRunner().invoke(app, ["projections", "rebuild", "--jobs", "1"])
    after = CliRunner().invoke(app, ["projections", "status"])

    assert _table(before.output)["plan_history"] == [0, head]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _table(after.output)["plan_history"] == [head, 0]
    assert len(_table(after.output)) == len(READ_MODELS)


def test_a_rebuild_in_two_processes_equals_one_in_a_single_process(demo, tmp_path):
    settings, head = demo
    rebuild(settings, jobs=1)
    cases = build_case_record(settings)
    single = {v.model.name: v.all_rows() for v in build_projection_engine(settings, cases).views}

    assert rebuild(settings, jobs=2) == head

    parallel = {v.model.name: v.all_rows() for v in build_projection_engine(settings, cases).views}
    assert parallel == single
    cases.close()


def _table(output: str) -> dict[str, list[int]]:
    rows = [line.split() for line in output.splitlines()[1:] if not line.startswith("(")]
    return {row[0]: [int(row[1]), int(row[2])] for row in rows}
