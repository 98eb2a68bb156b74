"""How dates, enumerations and value objects are stored inside events and snapshots.

The library's JSON transcoder only knows UUID, Decimal and datetime. Every other type that appears
in an event or in an aggregate's snapshot state is registered here, by a *stored name* that, like
an event's topic, is part of the stored contract (docs/events.md): renaming a class is fine,
changing its stored name is a data migration.

Value objects declare themselves with `@stored_value("Name")`; enumerations with
`@stored_enum("Name")`. Tuples come back from JSON as lists, so fields annotated as tuples are
turned back into tuples when a value object is decoded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

T = TypeVar("T")

_VALUES: dict[str, type[Any]] = {}
_ENUMS: dict[str, type[Enum]] = {}


def stored_value(name: str) -> Callable[[type[T]], type[T]]:
    """Register a (frozen or mutable) dataclass to be stored under `name`."""

    def register(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        if _VALUES.get(name, cls) is not cls:
            raise ValueError(f"stored name {name!r} is already taken")
        _VALUES[name] = cls
        return cls

    return register


def stored_enum(name: str) -> Callable[[type[T]], type[T]]:
    """Register an enumeration to be stored by its value under `name`."""

    def register(cls: type[T]) -> type[T]:
        if not (isinstance(cls, type) and issubclass(cls, Enum)):
            raise TypeError(f"{cls!r} is not an Enum")
        if _ENUMS.get(name, cls) is not cls:
            raise ValueError(f"stored name {name!r} is already taken")
        _ENUMS[name] = cls
        return cls

    return register


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, name: str, enum: type[Enum]) -> None:
        self.type = enum
        self.name = name

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        enum: type[Enum] = self.type
        return enum(data)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


class DataclassAsDict(Transcoding):
    def __init__(self, name: str, cls: type[Any]) -> None:
        self.type = cls
        self.name = name
        self._fields = [f.name for f in dataclasses.fields(cls)]
        self._defaults: dict[str, Callable[[], Any]] = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                self._defaults[f.name] = _constant(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                self._defaults[f.name] = f.default_factory
        self._tuple_fields = {
            f.name for f in dataclasses.fields(cls) if str(f.type).startswith("tuple")
        }

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        """Rebuild the value as stored, without running its validation again: a rule tightened
        later must never make old records unreadable."""
        for name in self._tuple_fields:
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        value: Any = object.__new__(self.type)
        for name in self._fields:
            stored = data[name] if name in data else self._defaults[name]()
            object.__setattr__(value, name, stored)
        return value


class ActorAsList(Transcoding):
    """Every event carries an actor, so it is stored compactly: one JSON list, one decode."""

    name = "Actor"

    def __init__(self) -> None:
        from domain.values import Actor

        self.type = Actor

    def encode(self, obj: Any) -> list[str]:
        return [obj.user_id.hex, obj.name, obj.role.value, obj.agency]

    def decode(self, data: list[str]) -> Any:
        from domain.values import Actor, Role

        user_id, name, role, agency = data
        return Actor(UUID(user_id), name, Role(role), agency)


def register_all(transcoder: JSONTranscoder) -> None:
    """Register dates and every declared enumeration and value object with `transcoder`."""
    # Importing the aggregate modules declares their value types.
    import domain.agency_task
    import domain.child
    import domain.core_group
    import domain.escalation
    import domain.escalation_policy
    import domain.plan
    import domain.values  # noqa: F401

    transcoder.register(DateAsISO())
    transcoder.register(ActorAsList())
    for name, enum in _ENUMS.items():
        transcoder.register(EnumAsValue(name, enum))
    for name, cls in _VALUES.items():
        transcoder.register(DataclassAsDict(name, cls))


def stored_types() -> dict[str, type[Any]]:
    """Every stored name with its type (for docs and contract tests)."""
    return {**_ENUMS, **_VALUES}
