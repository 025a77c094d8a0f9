"""A WeChat user's phone for the page tests: opens pages through the silent OAuth round trip
(``/dev/oauth`` standing in for WeChat) and posts their forms with the page's token."""

from __future__ import annotations

import re

from bot.pages.dev import PHONE_COOKIE

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Phone:
    def __init__(self, client, openid: str):
        self.client, self.openid = client, openid
        client.set_cookie(PHONE_COOKIE, openid, domain="localhost")
        self.last = None
        self.visited: list[str] = []

    def open(self, path: str):
        self.last = self.client.get(path, follow_redirects=True)
        self.visited += [r.headers.get("Location", "") for r in self.last.history]
        return self.last

    def text(self) -> str:
        return self.last.get_data(as_text=True)

    def post(self, path: str, **form):
        found = TOKEN.search(self.text()) if self.last is not None else None
        form.setdefault("csrf_token", found.group(1) if found else "")
        self.last = self.client.post(path, data=form)
        return self.last
