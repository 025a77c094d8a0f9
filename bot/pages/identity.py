"""Who is holding the phone: WeChat's silent OAuth (``snsapi_base``, the openid only, no consent
pop-up) through ``wechatpy.oauth.WeChatOAuth``, then a short page session.

- A page without a session redirects to WeChat's authorize URL with a ``state`` signed with
  ``SECRET_KEY`` (itsdangerous): the page to come back to and a nonce, valid 5 minutes. The
  nonce is also put in a cookie, so a state only works in the browser it was made for, and it
  is spent in Redis on first use, so a state cannot be replayed.
- ``/m/oauth`` checks the state, exchanges the code for the openid, and sets the session: a
  cookie holding the openid encrypted with the data key (AES-GCM: unreadable and unforgeable),
  for 2 hours, path ``/m``, HttpOnly, SameSite=Lax (Secure in production). No personal data
  ever travels in a URL.
- Forms carry a token derived from the session (``csrf_token``), checked on every POST.

In dev and tests ``DevOAuth`` stands in for WeChat: its authorize URL is ``/dev/oauth/…`` (the
simulator's phone says who is holding it) and codes are exchanged with the WeChat fake, with
WeChat's rules (a code works once, for 5 minutes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from flask import Response, current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

SESSION_COOKIE = "jzt_m"
STATE_COOKIE = "jzt_m_state"
SESSION_HOURS = 2
STATE_SECONDS = 300
STATE_SALT = "jzt-oauth-state"
USED_STATE_TTL = 3600


class StateProblem(Exception):
    """The OAuth state cannot be used: ``reason`` is expired, invalid, other_browser or replayed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Visitor:
    openid: str
    sid: str

    def csrf_token(self, secret_key: str) -> str:
        return hmac.new(secret_key.encode(), f"page-form:{self.sid}".encode(), hashlib.sha256).hexdigest()[:32]


def _ctx():
    return current_app.extensions["jzt.context"]


def _secure() -> bool:
    return _ctx().settings.env == "production"


# -- the page session ---------------------------------------------------------------------------------


def visitor() -> Visitor | None:
    """This request's WeChat user, from the session cookie, or None."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    ctx = _ctx()
    try:
        data = json.loads(ctx.cipher.decrypt(raw))
    except Exception:  # not ours, tampered with, or an old key: a new OAuth round trip
        return None
    if not isinstance(data, dict) or data.get("e", 0) < ctx.clock().timestamp() or not isinstance(data.get("o"), str):
        return None
    return Visitor(data["o"], str(data.get("s", "")))


def start_session(response: Response, openid: str) -> None:
    ctx = _ctx()
    expires = ctx.clock() + dt.timedelta(hours=SESSION_HOURS)
    value = ctx.cipher.encrypt(json.dumps({"o": openid, "s": secrets.token_urlsafe(12), "e": expires.timestamp()}))
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_HOURS * 3600, path="/m", httponly=True, samesite="Lax", secure=_secure())


def check_form(current: Visitor) -> bool:
    sent = request.form.get("csrf_token", "")
    return hmac.compare_digest(sent.encode(), current.csrf_token(_ctx().settings.secret_key).encode())


# -- OAuth ------------------------------------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_ctx().settings.secret_key, salt=STATE_SALT)


def safe_next(path: str | None) -> str:
    """Only a page of ours: ``/m/…`` (never ``//host`` or an absolute URL)."""
    if not path or not path.startswith("/m/") or path.startswith("//") or "\\" in path or "\n" in path:
        return "/m/"
    return path


def redirect_uri() -> str:
    return _ctx().settings.public_url.rstrip("/") + "/m/oauth"


def oauth_client(state: str = "") -> WeChatOAuth:
    settings = _ctx().settings
    cls = DevOAuth if settings.transport != "wechat" else WeChatOAuth
    client = cls(settings.wechat_app_id, settings.wechat_app_secret, redirect_uri(), scope="snsapi_base", state=state)
    if isinstance(client, DevOAuth):
        client.OAUTH_BASE_URL = settings.public_url.rstrip("/") + "/dev/oauth/"
        client.fake = _ctx().messenger.transport
    return client


def send_to_oauth(next_path: str) -> Response:
    """Redirect to WeChat's authorize URL, with a fresh state (and its nonce in a cookie)."""
    nonce = secrets.token_urlsafe(16)
    state = _signer().dumps({"n": safe_next(next_path), "k": nonce})
    response = Response(status=302)
    response.headers["Location"] = oauth_client(state).authorize_url
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(STATE_COOKIE, nonce, max_age=STATE_SECONDS, path="/m", httponly=True, samesite="Lax", secure=_secure())
    return response


def read_state(state: str) -> str:
    """The page to go back to; ``StateProblem`` when the state is expired, forged, from another
    browser or used before (spent here, once)."""
    try:
        data = _signer().loads(state, max_age=STATE_SECONDS)
    except SignatureExpired:
        raise StateProblem("expired") from None
    except BadSignature:
        raise StateProblem("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        raise StateProblem("invalid")
    cookie = request.cookies.get(STATE_COOKIE, "")
    if not hmac.compare_digest(cookie.encode(), data["k"].encode()):
        raise StateProblem("other_browser")
    if not _ctx().redis.set(f"jzt:oauth:state:{hashlib.sha256(data['k'].encode()).hexdigest()}", 1, nx=True, ex=USED_STATE_TTL):
        raise StateProblem("replayed")
    return safe_next(data.get("n"))


def openid_for(code: str) -> str | None:
    """The openid WeChat gives for ``code`` (None when WeChat refuses the code)."""
    try:
        return oauth_client().fetch_access_token(code)["openid"]
    except WeChatOAuthException:
        return None


class DevOAuth(WeChatOAuth):
    """wechatpy's OAuth client with WeChat replaced by the fake (dev and tests only)."""

    fake = None

    def _request(self, method, url_or_endpoint, **kwargs):
        if url_or_endpoint.endswith("sns/oauth2/access_token"):
            params = kwargs.get("params", {})
            if params.get("appid") != self.app_id or params.get("secret") != self.secret:
                result = {"errcode": 40125, "errmsg": "invalid appsecret"}
            else:
                result = self.fake.exchange_code(params.get("code", ""))
            if result.get("errcode"):
                raise WeChatOAuthException(result["errcode"], result["errmsg"], client=self)
            return result
        raise WeChatOAuthException(-1, "not available in dev", client=self)
