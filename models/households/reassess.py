"""Re-assess every household under the rules in force (after the county changed an assessment
rule): the needs ledger's rows then all name the rule set in force.

For each household the 10 indicators are computed again with ``rule_set_on(today)``; a new
``Assessment`` is stored when the result or the rule set differs from the household's latest
one (assessor ``rules:<change id>``). Households are read in chunks of ``CHUNK`` with their
members, through ``household_facts`` (the one reader of a household's facts).

``reassess_all`` returns what changed, including the households whose distress level rose
(``raised``: the 动态监测 alerts start from there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from models.catalogue.catalogue import load_catalogue
from models.households.households import Assessment, Household, household_facts
from policy.assessment import DistressLevel, assess
from models.rules import rule_set_on

CHUNK = 1000
Progress = Callable[[int, int], None]
"""``progress(households done, households in all)``."""

_A = Assessment.__table__


@dataclass
class Reassessed:
    households: int = 0
    assessments_created: int = 0
    rule_set_id: int | None = None
    levels_up: int = 0
    levels_down: int = 0
    raised: list[tuple[int, str, str]] = field(default_factory=list)
    """(household id, level before, level now) where the level rose."""


def latest_of(db: Session, household_ids: list[int]) -> dict[int, tuple[dict, str, int | None]]:
    """household id -> (result, level, rule set id) of its latest assessment."""
    rank = func.row_number().over(partition_by=_A.c.household_id, order_by=(_A.c.assessed_at.desc(), _A.c.id.desc())).label("rank")
    ranked = select(_A.c.household_id, _A.c.result, _A.c.level, _A.c.rule_set_id, rank).where(_A.c.household_id.in_(household_ids)).subquery()
    rows = db.execute(select(ranked.c.household_id, ranked.c.result, ranked.c.level, ranked.c.rule_set_id).where(ranked.c.rank == 1))
    return {household_id: (result, level, rule_set) for household_id, result, level, rule_set in rows}


def reassess_all(db: Session, *, today: dt.date, now: dt.datetime, assessor: str, progress: Progress | None = None) -> Reassessed:
    """Assess every household again in the caller's transaction; see the module docstring."""
    rule_set_id, thresholds = rule_set_on(db, today, now)
    catalogue = load_catalogue(db)
    outcome = Reassessed(rule_set_id=rule_set_id)
    total = db.scalar(select(func.count()).select_from(Household)) or 0
    last_id = 0
    while True:
        chunk = list(db.scalars(select(Household).where(Household.id > last_id).order_by(Household.id).limit(CHUNK).options(selectinload(Household.members))))
        if not chunk:
            break
        last_id = chunk[-1].id
        latest = latest_of(db, [h.id for h in chunk])
        rows = []
        for household in chunk:
            if not household.members:
                continue
            result = assess(household_facts(household, today), thresholds, catalogue)
            as_dict = result.to_dict()
            before = latest.get(household.id)
            if before is not None and before[0] == as_dict and before[2] == rule_set_id:
                continue
            rows.append({"household_id": household.id, "assessed_at": now, "assessor": assessor, "result": as_dict, "distressed_count": result.distressed_count,
                         "level": result.level.value, "suggested_services": list(result.suggested_services), "rule_set_id": rule_set_id})
            if before is not None and before[1] != result.level.value:
                old = DistressLevel(before[1])
                if result.level.rank > old.rank:
                    outcome.levels_up += 1
                    outcome.raised.append((household.id, old.value, result.level.value))
                else:
                    outcome.levels_down += 1
        if rows:
            db.execute(insert(_A), rows)
        outcome.assessments_created += len(rows)
        outcome.households += len(chunk)
        db.expunge_all()  # the session holds at most one chunk
        if progress is not None:
            progress(outcome.households, total)
    return outcome
