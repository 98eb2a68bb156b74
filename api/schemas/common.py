"""Shapes shared by every resource."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.values import Role

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Score = Annotated[
    int,
    Field(ge=0, le=10, description="0 = danger certain to recur, 10 = safe enough to end the plan"),
]


EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
Day = Annotated[
    date,
    Field(
        ge=EARLIEST_DAY,
        le=LATEST_DAY,
        description="A day from 1900-01-01 to 2199-12-31.",
    ),
]
"""A day the record can hold. The clocks count on from recorded days (reviews six months on,
meetings weeks on, escalation stages in working days), so a day near the end of the calendar
would break them; none of the record's days lies outside these centuries."""


class Command(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Accepted(BaseModel):
    """A change was recorded: where it sits in the log and the record's new version (its ETag).
    Pass `position` as `min_position` to a read to see the change reflected."""

    position: int
    version: int


class Created(BaseModel):
    id: UUID
    position: int
    version: int


class ActorOut(BaseModel):
    user_id: UUID
    name: str
    role: Role
    agency: str
