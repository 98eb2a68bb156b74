"""The stored event contract in docs/events.md says what the code stores, and keeps saying it.

Event names, field names and stored names are read back from the log for as long as a record is
kept, so the page that describes them is checked against the classes themselves: a new event, a
new field or a new stored type fails here until it is documented. Alongside: event names stay in
the past tense, every error names its own rule, and every test docs/domain.md cites as proof of a
rule exists.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from enum import Enum
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

import domain.errors
from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import CoreGroup
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from domain.transcodings import stored_types
from domain.values import Actor

TESTS = Path(__file__).resolve().parents[1]
EVENTS_MD = TESTS.parent / "docs" / "events.md"
DOMAIN_MD = TESTS.parent / "docs" / "domain.md"
# `unit/test_plan.py::test_x`, then `::test_y` for another test in the same file;
# `properties/test_plan_rules.py::PlanRules.invariant` for a state machine's invariant.
TEST_REFERENCE = re.compile(r"`(\w+/test_\w+\.py)?::(\w+)(?:\.(\w+))?`")
# Importing the five aggregate modules (above) declares every stored type.
STREAMS: tuple[type[Aggregate], ...] = (
    Child,
    ChildProtectionPlan,
    CoreGroup,
    AgencyTask,
    Escalation,
)
LIBRARY_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
EVENT_HEADING = re.compile(r"^### `(\w+)\.(\w+)`\s*$")
TYPE_HEADING = re.compile(r"^### `(\w+)`\s*$")
FIELD_ROW = re.compile(r"^\| `(\w+)` \|")

# English past participles that do not end in -ed. Each is used by at least one event.
IRREGULAR_PAST_PARTICIPLES = {"Held", "Left", "Sent", "Set", "Withdrawn"}
# Names where the participle leads and its object follows ("moved to the next stage"): turning
# them round ("NextStageMovedTo") would read worse. The first word must still end in -ed.
PARTICIPLE_FIRST = {"MovedToNextStage"}

# The bases a caller catches; only the concrete errors below them name a rule.
ABSTRACT_ERRORS = {
    domain.errors.DomainError,
    domain.errors.InvalidRecordError,
    domain.errors.StateConflictError,
}


def event_classes() -> dict[str, type]:
    """`Stream.EventName` for every event of the five streams, less the library's bases."""
    found: dict[str, type] = {}
    for stream in STREAMS:
        for name, value in vars(stream).items():
            is_event = inspect.isclass(value) and issubclass(value, stream.Event)
            # `Event` and `Created` are the library's bases, redefined on every aggregate.
            if is_event and name not in {"Event", "Created"}:
                found[f"{stream.__name__}.{name}"] = value
    return found


def stored_fields(event_class: type) -> list[str]:
    return [f.name for f in dataclasses.fields(event_class) if f.name not in LIBRARY_FIELDS]


def sections(heading: re.Pattern[str]) -> dict[str, list[str]]:
    """The lines under each `###` heading matching `heading`, up to the next heading."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in EVENTS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            match = heading.match(line)
            current = None
            if match:
                current = found.setdefault(".".join(match.groups()), [])
            continue
        if current is not None:
            current.append(line)
    return found


def rows(lines: list[str]) -> list[str]:
    return [match.group(1) for line in lines if (match := FIELD_ROW.match(line))]


def camel_words(name: str) -> list[str]:
    return re.findall(r"[A-Z][a-z0-9]*", name)


def documented_types() -> dict[str, type]:
    """Every stored name the contract describes field by field or value by value."""
    return {**stored_types(), "Actor": Actor}


def error_classes() -> list[type[domain.errors.DomainError]]:
    return [
        value
        for value in vars(domain.errors).values()
        if inspect.isclass(value)
        and issubclass(value, domain.errors.DomainError)
        and value.__module__ == domain.errors.__name__
        and value not in ABSTRACT_ERRORS
    ]


def referenced_tests() -> list[tuple[str, str | None, str]]:
    """Every test docs/domain.md names as proof of a rule, as (file, class or None, function)."""
    found: list[tuple[str, str | None, str]] = []
    current = ""
    for match in TEST_REFERENCE.finditer(DOMAIN_MD.read_text(encoding="utf-8")):
        path, first, second = match.groups()
        current = path or current
        found.append((current, first, second) if second else (current, None, first))
    return found


EVENTS = event_classes()
REFERENCED_TESTS = referenced_tests()
EVENT_SECTIONS = sections(EVENT_HEADING)
TYPE_SECTIONS = sections(TYPE_HEADING)


def test_the_five_streams_have_events_to_document():
    assert len(EVENTS) > 5
    assert "ChildProtectionPlan.OutcomeAgreed" in EVENTS


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_event_has_its_own_heading_in_the_contract(name: str):
    assert name in EVENT_SECTIONS, f"docs/events.md has no heading ### `{name}`"


def test_every_event_heading_in_the_contract_names_a_real_event():
    unknown = sorted(set(EVENT_SECTIONS) - set(EVENTS))

    assert not unknown, f"docs/events.md documents events that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_field_of_an_event_has_a_row_in_its_section(name: str):
    documented = rows(EVENT_SECTIONS.get(name, []))

    missing = [field for field in stored_fields(EVENTS[name]) if field not in documented]

    assert not missing, f"{name}: fields without a row in docs/events.md: {missing}"


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_row_in_an_events_section_names_one_of_its_fields(name: str):
    documented = rows(EVENT_SECTIONS.get(name, []))

    stale = [field for field in documented if field not in stored_fields(EVENTS[name])]

    assert not stale, f"{name}: rows for fields the event does not have: {stale}"
    assert len(documented) == len(set(documented)), f"{name}: a field is documented twice"


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_events_section_states_its_stored_topic(name: str):
    text = "\n".join(EVENT_SECTIONS.get(name, []))

    assert f"`{get_topic(EVENTS[name])}`" in text


def test_every_event_carries_who_recorded_it():
    without_by = sorted(name for name, cls in EVENTS.items() if "by" not in stored_fields(cls))

    assert not without_by


@pytest.mark.parametrize("stored_name", sorted([*stored_types(), "date", "Actor"]))
def test_every_stored_name_is_described_in_the_contract(stored_name: str):
    assert stored_name in TYPE_SECTIONS, f"docs/events.md has no heading ### `{stored_name}`"


@pytest.mark.parametrize("stored_name", sorted(documented_types()))
def test_every_stored_value_or_member_is_listed_under_its_stored_name(stored_name: str):
    stored = documented_types()[stored_name]
    documented = rows(TYPE_SECTIONS.get(stored_name, []))

    if issubclass(stored, Enum):
        expected = [str(member.value) for member in stored]
    else:
        expected = [f.name for f in dataclasses.fields(stored)]

    assert sorted(documented) == sorted(expected)


def test_every_type_heading_in_the_contract_names_a_stored_type():
    unknown = sorted(set(TYPE_SECTIONS) - {*stored_types(), "date", "Actor"})

    assert not unknown, f"docs/events.md describes stored names that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted({name.split(".")[1] for name in EVENTS}))
def test_every_event_name_says_what_happened_in_the_past_tense(name: str):
    words = camel_words(name)

    if name in PARTICIPLE_FIRST:
        assert words[0].endswith("ed")
    else:
        assert words[-1].endswith("ed") or words[-1] in IRREGULAR_PAST_PARTICIPLES


def test_the_past_tense_exceptions_are_all_in_use():
    last_words = {camel_words(name.split(".")[1])[-1] for name in EVENTS}
    event_names = {name.split(".")[1] for name in EVENTS}

    assert last_words >= IRREGULAR_PAST_PARTICIPLES
    assert event_names >= PARTICIPLE_FIRST


@pytest.mark.parametrize("error", error_classes(), ids=lambda error: error.__name__)
def test_every_error_names_its_own_rule(error: type[domain.errors.DomainError]):
    assert "rule" in vars(error), f"{error.__name__} inherits its rule instead of naming one"
    assert error.rule.strip()
    assert error.rule != domain.errors.DomainError.rule


def test_no_two_errors_name_the_same_rule():
    by_rule: dict[str, list[str]] = {}
    for error in error_classes():
        by_rule.setdefault(error.rule, []).append(error.__name__)

    shared = {rule: names for rule, names in by_rule.items() if len(names) > 1}

    assert not shared


def test_the_domain_page_names_tests_as_proof_of_its_rules():
    assert len(REFERENCED_TESTS) > 20


@pytest.mark.parametrize(("path", "owner", "name"), REFERENCED_TESTS, ids=lambda part: part or "-")
def test_every_test_the_domain_page_names_exists(path: str, owner: str | None, name: str):
    source = (TESTS / path).read_text(encoding="utf-8") if (TESTS / path).is_file() else ""

    assert f"def {name}(" in source, f"docs/domain.md names {path}::{name}, which does not exist"
    if owner is not None:
        assert f"class {owner}(" in source
