"""Encryption of personal data at rest, and blind indexes to search it.

Identifying fields (ID numbers, phones, message bodies) are stored as AES-256-GCM tokens
(``cryptography``'s AEAD: confidentiality and integrity in one C call; a random 96-bit
nonce per token): urlsafe base64 of version byte, nonce, ciphertext and tag. Tokens
written before (Fernet: AES-128-CBC + HMAC-SHA256) are still read. Exact-match look-ups
use a keyed HMAC-SHA256 of the normalised value (a blind index), never the clear text.
The key comes from settings (``DATA_KEY``); every sub-key is derived from it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GCM = b"\x02"  # the version byte of AES-GCM tokens (Fernet's is 0x80)
NONCE_BYTES = 12


def _derive(key: str, purpose: bytes) -> bytes:
    return hmac.new(key.encode(), purpose, hashlib.sha256).digest()


@dataclass(frozen=True)
class DataCipher:
    key: str

    @cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(_derive(self.key, b"jzt-encrypt-v2"))

    @cached_property
    def _fernet(self) -> Fernet:
        """Reads tokens written before AES-GCM."""
        return Fernet(base64.urlsafe_b64encode(_derive(self.key, b"jzt-encrypt-v1")))

    def encrypt(self, text: str | None) -> str | None:
        if text is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        return base64.urlsafe_b64encode(GCM + nonce + self._aead.encrypt(nonce, text.encode(), None)).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(token)
            if raw[:1] == GCM:
                return self._aead.decrypt(raw[1:1 + NONCE_BYTES], raw[1 + NONCE_BYTES:], None).decode()
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidTag, InvalidToken, binascii.Error, ValueError) as exc:
            # a wrong DATA_KEY (or a damaged token) must be loud, not silent garbage
            raise ValueError("cannot decrypt personal data: wrong DATA_KEY?") from exc

    def blind_index(self, value: str) -> str:
        normal = "".join(value.split()).upper()
        return hmac.new(_derive(self.key, b"jzt-index-v1"), normal.encode(), hashlib.sha256).hexdigest()
