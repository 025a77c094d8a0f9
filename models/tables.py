"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import areas, catalogue, dialogue, households, messages, providers, staff  # noqa: F401
