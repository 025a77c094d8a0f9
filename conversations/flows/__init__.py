"""Every dialogue, registered by name and version, and the words that start them."""

from __future__ import annotations

from conversations.engine import Engine, FlowRegistry
from conversations.flows import assessment, bind, consent, first_review, followup, lead_review, reassign, report, request, visit

FLOWS = FlowRegistry()
ENGINE = Engine(FLOWS)

#: a whole message (or a menu key) that starts a flow when none is running
START_WORDS: dict[str, str] = {}


def register(flow, *words: str):
    FLOWS.add(flow)
    for word in words:
        START_WORDS[word] = flow.name
    return flow


register(consent.FLOW, "同意", "授权")
register(bind.FLOW, "绑定", "登记", "4", "MENU_BIND")
register(request.FLOW, "求助", "申请", "申请服务", "我要求助", "1", "MENU_REQUEST")
register(report.FLOW, "报告", "举报", "反映情况", "2", "MENU_REPORT")
register(followup.CANCEL, "取消", "取消申请", "取消我的申请", "撤销申请")
register(followup.RATE_FLOW, "评价", "我要评价")
register(visit.CHECKIN, "签到", "探访签到", "我到了")
register(visit.COMPLETE, "完成", "探访完成", "看完了")
register(first_review.FLOW, "初审", "初审申请", "办理初审")
register(lead_review.FLOW, "核实", "核实线索", "处理线索")
register(assessment.FLOW, "评估", "入户评估", "困境评估")
register(reassign.FLOW, "改派", "改派服务单", "换一家")
