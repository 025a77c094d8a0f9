"""The Official Account's menus: the default one (residents) and one personalised menu
(个性化菜单) per staff role, chosen by the user tag set when someone binds as staff.

Staff buttons send the chat's own words as their key (``任务``, ``核实`` …), so a tap does what
typing the word does; ``view`` buttons open the WeChat pages (``bot.pages``); 签到 is a
``location_select`` button, one tap sends the position. ``problems`` checks a menu against
WeChat's limits: 1–3 buttons, 1–5 under each, a top name of at most 4 characters (16 bytes), a
sub-button's at most 8 (60 bytes), keys of at most 128 bytes, URLs of at most 1,024.
"""

from __future__ import annotations

from models.staff.staff import Role

#: a tag per staff menu (WeChat tag names: at most 30 bytes)
TAGS = {"provider": "救助通-服务机构", "volunteer": "救助通-志愿者", "village": "救助通-村书记", "town": "救助通-乡镇"}
ROLE_TAG = {
    Role.PROVIDER: "provider",
    Role.VOLUNTEER: "volunteer",
    Role.SECRETARY: "village",
    Role.ASSISTANT: "village",
    Role.TOWN_A: "town",
    Role.TOWN_B: "town",
}
TYPES = {"click", "view", "location_select", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "media_id", "article_id", "miniprogram"}
KEYED = {"click", "location_select", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin"}


def _click(name: str, key: str | None = None) -> dict:
    return {"type": "click", "name": name, "key": key or name}


def _view(name: str, base: str, path: str) -> dict:
    return {"type": "view", "name": name, "url": base.rstrip("/") + path}


def default_menu(base: str) -> dict:
    """Residents (and everyone not tagged): 求助 / 报告 / 我的."""
    return {"button": [
        _click("求助", "MENU_REQUEST"),
        _click("报告", "MENU_REPORT"),
        {"name": "我的", "sub_button": [_click("进度", "MENU_PROGRESS"), _view("我的申请", base, "/m/requests"), _click("绑定", "MENU_BIND"), _click("帮助", "MENU_HELP")]},
    ]}


def staff_menus(base: str) -> dict[str, dict]:
    """The personalised menus by tag key (``TAGS``), without their match rules."""
    return {
        "provider": {"button": [_click("任务"), _view("我的单子", base, "/m/orders"), {"name": "更多", "sub_button": [_click("帮助", "MENU_HELP"), _click("人工")]}]},
        "volunteer": {"button": [_view("任务", base, "/m/tasks"), {"type": "location_select", "name": "签到", "key": "签到"}, {"name": "走访记录", "sub_button": [_click("看完了", "完成"), _click("我的任务", "任务"), _click("帮助", "MENU_HELP")]}]},
        "village": {"button": [_view("待办", base, "/m/todo"), _click("线索", "核实"), {"name": "本村", "sub_button": [_click("改派"), _click("初审"), _click("待办消息", "待办"), _click("帮助", "MENU_HELP")]}]},
        "town": {"button": [_view("审核", base, "/m/review"), _click("待办", "审核"), {"name": "更多", "sub_button": [_click("帮助", "MENU_HELP"), _click("人工")]}]},
    }


def conditional(menu: dict, tag_id: int) -> dict:
    return {**menu, "matchrule": {"tag_id": str(tag_id)}}


def problems(menu: dict, *, conditional: bool = False) -> list[str]:
    """What WeChat would refuse (or cut) in ``menu``; empty when it fits."""
    found = []
    buttons = menu.get("button") or []
    if not 1 <= len(buttons) <= 3:
        found.append(f"{len(buttons)} top buttons (1–3)")
    for button in buttons:
        found += _button(button, top=True)
    if conditional:
        rule = menu.get("matchrule") or {}
        if not any(rule.get(k) for k in ("tag_id", "client_platform_type", "language")):
            found.append("a personalised menu needs a match rule (tag_id)")
    return found


def _button(button: dict, top: bool) -> list[str]:
    name = button.get("name", "")
    limit_chars, limit_bytes = (4, 16) if top else (8, 60)
    found = [] if name and len(name) <= limit_chars and len(name.encode()) <= limit_bytes else [f"name {name!r} over {limit_chars} characters / {limit_bytes} bytes"]
    subs = button.get("sub_button")
    if subs is not None:
        if not top:
            return found + [f"{name}: sub-buttons cannot have sub-buttons"]
        if not 1 <= len(subs) <= 5:
            found.append(f"{name}: {len(subs)} sub-buttons (1–5)")
        if "type" in button:
            found.append(f"{name}: a button with sub-buttons has no type")
        return found + [p for sub in subs for p in _button(sub, top=False)]
    kind = button.get("type")
    if kind not in TYPES:
        return found + [f"{name}: unknown type {kind!r}"]
    if kind in KEYED and not (button.get("key") and len(button["key"].encode()) <= 128):
        found.append(f"{name}: key missing or over 128 bytes")
    if kind == "view" and not (button.get("url", "").startswith(("http://", "https://")) and len(button["url"].encode()) <= 1024):
        found.append(f"{name}: url missing or over 1024 bytes")
    return found


def install(account, base: str) -> dict[str, int]:
    """Create the tags that are missing, the default menu and each staff menu; {tag: menu id}."""
    tags = account.tags()
    for name in TAGS.values():
        if name not in tags:
            tags[name] = account.create_tag(name)
    account.create_menu(default_menu(base))
    return {key: account.add_conditional_menu(conditional(menu, tags[TAGS[key]])) for key, menu in staff_menus(base).items()}


def tag_staff(account, openid: str, role: Role) -> int | None:
    """Tag a newly bound staff member so their phone shows their role's menu (None: no menu)."""
    key = ROLE_TAG.get(role)
    if key is None:
        return None
    tags = account.tags()
    tag_id = tags.get(TAGS[key]) or account.create_tag(TAGS[key])
    account.tag_user(tag_id, openid)
    return tag_id
