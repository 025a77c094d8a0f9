"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import alerts, applications, areas, audit, catalogue, dialogue, dispatch, households, invites, leads, messages, numbers, providers, requests, residents, staff, visits  # noqa: F401
from models import budget, ledger_exports, supervision, web_accounts  # noqa: F401  (back office)
