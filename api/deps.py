"""Dependencies shared by the API and the pages: the record, the views, the signed-in user, and
the gate every access to a plan passes through."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request

from api.problems import ApiProblemError
from api.security.accounts import Accounts, Session, User
from api.security.policy import Action, Context, Decision, decide
from api.streams import Streams
from domain.agency_task import AgencyTask
from domain.application import CaseRecord
from domain.child import Child
from domain.core_group import CoreGroup
from domain.errors import NotFoundError
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from projections.engine import ProjectionEngine

SESSION_COOKIE = "gt_session"
READ_YOUR_WRITES_TIMEOUT = 2.0


async def get_cases(request: Request) -> CaseRecord:
    """Dependencies that only look something up are coroutines: run inline, no thread hop."""
    cases: CaseRecord = request.app.state.cases
    return cases


async def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


async def get_engine(request: Request) -> ProjectionEngine:
    engine: ProjectionEngine = request.app.state.projections
    return engine


async def get_today() -> date:
    """Today's date, for "overdue" and "time open" (a dependency so tests can fix it)."""
    return date.today()


async def client_address(request: Request) -> str:
    return address_of(request)


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


CasesDep = Annotated[CaseRecord, Depends(get_cases)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
EngineDep = Annotated[ProjectionEngine, Depends(get_engine)]
TodayDep = Annotated[date, Depends(get_today)]
AddressDep = Annotated[str, Depends(client_address)]


async def current_user(request: Request, accounts: AccountsDep) -> User:
    """The user of a live session: a bearer token (API clients) or the session cookie (pages)."""
    return user_of(request, accounts)


def user_of(request: Request, accounts: Accounts) -> User:
    """`current_user`, for dependencies that read the app's state themselves; the session is
    looked up once per request, whichever of them asks first."""
    known: Session | None = getattr(request.state, "session", None)
    if known is not None:
        return known.user
    token = None
    authorization = request.headers.get("authorization")
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    elif SESSION_COOKIE in request.cookies:
        token = request.cookies[SESSION_COOKIE]
    session = accounts.session(token) if token else None
    if session is None:
        raise ApiProblemError(
            401,
            "Not signed in",
            "Sign in to use the tracker.",
            "signed-in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.session = session
    return session.user


UserDep = Annotated[User, Depends(current_user)]


class Gate:
    """Loads the live records an access is about and asks the policy; hides what the user may
    not see (404), refuses what is not theirs to do (403), and logs every read of a record."""

    def __init__(self, user: User, cases: CaseRecord, accounts: Accounts, address: str) -> None:
        self.user, self.cases, self.accounts, self.address = user, cases, accounts, address
        self.streams = Streams(cases)

    def plan(self, plan_id: UUID, action: Action, **extra: Any) -> Context:
        context = self._plan_context(plan_id, **extra)
        plan = context.plan
        assert plan is not None
        self._enforce(action, context, "plan", plan_id)
        if action is Action.VIEW_PLAN:
            self.accounts.log_access(
                self.user, "read", "plan", plan_id, self.address, plan.child_id
            )
        return context

    def task(self, task_id: UUID, action: Action) -> Context:
        task = self._load(AgencyTask, task_id)
        context = self._plan_context(task.plan_id, task=task)
        self._enforce(action, context, "agency task", task_id)
        if action is Action.VIEW_PLAN:
            self._log_read("agency task", task_id, context)
        return context

    def escalation(self, escalation_id: UUID, action: Action) -> Context:
        escalation = self._load(Escalation, escalation_id)
        context = self._plan_context(escalation.plan_id, escalation=escalation)
        self._enforce(action, context, "escalation", escalation_id)
        if action is Action.VIEW_PLAN:
            self._log_read("escalation", escalation_id, context)
        return context

    def child(self, child_id: UUID, action: Action = Action.VIEW_CHILD) -> Context:
        context = self._child_context(child_id)
        self._enforce(action, context, "child", child_id)
        if action is Action.VIEW_CHILD:
            self.accounts.log_access(self.user, "read", "child", child_id, self.address, child_id)
        return context

    def plan_and_child(self, plan_id: UUID) -> tuple[Context, Context]:
        """A plan and its child, both to be shown (a plan's page): each checked as `plan` and
        `child` check them, and the reads logged in one write."""
        context = self._plan_context(plan_id)
        plan = context.plan
        assert plan is not None
        self._enforce(Action.VIEW_PLAN, context, "plan", plan_id)
        reads: list[tuple[str, UUID, UUID | None]] = [("plan", plan_id, plan.child_id)]
        try:
            child_context = self._child_context(plan.child_id)
            self._enforce(Action.VIEW_CHILD, child_context, "child", plan.child_id)
            reads.append(("child", plan.child_id, plan.child_id))
        finally:
            self.accounts.log_accesses(self.user, "read", reads, self.address)
        return context, child_context

    def _child_context(self, child_id: UUID) -> Context:
        """The live child, with each of its plans and their core groups (read in one query)."""
        child = self._load(Child, child_id)
        self.streams.prefetch_plans(period.plan_id for period in child.protection_plans)
        plans = []
        for period in child.protection_plans:
            plan = self._load(ChildProtectionPlan, period.plan_id)
            plans.append((plan, self._load(CoreGroup, plan.core_group_id)))
        return Context(child=child, child_plans=tuple(plans))

    def allow(self, action: Action) -> None:
        """An access that is about no one record (lists, figures, the access log)."""
        self._enforce(action, Context(), "record", None)

    def sees(self, plan: ChildProtectionPlan, core_group: CoreGroup) -> bool:
        context = Context(plan=plan, core_group=core_group)
        return decide(self.user, Action.VIEW_PLAN, context) is Decision.ALLOW

    def _plan_context(self, plan_id: UUID, **extra: Any) -> Context:
        """The live plan and core group, read in one query with the plan's child (which pages
        go on to name; for a command it is one more id in the same query)."""
        self.streams.prefetch_plans([plan_id])
        plan = self._load(ChildProtectionPlan, plan_id)
        return Context(plan=plan, core_group=self._load(CoreGroup, plan.core_group_id), **extra)

    def _log_read(self, kind: str, record_id: UUID, context: Context) -> None:
        assert context.plan is not None
        self.accounts.log_access(
            self.user, "read", kind, record_id, self.address, context.plan.child_id
        )

    def _enforce(self, action: Action, context: Context, kind: str, record_id: UUID | None) -> None:
        decision = decide(self.user, action, context)
        if decision is Decision.HIDE:
            if record_id is None:
                raise ApiProblemError(404, "Not found", rule="not-found")
            raise NotFoundError(kind, record_id)
        if decision is Decision.FORBID:
            raise ApiProblemError(
                403, "Not yours to do", f"Your role may not {action.value} here.", "need-to-know"
            )

    def _load(self, cls: type[Any], record_id: UUID) -> Any:
        return self.streams.load(cls, record_id)


async def open_gate(request: Request) -> Gate:
    """The signed-in user's gate. Everything it needs is read here from the request and the
    app's state rather than through a dependency each: every API request passes through it, and
    each dependency costs the framework more to resolve than the lookup itself. A coroutine, not
    the class itself: FastAPI runs plain callables in a worker thread."""
    state = request.app.state
    user = user_of(request, state.accounts)
    return Gate(user, state.cases, state.accounts, address_of(request))


GateDep = Annotated[Gate, Depends(open_gate)]


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(description="The ETag of the record as you last read it (required)."),
    ] = None,
) -> int:
    """Changes to an existing record must say which version they were made against."""
    if if_match is None:
        raise ApiProblemError(
            428,
            "If-Match required",
            "Send the ETag you read in If-Match, so no change is lost.",
            "if-match-required",
        )
    return parse_etag(if_match)


def parse_etag(value: str) -> int:
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ApiProblemError(
            412, "Changed since you opened it", "If-Match is not an ETag of ours.", "stale-version"
        )
    return int(text)


def etag(version: int) -> str:
    return f'"{version}"'


IfMatchDep = Annotated[int, Depends(expected_version)]
