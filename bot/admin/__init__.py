"""The county's and towns' web back office (监管后台): log-in, overview, household files,
catalogue and providers, ledger exports, the budget cap, the audit trail.

``create_app`` registers ``bp``; importing the view modules below adds their routes to it.
"""

from bot.admin import audit, auth, budget, calendar, catalogue, cli, households, ledgers, notices, overview, providers, roster, rules  # noqa: F401  (routes)
from bot.admin.blueprint import bp

__all__ = ["bp"]
