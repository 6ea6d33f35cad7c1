"""Demo mandatory reports, cases, plans, services, partners, referrals and protection records
so that every screen of the closed loop has something to show.

Everything is made through the services, as users would. A case's story is played out step by
step at the time each step happened in the story (`_as_of` sets the clock back while a step
runs), so the case page, its timeline, the plan, the services in the ledger and the referral
deadlines agree with each other. Reports are told the same way: one received hours or days ago
is made as of that moment, so its reference number carries the day it was received, its clocks
run from then, and the police are told after it arrived, never before. All of it is synthetic."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.audit.services import audit_record
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel
from weibao.cases.models import Case, PlannedService
from weibao.cases.plans import PlannedServiceInput, plan_save
from weibao.cases.selectors import current_plan, open_plan_items, plan_services
from weibao.cases.services import (
    case_advance,
    case_assess,
    case_decide_close,
    case_file,
    case_open,
    case_reopen,
    case_request_close,
    case_restrict,
)
from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.places import TIANSHAN, XIANXIA
from weibao.ledger.services import service_record_create, service_record_void
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner, PartnerKind
from weibao.partners.services import partner_create
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.services import protection_assess_capacity, protection_end, protection_start
from weibao.referrals.models import Referral
from weibao.referrals.services import (
    referral_accept,
    referral_complete,
    referral_create,
    referral_reject,
    referral_revoke,
)
from weibao.reports.choices import Channel, NoCaseReason, ReporterType, Situation
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
from weibao.visits.models import Concern, Visit, VisitDue
from weibao.visits.services import visit_complete, visit_start

CASES_KEY = "demo_cases_loaded"


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


def _ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


@contextmanager
def _as_of(moment: dt.datetime) -> Iterator[None]:
    """Run a step of a demo story as if it were `moment`: every `timezone.now()` (the audit
    row's time, the case's dates, "today" in the services' checks) reads `moment` plus the time
    spent since. Only for the demo loader, which runs alone in its process."""
    real_now = timezone.now
    started = real_now()
    timezone.now = lambda: moment + (real_now() - started)
    try:
        yield
    finally:
        timezone.now = real_now


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
    with _as_of(_ago(hours=3)):
        out["late"] = _public(
            tianshan, district, [Situation.ABANDONED],
            "【演示】邻居家的孩子连续几天独自在家，晚上也没有大人回来，敲门时孩子说饿。",
            occurred_when="最近一周", place="居民楼", child_age=7, child_sex="F",
            reporter_name="演示·邻居",
        )  # fmt: skip
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
    with _as_of(_ago(hours=30)):
        unknown = _public(
            tianshan, district, [Situation.MISSING],
            "【演示】在公园看到一个迷路的小孩，说不清家在哪里，已带到附近警务站。",
            place="公园", child_age=5, reporter_type=ReporterType.HOTEL,
        )  # fmt: skip
    with _as_of(_ago(hours=29.5)):
        report_acknowledge(actor=sup, report=unknown)
    # The times are taken before a step is run as of the past, where _ago would count from then.
    told_at = _ago(hours=29)
    with _as_of(_ago(hours=28.5)):
        report_record_police(
            actor=sup, report=unknown, told="演示·天山路派出所值班民警",
            notified_at=told_at, receipt_no="演示-JJ-0001",
        )  # fmt: skip
    with _as_of(_ago(hours=26)):
        out["unidentified"] = report_mark_unidentified(
            actor=sup, report=unknown, note="经公安核查，孩子系外区走失儿童，已由家长接回。"
        )
    # Staff entry, acknowledged, linked, case opened (handling).
    with _as_of(_ago(days=20)):
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
    with _as_of(_ago(days=20, hours=-0.5)):
        report_acknowledge(actor=sup, report=staff_report)
    told_at = _ago(days=19.95)
    with _as_of(_ago(days=19.9)):
        report_record_police(
            actor=sup, report=staff_report, told="演示·天山路派出所",
            notified_at=told_at, receipt_no="演示-JJ-0002",
        )  # fmt: skip
    with _as_of(_ago(days=19.5)):
        report_link_child(actor=sup, report=staff_report, child=children[0])
    out["handling"] = staff_report
    return out


# --- cases ----------------------------------------------------------------------------------


class _Story:
    """The clock of one case: the case was opened `days` ago, and a step taken at fraction f
    of its life happened at opened + f × (now − opened)."""

    def __init__(self, days: float):
        self.now = timezone.now()
        self.opened = self.now - dt.timedelta(days=days)

    def moment(self, f: float) -> dt.datetime:
        return self.opened + (self.now - self.opened) * f

    def at(self, f: float):
        return _as_of(self.moment(f))

    def day(self, f: float) -> dt.date:
        return timezone.localdate(self.moment(f))


def _plan(actor, case: Case, owner, partners, *, version: int = 1) -> None:
    """The plan as it is written on the day (its due and review dates count from then)."""
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
    if version == 1:
        plan_save(
            actor=actor,
            case=case,
            goals="1. 孩子不再受到打骂；2. 家长掌握正确的教育方法；3. 孩子情绪恢复稳定。",
            review_on=today + dt.timedelta(days=30),
            services=services,
            change_note="首次制定",
            expected_number=0,
        )
        return
    # The review keeps the services already planned (their progress carried forward, as the
    # service records left it) and adds the education the school offered.
    services = [
        PlannedServiceInput(
            service_type=kept.service_type, due_on=kept.due_on,
            responsible_user=kept.responsible_user, responsible_partner=kept.responsible_partner,
            description=kept.description, id=kept.pk,
        )
        for kept in plan_services(current_plan(case))
    ]  # fmt: skip
    services.append(
        PlannedServiceInput(
            service_type=ServiceType.EDUCATION, due_on=today + dt.timedelta(days=60),
            responsible_partner=partners[PartnerKind.SCHOOL], description="课后学业辅导",
        )
    )  # fmt: skip
    plan_save(
        actor=actor,
        case=case,
        goals="1. 孩子不再受到打骂；2. 家长掌握正确的教育方法；3. 孩子情绪恢复稳定；"
        "4. 学习成绩回到原有水平。",
        review_on=today + dt.timedelta(days=45),
        services=services,
        change_note="复核后增加教育帮扶",
        expected_number=1,
    )


# The services a case in 服务 gets, in order: (type, minutes, note, partner kind or None). Each
# delivers the planned service of its type, if the plan has one (the material help does not).
SERVICES = [
    (ServiceType.GUARDIANSHIP_GUIDANCE, 90,
     "【演示】入户开展家庭监护指导，讲解《家庭教育促进法》。", None),
    (ServiceType.PSYCHOLOGICAL, 60, "【演示】心理老师开展第一次心理疏导。",
     PartnerKind.SERVICE_CENTRE),
    (ServiceType.EDUCATION, 120, "【演示】志愿者课后辅导数学。", PartnerKind.SCHOOL),
    (ServiceType.MATERIAL, 30, "【演示】送去学习用品和冬衣。", PartnerKind.COMPANY_CHARITY),
]  # fmt: skip
# The last sessions of a case whose services end (before the follow-up): each completes the
# planned service of its type, so that the plan is done when closing is asked for.
LAST_SERVICES = [
    (ServiceType.GUARDIANSHIP_GUIDANCE, 60,
     "【演示】最后一次家庭监护指导：家长已能用正确方法管教孩子。", None),
    (ServiceType.PSYCHOLOGICAL, 60, "【演示】第四次心理疏导：孩子情绪稳定，疏导结束。",
     PartnerKind.SERVICE_CENTRE),
    (ServiceType.EDUCATION, 90, "【演示】学期末辅导：成绩回到原有水平，辅导结束。",
     PartnerKind.SCHOOL),
]  # fmt: skip


def _plan_item(case: Case, kind: str) -> PlannedService | None:
    """The planned service of this type still to be done in the current plan, if any."""
    return open_plan_items(case).filter(service_type=kind).first()


def _service(actor, case: Case, partners, kind: str, minutes: int, note: str,
             partner_kind: str | None, *, completes: bool = False) -> None:  # fmt: skip
    """A service delivered today (the story's today), linked to the plan's item of its type."""
    item = _plan_item(case, kind)
    service_record_create(
        actor=actor,
        case=case,
        delivered_on=timezone.localdate(),
        service_type=kind,
        duration_minutes=minutes,
        provider_user=None if partner_kind else actor,
        provider_partner=partners[partner_kind] if partner_kind else None,
        notes=note,
        planned_service=item,
        completes_item=completes and item is not None,
    )


# A follow-up home visit with nothing of concern (every check answered with the safe "no").
FOLLOW_UP_VISIT = {
    "kind": Visit.Kind.HOME,
    "met_with": "母亲、孩子本人",
    "psychology": "【演示】孩子情绪稳定，愿意与社工交流。",
    "study": "【演示】按时上学，成绩回到原有水平。",
    "family_economy": "【演示】家庭收入稳定。",
    "guardianship": "【演示】家长能正确管教孩子，未再发现打骂。",
    "under8_unattended": Visit.Answer.NO,
    "under16_alone": Visit.Answer.NO,
    "away_without_carer": Visit.Answer.NO,
    "no_weekly_contact": Visit.Answer.NO,
    "guardianship_guidance": True,
    "findings": "【演示】结案前跟踪走访：服务结束后家庭关系良好，孩子生活、学习正常。",
    "next_steps": "转入常规走访。",
}


def _follow_up_visit(owner, case: Case) -> None:
    """The follow-up's home visit of the child (today, the story's today): closing needs it."""
    draft = visit_start(actor=owner, child=case.child)
    visit_complete(actor=owner, visit=draft, expected_version=draft.version, data=FOLLOW_UP_VISIT)


def _voided_service(case: Case, owner, story: _Story) -> None:
    """A service entered with a wrong duration, voided and entered again: struck through on the
    case page, left out of the ledger."""
    with story.at(0.6):
        wrong = service_record_create(
            actor=owner, case=case, delivered_on=timezone.localdate(),
            service_type=ServiceType.MATERIAL, duration_minutes=600, provider_user=owner,
            notes="【演示】送去学习用品。",
        )  # fmt: skip
    with story.at(0.61):
        service_record_void(
            actor=owner, record=wrong, reason="【演示】时长误填为600分钟，实际30分钟，已重新登记。"
        )
        service_record_create(
            actor=owner, case=case, delivered_on=timezone.localdate(),
            service_type=ServiceType.MATERIAL, duration_minutes=30, provider_user=owner,
            notes="【演示】送去学习用品。",
        )  # fmt: skip


# The story of a case closed after its assessment for no protection need.
NO_NEED = "closed_no_need"

# Where each stage of the loop happens in a case's life (fractions of it, see _Story).
FILE, ASSESS, PLAN, INTERVENE, SERVE = 0.05, 0.12, 0.2, 0.22, 0.3
TRACK, FOLLOW_UP, REQUEST_CLOSE, APPROVE, REOPEN = 0.7, 0.75, 0.8, 0.85, 0.93


def _walk(case: Case, owner, stage: str, partners, users, story: _Story) -> Case:
    """Take a case from 发现 as far as `stage` goes, as its owner would, each step on its day."""
    sup, district = users["tianshan_supervisor"], users["district_admin"]
    if stage == "discovered":
        return case
    with story.at(FILE):
        case = case_file(
            actor=owner, case=case, summary=case.summary or "【演示】已核实情况，建立个案档案。"
        )
    if stage == "filed":
        return case
    with story.at(ASSESS):
        if stage == NO_NEED:
            case = case_assess(
                actor=owner, case=case, risk_level=RiskLevel.LOW,
                reasons="【演示】入户核实：家长因临时加班外出两小时，已安排邻居照看，孩子未受伤害。",
            )  # fmt: skip
        else:
            case = case_assess(
                actor=owner, case=case, risk_level=RiskLevel.HIGH if stage != "assessed" else
                RiskLevel.MEDIUM, reasons="【演示】存在反复打骂，孩子有明显伤痕；家长认识不足。",
            )  # fmt: skip
    if stage == "assessed":
        return case
    if stage == NO_NEED:
        return _close_no_need(case, owner, sup, story)
    with story.at(PLAN):
        _plan(owner, case, owner, partners)
    with story.at(INTERVENE):
        case = case_advance(actor=owner, case=case, transition="intervene")
    if stage == "intervening":
        return case
    with story.at(SERVE):
        case = case_advance(actor=owner, case=case, transition="serve")
    # The services run from the start of 服务 to the follow-up (or to today, still serving);
    # the plan is reviewed half way and gets its second version.
    end = 1.0 if stage == "serving" else TRACK - 0.05
    for i, (kind, minutes, note, partner_kind) in enumerate(SERVICES):
        f = SERVE + (end - SERVE) * (i + 1) / len(SERVICES)
        with story.at(f - 0.001 if f >= 1.0 else f):
            _service(owner, case, partners, kind, minutes, note, partner_kind)
        if i == 1:
            with story.at(f + 0.01):
                _plan(owner, case, owner, partners, version=2)
    if stage == "serving":
        return case
    # The services end: the last session of each completes its planned service.
    for i, (kind, minutes, note, partner_kind) in enumerate(LAST_SERVICES):
        with story.at(TRACK - 0.04 + 0.01 * i):
            _service(owner, case, partners, kind, minutes, note, partner_kind, completes=True)
    with story.at(TRACK):
        case = case_advance(actor=owner, case=case, transition="track")
    with story.at(FOLLOW_UP):
        _follow_up_visit(owner, case)
    if stage == "tracking":
        return case
    with story.at(REQUEST_CLOSE):
        case = case_request_close(
            actor=owner, case=case, summary="【演示】经三个月服务，家庭关系改善，孩子情绪稳定，"
            "未再发现打骂情况，建议结案并转入常规走访。",
        )  # fmt: skip
    if stage == "closing":
        return case
    with story.at(APPROVE):
        case = case_decide_close(actor=sup, case=case, approve=True, note="同意结案。")
    if stage == "closed":
        return case
    with story.at(REOPEN):
        return case_reopen(
            actor=district if sup == owner else sup, case=case,
            reason="【演示】结案后走访发现孩子再次受伤，重新启动个案。",
        )  # fmt: skip


def _close_no_need(case: Case, owner, sup, story: _Story) -> Case:
    """Closed after the assessment found no protection need (无保护需求): no plan, services or
    follow-up, the reason from the list."""
    with story.at(ASSESS + 0.1):
        case = case_request_close(
            actor=owner, case=case, no_need_reason=NoNeedReason.NO_HARM_FOUND,
            summary="【演示】经入户核实，孩子由邻居照看，家长已认识到不应让孩子独处，无需保护。",
        )  # fmt: skip
    with story.at(ASSESS + 0.2):
        return case_decide_close(actor=sup, case=case, approve=True, note="同意，转入常规走访。")


def _referrals(case: Case, owner, partners, story: _Story) -> None:
    """Referrals of a case in 服务 in every state, each answered a day or two after it went."""
    states = [
        (PartnerKind.HOSPITAL, "completed", 0.35),
        (PartnerKind.TEMPORARY_CARE, "rejected", 0.45),
        (PartnerKind.CHILDRENS_HOME, "revoked", 0.55),
        (PartnerKind.LEGAL_AID, "accepted", 0.75),
        (PartnerKind.SOCIAL_WORK, "pending", 0.95),
    ]
    for kind, state, f in states:
        with story.at(f):
            referral = referral_create(
                actor=owner, case=case, partner=partners[kind],
                reason="【演示】需要专业机构支持。",
                accept_by=timezone.localdate() + dt.timedelta(days=5),
            )  # fmt: skip
        with story.at(f + 0.04):
            if state == "accepted":
                referral_accept(actor=owner, referral=referral, note="对方已确认接收。")
            elif state == "completed":
                referral = referral_accept(actor=owner, referral=referral)
            elif state == "rejected":
                referral_reject(
                    actor=owner, referral=referral, reason="【演示】床位已满，建议转介他处。"
                )
            elif state == "revoked":
                referral_revoke(actor=owner, referral=referral, reason="【演示】家长已自行安排。")
        if state == "completed":
            with story.at(f + 0.1):
                referral_complete(
                    actor=owner, referral=referral, feedback="【演示】伤情检查已完成。"
                )


def _overdue_referral(case: Case, owner, partners) -> None:
    """Sent ten days ago with a week to answer: the partner is three days late (red)."""
    with _as_of(_ago(days=10)):
        referral_create(
            actor=owner, case=case, partner=partners[PartnerKind.SOCIAL_WORK],
            reason="【演示】请社工机构开展家庭个案服务。",
            accept_by=timezone.localdate() + dt.timedelta(days=7),
        )  # fmt: skip


def _protection(case: Case, users, *, days_ago: int, ground: str, placement: str,
                detail: str) -> None:  # fmt: skip
    """Temporary guardianship started `days_ago` and still running."""
    started = timezone.localdate() - dt.timedelta(days=days_ago)
    with _as_of(_ago(days=days_ago - 0.2)):
        protection_start(
            actor=users["tianshan_supervisor"], case=case, ground=ground, placement=placement,
            placement_detail=detail, started_on=started,
        )  # fmt: skip


def _returned_home(case: Case, users) -> None:
    """Placed with relatives, the capacity assessed, and back home three weeks ago: the
    monthly follow-up visits have started (the child's next visit is for the return home)."""
    sup = users["tianshan_supervisor"]
    today = timezone.localdate()
    with _as_of(_ago(days=79.8)):
        record = protection_start(
            actor=sup, case=case, ground=ProtectionGround.GUARDIAN_UNABLE,
            placement=Placement.RELATIVES, placement_detail="演示·外祖父母家",
            started_on=today - dt.timedelta(days=80),
        )  # fmt: skip
    with _as_of(_ago(days=27.8)):
        record = protection_assess_capacity(
            actor=sup, record=record, assessed_on=today - dt.timedelta(days=28),
            result=CapacityResult.CAPABLE_WITH_SUPPORT,
            notes="【演示】母亲出院后身体恢复，可在社区支持下照料孩子。",
        )  # fmt: skip
    with _as_of(_ago(days=20.8)):
        protection_end(
            actor=sup, record=record, ended_on=today - dt.timedelta(days=21),
            end_reason=ProtectionEnd.RETURNED_HOME, note="回归家庭，按月跟进走访。",
        )  # fmt: skip


# The stories of tianshan_director_1's cases: key, stage reached, days since the case opened.
STORIES = [
    ("discovered", "discovered", 2),
    ("filed", "filed", 12),
    ("assessed", "assessed", 21),
    ("intervening", "intervening", 35),
    ("tracking", "tracking", 120),
    ("closing", "closing", 150),
    ("closed", "closed", 200),
    ("no_need", NO_NEED, 40),
    ("reopened", "reopened", 240),
    ("protection", "serving", 345),  # temporary guardianship near its one-year limit (amber)
    ("returned", "serving", 100),  # returned home from temporary guardianship
    ("past_limit", "serving", 400),  # temporary guardianship past its one-year limit (red)
    ("serving", "serving", 60),
]
STAGE_STORIES = [key for key, _stage, _days in STORIES]  # kept for callers counting stories
SUMMARIES = {
    "discovered": "【演示】学校反映孩子近期经常迟到、衣着单薄，需进一步了解。",
    "filed": "【演示】孩子父亲服刑、母亲失联，由年迈祖母照料。",
    "assessed": "【演示】家长工作繁忙，孩子长期独自在家。",
    "intervening": "【演示】孩子遭受家庭暴力，已报警。",
    "serving": "【演示】父母离异后无人照管，孩子经常在外游荡。",
    "tracking": "【演示】孩子沉迷网络、辍学在家。",
    "closing": "【演示】孩子遭受校园欺凌，已转学。",
    "closed": "【演示】孩子被遗弃在医院，已找到亲属。",
    "no_need": "【演示】邻居反映孩子晚上独自在家哭闹。",
    "reopened": "【演示】家长酗酒后打骂孩子。",
    "protection": "【演示】孩子遭监护人严重伤害，需紧急安置。",
    "returned": "【演示】母亲住院、父亲外出务工，孩子无人照料。",
    "past_limit": "【演示】父母均下落不明，孩子由民政部门临时监护。",
}


def _born_before(key: str) -> dt.date:
    """A story's child was born at least a year before its case opened."""
    days = next(days for k, _stage, days in STORIES if k == key)
    return timezone.localdate() - dt.timedelta(days=days + 365)


def _returned_child(kids: list[Child]) -> Child | None:
    """A child whose next regular visit is more than two weeks away, so that the follow-up of
    the return home is what the worklist shows for it."""
    horizon = timezone.localdate() + dt.timedelta(days=15)
    for child in kids:
        if child.birth_date >= _born_before("returned"):
            continue
        due = VisitDue.objects.filter(child=child, state=VisitDue.State.OPEN).first()
        if due is None or due.due_date > horizon:
            return child
    return None


def _story_children(community: Area, skip: set[int]) -> dict[str, Child]:
    """The children of the stories (those with a long story born well before it began)."""
    kids = _children(community, 2 * len(STORIES), skip)
    out: dict[str, Child] = {}
    # The return home gets a child whose worklist will show the follow-up visit, if there is one.
    returned = _returned_child(kids)
    if returned is not None:
        out["returned"] = returned
        kids.remove(returned)
    for key, _stage, _days in STORIES:
        if key in out:
            continue
        child = next((c for c in kids if c.birth_date < _born_before(key)), None)
        if child is not None:
            out[key] = child
            kids.remove(child)
    return out


def _registered_before(child: Child, moment: dt.datetime, actor) -> None:
    """A case is opened for a registered child: a demo child registered (by the visit history)
    after its story began has its registration moved back a week before it, audited."""
    day = timezone.localdate(moment) - dt.timedelta(days=7)
    old = timezone.localdate(child.created_at)
    if day >= old:
        return
    registered = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    Child.objects.filter(pk=child.pk).update(created_at=registered)
    child.created_at = registered
    audit_record(
        actor=actor,
        action="child.update",
        obj=child,
        child=child,
        changes={"created_at": {"old": old.isoformat(), "new": day.isoformat()}},
        note="演示数据：登记日期前移，模拟个案开始前已登记的儿童。",
    )


def _tell(key: str, stage: str, days: int, child: Child, owner, partners, users) -> Case:
    sup = users["tianshan_supervisor"]
    story = _Story(days)
    _registered_before(child, story.opened, users["district_admin"])
    with _as_of(story.opened):
        case = case_open(actor=sup, child=child, owner=owner, summary=SUMMARIES[key])
    if key == "protection":
        _protection(
            case, users, days_ago=days - 10, ground=ProtectionGround.HARMED_BY_GUARDIAN,
            placement=Placement.FOSTER_FAMILY, detail="演示·寄养家庭（地址略）",
        )  # fmt: skip
    elif key == "past_limit":
        _protection(
            case, users, days_ago=days - 28, ground=ProtectionGround.GUARDIAN_MISSING,
            placement=Placement.WELFARE_INSTITUTION, detail="演示·区儿童福利院",
        )  # fmt: skip
    case = _walk(case, owner, stage, partners, users, story)
    if key == "protection":
        _overdue_referral(case, owner, partners)
    elif key == "returned":
        _returned_home(case, users)
    return case


@transaction.atomic
def load_case_demo(tree) -> CasesResult:
    """Create the demo reports, cases, partners and referrals once (keyed in SiteState)."""
    result = CasesResult()
    if SiteState.objects.filter(key=CASES_KEY).exists():
        return result
    users = _users()
    if len(users) < 5:  # demo accounts were removed: nothing sensible to show
        return result
    district = tree.district
    tianshan, xianxia = tree.subdistricts[TIANSHAN], tree.subdistricts[XIANXIA]
    community_1, community_2 = tree.communities[TIANSHAN][0], tree.communities[TIANSHAN][1]
    first = _children(community_1, 1, set())
    children = _story_children(community_1, {first[0].pk}) if first else {}
    if len(children) < len(STORIES):
        # Too few children in the 居民区 for every story (a small demo): no cases at all, rather
        # than a loop with gaps.
        return result
    partners = _ensure_partners(district, tianshan, community_1, users["district_admin"])
    # The staff report about this child is received 20 days ago, and linked to its file.
    _registered_before(first[0], _ago(days=20), users["district_admin"])
    reports = _reports(users, district, tianshan, xianxia, first)

    owner, sup = users["tianshan_director_1"], users["tianshan_supervisor"]
    # The staff report's child: the report opens the case (发现), which then runs to 服务 with
    # referrals in every state.
    story = _Story(19)
    with _as_of(story.opened):
        case, _attached = report_open_case(actor=sup, report=reports["handling"], owner=owner)
    case = _walk(case, owner, "serving", partners, users, story)
    _referrals(case, owner, partners, story)
    _voided_service(case, owner, story)

    for key, stage, days in STORIES:
        _tell(key, stage, days, children[key], owner, partners, users)
    # A second director's case: not visible to the first director.
    others = _children(community_2, 1, set())
    if others:
        with _as_of(_ago(days=10)):
            case_open(
                actor=sup, child=others[0], owner=users["tianshan_director_2"],
                summary="【演示】孩子多次离家出走。",
            )  # fmt: skip
    # A restricted case (docs/domain.md §7.8): the 居民区's director is related to the family,
    # so sees on the child's file only that a restricted case exists.
    spare = _children(community_1, 1, {first[0].pk})
    if spare:
        _registered_before(spare[0], _ago(days=6), users["district_admin"])
        with _as_of(_ago(days=6)):
            restricted = case_open(
                actor=sup, child=spare[0], owner=sup, summary="【演示】邻居反映孩子常被锁在家中。"
            )
        case_restrict(
            actor=sup, case=restricted, restricted=True,
            reason="【演示】本居民区儿童主任与该家庭为亲属，按回避要求不参与本个案。",
        )  # fmt: skip

    # A visit concern turned into a report in one click, and closed with an outcome.
    concern = (
        Concern.objects.filter(state=Concern.State.OPEN, subdistrict=tianshan)
        .select_related("child")
        .order_by("raised_at")
        .first()
    )
    if concern is not None:
        from_concern = report_from_concern(actor=sup, concern=concern).report
        from_concern = report_acknowledge(actor=sup, report=from_concern)
        if from_concern.police_required:
            # Made just now from today's concern: the police are told now, after the report.
            from_concern = report_record_police(
                actor=sup, report=from_concern, told="演示·天山路派出所",
                notified_at=timezone.now(), receipt_no="演示-JJ-0003",
            )  # fmt: skip
        report_close(
            actor=sup, report=from_concern,
            outcome_message="您反映的情况已核实处理，孩子已得到妥善照料。感谢您的报告。",
            # A report of harm without a case says why none is needed (docs/domain.md §5.7).
            no_case_reason=NoCaseReason.NO_HARM_FOUND if from_concern.police_required else "",
        )  # fmt: skip

    site_state_set(key=CASES_KEY, value="demo reports, cases and partners")
    result.created = True
    result.counts = {
        "reports": Report.objects.count(),
        "cases": Case.objects.count(),
        "partners": Partner.objects.count(),
        "referrals": Referral.objects.count(),
    }
    return result
