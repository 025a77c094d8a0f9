"""Every notice kind, sent outside the window: its template's url is signed and opens for its
addressee only; another openid gets 403, an expired link a polite page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from core import links
from models.notices import Notice, NoticeKind
from tests.notices.samples import SAMPLES

ADDRESSEE, OTHER = "o_addressee_1", "o_someone_else"


def _sent_url(ctx, kind: NoticeKind) -> str:
    with ctx.Session.begin() as db:
        row = ctx.messenger.queue(db, Notice(ADDRESSEE, f"全文：{kind.value}", kind.value, SAMPLES[kind]))
    with ctx.Session.begin() as db:
        ctx.messenger.deliver(db, row.id, ctx.clock())
    shown = ctx.messenger.transport.shown(row.id)
    assert shown["channel"] == "template"
    return shown["url"]


@pytest.mark.parametrize("kind", list(NoticeKind), ids=lambda k: k.value)
def test_the_url_opens_for_its_addressee_only(kind, ctx, phone):
    url = _sent_url(ctx, kind)
    path = urlparse(url).path
    assert path.startswith("/m/n/") and ADDRESSEE not in url
    links.read_notice_token(ctx.settings.secret_key, path.rsplit("/", 1)[1])  # signed
    mine = phone(ADDRESSEE)
    assert mine.open(path).status_code == 200 and f"全文：{kind.value}" in mine.text()
    assert phone(OTHER).open(path).status_code == 403


def test_an_expired_or_forged_link_gets_a_polite_page(ctx, phone, monkeypatch):
    path = urlparse(_sent_url(ctx, NoticeKind.NEW_OFFER)).path
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert phone(ADDRESSEE).open(forged).status_code == 404
    monkeypatch.setattr(links, "NOTICE_DAYS", -1)
    expired = phone(ADDRESSEE)
    assert expired.open(path).status_code == 410 and "通知已过期" in expired.text()
