"""A partnership's escalation policy: presets, its own configuration, and the stage clocks."""

import json
from datetime import date

import pytest
from eventsourcing.persistence import JSONTranscoder

from domain.errors import EscalationPolicyError, UnknownEscalationPolicyError
from domain.escalation_policy import (
    LINCOLNSHIRE,
    LONDON,
    PRESETS,
    EscalationPolicy,
    EscalationStage,
    get_policy,
    policy_from_mapping,
)
from domain.transcodings import register_all

# Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank holidays in England.
MAUNDY_THURSDAY_2026 = date(2026, 4, 2)
# Spring bank holiday 2026: Monday 25 May.
FRIDAY_BEFORE_SPRING_BANK_HOLIDAY_2026 = date(2026, 5, 22)
A_THURSDAY = date(2026, 3, 5)

A_PARTNERSHIPS_OWN_POLICY = """
{
  "key": "exampleshire",
  "name": "Exampleshire Safeguarding Children Partnership",
  "stages": [
    {"number": 1, "name": "Practitioner to practitioner", "who": "The practitioners",
     "working_days": 3},
    {"number": 2, "name": "Designated safeguarding leads", "who": "Each agency's lead",
     "working_days": 10},
    {"number": 3, "name": "Independent scrutineer", "who": "The partnership's scrutineer",
     "working_days": null}
  ]
}
"""


def test_the_london_preset_gives_five_working_days_at_the_first_three_stages() -> None:
    policy = get_policy("london")

    clocks = [stage.working_days for stage in policy.stages]

    assert policy is LONDON
    assert clocks == [5, 5, 5, None]
    assert [stage.number for stage in policy.stages] == [1, 2, 3, 4]


def test_the_lincolnshire_preset_asks_for_an_action_plan_within_two_working_days() -> None:
    policy = get_policy("lincolnshire")

    first = policy.stage(1)

    assert policy is LINCOLNSHIRE
    assert first.working_days == 2
    assert "action plan" in first.name
    assert [stage.working_days for stage in policy.stages] == [2, 5, 2, None]


def test_both_presets_end_with_the_safeguarding_partnership_as_convened() -> None:
    last_stages = [policy.stage(policy.last_stage) for policy in PRESETS.values()]

    assert {"london", "lincolnshire"} <= set(PRESETS)
    assert all(stage.working_days is None for stage in last_stages)
    assert all("partnership" in stage.name.lower() for stage in last_stages)


def test_every_preset_is_filed_under_its_own_key() -> None:
    keys = {key: policy.key for key, policy in PRESETS.items()}

    assert all(key == policy_key for key, policy_key in keys.items())


def test_an_unknown_preset_is_refused_with_a_named_error() -> None:
    with pytest.raises(UnknownEscalationPolicyError) as refused:
        get_policy("atlantis")

    assert refused.value.rule == "escalation-policy-known"


def test_a_stage_clock_skips_the_easter_bank_holidays_and_the_weekend_between() -> None:
    due = LONDON.stage_due_on(1, MAUNDY_THURSDAY_2026)

    assert due == date(2026, 4, 13)


def test_a_two_day_stage_clock_skips_a_weekend_and_a_bank_holiday_monday() -> None:
    due = LINCOLNSHIRE.stage_due_on(1, FRIDAY_BEFORE_SPRING_BANK_HOLIDAY_2026)

    assert due == date(2026, 5, 27)


def test_a_stage_clock_skips_a_weekend() -> None:
    due = LINCOLNSHIRE.stage_due_on(1, A_THURSDAY)

    assert due == date(2026, 3, 9)


def test_a_stage_that_runs_as_convened_has_no_due_date() -> None:
    due = LONDON.stage_due_on(4, A_THURSDAY)

    assert due is None


def test_a_stage_outside_the_policy_has_no_clock_to_read() -> None:
    with pytest.raises(EscalationPolicyError):
        LONDON.stage_due_on(5, A_THURSDAY)


def test_a_partnership_can_configure_its_own_policy_from_json() -> None:
    data = json.loads(A_PARTNERSHIPS_OWN_POLICY)

    policy = policy_from_mapping(data)

    assert policy.key == "exampleshire"
    assert policy.last_stage == 3
    assert policy.stage(2).name == "Designated safeguarding leads"
    assert policy.stage_due_on(1, A_THURSDAY) == date(2026, 3, 10)
    assert policy.stage_due_on(3, A_THURSDAY) is None


def test_a_configured_stage_may_leave_out_its_number_and_its_clock() -> None:
    data = {
        "key": "smallshire",
        "name": "Smallshire Partnership",
        "stages": [
            {"name": "Practitioners", "who": "The practitioners", "working_days": 5},
            {"name": "Partnership", "who": "The partnership"},
        ],
    }

    policy = policy_from_mapping(data)

    assert [stage.number for stage in policy.stages] == [1, 2]
    assert policy.stage(2).working_days is None


def test_a_policy_comes_back_from_storage_equal_with_its_stages_as_a_tuple() -> None:
    transcoder = JSONTranscoder()
    register_all(transcoder)

    stored = transcoder.decode(transcoder.encode({"policy": LINCOLNSHIRE}))

    assert stored["policy"] == LINCOLNSHIRE
    assert isinstance(stored["policy"].stages, tuple)


def _stage(number: int = 1, working_days: object = 5, name: str = "Stage", who: str = "Someone"):
    return {"number": number, "name": name, "who": who, "working_days": working_days}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"key": "k", "name": "N", "stages": []}, id="no stages"),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(2)]}, id="not starting at 1"),
        pytest.param(
            {"key": "k", "name": "N", "stages": [_stage(1), _stage(3)]}, id="a stage skipped"
        ),
        pytest.param(
            {"key": "k", "name": "N", "stages": [_stage(2), _stage(1)]}, id="out of order"
        ),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(1, 0)]}, id="zero working days"),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(1, -2)]}, id="negative days"),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(1, "5")]}, id="days as text"),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(1, True)]}, id="days as bool"),
        pytest.param({"key": "k", "name": "N", "stages": [_stage(name=" ")]}, id="blank name"),
        pytest.param({"key": "k", "name": "N", "stages": [{"name": "S"}]}, id="no who"),
        pytest.param({"key": "k", "name": "N", "stages": "1,2,3"}, id="stages not a list"),
        pytest.param({"key": "k", "name": "N", "stages": [5]}, id="stage not an object"),
        pytest.param({"name": "N", "stages": [_stage()]}, id="no key"),
        pytest.param({"key": "", "name": "N", "stages": [_stage()]}, id="blank key"),
    ],
)
def test_a_policy_that_could_not_be_followed_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(EscalationPolicyError) as refused:
        policy_from_mapping(data)

    assert refused.value.rule == "escalation-policy-valid"


def test_a_policy_built_in_code_is_checked_just_like_configuration() -> None:
    with pytest.raises(EscalationPolicyError):
        EscalationPolicy(key="k", name="N", stages=())


def test_a_stage_built_in_code_is_checked_just_like_configuration() -> None:
    with pytest.raises(EscalationPolicyError):
        EscalationStage(number=1, name="Stage", who="Someone", working_days=0)
