"""Flask CLI commands, registered next to what they manage."""

from __future__ import annotations

import click
from flask import Flask, current_app

from bot.cli_clocks import calendar_group
from bot.cli_ledger import ledger_group
from models import migrate


def init_app(app: Flask) -> None:
    for group in (db_group, queue_group, demo_group, ledger_group, calendar_group):
        app.cli.add_command(group)


def _ctx():
    return current_app.extensions["jzt.context"]


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply all Alembic migrations.")
def db_upgrade() -> None:
    url = _ctx().settings.database_url
    migrate.upgrade(url)
    click.echo("database is at the latest schema")


@click.group("queue", help="Background jobs.")
def queue_group() -> None:
    pass


@queue_group.command("sweep", help="Re-enqueue saved work that never reached the queue (messages, requests).")
def queue_sweep() -> None:
    from workers.periodic import sweep

    click.echo(f"re-enqueued {sweep()} jobs")


@queue_group.command("work", help="Run a worker in this process (dev); production uses `rq worker`.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def queue_work(burst: bool) -> None:
    from rq import SimpleWorker

    ctx = _ctx()
    SimpleWorker(list(ctx.queues.values()), connection=ctx.redis).work(burst=burst, with_scheduler=True)


@click.group("demo", help="The demo county for the simulator (dev only).")
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
    click.echo(f"demo county ready: {summary}")
