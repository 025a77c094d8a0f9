"""Personal data at rest: AES-GCM tokens, loud failures, old tokens still readable."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from db.crypto import DataCipher, _derive

KEY = "ZGV2LWtleS1kby1ub3QtdXNlLWluLXByb2R1Y3Rpb24="
ID_NUMBER = "34242519400101001X"


def test_round_trip_and_no_clear_text_in_the_token():
    cipher = DataCipher(KEY)
    token = cipher.encrypt(f"身份证 {ID_NUMBER}")
    assert ID_NUMBER not in token and "身份证" not in base64.urlsafe_b64decode(token).decode("latin-1")
    assert cipher.decrypt(token) == f"身份证 {ID_NUMBER}"
    assert cipher.encrypt(None) is None and cipher.decrypt(None) is None


def test_the_same_value_encrypts_differently_each_time():
    cipher = DataCipher(KEY)
    assert cipher.encrypt(ID_NUMBER) != cipher.encrypt(ID_NUMBER)


def test_a_wrong_key_or_a_changed_token_is_refused_loudly():
    token = DataCipher(KEY).encrypt(ID_NUMBER)
    with pytest.raises(ValueError, match="DATA_KEY"):
        DataCipher("another-key").decrypt(token)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[20] ^= 1
    with pytest.raises(ValueError):
        DataCipher(KEY).decrypt(base64.urlsafe_b64encode(bytes(raw)).decode())
    with pytest.raises(ValueError):
        DataCipher(KEY).decrypt("not a token at all")


def test_tokens_written_before_aes_gcm_are_still_read():
    old = Fernet(base64.urlsafe_b64encode(_derive(KEY, b"jzt-encrypt-v1"))).encrypt("13800138000".encode()).decode()
    assert DataCipher(KEY).decrypt(old) == "13800138000"


def test_blind_index_ignores_spaces_and_case_and_needs_the_key():
    cipher = DataCipher(KEY)
    assert cipher.blind_index("34242519400101001x") == cipher.blind_index(" 342425 19400101 001X ")
    assert cipher.blind_index(ID_NUMBER) != DataCipher("another-key").blind_index(ID_NUMBER)
