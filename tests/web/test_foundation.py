"""Settings, the simulator's reach, the shared access token (the messenger: tests/notices)."""

from __future__ import annotations

import threading

import pytest

from bot.app import create_app
from core.config import ConfigError, Settings
from core.wechat_api import SharedTokenClient


def test_production_names_every_missing_secret():
    with pytest.raises(ConfigError) as failure:
        Settings.from_env({"JZT_ENV": "production", "WECHAT_TOKEN": "t"})
    message = str(failure.value)
    for name in ("DATABASE_URL", "REDIS_URL", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY", "DATA_KEY"):
        assert name in message
    assert "WECHAT_TOKEN" not in message


def test_dev_uses_defaults_and_the_environment_wins():
    settings = Settings.from_env({"JZT_ENV": "dev", "WECHAT_TOKEN": "mine"})
    assert settings.wechat_token == "mine"
    assert settings.database_url.startswith("sqlite:///") and settings.redis_url is None


def test_simulator_is_not_reachable_outside_dev(base_settings, engine):
    production = base_settings.replace(env="production", transport="wechat", redis_url=base_settings.redis_url or "redis://127.0.0.1:6379/15")
    client = create_app(production, start_worker=False).test_client()
    assert client.get("/simulator").status_code == 404
    assert client.get("/dev/inbox/o_x").status_code == 404


@pytest.mark.parametrize("asked", ["safe", "plain"])
def test_simulator_sends_through_the_signed_webhook(client, ctx, asked):
    # a safe-mode account takes no plain delivery: the simulator sends what the account takes
    response = client.post(f"/simulator/send?mode={asked}", json={"openid": "o_sim", "text": "你好"})
    assert response.status_code == 200 and "求助" in response.get_json()["reply"]
    assert client.get("/dev/inbox/o_sim").get_json()["messages"] == []
    assert "明文模式" not in client.get("/simulator").get_data(as_text=True)


@pytest.mark.message_mode("plain")
def test_simulator_offers_plain_deliveries_to_a_plain_mode_account(client, ctx):
    assert "明文模式" in client.get("/simulator").get_data(as_text=True)
    response = client.post("/simulator/send?mode=plain", json={"openid": "o_sim", "text": "你好"})
    assert response.status_code == 200 and "求助" in response.get_json()["reply"]


# -- the access token ---------------------------------------------------------------------------


class FakeHttp:
    """Stands in for the WeChat token endpoint (the only fake: the API cannot be reached)."""

    def __init__(self):
        self.fetches = 0
        self.lock = threading.Lock()

    def get(self, url, params):
        with self.lock:
            self.fetches += 1
            token = f"token-{self.fetches}"
        return FakeResponse({"access_token": token, "expires_in": 7200})


class FakeResponse:
    def __init__(self, data):
        self.data = data

    def raise_for_status(self):
        pass

    def json(self):
        return self.data


def test_concurrent_refreshes_fetch_one_token(ctx):
    http = FakeHttp()
    clients = [SharedTokenClient("wxapp", "secret", ctx.redis) for _ in range(8)]
    for client in clients:
        client._http = http
    tokens = []
    barrier = threading.Barrier(len(clients))

    def refresh(client):
        barrier.wait()
        tokens.append(client.access_token)

    threads = [threading.Thread(target=refresh, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert http.fetches == 1
    assert set(tokens) == {"token-1"}


def test_a_rejected_token_is_refreshed_once_however_many_processes_saw_it_rejected(ctx):
    http = FakeHttp()
    first, second = SharedTokenClient("wxapp", "secret", ctx.redis), SharedTokenClient("wxapp", "secret", ctx.redis)
    first._http = second._http = http
    assert first.access_token == second.access_token == "token-1"
    first.fetch_access_token()  # WeChat answered 40001 to both: "token-1" is stale
    second.fetch_access_token()  # finds token-2 already there and keeps it
    assert http.fetches == 2
    assert first.access_token == second.access_token == "token-2"


def test_a_turn_past_the_reply_budget_answers_success_and_sends_the_reply_later(app, chat, ctx, wechat):
    import dataclasses

    slow = dataclasses.replace(ctx, settings=ctx.settings.replace(reply_budget_seconds=-1.0))
    app.extensions["jzt.context"] = slow
    response = chat.post(wechat.text("o_slow", "你好"))
    app.extensions["jzt.context"] = ctx
    assert response.status_code == 200 and response.data == b"success"
    assert any("求助" in text for text in chat.inbox("o_slow"))
