"""Who people are, in the policy's terms: target groups and the personal facts the rules read.

Every enum is a ``str, Enum`` whose value is the stable English code stored in the database;
``.label`` is the Chinese term from the policy (附件2, 附件3), for users and ledgers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TargetGroup(str, Enum):
    """服务保障对象: who the pilot serves (实施方案 二(二)2).

    The first six are the low-income population (低收入人口); ``ELDERLY``, ``MINOR`` and
    ``DISABLED`` are the special groups a town may extend the service to.
    """

    EXTREME_POVERTY_DISPERSED = "extreme_poverty_dispersed"
    EXTREME_POVERTY_INSTITUTIONAL = "extreme_poverty_institutional"
    MINIMUM_LIVING = "minimum_living"
    MARGINAL = "marginal"
    RIGID_EXPENDITURE = "rigid_expenditure"
    MONITORED = "monitored"
    ELDERLY = "elderly"
    MINOR = "minor"
    DISABLED = "disabled"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    TargetGroup.EXTREME_POVERTY_DISPERSED: "分散供养特困人员",
    TargetGroup.EXTREME_POVERTY_INSTITUTIONAL: "集中供养特困人员",
    TargetGroup.MINIMUM_LIVING: "低保对象",
    TargetGroup.MARGINAL: "低保边缘家庭成员",
    TargetGroup.RIGID_EXPENDITURE: "刚性支出困难家庭成员",
    TargetGroup.MONITORED: "防止返贫监测对象",
    TargetGroup.ELDERLY: "老年人",
    TargetGroup.MINOR: "未成年人",
    TargetGroup.DISABLED: "残疾人",
}

EXTREME_POVERTY: frozenset[TargetGroup] = frozenset(
    {TargetGroup.EXTREME_POVERTY_DISPERSED, TargetGroup.EXTREME_POVERTY_INSTITUTIONAL}
)
"""特困人员, both ways of support."""

LOW_INCOME: frozenset[TargetGroup] = frozenset(
    {
        TargetGroup.EXTREME_POVERTY_DISPERSED,
        TargetGroup.EXTREME_POVERTY_INSTITUTIONAL,
        TargetGroup.MINIMUM_LIVING,
        TargetGroup.MARGINAL,
        TargetGroup.RIGID_EXPENDITURE,
        TargetGroup.MONITORED,
    }
)
"""低收入人口: the groups the pilot serves everywhere."""

TOWN_EXTENSIONS: frozenset[TargetGroup] = frozenset(
    {TargetGroup.ELDERLY, TargetGroup.MINOR, TargetGroup.DISABLED}
)
"""Special groups a town may add (老年人、未成年人、残疾人)."""


def groups_label(groups: frozenset[TargetGroup] | set[TargetGroup]) -> str:
    """Chinese list of groups in declaration order; both 特困 kinds read as "特困人员"."""
    chosen = [g for g in TargetGroup if g in groups]
    if EXTREME_POVERTY <= set(chosen):
        chosen = [g for g in chosen if g not in EXTREME_POVERTY]
        return "、".join(["特困人员", *(g.label for g in chosen)])
    return "、".join(g.label for g in chosen)


class IllnessKind(str, Enum):
    """疾病 as annex 2 counts it. Any kind but ``NONE`` counts as ill."""

    NONE = "none"
    CHRONIC = "chronic"
    MAJOR = "major"
    MENTAL = "mental"
    RARE = "rare"
    INFECTIOUS = "infectious"

    @property
    def label(self) -> str:
        return _ILLNESS_LABELS[self]

    @property
    def is_ill(self) -> bool:
        return self is not IllnessKind.NONE

    @property
    def is_serious(self) -> bool:
        """重大疾病、精神病、罕见病或传染病: one such member makes the household distressed."""
        return self in _SERIOUS_ILLNESS


_ILLNESS_LABELS = {
    IllnessKind.NONE: "无疾病",
    IllnessKind.CHRONIC: "慢性病",
    IllnessKind.MAJOR: "重大疾病",
    IllnessKind.MENTAL: "精神疾病",
    IllnessKind.RARE: "罕见病",
    IllnessKind.INFECTIOUS: "传染病",
}
_SERIOUS_ILLNESS = frozenset(
    {IllnessKind.MAJOR, IllnessKind.MENTAL, IllnessKind.RARE, IllnessKind.INFECTIOUS}
)


class DisabilityKind(str, Enum):
    """残疾类别 as on the disability certificate (残疾人证)."""

    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    PHYSICAL = "physical"
    INTELLECTUAL = "intellectual"
    MENTAL = "mental"
    MULTIPLE = "multiple"

    @property
    def label(self) -> str:
        return _DISABILITY_LABELS[self]


_DISABILITY_LABELS = {
    DisabilityKind.VISUAL: "视力残疾",
    DisabilityKind.HEARING: "听力残疾",
    DisabilityKind.SPEECH: "言语残疾",
    DisabilityKind.PHYSICAL: "肢体残疾",
    DisabilityKind.INTELLECTUAL: "智力残疾",
    DisabilityKind.MENTAL: "精神残疾",
    DisabilityKind.MULTIPLE: "多重残疾",
}


@dataclass(frozen=True)
class Disability:
    """A certified disability: kind and grade 1 (most severe) to 4."""

    kind: DisabilityKind
    grade: int

    def __post_init__(self) -> None:
        if isinstance(self.grade, bool) or self.grade not in (1, 2, 3, 4):
            raise ValueError(f"disability grade must be 1-4, got {self.grade!r}")

    @property
    def is_severe(self) -> bool:
        """重度残疾: grade 1 or 2."""
        return self.grade <= 2

    @property
    def counts_as_serious(self) -> bool:
        """What annex 2 singles out: 重度残疾 or 三级智力、精神残疾."""
        return self.is_severe or (
            self.grade == 3 and self.kind in (DisabilityKind.INTELLECTUAL, DisabilityKind.MENTAL)
        )

    @property
    def label(self) -> str:
        return f"{self.kind.label}{_GRADE_WORDS[self.grade]}级"


_GRADE_WORDS = {1: "一", 2: "二", 3: "三", 4: "四"}


class SelfCare(str, Enum):
    """自理能力. 失能/半失能 (loss of self-care) is assessed apart from a disability certificate."""

    INDEPENDENT = "independent"
    SEMI_DEPENDENT = "semi_dependent"
    DEPENDENT = "dependent"

    @property
    def label(self) -> str:
        return _SELF_CARE_LABELS[self]

    @property
    def rank(self) -> int:
        """0 能自理, 1 半失能, 2 失能: for "at least semi-dependent" comparisons."""
        return _SELF_CARE_RANK[self]


_SELF_CARE_LABELS = {
    SelfCare.INDEPENDENT: "能自理",
    SelfCare.SEMI_DEPENDENT: "半失能",
    SelfCare.DEPENDENT: "失能",
}
_SELF_CARE_RANK = {SelfCare.INDEPENDENT: 0, SelfCare.SEMI_DEPENDENT: 1, SelfCare.DEPENDENT: 2}


class SchoolingStage(str, Enum):
    """在读阶段. ``NONE``: not in education."""

    NONE = "none"
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR = "junior"
    HIGH_SCHOOL = "high_school"
    VOCATIONAL = "vocational"
    UNIVERSITY = "university"
    POSTGRADUATE = "postgraduate"

    @property
    def label(self) -> str:
        return _SCHOOLING_LABELS[self]

    @property
    def in_education(self) -> bool:
        return self is not SchoolingStage.NONE

    @property
    def is_compulsory(self) -> bool:
        """义务教育: primary and junior secondary school."""
        return self in (SchoolingStage.PRIMARY, SchoolingStage.JUNIOR)

    @property
    def outside_compulsory(self) -> bool:
        """A student outside compulsory education (学前、高中/中职、大学、研究生)."""
        return self.in_education and not self.is_compulsory


_SCHOOLING_LABELS = {
    SchoolingStage.NONE: "未在读",
    SchoolingStage.PRESCHOOL: "学前教育",
    SchoolingStage.PRIMARY: "小学",
    SchoolingStage.JUNIOR: "初中",
    SchoolingStage.HIGH_SCHOOL: "高中",
    SchoolingStage.VOCATIONAL: "中职",
    SchoolingStage.UNIVERSITY: "大学",
    SchoolingStage.POSTGRADUATE: "研究生",
}


class LabourStatus(str, Enum):
    """劳动状况, the categories of annex 2's employment indicator.

    Labour force (劳动力): employed, farming (从事劳动生产), unemployed, caring (因照料重病重残
    婴幼儿未就业) and other not working (其他未就业). ``NOT_LABOUR_FORCE`` is 无劳动能力人口:
    outside working age or unable to work.
    """

    EMPLOYED = "employed"
    FARMING = "farming"
    UNEMPLOYED = "unemployed"
    CARING = "caring"
    OTHER_NOT_WORKING = "other_not_working"
    NOT_LABOUR_FORCE = "not_labour_force"

    @property
    def label(self) -> str:
        return _LABOUR_LABELS[self]

    @property
    def in_labour_force(self) -> bool:
        return self is not LabourStatus.NOT_LABOUR_FORCE

    @property
    def counts_as_not_working(self) -> bool:
        """Counted against the labour force: unemployed, or not working to care for others."""
        return self in (LabourStatus.UNEMPLOYED, LabourStatus.CARING)


_LABOUR_LABELS = {
    LabourStatus.EMPLOYED: "就业",
    LabourStatus.FARMING: "从事劳动生产",
    LabourStatus.UNEMPLOYED: "失业",
    LabourStatus.CARING: "因照料重病重残婴幼儿未就业",
    LabourStatus.OTHER_NOT_WORKING: "其他未就业",
    LabourStatus.NOT_LABOUR_FORCE: "无劳动能力",
}


class FamilyStructure(str, Enum):
    """家庭结构. The last four are distressed (困境) structures."""

    NUCLEAR = "nuclear"
    STEM = "stem"
    JOINT = "joint"
    LEFT_BEHIND = "left_behind"
    SINGLE_PARENT = "single_parent"
    BEREAVED_ONLY_CHILD = "bereaved_only_child"
    SKIPPED_GENERATION = "skipped_generation"

    @property
    def label(self) -> str:
        return _STRUCTURE_LABELS[self]

    @property
    def is_distressed(self) -> bool:
        return self in _DISTRESSED_STRUCTURES


_STRUCTURE_LABELS = {
    FamilyStructure.NUCLEAR: "核心家庭",
    FamilyStructure.STEM: "主干家庭",
    FamilyStructure.JOINT: "联合家庭",
    FamilyStructure.LEFT_BEHIND: "留守家庭",
    FamilyStructure.SINGLE_PARENT: "单亲家庭",
    FamilyStructure.BEREAVED_ONLY_CHILD: "失独家庭",
    FamilyStructure.SKIPPED_GENERATION: "隔代家庭",
}
_DISTRESSED_STRUCTURES = frozenset(
    {
        FamilyStructure.LEFT_BEHIND,
        FamilyStructure.SINGLE_PARENT,
        FamilyStructure.BEREAVED_ONLY_CHILD,
        FamilyStructure.SKIPPED_GENERATION,
    }
)


class YouthProblem(str, Enum):
    """儿童青少年指标: problems of a child (health, drop-out, abuse) or a youth."""

    CHILD_HEALTH = "child_health"
    CHILD_DROPOUT = "child_dropout"
    CHILD_ABUSE = "child_abuse"
    YOUTH_PSYCHOLOGICAL = "youth_psychological"
    YOUTH_RIGHTS = "youth_rights"
    YOUTH_BEHAVIOUR = "youth_behaviour"

    @property
    def label(self) -> str:
        return _YOUTH_LABELS[self]


_YOUTH_LABELS = {
    YouthProblem.CHILD_HEALTH: "儿童健康问题",
    YouthProblem.CHILD_DROPOUT: "儿童辍学",
    YouthProblem.CHILD_ABUSE: "儿童被侵害",
    YouthProblem.YOUTH_PSYCHOLOGICAL: "青少年心理问题",
    YouthProblem.YOUTH_RIGHTS: "青少年权益受损",
    YouthProblem.YOUTH_BEHAVIOUR: "青少年行为不良",
}
