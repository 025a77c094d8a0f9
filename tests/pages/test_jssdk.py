"""The JS-SDK: one jsapi_ticket for every process (fetched once, under a lock), and a page's
wx.config signature as WeChat checks it."""

from __future__ import annotations

import re
import threading

from bot.demo import VOLUNTEER
from core.wechat_api import TICKET_KEY, JsapiTickets, jsapi_signature


def test_processes_that_find_no_ticket_fetch_it_once(ctx):
    fetches = []

    def fetch():
        fetches.append(1)
        return {"errcode": 0, "ticket": f"ticket-{len(fetches)}", "expires_in": 7200}

    tickets = [JsapiTickets(ctx.redis, fetch) for _ in range(8)]
    seen, barrier = [], threading.Barrier(len(tickets))

    def get(t):
        barrier.wait()
        seen.append(t.get())

    threads = [threading.Thread(target=get, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fetches) == 1 and set(seen) == {"ticket-1"}
    assert 6800 <= ctx.redis.ttl(TICKET_KEY) <= 6900  # renewed 5 minutes before WeChat's 7,200 s


def test_the_signature_is_wechats_and_a_forged_one_is_refused(ctx, phone, county, client):
    assert jsapi_signature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", "Wm3WZYTPz0wzccnW", 1414587457,
                           "http://mp.weixin.qq.com?params=value#frag") == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"  # WeChat's documented example
    volunteer = phone(VOLUNTEER)
    page = volunteer.open("/m/tasks").get_data(as_text=True)
    config = dict(re.findall(r'data-(app-id|timestamp|nonce|signature)="([^"]*)"', page))
    body = {"appId": config["app-id"], "timestamp": config["timestamp"], "nonceStr": config["nonce"], "url": "http://localhost/m/tasks"}
    assert client.post("/dev/jsapi/check", json={**body, "signature": config["signature"]}).get_json()["ok"] is True
    assert client.post("/dev/jsapi/check", json={**body, "signature": "0" * 40}).get_json()["ok"] is False
    assert client.post("/dev/jsapi/check", json={**body, "url": "http://localhost/m/todo", "signature": config["signature"]}).get_json()["ok"] is False
