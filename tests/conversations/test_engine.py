"""The dialogue engine, as scripts of what the user says and what the bot answers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from conversations.flows import ENGINE, FLOWS, START_WORDS
from models.dialogue import DialogueEvent, step_counts
from tests.conversations import survey_flow

ME = "o_engine_user"
VALID_ID = "11010519491231002X"  # a checksum-valid example number; the flow's check refuses it
OTHER_ID = "110105194912310038"


@pytest.fixture(autouse=True)
def survey(monkeypatch):
    survey_flow.FINISHED.clear()
    FLOWS.add(survey_flow.survey(1))
    monkeypatch.setitem(START_WORDS, "问卷", "survey")
    yield
    FLOWS.discard("survey", 1)
    FLOWS.discard("survey", 2)


def test_spoken_answers_with_fillers_and_digits_read_one_by_one(chat):
    chat.run(ME, f"""
        > 问卷
        < 我们来填一份问卷
        < 1 买药
        🎤 嗯，第二个。
        < 多大岁数
        🎤 那个，七十八岁。
        < 手机号
        🎤 幺三八，零零幺三，八零零零。
        < 您说的是：138 0013 8000，对吗
        🎤 对的。
        < 身份证号
        > {OTHER_ID}
        < 对吗
        > 是的
        < 哪天上门
        🎤 下周一吧。
        < 位置
    """)


def test_every_parser_in_order(chat, wechat):
    chat.run(ME, "> 问卷\n> 做饭\n< 多大岁数\n> 二十三\n< 为什么\n> 腿受伤了。\n< 手机号")
    chat.run(ME, "> +86 138-0013-8000\n< 138 0013 8000\n> 对\n< 身份证号")
    chat.run(ME, f"> {VALID_ID}\n< 已经登记过了\n> {OTHER_ID.lower()}\n< 对吗\n> 对\n< 哪天")
    chat.run(ME, "> 12月3日\n< 地址")
    assert "照片" in chat.send(ME, wechat.location(ME, 31.39, 116.33, "霍山县衡山镇"))
    assert "确认提交" in chat.send(ME, wechat.image(ME, "media-42"))
    chat.run(ME, "> 是\n< 问卷已提交")
    result = survey_flow.FINISHED[-1]
    assert result["kind"] == "meals" and result["age"] == 23 and result["reason"] == "腿受伤了"
    assert result["phone"] == "13800138000" and result["id"] == OTHER_ID
    assert result["where"]["label"] == "霍山县衡山镇" and result["photo"] == {"media_id": "media-42"}
    assert result["when"].endswith("-12-03")


def test_invalid_input_leaves_the_step_and_gives_the_retry_text(chat):
    chat.run(ME, """
        > 问卷
        > 7
        < 请回复1、2或3
        > 随便
        < 请回复1、2或3
        > 3
        < 多大岁数
    """)


def test_retry_limit_offers_a_person_instead_of_asking_again(chat):
    chat.run(ME, """
        > 问卷
        > 不知道
        > 不知道
        > 不知道
        < 回复“人工”
        <! 请回复1、2或3
    """)


def test_back_goes_one_step_and_forgets_that_answer(chat):
    chat.run(ME, """
        > 问卷
        > 返回
        < 已经是第一步了
        > 1
        > 80
        < 手机号
        > 返回
        < 回到上一步
        < 多大岁数
        > 30
        < 为什么需要帮助
    """)


def test_help_repeats_the_question_with_the_help_text(chat):
    chat.run(ME, "> 问卷\n> 帮助\n< 买药就回1\n< 1 买药")


def test_cancel_leaves_the_flow_and_saves_nothing(chat):
    chat.run(ME, "> 问卷\n> 1\n> 取消\n< 已经取消\n> 1\n<! 多大岁数")
    assert survey_flow.FINISHED == []


def test_menu_leaves_the_flow_with_the_main_menu(chat):
    chat.run(ME, "> 问卷\n> 菜单\n< 1 求助\n< 2 报告")


def test_human_hands_over_with_context(chat):
    chat.run(ME, "> 问卷\n> 1\n> 人工\n< 工作人员")


def test_saying_no_to_a_read_back_asks_again(chat):
    chat.run(ME, """
        > 问卷
        > 1
        > 70
        > 13800138001
        < 138 0013 8001
        > 不对
        < 请再说一遍
        < 手机号
        > 13800138000
        > 对
        < 身份证号
    """)


def test_a_voice_turn_is_parsed_from_recognition(chat):
    chat.run(ME, "> 问卷\n🎤 嗯，那个，第二个。\n< 多大岁数\n🎤 七十八。\n< 手机号")


def test_voice_without_recognition_asks_again_without_counting_a_retry(chat):
    chat.run(ME, "> 问卷")
    for _ in range(4):
        assert "没听清" in chat.speak(ME, "")
    chat.run(ME, "> 1\n< 多大岁数")


def test_resume_after_three_days(chat):
    chat.run(ME, """
        > 问卷
        > 1
        < 多大岁数
        ~ 3d
        > 你好
        < 上次在“问卷”填到“年龄”
        > 继续
        < 接着填
        < 多大岁数
        > 80
        < 手机号
    """)


def test_resume_declined_starts_fresh(chat):
    chat.run(ME, "> 问卷\n> 1\n~ 2d\n> 你好\n< 要接着填吗\n> 重新开始\n< 已清除\n< 1 求助")


def test_idle_reminder_is_sent_once_and_stale_timers_do_nothing(chat):
    chat.run(ME, "> 问卷\n> 1\n~ 1h\n> 80\n")  # the 1h-old timer was replaced by a newer turn
    chat.wait(hours=1)
    assert not any("还没填完" in m for m in chat.inbox(ME))
    chat.wait(hours=2)
    reminders = [m for m in chat.inbox(ME) if "还没填完" in m]
    assert len(reminders) == 1 and "问卷" in reminders[0]


def test_draft_expires_after_a_week(chat, ctx):
    chat.run(ME, "> 问卷\n> 1\n~ 8d\n> 你好\n<! 接着填")
    with ctx.Session() as db:
        assert step_counts(db, "survey")[("age", "abandoned")] == 1


def test_flow_version_change_mid_conversation_restarts_politely(chat):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    FLOWS.discard("survey", 1)
    FLOWS.add(survey_flow.survey(2))
    chat.run(ME, "> 80\n< 步骤更新了\n< 1 买药")


def test_old_version_kept_registered_keeps_going(chat):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    FLOWS.add(survey_flow.survey(2))  # v1 stays registered: the conversation keeps v1
    chat.run(ME, "> 80\n< 手机号\n<! 更新了")


def test_state_survives_a_redis_flush(chat, ctx):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    ctx.redis.flushdb()
    chat.run(ME, "> 80\n< 手机号")


def test_another_user_is_unaffected(chat):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    chat.run("o_someone_else", "> 80\n<! 手机号")
    chat.run(ME, "> 80\n< 手机号")


def test_two_concurrent_messages_are_serialised(app, chat, wechat):
    chat.run(ME, "> 问卷")
    first, second = wechat.text(ME, "1"), wechat.text(ME, "80")
    replies = {}

    def post(name, delivery):
        with app.test_client() as client:
            replies[name] = wechat.read_reply(client.post(delivery.url, data=delivery.body).data)["Content"]

    threads = [threading.Thread(target=post, args=("a", first)), threading.Thread(target=post, args=("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # whichever ran first, the other saw the state it left
    if "请回复1、2或3" in replies["b"]:  # "80" came first (not a choice), then "1"
        assert "多大岁数" in replies["a"]
        chat.run(ME, "> 帮助\n< 周岁年龄")
    else:  # "1" came first, then "80" answered the age
        assert "多大岁数" in replies["a"] and "手机号" in replies["b"]
        chat.run(ME, "> 帮助\n< 一位一位地念")


def test_step_events_count_where_people_give_up(chat, ctx):
    chat.run(ME, "> 问卷\n> 9\n> 1\n> 取消")
    with ctx.Session() as db:
        counts = step_counts(db, "survey")
        assert counts[("kind", "entered")] == 1
        assert counts[("kind", "retried")] == 1
        assert counts[("kind", "completed")] == 1
        assert counts[("age", "abandoned")] == 1
        assert all(e.flow == "survey" for e in db.scalars(select(DialogueEvent)))


def test_every_prompt_says_how_to_go_back_cancel_or_reach_a_person(chat):
    replies = chat.run(ME, "> 问卷\n> 1\n> 80")
    for reply in replies:
        assert "返回" in reply and "取消" in reply and "人工" in reply
