"""Back-office fixtures: a two-town county (``builders``), and Flask clients logged in as the
county, 衡山镇's A post or 佛子岭镇's A post, that send the CSRF token with every POST."""

from __future__ import annotations

import re

import pytest

from tests.admin import builders as b

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Web:
    """A test client that logs in through /login and adds the session's CSRF token to POSTs."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = b.PASSWORD):
        page = self.client.get("/login")
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def token(self) -> str:
        with self.client.session_transaction() as session:
            return session["csrf"]

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token()}, **kw)


@pytest.fixture
def county(ctx, clock):
    """The villages and the three web accounts; the clock at ``builders.NOW``."""
    clock.now = b.NOW
    with ctx.Session.begin() as db:
        villages = b.areas(db)
        staff = b.accounts(db, villages)
        ids = {name: village.id for name, village in villages.items()}
        staff_ids = {name: person.id for name, person in staff.items()}
    return {"villages": ids, "staff": staff_ids}


def _web(app, username: str) -> Web:
    web = Web(app.test_client())
    response = web.login(username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return web


@pytest.fixture
def as_county(app, county) -> Web:
    return _web(app, "county")


@pytest.fixture
def as_hengshan(app, county) -> Web:
    return _web(app, "hengshan")


@pytest.fixture
def as_fozi(app, county) -> Web:
    return _web(app, "fozi")
