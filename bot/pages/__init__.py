"""The mobile WeChat pages (``/m/…``) behind every notice and every list: server-rendered, large
type, readable at 375 px, working without JavaScript (except the volunteer's location button,
which uses the JS-SDK). Who is looking comes from WeChat's silent OAuth (``bot.pages.identity``);
what they see is what their role and area allow in chat, and every action goes through the same
use case as the chat command (``bot.pages.act``), with the same audit trail and notices.

Modules: ``identity`` (OAuth, the page session), ``common`` (the blueprint, guards, errors),
``resident``, ``provider``, ``village`` (secretary: 待办, 改派, 核实), ``town`` (审核),
``volunteer`` (任务, 签到 with the JS-SDK), ``notice`` (a notice's page), ``dev`` (dev only:
the OAuth and JS-SDK stand-ins and the simulator's phone).
"""

from bot.pages import notice, provider, resident, town, village, volunteer  # noqa: F401  (routes)
from bot.pages.common import bp

__all__ = ["bp"]
