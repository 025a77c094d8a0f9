"""Top-level intent matching: what a user wants when no dialogue is running.

Residents mostly speak (WeChat speech recognition: fillers such as 嗯/那个/就是, a trailing 。,
homophone errors such as 帮办带办 or 赡食), neighbours report people in need, and "红马夹"
volunteers check in on visits. ``match`` turns one such message into an ``Intent`` (a flow name,
and for service requests the catalogue item code) or ``None`` when nothing is confident, in which
case the caller shows the main menu. ``describe`` gives the first reply, naming what was understood.

Everything a maintainer tunes sits in one table, ``_SPECS``: per flow (and catalogue item) a
question for ``describe`` and cue patterns in four weights (decisive, strong, normal, weak).
A cue pattern is

* ``"买药|拿药"``: any of the alternatives occurs;
* ``"{third}+{concern}"``: every ``+``-separated part occurs, in any order (a conjunction);
* ``"=帮助"``: the whole message is the alternative;
* ``{name}`` expands to the alternatives of ``_ALIASES[name]`` (also inside a word: ``{nobody}管``).

Matching, in order:

1. normalise: NFKC, lower case, drop punctuation and spaces, drop fillers at the start of each
   clause (嗯, 那个, 就是, 然后 …);
2. find every cue word in the text, exactly or by near-homophone pinyin (tones dropped,
   zh/ch/sh ~ z/c/s, n ~ l, -ng ~ -n, as rural Anhui speech and its recognition blur them); a
   pinyin-only hit must sit on jieba word boundaries so that 待办 is not found inside 帮办代办;
3. a one-word hit strictly inside a longer hit of another intent yields to it (找工作人员 is
   not 找工作);
4. score each intent by its best cue (weight x hit quality, small bonuses for longer words and
   for further cues covering other words) and keep the best; a confident catalogue item beats
   the bare "I need help" (找人帮我买药 is an errand);
5. only when nothing is confident, try rapidfuzz partial ratios on the pinyin syllables of the
   longer cue words (insertions, deletions, one wrong syllable).

The first call builds the matcher (jieba's dictionary: about half a second); after that one
message takes about 0.1 ms.

Emergencies (救命, 摔倒了 …) are not handled here; a separate module routes them first.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass

import jieba
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Intent:
    """What the user seems to want.

    ``name`` is the flow to start; ``item`` the catalogue item code for ``request_service``
    (``None`` for a generic "I need help"); ``confidence`` is in (0, 1]; ``matched`` holds the
    user's own words that triggered the match, echoed back by ``describe``.
    """

    name: str
    item: str | None
    confidence: float
    matched: str


# --------------------------------------------------------------------------------------------
# The tables: every Chinese word the matcher knows is here.
# --------------------------------------------------------------------------------------------

DECISIVE = 1.1
STRONG = 1.0
NORMAL = 0.85
WEAK = 0.65
THRESHOLD = 0.6
"""An intent scoring below this is not confident enough: ``match`` returns ``None``."""

_ALIASES: dict[str, str] = {
    # "nobody", with rural Anhui wording (么得人, 冇人)
    "nobody": "没人|没有人|么得人|冇人|没得人|无人|没个人",
    # someone else, not the speaker: where the person lives or who they are
    "third": (
        "隔壁|邻居|对门|对面|村里|村上|我们村|组里|庄上|庄子上|湾里|附近|有个|有一个|有位|"
        "有一位|有户|有一户|有家|那家|那户|他家|她家|他们家|她们家|别人家|人家|五保户|孤寡老人|"
        "独居老人|留守老人|留守儿童"
    ),
    # what is worrying about them
    "concern": (
        "没出门|没出来|没开门|没见|没看见|没看到|不见人|{nobody}管|{nobody}照顾|{nobody}照看|{nobody}带|"
        "{nobody}问|{nobody}做饭|{nobody}烧饭|没饭吃|生病|病了|病倒|瘫|可怜|困难|不行了|好几天|"
        "几天没|一个人住|独居|留守|需要帮助|需要帮忙|要帮忙|过不下去|没钱|揭不开锅"
    ),
    # what a volunteer says after a visit, and where they went
    "visited": (
        "去过|到过|看过|走访了|探访了|探望了|看望了|去看了|去看过|上门了|去了一趟|刚从|已经去|"
        "看好了|我去了"
    ),
    "household": (
        "家|奶奶|爷爷|大爷|大妈|大娘|老人|老太|老爷子|婆婆|伯伯|叔叔|阿姨|户|那边"
    ),
    "worry": "怕|万一|担心|要是|假如|如果|生怕",
    "mishap": "摔|跌|出事|出个事|发病|犯病|三长两短|没人知道|晕倒",
    "school": "上学|读书|念书|高中|大学|初中|小学|学校",
    "money": "钱|费|交不起|供不起|困难|负担",
    "buy": "买|拿|配|取|带|捎|开|代买",
    "goods": "药|米|油|盐|菜|面|肉|蛋|东西|日用品|酱油|化肥|种子",
    "cook": "做|烧|煮|弄|搞|送",
}


@dataclass(frozen=True)
class _Spec:
    """One intent: a flow (and catalogue item) with its reply question and its cues."""

    flow: str
    item: str | None
    question: str  # "您是想{question}吗？"
    decisive: tuple[str, ...] = ()  # outweighs the strong cues of other intents
    strong: tuple[str, ...] = ()
    normal: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()


_REQUEST = "request_service"


def _request(item: str | None, question: str, **cues: tuple[str, ...]) -> _Spec:
    return _Spec(_REQUEST, item, question, **cues)


_SPECS: tuple[_Spec, ...] = (
    # ---- service requests: the 11 catalogue items (SPEC §5), then a generic "I need help" ----
    _request(
        "visit",
        "请人上门看看您（探访慰问）",
        strong=("探访慰问|探访|慰问|探望|看望|上门看看|来看看我|来看我|来家里看看|"
                "来家看看|望望我|{nobody}来看我|关心一下|关心关心",
                "{nobody}来|好久没人+看我|看看|望望|坐坐|串门"),
        normal=("走访|串门|回访|看看我",),
    ),
    _request(
        # 帮办代办 covers medical-insurance matters (annex 3: 代为办理居民医保), so 医保报销
        # comes here rather than to referral: the county's 医保 offices 全程帮办 these.
        "errand",
        "找人帮忙买药、办事（帮办代办）",
        strong=("帮办代办|帮办|代办|跑腿|跑一趟|药店|药房|买药|拿药|配药|取药|开药|买点药|带药|"
                "买东西|买点东西|带东西|捎东西|买菜|买米|买油|日用品|生活用品|快递|包裹|取件|"
                "寄东西|代收|医保|医保卡|社保卡|电子社保卡|激活|养老金认证|养老认证|资格认证|"
                "生存认证|刷脸|认证|年审|办事|办手续|办个事|交电费|缴电费|交话费|充话费|交水费|"
                "医保报销|交医保|新农合|合作医疗",),
        normal=("{buy}+{goods}", "报销|缴费|交费|取钱|存钱|领钱|办理|养老金"),
    ),
    _request(
        "meals",
        "请人做饭、送饭上门（膳食供应）",
        strong=("膳食供应|膳食|做饭|烧饭|煮饭|弄饭|搞饭|送饭|送餐|助餐|老年食堂|食堂|饭菜|没饭吃|"
                "吃不上饭|吃饭难|热饭|送菜|配餐|一日三餐|三餐",),
        normal=("吃不上|午饭|晚饭|中饭|早饭", "{cook}+饭"),
        weak=("吃饭|饿|吃的",),
    ),
    _request(
        "cleaning",
        "请人打扫卫生或改造家里（助洁助行）",
        strong=("助洁助行|助洁|助行|打扫|打扫卫生|搞卫生|弄卫生|做卫生|大扫除|收拾屋|收拾家|"
                "收拾房|拾掇|扫地|拖地|擦窗|家政|保洁|清洁|扶手|无障碍|适老化|改造|坡道|防滑|轮椅|"
                "马桶|坐便|门槛|出门不方便|行动不便|走路不方便|腿脚不便|腿脚不方便|上下楼",),
        normal=("洗衣服|洗被子|厕所|卫生间|拐杖|收拾",),
    ),
    _request(
        "institutional_care",
        "住进养老院、敬老院（集中养护）",
        strong=("集中养护|集中供养|养老院|敬老院|福利院|养老中心|护理院|托养|五保院|光荣院|"
                "幸福院|去养老|送养老",),
        normal=("供养|住进去",),
    ),
    _request(
        "daily_care",
        "找人照顾起居、住院陪护（照料护理）",
        strong=("照料护理|照料|生活照料|护理|陪护|住院陪护|陪床|护工|伺候|服侍|照应|端屎端尿|擦身|"
                "洗澡|翻身|喂饭|瘫在床|瘫痪|卧床|起不来床|下不了床|护理险|住院护理|照顾我|"
                "照顾一下|照看|{nobody}照顾|{nobody}管我|{nobody}照看",
                "住院+{nobody}"),
        normal=("照顾|看着我|陪着我|陪我|住院",),
    ),
    _request(
        "volunteer_service",
        "找红马夹志愿者谈心、帮扶（志愿服务）",
        strong=("志愿服务|志愿者|心理疏导|心理辅导|心理咨询|心理|谈心|谈谈心|聊天|聊聊|"
                "说说话|陪我聊|陪我说话|心情不好|心里难受|心里不好受|心里苦|心里闷|闷得慌|孤单|"
                "孤独|寂寞|没人说话|想不通|想不开|一户一档|帮扶方案|帮扶计划|能力提升|社会融入|"
                "社工|社工站",),
        normal=("说话|难过|融入|红马夹",),
        weak=("烦",),
    ),
    _request(
        "neighbour_help",
        "请邻居帮忙照顾（邻里互助）",
        strong=("邻里互助|邻里帮|互助|邻居帮|邻居来|请邻居|让邻居|叫邻居|喊邻居|邻居照顾|"
                "邻居照看|街坊帮|隔壁帮|隔壁来|左邻右舍|帮邻居|照顾邻居|照顾隔壁|护理培训|"
                "护理技能|学护理",
                "请|让|叫|喊|找+隔壁|邻居|街坊"),
        normal=("邻里|街坊", "照顾|照看|帮忙|伺候+隔壁|邻居|邻里|街坊"),
    ),
    _request(
        "monitoring",
        "申请手环、一键呼叫等安全看护（看护服务）",
        strong=("看护服务|看护|手环|电子手环|一键呼叫|一键报警|呼叫器|报警器|紧急按钮|定位|定位卡|"
                "定位器|通信卡|安全防护|智能看护|老年机|老人机|报平安",
                "{worry}+{mishap}"),
        normal=("监护|监控|摄像头",),
    ),
    _request(
        "charity",
        "申请治眼病、助学等慈善帮助（慈善救助）",
        strong=("慈善救助|慈善|光明行|白内障|青光眼|眼科|眼病|眼疾|学费|助学|暖心助学|上不起学|"
                "情暖民心|捐款|善款|基金会|捐助",
                "{school}+{money}"),
        # bad eyes are often just a reason given for another request (我眼睛不好，弄不了)
        normal=("眼睛|眼|眼神+看不清|看不见|模糊|不好|瞎|坏了|手术|疼|看不到|花了",
                "手术+钱|费|贵|做不起"),
    ),
    _request(
        "referral",
        "找工作、学技术或问政策（转介服务）",
        strong=("转介服务|转介|找工作|找个工作|找活干|找事做|找点事做|找点活|就业|培训|技能培训|"
                "学技术|学手艺|学个手艺|招工|找个活|找活|找份工|找份活|打零工|零工|残联|妇联|"
                "人社|卫健|工会|教育局|残疾证|残疾补贴|政策咨询|咨询政策|问政策|公益岗|"
                "公益性岗位|务工",),
        normal=("打工|上班|挣钱|赚钱|技能|职业|政策|补贴|贷款|岗位", "找+活|工作|事做|差事"),
    ),
    _request(
        None,
        "找人帮忙",
        normal=("求助|帮帮我|帮帮忙|帮个忙|帮一下|帮我一下|需要帮助|需要帮忙|要帮忙|要人帮|找人帮|"
                "请人帮|想请人|申请服务|申请救助|申请帮扶|申请帮助|我要申请|想申请|有困难|遇到困难|"
                "要服务|点单|下单|服务申请|过不下去",),
        weak=("帮我|帮忙|救助|帮扶|困难|难处",),
    ),
    # ---- the other top-level flows ----
    _Spec(
        "report_neighbour",
        None,
        "报告身边需要帮助的人",
        # someone else + a worry: outweighs the self-requests (没人照顾, 没人做饭) it contains
        decisive=("{third}+{concern}",),
        strong=("报告|反映|反应个情况|举报|上报|主动发现|替别人|帮别人申请|帮邻居申请",),
    ),
    _Spec(
        "visit_checkin",
        None,
        "登记这次探访（签到）",
        strong=("签到|签个到|打卡|打个卡|探访完|走访完|探访结束|走访结束|回访完|看望完|探访好了|"
                "探访记录|走访记录|登记探访|上门签到|探访过了|走访过了",
                "{visited}+{household}", "我到|我到了+{household}",
                "探访|走访|看望|回访|上门+完了|做完|结束|好了|过了"),
    ),
    _Spec(
        "progress",
        None,
        "查看申请的进度",
        # about a request already made: wins over the service it names (送饭怎么还没人来)
        decisive=("进度|进展|办到哪|到哪一步|到哪步|怎么样了|咋样了|么样了|有消息|有结果|批了没|"
                  "批下来|审批|审核|办好了没|好了没|什么时候来|么时候来|啥时候来|几时来|几点来|"
                  "怎么还没来|还没来|还不来|咋还没|有人接单|派了没|处理了没|受理",
                  # a request made earlier + still waiting (上次申请的手环怎么还没送来)
                  "申请的|申请了|上次|前几天|前天|昨天|上个月|上礼拜+还没|没动静|没消息|没人理"),
        strong=("没人来",),
        normal=("我的申请|我申请的|申请的事|我的单子|我那个事",),
    ),
    _Spec(
        "bind",
        None,
        "绑定您家的救助信息",
        strong=("绑定|绑一下|绑上|关联|登记信息|身份登记|实名|认证身份|身份认证|注册",),
        normal=("绑|登记|我是低保|低保户|五保户|特困户|特困人员|低收入|边缘户|监测户|困难户",),
    ),
    _Spec(
        "tasks",
        None,
        "查看您的探访任务",
        strong=("我的任务|任务|派给我|派单|接单|抢单|有什么活|今天去哪|要去哪家|去哪家|分配给我|工单",),
    ),
    _Spec(
        "todo",
        None,
        "查看待办事项",
        strong=("待办|待处理|待审核|待审批|待办事项|没办完|还有什么要办|要处理的|未处理|待审|"
                "需要我处理|等我处理",),
    ),
    _Spec(
        "cancel_request",
        None,
        "取消您的申请",
        decisive=("取消|撤销|撤回|撤了|撤掉|退了|不申请了|不要了|不需要了|不用来了|别来了|不办了|"
                  "退掉|作废",),
        normal=("不用了",),
    ),
    _Spec(
        "rate",
        None,
        "评价这次服务",
        decisive=("评价|评分|打分|好评|差评|打个分|点评|服务得很好|服务很好|服务不错|服务得不错|"
                  "挺满意|很满意|不满意|点赞|表扬|服务态度|态度不好|态度很好|态度差|服务不好|"
                  "服务差",),
        normal=("满意|评", "服务|态度|师傅|干得+很好|挺好|不错|不好|太差|差劲|马虎"),
    ),
    _Spec(
        "human",
        None,
        "找工作人员",
        strong=("人工|转人工|人工服务|人工客服|客服|工作人员|找工作人员|真人|活人|找村里|村干部|"
                "村书记|书记|村主任|打电话|打个电话|电话给|联系村里|找领导|协理员|网格员|投诉|"
                "民政所|民政局",),
        normal=("领导|干部|民政|乡里|镇里|乡政府|镇政府",),
    ),
    _Spec(
        "help",
        None,
        "了解怎么使用",
        strong=("=帮助|说明|help|功能|使用",
                "怎么用|咋用|么样用|怎么使用|如何使用|使用说明|使用帮助|帮助说明|操作说明|"
                "教我用|能做什么|能干什么|能干啥|能做啥|有什么用|有什么功能|功能介绍|"
                "有哪些服务|有什么服务|都有什么服务|服务项目|服务清单|主菜单|菜单",),
        # also said about the errand itself (养老金认证我不会弄): a named service outweighs them
        normal=("不会用|怎么弄|咋弄|怎么操作|不会弄",),
    ),
)

_LEXICON = (
    "帮办代办", "红马夹", "红马甲", "低保", "低保户", "五保户", "特困", "特困户", "特困人员", "膳食",
    "助洁", "助行", "适老化", "无障碍", "集中养护", "集中供养", "敬老院", "养老院", "照料护理",
    "陪护", "护工", "心理疏导", "邻里互助", "看护服务", "手环", "一键呼叫", "定位卡", "光明行",
    "白内障", "暖心助学", "转介", "养老金认证", "资格认证", "电子社保卡", "协理员", "网格员",
    "工作人员", "待办", "签到", "探访", "没人管", "么得", "冇得",
)
"""Domain words jieba should keep whole (added to jieba's dictionary once)."""

_FILLERS = (
    "就是说", "就是", "那个", "这个", "然后", "哎呀", "哎哟", "我说", "请问", "麻烦你", "麻烦",
    "你好", "您好", "同志", "嗯", "呃", "额", "啊", "哦", "噢", "唉", "哎", "诶", "欸", "喂", "呀",
)
"""Words dropped at the start of every clause, longest first."""

# --------------------------------------------------------------------------------------------
# Text to comparable form
# --------------------------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[\s\W_]+")  # punctuation, spaces and symbols
_EVERYWHERE = re.compile("[嗯呃]+")  # hesitations that are never content words
_LEADING_FILLER = re.compile("^(?:" + "|".join(_FILLERS) + ")+")
_MAX_CHARS = 200

# Tone-free pinyin, then the contrasts that local speech and its recognition blur.
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def _normalise(text: str) -> str:
    """NFKC, lower case, no punctuation or spaces, no fillers at the start of a clause."""
    text = unicodedata.normalize("NFKC", text).lower()[:_MAX_CHARS]
    text = _EVERYWHERE.sub("", text)
    clauses = (_LEADING_FILLER.sub("", clause) for clause in _CLAUSE_BREAK.split(text))
    return "".join(clauses)


@functools.lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    """The blurred syllable of one character (the character itself when it is not Chinese)."""
    if not "\u3400" <= char <= "\u9fff":
        return char
    syllable = lazy_pinyin(char, style=Style.NORMAL, v_to_u=False)[0]
    for original, blurred in _INITIALS:
        if syllable.startswith(original):
            syllable = blurred + syllable[len(original):]
            break
    if syllable.startswith("n") and not syllable.startswith("ng"):
        syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_syllable(char) for char in text)


# --------------------------------------------------------------------------------------------
# The matcher, built once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cue:
    spec: _Spec
    groups: tuple[tuple[str, ...], ...]  # every group must hit; any word of a group will do
    weight: float
    whole: bool  # the whole message must be one of the words


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    quality: float


@dataclass(frozen=True)
class _Scored:
    spec: _Spec
    score: float
    pieces: tuple[tuple[int, int], ...]  # (start, end) of the words that made the score

    def covered(self) -> set[int]:
        return {i for start, end in self.pieces for i in range(start, end)}


def _inside_other(item: _Scored, found: list[_Scored]) -> bool:
    """Whether this one-word hit lies strictly inside a word of another intent's hit.

    找工作 yields to 找工作人员. A conjunction is several words read together, not a word
    inside a longer one, so it stands: in 请邻居来照顾我, 邻居+照顾 is not cut down by 照顾我.
    """
    if len(item.pieces) > 1:
        return False
    for other in found:
        if other.spec is item.spec or other.score < THRESHOLD:
            continue
        for start, end in item.pieces:
            for other_start, other_end in other.pieces:
                inside = other_start <= start and end <= other_end
                if inside and other_end - other_start > end - start:
                    return True
    return False


_PINYIN_QUALITY = 0.9
_FUZZY_QUALITY = 0.85
_FUZZY_CUTOFF = 75.0
_FUZZY_MIN_LEN = 4  # shorter words are matched exactly or by sound only
_LENGTH_BONUS = 0.02  # per character beyond two, up to five: longer cue words are more specific
_MORE_BONUS = 0.03  # per further cue of the same intent, up to three


def _expand(alternatives: str) -> tuple[str, ...]:
    """``a|{alias}b`` to its words, aliases expanded (recursively) inside words."""
    words: list[str] = []
    for word in alternatives.split("|"):
        found = re.search(r"\{(\w+)\}", word)
        if found is None:
            words.append(word)
            continue
        for replacement in _expand(_ALIASES[found.group(1)]):
            words.extend(_expand(word[: found.start()] + replacement + word[found.end():]))
    return tuple(dict.fromkeys(words))


def _cues() -> list[_Cue]:
    patterns: list[tuple[_Spec, str, float]] = []
    for spec in _SPECS:
        tiers = (
            (DECISIVE, spec.decisive),
            (STRONG, spec.strong),
            (NORMAL, spec.normal),
            (WEAK, spec.weak),
        )
        for weight, group in tiers:
            patterns.extend((spec, pattern, weight) for pattern in group)
    cues = []
    for spec, pattern, weight in patterns:
        whole = pattern.startswith("=")
        groups = tuple(_expand(part) for part in pattern.lstrip("=").split("+"))
        cues.append(_Cue(spec, groups, weight, whole))
    return cues


class _Matcher:
    """Indexes every cue word by its characters and by its blurred pinyin."""

    def __init__(self) -> None:
        self.cues = _cues()
        self.by_text: dict[str, list[int]] = {}
        self.by_sound: dict[tuple[str, ...], list[str]] = {}
        self.whole: dict[str, list[int]] = {}
        self.whole_by_sound: dict[tuple[str, ...], str] = {}
        for index, cue in enumerate(self.cues):
            for group in cue.groups:
                for word in group:
                    if cue.whole:
                        self.whole.setdefault(word, []).append(index)
                        self.whole_by_sound.setdefault(_syllables(word), word)
                        continue
                    self.by_text.setdefault(word, []).append(index)
                    if len(word) >= 2:
                        words = self.by_sound.setdefault(_syllables(word), [])
                        if word not in words:
                            words.append(word)
        self.lengths = sorted({len(word) for word in self.by_text})
        # stage 2: single-word cues long enough for a fuzzy comparison
        self.fuzzy_words = sorted(
            {
                word
                for cue in self.cues
                if len(cue.groups) == 1 and not cue.whole
                for word in cue.groups[0]
                if len(word) >= _FUZZY_MIN_LEN
            }
        )
        self.fuzzy_sounds = [_syllables(word) for word in self.fuzzy_words]

    # -- finding words ------------------------------------------------------------------------

    def _hits(self, text: str, sounds: tuple[str, ...], bounds: frozenset[int]) -> dict[str, _Hit]:
        """Every cue word found in ``text``: exactly (quality 1) or by sound (on word bounds)."""
        hits: dict[str, _Hit] = {}
        size = len(text)
        for start in range(size):
            for length in self.lengths:
                end = start + length
                if end > size:
                    break
                piece = text[start:end]
                if piece in self.by_text and piece not in hits:
                    hits[piece] = _Hit(start, end, 1.0)
                if length < 2:
                    continue
                for word in self.by_sound.get(sounds[start:end], ()):
                    if word not in hits and self._on_bounds(start, end, bounds):
                        hits[word] = _Hit(start, end, _PINYIN_QUALITY)
        return hits

    @staticmethod
    def _on_bounds(start: int, end: int, bounds: frozenset[int]) -> bool:
        """A sound-alike must be a word of its own, not a slice of a longer word (待办 ≠ 帮办代办)."""
        if end - start == 2:
            return start in bounds and end in bounds
        return start in bounds or end in bounds

    def _fuzzy_hits(
        self, sounds: tuple[str, ...], bounds: frozenset[int]
    ) -> dict[str, _Hit]:
        hits: dict[str, _Hit] = {}
        found = process.extract(
            sounds,
            self.fuzzy_sounds,
            scorer=fuzz.partial_ratio,
            score_cutoff=_FUZZY_CUTOFF,
            limit=8,
        )
        for _, score, index in found:
            word = self.fuzzy_sounds[index]
            if len(word) > len(sounds):
                continue  # the message is shorter than the word: no reason to think it was said
            alignment = fuzz.partial_ratio_alignment(word, sounds)
            start, end = alignment.dest_start, alignment.dest_end
            if abs((end - start) - len(word)) <= 1 and self._on_bounds(start, end, bounds):
                hits[self.fuzzy_words[index]] = _Hit(start, end, _FUZZY_QUALITY * score / 100)
        return hits

    # -- scoring ------------------------------------------------------------------------------

    def _score(self, hits: dict[str, _Hit], candidates: set[int]) -> list[_Scored]:
        """The best score of each intent whose cues are all found."""
        found: list[_Scored] = []
        for index in candidates:
            cue = self.cues[index]
            pieces = []
            quality = 1.0
            for group in cue.groups:
                best = max(
                    (hits[word] for word in group if word in hits),
                    key=lambda hit: (hit.quality, hit.end - hit.start),
                    default=None,
                )
                if best is None:
                    break
                pieces.append((best.start, best.end))
                quality = min(quality, best.quality)
            else:
                length = sum(end - start for start, end in pieces)
                score = cue.weight * quality + _LENGTH_BONUS * min(max(length - 2, 0), 5)
                found.append(_Scored(cue.spec, score, tuple(pieces)))
        found = [item for item in found if not _inside_other(item, found)]
        by_spec: dict[_Spec, list[_Scored]] = {}
        for item in found:
            by_spec.setdefault(item.spec, []).append(item)
        best = []
        for spec, scored in by_spec.items():
            top = max(scored, key=lambda s: s.score)
            # further evidence counts only where it covers words the best cue did not
            covered = top.covered()
            others = {s.pieces for s in scored if s.covered() - covered}
            best.append(_Scored(spec, top.score + _MORE_BONUS * min(len(others), 3), top.pieces))
        return best

    # -- the entry point ----------------------------------------------------------------------

    def match(self, raw: str) -> Intent | None:
        text = _normalise(raw)
        if not text:
            return None
        sounds = _syllables(text)
        whole = self.whole.get(text) or self.whole.get(self.whole_by_sound.get(sounds, ""), [])
        if whole:
            spec = self.cues[whole[0]].spec
            return Intent(spec.flow, spec.item, 1.0, text)
        bounds = self._bounds(text)
        hits = self._hits(text, sounds, bounds)
        best = self._best(hits)
        if best is None or best.score < THRESHOLD:
            hits.update(self._fuzzy_hits(sounds, bounds))
            best = self._best(hits)
        if best is None or best.score < THRESHOLD:
            return None
        start = min(start for start, _ in best.pieces)
        end = max(end for _, end in best.pieces)
        confidence = round(min(best.score, 1.0), 3)
        return Intent(best.spec.flow, best.spec.item, confidence, text[start:end])

    def _best(self, hits: dict[str, _Hit]) -> _Scored | None:
        """The best-scoring intent; a confident catalogue item beats a bare "I need help"."""
        candidates = {index for word in hits for index in self.by_text.get(word, ())}
        scored = self._score(hits, candidates)
        items = [s for s in scored if s.spec.item is not None and s.score >= THRESHOLD]
        generic = [s for s in scored if s.spec.flow == _REQUEST and s.spec.item is None]
        if items and generic:
            scored = [s for s in scored if s not in generic]
        return max(scored, key=lambda s: s.score, default=None)

    @staticmethod
    def _bounds(text: str) -> frozenset[int]:
        bounds = {0}
        position = 0
        for token in jieba.lcut(text):
            position += len(token)
            bounds.add(position)
        return frozenset(bounds)


@functools.lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    """Build the matcher once, on first use: loading jieba's dictionary takes about a second."""
    jieba.setLogLevel(logging.WARNING)
    for word in _LEXICON:
        jieba.add_word(word)
    jieba.initialize()
    return _Matcher()


def match(text: str) -> Intent | None:
    """The intent of a free text or speech message, or ``None`` when nothing is confident."""
    return _matcher().match(text)


_REPLY_LIMIT = 40


def describe(intent: Intent) -> str:
    """The first reply: what was understood, in the user's words, and the service's name.

    One short line, e.g. "您是想找人帮忙买药、办事（帮办代办）吗？". For a catalogue item whose
    question does not already contain the user's words, they are echoed first:
    "您说“白内障”，是想申请治眼病、助学等慈善帮助（慈善救助）吗？".
    """
    spec = next((s for s in _SPECS if (s.flow, s.item) == (intent.name, intent.item)), None)
    if spec is None:
        raise ValueError(f"no such intent: {intent.name}/{intent.item}")
    plain = f"您是想{spec.question}吗？"
    words = intent.matched
    if spec.item is None or not words or len(words) > 8 or _shares_words(words, spec.question):
        return plain
    echoed = f"您说“{words}”，是想{spec.question}吗？"
    return echoed if len(echoed) <= _REPLY_LIMIT else plain


def _shares_words(words: str, question: str) -> bool:
    if len(words) == 1:
        return words in question
    return any(words[i : i + 2] in question for i in range(len(words) - 1))


def warm_up() -> None:
    """Build the matcher (and load jieba's dictionary, about 0.5 s) before the first user waits."""
    match("你好")
