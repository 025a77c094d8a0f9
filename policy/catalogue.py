"""The service catalogue (服务清单, 附件3) as data.

``DEFAULT_CATALOGUE`` is the seed; the county may edit the stored copy. Rules read whatever
catalogue they are given: who may receive an item is the item's ``Eligibility``, not code.
``to_dict``/``from_dict`` move a catalogue in and out of a JSON column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterator, Mapping

from policy.groups import EXTREME_POVERTY, SelfCare, TargetGroup


class Category(str, Enum):
    """The four service categories (服务类别)."""

    LIVING = "living"
    CARE = "care"
    SUPPORT = "support"
    RESOURCE = "resource"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.LIVING: "生活类",
    Category.CARE: "照护类",
    Category.SUPPORT: "支持类",
    Category.RESOURCE: "资源链接类",
}


class ItemCode(str, Enum):
    """Codes of the seeded items, for rules that name an item (visits, suggestions).

    ``CatalogueItem.code`` is a plain ``str`` so the county can add items; these compare equal.
    """

    VISIT = "visit"
    ERRAND = "errand"
    MEALS = "meals"
    CLEANING = "cleaning"
    INSTITUTIONAL_CARE = "institutional_care"
    DAILY_CARE = "daily_care"
    VOLUNTEER_SERVICE = "volunteer_service"
    NEIGHBOUR_HELP = "neighbour_help"
    MONITORING = "monitoring"
    CHARITY = "charity"
    REFERRAL = "referral"


@dataclass(frozen=True)
class Criterion:
    """One way to qualify for an item; every condition that is set must hold.

    ``groups``: the person belongs to at least one of them (``None``: any target group, i.e.
    every assisted person). ``min_age``: at least this old. ``elderly``: at least
    ``Thresholds.elderly_age``. ``requires_disability``: holds a disability certificate.
    ``min_self_care_loss``: 半失能 means semi-dependent or dependent, 失能 only dependent.
    """

    groups: frozenset[TargetGroup] | None = None
    min_age: int | None = None
    elderly: bool = False
    requires_disability: bool = False
    min_self_care_loss: SelfCare | None = None

    def __post_init__(self) -> None:
        if self.groups is not None:
            groups = frozenset(TargetGroup(g) for g in self.groups)
            if not groups:
                raise ValueError("groups is None (everyone) or a non-empty set")
            object.__setattr__(self, "groups", groups)
        if self.min_self_care_loss is not None:
            loss = SelfCare(self.min_self_care_loss)
            if loss is SelfCare.INDEPENDENT:
                raise ValueError("min_self_care_loss is semi_dependent or dependent")
            object.__setattr__(self, "min_self_care_loss", loss)
        if self.min_age is not None and (isinstance(self.min_age, bool) or self.min_age < 0):
            raise ValueError(f"min_age must be a non-negative integer, got {self.min_age!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": None if self.groups is None else sorted(g.value for g in self.groups),
            "min_age": self.min_age,
            "elderly": self.elderly,
            "requires_disability": self.requires_disability,
            "min_self_care_loss": None if self.min_self_care_loss is None else self.min_self_care_loss.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Criterion":
        groups = data.get("groups")
        loss = data.get("min_self_care_loss")
        return cls(
            groups=None if groups is None else frozenset(TargetGroup(g) for g in groups),
            min_age=data.get("min_age"),
            elderly=bool(data.get("elderly", False)),
            requires_disability=bool(data.get("requires_disability", False)),
            min_self_care_loss=None if loss is None else SelfCare(loss),
        )


@dataclass(frozen=True)
class Eligibility:
    """服务对象: who may receive an item. A person qualifies by meeting any one criterion.

    ``audience`` optionally overrides the Chinese description generated from the criteria.
    """

    any_of: tuple[Criterion, ...]
    audience: str = ""

    def __post_init__(self) -> None:
        criteria = tuple(self.any_of)
        if not criteria:
            raise ValueError("an item needs at least one criterion")
        object.__setattr__(self, "any_of", criteria)

    @classmethod
    def everyone(cls) -> "Eligibility":
        """All assisted people (社会救助对象)."""
        return cls((Criterion(),))

    def to_dict(self) -> dict[str, Any]:
        return {"any_of": [c.to_dict() for c in self.any_of], "audience": self.audience}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Eligibility":
        return cls(
            any_of=tuple(Criterion.from_dict(c) for c in data["any_of"]),
            audience=data.get("audience", ""),
        )


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    category: Category
    name: str
    description: str
    eligibility: Eligibility
    providers: tuple[str, ...]

    def __post_init__(self) -> None:
        code = self.code.value if isinstance(self.code, ItemCode) else str(self.code)
        if not code:
            raise ValueError("an item needs a code")
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "category", Category(self.category))
        object.__setattr__(self, "providers", tuple(self.providers))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "category": self.category.value,
            "name": self.name,
            "description": self.description,
            "eligibility": self.eligibility.to_dict(),
            "providers": list(self.providers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CatalogueItem":
        return cls(
            code=data["code"],
            category=Category(data["category"]),
            name=data["name"],
            description=data["description"],
            eligibility=Eligibility.from_dict(data["eligibility"]),
            providers=tuple(data["providers"]),
        )


@dataclass(frozen=True)
class Catalogue:
    """An ordered set of items with unique codes."""

    items: tuple[CatalogueItem, ...]

    def __post_init__(self) -> None:
        items = tuple(self.items)
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate item codes")
        object.__setattr__(self, "items", items)

    def __iter__(self) -> Iterator[CatalogueItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, code: object) -> bool:
        return any(i.code == code for i in self.items)

    def __getitem__(self, code: str) -> CatalogueItem:
        item = self.get(code)
        if item is None:
            raise KeyError(code)
        return item

    def get(self, code: str) -> CatalogueItem | None:
        for item in self.items:
            if item.code == code:
                return item
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def in_category(self, category: Category) -> tuple[CatalogueItem, ...]:
        return tuple(i for i in self.items if i.category is category)

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Catalogue":
        return cls(tuple(CatalogueItem.from_dict(i) for i in data["items"]))


_TOWN_VILLAGE = ("乡镇人民政府", "村（社区）")

DEFAULT_CATALOGUE = Catalogue(
    (
        CatalogueItem(
            code=ItemCode.VISIT,
            category=Category.LIVING,
            name="探访慰问",
            description=(
                "定期上门走访看望：分散供养特困人员每月1次，低保对象每季度1次，其他低收入人口每半年1次；"
                "遇到突发事件、意外事故、重病等急难情况，及时上门看望。"
            ),
            eligibility=Eligibility.everyone(),
            providers=(*_TOWN_VILLAGE, "社会组织", "志愿者"),
        ),
        CatalogueItem(
            code=ItemCode.ERRAND,
            category=Category.LIVING,
            name="帮办代办",
            description="代办居民医保、电子社保卡激活、养老认证等事项；代买日常用品和药品；代收代发快递。",
            eligibility=Eligibility(
                (Criterion(min_self_care_loss=SelfCare.SEMI_DEPENDENT), Criterion(min_age=70))
            ),
            providers=(*_TOWN_VILLAGE, "社会组织", "志愿者"),
        ),
        CatalogueItem(
            code=ItemCode.MEALS,
            category=Category.LIVING,
            name="膳食供应",
            description="提供日常饭菜，可以送餐上门。",
            eligibility=Eligibility(
                (Criterion(elderly=True, min_self_care_loss=SelfCare.SEMI_DEPENDENT),)
            ),
            providers=(*_TOWN_VILLAGE, "老年食堂", "养老服务机构", "送餐公司"),
        ),
        CatalogueItem(
            code=ItemCode.CLEANING,
            category=Category.LIVING,
            name="助洁助行",
            description="上门打扫居所；为残疾人做家庭无障碍改造，为老年人做家庭适老化改造。",
            eligibility=Eligibility((Criterion(requires_disability=True), Criterion(elderly=True))),
            providers=("乡镇人民政府", "家政公司"),
        ),
        CatalogueItem(
            code=ItemCode.INSTITUTIONAL_CARE,
            category=Category.CARE,
            name="集中养护",
            description="特困人员自愿集中供养；低保家庭中失能老年人入住养老机构集中照护。",
            eligibility=Eligibility(
                (
                    Criterion(groups=EXTREME_POVERTY),
                    Criterion(
                        groups=frozenset({TargetGroup.MINIMUM_LIVING}),
                        elderly=True,
                        min_self_care_loss=SelfCare.DEPENDENT,
                    ),
                )
            ),
            providers=(*_TOWN_VILLAGE, "养老服务机构", "专业医疗机构"),
        ),
        CatalogueItem(
            code=ItemCode.DAILY_CARE,
            category=Category.CARE,
            name="照料护理",
            description="签订委托照料护理协议，提供日常照料；购买住院护理险，住院时有人护理。",
            eligibility=Eligibility((Criterion(groups=EXTREME_POVERTY),)),
            providers=(*_TOWN_VILLAGE, "保险公司"),
        ),
        CatalogueItem(
            code=ItemCode.VOLUNTEER_SERVICE,
            category=Category.SUPPORT,
            name="志愿服务",
            description=(
                "“红马夹”帮扶队（民政协理员、社会工作者、志愿者）上门评估，一户一档一方案，"
                "提供融入社区、能力提升、心理疏导等服务。"
            ),
            eligibility=Eligibility.everyone(),
            providers=(*_TOWN_VILLAGE, "社工站", "志愿者"),
        ),
        CatalogueItem(
            code=ItemCode.NEIGHBOUR_HELP,
            category=Category.SUPPORT,
            name="邻里互助",
            description="培训愿意帮忙的邻居学会简单护理，上门提供居家照料。",
            eligibility=Eligibility.everyone(),
            providers=(*_TOWN_VILLAGE, "培训机构"),
        ),
        CatalogueItem(
            code=ItemCode.MONITORING,
            category=Category.SUPPORT,
            name="看护服务",
            description="配电子手环、定位卡和一键呼叫，遇到急事时及时通知监护人来帮忙。",
            eligibility=Eligibility((Criterion(groups=frozenset({TargetGroup.EXTREME_POVERTY_DISPERSED})),)),
            providers=("乡镇人民政府", "软件开发公司"),
        ),
        CatalogueItem(
            code=ItemCode.CHARITY,
            category=Category.RESOURCE,
            name="慈善救助",
            description=(
                "“慈善光明行”：在县医院眼科中心手术，自费部分全额救助；"
                "“暖心助学”：每位学生每学年义务教育3000元、高中4000元、大学5000元；"
                "“情暖民心”：走访慰问。是否救助由慈善机构审核。"
            ),
            eligibility=Eligibility((Criterion(),), audience="符合条件的困难人员"),
            providers=(*_TOWN_VILLAGE, "迎驾慈善基金会", "县慈善协会"),
        ),
        CatalogueItem(
            code=ItemCode.REFERRAL,
            category=Category.RESOURCE,
            name="转介服务",
            description="联系人社、教育、卫健、残联、妇联等部门，提供信息咨询、能力提升、技能培训等服务。",
            eligibility=Eligibility.everyone(),
            providers=("社会救助联席会议成员单位",),
        ),
    )
)
"""附件3 as seed data: 4 categories, 11 items."""
