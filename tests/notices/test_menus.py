"""Menus per role: WeChat's limits, `flask wechat menu`, a tag set on binding, taps doing what words do."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.demo import PROVIDER
from core import menus
from models.staff.invites import create_invite
from models.staff.staff import Role, Staff
from tests.support import drain

BASE = "https://jzt.example.gov.cn"


def test_every_menu_fits_wechats_limits():
    assert menus.problems(menus.default_menu(BASE)) == []
    for key, menu in menus.staff_menus(BASE).items():
        assert menus.problems(menus.conditional(menu, 101), conditional=True) == [], key
    volunteer = menus.staff_menus(BASE)["volunteer"]["button"]
    assert {"type": "location_select", "name": "签到", "key": "签到"} in volunteer
    assert all(len(name.encode()) <= 30 for name in menus.TAGS.values())


def test_what_wechat_would_refuse_is_found():
    too_many = {"button": [{"type": "click", "name": "一", "key": "1"}] * 4}
    assert "4 top buttons (1–3)" in menus.problems(too_many)
    long_name = {"button": [{"type": "click", "name": "我的服务单子", "key": "x"}]}
    assert menus.problems(long_name)
    six = {"button": [{"name": "更多", "sub_button": [{"type": "click", "name": "a", "key": "a"}] * 6}]}
    assert menus.problems(six) == ["更多: 6 sub-buttons (1–5)"]
    no_url = {"button": [{"type": "view", "name": "页面", "url": "javascript:alert(1)"}]}
    assert menus.problems(no_url)
    assert menus.problems(menus.staff_menus(BASE)["town"], conditional=True)  # no match rule


def test_flask_wechat_menu_installs_every_menu_and_binding_tags_the_user(app, ctx, county, chat):
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["wechat", "menu", "--show"])
    assert shown.exit_code == 0 and set(json.loads(shown.output)) == {"default", "provider", "volunteer", "village", "town"}
    result = runner.invoke(args=["wechat", "menu"])
    assert result.exit_code == 0, result.output
    fake = ctx.account
    assert fake.menu_for("o_anyone")["button"][0]["name"] == "求助"
    with ctx.Session.begin() as db:
        chengbei = db.scalar(select(Staff).where(Staff.role == Role.SECRETARY.value)).village
        staff = Staff(name="赵红", role=Role.VOLUNTEER.value, town_id=chengbei.town_id, village_id=chengbei.id, active=False)
        db.add(staff)
        db.flush()
        code = create_invite(db, ctx.cipher, staff, ctx.clock())
    chat.run("o_new_volunteer", f"> {code}\n< 绑定成功")
    drain(ctx)
    assert fake.menu_for("o_new_volunteer")["button"][1] == {"type": "location_select", "name": "签到", "key": "签到"}


def test_a_staff_menu_tap_does_what_the_word_does(chat, ctx, county, wechat):
    reply = chat.send(PROVIDER, wechat.event(PROVIDER, "CLICK", key="任务"))
    assert "服务单" in reply
