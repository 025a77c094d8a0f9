"""The responsibility list (附件4, 霍山县低收入人口服务类社会救助试点工作责任清单) as data.

Each entry: the level (实施主体), the responsible unit (责任主体), its duty (工作职责, abridged
from the annex) and the annex's completion date. ``department`` links a member unit to the
referral departments residents choose in the bot (人社, 教育 …). The county may edit the duties
and dates here; the task list (任务清单) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

MEMBER = "成员单位"
TOWN = "乡镇级"
VILLAGE = "村居级"
SUPPLIER = "供给主体"

DEADLINE = "2024年12月15日"
"""完成时间节点 of every entry in the annex."""


@dataclass(frozen=True)
class Responsibility:
    level: str
    unit: str
    duty: str
    department: str | None = None
    deadline: str = DEADLINE


RESPONSIBILITIES = (
    Responsibility(MEMBER, "县政府办", "统筹协调服务类社会救助试点工作推进，定期调度部署，确保试点工作有序开展，按时完成工作任务。"),
    Responsibility(MEMBER, "县民政局", "牵头实施试点工作，制定实施方案及各项清单，协调解决推进中的问题；加强业务指导和监督管理，对乡镇、村（社区）和社会组织开展服务情况进行指导、检查。"),
    Responsibility(MEMBER, "县财政局", "将服务类社会救助项目列入政府购买服务目录，落实工作经费和服务经费。"),
    Responsibility(MEMBER, "县委社工部", "培育引导社会工作者开展介入、帮扶服务；指导监督乡镇社工站开展服务类社会救助工作。"),
    Responsibility(MEMBER, "县委宣传部", "培育引导志愿者开展走访帮扶服务；加强试点工作的宣传推广。"),
    Responsibility(MEMBER, "县医保局", "实施医疗救助，提供定期随访和上门服务，全程帮办医保经办服务事项，并配合做好服务类社会救助。", "医保"),
    Responsibility(MEMBER, "县教育局", "实施教育救助，教育和帮助未成年人维护合法权益，预防校内欺凌霸凌，并配合做好服务类社会救助。", "教育"),
    Responsibility(MEMBER, "县住建局", "实施住房救助，对符合住房保障条件的低收入家庭优先予以住房服务救助，并配合做好服务类社会救助。", "住建"),
    Responsibility(MEMBER, "县人社局", "实施就业救助，提供职业介绍、职业技能培训和创业指导等公共就业服务，并配合做好服务类社会救助。", "人社"),
    Responsibility(MEMBER, "县应急局", "实施受灾人员救助，对遭遇自然灾害的低收入人口提供相应服务，并配合做好服务类社会救助。", "应急"),
    Responsibility(MEMBER, "县总工会", "对符合条件的困难职工开展大病救助、金秋助学、生活帮扶、定期体检等服务，并配合做好服务类社会救助。", "总工会"),
    Responsibility(MEMBER, "县妇联", "实施“两癌”专项救助，开展“贫病妇女儿童”救助项目，并配合做好服务类社会救助。", "妇联"),
    Responsibility(MEMBER, "县残联", "开展持证残疾人基本状况调查，与卫健部门共同开展精准康复服务，完善辅助器具保障，并配合做好服务类社会救助。", "残联"),
    Responsibility(MEMBER, "县卫健委", "与县残联共同为有康复需求的残疾人开展精准康复服务，实现家庭医生签约服务“应签尽签”，并配合做好服务类社会救助。", "卫健"),
    Responsibility(TOWN, "乡镇人民政府", "具体组织实施：审核确认申请人资格和申请事项，确定服务供给主体并全过程监督；承担申请受理、需求摸排、资源链接、项目落地；符合条件的2个工作日内进入审核，非民政业务1个工作日内转办。"),
    Responsibility(VILLAGE, "村（居）民委员会", "协助乡镇入户调查和初审，跟踪监督服务质量；建立本村（社区）工作台账；承担探访关爱、主动发现、协助代办、服务回访等具体工作。"),
    Responsibility(SUPPLIER, "服务机构（个人）", "按照“群众点单、系统派单、机构（个人）接单”模式接单并提供服务，服务全程留痕。"),
)


def by_department() -> dict[str, Responsibility]:
    return {r.department: r for r in RESPONSIBILITIES if r.department}


def of_level(level: str) -> tuple[Responsibility, ...]:
    return tuple(r for r in RESPONSIBILITIES if r.level == level)
