"""Every read model, and how to open its view on the configured backend."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.utils import Environment

from goldenthread.settings import Settings
from projections.base import ReadModel, View, view_classes
from projections.cohort import CohortModel
from projections.drift import DriftModel
from projections.escalations import EscalationsModel
from projections.key_decisions import KeyDecisionsModel
from projections.outcome_progress import OutcomeProgressModel
from projections.partner_task_completion import PartnerTaskCompletionModel
from projections.plan_history import PlanHistoryModel
from projections.timeliness import TimelinessModel

READ_MODELS: tuple[type[ReadModel], ...] = (
    OutcomeProgressModel,
    PartnerTaskCompletionModel,
    EscalationsModel,
    PlanHistoryModel,
    KeyDecisionsModel,
    DriftModel,
    TimelinessModel,
    CohortModel,
)


def model_named(name: str) -> type[ReadModel]:
    for model in READ_MODELS:
        if model.name == name:
            return model
    known = ", ".join(m.name for m in READ_MODELS)
    raise KeyError(f"No projection named {name!r}; known: {known}")


def open_view(
    settings: Settings,
    model: type[ReadModel],
    scratch: str | None = None,
    datastore: PostgresDatastore | None = None,
) -> View:
    """The view of `model`: its own SQLite file, or its tables in the PostgreSQL schema.
    `scratch` opens a throwaway copy (another file, or another schema) for `verify`; on
    PostgreSQL, `datastore` lets views of one process share one connection pool."""
    sqlite_class, postgres_class = view_classes(model)
    if settings.uses_postgres and datastore is not None:
        view = postgres_class(datastore=datastore, tracking_table_name=f"{model.name}_tracking")
        view.create_table()
        return view
    env = settings.view_env(model.name, scratch)
    factory = InfrastructureFactory.construct(Environment(model.name, env))
    view_class = postgres_class if settings.uses_postgres else sqlite_class
    return factory.tracking_recorder(view_class)  # type: ignore[return-value]


def open_views(
    settings: Settings, names: Sequence[str] | None = None, scratch: str | None = None
) -> list[View]:
    """The named views (all by default). On PostgreSQL they share the first view's pool: every
    view lives in the same database, and a pool per view would multiply connections per process
    by the number of read models."""
    models = [model_named(n) for n in names] if names else list(READ_MODELS)
    views: list[View] = []
    for model in models:
        first = views[0] if views else None
        shared = first.datastore if isinstance(first, PostgresTrackingRecorder) else None
        views.append(open_view(settings, model, scratch, shared))
    return views
