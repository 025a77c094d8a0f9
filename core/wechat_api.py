"""The WeChat HTTP API through ``wechatpy.WeChatClient``, safe for many processes.

One access token is shared by every web and worker process in Redis
(``wechatpy.session.redisstorage.RedisStorage``). Fetching a new token invalidates the
old one within minutes and WeChat allows 2,000 fetches a day, so refreshes take a
Redis lock and re-read the token first: of many processes that find it missing or
rejected (40001) at once, one fetches and the others use its token.
"""

from __future__ import annotations

import logging

from redis import Redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from core.messenger import OutsideWindow

log = logging.getLogger(__name__)

#: WeChat refuses customer-service messages outside the 48-hour window or over the quota
WINDOW_ERRORS = {45015, 45047}
LOCK_NAME = "jzt:wechat:token-lock"


class SharedTokenClient(WeChatClient):
    def __init__(self, appid: str, secret: str, redis: Redis, timeout: float = 5.0):
        super().__init__(appid, secret, session=RedisStorage(redis, prefix="jzt:wechat"), timeout=timeout)
        self._redis = redis

    @property
    def access_token(self):
        token = super().access_token
        self._last_used = token  # what WeChat rejects (40001) if it turns out stale
        return token

    def fetch_access_token(self):
        rejected = getattr(self, "_last_used", None)
        with self._redis.lock(LOCK_NAME, timeout=20, blocking_timeout=25):
            current = self.session.get(self.access_token_key)
            if current and current != rejected:
                log.info("access token refreshed by another process; reusing it")
                return {"access_token": current}
            return super().fetch_access_token()


class WeChatTransport:
    def __init__(self, client: WeChatClient):
        self.client = client

    def send_text(self, openid: str, text: str) -> None:
        try:
            self.client.message.send_text(openid, text)
        except WeChatClientException as exc:
            if exc.errcode in WINDOW_ERRORS:
                raise OutsideWindow(exc.errcode) from exc
            raise

    def send_template(self, openid: str, template_id: str, text: str) -> None:
        data = {"first": {"value": "救助通服务通知"}, "keyword1": {"value": text[:180]}, "remark": {"value": "回复“进度”查看详情"}}
        self.client.message.send_template(openid, template_id, data)
