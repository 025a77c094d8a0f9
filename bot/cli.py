"""Flask CLI commands, registered next to what they manage."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask import Flask, current_app

from bot.cli_clocks import calendar_group
from bot.cli_ledger import ledger_group
from bot.cli_staff import staff_group
from db import migrate
from models.calendar import local_today, seed as seed_calendar
from models.catalogue.catalogue import seed_catalogue
from models.rules import examples_in_force, examples_text


def init_app(app: Flask) -> None:
    for group in (db_group, queue_group, demo_group, ledger_group, calendar_group, wechat_group, staff_group):
        app.cli.add_command(group)
    app.cli.add_command(chat_command)


def _ctx():
    return current_app.extensions["jzt.context"]


@click.group(cls=AppGroup, name="db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply all Alembic migrations.")
def db_upgrade() -> None:
    url = _ctx().settings.database_url
    migrate.upgrade(url)
    click.echo("database is at the latest schema")


@db_group.command("seed", help="Seed the service catalogue (annex 3), the policy thresholds and the official calendar; never overwrites edits.")
def db_seed() -> None:
    ctx = _ctx()
    with ctx.Session.begin() as db:
        added = seed_catalogue(db)
        calendar = seed_calendar(db, today=ctx.clock().date())
        examples = examples_in_force(db, local_today(ctx.clock()))
    click.echo(f"catalogue: {added} items added; calendar: years {calendar.seeded[0]}–{calendar.seeded[-1]} known")
    if examples:
        click.echo(f"WARNING: these rules are shipped examples, not the county's figures: {examples_text(examples)}. "
                   "The county enters or confirms them in the back office (规则设置); until then the overview shows a banner.")


@click.group(cls=AppGroup, name="queue", help="Background jobs.")
def queue_group() -> None:
    pass


@queue_group.command("sweep", help="Re-enqueue saved work that never reached the queue (messages, requests).")
def queue_sweep() -> None:
    from workers.periodic import sweep

    click.echo(f"re-enqueued {sweep()} jobs")


@queue_group.command("work", help="Run a worker in this process (dev); production uses `rq worker`.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def queue_work(burst: bool) -> None:
    from core.guarded import Worker

    ctx = _ctx()
    Worker(list(ctx.queues.values()), connection=ctx.redis).work(burst=burst, with_scheduler=True)


@click.group(cls=AppGroup, name="demo", help="The demo county for the simulator (dev only).")
def demo_group() -> None:
    pass


@demo_group.command("seed", help="Create the demo county, idempotently.")
def demo_seed() -> None:
    from bot import demo

    ctx = _ctx()
    if not ctx.settings.is_dev:
        raise click.ClickException("the demo county is for dev only")
    with ctx.Session.begin() as db:
        summary = demo.seed(db, ctx.cipher)
        history = demo.seed_activity(db, ctx.cipher)
    click.echo(f"demo county ready: {summary}; {history}")
    click.echo("back office: /login as " + ", ".join(f"{u} / {p}" for u, p, _, _ in demo.WEB_ACCOUNTS))


@click.group(cls=AppGroup, name="wechat", help="The Official Account itself.")
def wechat_group() -> None:
    pass


@wechat_group.command("menu", help="Install the menus: the default one (求助 / 报告 / 我的) and one per staff role (个性化菜单 by user tag).")
@click.option("--show", is_flag=True, help="Print the menus' JSON instead of installing them.")
def wechat_menu(show: bool) -> None:
    import json

    from core import menus

    ctx = _ctx()
    base = ctx.settings.public_url
    if show:
        click.echo(json.dumps({"default": menus.default_menu(base), **menus.staff_menus(base)}, ensure_ascii=False, indent=2))
        return
    installed = menus.install(ctx.account, base)
    click.echo("menus installed: default, " + ", ".join(f"{key} (menu {menu_id})" for key, menu_id in installed.items()))


@click.command("chat", help="Chat with the bot in the terminal, through the real /wechat path.")
@click.option("--openid", default="o_terminal_user", show_default=True, help="Who you are (a demo persona's openid works).")
@click.option("--voice", is_flag=True, help="Send every line as a voice message's recognition text.")
def chat_command(openid: str, voice: bool) -> None:
    from bot.simclient import WeChatServer, acted
    from core.wechat_fake import phone_text
    from models.messages import outbound_for

    ctx, app = _ctx(), current_app
    settings = ctx.settings
    server = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key)
    client, seen = app.test_client(), 0
    click.echo("输入消息后回车；Ctrl-D 退出。")
    while True:
        try:
            line = input("你> ").strip()
        except EOFError:
            break
        if not line:
            continue
        delivery = server.voice(openid, line) if voice else server.text(openid, line)
        acted(ctx, delivery)
        response = client.post(delivery.url, data=delivery.body, content_type="text/xml")
        reply = server.read_reply(response.data) if response.status_code == 200 else None
        click.echo("救助通> " + (reply or {}).get("Content", f"（{response.status_code}）"))
        with ctx.Session() as db:
            shown = getattr(ctx.messenger.transport, "shown", lambda ref: None)
            for row in outbound_for(db, openid, after_id=seen):
                on_phone = shown(row.id)
                text = phone_text(on_phone) if on_phone else ctx.cipher.decrypt(row.body_enc)
                click.echo(f"（通知·{row.channel}·{row.status}）" + text)
                seen = row.id
