"""Decoding stored events for the read side, faster than the library's generic mapper.

A rebuild decodes every event of the log, and with the library's `Mapper` that costs more than
reading it: the standard `json` module calls a Python hook for every object, and each hook builds
a fresh `UUID`, `Actor` or enum member. The read side decodes the same stored names (the contract
in `domain.transcodings`) with `orjson` and a walk over the few typed values, reusing immutable
values it has already built (the same plan id, the same worker, the same date), so an event costs
a fraction of the mapper's time.

The result is exactly what `Mapper.to_domain_event` returns (same class, same attribute values;
`tests/integration/test_event_decoding.py` checks this over the whole demo authority). Anything
unusual (a cipher or compressor, a stored name with no fast path, state `orjson` refuses, an
upcast) is handed to the mapper itself, so correctness never depends on the fast path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.transcodings import ActorAsList, EnumAsValue

CACHE_LIMIT = 200_000
"""Values kept per kind for reuse; a cache past this size is emptied (a rebuild's working set of
ids, people and dates is far smaller)."""


class _UnsupportedError(Exception):
    """The fast path cannot decode this state: use the mapper."""


def _cached(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Reuse the value built from equal stored data (only for immutable values)."""
    cache: dict[Any, Any] = {}

    def decode(data: Any) -> Any:
        key = tuple(data) if type(data) is list else data
        try:
            return cache[key]
        except KeyError:
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            value = cache[key] = build(data)
            return value

    return decode


class EventDecoder:
    """`decode(notification)` gives the domain event `mapper.to_domain_event` would give."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper
        self._plain = mapper.cipher is None and mapper.compressor is None
        transcoder = mapper.transcoder
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._leaves: dict[str, Callable[[Any], Any]] = {}
        """Decoders of values whose stored data holds no typed value inside (ids, dates, enum
        members, actors): decoded without walking their data."""
        if isinstance(transcoder, JSONTranscoder):
            for name, transcoding in transcoder.names.items():
                fast, leaf = _fast_decoder(transcoding)
                self._decoders[name] = fast
                if leaf:
                    self._leaves[name] = fast
        else:
            self._plain = False
        self._uuid = _cached(UUID)
        self._classes: dict[str, type[Any] | None] = {}

    def decode(self, stored: StoredEvent | Notification) -> Any:
        return self.decode_parts(
            stored.topic, stored.state, stored.originator_id, stored.originator_version
        )

    def decode_parts(
        self, topic: str, state: bytes, originator_id: UUID | str, originator_version: int
    ) -> Any:
        """The domain event stored with this topic, state, originator id and version."""
        cls = self._class(topic) if self._plain else None
        if cls is None:
            return self._with_mapper(topic, state, originator_id, originator_version)
        try:
            attributes = orjson.loads(state)
            if type(attributes) is not dict or "class_version" in attributes:
                raise _UnsupportedError
            leaves, convert = self._leaves, self._convert
            for key, value in attributes.items():
                kind = type(value)
                if kind is dict:
                    leaf = leaves.get(value.get("_type_"))
                    if leaf is not None and len(value) == 2:
                        attributes[key] = leaf(value["_data_"])
                    else:
                        attributes[key] = convert(value)
                elif kind is list:
                    attributes[key] = convert(value)
        except (_UnsupportedError, orjson.JSONDecodeError):
            return self._with_mapper(topic, state, originator_id, originator_version)
        attributes["originator_id"] = (
            originator_id if type(originator_id) is UUID else self._uuid(originator_id)
        )
        attributes["originator_version"] = originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", attributes)
        return event

    def _with_mapper(
        self, topic: str, state: bytes, originator_id: UUID | str, originator_version: int
    ) -> Any:
        stored = StoredEvent(originator_id, originator_version, topic, bytes(state))
        return self.mapper.to_domain_event(stored)

    def _class(self, topic: str) -> type[Any] | None:
        """The event class of a topic, or None where the mapper must decode it (an event class
        that upcasts from older versions)."""
        try:
            return self._classes[topic]
        except KeyError:
            cls = resolve_topic(topic)
            usable = getattr(cls, "class_version", 1) == 1
            self._classes[topic] = cls if usable else None
            return self._classes[topic]

    def _convert(self, value: Any) -> Any:
        """Decode typed values inside `value` bottom-up, as the JSON object hook would."""
        convert = self._convert
        if type(value) is list:
            return [convert(v) if type(v) is dict or type(v) is list else v for v in value]
        name = value.get("_type_")
        if name is not None and len(value) == 2 and "_data_" in value:
            leaf = self._leaves.get(name)
            if leaf is not None:
                return leaf(value["_data_"])
            try:
                decoder = self._decoders[name]
            except KeyError:
                raise _UnsupportedError from None
            data = value["_data_"]
            return decoder(convert(data) if type(data) is dict or type(data) is list else data)
        for key, inner in value.items():
            if type(inner) is dict or type(inner) is list:
                value[key] = convert(inner)
        return value


def _fast_decoder(transcoding: Any) -> tuple[Callable[[Any], Any], bool]:
    """A quicker decode of the same stored data, and whether that data never holds a typed
    value (so it need not be walked)."""
    kind = type(transcoding)
    if kind is EnumAsValue:
        members = {member.value: member for member in transcoding.type}
        fallback = transcoding.decode

        def enum_member(data: Any) -> Any:
            try:
                return members[data]
            except (KeyError, TypeError):
                return fallback(data)

        return enum_member, True
    if kind is ActorAsList:
        return _cached(transcoding.decode), True
    if transcoding.name == "uuid_hex":
        return _cached(UUID), True
    if transcoding.name == "date" and transcoding.type is date:
        return _cached(date.fromisoformat), True
    if transcoding.name == "datetime_iso" and transcoding.type is datetime:
        return datetime.fromisoformat, True
    return cast(Callable[[Any], Any], transcoding.decode), False
