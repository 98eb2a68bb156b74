"""Builds the application from settings: the one place that knows about environment variables."""

from __future__ import annotations

import json
from pathlib import Path

from domain.application import CaseRecord
from domain.escalation_policy import EscalationPolicy, get_policy, policy_from_mapping
from goldenthread.settings import Settings


def escalation_policy(settings: Settings) -> EscalationPolicy:
    """A preset by name (`london`, `lincolnshire`), or a partnership's own policy in JSON."""
    path = Path(settings.escalation_policy)
    if path.suffix == ".json":
        return policy_from_mapping(json.loads(path.read_text(encoding="utf-8")))
    return get_policy(settings.escalation_policy)


def build_case_record(settings: Settings | None = None) -> CaseRecord:
    settings = settings or Settings()
    return CaseRecord(
        env=settings.persistence_env(),
        escalation_policy=escalation_policy(settings),
        core_group_interval_weeks=settings.core_group_interval_weeks,
    )
