"""One notice of every kind, its facts as the use cases fill them, at their longest."""

from __future__ import annotations

import datetime as dt

from models.notices import Facts, NoticeKind, day_start_of

AT = dt.datetime(2026, 12, 7, 6, 5, tzinfo=dt.timezone.utc)  # 14:05 in the county
DUE = dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.timezone.utc)
PROVIDER = "霍山县颐和养老服务有限责任公司"  # a long provider name
VILLAGE = "诸佛庵镇黑石渡社区"  # a long village name

SAMPLES: dict[NoticeKind, Facts] = {
    NoticeKind.NEW_OFFER: Facts(number="FW20261207-0001", item="助洁助行", village=VILLAGE, person="欧阳**", deadline=DUE, at=AT, next_step="点开详情接单或拒单"),
    NoticeKind.OFFER_WITHDRAWN: Facts(number="FW20261207-0001", item="帮办代办", at=AT, status="已撤单", next_step="已改派他人，无需上门"),
    NoticeKind.OFFER_EXPIRED: Facts(number="FW20261207-0001", item="膳食供应", at=AT, status="已转派", next_step="超过接单时限，无需上门"),
    NoticeKind.CANCELLED: Facts(number="FW20261207-0001", item="助洁助行", at=AT, status="已取消", next_step="居民已取消，无需上门"),
    NoticeKind.ASSIGNED: Facts(number="FW20261207-0001", item="助洁助行", village=VILLAGE, person="王**", at=AT, status="已接单", next_step=f"{PROVIDER}接单"),
    NoticeKind.REOPENED: Facts(number="FW20261207-0001", item="助洁助行", at=AT, status="不满意", next_step="居民不满意，请重新安排"),
    NoticeKind.ESCALATED: Facts(number="FW20261207-0001", item="集中养护", village=VILLAGE, person="王**", at=AT, status="待安排", next_step="无人接单，请安排服务机构"),
    NoticeKind.PROGRESS: Facts(number="FW20261207-0001", item="助洁助行", at=AT, status="已接单", next_step=f"{PROVIDER}会联系您"),
    NoticeKind.ON_SITE: Facts(number="FW20261207-0001", item="助洁助行", at=AT, status="已上门", next_step="服务人员已到您家"),
    NoticeKind.DONE: Facts(number="FW20261207-0001", item="助洁助行", at=AT, status="已完成", next_step="点开评价这次服务"),
    NoticeKind.LEAD: Facts(number="BG20261207-0001", item="线索核实", village=VILLAGE, person="隔****", deadline=DUE, at=AT, status="待核实", next_step="紧急，请尽快核实"),
    NoticeKind.APPLICATION: Facts(number="SQ20261207-0001", item="救助申请审核", village=VILLAGE, person="王**", deadline=DUE, at=AT, status="待审核", next_step="村初审建议不通过"),
    NoticeKind.DEADLINE: Facts(number="ZJ20261207-0001", item="转介事项", village=VILLAGE, deadline=DUE, at=AT, status="已过半", next_step="请在期限前转交残联"),
    NoticeKind.REVIEW_RESULT: Facts(number="SQ20261207-0001", item="救助申请", person="王**", at=AT, status="未通过", next_step="点开查看政策说明"),
    NoticeKind.REFERRAL: Facts(number="ZJ20261207-0001", item="转介人社", at=AT, status="已转交", next_step="人社会联系您"),
    NoticeKind.VISIT_DUE: Facts(number="T12345", item="探访", person="王**等12户", deadline=day_start_of(dt.date(2026, 12, 10)), status="即将到期", next_step="点开查看并签到"),
    NoticeKind.VISIT_OVERDUE: Facts(number="T12345", item="探访", village=VILLAGE, person="王**等3户", deadline=day_start_of(dt.date(2026, 12, 1)), status="已逾期", next_step="请督促安排探访"),
    NoticeKind.VISIT_URGENT: Facts(number="T12345", item="紧急探访", village=VILLAGE, person="王**", deadline=DUE, at=AT, status="紧急", next_step="请在期限前上门探访"),
    NoticeKind.VISIT_DECLINED: Facts(number="T12345", item="探访", village=VILLAGE, person="王**", deadline=day_start_of(dt.date(2026, 12, 10)), at=AT, status="已退回", next_step="请另行安排志愿者"),
    NoticeKind.DIGEST: Facts(number="20261207", item="到期12户 逾期3户 线索10条", village=VILLAGE, at=AT, next_step="点开查看本村待办"),
    NoticeKind.EMERGENCY: Facts(person=f"{VILLAGE} 王**", item="摔倒或受伤", at=AT, next_step="请立即电话联系并上门"),
    NoticeKind.HANDOVER: Facts(number="RG12071405", item="人工求助：选择服务项目", at=AT, status="待联系", next_step="请尽快联系这位群众"),
    NoticeKind.BINDING: Facts(item="红马夹志愿者", village=VILLAGE, at=AT),
    NoticeKind.CALENDAR: Facts(number="2027", item="法定节假日安排", village="全县", at=AT, status="待录入", next_step="国务院公布后录入节假日"),
    NoticeKind.REMINDER: Facts(item="您有一项没填完，回复继续", at=AT),
    NoticeKind.NOTICE: Facts(item="户成员信息有变化，请重新评估一下", at=AT, next_step="点开查看全文"),
}
