"""Need-to-know: the one function that decides every access.

It decides from the user and the live streams (the plan, its core group, the task, the
escalation, loaded for the request), never from a projection that may lag: a partner removed
from a core group loses sight of the plan on their next request.

A record the user may not see is hidden (answered exactly as if it did not exist); a record they
may see but may not change in that way is forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from api.security.accounts import User
from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import CoreGroup
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from domain.values import Role


class Action(Enum):
    VIEW_PLAN = "view plan"
    RECORD_CONFERENCE = "record a conference or letter of concern"
    MANAGE_PLAN = "manage the plan's outcomes, visits and views"
    RATE_OUTCOME = "rate an outcome"
    ALLOCATE_WORKER = "allocate the lead social worker"
    RECORD_OVERSIGHT = "record management oversight"
    END_PLAN = "end a plan administratively"
    MANAGE_CORE_GROUP = "manage the core group"
    ASSIGN_TASK = "assign a task"
    UPDATE_TASK = "update a task"
    RAISE_ESCALATION = "raise an escalation"
    PROGRESS_ESCALATION = "record contacts and agreed actions"
    DECIDE_ESCALATION = "move, resolve or withdraw an escalation"
    VIEW_CHILD = "view a child's record"
    REGISTER_CHILD = "register a child"
    START_PLAN = "record an initial conference"
    VIEW_TEAM_LISTS = "view team lists"
    VIEW_AGGREGATES = "view de-identified figures"
    VIEW_OWN_TASKS = "view my tasks"
    VIEW_ACCESS_LOG = "view the access log"


class Decision(Enum):
    ALLOW = "allow"
    FORBID = "forbid"  # 403: the record is visible, the action is not the user's
    HIDE = "hide"  # 404: the user may not know the record exists


@dataclass(frozen=True)
class Context:
    """The live records an access is about."""

    plan: ChildProtectionPlan | None = None
    core_group: CoreGroup | None = None
    task: AgencyTask | None = None
    escalation: Escalation | None = None
    child: Child | None = None
    child_plans: tuple[tuple[ChildProtectionPlan, CoreGroup], ...] = ()


SW, TM, CHAIR = Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.CONFERENCE_CHAIR
PRACTITIONER, ANALYST, ADMIN = (
    Role.AGENCY_PRACTITIONER,
    Role.PARTNERSHIP_ANALYST,
    Role.ADMINISTRATOR,
)

_PLAN_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PLAN: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.RECORD_CONFERENCE: frozenset({CHAIR}),
    Action.MANAGE_PLAN: frozenset({SW, TM}),
    Action.RATE_OUTCOME: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.ALLOCATE_WORKER: frozenset({TM}),
    Action.RECORD_OVERSIGHT: frozenset({TM}),
    Action.END_PLAN: frozenset({SW, TM}),
    Action.MANAGE_CORE_GROUP: frozenset({SW, TM}),
    Action.ASSIGN_TASK: frozenset({SW, TM}),
    Action.UPDATE_TASK: frozenset({SW, TM, PRACTITIONER}),
    Action.RAISE_ESCALATION: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.PROGRESS_ESCALATION: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.DECIDE_ESCALATION: frozenset({SW, TM, CHAIR, PRACTITIONER}),
}
_LEAD_WORKERS_ACTIONS = frozenset(
    {Action.MANAGE_PLAN, Action.END_PLAN, Action.MANAGE_CORE_GROUP, Action.ASSIGN_TASK}
)
"""Running the plan is the lead social worker's (and the team manager's): another social worker
who sits in the core group sees the plan but does not run it."""

_GLOBAL_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_CHILD: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.REGISTER_CHILD: frozenset({SW, TM, CHAIR}),
    Action.START_PLAN: frozenset({CHAIR}),
    Action.VIEW_TEAM_LISTS: frozenset({SW, TM, CHAIR}),
    Action.VIEW_AGGREGATES: frozenset({TM, CHAIR, ANALYST}),
    Action.VIEW_OWN_TASKS: frozenset({SW, TM, CHAIR, PRACTITIONER}),
    Action.VIEW_ACCESS_LOG: frozenset({ADMIN}),
}


def sees_plan(user: User, plan: ChildProtectionPlan, core_group: CoreGroup) -> bool:
    """Who may know a plan exists: its core group; the lead social worker; the team's manager;
    the chairs who chaired it (the whole safeguarding unit, for chairs flagged as such)."""
    if user.role in (ANALYST, ADMIN):
        return False
    if core_group.is_member(user.user_id):
        return True
    match user.role:
        case Role.SOCIAL_WORKER:
            return plan.lead_social_worker_id == user.user_id
        case Role.TEAM_MANAGER:
            return plan.team == user.team
        case Role.CONFERENCE_CHAIR:
            return user.safeguarding_unit or str(user.user_id) in plan.chair_ids
    return False


def decide(user: User, action: Action, context: Context = Context()) -> Decision:
    """Every access to the record goes through here."""
    if user.disabled:
        return Decision.HIDE
    if action in _GLOBAL_ACTIONS:
        return _global(user, action, context)
    plan, core_group = context.plan, context.core_group
    if plan is None or core_group is None or not sees_plan(user, plan, core_group):
        return Decision.HIDE
    if user.role not in _PLAN_ACTIONS[action]:
        return Decision.FORBID
    if action in _LEAD_WORKERS_ACTIONS and user.role is SW:
        allowed = plan.lead_social_worker_id == user.user_id
        return Decision.ALLOW if allowed else Decision.FORBID
    if action is Action.UPDATE_TASK and user.role is PRACTITIONER:
        return _own_task(user, context.task)
    if action is Action.DECIDE_ESCALATION and user.role in (SW, PRACTITIONER):
        escalation = context.escalation
        raised_it = escalation is not None and escalation.raised_by.user_id == user.user_id
        return Decision.ALLOW if raised_it else Decision.FORBID
    return Decision.ALLOW


def _own_task(user: User, task: AgencyTask | None) -> Decision:
    """Partners change only the tasks assigned to them or to their agency."""
    if task is not None and (task.assignee_id == user.user_id or task.agency == user.agency):
        return Decision.ALLOW
    return Decision.FORBID


def _global(user: User, action: Action, context: Context) -> Decision:
    if action in (Action.VIEW_CHILD, Action.START_PLAN) and not sees_child(user, context):
        return Decision.HIDE
    if user.role not in _GLOBAL_ACTIONS[action]:
        return Decision.FORBID
    return Decision.ALLOW


def sees_child(user: User, context: Context) -> bool:
    """A child's identity is seen by whoever registered the child, and by anyone who sees one
    of the child's plans."""
    child = context.child
    if child is None or user.role in (ANALYST, ADMIN):
        return False
    if child.registered_by == user.user_id:
        return True
    if user.role is CHAIR and user.safeguarding_unit:
        return True
    return any(sees_plan(user, plan, group) for plan, group in context.child_plans)
