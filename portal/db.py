"""Engine, one session per app context, the declarative base and constraint helpers."""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, cast

from flask import Flask, current_app, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    create_engine,
    event,
    literal_column,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    scoped_session,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from portal.clock import utcnow
from portal.money import quantize
from portal.writers import WriterGate, leave

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


__all__ = ["Base", "utcnow"]


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class FixedDecimal(TypeDecorator):
    """An exact decimal with ``scale`` places: NUMERIC on PostgreSQL, a scaled integer on
    SQLite (whose NUMERIC travels as a float). Values are rounded half-up on the way in."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 12, scale: int = 2) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = quantize(Decimal(value), self.scale)
        return int(value.scaleb(self.scale)) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return quantize(Decimal(value), self.scale)

    def result_processor(self, dialect, coltype):
        """On SQLite, ``process_result_value`` as one closure: a list reads eight amounts a
        row, and SQLAlchemy's generic wrapper around the method costs as much as the work.
        BigInteger has no processor of its own there; anything else keeps the generic path."""
        inner = self.impl_instance.result_processor(dialect, coltype)
        if dialect.name != "sqlite" or inner is not None:
            return super().result_processor(dialect, coltype)
        places = -self.scale

        def from_scaled_integer(value):
            return None if value is None else Decimal(int(value)).scaleb(places)

        return from_scaled_integer


def non_null_index(table: str, *columns: str) -> Index:
    """An index on ``columns`` of the rows whose first column is filled: ``ix_<table>_<it>``.

    For lookups by a nullable unique column most rows leave empty. SQLite's ANALYZE counts
    the NULLs of a unique constraint's own index as one huge group of equal keys, after which
    its planner scans the table rather than use that index; this one holds no NULLs, so its
    statistics are exact. ``column = ?`` implies the condition, so both backends use it.
    """
    condition = text(f"{columns[0]} IS NOT NULL")
    name = f"ix_{table}_{columns[0]}"
    return Index(name, *columns, sqlite_where=condition, postgresql_where=condition)


def in_constants(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN ('A', 'B')`` with the constants written into the SQL: a statement built
    once (a list's page) then has no expanding parameter to rewrite on each execution."""
    words = list(values)
    if not all(word.isidentifier() and word.isascii() for word in words):
        raise ValueError(f"not plain constants: {words!r}")
    return column.in_([literal_column(f"'{word}'") for word in words])


def new_public_id(prefix: str) -> str:
    """An opaque random id such as ``inv_9f86d081884c7d659a2feaa0``."""
    return f"{prefix}_{secrets.token_hex(12)}"


class PublicIdMixin:
    """Random prefixed ids for everything that leaves the server; ``id`` never does."""

    __id_prefix__: str

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def public_id(cls) -> Mapped[str]:
        prefix = cls.__id_prefix__
        return mapped_column(
            String(40), unique=True, default=lambda: new_public_id(prefix), sort_order=-1
        )

    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def _app_context_scope() -> int:
    return id(cast(Any, app_ctx)._get_current_object())  # werkzeug's LocalProxy


class Database:
    """A SQLAlchemy 2 engine per app and a session per app context (i.e. per request)."""

    def __init__(self) -> None:
        factory = cast(Any, self._new_session)  # any callable making a Session will do
        self.session: scoped_session[Session] = scoped_session(
            factory, scopefunc=_app_context_scope
        )

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"], lock_timeout=app.config["DB_LOCK_TIMEOUT_SECONDS"]
        )
        app.extensions["portal.db"] = engine
        app.extensions["portal.db.reads"] = reads_engine(engine)
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["portal.db"]

    def _new_session(self) -> Session:
        engine = self.engine
        if has_request_context() and request.method in SAFE_METHODS:
            engine = current_app.extensions["portal.db.reads"]  # see ``reads_engine``
        return Session(bind=engine, expire_on_commit=False)

    def _remove_session(self, exc: BaseException | None = None) -> None:
        self.session.remove()

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """The statements run inside share one transaction even in a read (see
        ``reads_engine``): what PostgreSQL keeps only within one, such as the server-side
        cursor of a streamed export (``yield_per``). Elsewhere the session's transaction
        already is one."""
        connection = self.session.connection()
        driver = cast(Any, connection.connection.driver_connection)
        if connection.dialect.name != "postgresql" or not driver.autocommit:
            yield
            return
        with driver.transaction():  # psycopg: BEGIN … COMMIT (ROLLBACK on an exception)
            yield


def make_engine(url: str, *, lock_timeout: float = 10) -> Engine:
    """An engine whose waits for a lock end after ``lock_timeout`` seconds (then: 503 BUSY)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": lock_timeout, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        path = engine.url.database
        gate = WriterGate(path, lock_timeout) if path and path != ":memory:" else None
        event.listen(engine, "begin", partial(_sqlite_begin, gate))
        if gate is not None:  # the gate is given back when the transaction ends
            event.listen(engine, "commit", lambda conn: leave(conn.info))
            event.listen(engine, "rollback", lambda conn: leave(conn.info))
            event.listen(engine, "reset", _leave_on_reset)
        return engine
    options = f"-c lock_timeout={int(lock_timeout * 1000)}"
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args={"options": options})
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # requests that change nothing


def reads_engine(engine: Engine) -> Engine:
    """The engine of a request with a safe method (``SAFE_METHODS``): on PostgreSQL the
    same pool with each statement in its own transaction (psycopg's autocommit), so a
    read sends its statements alone, without the ``BEGIN`` and ``COMMIT`` round trips
    around them (a list: three round trips → one). Under READ COMMITTED every statement of a
    transaction already reads its own snapshot, so a read sees what it would have seen.
    Such a request must write nothing (a write there would not be atomic): a statement
    that writes or locks raises ``ReadOnlyRequest``. SQLite keeps its transaction (a
    deferred ``BEGIN``: no lock, no round trip)."""
    if engine.dialect.name != "postgresql":
        return engine
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(reads, "before_cursor_execute", _refuse_writes)
    return reads


class ReadOnlyRequest(RuntimeError):
    """A request with a safe method tried to write or lock (a programming error: a 500)."""


_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")
_CTE_WRITE = re.compile(r"\b(?:INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\S+\s+SET)\b", re.I)
_LOCKING = re.compile(r"\bFOR (?:NO KEY )?(?:UPDATE|SHARE|KEY SHARE)\b")


def _refuse_writes(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    head = statement.lstrip()[:6].upper()
    if (
        head.startswith(_WRITES)
        or (head.startswith("WITH") and _CTE_WRITE.search(statement))
        or (" FOR " in statement and _LOCKING.search(statement))
    ):
        raise ReadOnlyRequest(statement[:200])


# A pooled PostgreSQL connection is pinged before use only when it has rested longer than
# this: one that served a request a moment ago is alive (the pool's pre-ping would spend a
# round trip on every request to learn it). One that fails the ping is replaced.
PING_AFTER_IDLE_SECONDS = 1.0


def _mark_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
        return  # new, or rested less than the threshold
    try:
        # In autocommit the ping begins no transaction: a read's autocommit can only be
        # set outside one (and psycopg's ROLLBACK would also drop its prepared statements).
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
            dbapi_connection.autocommit = False
    except Exception as exc:  # any failure: the pool drops it and connects afresh
        raise DisconnectionError() from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit transactions are off).
    dbapi_connection.isolation_level = None
    # SQLite's LIKE and lower() fold ASCII only; searches use this for "Ñandú" ~ "ñandú".
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)
    dbapi_connection.create_function("fold", 1, fold, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def fold(value):
    """``value`` without case or accents: "Núñez" → "nunez", "Ñandú" → "nandu" (what a
    search compares; PostgreSQL's ``unaccent`` does the same there)."""
    if not isinstance(value, str):
        return value
    if value.isascii():  # most names and every SKU: nothing to decompose
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


MAX_QUERY = 100  # a search text's characters beyond this are ignored


def search_text(q: str | None) -> str:
    """What a list searches for: the text without surrounding space, cut at MAX_QUERY."""
    return (q or "").strip()[:MAX_QUERY]


def _leave_on_reset(_dbapi_connection, connection_record, _reset_state) -> None:
    leave(connection_record.info)  # a connection back in the pool holds no gate


def _sqlite_begin(gate: WriterGate | None, connection) -> None:
    # A request that may write takes the write lock when its transaction starts, so
    # two writers queue instead of one failing with "database is locked" when it upgrades
    # a read snapshot; they queue at the gate (portal/writers.py), not in SQLite's busy
    # handler. Safe methods keep concurrent reads.
    # The body of such a request is read in full before its first query
    # (``portal.web.read_body_first``): a client that trickles its body holds no lock.
    if has_request_context() and request.method in SAFE_METHODS:
        # Said to the driver: SQLAlchemy's own execution of a statement (events, context,
        # result) cost a read a fortieth of its time. A deferred BEGIN waits for no lock.
        connection.connection.driver_connection.execute("BEGIN")
        return
    if gate is not None:
        gate.enter(connection.info)
    try:  # through SQLAlchemy: "database is locked" must arrive wrapped (503 BUSY)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        leave(connection.info)
        raise


def violated_constraint(exc: IntegrityError, metadata: MetaData = Base.metadata) -> str | None:
    """The name of the unique constraint an ``IntegrityError`` reports, on any backend."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    match = re.search(r"UNIQUE constraint failed: ([\w., ]+)", str(orig))
    if not match:
        return None
    columns = [part.strip() for part in match.group(1).split(",")]
    table_name = columns[0].split(".")[0]
    names = {c.split(".")[1] for c in columns}
    table = metadata.tables.get(table_name)
    if table is None:
        return None
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and (
            {c.name for c in constraint.columns} == names
        ):
            return str(constraint.name)
    for index in table.indexes:
        if index.unique and {c.name for c in index.columns} == names:
            return str(index.name)
    return None


def conflict_error(exc: IntegrityError) -> Exception | None:
    """The domain error a model declares for the unique constraint ``exc`` names, if any.

    Models declare ``__conflicts__ = {constraint name: error factory}``; this is the one
    place that maps a unique-constraint violation to its 409.
    """
    name = violated_constraint(exc)
    factory = _conflict_factories().get(name) if name else None
    return factory() if factory is not None else None


def _conflict_factories() -> dict[str, Callable[[], Exception]]:
    factories: dict[str, Callable[[], Exception]] = {}
    for mapper in Base.registry.mappers:
        factories.update(getattr(mapper.class_, "__conflicts__", {}))
    return factories


@contextmanager
def conflicts(*, savepoint: bool = True) -> Iterator[None]:
    """Write inside a savepoint: a unique-constraint violation undoes only these changes
    and raises the error its model declares, and the request's transaction stays usable
    (a page can show the form again). The database decides, not a prior SELECT, so two
    racing requests get one winner.

    ``savepoint=False``, for a write that all but never collides and after which the
    request does nothing more: no savepoint (its two statements are two round trips on
    PostgreSQL); a violation then rolls the request's whole transaction back, as the failed
    request's end would, before its error is raised, so that a page can still read to show
    its form again.
    """
    from portal.extensions import db

    try:
        if savepoint:
            with db.session.begin_nested():
                yield
        else:
            yield
    except IntegrityError as exc:
        error = conflict_error(exc)
        if not savepoint:
            db.session.rollback()
        if error is None:
            raise
        raise error from exc


def is_unique_violation(exc: IntegrityError) -> bool:
    orig: Any = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})  # lock timeout, serialization, deadlock


def is_busy(exc: DBAPIError) -> bool:
    """Whether ``exc`` means "a lock could not be had in time" (then: 503 and retry)."""
    orig: Any = exc.orig
    if getattr(orig, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message
