"""A safeguarding partnership's escalation policy: the stages a professional disagreement climbs.

Every partnership publishes its own stage model, with its own names and clocks, so the model is
configuration rather than code: presets for the published policies we know, and
`policy_from_mapping` for a partnership that configures its own from JSON. An escalation stores
the whole policy it was raised under (`domain.escalation`), so changing the configuration later
never moves the clock of a disagreement already under way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.calendar import add_working_days
from domain.errors import EscalationPolicyError, UnknownEscalationPolicyError
from domain.transcodings import stored_value


def _is_int(value: object) -> bool:
    # JSON configuration can carry `true` where a number was meant; a bool is not a day count.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


@stored_value("EscalationStage")
@dataclass(frozen=True)
class EscalationStage:
    """One step of the policy: who now tries to resolve the disagreement, and how long they have.

    `working_days` is None for a stage that runs "as convened" (typically the partnership's
    independent chair or practice review group): it has no clock, so it is never overdue.
    """

    number: int
    name: str
    who: str
    working_days: int | None

    def __post_init__(self) -> None:
        if not _is_int(self.number) or self.number < 1:
            raise EscalationPolicyError("Escalation stages are numbered from 1.")
        if not _is_text(self.name) or not _is_text(self.who):
            raise EscalationPolicyError(
                f"Stage {self.number} needs a name and says who resolves it."
            )
        if self.working_days is not None and (
            not _is_int(self.working_days) or self.working_days < 1
        ):
            raise EscalationPolicyError(
                f"Stage {self.number} runs for at least one working day, or as convened."
            )


@stored_value("EscalationPolicy")
@dataclass(frozen=True)
class EscalationPolicy:
    """A partnership's stage model. Stages run 1..n in order: an escalation only ever climbs."""

    key: str
    name: str
    stages: tuple[EscalationStage, ...]

    def __post_init__(self) -> None:
        if not _is_text(self.key) or not _is_text(self.name):
            raise EscalationPolicyError("An escalation policy needs a key and a name.")
        if not self.stages:
            raise EscalationPolicyError(f"Escalation policy {self.key!r} needs at least one stage.")
        for position, stage in enumerate(self.stages, start=1):
            if not isinstance(stage, EscalationStage) or stage.number != position:
                raise EscalationPolicyError(
                    f"Escalation policy {self.key!r}: stages are numbered 1 to "
                    f"{len(self.stages)} in order; position {position} is out of order."
                )

    @property
    def last_stage(self) -> int:
        """Beyond this stage there is nobody left to escalate to."""
        return len(self.stages)

    def stage(self, number: int) -> EscalationStage:
        if not 1 <= number <= self.last_stage:
            raise EscalationPolicyError(
                f"Escalation policy {self.key!r} has stages 1 to {self.last_stage}, not {number}."
            )
        return self.stages[number - 1]

    def stage_due_on(self, stage_number: int, started_on: date) -> date | None:
        """When a stage that started on `started_on` should be resolved, in working days in
        England; None for a stage that runs as convened."""
        working_days = self.stage(stage_number).working_days
        if working_days is None:
            return None
        return add_working_days(started_on, working_days)


LONDON = EscalationPolicy(
    key="london",
    name="London Safeguarding Children Procedures",
    stages=(
        EscalationStage(
            number=1,
            name="Practitioner to practitioner",
            who="The practitioners who disagree, talking directly to each other",
            working_days=5,
        ),
        EscalationStage(
            number=2,
            name="Line manager to line manager",
            who="Each practitioner's line manager or designated safeguarding lead",
            working_days=5,
        ),
        EscalationStage(
            number=3,
            name="Senior managers",
            who="Senior managers or heads of service in each agency",
            working_days=5,
        ),
        EscalationStage(
            number=4,
            name="Safeguarding partnership",
            who="The safeguarding partnership: independent chair or practice review group",
            working_days=None,
        ),
    ),
)

LINCOLNSHIRE = EscalationPolicy(
    key="lincolnshire",
    name="Lincolnshire Safeguarding Children Partnership",
    stages=(
        EscalationStage(
            number=1,
            name="Practitioner to practitioner: action plan agreed",
            who="The practitioners who disagree, agreeing an action plan between them",
            working_days=2,
        ),
        EscalationStage(
            number=2,
            name="Line managers",
            who="Each practitioner's line manager or designated safeguarding lead",
            working_days=5,
        ),
        EscalationStage(
            number=3,
            name="Senior managers",
            who="Senior managers or heads of service in each agency",
            working_days=2,
        ),
        EscalationStage(
            number=4,
            name="Safeguarding partnership",
            who="The safeguarding partnership: independent chair or practice review group",
            working_days=None,
        ),
    ),
)

PRESETS: dict[str, EscalationPolicy] = {policy.key: policy for policy in (LONDON, LINCOLNSHIRE)}


def get_policy(key: str) -> EscalationPolicy:
    """The preset a partnership has chosen, by its key."""
    try:
        return PRESETS[key]
    except KeyError:
        raise UnknownEscalationPolicyError(
            f"There is no escalation policy preset {key!r}; presets: {', '.join(sorted(PRESETS))}."
        ) from None


def policy_from_mapping(data: Mapping[str, Any]) -> EscalationPolicy:
    """A partnership's own policy from its JSON configuration.

    Shape: `{"key": ..., "name": ..., "stages": [{"number": 1, "name": ..., "who": ...,
    "working_days": 5}, ...]}`. A stage's `number` may be left out (it is then its position);
    `"working_days": null` (or leaving it out) means the stage runs as convened. Anything
    malformed raises `EscalationPolicyError`, never a bare `KeyError` or `TypeError`.
    """
    if not isinstance(data, Mapping):
        raise EscalationPolicyError("An escalation policy is a JSON object.")
    missing = [name for name in ("key", "name", "stages") if name not in data]
    if missing:
        raise EscalationPolicyError(f"An escalation policy needs {', '.join(missing)}.")
    raw_stages = data["stages"]
    if not isinstance(raw_stages, Sequence) or isinstance(raw_stages, str | bytes):
        raise EscalationPolicyError("An escalation policy's stages are a list.")
    stages = tuple(
        _stage_from_mapping(raw, position) for position, raw in enumerate(raw_stages, start=1)
    )
    return EscalationPolicy(key=data["key"], name=data["name"], stages=stages)


def _stage_from_mapping(raw: Any, position: int) -> EscalationStage:
    if not isinstance(raw, Mapping):
        raise EscalationPolicyError(f"Stage at position {position} is not a JSON object.")
    missing = [name for name in ("name", "who") if name not in raw]
    if missing:
        raise EscalationPolicyError(f"Stage at position {position} needs {', '.join(missing)}.")
    return EscalationStage(
        number=raw.get("number", position),
        name=raw["name"],
        who=raw["who"],
        working_days=raw.get("working_days"),
    )
