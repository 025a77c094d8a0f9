"""The county's rules as dated data: every value with its effective date, who entered it and
why, and the rule sets the assessments used.

* ``RuleValue``: one value of one rule (``policy.rules.RULES``) from a date on. The
  shipped values are seeded with ``FIRST_DAY`` and their origin (example or policy).
* ``RuleChange``: what the county saved in one go (values, one effective date, a reason), and
  the re-assessment it asked for: ``scheduled`` until its date, then ``queued``, ``running``,
  ``done`` (or ``failed``); ``none`` when no assessment rule changed.
* ``RuleSet``: the assessment values of one combination, by fingerprint; every assessment
  points at the one it used, and the needs ledger names it (``R3``).

Reading: ``thresholds_on(db, day)``; ``rule_set_on(db, day)`` for an assessment. Writing:
``change_rules`` and ``confirm_examples`` (audited), ``seed_rules``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import Channel, record
from db.base import Base, IdPk, Timestamp
from policy.rules import (
    ASSESSMENT_KEYS,
    BY_KEY,
    FIRST_DAY,
    RULES,
    DatedValue,
    Origin,
    Rule,
    RuleError,
    assessment_values,
    described,
    fingerprint,
    in_force,
    parse,
    shown,
    stored,
    thresholds_from,
    upcoming,
)
from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds
from db.sql import insert_ignoring_conflicts
from models.staff import staff as _staff  # noqa: F401  (the table the foreign keys point at, for a worker that imports nothing else)

MIN_REASON_LENGTH = 4
LATEST_EFFECTIVE_YEARS = 3
"""A value may start at most this many years ahead."""


class ChangeStatus(str, Enum):
    NONE = "none"  # no assessment rule changed: nothing to re-assess
    SCHEDULED = "scheduled"  # waits for its effective date
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"none": "无需重新评估", "scheduled": "待生效后自动重新评估", "queued": "排队中", "running": "重新评估中",
                "done": "重新评估完成", "failed": "重新评估失败"}[self.value]


class RuleChange(Base):
    __tablename__ = "rule_changes"

    id: Mapped[IdPk]
    effective_from: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    entered_at: Mapped[Timestamp]
    #: {key: {"from": shown, "to": shown}} as the page showed them
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.NONE.value, index=True)
    households: Mapped[int | None] = mapped_column(Integer)
    assessments_created: Mapped[int | None] = mapped_column(Integer)
    levels_up: Mapped[int | None] = mapped_column(Integer)
    levels_down: Mapped[int | None] = mapped_column(Integer)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_sets.id"))
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))

    @property
    def state(self) -> ChangeStatus:
        return ChangeStatus(self.status)


class RuleValue(Base):
    __tablename__ = "rule_values"

    id: Mapped[IdPk]
    key: Mapped[str] = mapped_column(String(48), index=True)
    value: Mapped[Any] = mapped_column(JSON)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(12))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("rule_changes.id"), index=True)
    entered_at: Mapped[Timestamp]


class RuleSet(Base):
    __tablename__ = "rule_sets"

    id: Mapped[IdPk]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``assessment_values``: the values of ``ASSESSMENT_KEYS``
    values: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[Timestamp]

    @property
    def code(self) -> str:
        return f"R{self.id}"


def code_of(rule_set_id: int | None) -> str:
    return f"R{rule_set_id}" if rule_set_id else "未记录"


# -- reading -------------------------------------------------------------------------------


def dated_values(db: Session) -> list[DatedValue]:
    rows = db.execute(select(RuleValue.id, RuleValue.key, RuleValue.value, RuleValue.effective_from, RuleValue.origin))
    return [DatedValue(i, key, value, day, Origin(origin)) for i, key, value, day, origin in rows if key in BY_KEY]


def thresholds_on(db: Session, day: dt.date) -> Thresholds:
    """The rules in force on ``day`` (the shipped values for rules never stored)."""
    return thresholds_from({key: v.value for key, v in in_force(dated_values(db), day).items()}, DEFAULT_THRESHOLDS)


def rule_set_on(db: Session, day: dt.date, now: dt.datetime) -> tuple[int, Thresholds]:
    """The rule set in force on ``day`` (created when first used) and the thresholds."""
    thresholds = thresholds_on(db, day)
    return rule_set_id(db, thresholds, now), thresholds


def rule_set_id(db: Session, thresholds: Thresholds, now: dt.datetime) -> int:
    values = assessment_values(thresholds)
    mark = fingerprint(values)
    found = db.scalar(select(RuleSet.id).where(RuleSet.fingerprint == mark))
    if found is not None:
        return found
    db.execute(insert_ignoring_conflicts(db, RuleSet.__table__), [{"fingerprint": mark, "values": values, "created_at": now}])
    return db.scalar(select(RuleSet.id).where(RuleSet.fingerprint == mark))


def rule_sets(db: Session, ids) -> dict[int, RuleSet]:
    ids = sorted({i for i in ids if i})
    return {row.id: row for row in db.scalars(select(RuleSet).where(RuleSet.id.in_(ids)))} if ids else {}


@dataclass(frozen=True)
class RuleLine:
    """One rule on the page: the value in force today and what comes next."""

    rule: Rule
    current: DatedValue | None
    next: list[DatedValue] = field(default_factory=list)

    @property
    def value(self) -> Any:
        return self.current.value if self.current else self.rule.shipped

    @property
    def origin(self) -> Origin:
        return self.current.origin if self.current else self.rule.origin

    @property
    def shown(self) -> str:
        return shown(self.rule, self.value)

    @property
    def later(self) -> list[tuple[dt.date, str]]:
        """(effective date, value as shown) of the values that start after today."""
        return [(v.effective_from, shown(self.rule, v.value)) for v in self.next]

    @property
    def since(self) -> dt.date | None:
        return self.current.effective_from if self.current and self.current.effective_from > FIRST_DAY else None


def rule_lines(db: Session, today: dt.date) -> list[RuleLine]:
    values = dated_values(db)
    current = in_force(values, today)
    later = upcoming(values, today)
    return [RuleLine(rule, current.get(rule.key), [v for v in later if v.key == rule.key]) for rule in RULES]


def examples_in_force(db: Session, today: dt.date) -> list[RuleLine]:
    """The placeholders (示例值) the rules still use today."""
    return [line for line in rule_lines(db, today) if line.origin is Origin.EXAMPLE]


def examples_text(lines: list[RuleLine]) -> str:
    """``低保标准780元/人·月、全市人均住房面积40平方米``."""
    return "、".join(described(line.rule, line.value) for line in lines)


# -- writing -------------------------------------------------------------------------------


def seed_rules(db: Session, now: dt.datetime) -> int:
    """Store the shipped value of every rule not stored yet (from ``FIRST_DAY``); never
    overwrites what the county entered. Returns how many were added."""
    stored_keys = set(db.scalars(select(RuleValue.key).distinct()))
    missing = [rule for rule in RULES if rule.key not in stored_keys]
    db.add_all([RuleValue(key=r.key, value=stored(r.shipped), effective_from=FIRST_DAY, origin=r.origin.value, entered_at=now) for r in missing])
    db.flush()
    return len(missing)


def change_rules(db: Session, typed: Mapping[str, str], effective_from: dt.date | None, reason: str, staff_id: int, now: dt.datetime, today: dt.date) -> RuleChange:
    """Save what the county typed (rule key -> text, as the page shows values) from
    ``effective_from``. Everything is checked before anything is written: a value out of range,
    a combination that does not work, no reason or no change raises ``RuleError``."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RuleError(f"请写明修改依据（至少{MIN_REASON_LENGTH}个字），如文件名称和文号，会记入留痕。")
    if effective_from is None:
        raise RuleError("请选择生效日期。")
    if effective_from < FIRST_DAY or effective_from > today.replace(year=today.year + LATEST_EFFECTIVE_YEARS):
        raise RuleError(f"生效日期应在{FIRST_DAY.year}年到{today.year + LATEST_EFFECTIVE_YEARS}年之间。")
    values = dated_values(db)
    before = thresholds_from({k: v.value for k, v in in_force(values, effective_from).items()})
    new: dict[str, Any] = {}
    for key, text in typed.items():
        rule = BY_KEY.get(key)
        if rule is None:
            raise RuleError("没有这项规则。")
        value = parse(rule, text)
        if shown(rule, value) != shown(rule, getattr(before, key)):
            new[key] = value
    if not new:
        raise RuleError("没有改动：填写的数值与该日期起施行的数值相同。")
    _check_combinations(values, new, effective_from)
    changes = {key: {"from": shown(BY_KEY[key], getattr(before, key)), "to": shown(BY_KEY[key], value)} for key, value in new.items()}
    reassess = any(key in ASSESSMENT_KEYS for key in new)
    status = ChangeStatus.NONE if not reassess else (ChangeStatus.QUEUED if effective_from <= today else ChangeStatus.SCHEDULED)
    change = RuleChange(effective_from=effective_from, reason=reason[:200], entered_by=staff_id, entered_at=now, changes=changes, status=status.value)
    db.add(change)
    db.flush()
    db.add_all([RuleValue(key=key, value=stored(value), effective_from=effective_from, origin=Origin.COUNTY.value, change_id=change.id, entered_at=now) for key, value in new.items()])
    db.flush()
    record(db, "rules", change.id, "changed", f"staff:{staff_id}", Channel.WEB, now, effective_from=effective_from.isoformat(), reason=change.reason, changes=changes)
    return change


def _check_combinations(values: list[DatedValue], new: Mapping[str, Any], effective_from: dt.date) -> None:
    """The rules must work together on the effective date and on every later date a stored
    value starts (a later value of another rule may not fit the new one)."""
    after = [DatedValue(10**12 + n, key, stored(value), effective_from, Origin.COUNTY) for n, (key, value) in enumerate(new.items())]
    combined = values + after
    for day in sorted({effective_from, *(v.effective_from for v in values if v.effective_from > effective_from)}):
        thresholds_from({key: v.value for key, v in in_force(combined, day).items()})


def confirm_examples(db: Session, keys: list[str], reason: str, staff_id: int, now: dt.datetime, today: dt.date) -> RuleChange:
    """The county confirms that the placeholders ``keys`` are its own figures: each is stored
    again as the county's, from the same date, so nothing needs re-assessing."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RuleError(f"请写明确认依据（至少{MIN_REASON_LENGTH}个字），会记入留痕。")
    examples = {line.rule.key: line for line in examples_in_force(db, today)}
    chosen = [examples[key] for key in keys if key in examples]
    if not chosen:
        raise RuleError("请勾选要确认的示例值。")
    changes = {line.rule.key: {"from": line.shown, "to": line.shown, "confirmed": True} for line in chosen}
    change = RuleChange(effective_from=min(line.current.effective_from for line in chosen), reason=reason[:200], entered_by=staff_id, entered_at=now,
                        changes=changes, status=ChangeStatus.NONE.value)
    db.add(change)
    db.flush()
    db.add_all([RuleValue(key=line.rule.key, value=stored(line.value), effective_from=line.current.effective_from, origin=Origin.COUNTY.value, change_id=change.id, entered_at=now)
                for line in chosen])
    db.flush()
    record(db, "rules", change.id, "confirmed", f"staff:{staff_id}", Channel.WEB, now, reason=change.reason, changes=changes)
    return change


def recent_changes(db: Session, limit: int = 20) -> list[RuleChange]:
    return list(db.scalars(select(RuleChange).order_by(RuleChange.id.desc()).limit(limit)))


def due_changes(db: Session, today: dt.date) -> list[int]:
    """Scheduled changes whose date has come: the daily job queues their re-assessment."""
    return list(db.scalars(select(RuleChange.id).where(RuleChange.status == ChangeStatus.SCHEDULED.value, RuleChange.effective_from <= today).order_by(RuleChange.id)))


def mark_change(db: Session, change_id: int, status: ChangeStatus, **values) -> None:
    db.execute(update(RuleChange).where(RuleChange.id == change_id).values(status=status.value, **values))
