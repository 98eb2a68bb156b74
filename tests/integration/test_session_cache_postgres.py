"""On PostgreSQL a web process keeps the sessions it has looked up, and a sign-out, a disabled
account or a reset password elsewhere still ends them: the change is announced with NOTIFY in
its own transaction, and the process's listener forgets the user's sessions when it hears it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security.accounts import Accounts, Session
from api.security.session_cache import APPLICATION_NAME, AccountsListener, SessionCache
from domain.values import Role
from goldenthread.database import Database
from goldenthread.settings import Settings
from tests.polling import eventually

pytestmark = pytest.mark.postgres

PASSWORD = "a long enough password"


@pytest.fixture
def web(postgres_settings: Settings) -> Iterator[tuple[Accounts, AccountsListener]]:
    """The accounts of one web process: its pool, its kept sessions and its listener."""
    database = Database(postgres_settings)
    accounts = Accounts(database, SessionCache())
    assert accounts.sessions is not None
    listener = AccountsListener(database.connect, accounts.sessions, poll=0.05)
    listener.start()
    assert listener.connected.wait(5)
    yield accounts, listener
    listener.stop()
    database.close()


@pytest.fixture
def elsewhere(postgres_settings: Settings) -> Iterator[Accounts]:
    """Another process's accounts: an administrator's command, or another web worker."""
    database = Database(postgres_settings)
    yield Accounts(database)
    database.close()


def signed_in(accounts: Accounts, username: str = "sam.taylor") -> Session:
    user = accounts.add_user(
        username=username,
        name="Sam Taylor",
        role=Role.SOCIAL_WORKER,
        agency="Children's services",
        team="Assessment A",
        password=PASSWORD,
    )
    return accounts.start_session(user, "api")


def counting_reads(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    statements: list[str] = []
    execute = accounts.db.execute

    def counted(sql: str, params: Any = None) -> Any:
        statements.append(sql)
        return execute(sql, params)

    monkeypatch.setattr(accounts.db, "execute", counted)
    return statements


def test_a_web_process_reads_a_session_from_the_database_once_while_it_listens(
    web: tuple[Accounts, AccountsListener], monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts, _ = web
    session = signed_in(accounts)
    reads = counting_reads(accounts, monkeypatch)

    found = [accounts.session(session.token) for _ in range(5)]

    assert all(f is not None and f.user == session.user for f in found)
    assert len(reads) == 1


def test_signing_out_in_this_process_ends_the_session_here_at_once(
    web: tuple[Accounts, AccountsListener],
) -> None:
    accounts, _ = web
    session = signed_in(accounts)
    assert accounts.session(session.token) is not None

    accounts.end_session(session.token)

    assert accounts.session(session.token) is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a, s: a.end_session(s.token), id="signed out"),
        pytest.param(lambda a, s: a.disable(s.user.username), id="account disabled"),
        pytest.param(lambda a, s: a.reset_password(s.user.username, "x" * 20), id="reset"),
    ],
)
def test_a_change_to_accounts_in_another_process_ends_the_kept_session_once_notified(
    web: tuple[Accounts, AccountsListener],
    elsewhere: Accounts,
    change: Callable[[Accounts, Session], Any],
) -> None:
    accounts, listener = web
    session = signed_in(accounts)
    assert accounts.session(session.token) is not None
    heard = listener.heard

    change(elsewhere, session)

    assert eventually(lambda: listener.heard > heard), "the listener heard the change"
    assert accounts.session(session.token) is None


def test_a_notification_about_someone_else_leaves_a_kept_session_in_place(
    web: tuple[Accounts, AccountsListener], elsewhere: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts, listener = web
    session = signed_in(accounts)
    other = signed_in(accounts, "robin.shah")
    accounts.session(session.token)
    heard = listener.heard

    elsewhere.end_session(other.token)
    assert eventually(lambda: listener.heard > heard)
    reads = counting_reads(accounts, monkeypatch)

    assert accounts.session(session.token) is not None
    assert reads == []


def test_when_the_listener_loses_its_connection_kept_sessions_are_dropped(
    web: tuple[Accounts, AccountsListener], postgres_settings: Settings
) -> None:
    """A session ended by hand in SQL sends no notification; once the listener may have missed
    notifications, nothing kept before is served again."""
    accounts, listener = web
    session = signed_in(accounts)
    assert accounts.session(session.token) is not None
    assert postgres_settings.database_url is not None
    with psycopg.connect(postgres_settings.database_url, autocommit=True) as admin:
        admin.execute(f'DELETE FROM "{postgres_settings.database_schema}".sessions')
        assert accounts.session(session.token) is not None, "kept: nobody said it changed"
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [APPLICATION_NAME],
        )

    assert eventually(lambda: listener.connections == 2), "the listener connected again"
    assert accounts.session(session.token) is None


def test_through_the_api_a_token_disabled_by_an_administrator_stops_working(
    postgres_settings: Settings, elsewhere: Accounts
) -> None:
    session = signed_in(elsewhere)
    headers = {"Authorization": f"Bearer {session.token}"}
    app = create_app(postgres_settings)
    with TestClient(app) as client:
        listener = app.state.accounts_listener
        assert isinstance(listener, AccountsListener)
        assert listener.connected.wait(5)
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert client.get("/api/v1/me", headers=headers).status_code == 200

        elsewhere.disable(session.user.username)

        assert eventually(lambda: client.get("/api/v1/me", headers=headers).status_code == 401)
