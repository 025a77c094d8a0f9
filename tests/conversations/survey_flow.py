"""A test-only flow that uses every parser, a branch, a check and a finish."""

from __future__ import annotations

from conversations.engine import DONE, Flow, Step
from conversations.parsers import (
    Choice,
    DateAnswer,
    FreeText,
    IdNumber,
    ImageAnswer,
    LocationAnswer,
    Mobile,
    Number,
    Option,
    YesNo,
)

FINISHED: list[dict] = []


def _finish(call) -> str:
    FINISHED.append({k: v for k, v in call.data.items() if not k.startswith("__")})
    return "问卷已提交，谢谢！"


def survey(version: int = 1) -> Flow:
    return Flow(
        name="survey",
        version=version,
        title="问卷",
        intro="我们来填一份问卷。",
        finish=_finish,
        steps=(
            Step("kind", "服务类别", "请选择：1 买药 2 做饭 3 打扫", Choice((Option("errand", "买药", ("拿药",)), Option("meals", "做饭", ("送饭",)), Option("cleaning", "打扫", ("搞卫生",)))), "请回复1、2或3。", "买药就回1，做饭回2，打扫回3。"),
            Step("age", "年龄", "您今年多大岁数？", Number(1, 120, "岁"), "请说一个数字，比如78。", "说您的周岁年龄就行。",
                 next=lambda age, call: "phone" if age >= 60 else "reason"),
            Step("reason", "原因", "您不到60岁，为什么需要帮助？", FreeText(), "请简单说一下原因。", "比如：腿受伤了。"),
            Step("phone", "手机号", "请说您的手机号。", Mobile(), "手机号是11位数字，1开头。", "可以一位一位地念。"),
            Step("id", "身份证号", "请说您的身份证号。", IdNumber(), "身份证号是18位。", "在身份证背面。",
                 check=lambda value, call: "这个身份证号已经登记过了。" if value == "11010519491231002X" else None),
            Step("when", "上门日期", "哪天上门方便？", DateAnswer(), "请说日期，比如明天、下周一、12月3日。", "说哪一天就行。"),
            Step("where", "地址", "请发送位置或说地址。", LocationAnswer(), "请说具体地址，比如某某村某组。", "点下面的＋号可以发位置。"),
            Step("photo", "照片", "请发一张照片。", ImageAnswer(), "请发送一张照片。", "点下面的＋号选照片。", max_retries=2),
            Step("ok", "确认", "确认提交吗？", YesNo(), "请回复“是”或“不是”。", "回复“是”就提交。",
                 next=lambda yes, call: DONE if yes else "kind"),
        ),
    )
