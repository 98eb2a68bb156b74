"""The read side's machinery: tables declared once, changes gathered in memory, written with the
view's tracking position in one transaction.

A read model is a `ReadModel`: a name, the event topics it reads, its tables, and `handle(event,
changes, position)`, a pure function of the event and what the view already holds. Handlers never
touch the write model or the clock.

`Changes` is the unit of work of one batch: rows put, updated or deleted are kept in memory,
compacted by key, and written by `View.apply` together with the tracking record of the batch's last
position, in one transaction. A batch applied twice fails on the tracking record
(`IntegrityError`), so each event takes effect exactly once, whatever crashes in between.

Views are library tracking recorders (`SQLiteTrackingRecorder`, `PostgresTrackingRecorder`), so the
library's own `ProjectionRunner` can drive the same read models one event per transaction (see
`ReadModelProjection`); `projections.engine` drives them in batches.

Storage is deliberately plain and identical on both backends: ids, dates and JSON are text (ISO
dates sort and compare as text), flags are integers on SQLite and booleans on PostgreSQL.
"""

from __future__ import annotations

import contextvars
import json
import re
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from operator import itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import retry
from psycopg import InterfaceError, OperationalError
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

ColumnType = Literal["text", "uuid", "int", "bool", "date", "timestamp", "json"]
Row = dict[str, Any]
Key = tuple[Any, ...]

UPSTREAM = "CaseRecord"
"""The application whose notification log every view follows (its tracking key)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"


@dataclass(frozen=True)
class Index:
    """A secondary index that covers only the rows `where` holds for (a partial index, on both
    backends). A query uses it only when its own condition repeats `where` word for word, with
    the values written into the SQL rather than passed as parameters."""

    columns: tuple[str, ...]
    where: str


@dataclass(frozen=True)
class Table:
    """A view table. Its physical name is prefixed with the read model's name, so every view can
    share one PostgreSQL schema."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...] | Index, ...] = ()
    """Secondary indexes, each a tuple of columns or an `Index`. They are named by position, and
    a missing one is created when a view starts: add new ones at the end."""
    append_only: bool = False
    """Rows are written once and never looked up by handlers (history entries, ratings): they are
    inserted without an upsert (`COPY` on PostgreSQL) and not kept in the row cache. Writing one
    twice fails, which the tracking record guarantees never happens."""

    kinds: Mapping[str, ColumnType] = field(init=False, repr=False, compare=False)
    """Each column's type, by name."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def __post_init__(self) -> None:
        getter = itemgetter(*self.key)
        single = len(self.key) == 1
        object.__setattr__(self, "_key_getter", (lambda row: (getter(row),)) if single else getter)
        object.__setattr__(self, "kinds", MappingProxyType({c.name: c.type for c in self.columns}))

    def key_of(self, row: Mapping[str, Any]) -> Key:
        key: Key = self._key_getter(row)  # type: ignore[attr-defined]
        return key


def columns(spec: str) -> tuple[Column, ...]:
    """`"plan_id:uuid name status:text due_on:date"`: compact column declarations."""
    parsed = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        parsed.append(Column(name, kind or "text"))  # type: ignore[arg-type]
    return tuple(parsed)


class RowReader(ABC):
    @abstractmethod
    def fetch_row(self, table: Table, key: Key) -> Row | None:
        """The stored row with this key, or None."""


class Changes:
    """What one batch does to a view, compacted by key: the last write to a row wins."""

    def __init__(self, reader: RowReader) -> None:
        self._reader = reader
        self.upserts: dict[str, dict[Key, Row]] = {}
        self.deletes: dict[str, set[Key]] = {}
        self._tables: dict[str, Table] = {}

    def get(self, table: Table, *key: Any) -> Row | None:
        """The row as this batch leaves it so far (a copy: change it with `put` or `update`)."""
        name = table.name
        pending = self.upserts.get(name)
        if pending is not None and key in pending:
            return dict(pending[key])
        deleted = self.deletes.get(name)
        if deleted is not None and key in deleted:
            return None
        row = self._reader.fetch_row(table, key)
        return dict(row) if row is not None else None

    def put(self, table: Table, row: Row) -> None:
        """Insert or replace a whole row."""
        key = table.key_of(row)
        name = table.name
        pending = self.upserts.get(name)
        if pending is None:
            pending = self.upserts[name] = {}
            self._tables[name] = table
        pending[key] = row
        deleted = self.deletes.get(name)
        if deleted:
            deleted.discard(key)

    def update(self, table: Table, *key: Any, **values: Any) -> Row | None:
        """Change some columns of an existing row; None (and nothing written) if there is none:
        a handler never invents a row from a partial event."""
        row = self.get(table, *key)
        if row is None:
            return None
        row.update(values)
        self.put(table, row)
        return row

    def delete(self, table: Table, *key: Any) -> None:
        self._tables[table.name] = table
        self.upserts.get(table.name, {}).pop(key, None)
        self.deletes.setdefault(table.name, set()).add(key)

    def tables(self) -> Iterator[Table]:
        return iter(self._tables.values())

    def __bool__(self) -> bool:
        return any(self.upserts.values()) or any(self.deletes.values())


class ReadModel(ABC):
    """One question people ask, answered from events."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    topics: ClassVar[tuple[str, ...]]
    relative_cost: ClassVar[float] = 1.0
    """How much work a rebuild of this view is, relative to the others, for splitting a rebuild
    across processes: its own handling and writing, in tenths of a second on the benchmark's
    206,000-event history (reading and decoding the log is paid by every process alike). The
    plan history outweighs all the others together, so it is rebuilt in a process of its own."""

    @classmethod
    @abstractmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        """Record what `event` (at log `position`) changes in the view."""


# --- encoding values for storage ----------------------------------------------------------------


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _iso(value: Any) -> Any:
    if value is None or type(value) is str:
        return value
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value, default=str, separators=(",", ":"))


def _flag(value: Any) -> Any:
    return None if value is None else bool(value)


def _flag_as_int(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _integer(value: Any) -> Any:
    return value if value is None or type(value) is int else int(value)


_ENCODERS: dict[tuple[ColumnType, bool], Callable[[Any], Any]] = {
    **{(kind, pg): _text for kind in ("text", "uuid") for pg in (False, True)},
    **{(kind, pg): _iso for kind in ("date", "timestamp") for pg in (False, True)},
    **{("json", pg): _json for pg in (False, True)},
    **{("int", pg): _integer for pg in (False, True)},
    ("bool", True): _flag,
    ("bool", False): _flag_as_int,
}
"""Storage encoders chosen once per column, not per value: view writes are the hot path of a
rebuild."""


_INLINE: dict[tuple[ColumnType, bool], str] = {
    **{
        ("text", pg): "v if (v := {get}) is None or type(v) is str else str(v)"
        for pg in (False, True)
    },
    **{
        ("uuid", pg): "v if (v := {get}) is None or type(v) is str else (T.get(v) or t(v))"
        for pg in (False, True)
    },
    **{
        ("int", pg): "v if (v := {get}) is None or type(v) is int else int(v)"
        for pg in (False, True)
    },
}
"""Encoders simple enough to be written inline in a table's row encoder."""

_CONNECTION_SETTING: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
"""How each pooled view connection was last set to commit (set once, not per transaction)."""

_UUID_TEXT: dict[Any, str] = {}
"""Ids as text, reused: the same plan, stream and person ids are written over and over."""


def _uuid_text(value: Any) -> str:
    if len(_UUID_TEXT) >= 200_000:
        _UUID_TEXT.clear()
    text = _UUID_TEXT[value] = str(value)
    return text


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def row_encoder(table: Table, postgres: bool) -> Callable[[Row], tuple[Any, ...]]:
    """A function turning a row into the tuple of its stored column values, in column order.

    Writing rows is the hot path of a rebuild, so each table gets its own function, generated
    once, with the simple encoders written inline instead of one call per value."""
    cached: Callable[[Row], tuple[Any, ...]] | None = _ROW_ENCODERS.get((table, postgres))
    if cached is not None:
        return cached
    namespace: dict[str, Any] = {"T": _UUID_TEXT, "t": _uuid_text}
    parts = []
    for number, column in enumerate(table.columns):
        if not _IDENTIFIER.fullmatch(column.name):
            raise ValueError(f"column name {column.name!r} is not a plain identifier")
        inline = _INLINE.get((column.type, postgres))
        if inline is not None:
            parts.append(f"({inline.format(get=f'g({column.name!r})')})")
        else:
            namespace[f"e{number}"] = _ENCODERS[column.type, postgres]
            parts.append(f"e{number}(g({column.name!r}))")
    source = f"def encode(row):\n    g = row.get\n    return ({', '.join(parts)},)\n"
    exec(source, namespace)  # generated from the table's own declaration, names checked
    encode: Callable[[Row], tuple[Any, ...]] = namespace["encode"]
    _ROW_ENCODERS[table, postgres] = encode
    return encode


_ROW_ENCODERS: dict[tuple[Table, bool], Callable[[Row], tuple[Any, ...]]] = {}


def _to_storage(value: Any, kind: ColumnType, postgres: bool) -> Any:
    return _ENCODERS[kind, postgres](value)


def _stored_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else _uuid_of(value)


@lru_cache(maxsize=65536)
def _uuid_of(text: str) -> UUID:
    return UUID(text)


def _stored_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _stored_timestamp(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


_DECODERS: dict[ColumnType, Callable[[Any], Any]] = {
    "uuid": _stored_uuid,
    "date": _stored_date,
    "timestamp": _stored_timestamp,
    "json": orjson.loads,
    "bool": bool,
}
"""How a stored value comes back as its Python value, by column type (text and int need
nothing); None stays None."""


_SQL_TYPES = {
    False: {
        "text": "TEXT",
        "uuid": "TEXT",
        "int": "INTEGER",
        "bool": "INTEGER",
        "date": "TEXT",
        "timestamp": "TEXT",
        "json": "TEXT",
    },
    True: {
        "text": "text",
        "uuid": "text",
        "int": "bigint",
        "bool": "boolean",
        "date": "text",
        "timestamp": "text",
        "json": "text",
    },
}


class View(RowReader, TrackingRecorder):
    """A read model's tables and tracking, on one backend. Subclasses pick the backend."""

    model: ClassVar[type[ReadModel]]
    postgres: ClassVar[bool]

    def physical(self, table: Table) -> str:
        return f"{self.model.name}_{table.name}"

    def table_ddl(self) -> list[str]:
        types = _SQL_TYPES[self.postgres]
        statements = []
        for table in self.model.tables:
            name = self.qualified(table)
            cols = ", ".join(f"{c.name} {types[c.type]}" for c in table.columns)
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {name} ({cols}, PRIMARY KEY ({', '.join(table.key)}))"
            )
        return [*statements, *(create for _, create in self.index_ddl())]

    def index_ddl(self) -> list[tuple[str, str]]:
        """Each secondary index: its name as written in SQL, and the statement creating it."""
        indexes = []
        for table in self.model.tables:
            for number, index in enumerate(table.indexes):
                name = f"{self.physical(table)}_ix{number}"
                cols, where = (
                    (index.columns, f" WHERE {index.where}")
                    if isinstance(index, Index)
                    else (index, "")
                )
                indexes.append(
                    (
                        self.qualified_index(name),
                        f"CREATE INDEX IF NOT EXISTS {name} "
                        f"ON {self.qualified(table)} ({', '.join(cols)}){where}",
                    )
                )
        return indexes

    def qualified_index(self, name: str) -> str:
        return name

    # --- bulk loading -----------------------------------------------------------------------

    def begin_bulk_load(self) -> None:
        """The view is about to be filled from empty (a rebuild, or a first start). Its
        secondary indexes are dropped, so rows are written without keeping them up to date row
        by row, and `end_bulk_load` builds each once at the end (a fraction of the cost). On
        SQLite, commits stop waiting for the disk until then (see `SQLiteView`). If the process
        dies first, the next catch-up calls `end_bulk_load` before it writes anything."""
        with self._transaction(commit=True) as cursor:
            for name, _ in self.index_ddl():
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        self.__dict__["_bulk_loading"] = True
        self.__dict__["_indexes_ok"] = False

    @property
    def bulk_loading(self) -> bool:
        return bool(self.__dict__.get("_bulk_loading"))

    def end_bulk_load(self) -> None:
        """Create any secondary index that is missing and make what was written durable. Cheap
        when there is nothing to do: checked once per process unless a bulk load began since."""
        if self.__dict__.get("_indexes_ok"):
            return
        self.__dict__["_bulk_loading"] = False
        with self._transaction(commit=True) as cursor:
            for name, create in self.index_ddl():
                if not self._index_exists(cursor, name):
                    cursor.execute(create)
        self._after_bulk_load()
        self.__dict__["_indexes_ok"] = True

    def _after_bulk_load(self) -> None:
        """Make what a bulk load wrote durable and known to the query planner."""

    def _index_exists(self, cursor: Any, name: str) -> bool:
        return False  # `CREATE INDEX IF NOT EXISTS` is a cheap no-op on SQLite

    @abstractmethod
    def qualified(self, table: Table) -> str:
        """The table's name as written in SQL (schema-qualified on PostgreSQL)."""

    @abstractmethod
    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

    def _reading(self) -> AbstractContextManager[Any]:
        """A cursor for one read-only statement."""
        return self._transaction(commit=False)

    @abstractmethod
    def _write_upserts(self, cursor: Any, table: Table, rows: Sequence[Row]) -> None: ...

    if TYPE_CHECKING:  # provided by the library's tracking recorders, later in the MRO

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

    @abstractmethod
    def drop(self) -> None:
        """Remove the view's tables and tracking: a rebuild starts from position 0."""

    def _placeholder(self, name: str) -> str:
        return f"%({name})s" if self.postgres else f":{name}"

    # --- writing ----------------------------------------------------------------------------

    ROW_CACHE_LIMIT: ClassVar[int] = 250_000

    @property
    def _row_cache(self) -> dict[str, dict[Key, Row | None]]:
        """Rows this process wrote, by table and key, so a handler looking up a row written in an
        earlier batch does not go back to the database. Only the process that writes a view
        caches it; the cache is dropped whenever a write fails."""
        cache: dict[str, dict[Key, Row | None]] | None = self.__dict__.get("_rows")
        if cache is None:
            cache = self.__dict__["_rows"] = {}
        return cache

    def apply(self, changes: Changes, tracking: Tracking) -> None:
        """Write a batch's changes and its tracking position in one transaction."""
        apply_together([(self, changes)], tracking)

    def write(self, cursor: Any, changes: Changes, tracking: Tracking) -> None:
        """Write a batch's changes and its tracking position within the caller's transaction."""
        for table in changes.tables():
            deleted = changes.deletes.get(table.name)
            if deleted:
                where = " AND ".join(f"{k} = {self._placeholder(k)}" for k in table.key)
                sql = f"DELETE FROM {self.qualified(table)} WHERE {where}"
                for key in deleted:
                    cursor.execute(sql, self._encode_key(table, key))
            rows = list(changes.upserts.get(table.name, {}).values())
            if rows:
                self._write_upserts(cursor, table, rows)
        self._insert_tracking(cursor, tracking)

    def shares_transactions_with(self, other: View) -> bool:
        """Whether `other`'s writes can go in the same transaction as this view's."""
        return other is self

    @property
    def _complete(self) -> set[str]:
        """Tables whose every row is in the row cache, so a key not there is a row not stored."""
        complete: set[str] | None = self.__dict__.get("_complete_tables")
        if complete is None:
            complete = self.__dict__["_complete_tables"] = set()
        return complete

    def assume_empty(self) -> None:
        """The view holds nothing yet (position 0): every row it will hold will pass through
        this process, so lookups of rows not written yet need not ask the database."""
        self._row_cache.clear()
        self._complete.update(t.name for t in self.model.tables if not t.append_only)

    def _forget(self) -> None:
        self._row_cache.clear()
        self._complete.clear()

    def _remember(self, changes: Changes) -> None:
        cache = self._row_cache
        for table in changes.tables():
            if table.append_only:
                continue
            rows = cache.setdefault(table.name, {})
            for key in changes.deletes.get(table.name, ()):
                rows[key] = None
            rows.update(changes.upserts.get(table.name, {}))
            if len(rows) > self.ROW_CACHE_LIMIT:
                rows.clear()
                self._complete.discard(table.name)

    def _encode_key(self, table: Table, key: Key) -> dict[str, Any]:
        kinds = {c.name: c.type for c in table.columns}
        return {
            name: _to_storage(value, kinds[name], self.postgres)
            for name, value in zip(table.key, key, strict=True)
        }

    # --- reading ----------------------------------------------------------------------------

    def fetch_row(self, table: Table, key: Key) -> Row | None:
        rows = self._row_cache.setdefault(table.name, {})
        if key in rows:
            return rows[key]
        if table.name in self._complete:
            return None
        where = " AND ".join(f"{k} = {self._placeholder(k)}" for k in table.key)
        found = self.select(
            table,
            f"SELECT * FROM {self.qualified(table)} WHERE {where}",
            self._encode_key(table, key),
        )
        row = found[0] if found else None
        if not table.append_only:
            rows[key] = row  # absent rows too: the batch that writes it replaces the entry
        return row

    def select(self, table: Table, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Rows of `table` (every column decoded to its Python type)."""
        return self.query(sql, params, table.kinds)

    def query(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        kinds: Mapping[str, ColumnType] | None = None,
    ) -> list[Row]:
        """Run a read query written with `%(name)s` parameters and `{table}` placeholders (the
        read model's table names)."""
        statement = self._statement(sql)
        with self._reading() as cursor:
            cursor.execute(statement.text, self._encode_params(params))
            fetched = cursor.fetchall()
            self._learn_names(statement, cursor)
        return _decoded(statement, fetched, kinds)

    def read(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        kinds: Mapping[str, ColumnType] | None = None,
    ) -> Read:
        """`query`, to run later with other reads (`fetch_together`, `run_readers`)."""
        return Read(self, sql, params, kinds)

    def read_rows(self, table: Table, sql: str, params: Mapping[str, Any] | None = None) -> Read:
        """`select`, to run later with other reads."""
        return Read(self, sql, params, table.kinds)

    def _statement(self, sql: str) -> _Statement:
        # A query's final text and its column names are worked out once per view: pages run
        # the same few queries again and again.
        statements: dict[str, _Statement] = self.__dict__.setdefault("_statements", {})
        statement = statements.get(sql)
        if statement is None:
            if len(statements) >= MAX_STATEMENTS:  # queries with a varying number of ids
                statements.clear()
            text = sql.format(**{t.name: self.qualified(t) for t in self.model.tables})
            if not self.postgres:
                text = re.sub(r"%\((\w+)\)s", r":\1", text)
            statement = statements[sql] = _Statement(text)
        return statement

    def _encode_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return {k: _encode_param(v, self.postgres) for k, v in (params or {}).items()}

    @staticmethod
    def _learn_names(statement: _Statement, cursor: Any) -> None:
        if statement.names is None:
            raw = getattr(cursor, "sqlite_cursor", cursor)  # the library wraps SQLite's
            statement.names = [column[0] for column in raw.description or ()]

    def all_rows(self) -> dict[str, list[Row]]:
        """Every row of every table, ordered by key: what `projections verify` compares."""
        return {
            table.name: self.select(
                table, f"SELECT * FROM {self.qualified(table)} ORDER BY {', '.join(table.key)}"
            )
            for table in self.model.tables
        }

    def position(self) -> int:
        return self.max_tracking_id(UPSTREAM) or 0

    def any_of(self, name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
        """A condition to follow a column, true where it equals any of `values` (not empty),
        and its parameters: `= ANY(%(name)s)` with an array on PostgreSQL, one statement
        whatever the number of values; `IN (…)` on SQLite."""
        listed = list(values)
        assert listed, "a condition on any of no values"
        if self.postgres:
            return f"= ANY(%({name})s)", {name: listed}
        params = {f"{name}_{number}": value for number, value in enumerate(listed)}
        return "IN (" + ", ".join(f"%({key})s" for key in params) + ")", params


def positions_of(views: Sequence[View]) -> dict[View, int]:
    """Each view's position. Views on one PostgreSQL database are asked in one query: a worker
    asks before every catch-up, and read-your-writes asks every few milliseconds."""
    found: dict[View, int] = {}
    for group in sharing_transactions(views):
        first = group[0]
        if len(group) == 1 or not isinstance(first, PostgresView):
            found.update((view, view.position()) for view in group)
            continue
        query = SQL("SELECT {}").format(
            SQL(", ").join(
                SQL("({}) AS {}").format(
                    cast(PostgresView, view).max_tracking_id_statement, Identifier(f"p{number}")
                )
                for number, view in enumerate(group)
            )
        )
        row = _fetch_positions(first, query, len(group))
        found.update((view, row[f"p{number}"] or 0) for number, view in enumerate(group))
    return found


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _fetch_positions(view: PostgresView, query: Composed, count: int) -> dict[str, Any]:
    """Retried on a broken connection, as the library retries each view's own position."""
    with view.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(query, [UPSTREAM] * count, prepare=True)
        row: dict[str, Any] | None = cursor.fetchone()
    assert row is not None
    return row


def sharing_transactions(views: Sequence[View]) -> list[list[View]]:
    """Views grouped so each group's writes can share one transaction (on PostgreSQL, the views
    of one pool: one commit per batch instead of one per view), and its reads one query."""
    groups: list[list[View]] = []
    for view in views:
        for group in groups:
            if group[0].shares_transactions_with(view):
                group.append(view)
                break
        else:
            groups.append([view])
    return groups


def apply_together(batch: Sequence[tuple[View, Changes]], tracking: Tracking) -> None:
    """Write several views' changes, each with its tracking record, in one transaction (the
    views must share transactions: the same PostgreSQL database, or one SQLite view). Each view
    still takes each event exactly once: its changes and its tracking record commit together."""
    views = [view for view, _ in batch]
    first = views[0]
    assert all(first.shares_transactions_with(view) for view in views)
    try:
        with first._transaction(commit=True) as cursor:
            for view, changes in batch:
                view.write(cursor, changes, tracking)
    except BaseException:
        for view in views:
            view._forget()
        raise
    for view, changes in batch:
        view._remember(changes)


MAX_STATEMENTS = 1024
"""Read queries whose text a view keeps; past this (queries written with a varying number of
parameters) it starts again."""


@dataclass
class _Statement:
    """A read query as sent to the database, and the names of its columns once seen."""

    text: str
    names: list[str] | None = None


def _decoded(
    statement: _Statement, fetched: Sequence[Any], kinds: Mapping[str, ColumnType] | None
) -> list[Row]:
    """Fetched rows as dicts, each column whose stored form differs from its Python one
    converted."""
    if not fetched:
        return []
    names = statement.names or []
    if isinstance(fetched[0], dict):
        fetched = [tuple(row.values()) for row in fetched]
    signature = (*names, "", *((kinds or {}).get(name, "") for name in names))
    decode = _ROW_DECODERS.get(signature)
    if decode is None:
        decode = _ROW_DECODERS[signature] = _row_decoder(names, kinds or {})
    return decode(fetched)


_STORED_AS: dict[ColumnType, str] = {
    "uuid": "(U({v}) if {v}.__class__ is str else {v})",
    "date": "(D({v}) if {v}.__class__ is str else {v})",
    "timestamp": "(T({v}) if {v}.__class__ is str else {v})",
    "json": "(None if {v} is None else J({v}))",
    "bool": "(None if {v} is None else bool({v}))",
}
"""How a stored value `{v}` comes back as its Python value (`_DECODERS`, written inline: a page
decodes hundreds of values)."""

_ROW_DECODERS: dict[tuple[str, ...], Callable[[Sequence[Any]], list[Row]]] = {}


def _row_decoder(
    names: Sequence[str], kinds: Mapping[str, ColumnType]
) -> Callable[[Sequence[Any]], list[Row]]:
    """A function turning fetched tuples into dicts, generated once per query shape."""
    parts = []
    for number, name in enumerate(names):
        if not _IDENTIFIER.fullmatch(name):  # a computed column without a plain name
            return partial(_decoded_slowly, list(names), kinds)
        value = f"r[{number}]"
        convert = _STORED_AS.get(kinds.get(name, "text"))
        parts.append(f"{name!r}: {convert.format(v=value) if convert else value}")
    source = f"def decode(rows):\n    return [{{{', '.join(parts)}}} for r in rows]\n"
    namespace: dict[str, Any] = {
        "U": _uuid_of,
        "D": date.fromisoformat,
        "T": datetime.fromisoformat,
        "J": orjson.loads,
    }
    exec(source, namespace)  # generated from column names checked above
    decode: Callable[[Sequence[Any]], list[Row]] = namespace["decode"]
    return decode


def _decoded_slowly(
    names: list[str], kinds: Mapping[str, ColumnType], fetched: Sequence[Any]
) -> list[Row]:
    converters = [
        (index, _DECODERS[kinds[name]])
        for index, name in enumerate(names)
        if name in kinds and kinds[name] in _DECODERS
    ]
    rows = []
    for fetched_row in fetched:
        values = list(fetched_row)
        for index, convert in converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        rows.append(dict(zip(names, values, strict=True)))
    return rows


@dataclass(frozen=True)
class Read:
    """One query of a view, not yet run (`View.read`)."""

    view: View
    sql: str
    params: Mapping[str, Any] | None
    kinds: Mapping[str, ColumnType] | None


def fetch_together(reads: Sequence[Read]) -> list[list[Row]]:
    """The rows of each read, in order. Reads of PostgreSQL views whose connection is held by
    `reading_together` go to the server in one pipeline: one round trip for all of them rather
    than one each. Any other read runs on its own."""
    results: list[list[Row] | None] = [None] * len(reads)
    pipelined: dict[int, list[int]] = {}
    held = _HELD.get()
    for number, read in enumerate(reads):
        view = read.view
        if isinstance(view, PostgresView) and id(view.datastore) in held:
            pipelined.setdefault(id(view.datastore), []).append(number)
        else:
            results[number] = view.query(read.sql, read.params, read.kinds)
    for datastore, numbers in pipelined.items():
        connection = held[datastore]
        statements = [reads[n].view._statement(reads[n].sql) for n in numbers]
        cursors = []
        with ExitStack() as stack:
            with connection.pipeline():
                for number, statement in zip(numbers, statements, strict=True):
                    read = reads[number]
                    cursor = stack.enter_context(connection.cursor(row_factory=tuple_row))
                    cursor.execute(statement.text, read.view._encode_params(read.params))
                    cursors.append(cursor)
            for number, statement, cursor in zip(numbers, statements, cursors, strict=True):
                fetched = cursor.fetchall()
                View._learn_names(statement, cursor)
                results[number] = _decoded(statement, fetched, reads[number].kinds)
    return [rows if rows is not None else [] for rows in results]


T = TypeVar("T")
Reader = Generator[Sequence[Read], list[list[Row]], T]
"""A view query that may take several reads: it yields the reads it needs next (a sequence of
`Read`), receives their rows, and returns its answer. `run_readers` runs several at once."""


def run_reader(reader: Reader[T]) -> T:
    """The answer of one reader, its reads run as it asks for them."""
    [answer] = run_readers([reader])
    return answer  # type: ignore[no-any-return]


def run_readers(readers: Sequence[Reader[Any]]) -> list[Any]:
    """The answers of several readers, advanced in step: each round, the reads all of them ask
    for are fetched together (`fetch_together`), so a page of several sections waits for the
    database once or twice rather than once per query."""
    answers: list[Any] = [None] * len(readers)
    pending: dict[int, Sequence[Read]] = {}
    for number, reader in enumerate(readers):
        try:
            pending[number] = next(reader)
        except StopIteration as done:
            answers[number] = done.value
    while pending:
        order = list(pending)
        rows = fetch_together([read for n in order for read in pending[n]])
        asked = pending
        pending = {}
        offset = 0
        for number in order:
            count = len(asked[number])
            try:
                pending[number] = readers[number].send(rows[offset : offset + count])
            except StopIteration as done:
                answers[number] = done.value
            offset += count
    return answers


def _encode_param(value: Any, postgres: bool) -> Any:
    if isinstance(value, bool):
        return value if postgres else int(value)
    if isinstance(value, (UUID, date, datetime)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_encode_param(v, postgres) for v in value]
    return value


class SQLiteView(View, SQLiteTrackingRecorder):
    postgres = False

    def qualified(self, table: Table) -> str:
        return self.physical(table)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.table_ddl()]

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[Any]:
        """A transaction on the view's file.

        Writing connections commit without waiting for a disk flush (`synchronous=NORMAL` in
        WAL mode): a crash of the machine can lose the last batches but never tear one, and a
        lost batch takes its tracking record with it, so the view processes those events again.
        During a bulk load from empty they do not flush at all (`synchronous=OFF`, many times
        quicker on a virtual disk); the load ends with a checkpoint that does. A machine that
        loses power in the middle of a rebuild needs the rebuild run again (docs/operations.md).
        """
        with self.datastore.get_connection(commit=commit) as connection:
            if commit:
                wanted = "OFF" if self.bulk_loading else "NORMAL"
                if _CONNECTION_SETTING.get(connection) != wanted:
                    connection._sqlite_conn.execute(f"PRAGMA synchronous={wanted}")
                    _CONNECTION_SETTING[connection] = wanted
            with connection.transaction(commit=commit) as cursor:
                yield cursor

    def _after_bulk_load(self) -> None:
        with self.datastore.get_connection(commit=True) as connection:
            connection._sqlite_conn.execute("PRAGMA synchronous=FULL")
            connection._sqlite_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _CONNECTION_SETTING[connection] = "FULL"

    def _write_upserts(self, cursor: Any, table: Table, rows: Sequence[Row]) -> None:
        names = table.column_names
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in table.key)
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        sql = (
            f"INSERT INTO {self.qualified(table)} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        if not table.append_only:
            sql += f" ON CONFLICT ({', '.join(table.key)}) {conflict}"
        cursor.sqlite_cursor.executemany(sql, map(row_encoder(table, False), rows))

    def drop(self) -> None:
        """Remove the view's tables and tracking: a rebuild starts from position 0."""
        self._forget()
        # Emptied for a rebuild, which flushes once at its end: no need to wait for the disk.
        self.__dict__["_bulk_loading"] = True
        with self._transaction(commit=True) as cursor:
            for table in self.model.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {self.qualified(table)}")
            cursor.execute("DELETE FROM tracking WHERE application_name = ?", (UPSTREAM,))
        self.__dict__["_bulk_loading"] = False
        self.create_table()


_PG_ARRAY = {
    "text": "text[]",
    "uuid": "text[]",
    "int": "bigint[]",
    "bool": "boolean[]",
    "date": "text[]",
    "timestamp": "text[]",
    "json": "text[]",
}


_HELD: contextvars.ContextVar[Mapping[int, Any]] = contextvars.ContextVar(
    "held", default=MappingProxyType({})
)
"""Connections held for reads by `reading_together`, by the id of their pool's datastore."""


@contextmanager
def reading_together(views: Iterable[View]) -> Iterator[None]:
    """Within the block, reads of these views use one connection per pool, taken once, instead
    of taking one from the pool for every query (a page reads a dozen times)."""
    held = dict(_HELD.get())
    with ExitStack() as stack:
        for view in views:
            if isinstance(view, PostgresView) and id(view.datastore) not in held:
                held[id(view.datastore)] = stack.enter_context(view.datastore.get_connection())
        token = _HELD.set(held)
        try:
            yield
        finally:
            _HELD.reset(token)


class PostgresView(View, PostgresTrackingRecorder):
    postgres = True

    def create_table(self) -> None:
        """Create the tracking table, then the view's tables only if one is missing: `CREATE
        INDEX IF NOT EXISTS` locks its table even when the index exists, and a process opening
        its views while a worker writes them must not deadlock with it."""
        super().create_table()
        with self.datastore.transaction(commit=True) as cursor:
            missing = False
            for table in self.model.tables:
                cursor.execute("SELECT to_regclass(%s) AS found", (self.qualified(table),))
                row = cursor.fetchone()
                missing = missing or row is None or row["found"] is None
            if missing:
                for statement in self.table_ddl():
                    cursor.execute(SQL(statement))

    def qualified(self, table: Table) -> str:
        return f'"{self.datastore.schema}"."{self.physical(table)}"'

    def qualified_index(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{name}"'

    def shares_transactions_with(self, other: View) -> bool:
        return isinstance(other, PostgresView) and other.datastore is self.datastore

    def _after_bulk_load(self) -> None:
        """Give the planner statistics of the tables just filled, rather than wait for
        autovacuum (which may be off, or hours away)."""
        with self._transaction(commit=True) as cursor:
            for table in self.model.tables:
                cursor.execute(SQL(f"ANALYZE {self.qualified(table)}"))

    def _index_exists(self, cursor: Any, name: str) -> bool:
        """`CREATE INDEX IF NOT EXISTS` locks its table even when the index exists."""
        cursor.execute("SELECT to_regclass(%s) AS found", (name,))
        row = cursor.fetchone()
        return row is not None and row["found"] is not None

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[Any]:
        """A transaction on one of the views' pooled connections. Their commits do not wait for
        the WAL to reach the disk (`synchronous_commit=off`, set once per connection): a crash
        of the server can lose the last fraction of a second of view updates, each with its
        tracking record, so the view processes those events again; it never tears a batch."""
        with self.datastore.get_connection() as connection:
            if commit and _CONNECTION_SETTING.get(connection) != "unflushed":
                connection.execute("SET synchronous_commit TO OFF")
                _CONNECTION_SETTING[connection] = "unflushed"
            with connection.transaction(force_rollback=not commit):
                yield connection.cursor()

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """One statement needs no transaction of its own: the pool's connections autocommit, so
        a query is one round trip instead of three (BEGIN, SELECT, ROLLBACK). Within
        `reading_together`, the connection held for this pool is used."""
        held = _HELD.get().get(id(self.datastore))
        if held is not None:
            with held.cursor(row_factory=tuple_row) as cursor:
                yield cursor
            return
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            yield cursor

    def _write_upserts(self, cursor: Any, table: Table, rows: Sequence[Row]) -> None:
        """One statement per table per batch: the rows travel as one array per column; rows
        that are only ever appended are streamed with `COPY`."""
        names = table.column_names
        if table.append_only:
            encode = row_encoder(table, True)
            with cursor.copy(
                f"COPY {self.qualified(table)} ({', '.join(names)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(encode(row))
            return
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in table.key)
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        arrays = ", ".join(f"%s::{_PG_ARRAY[c.type]}" for c in table.columns)
        sql = (
            f"INSERT INTO {self.qualified(table)} ({', '.join(names)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT ({', '.join(table.key)}) {conflict}"
        )
        params = [
            [encode(row.get(c.name)) for row in rows]
            for c in table.columns
            for encode in (_ENCODERS[c.type, True],)
        ]
        cursor.execute(sql, params, prepare=False)

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for table in self.model.tables:
                cursor.execute(SQL(f"DROP TABLE IF EXISTS {self.qualified(table)}"))
            cursor.execute(
                SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                    Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                ),
                (UPSTREAM,),
            )
        self.create_table()


class ReadModelProjection(Projection[View]):
    """A read model as the library's `Projection`: one event, one transaction. It lets the
    library's own `ProjectionRunner` drive our views (the benchmark's baseline)."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        changes = Changes(self.view)
        self.view.model.handle(domain_event, changes, tracking.notification_id)
        self.view.apply(changes, tracking)


_VIEW_CLASSES: dict[type[ReadModel], tuple[type[SQLiteView], type[PostgresView]]] = {}


def view_classes(model: type[ReadModel]) -> tuple[type[SQLiteView], type[PostgresView]]:
    """The SQLite and PostgreSQL view classes of a read model."""
    if model not in _VIEW_CLASSES:
        attrs = {"model": model, "__module__": model.__module__}
        _VIEW_CLASSES[model] = (
            type(f"{model.__name__}SQLiteView", (SQLiteView,), attrs),
            type(f"{model.__name__}PostgresView", (PostgresView,), attrs),
        )
    return _VIEW_CLASSES[model]


def library_projection(model: type[ReadModel]) -> type[ReadModelProjection]:
    attrs = {"name": model.name, "topics": model.topics, "__module__": model.__module__}
    return type(f"{model.__name__}Projection", (ReadModelProjection,), attrs)


def topics_of(*event_classes: type) -> tuple[str, ...]:
    from eventsourcing.utils import get_topic

    return tuple(get_topic(c) for c in event_classes)


def rows_equal(left: Iterable[Row], right: Iterable[Row]) -> bool:
    return list(left) == list(right)
