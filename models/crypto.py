"""Encryption of personal data at rest, and blind indexes to search it.

Identifying fields (ID numbers, phones, message bodies) are stored as Fernet tokens
(AES-128-CBC + HMAC-SHA256, from ``cryptography``). Exact-match look-ups use a keyed
HMAC-SHA256 of the normalised value (a blind index), never the clear text.
The key comes from settings (``DATA_KEY``); both sub-keys are derived from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property

from cryptography.fernet import Fernet, InvalidToken


def _derive(key: str, purpose: bytes) -> bytes:
    return hmac.new(key.encode(), purpose, hashlib.sha256).digest()


@dataclass(frozen=True)
class DataCipher:
    key: str

    @cached_property
    def _fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_derive(self.key, b"jzt-encrypt-v1")))

    def encrypt(self, text: str | None) -> str | None:
        if text is None:
            return None
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # a wrong DATA_KEY must be loud, not silent garbage
            raise ValueError("cannot decrypt personal data: wrong DATA_KEY?") from exc

    def blind_index(self, value: str) -> str:
        normal = "".join(value.split()).upper()
        return hmac.new(_derive(self.key, b"jzt-index-v1"), normal.encode(), hashlib.sha256).hexdigest()
