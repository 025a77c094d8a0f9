"""Test helpers: a chat driven through /wechat, and draining RQ queues with real workers."""

from __future__ import annotations

from rq import SimpleWorker

from bot.simclient import Delivery, WeChatServer
from models.messages import outbound_for


def drain(ctx) -> None:
    """Run every queued job with RQ's own worker, as production would (burst mode)."""
    SimpleWorker(list(ctx.queues.values()), connection=ctx.redis).work(burst=True)


class Chat:
    """A script harness: what the user says, what the bot answers (through /wechat)."""

    def __init__(self, client, server: WeChatServer, ctx):
        self.client, self.server, self.ctx = client, server, ctx

    def post(self, delivery: Delivery):
        return self.client.post(delivery.url, data=delivery.body, content_type="text/xml")

    def reply_of(self, response) -> str:
        assert response.status_code == 200, response.data
        data = self.server.read_reply(response.data)
        return "" if data is None else data["Content"]

    def say(self, openid: str, text: str) -> str:
        return self.reply_of(self.post(self.server.text(openid, text)))

    def speak(self, openid: str, recognition: str) -> str:
        return self.reply_of(self.post(self.server.voice(openid, recognition)))

    def inbox(self, openid: str) -> list[str]:
        with self.ctx.Session() as db:
            return [self.ctx.cipher.decrypt(r.body_enc) for r in outbound_for(db, openid)]
