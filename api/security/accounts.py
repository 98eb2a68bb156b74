"""Users, sessions, sign-in throttling, idempotency keys and the access log.

Sessions are server-side and revocable: the client holds a random token, the store holds only
its SHA-256. The same sessions serve API bearer tokens and browser cookies. Passwords are hashed
with Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.security.session_cache import SessionCache, notify_accounts_changed
from domain.values import Actor, Role
from goldenthread.database import Database, Row, Transaction

SESSION_LIFETIME = timedelta(hours=8)
ACCOUNT_FAILURES_ALLOWED = 5
ADDRESS_FAILURES_ALLOWED = 30
THROTTLE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters

_SCHEMA = {
    False: [
        """CREATE TABLE IF NOT EXISTS users (
            user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            role TEXT NOT NULL, agency TEXT NOT NULL, team TEXT NOT NULL,
            safeguarding_unit INTEGER NOT NULL, disabled INTEGER NOT NULL,
            password_hash TEXT NOT NULL, created_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS sessions (
            token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL,
            csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS sign_in_failures (
            id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS idempotency (
            user_id TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
            status INTEGER, response TEXT, headers TEXT, created_at TEXT NOT NULL,
            PRIMARY KEY (user_id, key))""",
        """CREATE TABLE IF NOT EXISTS access_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_id TEXT NOT NULL,
            user_name TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,
            record_type TEXT NOT NULL, record_id TEXT NOT NULL, child_id TEXT,
            address TEXT NOT NULL)""",
    ],
    True: [
        """CREATE TABLE IF NOT EXISTS users (
            user_id text PRIMARY KEY, username text NOT NULL UNIQUE, name text NOT NULL,
            role text NOT NULL, agency text NOT NULL, team text NOT NULL,
            safeguarding_unit boolean NOT NULL, disabled boolean NOT NULL,
            password_hash text NOT NULL, created_at text NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS sessions (
            token_hash text PRIMARY KEY, user_id text NOT NULL, kind text NOT NULL,
            csrf_token text NOT NULL, created_at text NOT NULL, expires_at text NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS sign_in_failures (
            id bigserial PRIMARY KEY, key text NOT NULL, at text NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS idempotency (
            user_id text NOT NULL, key text NOT NULL, body_hash text NOT NULL,
            status integer, response text, headers text, created_at text NOT NULL,
            PRIMARY KEY (user_id, key))""",
        """CREATE TABLE IF NOT EXISTS access_log (
            id bigserial PRIMARY KEY, at text NOT NULL, user_id text NOT NULL,
            user_name text NOT NULL, role text NOT NULL, action text NOT NULL,
            record_type text NOT NULL, record_id text NOT NULL, child_id text,
            address text NOT NULL)""",
    ],
}
_INDEXES = [
    "CREATE INDEX IF NOT EXISTS access_log_record ON access_log (record_id)",
    "CREATE INDEX IF NOT EXISTS access_log_child ON access_log (child_id)",
    "CREATE INDEX IF NOT EXISTS access_log_user ON access_log (user_id)",
    "CREATE INDEX IF NOT EXISTS sign_in_failures_key ON sign_in_failures (key, at)",
]


@dataclass(frozen=True)
class User:
    user_id: UUID
    username: str
    name: str
    role: Role
    agency: str
    team: str
    safeguarding_unit: bool = False
    disabled: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.name, self.role, self.agency)


@dataclass(frozen=True)
class Session:
    token: str
    user: User
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class AccessRecord:
    at: datetime
    user_id: UUID
    user_name: str
    role: str
    action: str
    record_type: str
    record_id: str
    child_id: str | None
    address: str


@dataclass(frozen=True)
class StoredResponse:
    body_hash: str
    status: int | None
    response: str | None
    headers: str | None


class UserExistsError(Exception):
    pass


class ThrottledError(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed sign-ins; try again later.")
        self.retry_after = retry_after


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Row) -> User:
    return User(
        user_id=UUID(row["user_id"]),
        username=row["username"],
        name=row["name"],
        role=Role(row["role"]),
        agency=row["agency"],
        team=row["team"],
        safeguarding_unit=bool(row["safeguarding_unit"]),
        disabled=bool(row["disabled"]),
    )


class Accounts:
    """Everything about who is signed in and what they looked at."""

    def __init__(self, db: Database, sessions: SessionCache | None = None) -> None:
        """`sessions`: where looked-up sessions are kept, in a web process on PostgreSQL whose
        `AccountsListener` keeps it honest; None reads every session from the database."""
        self.db = db
        self.sessions = sessions
        with db.transaction() as tx:
            for statement in [*_SCHEMA[db.postgres], *_INDEXES]:
                tx.execute(statement)

    # --- users --------------------------------------------------------------------------------

    def add_user(
        self,
        *,
        username: str,
        name: str,
        role: Role,
        agency: str,
        team: str,
        password: str,
        safeguarding_unit: bool = False,
        user_id: UUID | None = None,
    ) -> User:
        user = User(user_id or uuid4(), username, name, role, agency, team, safeguarding_unit)
        if self.find_user(username) is not None:
            raise UserExistsError(username)
        self.db.execute(
            "INSERT INTO users VALUES (%(user_id)s, %(username)s, %(name)s, %(role)s, "
            "%(agency)s, %(team)s, %(unit)s, %(disabled)s, %(hash)s, %(at)s)",
            {
                "user_id": str(user.user_id),
                "username": username,
                "name": name,
                "role": role.value,
                "agency": agency,
                "team": team,
                "unit": safeguarding_unit,
                "disabled": False,
                "hash": _hasher.hash(password),
                "at": _now().isoformat(),
            },
        )
        return user

    def find_user(self, username: str) -> User | None:
        rows = self.db.execute("SELECT * FROM users WHERE username = %(u)s", {"u": username})
        return _user(rows[0]) if rows else None

    def user(self, user_id: UUID) -> User | None:
        rows = self.db.execute("SELECT * FROM users WHERE user_id = %(u)s", {"u": str(user_id)})
        return _user(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.execute("SELECT * FROM users ORDER BY username")]

    def disable(self, username: str) -> bool:
        """Disable an account and end every session it has: it takes effect on the next request."""
        with self.db.transaction() as tx:
            found = tx.execute("SELECT user_id FROM users WHERE username = %(u)s", {"u": username})
            if not found:
                return False
            tx.execute(
                "UPDATE users SET disabled = %(d)s WHERE username = %(u)s",
                {"d": True, "u": username},
            )
            self._end_sessions_of(tx, found[0]["user_id"])
        self._forget(found[0]["user_id"])
        return True

    def reset_password(self, username: str, password: str) -> bool:
        with self.db.transaction() as tx:
            found = tx.execute("SELECT user_id FROM users WHERE username = %(u)s", {"u": username})
            if not found:
                return False
            tx.execute(
                "UPDATE users SET password_hash = %(h)s WHERE username = %(u)s",
                {"h": _hasher.hash(password), "u": username},
            )
            self._end_sessions_of(tx, found[0]["user_id"])
        self._forget(found[0]["user_id"])
        return True

    def _end_sessions_of(self, tx: Transaction, user_id: str) -> None:
        tx.execute("DELETE FROM sessions WHERE user_id = %(id)s", {"id": user_id})
        if tx.postgres:
            notify_accounts_changed(tx, user_id)

    def _forget(self, user_id: str) -> None:
        """This process stops serving the user's sessions at once, before its own listener
        hears the notification."""
        if self.sessions is not None:
            self.sessions.forget(user_id)

    # --- signing in ---------------------------------------------------------------------------

    def sign_in(self, username: str, password: str, address: str, kind: str) -> Session | None:
        """A new session for the right password, None for a wrong one; `ThrottledError` after too
        many recent failures for the account or from the address."""
        self._check_throttle(username, address)
        rows = self.db.execute("SELECT * FROM users WHERE username = %(u)s", {"u": username})
        if rows and not rows[0]["disabled"] and _verify(rows[0]["password_hash"], password):
            self.db.execute(
                "DELETE FROM sign_in_failures WHERE key = %(k)s", {"k": f"user:{username}"}
            )
            return self.start_session(_user(rows[0]), kind)
        if not rows:
            _verify(_DUMMY_HASH, password)  # the same work, so timing does not reveal accounts
        self._record_failure(username, address)
        return None

    def _check_throttle(self, username: str, address: str) -> None:
        since = (_now() - THROTTLE_WINDOW).isoformat()
        for key, allowed in (
            (f"user:{username}", ACCOUNT_FAILURES_ALLOWED),
            (f"addr:{address}", ADDRESS_FAILURES_ALLOWED),
        ):
            rows = self.db.execute(
                "SELECT COUNT(*) AS n, MIN(at) AS first FROM sign_in_failures "
                "WHERE key = %(k)s AND at > %(since)s",
                {"k": key, "since": since},
            )
            if rows[0]["n"] >= allowed:
                first = datetime.fromisoformat(rows[0]["first"])
                retry = int((first + THROTTLE_WINDOW - _now()).total_seconds()) + 1
                raise ThrottledError(max(retry, 1))

    def _record_failure(self, username: str, address: str) -> None:
        with self.db.transaction() as tx:
            for key in (f"user:{username}", f"addr:{address}"):
                tx.execute(
                    "INSERT INTO sign_in_failures (key, at) VALUES (%(k)s, %(at)s)",
                    {"k": key, "at": _now().isoformat()},
                )

    def start_session(self, user: User, kind: str) -> Session:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = _now() + SESSION_LIFETIME
        self.db.execute(
            "INSERT INTO sessions VALUES (%(t)s, %(u)s, %(k)s, %(c)s, %(at)s, %(exp)s)",
            {
                "t": _digest(token),
                "u": str(user.user_id),
                "k": kind,
                "c": csrf,
                "at": _now().isoformat(),
                "exp": expires.isoformat(),
            },
        )
        return Session(token, user, csrf, expires)

    def session(self, token: str) -> Session | None:
        """The live session for a token: None once expired, revoked or the user disabled."""
        digest = _digest(token)
        if self.sessions is None:
            return self._read_session(token, digest)
        kept = self.sessions.get(digest)
        if kept is not None:
            return kept
        generation = self.sessions.generation
        session = self._read_session(token, digest)
        if session is not None:
            self.sessions.keep(digest, session, generation)
        return session

    def _read_session(self, token: str, digest: str) -> Session | None:
        rows = self.db.execute(
            "SELECT s.csrf_token, s.expires_at, u.user_id, u.username, u.name, u.role, u.agency, "
            "u.team, u.safeguarding_unit, u.disabled FROM sessions s "
            "JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = %(t)s",
            {"t": digest},
        )
        if not rows:
            return None
        row = rows[0]
        expires = datetime.fromisoformat(row["expires_at"])
        if expires <= _now() or row["disabled"]:
            return None
        return Session(token, _user(row), row["csrf_token"], expires)

    def end_session(self, token: str) -> None:
        with self.db.transaction() as tx:
            ended = tx.execute(
                "DELETE FROM sessions WHERE token_hash = %(t)s RETURNING user_id",
                {"t": _digest(token)},
            )
            if ended and tx.postgres:
                notify_accounts_changed(tx, ended[0]["user_id"])
        if ended:
            self._forget(ended[0]["user_id"])

    # --- idempotency --------------------------------------------------------------------------

    def claim_key(self, user_id: UUID, key: str, body_hash: str) -> StoredResponse | None:
        """Claim an idempotency key for this request: None if this request claimed it, else what
        is stored for it (without a response while the first request is still running)."""
        with self.db.transaction() as tx:
            claimed = tx.execute(
                "INSERT INTO idempotency (user_id, key, body_hash, created_at) "
                "VALUES (%(u)s, %(k)s, %(h)s, %(at)s) ON CONFLICT DO NOTHING RETURNING key",
                {"u": str(user_id), "k": key, "h": body_hash, "at": _now().isoformat()},
            )
            if claimed:
                return None
            rows = tx.execute(
                "SELECT body_hash, status, response, headers FROM idempotency "
                "WHERE user_id = %(u)s AND key = %(k)s",
                {"u": str(user_id), "k": key},
            )
        return StoredResponse(**rows[0])

    def store_response(
        self, user_id: UUID, key: str, status: int, response: str, headers: str
    ) -> None:
        self.db.execute(
            "UPDATE idempotency SET status = %(s)s, response = %(r)s, headers = %(hd)s "
            "WHERE user_id = %(u)s AND key = %(k)s",
            {"s": status, "r": response, "hd": headers, "u": str(user_id), "k": key},
        )

    def release_key(self, user_id: UUID, key: str) -> None:
        """The request failed: the key may be used again."""
        self.db.execute(
            "DELETE FROM idempotency WHERE user_id = %(u)s AND key = %(k)s AND status IS NULL",
            {"u": str(user_id), "k": key},
        )

    # --- the access log -----------------------------------------------------------------------

    def log_access(
        self,
        user: User,
        action: str,
        record_type: str,
        record_id: UUID,
        address: str,
        child_id: UUID | None = None,
    ) -> None:
        self.log_accesses(user, action, [(record_type, record_id, child_id)], address)

    def log_accesses(
        self,
        user: User,
        action: str,
        records: Sequence[tuple[str, UUID, UUID | None]],
        address: str,
    ) -> None:
        """Log one access to each of `records` (record type, record id, child id), in one
        write: a page that shows a plan and its child logs both at once."""
        # Reads must not wait for a disk flush: a crash of the database server may lose the
        # last fraction of a second of this log, never a record of practice.
        at = _now().isoformat()
        params: dict[str, Any] = {
            "at": at,
            "u": str(user.user_id),
            "n": user.name,
            "r": user.role.value,
            "a": action,
            "addr": address,
        }
        values = []
        for number, (record_type, record_id, child_id) in enumerate(records):
            values.append(
                f"(%(at)s, %(u)s, %(n)s, %(r)s, %(a)s, %(t{number})s, %(id{number})s, "
                f"%(c{number})s, %(addr)s)"
            )
            params[f"t{number}"] = record_type
            params[f"id{number}"] = str(record_id)
            params[f"c{number}"] = str(child_id) if child_id else None
        self.db.execute_unflushed(
            "INSERT INTO access_log (at, user_id, user_name, role, action, record_type, "
            "record_id, child_id, address) VALUES " + ", ".join(values),
            params,
        )

    def access_log(
        self,
        *,
        record_id: UUID | None = None,
        child_id: UUID | None = None,
        user_id: UUID | None = None,
        limit: int = 200,
    ) -> list[AccessRecord]:
        """Who looked at what: by record, by child (any of the child's records), or by user."""
        clauses, params = [], {"limit": limit}
        for column, value in (
            ("record_id", record_id),
            ("child_id", child_id),
            ("user_id", user_id),
        ):
            if value is not None:
                clauses.append(f"{column} = %({column})s")
                params[column] = str(value)  # type: ignore[assignment]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(
            f"SELECT * FROM access_log {where} ORDER BY id DESC LIMIT %(limit)s", params
        )
        return [
            AccessRecord(
                at=datetime.fromisoformat(r["at"]),
                user_id=UUID(r["user_id"]),
                user_name=r["user_name"],
                role=r["role"],
                action=r["action"],
                record_type=r["record_type"],
                record_id=r["record_id"],
                child_id=r["child_id"],
                address=r["address"],
            )
            for r in rows
        ]


_DUMMY_HASH = _hasher.hash("not a real password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def body_digest(body: Any) -> str:
    return hashlib.sha256(body if isinstance(body, bytes) else str(body).encode()).hexdigest()
