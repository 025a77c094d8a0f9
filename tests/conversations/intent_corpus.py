"""Real-style phrases for the top-level intent matcher, with the flow (and item) each should start.

Typed and spoken (WeChat speech recognition: fillers 嗯/那个/就是, a trailing 。, homophone errors
such as 帮办带办, 赡食, 陪户), in the wording of rural Anhui elderly people (烧饭, 么得人, 俺, 伢子,
搞卫生), their neighbours and the "红马夹" volunteers. Written from what such users say, not from
the matcher's cue table: a phrase the matcher gets wrong stays here and counts against it.
"""

from __future__ import annotations

REQUEST = "request_service"

ANCHORS: list[tuple[str, str, str | None]] = [
    ("我想找人帮我买药", REQUEST, "errand"),
    ("家里没人做饭", REQUEST, "meals"),
    ("隔壁老人好几天没出门了", "report_neighbour", None),
    ("我去过王奶奶家了", "visit_checkin", None),
]

ROUTED: list[tuple[str, str, str | None]] = [
    *ANCHORS,
    # 帮办代办: medicine and goods, parcels, medical insurance, social-security card, pension check
    ("嗯，那个，我的降压药吃完了，能不能找个人帮我去镇上拿点药。", REQUEST, "errand"),
    ("帮办带办。", REQUEST, "errand"),
    ("我腿脚不好，想请人帮我取个快递", REQUEST, "errand"),
    ("就是那个养老金认证我不会弄，哪个能帮我弄一下", REQUEST, "errand"),
    ("电子社保卡怎么激活啊，我不会", REQUEST, "errand"),
    ("我家医保要交了，能不能帮我代交一下", REQUEST, "errand"),
    ("嗯，想请人帮我买点米和油。", REQUEST, "errand"),
    ("俺家老头子的医保报销的事，想找人帮忙跑一趟", REQUEST, "errand"),
    ("资格认证要刷脸，我眼睛不好弄不了", REQUEST, "errand"),
    ("那个，帮我代收一下包裹，我儿子寄回来的", REQUEST, "errand"),
    ("帮我买点药。", REQUEST, "errand"),
    ("我要代办养老金认证", REQUEST, "errand"),
    # 膳食供应
    ("嗯，我一个人在家，么得人烧饭。", REQUEST, "meals"),
    ("能不能天天送饭到家里来", REQUEST, "meals"),
    ("我想要赡食供应", REQUEST, "meals"),
    ("老年食堂能送餐吗", REQUEST, "meals"),
    ("我老伴走了，我自己做不动饭了", REQUEST, "meals"),
    ("就是吃饭成问题，中午晚上都没个热乎饭吃", REQUEST, "meals"),
    ("我家里没人烧饭，能不能弄个老年食堂送送", REQUEST, "meals"),
    # 助洁助行
    ("家里好久没打扫了，想找人来搞搞卫生", REQUEST, "cleaning"),
    ("我想在厕所装个扶手，老是怕滑倒", REQUEST, "cleaning"),
    ("我坐轮椅，门口那个台阶出不去", REQUEST, "cleaning"),
    ("嗯，能不能派人帮我把屋里收拾收拾。", REQUEST, "cleaning"),
    ("适老化改造怎么申请", REQUEST, "cleaning"),
    ("那个助洁服务", REQUEST, "cleaning"),
    ("俺想请人帮俺打扫打扫屋子", REQUEST, "cleaning"),
    # 集中养护
    ("我想去敬老院住", REQUEST, "institutional_care"),
    ("嗯，我一个人过不下去了，想住养老院。", REQUEST, "institutional_care"),
    ("俺家老母亲瘫在床上，能不能送到养老院集中养护", REQUEST, "institutional_care"),
    ("特困供养能去镇上敬老院吗", REQUEST, "institutional_care"),
    ("我要去静老院", REQUEST, "institutional_care"),
    # 照料护理
    ("我住院了没人陪护", REQUEST, "daily_care"),
    ("我老伴瘫痪在床，我一个人伺候不过来", REQUEST, "daily_care"),
    ("嗯，就是想找个人照顾我，我身体不行了。", REQUEST, "daily_care"),
    ("我生病了，家里没人照顾。", REQUEST, "daily_care"),
    ("想请个护工", REQUEST, "daily_care"),
    ("我想要住院陪户", REQUEST, "daily_care"),
    # 志愿服务
    ("我心里难受，想找人说说话", REQUEST, "volunteer_service"),
    ("嗯，一个人在家闷得慌，有没有人陪我聊聊天。", REQUEST, "volunteer_service"),
    ("想找红马甲来家里坐坐", REQUEST, "volunteer_service"),
    ("孩子心理有问题，想找社工帮帮忙", REQUEST, "volunteer_service"),
    ("心理疏导", REQUEST, "volunteer_service"),
    # 邻里互助
    ("我想让隔壁邻居帮忙照看一下我", REQUEST, "neighbour_help"),
    ("邻里互助怎么弄", REQUEST, "neighbour_help"),
    ("我愿意照顾隔壁的五保户，村里能给培训吗", REQUEST, "neighbour_help"),
    # 看护服务
    ("我一个人住，怕摔倒了没人知道", REQUEST, "monitoring"),
    ("听说有那个一键呼叫的手环，我也想要一个", REQUEST, "monitoring"),
    ("给我家老头子弄个定位的，他老是走丢", REQUEST, "monitoring"),
    ("嗯，那个，看护手环。", REQUEST, "monitoring"),
    ("想申请看户服务", REQUEST, "monitoring"),
    # 慈善救助
    ("我眼睛看不清，听说县医院能免费做白内障手术", REQUEST, "charity"),
    ("孩子考上大学了，学费交不起", REQUEST, "charity"),
    ("嗯，我家伢子读高中，学费困难。", REQUEST, "charity"),
    ("慈善光明行怎么报名", REQUEST, "charity"),
    ("眼睛花得很，看东西模模糊糊的", REQUEST, "charity"),
    # 转介服务
    ("我想找个活干，哪里有招工的", REQUEST, "referral"),
    ("有没有技能培训，我想学个手艺", REQUEST, "referral"),
    ("我儿子残疾，想办个残疾证", REQUEST, "referral"),
    ("嗯，就是，我想找工作。", REQUEST, "referral"),
    ("有没有公益岗位", REQUEST, "referral"),
    # 探访慰问
    ("我一个人在家，想有人来看看我", REQUEST, "visit"),
    ("村里好久没人来看我了", REQUEST, "visit"),
    ("能不能让村干部上门看看", REQUEST, "visit"),
    ("探访慰问", REQUEST, "visit"),
    # "I need help", no item yet
    ("我要求助", REQUEST, None),
    ("帮帮我", REQUEST, None),
    ("嗯，我家里有困难，想申请救助。", REQUEST, None),
    ("能不能帮个忙", REQUEST, None),
    # reporting someone else
    ("邻居家孩子没人管", "report_neighbour", None),
    ("村里有个老人生病没人照顾", "report_neighbour", None),
    ("我们组有个五保户，房子漏雨，一个人怪可怜的", "report_neighbour", None),
    ("嗯，我要反映个情况，对门的老太太摔伤了没人管。", "report_neighbour", None),
    ("我发现我们庄上有户人家揭不开锅了", "report_neighbour", None),
    ("前面那家的留守儿童天天一个人在家", "report_neighbour", None),
    ("隔壁王大爷瘫在床上，他儿子在外面打工，没人管", "report_neighbour", None),
    # volunteers after a visit
    ("探访完了", "visit_checkin", None),
    ("签到", "visit_checkin", None),
    ("嗯，今天去张大爷家看过了，身体还可以。", "visit_checkin", None),
    ("李奶奶家我已经走访过了", "visit_checkin", None),
    ("我到了刘大妈家，打个卡", "visit_checkin", None),
    # progress
    ("我的申请怎么样了", "progress", None),
    ("进度", "progress", None),
    ("师傅什么时候来", "progress", None),
    ("嗯，前天申请的送饭，怎么还没人来啊。", "progress", None),
    ("我上个礼拜申请的打扫，到底批了没有", "progress", None),
    # binding to a household
    ("绑定", "bind", None),
    ("我是低保户要绑定", "bind", None),
    ("我想登记一下我家的信息", "bind", None),
    ("嗯，我是五保户，怎么绑定啊", "bind", None),
    # volunteers' tasks and the staff's to-do list
    ("我的任务", "tasks", None),
    ("今天有什么任务", "tasks", None),
    ("今天派给我的有哪几家", "tasks", None),
    ("待办", "todo", None),
    ("我还有哪些待办", "todo", None),
    ("看看待处理的事", "todo", None),
    # cancelling, rating
    ("取消我的申请", "cancel_request", None),
    ("嗯，那个送饭不要了，我儿子回来了。", "cancel_request", None),
    ("师傅不用来了", "cancel_request", None),
    ("评价", "rate", None),
    ("今天来打扫的师傅干得挺好，我很满意", "rate", None),
    ("我要给服务打个分", "rate", None),
    # a person, or how to use the bot
    ("人工", "human", None),
    ("找工作人员", "human", None),
    ("打电话给村里", "human", None),
    ("我要跟村书记说", "human", None),
    ("帮助", "help", None),
    ("这个怎么用", "help", None),
    ("嗯，你们这个能做什么。", "help", None),
    ("我不会用这个", "help", None),
]

UNROUTED: list[str] = [
    "你好",
    "谢谢",
    "谢谢你啊。",
    "在吗",
    "今天天气不错",
    "好的",
    "收到",
    "早上好",
    "哈哈哈",
    "我孙子明天回来",
    "123456",
    "你是谁",
    "再见",
    "晚安",
    "我晓得了",
    "今年稻子收成不错",
    "嗯。",
]
"""Greetings and small talk: the caller should show the main menu (not required to be 100 %)."""
