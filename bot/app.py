"""The one composition root: ``create_app``."""

from __future__ import annotations

import logging
import sys

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from bot import admin, cli, pages, simulator, webhook
from bot.pages import dev as pages_dev
from core import logs
from core.config import Settings
from bot.delivery import DeliveryGuard
from bot.wechat import MessageMode, WeChatProtocol
from conversations import intents
from models.calendar import local_today
from models.rules import examples_in_force, examples_text
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
    app.register_blueprint(pages.bp)
    if settings.is_dev:
        app.register_blueprint(simulator.bp)
    if settings.is_dev and settings.transport != "wechat":  # WeChat's OAuth and JS-SDK played by the fake
        app.register_blueprint(pages_dev.bp)
    cli.init_app(app)

    intents.warm_up()  # load the segmenter now, not during the first user's turn

    if start_worker is None:
        start_worker = settings.embedded_redis and settings.env == "dev"
    if start_worker:
        from workers.embedded import EmbeddedWorker

        app.extensions["jzt.worker"] = EmbeddedWorker(ctx).start()
    if settings.env == "dev":
        print("救助通 dev settings (set environment variables to override):\n" + settings.describe(), file=sys.stderr)
    if settings.env != "test":
        warn_about_examples(ctx)
    return app


def warn_about_examples(ctx) -> list[str]:
    """Say at start-up which rules still hold the shipped examples (a placeholder must not
    assess anyone unnoticed). Returns the rules' names."""
    try:
        with ctx.Session() as db:
            lines = examples_in_force(db, local_today(ctx.clock()))
    except SQLAlchemyError:
        log.warning("rules: the county's rules could not be read; run `flask db upgrade` and `flask db seed`")
        return []
    if lines:
        log.warning("rules: shipped example values still in force, enter the county's own in the back office (规则设置): %s", examples_text(lines))
    return [line.rule.key for line in lines]
