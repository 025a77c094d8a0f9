"""What the engine itself says, at any step of any flow (one place for these texts)."""

FOOTER = "（回复“返回”上一步，“取消”不办了，“人工”找工作人员）"

CONFIRM_CRITICAL = "您说的是：{readback}，对吗？请回复“对”或“不对”。"
CONFIRM_AGAIN = "请回复“对”或“不对”。您说的是：{readback}"
SAY_AGAIN = "好的，请再说一遍。"

RETRY_LIMIT = (
    "好像不太顺利，没关系。回复“人工”，村里的工作人员会联系您；"
    "也可以回复“取消”，以后再办。"
)

VOICE_AGAIN = "抱歉，这段语音没听清，请再说一遍，或者打字告诉我。"

BACK_AT_START = "已经是第一步了。"
BACK = "好的，回到上一步。"
CANCELLED = "好的，已经取消，刚才填的内容不会提交。需要时随时回复“菜单”。"
HUMAN = "好的，已经通知村里的工作人员，他们会尽快联系您。着急的话请直接打村委会电话。"
HUMAN_UNKNOWN_AREA = "好的，已经通知县里的值班工作人员，他们会尽快联系您。着急的话请拨打12345。"

RESUME_OFFER = "您上次在“{title}”填到“{label}”，要接着填吗？请回复“继续”或“重新开始”。"
RESUME_YES = "好的，我们接着填。"
RESUME_NO = "好的，上次的内容已清除。"
RESUME_ASK = "请回复“继续”接着填，或回复“重新开始”。"

FLOW_CHANGED = "这项服务的填写步骤更新了，我们从头开始，给您添麻烦了。"

IDLE_REMINDER = "您在“{title}”还没填完。回复任意内容接着填；回复“取消”就不办了。"

INTENT_ASK = "{understood}请回复“是”或“不是”。"
INTENT_NO = "好的。"
