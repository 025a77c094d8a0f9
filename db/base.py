"""Engine, sessions and the declarative base.

One engine and one ``sessionmaker`` per process, made by ``make_engine`` and
``make_sessionmaker``; callers own their transaction (``with Session.begin():``).
SQLite is the embedded default, PostgreSQL is production.

No liveness ping on checkout (``pool_pre_ping`` costs a round trip per transaction): a pooled
PostgreSQL connection whose server has closed it (a restart, a terminated backend) is noticed
from its socket, without a round trip, and replaced; one that dies in use fails its statement,
and the work is run once more on a new connection (``retry_on_disconnect``: the turn, each job).
"""

from __future__ import annotations

import datetime as dt
import logging
import select
from pathlib import Path
from typing import Annotated, Callable, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, mapped_column, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """The same moment in UTC, as everything is stored (SQLite hands back naive UTC values)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


# Shared column types
IdPk = Annotated[int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)]
OpenId = Annotated[str, mapped_column(String(64), index=True)]
Timestamp = Annotated[dt.datetime, mapped_column(DateTime(timezone=True), default=utcnow)]


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 10)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Refuse a pooled connection its server has closed (or is closing: a termination notice):
    an idle connection has nothing to read unless the server went away. One ``poll`` with no
    wait, no round trip; the pool then connects afresh."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    try:
        fd = pgconn.socket
    except Exception:  # psycopg raises when the connection is already closed
        raise DisconnectionError("connection closed") from None
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server closed this pooled connection")


def is_disconnect(exc: BaseException) -> bool:
    """The database connection was lost under this statement (SQLAlchemy has invalidated it,
    and the pool every connection opened before it)."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def retry_on_disconnect(action: Callable[[], T], what: str) -> T:
    """``action()``, and once more if its database connection turned out to be dead (the server
    restarted since it was pooled): the second attempt gets a new connection. The action must
    be safe to repeat once its transaction was rolled back (a turn, an idempotent job)."""
    try:
        return action()
    except DBAPIError as exc:
        if not is_disconnect(exc):
            raise
        log.warning("%s: the database connection was gone; trying once more on a new one", what)
    return action()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return track_writes(sessionmaker(engine, expire_on_commit=False))


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def track_writes(factory: sessionmaker) -> sessionmaker:
    """Mark a session's ``info["wrote"]`` once it inserts, updates or deletes anything, so a
    caller can tell a turn that changed data from one that only read."""

    @event.listens_for(factory, "after_flush")
    def _flushed(session, _context) -> None:
        session.info["wrote"] = True

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["wrote"] = True

    return factory
