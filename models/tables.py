"""Imports every table module, so ``Base.metadata`` knows them all (Alembic, tests)."""

from models import alerts, applications, areas, audit, budget, dialogue, leads, ledger_exports, messages, numbers, spent_queries  # noqa: F401
from models.catalogue import catalogue, providers  # noqa: F401
from models.households import households, residents  # noqa: F401
from models.requests import dispatch, requests  # noqa: F401
from models.staff import invites, staff, web_accounts  # noqa: F401
from models.visits import visits  # noqa: F401
from reports import supervision  # noqa: F401  (the indexes its overview reads by)
from models import roster_uploads, rules  # noqa: F401  (the county's rules, roster uploads)
