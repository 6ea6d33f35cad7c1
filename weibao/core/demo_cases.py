"""Demo mandatory reports, cases, plans, services, partners, referrals and protection records
(issue #4), so that every screen of the closed loop has something to show.

Everything is made through the services, as users would, then moved back in time where a
story needs it (a report that arrived yesterday, a case opened two months ago); each such move
is an audited update noted as demo data. All of it is synthetic."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.cases.choices import (
    CapacityResult,
    Placement,
    PlannedServiceStatus,
    ProtectionEnd,
    ProtectionGround,
    RiskLevel,
    ServiceType,
)
from weibao.cases.models import Case
from weibao.cases.plans import PlannedServiceInput, plan_save
from weibao.cases.protection import (
    protection_assess_capacity,
    protection_end,
    protection_start,
)
from weibao.cases.service_records import service_record_create
from weibao.cases.services import (
    case_advance,
    case_assess,
    case_decide_close,
    case_file,
    case_open,
    case_reopen,
    case_request_close,
)
from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.core.models import SiteState
from weibao.partners.models import Partner, PartnerKind, Referral
from weibao.partners.services import (
    partner_create,
    referral_accept,
    referral_complete,
    referral_create,
    referral_reject,
    referral_revoke,
)
from weibao.reports.choices import Channel, ReporterType, Situation
from weibao.reports.models import Report
from weibao.reports.services import (
    ReportInput,
    report_acknowledge,
    report_close,
    report_create,
    report_from_concern,
    report_link_child,
    report_mark_unidentified,
    report_open_case,
    report_record_police,
)
from weibao.visits.models import Concern

CASES_KEY = "demo_cases_loaded"
DEMO_NOTE = "演示数据：时间前移，模拟此前发生的办理过程。"


@dataclass
class CasesResult:
    created: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def _users() -> dict[str, User]:
    names = ("district_admin", "tianshan_supervisor", "tianshan_staff", "tianshan_director_1",
             "tianshan_director_2")  # fmt: skip
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _children(community: Area, n: int, skip: set[int]) -> list[Child]:
    """Active minors of a 居民区 without a case, oldest registration first."""
    cutoff = timezone.localdate().replace(year=timezone.localdate().year - 17)
    rows = (
        Child.objects.filter(community=community, status=Status.ACTIVE, birth_date__gt=cutoff)
        .exclude(pk__in=skip)
        .exclude(cases__isnull=False)
        .order_by("pk")[:n]
    )
    return list(rows)


def _shift(model, pk: int, **values) -> None:
    """Move a demo record's times back (an audited, labelled update)."""
    model.objects.filter(pk=pk).update(**values)
    AuditEvent.objects.create(
        actor=None,
        action="demo.backdate",
        object_type=model._meta.label_lower,
        object_id=str(pk),
        changes={k: {"new": str(v)} for k, v in values.items()},
        note=DEMO_NOTE,
    )


def _ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


# --- partners -------------------------------------------------------------------------------

PARTNERS = [
    (
        "演示·天山路街道困境儿童临时看护点",
        PartnerKind.TEMPORARY_CARE,
        "subdistrict",
        "临时照护、日常照料",
    ),
    ("演示·长宁区儿童服务中心", PartnerKind.SERVICE_CENTRE, "district", "心理疏导、个案评估"),
    ("演示·天山路第01居民区儿童之家", PartnerKind.CHILDRENS_HOME, "community", "课后看护、活动"),
    ("演示·天山路第一小学", PartnerKind.SCHOOL, "subdistrict", "教育帮扶、返校复学"),
    ("演示·天山路幼儿园", PartnerKind.KINDERGARTEN, "subdistrict", "学前教育"),
    ("演示·长宁区妇幼保健医院", PartnerKind.HOSPITAL, "district", "伤情检查、医疗救治"),
    ("演示·天山路派出所", PartnerKind.POLICE, "subdistrict", "报案受理、紧急保护"),
    ("演示·阳光社工服务社", PartnerKind.SOCIAL_WORK, "district", "个案社工、家庭监护指导"),
    ("演示·长宁区法律援助中心", PartnerKind.LEGAL_AID, "district", "法律援助、监护权诉讼"),
    ("演示·爱心企业联合会", PartnerKind.COMPANY_CHARITY, "district", "物质帮扶、助学"),
]


def _ensure_partners(district: Area, tianshan: Area, community: Area, actor) -> dict[str, Partner]:
    areas = {"district": district, "subdistrict": tianshan, "community": community}
    partners = {}
    for i, (name, kind, level, services) in enumerate(PARTNERS):
        existing = Partner.objects.filter(name=name).first()
        partners[kind] = existing or partner_create(
            actor=actor,
            data={
                "name": name,
                "kind": kind,
                "area": areas[level],
                "services": services,
                "address": f"演示路{i + 1}号",
                "contact_name": f"演示联系人{i + 1}",
                "contact_phone": f"021-5555 {1000 + i}",
            },
        )
    return partners


# --- reports --------------------------------------------------------------------------------


def _public(subdistrict: Area | None, district: Area, situations, description: str, **kw):
    data = ReportInput(
        situations=list(situations),
        description=description,
        district=district,
        subdistrict=subdistrict,
        reporter_type=kw.pop("reporter_type", ReporterType.PUBLIC),
        **kw,
    )
    return report_create(data=data, channel=Channel.PUBLIC)[0]


def _age_report(report: Report, hours: float) -> None:
    """As if it had arrived `hours` ago: the clocks move with it."""
    delta = dt.timedelta(hours=hours)
    _shift(
        Report,
        report.pk,
        received_at=report.received_at - delta,
        ack_due_at=report.ack_due_at - delta,
        police_due_at=report.police_due_at - delta if report.police_due_at else None,
        outcome_due_at=report.outcome_due_at - delta,
    )
    report.refresh_from_db()


def _reports(users, district: Area, tianshan: Area, xianxia: Area, children) -> dict[str, Report]:
    sup = users["tianshan_supervisor"]
    out: dict[str, Report] = {}
    # Received just now, from a teacher (police clock running).
    out["new"] = _public(
        tianshan, district, [Situation.MULTIPLE_INJURIES],
        "【演示】学生手臂和背部有多处淤青，自述被家长用衣架打，情绪紧张。",
        occurred_when="本周", place="学校教室", child_name="演示学生甲", child_age=9,
        child_sex="M", child_school="演示·天山路第一小学", reporter_type=ReporterType.SCHOOL,
        reporter_name="演示·王老师", reporter_phone="13900000001",
        reporter_org="演示·天山路第一小学",
    )  # fmt: skip
    # Arrived three hours ago and nobody acknowledged it: the 1-hour clock is red.
    late = _public(
        tianshan, district, [Situation.ABANDONED],
        "【演示】邻居家的孩子连续几天独自在家，晚上也没有大人回来，敲门时孩子说饿。",
        occurred_when="最近一周", place="居民楼", child_age=7, child_sex="F",
        reporter_name="演示·邻居",
    )  # fmt: skip
    _age_report(late, 3)
    out["late"] = late
    # The place is unknown: the district's queue.
    out["district"] = _public(
        None, district, [Situation.BEGGING],
        "【演示】地铁站附近有成年人带着两个孩子乞讨，孩子看起来不到十岁。",
        place="地铁站出口", child_age=8,
    )  # fmt: skip
    # Elsewhere (仙霞新村): not in 天山路's queue.
    _public(
        xianxia, district, [Situation.OTHER_SERIOUS],
        "【演示】孩子在网吧过夜多日，疑似被成年人控制。", place="网吧", child_age=15,
        child_sex="M",
    )  # fmt: skip
    # Acknowledged, police told, child unidentified.
    unknown = _public(
        tianshan, district, [Situation.MISSING],
        "【演示】在公园看到一个迷路的小孩，说不清家在哪里，已带到附近警务站。",
        place="公园", child_age=5, reporter_type=ReporterType.HOTEL,
    )  # fmt: skip
    _age_report(unknown, 30)
    report_acknowledge(actor=sup, report=unknown)
    report_record_police(
        actor=sup, report=unknown, told="演示·天山路派出所值班民警", notified_at=_ago(hours=29),
        receipt_no="演示-JJ-0001",
    )  # fmt: skip
    out["unidentified"] = report_mark_unidentified(
        actor=sup, report=unknown, note="经公安核查，孩子系外区走失儿童，已由家长接回。"
    )
    # Staff entry, acknowledged, linked, case opened (handling).
    staff_report, _code = report_create(
        data=ReportInput(
            situations=[Situation.MULTIPLE_INJURIES],
            description="【演示】走访时发现孩子脸上有伤，孩子说是继父打的。",
            district=district, subdistrict=tianshan, child_name=children[0].name,
            reporter_type=ReporterType.RESIDENTS_COMMITTEE,
            reporter_name=users["tianshan_director_1"].full_name,
        ),
        channel=Channel.STAFF,
        actor=users["tianshan_director_1"],
    )  # fmt: skip
    _age_report(staff_report, 24 * 20)
    report_acknowledge(actor=sup, report=staff_report)
    report_record_police(
        actor=sup, report=staff_report, told="演示·天山路派出所", notified_at=_ago(days=19.8),
        receipt_no="演示-JJ-0002",
    )  # fmt: skip
    report_link_child(actor=sup, report=staff_report, child=children[0])
    out["handling"] = staff_report
    return out


# --- cases ----------------------------------------------------------------------------------


def _plan(actor, case: Case, owner, partners, *, version: int = 1) -> None:
    today = timezone.localdate()
    services = [
        PlannedServiceInput(
            service_type=ServiceType.GUARDIANSHIP_GUIDANCE, due_on=today + dt.timedelta(days=30),
            responsible_user=owner, description="每两周一次家庭监护指导",
            status=PlannedServiceStatus.IN_PROGRESS,
        ),
        PlannedServiceInput(
            service_type=ServiceType.PSYCHOLOGICAL, due_on=today + dt.timedelta(days=45),
            responsible_partner=partners[PartnerKind.SERVICE_CENTRE],
            description="心理评估与疏导（4次）",
        ),
    ]  # fmt: skip
    if version > 1:
        services.append(
            PlannedServiceInput(
                service_type=ServiceType.EDUCATION, due_on=today + dt.timedelta(days=60),
                responsible_partner=partners[PartnerKind.SCHOOL], description="课后学业辅导",
            )
        )  # fmt: skip
    plan_save(
        actor=actor,
        case=case,
        goals="1. 孩子不再受到打骂；2. 家长掌握正确的教育方法；3. 孩子情绪恢复稳定。",
        review_on=today + dt.timedelta(days=30),
        services=services,
        change_note="首次制定" if version == 1 else "",
        expected_number=0,
    )
    if version > 1:
        plan_save(
            actor=actor,
            case=case,
            goals="1. 孩子不再受到打骂；2. 家长掌握正确的教育方法；3. 孩子情绪恢复稳定；"
            "4. 学习成绩回到原有水平。",
            review_on=today + dt.timedelta(days=45),
            services=services,
            change_note="评估后增加教育帮扶",
            expected_number=1,
        )


def _service(actor, case: Case, partners, days_ago: int, kind: str, minutes: int, note: str,
             partner_kind: str | None = None) -> None:  # fmt: skip
    service_record_create(
        actor=actor,
        case=case,
        delivered_on=timezone.localdate() - dt.timedelta(days=days_ago),
        service_type=kind,
        duration_minutes=minutes,
        provider_user=None if partner_kind else actor,
        provider_partner=partners[partner_kind] if partner_kind else None,
        notes=note,
    )


STAGE_STORIES = ["discovered", "filed", "assessed", "intervening", "serving", "tracking",
                 "closing", "closed", "reopened", "protection"]  # fmt: skip


def _open(actor, child: Child, owner, summary: str, days_ago: int) -> Case:
    case = case_open(actor=actor, child=child, owner=owner, summary=summary)
    _shift(Case, case.pk, opened_at=_ago(days=days_ago))
    case.refresh_from_db()
    return case


def _walk(case: Case, owner, stage: str, partners, users) -> Case:
    """Take a case from 发现 as far as `stage` goes, as its owner would."""
    sup, district = users["tianshan_supervisor"], users["district_admin"]
    if stage == "discovered":
        return case
    case = case_file(
        actor=owner, case=case, summary=case.summary or "【演示】已核实情况，建立个案档案。"
    )
    if stage == "filed":
        return case
    case = case_assess(
        actor=owner, case=case, risk_level=RiskLevel.HIGH if stage != "assessed" else
        RiskLevel.MEDIUM, reasons="【演示】存在反复打骂，孩子有明显伤痕；家长认识不足。",
    )  # fmt: skip
    if stage == "assessed":
        return case
    _plan(owner, case, owner, partners, version=2 if stage in ("serving", "tracking") else 1)
    case = case_advance(actor=owner, case=case, transition="intervene")
    if stage == "intervening":
        return case
    case = case_advance(actor=owner, case=case, transition="serve")
    _service(owner, case, partners, 15, ServiceType.GUARDIANSHIP_GUIDANCE, 90,
             "【演示】入户开展家庭监护指导，讲解《家庭教育促进法》。")  # fmt: skip
    _service(owner, case, partners, 12, ServiceType.PSYCHOLOGICAL, 60,
             "【演示】心理老师开展第一次心理疏导。", PartnerKind.SERVICE_CENTRE)  # fmt: skip
    _service(owner, case, partners, 8, ServiceType.EDUCATION, 120,
             "【演示】志愿者课后辅导数学。", PartnerKind.SCHOOL)  # fmt: skip
    _service(owner, case, partners, 3, ServiceType.MATERIAL, 30,
             "【演示】送去学习用品和冬衣。", PartnerKind.COMPANY_CHARITY)  # fmt: skip
    if stage in ("serving", "protection"):
        return case
    case = case_advance(actor=owner, case=case, transition="track")
    if stage == "tracking":
        return case
    case = case_request_close(
        actor=owner, case=case, summary="【演示】经三个月服务，家庭关系改善，孩子情绪稳定，"
        "未再发现打骂情况，建议结案并转入常规走访。",
    )  # fmt: skip
    if stage == "closing":
        return case
    case = case_decide_close(actor=sup, case=case, approve=True, note="同意结案。")
    if stage == "closed":
        return case
    return case_reopen(
        actor=district if sup == owner else sup, case=case,
        reason="【演示】结案后走访发现孩子再次受伤，重新启动个案。",
    )  # fmt: skip


def _referrals(case: Case, owner, partners) -> None:
    today = timezone.localdate()
    states = [
        (PartnerKind.SOCIAL_WORK, "pending", today + dt.timedelta(days=5)),
        (PartnerKind.LEGAL_AID, "accepted", today + dt.timedelta(days=3)),
        (PartnerKind.HOSPITAL, "completed", today + dt.timedelta(days=1)),
        (PartnerKind.TEMPORARY_CARE, "rejected", today + dt.timedelta(days=2)),
        (PartnerKind.CHILDRENS_HOME, "revoked", today + dt.timedelta(days=4)),
    ]
    for kind, state, accept_by in states:
        referral = referral_create(
            actor=owner, case=case, partner=partners[kind], reason="【演示】需要专业机构支持。",
            accept_by=accept_by,
        )  # fmt: skip
        if state == "accepted":
            referral_accept(actor=owner, referral=referral, note="对方已确认接收。")
        elif state == "completed":
            referral = referral_accept(actor=owner, referral=referral)
            referral_complete(actor=owner, referral=referral, feedback="【演示】伤情检查已完成。")
        elif state == "rejected":
            referral_reject(
                actor=owner, referral=referral, reason="【演示】床位已满，建议转介他处。"
            )
        elif state == "revoked":
            referral_revoke(actor=owner, referral=referral, reason="【演示】家长已自行安排。")


def _overdue_referral(case: Case, owner, partners) -> None:
    referral = referral_create(
        actor=owner, case=case, partner=partners[PartnerKind.SOCIAL_WORK],
        reason="【演示】请社工机构开展家庭个案服务。",
        accept_by=timezone.localdate() + dt.timedelta(days=1),
    )  # fmt: skip
    _shift(Referral, referral.pk, accept_by=timezone.localdate() - dt.timedelta(days=3))


def _protection(case: Case, users) -> None:
    sup = users["tianshan_supervisor"]
    today = timezone.localdate()
    # Started eleven months and ten days ago: the one-year limit is weeks away (amber).
    protection_start(
        actor=sup, case=case, ground=ProtectionGround.HARMED_BY_GUARDIAN,
        placement=Placement.FOSTER_FAMILY, placement_detail="演示·寄养家庭（地址略）",
        started_on=today - dt.timedelta(days=335),
    )  # fmt: skip


def _returned_home(case: Case, users) -> None:
    sup = users["tianshan_supervisor"]
    today = timezone.localdate()
    record = protection_start(
        actor=sup, case=case, ground=ProtectionGround.GUARDIAN_UNABLE,
        placement=Placement.RELATIVES, placement_detail="演示·外祖父母家",
        started_on=today - dt.timedelta(days=120),
    )  # fmt: skip
    record = protection_assess_capacity(
        actor=sup, record=record, assessed_on=today - dt.timedelta(days=40),
        result=CapacityResult.CAPABLE_WITH_SUPPORT,
        notes="【演示】母亲出院后身体恢复，可在社区支持下照料孩子。",
    )  # fmt: skip
    protection_end(
        actor=sup, record=record, ended_on=today - dt.timedelta(days=35),
        end_reason=ProtectionEnd.RETURNED_HOME, note="回归家庭，按月跟进走访。",
    )  # fmt: skip


@transaction.atomic
def load_case_demo(tree) -> CasesResult:
    """Create the demo reports, cases, partners and referrals once (keyed in SiteState)."""
    result = CasesResult()
    if SiteState.objects.filter(key=CASES_KEY).exists():
        return result
    users = _users()
    if len(users) < 5:  # demo accounts were removed: nothing sensible to show
        return result
    from weibao.core.demo import TIANSHAN, XIANXIA

    district = tree.district
    tianshan, xianxia = tree.subdistricts[TIANSHAN], tree.subdistricts[XIANXIA]
    community_1, community_2 = tree.communities[TIANSHAN][0], tree.communities[TIANSHAN][1]
    partners = _ensure_partners(district, tianshan, community_1, users["district_admin"])
    kids = _children(community_1, len(STAGE_STORIES) + 2, set())
    if len(kids) < len(STAGE_STORIES) + 2:
        return result
    reports = _reports(users, district, tianshan, xianxia, kids)

    owner, sup = users["tianshan_director_1"], users["tianshan_supervisor"]
    # The staff report's child: the report opens the case (发现), which then runs to 服务 with
    # referrals in every state.
    case = report_open_case(actor=sup, report=reports["handling"], owner=owner)
    _shift(Case, case.pk, opened_at=_ago(days=19))
    case.refresh_from_db()
    case = _walk(case, owner, "serving", partners, users)
    _referrals(case, owner, partners)

    summaries = {
        "discovered": "【演示】学校反映孩子近期经常迟到、衣着单薄，需进一步了解。",
        "filed": "【演示】孩子父亲服刑、母亲失联，由年迈祖母照料。",
        "assessed": "【演示】家长工作繁忙，孩子长期独自在家。",
        "intervening": "【演示】孩子遭受家庭暴力，已报警。",
        "tracking": "【演示】孩子沉迷网络、辍学在家。",
        "closing": "【演示】孩子遭受校园欺凌，已转学。",
        "closed": "【演示】孩子被遗弃在医院，已找到亲属。",
        "reopened": "【演示】家长酗酒后打骂孩子。",
        "protection": "【演示】孩子遭监护人严重伤害，需紧急安置。",
    }
    for child, stage in zip(kids[1:], [*STAGE_STORIES[1:], "returned"], strict=False):
        story = stage if stage != "returned" else "protection"
        c = _open(sup, child, owner, summaries.get(story, ""), days_ago=90)
        target = "serving" if stage in ("protection", "returned") else stage
        c = _walk(c, owner, target, partners, users)
        if stage == "protection":
            _protection(c, users)
            _overdue_referral(c, owner, partners)
        elif stage == "returned":
            _returned_home(c, users)
    # A second director's case: not visible to the first director.
    others = _children(community_2, 1, set())
    if others:
        _open(sup, others[0], users["tianshan_director_2"], "【演示】孩子多次离家出走。", 10)

    # A visit concern turned into a report in one click, and closed with an outcome.
    concern = (
        Concern.objects.filter(state=Concern.State.OPEN, subdistrict=tianshan)
        .select_related("child")
        .order_by("raised_at")
        .first()
    )
    if concern is not None:
        from_concern, _created = report_from_concern(actor=sup, concern=concern)
        from_concern = report_acknowledge(actor=sup, report=from_concern)
        if from_concern.police_required:
            from_concern = report_record_police(
                actor=sup, report=from_concern, told="演示·天山路派出所", notified_at=_ago(hours=1),
                receipt_no="演示-JJ-0003",
            )  # fmt: skip
        report_close(
            actor=sup, report=from_concern,
            outcome_message="您反映的情况已核实处理，孩子已得到妥善照料。感谢您的报告。",
        )  # fmt: skip

    SiteState.objects.create(key=CASES_KEY, value="demo reports, cases and partners")
    result.created = True
    result.counts = {
        "reports": Report.objects.count(),
        "cases": Case.objects.count(),
        "partners": Partner.objects.count(),
        "referrals": Referral.objects.count(),
    }
    return result
