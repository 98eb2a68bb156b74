"""Sessions a web process has already looked up, kept only while it is sure to hear of a change.

Every request names its session, and looking it up was one of the three database round trips of
a command, made while the request held the event loop. A web process on PostgreSQL therefore
keeps the sessions it has looked up, under four rules that keep revocation what it was:

- Every change that can end a session or alter its user (signing out, disabling an account,
  resetting a password) sends `NOTIFY goldenthread_accounts` with the user's id in the same
  transaction, and forgets the user's sessions in its own process at once.
- Each web process listens on its own connection (`AccountsListener`). A notification forgets
  that user's sessions. An entry is served only while the listener has proved its connection
  within the last `TRUST_WINDOW` seconds; when it is lost, everything kept is dropped and
  sessions are looked up in the database until it is back.
- A lookup that overlaps a notification is not kept (`generation`): it may have read the row
  just before the change committed.
- An entry is served at most `MAX_AGE` seconds after it was read, and never after its session
  has expired. The age bound covers changes made outside the tracker, by hand in SQL.

So a sign-out or a disabled account takes effect in another web process as soon as PostgreSQL
delivers the notification (milliseconds), and in the process that made it at once. SQLite has no
notifications: there every lookup reads the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from api.security.accounts import Session

log = logging.getLogger(__name__)

CHANNEL = "goldenthread_accounts"
MAX_AGE = 60.0
"""Seconds an entry may be served after it was read from the database."""
HEARTBEAT = 2.0
"""Seconds between the listener's proofs that its connection is alive."""
TRUST_WINDOW = 5.0
"""Seconds after the last proof during which entries may be served."""
APPLICATION_NAME = "goldenthread accounts listener"
"""How the listener's connection is named in `pg_stat_activity`."""


class SessionCache:
    """Sessions by the digest of their token. Thread-safe; served only while trusted."""

    def __init__(
        self, *, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self._clock = clock
        self._entries: dict[str, tuple[Session, float]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._trusted_until = float("-inf")

    @property
    def generation(self) -> int:
        """Read before looking a session up; `keep` refuses the result if it has moved since."""
        return self._generation

    def get(self, digest: str) -> Session | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        session, read_at = entry
        now = self._clock()
        if now >= self._trusted_until or now - read_at >= self.max_age:
            return None
        if session.expires_at <= datetime.now(UTC):
            return None
        return session

    def keep(self, digest: str, session: Session, generation: int) -> None:
        """Keep a session read from the database, unless the listener heard of a change (or was
        lost) since `generation` was read, or is not trusted now."""
        with self._lock:
            now = self._clock()
            if generation == self._generation and now < self._trusted_until:
                self._entries[digest] = (session, now)

    def forget(self, user_id: str | None = None) -> None:
        """Drop the sessions of one user (by id, as text), or all of them."""
        with self._lock:
            self._generation += 1
            if user_id is None:
                self._entries.clear()
                return
            for digest, (session, _) in list(self._entries.items()):
                if str(session.user.user_id) == user_id:
                    del self._entries[digest]

    def trust_for(self, seconds: float) -> None:
        self._trusted_until = self._clock() + seconds

    def distrust(self) -> None:
        """The listener may have missed notifications: serve nothing, keep nothing."""
        with self._lock:
            self._trusted_until = float("-inf")
            self._generation += 1
            self._entries.clear()

    def prune(self) -> None:
        """Drop entries too old to be served, so the cache holds only recent sessions."""
        with self._lock:
            now = self._clock()
            for digest, (_, read_at) in list(self._entries.items()):
                if now - read_at >= self.max_age:
                    del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)


def notify_accounts_changed(tx: Any, user_id: str) -> None:
    """Within the transaction making the change (PostgreSQL): delivered when it commits."""
    tx.execute("SELECT pg_notify(%(c)s, %(u)s)", {"c": CHANNEL, "u": user_id})


class AccountsListener:
    """A thread that listens for changes to accounts and keeps a `SessionCache` honest."""

    def __init__(
        self,
        connect: Callable[[str], psycopg.Connection[Any]],
        cache: SessionCache,
        *,
        heartbeat: float = HEARTBEAT,
        trust_window: float = TRUST_WINDOW,
        poll: float = 0.25,
    ) -> None:
        self._connect, self.cache = connect, cache
        self.heartbeat, self.trust_window, self.poll = heartbeat, trust_window, poll
        self.heard = 0
        """Notifications handled so far."""
        self.connections = 0
        """Connections on which it has listened so far (more than one: it reconnected)."""
        self.connected = threading.Event()
        """Set while listening (the cache may be trusted), cleared when the connection is lost."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="accounts-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.cache.distrust()

    def _run(self) -> None:
        retry = 0.5
        while not self._stop.is_set():
            try:
                with self._connect(APPLICATION_NAME) as conn:
                    self._listen(conn)
            except Exception as error:
                # The type of failure only: nothing read from accounts goes into the log.
                log.warning(
                    "accounts listener lost its connection (%s); sessions are read from the "
                    "database until it is back",
                    type(error).__name__,
                )
            retry = 0.5 if self.connected.is_set() else min(retry * 2, 10.0)
            self.connected.clear()
            self.cache.distrust()
            self._stop.wait(retry)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        # Whatever was kept before may have missed notifications: start empty, then trust.
        self.cache.forget()
        self.cache.trust_for(self.trust_window)
        self.connections += 1
        self.connected.set()
        proved = time.monotonic()
        while not self._stop.is_set():
            for note in conn.notifies(timeout=self.poll):
                self.cache.forget(note.payload or None)
                self.heard += 1
            if time.monotonic() - proved >= self.heartbeat:
                conn.execute("SELECT 1")
                self.cache.trust_for(self.trust_window)
                self.cache.prune()
                proved = time.monotonic()
