"""Project events into a real view held in memory (SQLite `:memory:`), for unit tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.utils import Environment

from projections.base import UPSTREAM, Changes, ReadModel, View, view_classes


def memory_view(model: type[ReadModel]) -> View:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    factory = InfrastructureFactory.construct(Environment(model.name, env))
    return factory.tracking_recorder(view_classes(model)[0])  # type: ignore[return-value]


def project(model: type[ReadModel], events: Iterable[Any], view: View | None = None) -> View:
    """Feed `events` to `model`, one position each, the way the engine does."""
    view = view or memory_view(model)
    position = view.position()
    for domain_event in events:
        position += 1
        changes = Changes(view)
        model.handle(domain_event, changes, position)
        view.apply(changes, Tracking(UPSTREAM, position))
    return view


def events_of(*aggregates: Any) -> list[Any]:
    """The pending events of aggregates, in the order they were triggered across them (by
    timestamp), as a log would hold them."""
    collected = [e for a in aggregates for e in a.collect_events()]
    return sorted(collected, key=lambda e: e.timestamp)
