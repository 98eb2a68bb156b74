"""Every event type goes into SQLite and PostgreSQL and comes back as it went in, cipher on;
and with the cipher on, a child's name never appears in the stored bytes."""

from __future__ import annotations

import pytest

from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import CoreGroup
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from tests.integration.backends import open_case_record, raw_stored_bytes, settings_for
from tests.scenarios import CANARY_NAME, a_whole_plan_history

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
STREAMS = (Child, ChildProtectionPlan, CoreGroup, AgencyTask, Escalation)


def every_event_class() -> set[type]:
    classes = set()
    for stream in STREAMS:
        for value in vars(stream).values():
            is_event = isinstance(value, type) and issubclass(value, stream.Event)
            # `Event` and `Created` are the library's bases, redefined on every aggregate.
            if is_event and value.__name__ not in {"Event", "Created"}:
                classes.add(value)
    return classes


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgres":
        return request.param, request.getfixturevalue("postgres_schema")
    return request.param, None


def test_every_event_type_round_trips_with_the_cipher_on(backend, tmp_path):
    name, postgres = backend
    settings = settings_for(name, tmp_path, postgres, cipher=True)
    cases = open_case_record(settings)
    a_whole_plan_history(cases)
    written = list(cases.recorder.select_notifications(start=1, limit=10_000))
    cases.close()

    reopened = open_case_record(settings)
    read_back = list(reopened.recorder.select_notifications(start=1, limit=10_000))
    events = [reopened.mapper.to_domain_event(n) for n in read_back]

    assert {type(e) for e in events} >= every_event_class()
    assert [n.id for n in read_back] == [n.id for n in written]
    for domain_event in events:
        stream = reopened.repository.get(domain_event.originator_id)
        assert isinstance(stream, STREAMS)
    reopened.close()


def test_streams_reload_equal_to_what_was_saved(backend, tmp_path):
    name, postgres = backend
    settings = settings_for(name, tmp_path, postgres, cipher=True)
    cases = open_case_record(settings)
    story = a_whole_plan_history(cases)
    ids = [
        story.child_id,
        story.plan_id,
        story.core_group_id,
        *story.task_ids,
        *story.escalation_ids,
    ]
    before = {i: _state(cases.repository.get(i)) for i in ids}
    cases.close()

    reopened = open_case_record(settings)
    after = {i: _state(reopened.repository.get(i)) for i in ids}
    reopened.close()

    assert after == before


def test_a_childs_name_never_appears_in_the_stored_bytes_when_the_cipher_is_on(backend, tmp_path):
    name, postgres = backend
    settings = settings_for(name, tmp_path, postgres, cipher=True)
    cases = open_case_record(settings)

    a_whole_plan_history(cases)
    cases.close()

    assert CANARY_NAME.encode() not in raw_stored_bytes(settings)


def test_without_the_cipher_the_childs_name_is_in_the_stored_bytes(backend, tmp_path):
    """The check above can fail: the same story without a key leaves the name readable."""
    name, postgres = backend
    settings = settings_for(name, tmp_path, postgres, cipher=False)
    cases = open_case_record(settings)

    a_whole_plan_history(cases)
    cases.close()

    assert CANARY_NAME.encode() in raw_stored_bytes(settings)


def _state(aggregate):
    return {k: v for k, v in aggregate.__dict__.items() if k != "_pending_events"}
