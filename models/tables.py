"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import areas, audit, catalogue, dialogue, households, leads, messages, numbers, providers, requests, residents, staff, visits  # noqa: F401
