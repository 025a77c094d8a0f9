"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import messages  # noqa: F401
from models import dialogue  # noqa: F401
