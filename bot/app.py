"""The one composition root: ``create_app``."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from bot import admin, cli, simulator, webhook
from core import logs
from core.config import Settings
from bot.delivery import DeliveryGuard
from bot.wechat import MessageMode, WeChatProtocol
from conversations import intents
from core import context as worker_context

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, start_worker: bool | None = None) -> Flask:
    """Build the app from ``settings`` (default: the environment).

    ``start_worker``: run the in-process worker thread; by default only in the
    embedded setup (no ``REDIS_URL``) outside tests.
    """
    settings = settings or Settings.from_env()
    logs.configure()
    app = Flask(__name__)
    app.config.update(JZT_SETTINGS=settings, MAX_CONTENT_LENGTH=settings.max_body_bytes * 4)

    ctx = worker_context.install(worker_context.build(settings))
    app.extensions["jzt.context"] = ctx
    app.extensions["jzt.protocol"] = WeChatProtocol(
        settings.wechat_token,
        settings.wechat_app_id,
        settings.wechat_encoding_aes_key,
        window_seconds=settings.signature_window,
        max_body_bytes=settings.max_body_bytes,
        mode=MessageMode(settings.wechat_message_mode),
    )
    app.extensions["jzt.guard"] = DeliveryGuard(ctx.redis, ctx.cipher)

    app.register_blueprint(webhook.bp)
    app.register_blueprint(admin.bp)
    if settings.is_dev:
        app.register_blueprint(simulator.bp)
    cli.init_app(app)

    intents.warm_up()  # load the segmenter now, not during the first user's turn

    if start_worker is None:
        start_worker = settings.embedded_redis and settings.env == "dev"
    if start_worker:
        from workers.embedded import EmbeddedWorker

        app.extensions["jzt.worker"] = EmbeddedWorker(ctx).start()
    if settings.env == "dev":
        print("救助通 dev settings (set environment variables to override):\n" + settings.describe(), file=sys.stderr)
    return app
