"""系统派单、机构接单: offer each request to a provider, accept, decline, time out, escalate.

Use cases on the tables, no Flask or Redis. The caller owns the transaction; every result
carries the ``notices`` to record in that same transaction (``Messenger.queue_text``, then
enqueue delivery after commit), and ``redispatch`` when the request needs its next offer
(``workers.dispatch.enqueue_dispatch`` after commit; the sweeper catches it if Redis is down).

The chat side, for a provider who types 接单 / 拒单::

    result = accept_offer(db, now, request_id=request.id, provider_id=provider.id)
    for n in result.notices:
        notify(turn, n.openid, n.text, kind=n.kind)
    if result.redispatch:
        turn.after_commit.append(lambda: enqueue_dispatch(ctx, result.request_id))
    # result.outcome says what to answer: ACCEPTED, ALREADY_ACCEPTED, TAKEN, EXPIRED, ...

Concurrency. Every transition of a request first locks its row (``FOR UPDATE``), so offer,
accept, decline and expiry of one request are serialised; a partial unique index allows one
live (open or accepted) offer per request, and ``service_requests.provider_id`` holds one
provider, so a request is never held by two. A provider's row is locked with ``SKIP LOCKED``
while its capacity is counted, so two dispatchers never overfill it and never wait on each
other: a provider being assigned by another worker at that instant is passed over, and when
only such providers qualify the result is ``BUSY`` (try again shortly), never an escalation.
Lock order: the request, then the provider or the offer.

Modules: ``outcomes`` (results), ``queries`` (reads, indexes), ``offering`` (offers and
escalation, one request or a batch), ``answers`` (accept, decline, withdraw, expire).
"""

from models.requests.dispatch.answers import accept_offer, decline_offer, expire_offers, withdraw_offers
from models.requests.dispatch.offering import escalate, offer_batch, offer_next, offer_to, town_post
from models.requests.dispatch.outcomes import AnswerOutcome, AnswerResult, DispatchOutcome, DispatchResult, ExpiryResult
from models.requests.dispatch.queries import (
    candidate_pools,
    candidates_for,
    claim_pending,
    county_staff,
    lock_request,
    open_offers_for_provider,
    pending_dispatch_ids,
    provider_for_openid,
)

__all__ = [
    "offer_to",
    "AnswerOutcome", "AnswerResult", "DispatchOutcome", "DispatchResult", "ExpiryResult",
    "accept_offer", "candidate_pools", "candidates_for", "claim_pending", "county_staff", "decline_offer", "escalate",
    "expire_offers", "lock_request", "offer_batch", "offer_next", "open_offers_for_provider", "pending_dispatch_ids",
    "provider_for_openid", "town_post", "withdraw_offers",
]
