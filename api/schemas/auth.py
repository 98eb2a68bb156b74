"""Signing in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Command, ShortText
from domain.values import Role


class SignIn(Command):
    username: ShortText
    password: ShortText


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class Me(BaseModel):
    user_id: UUID
    username: str
    name: str
    role: Role
    agency: str
    team: str
    safeguarding_unit: bool


class AccessRecordOut(BaseModel):
    at: datetime
    user_id: UUID
    user_name: str
    role: str
    action: str
    record_type: str
    record_id: str
    child_id: str | None
    address: str
