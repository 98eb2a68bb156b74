"""The rules under which a web process serves a session it has already looked up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from api.security.accounts import Session, User
from api.security.session_cache import SessionCache
from domain.values import Role


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def session_of(user: User, *, expires_in: timedelta = timedelta(hours=8)) -> Session:
    return Session(uuid4().hex, user, "csrf", datetime.now(UTC) + expires_in)


def a_user() -> User:
    return User(uuid4(), "sam.taylor", "Sam Taylor", Role.SOCIAL_WORKER, "Children's services", "A")


def trusted_cache(clock: Clock, max_age: float = 60.0) -> SessionCache:
    cache = SessionCache(max_age=max_age, clock=clock)
    cache.trust_for(5.0)
    return cache


def test_a_kept_session_is_served_while_the_listener_is_trusted() -> None:
    clock = Clock()
    cache = trusted_cache(clock)
    session = session_of(a_user())
    cache.keep("d1", session, cache.generation)
    assert cache.get("d1") is session


def test_nothing_is_kept_or_served_before_the_listener_has_connected() -> None:
    cache = SessionCache(clock=Clock())
    cache.keep("d1", session_of(a_user()), cache.generation)
    assert cache.get("d1") is None
    assert len(cache) == 0


def test_kept_sessions_are_not_served_once_the_listener_has_not_proved_itself_in_time() -> None:
    clock = Clock()
    cache = trusted_cache(clock)
    cache.keep("d1", session_of(a_user()), cache.generation)
    clock.now += 5.0
    assert cache.get("d1") is None


def test_a_session_read_before_a_notification_arrived_is_not_kept() -> None:
    """The lookup may have read the row just before the change committed."""
    clock = Clock()
    cache = trusted_cache(clock)
    user = a_user()
    before = cache.generation
    cache.forget(str(uuid4()))  # any notification, even about someone else
    cache.keep("d1", session_of(user), before)
    assert cache.get("d1") is None


def test_a_notification_forgets_only_that_users_sessions() -> None:
    clock = Clock()
    cache = trusted_cache(clock)
    leaving, staying = a_user(), a_user()
    cache.keep("d1", session_of(leaving), cache.generation)
    cache.keep("d2", session_of(leaving), cache.generation)
    kept = session_of(staying)
    cache.keep("d3", kept, cache.generation)
    cache.forget(str(leaving.user_id))
    assert cache.get("d1") is None
    assert cache.get("d2") is None
    assert cache.get("d3") is kept


def test_losing_the_listener_drops_everything_kept() -> None:
    clock = Clock()
    cache = trusted_cache(clock)
    cache.keep("d1", session_of(a_user()), cache.generation)
    cache.distrust()
    cache.trust_for(5.0)  # connected again: still nothing from before
    assert cache.get("d1") is None
    assert len(cache) == 0


def test_a_session_is_served_for_at_most_the_maximum_age_after_it_was_read() -> None:
    clock = Clock()
    cache = trusted_cache(clock, max_age=60.0)
    cache.keep("d1", session_of(a_user()), cache.generation)
    clock.now += 59.0
    cache.trust_for(5.0)
    assert cache.get("d1") is not None
    clock.now += 1.0
    cache.trust_for(5.0)
    assert cache.get("d1") is None


def test_an_expired_session_is_never_served_from_the_cache() -> None:
    clock = Clock()
    cache = trusted_cache(clock)
    cache.keep("d1", session_of(a_user(), expires_in=timedelta(seconds=-1)), cache.generation)
    assert cache.get("d1") is None


def test_pruning_drops_entries_too_old_to_be_served() -> None:
    clock = Clock()
    cache = trusted_cache(clock, max_age=60.0)
    cache.keep("old", session_of(a_user()), cache.generation)
    clock.now += 30.0
    cache.trust_for(5.0)
    cache.keep("new", session_of(a_user()), cache.generation)
    clock.now += 30.0
    cache.prune()
    assert len(cache) == 1
