"""Log-in, lock-out, sessions, CSRF and the account CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.config import ConfigError, Settings
from models.audit import AuditEntry
from models.staff.staff import Staff
from models.staff.web_accounts import WebAccount
from tests.admin import builders as b
from tests.admin.conftest import Web


def _account(ctx, username: str) -> WebAccount:
    with ctx.Session() as db:
        return db.scalar(select(WebAccount).where(WebAccount.username == username))


def test_pages_need_a_login(client, county):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_with_the_right_password_opens_the_overview(app, county):
    web = Web(app.test_client())
    response = web.login("hengshan")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = web.get("/admin/")
    assert page.status_code == 200 and "周科长" in page.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(app, county):
    web = Web(app.test_client())
    wrong = web.login("hengshan", "not-the-password1")
    unknown = web.login("nobody", "not-the-password1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.get_data(as_text=True) and "用户名或密码不正确" in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(app, ctx, clock, county):
    web = Web(app.test_client())
    for attempt in range(4):
        assert web.login("hengshan", "wrong-password-1").status_code == 401
    locked = web.login("hengshan", "wrong-password-1")
    assert locked.status_code == 403 and "锁定15分钟" in locked.get_data(as_text=True)
    assert web.login("hengshan").status_code == 403  # even the right password, while locked
    stored = _account(ctx, "hengshan")
    assert stored.failed_count == 0 and stored.locked_until is not None
    clock.advance(minutes=14, seconds=59)
    assert web.login("hengshan").status_code == 403
    clock.advance(seconds=2)
    assert web.login("hengshan").status_code == 302
    with ctx.Session() as db:
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.subject == "web_account").order_by(AuditEntry.id)))
    assert actions.count("login_failed") == 4 and "locked" in actions and actions[-1] == "login"


def test_the_lock_is_in_the_database_so_another_process_sees_it(app, ctx, county):
    for _ in range(5):
        Web(app.test_client()).login("fozi", "wrong-password-1")  # a fresh client (cookie jar) each time
    assert Web(app.test_client()).login("fozi").status_code == 403


def test_a_success_resets_the_failure_count(app, ctx, county):
    web = Web(app.test_client())
    for _ in range(4):
        web.login("hengshan", "wrong-password-1")
    assert web.login("hengshan").status_code == 302
    assert _account(ctx, "hengshan").failed_count == 0


def test_post_without_csrf_token_is_refused(app, as_hengshan):
    assert as_hengshan.client.post("/logout").status_code == 400
    assert as_hengshan.client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert as_hengshan.post("/logout").status_code == 302


def test_login_form_needs_its_csrf_token(app, county):
    response = app.test_client().post("/login", data={"username": "county", "password": b.PASSWORD})
    assert response.status_code == 400


def test_no_open_redirect_after_login(app, county):
    web = Web(app.test_client())
    page = web.client.get("/login")
    token = web.token()
    response = web.client.post("/login", data={"username": "county", "password": b.PASSWORD, "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/admin/"
    assert page.status_code == 200


def test_session_cookie_and_headers(app, county):
    web = Web(app.test_client())
    response = web.login("county")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = web.get("/admin/")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_switched_off_staff_member_is_logged_out(app, ctx, as_hengshan, county):
    with ctx.Session.begin() as db:
        db.get(Staff, county["staff"]["hengshan"]).active = False
    assert as_hengshan.get("/admin/").status_code == 302
    assert Web(app.test_client()).login("hengshan").status_code == 403


def test_logout_ends_the_session(as_county):
    assert as_county.post("/logout").status_code == 302
    assert as_county.get("/admin/").status_code == 302


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_creates_a_town_user_with_a_prompted_password(app, ctx, county):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "create-user", "--username", "XiaFu", "--role", "town_b", "--area", "衡山镇", "--name", "吴干事"], input="good-pass-123\ngood-pass-123\n")
    assert result.exit_code == 0, result.output
    assert "已创建后台账户 xiafu" in result.output
    account = _account(ctx, "xiafu")
    assert account.password_hash.startswith("scrypt:") and "good-pass-123" not in account.password_hash
    assert Web(app.test_client()).login("xiafu", "good-pass-123").status_code == 302


def test_cli_for_an_existing_staff_member_and_refusals(app, ctx, county):
    with ctx.Session.begin() as db:
        person = Staff(name="县里新人", role="county")
        db.add(person)
        db.flush()
        staff_id = person.id
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["admin", "create-user", "--username", "newbie", "--staff-id", str(staff_id)], input="good-pass-123\ngood-pass-123\n")
    assert ok.exit_code == 0, ok.output
    weak = runner.invoke(args=["admin", "create-user", "--username", "weak", "--role", "county", "--name", "某人"], input="short\nshort\n")
    assert weak.exit_code != 0 and "密码至少" in weak.output
    no_town = runner.invoke(args=["admin", "create-user", "--username", "lost", "--role", "town_a", "--area", "火星镇", "--name", "某人"], input="good-pass-123\ngood-pass-123\n")
    assert no_town.exit_code != 0 and "没有乡镇" in no_town.output
    taken = runner.invoke(args=["admin", "create-user", "--username", "county", "--role", "county", "--name", "某人"], input="good-pass-123\ngood-pass-123\n")
    assert taken.exit_code != 0 and "已被使用" in taken.output


def test_cli_unlocks(app, ctx, clock, county):
    for _ in range(5):
        Web(app.test_client()).login("fozi", "wrong-password-1")
    result = app.test_cli_runner().invoke(args=["admin", "unlock", "--username", "fozi"])
    assert result.exit_code == 0
    assert Web(app.test_client()).login("fozi").status_code == 302


def test_production_needs_a_long_secret_key():
    production = {"JZT_ENV": "production", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x", "WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1",
                  "WECHAT_APP_SECRET": "s", "WECHAT_ENCODING_AES_KEY": "a" * 43, "DATA_KEY": "k" * 44, "JZT_TRANSPORT": "wechat"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env(production)
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env(production | {"SECRET_KEY": "short"})
    assert Settings.from_env(production | {"SECRET_KEY": "x" * 40}).secret_key == "x" * 40
