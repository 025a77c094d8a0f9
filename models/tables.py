"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import messages  # noqa: F401
