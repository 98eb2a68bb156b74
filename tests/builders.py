"""Small builders for test data: real domain objects with believable, non-identifying values."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain.child import ChildDetails, Gender
from domain.plan import ConferenceDecision
from domain.values import Actor, Role

# A Monday that is not a bank holiday: a safe conference date.
A_MONDAY = date(2026, 3, 2)


def an_actor(
    role: Role = Role.SOCIAL_WORKER,
    agency: str = "Children's Social Care",
    user_id: UUID | None = None,
) -> Actor:
    return Actor(user_id=user_id or uuid4(), name=f"Test {role.value}", role=role, agency=agency)


def a_chair() -> Actor:
    return an_actor(Role.CONFERENCE_CHAIR, "Safeguarding Unit")


def a_practitioner(agency: str = "Health Visiting", user_id: UUID | None = None) -> Actor:
    return an_actor(Role.AGENCY_PRACTITIONER, agency, user_id)


def child_details(la_child_id: str = "LA000001") -> ChildDetails:
    return ChildDetails(
        la_child_id=la_child_id,
        given_name="Canary",
        family_name="Testchild",
        gender=Gender.FEMALE,
        date_of_birth=date(2018, 6, 1),
    )


def a_conference_decision() -> ConferenceDecision:
    return ConferenceDecision(
        rationale="Chronic neglect; home conditions and missed health appointments.",
        options_considered="Child in need plan; legal planning meeting.",
        attending_agencies=("Health Visiting", "School", "Police"),
        childs_views="Wants the house to be tidy.",
        parents_views="Accept help with the house.",
    )
