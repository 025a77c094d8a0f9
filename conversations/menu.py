"""The main menu and the texts shown outside any dialogue."""

MAIN_MENU = (
    "您好，这里是霍山县“救助通”。请回复数字或直接说出您的需要：\n"
    "1 求助（申请上门服务）\n"
    "2 报告（身边有人需要帮助）\n"
    "3 进度（查看我的申请）\n"
    "4 绑定（登记我的家庭信息）\n"
    "随时回复“人工”可联系村里的工作人员；紧急情况请直接拨打120、110或119。"
)

WELCOME = "欢迎关注霍山县“救助通”！有困难可以在这里说，我们会安排人上门帮忙。\n" + MAIN_MENU

NOT_UNDERSTOOD = "抱歉，这条消息我还看不懂。\n" + MAIN_MENU

UNSUPPORTED_KIND = "抱歉，这种消息我暂时处理不了，您可以打字或发语音。\n" + MAIN_MENU

VOICE_EMPTY = "抱歉，这段语音没听清。请再说一遍，或者打字告诉我。\n回复“人工”可联系工作人员。"

MORE_FOLLOWS = "（内容较长，其余部分随后发给您）"

SYSTEM_ERROR = "抱歉，系统刚才出了点问题，这条消息没有保存。请稍后再发一次；着急的话回复“人工”或拨打村委会电话。"
