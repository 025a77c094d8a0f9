"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import alerts, areas, audit, catalogue, dialogue, dispatch, households, invites, leads, messages, numbers, providers, requests, residents, staff, visits  # noqa: F401
