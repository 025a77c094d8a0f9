"""Privacy: after the journeys, no clear ID number or phone number anywhere but its encrypted
column: not in the logs (every logger at DEBUG, SQL included), not in Redis (every key and
value, RQ's compressed job data opened), not in the database (every column of every table,
read by reflection). Hashes (blind indexes) and masked forms ("3424**********0017") are fine.
"""

from __future__ import annotations

import json
import logging
import re
import zlib

import pytest
from sqlalchemy import MetaData, select

from bot.demo import NEIGHBOUR, PROVIDER, RESIDENT, SECRETARY, VOLUNTEER
from models.households.households import Member
from models.messages import InboundMessage
from models.visits.visits import Visit
from tests.support import drain
from workers.message_log import flush_message_log

NEW = "o_privacy_newcomer"
SON = "o_privacy_son"


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, SQLAlchemy's statements and parameters included."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    return caplog


def needles(ctx) -> dict[str, re.Pattern]:
    """Every ID and phone number in the county, as a pattern that also finds them written with
    spaces or dashes between digits ("138 0564 0001") and with a lower-case check character."""
    with ctx.Session() as db:
        members = db.scalars(select(Member)).all()
        clear = [ctx.cipher.decrypt(m.id_number_enc) for m in members] + [ctx.cipher.decrypt(m.phone_enc) for m in members if m.phone_enc]
    assert len(clear) >= 6
    return {value: re.compile(r"[ \-]?".join(re.escape(ch) for ch in value), re.IGNORECASE) for value in clear}


def found_in(text: str, patterns: dict[str, re.Pattern]) -> list[str]:
    return [value for value, pattern in patterns.items() if pattern.search(text)]


def redis_texts(redis):
    """(key, text) for every key and value in this Redis database; compressed values opened."""
    for raw_key in redis.scan_iter(count=1000):
        key = raw_key.decode(errors="replace")
        kind = redis.type(raw_key).decode()
        if kind == "string":
            values = [redis.get(raw_key)]
        elif kind == "hash":
            values = [v for pair in redis.hgetall(raw_key).items() for v in pair]
        elif kind == "list":
            values = redis.lrange(raw_key, 0, -1)
        elif kind == "set":
            values = list(redis.smembers(raw_key))
        elif kind == "zset":
            values = [m for m, _ in redis.zrange(raw_key, 0, -1, withscores=True)]
        elif kind == "stream":
            values = [str(e).encode() for e in redis.xrange(raw_key)]
        else:
            values = []
        yield key, key
        for value in values:
            if value is None:
                continue
            yield key, value.decode("utf-8", "replace")
            try:
                yield key, zlib.decompress(value).decode("utf-8", "replace")
            except zlib.error:
                pass


def database_texts(ctx):
    """(table.column, text) for every value of every table, found by reflection."""
    metadata = MetaData()
    metadata.reflect(ctx.engine)
    with ctx.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row):
                    if value is None:
                        continue
                    text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else str(value)
                    yield f"{table.name}.{column.name}", text


def run_the_journeys(chat, ctx, wechat, county) -> None:
    # bind by ID number (as themself), then ask for a service
    chat.run(NEW, """
        > 绑定
        > 同意
        > 1
        > 刘德海
        > 身份证
        > 342425194201080017
        < 对吗
        > 对
        < 绑定成功
    """)
    # bind by phone, as a proxy; a request on their mother's behalf
    chat.run(SON, """
        > 绑定
        > 同意
        > 2
        > 儿子
        > 王桂英
        > 2
        > 138 0564 0001
        < 对吗
        > 对
        < 绑定成功
        > 求助
        > 1
        > 探访慰问
        > 去看看我妈，电话13805640001
        > 尽快
        > 对
        > 是
        < 已收到您的申请
    """)
    # the resident's own request, with an ID number typed where it does not belong
    chat.run(RESIDENT, """
        > 求助
        > 1
        > 帮办代办
        > 帮我买药，我身份证342425194803150027
        > 明天
        > 对
        > 是
        < 已收到您的申请
        > 进度
    """)
    # a neighbour's report that names a phone number
    chat.run(NEIGHBOUR, """
        > 报告
        > 匿名
        > 刘德海，电话13805640002
        > 城北村
        > 5组3号
        > 1
        > 好几天没见他了，身份证342425194201080017
        > 很急
        > 是
        < 编号BG
    """)
    drain(ctx)  # dispatch, notices
    chat.run(PROVIDER, "> 任务\n> 接单")
    chat.run(SECRETARY, "> 待办")
    # a volunteer's visit: check in by location, complete
    with ctx.Session.begin() as db:
        visit = db.scalar(select(Visit).order_by(Visit.id))
        visit_id = visit.id
    chat.run(VOLUNTEER, f"> 任务\n> 接受 T{visit_id}\n> 签到\n> T{visit_id}")
    chat.send(VOLUNTEER, wechat.location(VOLUNTEER, 31.4025, 116.3338, "城北村"))
    chat.run(VOLUNTEER, "> 完成\n> 1\n> 老人精神不错，她手机13805640001打得通\n> 不拍\n< 已记录完成")
    drain(ctx)
    ctx.queue("default").enqueue(flush_message_log)
    drain(ctx)


def test_no_clear_id_or_phone_number_outside_its_encrypted_column(chat, ctx, wechat, county, everything_logged, capsys):
    run_the_journeys(chat, ctx, wechat, county)
    patterns = needles(ctx)

    log_hits = sorted({(r.name, v) for r in everything_logged.records for v in found_in(r.getMessage() + (r.exc_text or ""), patterns)})
    redis_hits = sorted({(k, v) for k, text in redis_texts(ctx.redis) for v in found_in(text, patterns)})
    db_hits = sorted({(c, v) for c, text in database_texts(ctx) for v in found_in(text, patterns)})
    searched = (len(everything_logged.records), sum(1 for _ in redis_texts(ctx.redis)), sum(1 for _ in database_texts(ctx)))
    with capsys.disabled():
        print(f"\n  privacy: {len(patterns)} ID/phone numbers searched in {searched[0]} log records, {searched[1]} Redis keys and values, "
              f"{searched[2]} database values: {len(log_hits)} + {len(redis_hits)} + {len(db_hits)} found in clear", end="")
    assert log_hits == []
    assert redis_hits == []
    assert db_hits == []
    # and the search would have found them: the messages that carried them, decrypted, do
    with ctx.Session() as db:
        bodies = " ".join(ctx.cipher.decrypt(b) for b in db.scalars(select(InboundMessage.body_enc)) if b)
    assert {"342425194201080017", "342425194803150027", "13805640002"} <= set(found_in(bodies, patterns))
