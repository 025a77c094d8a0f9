"""Hostile input against ``/wechat``: a corpus (``hostile_corpus.py``) and hypothesis fuzzers.

Through the Flask test client, with correctly signed queries (plain and safe mode) and with
wrong ones. A test that sends both kinds runs the account in plain mode, which takes encrypted
deliveries too; in safe mode every plain delivery is refused (``test_fuzz_plain_deliveries_
in_safe_mode``). Whatever comes in: never a 500, never a trace in a response, nothing stored for a
refused request, and user text containing ``]]>`` or injection strings is stored as typed and
echoed inside one well-formed text reply. Each test prints how many cases it tried.
"""

from __future__ import annotations

import string
import time

import pytest
import xmltodict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from stack.journey import JOURNEY, seed_residents
from bot.wechat import sign
from conversations import speech
from models.dialogue import DialogueDraft
from models.leads import Lead
from models.messages import InboundMessage, OutboundMessage
from models.requests.requests import ServiceRequest
from tests.web.hostile_corpus import BAD_BODIES, ODD_MESSAGES, TEXTS
from workers.message_log import pending

REPLY_FIELDS = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def stored(ctx) -> tuple:
    """Everything a request could leave behind: rows, queued log entries, live states."""
    with ctx.Session() as db:
        rows = tuple(db.scalar(select(func.count()).select_from(t)) for t in (InboundMessage, OutboundMessage, ServiceRequest, Lead, DialogueDraft))
    return rows + (pending(ctx), len(list(ctx.redis.scan_iter("jzt:conv:*"))))


def check(response, server, sender: str | None = None) -> dict | None:
    """The webhook's answer is one of ours: 200 with a well-formed text reply (or ``success``),
    or a short 400/403/413 refusal; never a 500 and never a trace. Returns the reply's fields."""
    assert response.status_code in (200, 400, 403, 413), (response.status_code, response.data[:300])
    for leak in (b"Traceback", b'File "', b"Error:", b"sqlalchemy", b"psycopg"):
        assert leak not in response.data, response.data[:300]
    if response.status_code != 200:
        assert len(response.data) < 100
        return None
    reply = server.read_reply(response.data)
    if reply is None:
        return None
    assert set(reply) == REPLY_FIELDS, reply  # no element injected
    assert reply["MsgType"] == "text"
    if sender is not None:
        assert reply["ToUserName"] == sender
    return reply


def post(client, delivery, body: bytes | None = None, query: dict | None = None):
    return client.post("/wechat", query_string=query or delivery.query, data=delivery.body if body is None else body, content_type="text/xml")


# -- the corpus ------------------------------------------------------------------------


@pytest.mark.message_mode("plain")
def test_hostile_texts_are_stored_as_typed_and_echoed_safely(client, ctx, wechat, plain_wechat, report):
    residents = seed_residents(ctx, len(TEXTS), "o_hostile_")
    cases = echoed = 0
    for n, (openid, text) in enumerate(zip(residents, TEXTS)):
        server = wechat if n % 2 == 0 else plain_wechat
        check(post(client, server.text(openid, text)), server, openid)  # at the main menu: free text
        cases += 1
        for said, expected in JOURNEY[:3]:
            assert expected in check(post(client, server.text(openid, said)), server, openid)["Content"]
        reply = check(post(client, server.text(openid, text)), server, openid)  # 需要什么帮助 → the hostile text
        cases += 1
        kept = speech.strip_fillers(speech.normalize(text))
        if "哪天上门" not in reply["Content"]:  # refused (empty, or over 300 characters): asked again
            check(post(client, server.text(openid, "取消")), server, openid)
            continue
        check(post(client, server.text(openid, "明天")), server, openid)
        summary = check(post(client, server.text(openid, "对")), server, openid)["Content"]
        assert f"需要：{kept}" in summary, summary  # echoed verbatim, inside one text reply
        assert "49" not in summary.replace(kept, "")  # no template was evaluated
        done = check(post(client, server.text(openid, "是")), server, openid)["Content"]
        assert "已收到您的申请" in done
        with ctx.Session() as db:
            saved = db.scalar(select(ServiceRequest).where(ServiceRequest.requested_by == openid))
        assert ctx.cipher.decrypt(saved.description_enc) == kept  # stored as typed (normalised)
        echoed += 1
        cases += 1
    report(f"hostile texts: {cases} cases from {len(TEXTS)} texts, {echoed} stored and echoed in a summary, 0 unsafe")
    assert echoed >= len(TEXTS) // 2


MODES = [pytest.param("plain", marks=pytest.mark.message_mode("plain")), "safe"]


@pytest.mark.parametrize("mode", MODES)
def test_hostile_bodies_are_refused_and_store_nothing(client, ctx, wechat, plain_wechat, mode, report):
    server = plain_wechat if mode == "plain" else wechat
    before, tried = stored(ctx), 0
    for body in BAD_BODIES:
        if mode == "plain":
            delivery = server.text("o_x", "x")
            response = post(client, delivery, body=body)
        else:
            try:
                clear = body.decode("utf-8")
            except UnicodeDecodeError:
                continue
            delivery = server.deliver(clear)
            response = post(client, delivery)
        check(response, server)
        assert response.status_code in (400, 403, 413), (body[:120], response.status_code)
        tried += 1
    assert stored(ctx) == before
    report(f"hostile bodies ({mode} mode): {tried} refused, nothing stored")


@pytest.mark.parametrize("mode", MODES)
def test_messages_of_unknown_or_odd_kinds_are_answered_politely(client, ctx, wechat, plain_wechat, mode, report):
    server = plain_wechat if mode == "plain" else wechat
    for kind, fields in ODD_MESSAGES:
        response = post(client, server.message("o_odd", kind, fields))
        assert response.status_code == 200, (kind, response.data[:200])
        check(response, server, "o_odd")
    report(f"odd message kinds ({mode} mode): {len(ODD_MESSAGES)} answered politely")


@pytest.mark.message_mode("plain")
def test_bad_stale_and_replayed_signatures_are_refused(client, ctx, wechat, plain_wechat, report):
    before = stored(ctx)
    good = plain_wechat.text("o_sig", "你好")
    safe = wechat.text("o_sig", "你好")
    now = int(time.time())
    bad_queries = [
        {},
        {k: v for k, v in good.query.items() if k != "signature"},
        dict(good.query, signature="0" * 40),
        dict(good.query, signature=good.query["signature"].upper()),
        dict(good.query, timestamp=str(now - 301)),
        dict(good.query, timestamp=str(now + 301)),
        dict(good.query, timestamp="yesterday"),
        dict(good.query, nonce="x" * 10_000),
        dict(good.query, signature="' OR 1=1 --"),
        dict(safe.query, msg_signature="0" * 40),
        {k: v for k, v in safe.query.items() if k != "msg_signature"},
    ]
    # a correct signature over a stale timestamp, and over a future one
    for skew in (-3600, 3600):
        ts, nonce = str(now + skew), "n1"
        bad_queries.append({"signature": sign(plain_wechat.token, ts, nonce), "timestamp": ts, "nonce": nonce})
    for query in bad_queries:
        body = safe.body if "msg_signature" in query or query.get("encrypt_type") == "aes" else good.body
        response = client.post("/wechat", query_string=query, data=body)
        check(response, plain_wechat)
        assert response.status_code == 403, query
    for query in bad_queries[:4]:
        assert client.get("/wechat", query_string=dict(query, echostr="<script>x</script>")).status_code == 403
    assert stored(ctx) == before
    # a plain-mode query captured and replayed with another body is refused
    assert post(client, good).status_code == 200
    forged = plain_wechat.text("o_attacker", "取消")
    assert post(client, good, body=forged.body).status_code == 403
    # the same signed delivery replayed (safe mode: the body is signed too) is WeChat's retry:
    # the same reply, processed once
    first, again = post(client, safe), post(client, safe)
    assert check(first, wechat)["Content"] == check(again, wechat)["Content"]
    with ctx.Session() as db:
        senders = db.scalars(select(InboundMessage.openid)).all()
    assert "o_attacker" not in senders
    report(f"signatures: {len(bad_queries) + 4} bad or stale queries refused, 2 replays handled")


# -- fuzzers ---------------------------------------------------------------------------

#: text a user could send: any Unicode (XML's forbidden characters included), the corpus, long runs
USER_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(TEXTS),
    st.text(alphabet="]]><>&'\"{}%$#;\\/-_=*!|`0123456789帮我买药是对明天求助", max_size=400),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["帮", "1", "]]>", "😀", "\u200b", "嗯"]), st.integers(100, 4000)),
)
FIELD_NAMES = st.sampled_from(["Content", "MsgId", "CreateTime", "MsgType", "FromUserName", "ToUserName", "Event", "EventKey",
                               "MediaId", "Recognition", "Location_X", "Location_Y", "Label", "Latitude", "Longitude", "Title",
                               "Url", "Ticket", "PicUrl", "Format", "Encrypt", "x", "Content "])
FIELD_VALUES = st.recursive(
    st.one_of(USER_TEXT, st.integers().map(str), st.sampled_from(["", "0", "-1", "1e999", "nan", "9" * 30])),
    lambda inner: st.one_of(st.lists(inner, min_size=2, max_size=3), st.dictionaries(FIELD_NAMES, inner, min_size=1, max_size=3)),
    max_leaves=4,
)
MSG_TYPES = st.sampled_from(["text", "voice", "image", "location", "link", "event", "video", "shortvideo", "file", "", "TEXT", "x" * 40])


@pytest.mark.message_mode("plain")
@FUZZ
@given(text=USER_TEXT, safe=st.booleans(), msg_id=st.integers(1, 2**63))
def test_fuzz_text_messages(client, ctx, wechat, plain_wechat, fuzz_count, text, safe, msg_id):
    server = wechat if safe else plain_wechat
    before = stored(ctx)
    response = post(client, server.text("o_fuzz_text", text, msg_id=msg_id))
    check(response, server, "o_fuzz_text")
    if response.status_code != 200:
        assert stored(ctx) == before
    fuzz_count("text messages")


@pytest.mark.message_mode("plain")
@FUZZ
@given(msg_type=MSG_TYPES, fields=st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=6), safe=st.booleans())
def test_fuzz_message_fields(client, ctx, wechat, plain_wechat, fuzz_count, msg_type, fields, safe):
    server = wechat if safe else plain_wechat
    envelope = {"ToUserName": "gh_test", "FromUserName": "o_fuzz_fields", "CreateTime": str(int(time.time())), "MsgType": msg_type, "MsgId": "42"}
    envelope.update(fields)
    try:
        xml = xmltodict.unparse({"xml": envelope}, full_document=False)
    except ValueError:
        return  # not even xmltodict can write it
    before = stored(ctx)
    response = post(client, server.deliver(xml))
    check(response, server)
    if response.status_code != 200:
        assert stored(ctx) == before
    fuzz_count("message structures")


def _mutate(body: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(body)
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    return bytes(data)


@pytest.mark.message_mode("plain")
@FUZZ
@given(raw=st.one_of(st.binary(max_size=600), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8)),
       safe=st.booleans())
def test_fuzz_raw_bodies(client, ctx, wechat, plain_wechat, fuzz_count, raw, safe):
    """Random bytes, and valid deliveries with a few bytes changed, under a correct signature
    (in safe mode the mangled ciphertext is signed again, so decryption itself is attacked)."""
    server = wechat if safe else plain_wechat
    delivery = server.text("o_fuzz_raw", "帮我买药")
    query = dict(delivery.query)
    if isinstance(raw, bytes):
        body = raw
    else:
        body = _mutate(delivery.body, raw)
    if safe:
        encrypt = xmltodict.parse(delivery.body)["xml"]["Encrypt"]
        mangled = _mutate(encrypt.encode(), raw) if not isinstance(raw, bytes) else raw
        try:
            text = mangled.decode("ascii")
        except UnicodeDecodeError:
            text = mangled.decode("latin-1")
        query["msg_signature"] = sign(server.token, query["timestamp"], query["nonce"], text)
        body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{text}]]></Encrypt></xml>".encode("utf-8", "surrogateescape")
    before = stored(ctx)
    response = post(client, delivery, body=body, query=query)
    check(response, server)
    if response.status_code != 200:
        assert stored(ctx) == before
    fuzz_count("raw bodies")


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "encrypt_type", "msg_signature", "echostr", "openid"]),
                             st.one_of(st.text(string.printable, max_size=60), st.sampled_from(["aes", "raw", "0" * 40, str(int(time.time()))])),
                             max_size=6),
       method=st.sampled_from(["GET", "POST"]))
def test_fuzz_queries(client, ctx, plain_wechat, fuzz_count, query, method):
    before = stored(ctx)
    response = client.open("/wechat", method=method, query_string=query, data=plain_wechat.text("o_fuzz_q", "你好").body)
    assert response.status_code in (400, 403, 405), (query, response.status_code)  # unsigned: refused
    assert b"Traceback" not in response.data
    assert stored(ctx) == before
    fuzz_count("forged queries")


_counts: dict[str, int] = {}


@pytest.fixture
def fuzz_count(request, capsys):
    """Count the examples a fuzz test tried; print the total when it ends."""
    name = {"value": None}

    def count(what: str) -> None:
        name["value"] = what
        _counts[what] = _counts.get(what, 0) + 1

    yield count
    if name["value"]:
        with capsys.disabled():
            print(f"\n  fuzzed {name['value']}: {_counts[name['value']]} cases, no 500, no trace, nothing stored when refused", end="")
