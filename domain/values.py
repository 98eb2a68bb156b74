"""Value objects and vocabularies shared by more than one stream.

Enumerations are plain `Enum`s with string values (not `StrEnum`): the JSON transcoder only calls
a registered transcoding for types it cannot serialise itself, so a `StrEnum` would be stored as a
bare string and come back untyped. See `domain.transcodings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from domain.transcodings import stored_enum, stored_value


@stored_enum("Role")
class Role(Enum):
    """What a person does in the process: it drives access and is recorded on every event."""

    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    CONFERENCE_CHAIR = "conference_chair"
    AGENCY_PRACTITIONER = "agency_practitioner"
    PARTNERSHIP_ANALYST = "partnership_analyst"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Actor:
    """Who did something: every event carries one, so the record says who decided, not just what."""

    user_id: UUID
    name: str
    role: Role
    agency: str


@stored_enum("CategoryOfAbuse")
class CategoryOfAbuse(Enum):
    """Categories of abuse with their Children in Need census codes (`MUL` is discouraged)."""

    NEGLECT = "NEG"
    PHYSICAL = "PHY"
    SEXUAL = "SAB"
    EMOTIONAL = "EMO"
    MULTIPLE = "MUL"


@stored_enum("ParentalEngagement")
class ParentalEngagement(Enum):
    """How far parents or carers are working with the plan, recorded at each meeting."""

    ENGAGED = "engaged"
    PARTIALLY_ENGAGED = "partially_engaged"
    NOT_ENGAGED = "not_engaged"


@stored_value("Dissent")
@dataclass(frozen=True)
class Dissent:
    """A recorded disagreement with a conference decision: who disagreed and why."""

    by_name: str
    agency: str
    reason: str


MIN_SCORE = 0
MAX_SCORE = 10
"""Outcome progress is rated 0-10, Signs of Safety style: 0 = the danger is certain to recur,
10 = everyone agrees the child is safe enough to end the plan."""
