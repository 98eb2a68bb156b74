"""The demo authority loads through the real commands and holds plans at every stage."""

from __future__ import annotations

from datetime import date

from domain.child import Child
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

TODAY = date(2026, 11, 26)


def _streams(cases, cls):
    seen = {}
    for notification in cases.recorder.select_notifications(start=1, limit=100_000):
        if notification.topic.startswith(f"{cls.__module__}:{cls.__qualname__}."):
            seen[notification.originator_id] = None
    return [cases.repository.get(i) for i in seen]


def test_the_demo_authority_has_plans_at_every_stage(tmp_path):
    cases = build_case_record(Settings(data_dir=tmp_path, database_url=None))

    summary = load_demo(cases, today=TODAY)

    children = _streams(cases, Child)
    plans = _streams(cases, ChildProtectionPlan)
    escalations = _streams(cases, Escalation)
    assert "40 children" in summary
    assert len(children) == 40
    assert any(len(c.protection_plans) > 1 for c in children), "a repeat plan"
    assert any(c.expected_date_of_birth for c in children), "a pre-birth plan"
    assert any(c.child_in_need_plans and c.open_child_in_need_plan for c in children), "step-down"
    assert any(p.ended_on for p in plans), "an ended plan"
    assert any(p.is_open for p in plans), "an open plan"
    assert any(p.reviews for p in plans if p.is_open), "a reviewed plan"
    assert any(p.letters_of_concern for p in plans), "a letter of concern"
    assert {e.stage for e in escalations if e.is_open} == {1, 2, 3, 4}
    assert any(not e.is_open for e in escalations), "a resolved escalation"
    assert all(sum(p.end_on is None for p in c.protection_plans) <= 1 for c in children)
    cases.close()
