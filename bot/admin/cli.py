"""``flask admin …``: back-office accounts.

    flask --app bot.app:create_app admin create-user --username zhou --staff-id 5
    flask --app bot.app:create_app admin create-user --username hs_a --role town_a --area 衡山镇 --name 周科长
    flask --app bot.app:create_app admin create-user --username county --role county --name 县民政局张科长
    flask --app bot.app:create_app admin set-password --username zhou
    flask --app bot.app:create_app admin unlock --username zhou
    flask --app bot.app:create_app admin list-users

Passwords are asked for at the prompt (never on the command line, where shells keep them).
"""

from __future__ import annotations

import click
from flask import current_app

from bot.admin.blueprint import bp
from reports.needs_ledger import find_town, town_names
from db.base import as_utc
from models.staff.staff import Role, Staff
from models.staff.web_accounts import AccountError, all_accounts, create_account, find_account, set_password, unlock

ROLE_CHOICES = [r.value for r in (Role.COUNTY, Role.TOWN_A, Role.TOWN_B)]
ACTOR = "cli"


def _ctx():
    return current_app.extensions["jzt.context"]


def _staff(db, staff_id: int | None, role: str | None, area: str | None, name: str | None) -> Staff:
    """An existing staff member (``--staff-id``) or a new one (``--role``, ``--name``, ``--area``)."""
    if staff_id is not None:
        staff = db.get(Staff, staff_id)
        if staff is None:
            raise click.ClickException(f"没有编号为{staff_id}的工作人员。")
        return staff
    if not role or not name:
        raise click.ClickException("请给出 --staff-id，或者 --role 和 --name（乡镇岗位还要 --area）。")
    town = None
    if role != Role.COUNTY.value:
        if not area:
            raise click.ClickException("乡镇岗位请用 --area 指定乡镇。")
        town = find_town(db, area)
        if town is None:
            known = "、".join(town_names(db)) or "（无）"
            raise click.ClickException(f"没有乡镇“{area}”。系统中的乡镇：{known}")
    staff = Staff(name=name.strip(), role=role, town_id=town.id if town else None)
    db.add(staff)
    db.flush()
    return staff


@bp.cli.command("create-user", help="Create a back-office log-in for town or county staff (asks for the password).")
@click.option("--username", required=True)
@click.option("--staff-id", type=int, help="An existing staff member.")
@click.option("--role", type=click.Choice(ROLE_CHOICES), help="For a new staff member.")
@click.option("--area", help="The town (乡镇) of a town post.")
@click.option("--name", help="The new staff member's name.")
@click.password_option("--password", prompt="密码", confirmation_prompt="再输一次", help="Asked for at the prompt.")
def create_user(username: str, staff_id: int | None, role: str | None, area: str | None, name: str | None, password: str) -> None:
    ctx = _ctx()
    try:
        with ctx.Session.begin() as db:
            staff = _staff(db, staff_id, role, area, name)
            account = create_account(db, staff, username, password, ACTOR, ctx.clock())
            where = staff.town.name if staff.town else "全县"
            click.echo(f"已创建后台账户 {account.username}：{staff.name}（{Role(staff.role).label}，{where}）")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


@bp.cli.command("set-password", help="Set a new password (asks for it) and clear any lock.")
@click.option("--username", required=True)
@click.password_option("--password", prompt="新密码", confirmation_prompt="再输一次")
def set_password_command(username: str, password: str) -> None:
    ctx = _ctx()
    try:
        with ctx.Session.begin() as db:
            account = find_account(db, username)
            if account is None:
                raise click.ClickException(f"没有用户“{username}”。")
            set_password(db, account, password, ACTOR, ctx.clock())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("密码已更新。")


@bp.cli.command("unlock", help="Lift a lock-out after failed log-ins.")
@click.option("--username", required=True)
def unlock_command(username: str) -> None:
    ctx = _ctx()
    with ctx.Session.begin() as db:
        account = find_account(db, username)
        if account is None:
            raise click.ClickException(f"没有用户“{username}”。")
        unlock(db, account, ACTOR, ctx.clock())
    click.echo(f"{username} 已解锁。")


@bp.cli.command("list-users", help="List back-office accounts.")
def list_users() -> None:
    ctx = _ctx()
    with ctx.Session() as db:
        for account in all_accounts(db):
            staff = account.staff
            where = staff.town.name if staff.town else "全县"
            state = "停用" if not account.active else ("锁定" if account.locked_until and as_utc(account.locked_until) > ctx.clock() else "正常")
            click.echo(f"{account.username}\t{staff.name}\t{Role(staff.role).label}\t{where}\t{state}")
