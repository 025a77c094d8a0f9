"""``flask staff …``: invite staff to bind their WeChat to a role and area, or remove them."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask import current_app
from sqlalchemy import select

from models.areas import Town, find_village
from models.staff.invites import create_invite, remove_staff
from models.catalogue.providers import Provider
from models.staff.staff import VILLAGE_ROLES, Role, Staff

ROLES = [r.value for r in Role]


@click.group(cls=AppGroup, name="staff", help="Staff: invite codes, removal.")
def staff_group() -> None:
    pass


@staff_group.command("invite", help="Create a staff member and print a one-time invite code (last line).")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--area", default="", help="镇名 or 镇名/村名 (village roles need the village).")
@click.option("--name", required=True, help="姓名 (for a provider: the provider's registered name).")
def invite(role: str, area: str, name: str) -> None:
    ctx = current_app.extensions["jzt.context"]
    with ctx.Session.begin() as db:
        staff = Staff(name=name, role=role, active=False)
        _place(db, staff, Role(role), area, name)
        db.add(staff)
        db.flush()
        code = create_invite(db, ctx.cipher, staff, ctx.clock())
    click.echo(f"{Role(role).label} {name}（{area or '全县'}）的邀请码，7天内有效，只能用一次。请本人在公众号里发送这串数字：")
    click.echo(code)


def _place(db, staff: Staff, role: Role, area: str, name: str) -> None:
    town_name, _, village_name = area.partition("/")
    if role is Role.PROVIDER:
        provider = db.scalar(select(Provider).where(Provider.name == name))
        if provider is None:
            raise click.ClickException(f"no provider named {name!r}")
        staff.provider_id = provider.id
        return
    if role is Role.COUNTY:
        return
    town = db.scalar(select(Town).where(Town.name == town_name))
    if town is None:
        raise click.ClickException(f"unknown town {town_name!r}")
    staff.town_id = town.id
    if role in VILLAGE_ROLES:
        village = find_village(db, town_name, village_name)
        if village is None:
            raise click.ClickException(f"{role.value} needs --area 镇名/村名; unknown village {village_name!r}")
        staff.village_id = village.id


@staff_group.command("remove", help="Unbind a staff member at once (they lose all access).")
@click.option("--id", "staff_id", type=int, required=True)
def remove(staff_id: int) -> None:
    ctx = current_app.extensions["jzt.context"]
    with ctx.Session.begin() as db:
        staff = db.get(Staff, staff_id)
        if staff is None:
            raise click.ClickException(f"no staff with id {staff_id}")
        remove_staff(db, staff, ctx.clock())
    click.echo(f"removed {staff.name} ({staff.role})")


@staff_group.command("list", help="Staff and whether they have bound their WeChat.")
def list_staff() -> None:
    ctx = current_app.extensions["jzt.context"]
    with ctx.Session() as db:
        for staff in db.scalars(select(Staff).order_by(Staff.id)):
            place = staff.village.full_name if staff.village else (staff.town.name if staff.town else "全县")
            state = "已绑定" if staff.openid and staff.active else ("已停用" if not staff.active else "未绑定")
            click.echo(f"{staff.id}\t{Role(staff.role).label}\t{staff.name}\t{place}\t{state}")
