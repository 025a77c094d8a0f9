"""Links to the WeChat pages that carry no personal data: a notice's page is ``/m/n/<token>``,
the token the outbound message's id signed with ``SECRET_KEY`` (itsdangerous). Who may open it
is decided on the page, after WeChat's OAuth says who is holding the phone."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

NOTICE_SALT = "jzt-notice-link"
NOTICE_DAYS = 30
"""A notice's link opens for this long (the page then says to look in the chat or 待办)."""


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def _signer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=NOTICE_SALT)


def notice_token(secret_key: str, outbound_id: int) -> str:
    return _signer(secret_key).dumps(outbound_id)


def notice_url(public_url: str, secret_key: str, outbound_id: int) -> str:
    return f"{public_url.rstrip('/')}/m/n/{notice_token(secret_key, outbound_id)}"


def read_notice_token(secret_key: str, token: str, max_age: int | None = None) -> int:
    """The outbound id in ``token``; ``LinkExpired`` or ``LinkInvalid`` otherwise."""
    try:
        value = _signer(secret_key).loads(token, max_age=NOTICE_DAYS * 86400 if max_age is None else max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    if not isinstance(value, int):
        raise LinkInvalid()
    return value
