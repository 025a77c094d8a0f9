"""No liveness ping on checkout: pooled connections the server closed are replaced unseen, and a
turn whose connection dies under it runs once more. The user notices nothing either way."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from models import dialogue
from models.messages import InboundMessage
from tests.conversations import survey_flow
from conversations.flows import FLOWS, START_WORDS

ME = "o_dead_conn"


@pytest.fixture(autouse=True)
def postgres_only(ctx):
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("server-side connection ends: PostgreSQL")


@pytest.fixture(autouse=True)
def survey(monkeypatch):
    FLOWS.add(survey_flow.survey(1))
    monkeypatch.setitem(START_WORDS, "问卷", "survey")
    yield
    FLOWS.discard("survey", 1)


@pytest.fixture
def terminate(ctx):
    """Ends server-side every other connection to the test database (as a restart does)."""
    admin = create_engine(ctx.engine.url, poolclass=NullPool)

    def end_all() -> int:
        with admin.connect() as conn:
            ended = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()
            conn.commit()
            return ended

    yield end_all
    admin.dispose()


def inbound(ctx) -> int:
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.openid == ME))


def test_pooled_connections_the_server_ended_are_replaced_without_the_user_noticing(chat, ctx, terminate):
    chat.run(ME, "> 问卷\n< 1 买药")
    assert ctx.engine.pool.checkedin() >= 1
    assert terminate() >= 1
    chat.run(ME, "> 1\n< 多大岁数\n> 80\n< 手机号")
    assert inbound(ctx) == 3


def test_a_turn_whose_connection_dies_under_it_runs_once_more(chat, ctx, terminate, monkeypatch):
    chat.run(ME, "> 问卷\n< 1 买药")
    calls = []
    original = dialogue.load_draft

    def dying_load(db, openid):
        calls.append(openid)
        if len(calls) == 1:  # the turn holds its connection now: the server ends it mid-turn
            db.connection()
            terminate()
        return original(db, openid)

    monkeypatch.setattr("conversations.state.load_draft", dying_load)
    chat.run(ME, "> 1\n< 多大岁数")
    assert len(calls) == 2
    assert inbound(ctx) == 2  # once, however often it ran
