"""The service catalogue (服务清单) and policy thresholds as data the county can edit.

Seeded from ``policy.catalogue.DEFAULT_CATALOGUE`` and the rules' shipped values
(``models.rules``, dated: ``load_thresholds`` reads the values in force on a day); the rules
always read what is stored.
Chat turns read them through ``recent_catalogue`` and ``recent_thresholds``: what this
process read at most ``RECENT_SECONDS`` ago (see there for the bound).
"""

from __future__ import annotations

import threading
import time
import weakref
from decimal import Decimal
from typing import Any, Callable

import datetime as dt

from sqlalchemy import JSON, Boolean, Numeric, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.calendar import COUNTY_TZ
from db.base import Base, utcnow
from policy.catalogue import DEFAULT_CATALOGUE, Catalogue, CatalogueItem
from policy.thresholds import Thresholds
from models.rules import RuleValue, seed_rules, thresholds_on


class ServiceItem(Base):
    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    #: ``CatalogueItem.to_dict()``: eligibility and providers, as the rules read them
    definition: Mapped[dict] = mapped_column(JSON)
    #: price per service, for the budget (yuan); None = not purchased
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(default=0)


def seed_catalogue(db: Session, catalogue: Catalogue = DEFAULT_CATALOGUE) -> int:
    """Add the items (and the rules' shipped values) that are missing; never overwrite what the
    county has edited."""
    existing = set(db.scalars(select(ServiceItem.code)))
    added = 0
    for position, item in enumerate(catalogue.items):
        if item.code in existing:
            continue
        db.add(ServiceItem(code=item.code, category=item.category.value, name=item.name, description=item.description, definition=item.to_dict(), position=position))
        added += 1
    seed_rules(db, utcnow())
    db.flush()
    return added


def load_catalogue(db: Session, active_only: bool = True) -> Catalogue:
    query = select(ServiceItem).order_by(ServiceItem.position)
    if active_only:
        query = query.where(ServiceItem.active.is_(True))
    return Catalogue(tuple(CatalogueItem.from_dict(row.definition) for row in db.scalars(query)))


def county_today() -> dt.date:
    return dt.datetime.now(COUNTY_TZ).date()


def load_thresholds(db: Session, day: dt.date | None = None) -> Thresholds:
    """The rules in force on ``day`` (default: the county's today by the wall clock)."""
    return thresholds_on(db, day or county_today())


# -- recent reads for chat turns -------------------------------------------------------------

#: How old the catalogue and thresholds a chat turn sees may be. Each process keeps what it read
#: for at most this many seconds, per database. A change committed through a session of this
#: process (the back office's edit, a seed) clears its copy at once; a change made by another
#: process (another web worker, the back office's worker, the CLI) reaches this one's dialogues
#: within RECENT_SECONDS. A session that changed them reads its own version, never the copy.
#: Writes by raw SQL text are not noticed: they wait out the bound too.
RECENT_SECONDS = 5.0

_REFERENCE_ROWS = (ServiceItem, RuleValue)
_REFERENCE_TABLES = frozenset(cls.__tablename__ for cls in _REFERENCE_ROWS)
_WROTE = "jzt.reference_written"
_recent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {key: (generation, read_at, value)}
_lock = threading.Lock()
_generation = 0


def recent_catalogue(db: Session, active_only: bool = True) -> Catalogue:
    """``load_catalogue`` as this process read it at most ``RECENT_SECONDS`` ago."""
    return _recent_read(db, ("catalogue", active_only), lambda: load_catalogue(db, active_only))


def recent_catalogue_of(db: Session, codes, active_only: bool = True) -> Catalogue:
    """``recent_catalogue`` when it holds every item in ``codes``, else the catalogue read now:
    an item added in the last ``RECENT_SECONDS`` may already be on a request filed through a
    process whose copy is newer than this one's."""
    found = recent_catalogue(db, active_only)
    return found if all(code in found for code in codes) else load_catalogue(db, active_only)


def recent_thresholds(db: Session, day: dt.date | None = None) -> Thresholds:
    """``load_thresholds`` as this process read it at most ``RECENT_SECONDS`` ago."""
    day = day or county_today()
    return _recent_read(db, ("thresholds", day), lambda: load_thresholds(db, day))


def _recent_read(db: Session, key: tuple, load: Callable[[], Any]) -> Any:
    if db.info.get(_WROTE) or _changes_reference(db):
        return load()
    engine, generation, now = db.get_bind().engine, _generation, time.monotonic()
    with _lock:
        found = _recent.get(engine, {}).get(key)
    if found and found[0] == generation and now - found[1] < RECENT_SECONDS:
        return found[2]
    value = load()
    with _lock:  # stored with the generation it was read under: a commit meanwhile voids it
        _recent.setdefault(engine, {})[key] = (generation, now, value)
    return value


def _changes_reference(session: Session) -> bool:
    return any(isinstance(row, _REFERENCE_ROWS) for row in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    if _changes_reference(session):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in _REFERENCE_TABLES:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    global _generation
    if session.info.pop(_WROTE, False):
        with _lock:
            _generation += 1


@event.listens_for(Session, "after_rollback")
def _nothing_written(session: Session) -> None:
    session.info.pop(_WROTE, None)
