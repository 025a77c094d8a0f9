"""What the dispatch use cases return: expected outcomes are values, never exceptions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from models.notices import Notice


class DispatchOutcome(str, Enum):
    OFFERED = "offered"
    ESCALATED = "escalated"  # K failed offers, or nobody qualifies: the town's A post
    ALREADY_OFFERED = "already_offered"  # an open offer exists: nothing to do
    NOT_PENDING = "not_pending"  # accepted, escalated, cancelled ...: left alone
    BUSY = "busy"  # only providers another worker is assigning right now: try again
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class DispatchResult:
    outcome: DispatchOutcome
    request_id: int
    offer_id: int | None = None
    provider_id: int | None = None
    deadline: dt.datetime | None = None
    notices: tuple[Notice, ...] = ()
    #: the deadline was counted (partly) with weekdays only: a year without calendar data
    calendar_warning: bool = False


class AnswerOutcome(str, Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_ACCEPTED = "already_accepted"  # the holder said 接单 again
    ALREADY_DECLINED = "already_declined"
    TAKEN = "taken"  # the request went to someone else (or was withdrawn from this provider)
    EXPIRED = "expired"  # too late: the offer timed out and passes to the next provider
    CLOSED = "closed"  # the request was cancelled or finished
    NO_OFFER = "no_offer"  # this provider was never offered this request


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    request_id: int | None = None
    offer_id: int | None = None
    notices: tuple[Notice, ...] = ()
    #: enqueue the next dispatch of ``request_id`` after commit
    redispatch: bool = False


@dataclass(frozen=True)
class ExpiryResult:
    request_ids: tuple[int, ...]
    notices: tuple[Notice, ...]
