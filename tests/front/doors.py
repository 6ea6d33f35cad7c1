"""The world every door of the site is tried in (test_every_door.py), and the table of doors:
for each URL pattern, how to fill in its parts from the world and who may come in.

The world is one child of 居民区 A with one of everything (docs/domain.md): completed and draft
visits with an attachment and a concern, a case with a team and a plan, a service, a referral
to a partner, temporary guardianship, a mandatory report linked to the child, a pending transfer
to 居民区 C, a notification, an API token and a signed-in device. The people are the personas
of tests/conftest.py plus the case team's two kinds (a member named in the plan and a director
of the 居民区 who is not on the team) and the system administrator."""

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.helpers import a_plan
from tests.conftest import PASSWORD, _user, child_data
from tests.helpers import PNG, SECRET_PLACE, record_service, refer, report_input, today
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.activities import services as activity_services
from weibao.activities.models import Activity, ActivityPhoto, Project, Signup
from weibao.areas.models import Area
from weibao.audit.services import audit_job
from weibao.cases.models import Case
from weibao.cases.services import case_file, case_open
from weibao.children.models import Child
from weibao.children.services import GuardianInput, child_create
from weibao.core.site_state import site_state_set
from weibao.council import services as council_services
from weibao.council.models import CouncilMeeting, CouncilMember
from weibao.dashboards.models import MonthlyReport
from weibao.dashboards.services import monthly_report_make
from weibao.duplicates.models import PossibleDuplicate
from weibao.imports.models import ImportJob
from weibao.imports.services import import_upload
from weibao.inspections import services as inspection_services
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team
from weibao.ledger.models import ServiceRecord
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.partners.models import Partner
from weibao.protection.models import ProtectionRecord
from weibao.protection.services import protection_start
from weibao.referrals.models import Referral
from weibao.reports import services as report_services
from weibao.reports.models import CLOCKS_RAN_KEY, Report
from weibao.security.models import ApiToken, SignedInDevice
from weibao.security.services import api_token_create
from weibao.staff.models import Honour, StaffMember
from weibao.staff.services import honour_add, staff_create
from weibao.stations import services as station_services
from weibao.stations.models import (
    EvidenceFile,
    StandardItem,
    StationPhoto,
    StationZone,
    Workstation,
)
from weibao.suggestions import services as suggestion_services
from weibao.suggestions.models import Suggestion
from weibao.training.models import SessionMaterial, TrainingSession, TrainingTopic
from weibao.training.services import (
    material_add,
    session_create,
    session_roll_set,
    topics_ensure_defaults,
)
from weibao.transfers.models import Transfer
from weibao.transfers.services import transfer_request
from weibao.visits import services as visit_services
from weibao.visits.models import Concern, Visit, VisitAttachment, VisitRule

# --- the people ---------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
PERSONAS = (
    ANONYMOUS,
    "admin",  # the system administrator: accounts and areas in /admin/, no child's data
    "district",
    "supervisor",  # of 天山路 (居民区 A and B)
    "staff",  # station staff of 天山路
    "director_a",  # 儿童主任 of 居民区 A: opened and owns the case, wrote the visits
    "director_a2",  # a second 儿童主任 of A: on the case team as the 居民区's director
    "member",  # on the case team only because the plan names them
    "non_member",  # 儿童主任 of A since after the case opened: sees the child, not the case
    "director_b",  # 儿童主任 of 居民区 B (same 街镇)
    "director_elsewhere",  # 儿童主任 of 居民区 C (仙霞新村)
    "supervisor_elsewhere",  # of 仙霞新村: decides the transfer of the child into 居民区 C
)
SIGNED_IN = frozenset(PERSONAS) - {ANONYMOUS}
# Everyone with a role on an area (the system administrator has none).
STAFF = SIGNED_IN - {"admin"}
# Who sees the child of 居民区 A (its file, visits, concerns, report, transfer).
AREA = frozenset({"district", "supervisor", "staff", "director_a", "director_a2", "member",
                  "non_member"})  # fmt: skip
# Who sees its case and what hangs off it (docs/domain.md §7.8).
CASE = AREA - {"non_member"}
# The area roles of 天山路 (and the district).
AREA_ROLES = frozenset({"district", "supervisor", "staff"})
DIRECTORS_OF_A = frozenset({"director_a", "director_a2", "member", "non_member"})


@dataclasses.dataclass
class World:
    users: dict[str, User | None]
    areas: dict[str, Area]
    child: Child
    case: Case
    visit: Visit  # completed, with an attachment and a concern
    draft: Visit  # director_a's draft
    attachment: VisitAttachment
    concern: Concern
    report: Report
    service: ServiceRecord
    referral: Referral
    partner: Partner
    protection: ProtectionRecord
    transfer: Transfer
    notification: Notification
    token: ApiToken  # director_a's, not the one their API client uses
    device: SignedInDevice  # director_a's other browser
    spare: User  # a director of 居民区 B whose role and reveal permission the district manages
    spare_role: RoleAssignment
    rule: VisitRule
    team: "TeamWorld"
    # 天山路's operating station, published, with a zone, a photo on its public page and the
    # evidence of one item (with a file) submitted by its supervisor; the default standard.
    station: Workstation | None = None
    zone: StationZone | None = None
    photo: StationPhoto | None = None
    evidence_file: EvidenceFile | None = None
    standard_item: StandardItem | None = None
    # 居民区 A's inspection team: the child on it, a patrol, a finding with a photo (found) and
    # a 四位一体 meeting with another finding on its agenda.
    inspections: "InspectionWorld | None" = None
    # 天山路's project and an activity of it held today, with the child signed up and a photo.
    act: "ActivitiesWorld | None" = None
    # A suggestion on 天山路's board, approved and routed to 居民区 A (docs/domain.md §8.4).
    suggestion: Suggestion | None = None
    # 天山路's children's council: the child of 居民区 A a member, a meeting with a decision.
    council_member: CouncilMember | None = None
    council_meeting: CouncilMeeting | None = None
    # 天山路's monthly report of this month, made by its supervisor (docs/domain.md §11.3).
    monthly_report: MonthlyReport | None = None
    # A possible duplicate (docs/domain.md §10): the child of 居民区 A and 章小明 of 居民区 B,
    # born the same day; open.
    duplicate: PossibleDuplicate | None = None
    # A register of one row uploaded by director_a (not yet mapped).
    import_job: ImportJob | None = None

    def __getitem__(self, name: str) -> User | None:
        return self.users[name]


VISIT_ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
    "concern_marked": True,
    "findings": "The grandmother is often away.",
}


def build_world() -> World:
    """Everything, through the services where they exist (so the rows are as the product
    writes them)."""
    district = Area.objects.create(name="长宁区", code="310105", level="district")
    tianshan = Area.objects.create(
        name="天山路街道", code="310105006", level="subdistrict", parent=district
    )
    xianxia = Area.objects.create(
        name="仙霞新村街道", code="310105008", level="subdistrict", parent=district
    )
    areas = {
        "district": district,
        "tianshan": tianshan,
        "xianxia": xianxia,
        "community_a": Area.objects.create(name="测试甲居民区", level="community", parent=tianshan),
        "community_b": Area.objects.create(name="测试乙居民区", level="community", parent=tianshan),
        "community_c": Area.objects.create(name="测试丙居民区", level="community", parent=xianxia),
    }
    admin = User.objects.create_superuser("root", password=PASSWORD)
    RoleAssignment.objects.create(user=admin, role=Role.SYSADMIN)
    users: dict[str, User | None] = {
        ANONYMOUS: None,
        "admin": User.objects.get(pk=admin.pk),
        "district": _user("district", Role.DISTRICT_STAFF, district, reveal=True),
        "supervisor": _user("supervisor", Role.SUPERVISOR, tianshan, reveal=True),
        "staff": _user("staff", Role.STATION_STAFF, tianshan),
        "director_a": _user("director_a", Role.DIRECTOR, areas["community_a"], reveal=True),
        "director_a2": _user("director_a2", Role.DIRECTOR, areas["community_a"]),
        "director_b": _user("director_b", Role.DIRECTOR, areas["community_b"]),
        "director_elsewhere": _user("director_elsewhere", Role.DIRECTOR, areas["community_c"]),
        "supervisor_elsewhere": _user("supervisor_elsewhere", Role.SUPERVISOR, xianxia),
    }
    director = users["director_a"]
    child = child_create(
        actor=users["district"],
        data=child_data(areas["community_a"], name="张小明"),
        categories=["left_behind"],
        guardians=[GuardianInput(name="测试家长", relation="mother", phone="13800000001")],
    )
    # A completed visit with a photo and the concern it raised; then a new draft.
    visit = visit_services.visit_start(actor=director, child=child)
    attachment = visit_services.visit_attach(
        actor=director,
        visit=visit,
        upload=SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    )
    visit = visit_services.visit_complete(
        actor=director, visit=visit, expected_version=visit.version, data=VISIT_ANSWERS
    )
    draft = visit_services.visit_start(actor=director, child=child)
    # The case, opened by the director; the team then: director_a (owner), director_a2.
    case = case_open(actor=director, child=child, summary="Found alone at night.")
    case = case_file(actor=director, case=case, summary="Filed.")
    # Two directors of A who arrived after the case opened: one named in the plan.
    users["member"] = _user("member", Role.DIRECTOR, areas["community_a"])
    users["non_member"] = _user("non_member", Role.DIRECTOR, areas["community_a"])
    plan = a_plan(director, case)
    a_plan(
        director,
        case,
        expected_number=plan.number,
        services=[
            {
                "service_type": "guardianship_guidance",
                "responsible_user": users["member"],
                "due_on": today() + dt.timedelta(days=14),
            }
        ],
    )
    partner = Partner.objects.create(
        name="天山路儿童服务中心", kind="service_centre", area=tianshan
    )
    service = record_service(director, case)
    referral = refer(director, case, partner)
    protection = protection_start(
        actor=users["supervisor"],
        case=case,
        ground="harmed_by_guardian",
        placement="foster_family",
        placement_detail=SECRET_PLACE,
        started_on=today() - dt.timedelta(days=5),
    )
    report, _code = report_services.report_create(
        data=report_input(areas), channel="public", actor=None
    )
    report = report_services.report_acknowledge(actor=users["supervisor"], report=report)
    report = report_services.report_link_child(
        actor=users["supervisor"], report=report, child=child
    )
    transfer = transfer_request(
        actor=director,
        child=child,
        reason="The family moved near the grandmother.",
        to_community=areas["community_c"],
    )
    notify(
        recipient_id=director.pk,
        kind=Notification.Kind.CASE_ASSIGNED,
        key=f"every-door:{case.pk}",
        child=child,
        params={"case": case.reference, "child": child.name},
        url=f"/cases/{case.pk}/",
    )
    token, _key = api_token_create(actor=director, name="phone")
    phone = Client()
    phone.force_login(director)  # signs in a second browser: a device of the director's
    spare = _user("spare", Role.DIRECTOR, areas["community_b"], reveal=True)
    station, zone, photo, evidence_file = _station(users["supervisor"], tianshan)
    suggestion = _suggestion(users["supervisor"], station, areas["community_a"])
    council_member, council_meeting = _council(users["supervisor"], station, child)
    # The daily job's and the report clocks' last runs, so the health check answers 200.
    audit_job(action="job.daily", run=today().isoformat(), changes={})
    site_state_set(key=CLOCKS_RAN_KEY)
    return World(
        users=users,
        areas=areas,
        child=Child.objects.get(pk=child.pk),
        case=Case.objects.get(pk=case.pk),
        visit=visit,
        draft=draft,
        attachment=attachment,
        concern=Concern.objects.get(visit=visit),
        report=report,
        service=service,
        referral=referral,
        partner=partner,
        protection=protection,
        transfer=transfer,
        notification=Notification.objects.get(recipient=director, key__startswith="every-door"),
        token=token,
        device=SignedInDevice.objects.filter(user=director).latest("pk"),
        spare=spare,
        spare_role=RoleAssignment.objects.get(user=spare),
        rule=VisitRule.objects.order_by("pk").first(),
        station=Workstation.objects.get(pk=station.pk),
        zone=zone,
        photo=photo,
        evidence_file=evidence_file,
        standard_item=StandardItem.objects.get(code="window"),
        suggestion=suggestion,
        council_member=council_member,
        council_meeting=council_meeting,
        monthly_report=monthly_report_make(
            actor=users["supervisor"], area=tianshan, month=today().replace(day=1), today=today()
        ),
        team=build_team_world(users, areas),
        inspections=build_inspection_world(users, areas, child),
        act=build_activities_world(users, station, zone, child),
        duplicate=_duplicate(users["district"], areas["community_b"], child),
        import_job=import_upload(
            actor=director,
            upload=SimpleUploadedFile(
                "台账.csv", "姓名,身份证号,居民区\n测试导入,,测试甲居民区\n".encode(), "text/csv"
            ),
        ),
    )


def _duplicate(district: User, community: Area, child: Child) -> PossibleDuplicate:
    twin = child_create(
        actor=district,
        data=child_data(community, name="章小明", birth_date=child.birth_date),
        categories=[],
        guardians=[],
    )
    low, high = sorted([child.pk, twin.pk])
    return PossibleDuplicate.objects.get(child_id=low, other_id=high)


@dataclasses.dataclass
class InspectionWorld:
    team: Team
    member: Member
    patrol: Patrol
    finding: Finding  # found, with a photo
    meeting: Meeting  # with `listed` on its agenda
    listed: Finding


def build_inspection_world(users: dict, areas: dict, child: Child) -> InspectionWorld:
    actor = users["supervisor"]
    team = inspection_services.team_create(actor=actor, community=areas["community_a"])
    day = today() - dt.timedelta(days=5)
    member = inspection_services.member_add(
        actor=actor,
        team=team,
        child=child,
        data={"consent_by": "母亲", "consent_on": day, "consent_how": "written", "joined_on": day},
    )
    patrol = inspection_services.patrol_create(
        actor=actor,
        team=team,
        data={"patrolled_on": day, "route": "东门", "adults": "儿童主任", "members": [member]},
    )
    found = {"patrol": patrol, "what": "路灯不亮", "place": "东门", "category": "safety"}
    finding = inspection_services.finding_create(
        actor=actor,
        team=team,
        data=found,
        photo=SimpleUploadedFile("lamp.png", PNG, content_type="image/png"),
    )
    listed = inspection_services.finding_create(
        actor=actor, team=team, data={**found, "what": "井盖缺失"}
    )
    meeting = inspection_services.meeting_create(
        actor=actor,
        team=team,
        data={"held_on": day, "parties": ["committee"], "notes": ""},
        findings=[listed],
    )
    return InspectionWorld(
        team, member, patrol, finding, meeting, Finding.objects.get(pk=listed.pk)
    )


@dataclasses.dataclass
class ActivitiesWorld:
    """Projects and activities (docs/domain.md §8.3): a project of 天山路's station, an
    activity of it today at the station's zone with the child of 居民区 A signed up and a
    photo of them."""

    project: Project
    activity: Activity
    signup: Signup
    photo: ActivityPhoto


def build_activities_world(users: dict, station, zone, child) -> ActivitiesWorld:
    supervisor = users["supervisor"]
    project = activity_services.project_create(
        actor=supervisor,
        data={"station": station, "name": "艺润童心", "starts_on": dt.date(2026, 1, 1),
              "status": "running"},
    )  # fmt: skip
    activity = activity_services.activity_create(
        actor=supervisor,
        data={"title": "绘画课", "held_on": today(), "zone": zone, "capacity": 10},
        project=project,
    )
    signup = activity_services.signup_add(actor=supervisor, activity=activity, child=child)
    photo = activity_services.photo_add(
        actor=supervisor,
        activity=activity,
        upload=SimpleUploadedFile("class.png", PNG, content_type="image/png"),
        pictured={signup.pk: True},
    )
    return ActivitiesWorld(project=project, activity=activity, signup=signup, photo=photo)


@dataclasses.dataclass
class TeamWorld:
    """The staff roster and training of the world (docs/domain.md §2.6–2.7): the 儿童主任 of
    居民区 A on the roster, with an honour; a session of 天山路 with its roll and a file; a
    session of the district; a topic of the district."""

    member: StaffMember  # 居民区 A's 儿童主任 on the roster, without an account
    honour: Honour
    session: TrainingSession  # organised by 天山路
    district_session: TrainingSession  # organised by the district
    material: SessionMaterial
    topic: TrainingTopic


def build_team_world(users: dict, areas: dict) -> TeamWorld:
    district = users["district"]
    member = staff_create(
        actor=district,
        data={
            "name": "演示·甲居民区儿童主任",
            "role": "director",
            "area": areas["community_a"],
            "phone": "17000010001",
            "start_date": dt.date(2020, 1, 1),
        },
    )
    honour = honour_add(
        actor=district,
        member=member,
        data={"title": "优秀儿童主任", "level": "district", "awarded_on": dt.date(2021, 1, 1)},
    )
    topics_ensure_defaults(district=areas["district"])
    topic = TrainingTopic.objects.filter(district=areas["district"]).order_by("pk").first()
    session_data = {
        "topic": topic,
        "held_on": today() - dt.timedelta(days=3),
        "mode": "online",
        "trainer": "讲师",
        "hours": 2,
    }
    session = session_create(
        actor=users["supervisor"], data={**session_data, "organiser": areas["tianshan"]}
    )
    session_roll_set(actor=users["supervisor"], session=session, marks={member.pk: "present"})
    district_session = session_create(
        actor=district, data={**session_data, "organiser": areas["district"]}
    )
    material = material_add(
        actor=users["supervisor"],
        session=session,
        upload=SimpleUploadedFile("slides.png", PNG, content_type="image/png"),
    )
    return TeamWorld(
        member=member,
        honour=honour,
        session=session,
        district_session=district_session,
        material=material,
        topic=topic,
    )


def _suggestion(supervisor: User, station: Workstation, community: Area) -> Suggestion:
    suggestion, _code = suggestion_services.suggestion_submit(station=station, text="多种树")
    suggestion = suggestion_services.suggestion_approve(
        actor=supervisor, suggestion=suggestion, public_text="多种树"
    )
    return suggestion_services.suggestion_route(
        actor=supervisor,
        suggestion=suggestion,
        department="居委会",
        routed_community=community,
        deadline=today() + dt.timedelta(days=14),
    )


def _council(supervisor: User, station: Workstation, child: Child):
    day = today() - dt.timedelta(days=10)
    member = council_services.member_add(
        actor=supervisor,
        station=station,
        data={"child": child, "term_start": day, "term_end": day + dt.timedelta(days=365),
              "consent_by": "测试家长", "consent_on": day, "consent_how": "written"},
    )  # fmt: skip
    meeting = council_services.meeting_create(
        actor=supervisor,
        station=station,
        data={"held_on": today(), "agenda": "议程", "minutes": "", "present": [member]},
    )
    council_services.decision_record(actor=supervisor, meeting=meeting, text="多种树")
    return member, meeting


def _station(supervisor: User, subdistrict: Area):
    station = station_services.station_create(
        actor=supervisor,
        subdistrict=subdistrict,
        data={"name": "天山路工作站", "host_facility": "culture_centre", "floor_area": "120",
              "planned_on": dt.date(2021, 1, 4)},
    )  # fmt: skip
    for name, day in (("build", dt.date(2021, 2, 1)), ("open", dt.date(2021, 3, 1))):
        station = station_services.station_transition(
            actor=supervisor, station=station, name=name, on=day
        )
    station = station_services.station_set_published(
        actor=supervisor, station=station, published=True
    )
    zone = station_services.zone_add(
        actor=supervisor, station=station, data={"name": "接待区", "kind": "reception"}
    )
    photo = station_services.photo_add(
        actor=supervisor,
        station=station,
        upload=SimpleUploadedFile("place.png", PNG, content_type="image/png"),
        on_wall=True,
    )
    station_services.evidence_submit(
        actor=supervisor, station=station, code="window", note="窗口", self_assessment="met"
    )
    evidence_file = station_services.evidence_file_add(
        actor=supervisor,
        station=station,
        code="window",
        upload=SimpleUploadedFile("window.png", PNG, content_type="image/png"),
    )
    return station, zone, photo, evidence_file


# --- the table ------------------------------------------------------------------------------

Kwargs = Callable[[World], dict]


@dataclasses.dataclass(frozen=True)
class Door:
    """Who may come in at one URL pattern (one variant of its parts).

    kwargs: the pattern's parts, from the world.
    who: the personas who find something there; every other signed-in persona gets 404 (the
        same answer as for an id that does not exist). "public": anonymous too.
    forbidden: personas in `who` refused with 403 (an in-scope action not theirs).
    ok: the status of a GET for those who come in (a method not listed: anything but 404,
        403 and 5xx — an empty body is refused by validation, or taken).
    methods: the methods tried; None reads them from the view (and checks that every other
        method answers 405).
    data: the body of the unsafe methods (an empty one when None): every request is rolled
        back, so a valid body may do what it asks.
    query: added to the URL.
    """

    kwargs: Kwargs = lambda w: {}
    who: frozenset | str = AREA
    forbidden: frozenset | dict = frozenset()
    ok: int | dict = 200
    methods: tuple[str, ...] | None = None
    data: Callable[[World], dict] | None = None
    query: Callable[[World], str] | None = None
    note: str = ""

    def forbidden_for(self, method: str) -> frozenset:
        if isinstance(self.forbidden, dict):
            return frozenset(self.forbidden.get(method, ()))
        return frozenset(self.forbidden)

    def personas_in(self) -> frozenset:
        if self.who == "public":
            return frozenset(PERSONAS)
        return frozenset(self.who)


def insp(attr: str) -> Kwargs:
    return lambda w: {"pk": getattr(w.inspections, attr).pk}


def pk(attr: str, key: str = "pk") -> Kwargs:
    return lambda w: {key: getattr(w, attr).pk}


def d(**kwargs) -> Door:
    return Door(**kwargs)


PUBLIC = "public"
DISTRICT = frozenset({"district"})
ONLY_A = frozenset({"director_a"})


# Who sees 居民区 A's dashboard: the district, 天山路's area roles and A's directors.
DASHBOARD_A = AREA_ROLES | DIRECTORS_OF_A


def _child(w: World) -> dict:
    return {"pk": w.child.pk}


def _case(w: World) -> dict:
    return {"pk": w.case.pk}


def act(attr: str) -> Kwargs:
    return lambda w: {"pk": getattr(w.act, attr).pk}


def team(attr: str) -> Kwargs:
    return lambda w: {"pk": getattr(w.team, attr).pk}


def _district(w: World) -> dict:
    return {"district": w.areas["district"].pk}


def _community_a(w: World) -> dict:
    return {"pk": w.areas["community_a"].pk}


def _person(w: World) -> dict:
    return {"username": "door_person", "full_name": "门外人", "role": "director",
            "area": w.areas["community_b"].pk}  # fmt: skip


# On a case's team without a worker's role (docs/domain.md §7.8): they see the case, record the
# services they deliver, and move nothing.
NOT_WORKER = frozenset({"director_a2", "member"})
# Deciding a closing, changing the owner, restricting: the supervisor and the district.
NOT_APPROVER = CASE - {"district", "supervisor"}
# A transfer is decided by the receiving 街镇's supervisor (or the district), and cancelled by
# the sending area's people; the director who asked does not decide it (docs/domain.md §3.12).
NOT_RECEIVER = AREA - {"district"}
NOT_SENDER = frozenset({"supervisor_elsewhere"})
# Who may void a service record: whoever recorded it (the owner), the supervisor, the district.
NOT_RECORDER = frozenset({"staff", "director_a2", "member"})
# Temporary guardianship is the supervisor's and the district's (docs/domain.md §6).
NOT_GUARDIAN = frozenset({"staff", "director_a", "director_a2", "member"})
# Who keeps the partner registry: supervisors (of their 街镇) and the district.
PARTNER_KEEPERS = frozenset({"district", "supervisor", "supervisor_elsewhere"})
# Who sees the partner of 天山路: the areas of 天山路, those below and above it.
PARTNER_SEEN = STAFF - {"director_elsewhere", "supervisor_elsewhere"}
PARTNER_SEEN_ONLY = PARTNER_SEEN - PARTNER_KEEPERS
MAY_REVEAL = frozenset({"district", "supervisor", "director_a"})
# The staff roster (docs/domain.md §2.6): kept by district staff and each 街镇's supervisor and
# station staff; 居民区 A's people seen by those of 天山路 and, read-only, by A's directors.
ROSTER_KEEPERS = frozenset({"district", "supervisor", "staff", "supervisor_elsewhere"})
# Training (docs/domain.md §2.7): the district and the 街镇's supervisors and staff.
TRAINING = ROSTER_KEEPERS
# Who sees 天山路's station and keeps it: the district, the 街镇's supervisor and staff.
STATION_SEEN = AREA_ROLES
# Who sees the suggestion of 天山路's board routed to 居民区 A: the station's keepers and A's
# directors, who record its progress and answer but do not moderate, route or decline it.
SUGGESTION_SEEN = AREA_ROLES | DIRECTORS_OF_A
# The children's council of 天山路 (docs/domain.md §8.1): kept by the station's keepers, read by
# the 儿童主任 of 天山路's 居民区; its member (the child of A) seen by the keepers and A's
# directors.
COUNCIL_DIRECTORS = DIRECTORS_OF_A | {"director_b"}
COUNCIL_SEEN = AREA_ROLES | COUNCIL_DIRECTORS
MEMBER_SEEN = AREA_ROLES | DIRECTORS_OF_A
# Who reads the district's standard and coverage: the district and every 街镇's keepers.
STANDARD_SEEN = AREA_ROLES | {"supervisor_elsewhere"}
NOT_DISTRICT = STANDARD_SEEN - DISTRICT
# Projects and activities (docs/domain.md §8.3): everyone with a role in the district sees the
# list; 天山路's station's are seen by the district, the 街镇's supervisor and staff and the
# 儿童主任 of its 居民区, kept by the first three; a 儿童主任 signs up and takes attendance.
ACTIVITY_KEEPERS = frozenset({"district", "supervisor", "staff", "supervisor_elsewhere"})
TIANSHAN_DIRECTORS = DIRECTORS_OF_A | {"director_b"}
ACTIVITY_SEEN = AREA_ROLES | TIANSHAN_DIRECTORS
NOT_ACTIVITY_KEEPER = STAFF - ACTIVITY_KEEPERS
# The possible duplicate of the child of A and a child of B (docs/domain.md §10): seen by whoever
# sees one of them; decided only by those who see both (the 街镇's people and the district).
DUPLICATE_SEEN = AREA_ROLES | DIRECTORS_OF_A | {"director_b"}
ONE_SIDE_ONLY = DIRECTORS_OF_A | {"director_b"}


# --- the bodies of the actions: valid, so that the rules of who may act are reached (every
# request is rolled back).


def _today() -> str:
    return today().isoformat()


def _case_form(key: str, **fields) -> Callable[[World], dict]:
    def data(w: World) -> dict:
        return {
            f"{key}-{name}": value for name, value in {**fields, "version": w.case.version}.items()
        }

    return data


def _status(w: World) -> dict:
    return {"status": "moved_out", "date": _today(), "reason": "Moved.", "version": w.child.version}


def _reveal(w: World) -> dict:
    return {"field": "id_number", "reason": "Checking the file."}


def _capacity(w: World) -> dict:
    return {"assessed_on": _today(), "result": "capable", "notes": "Visited twice.",
            "version": w.protection.version}  # fmt: skip


def _end(w: World) -> dict:
    return {"ended_on": _today(), "end_reason": "returned_home", "note": "Home again.",
            "version": w.protection.version}  # fmt: skip


def _note(name: str, version_of: str) -> Callable[[World], dict]:
    return lambda w: {f"{name}-note": "Noted.", f"{name}-version": getattr(w, version_of).version}


def _api_note(version_of: str) -> Callable[[World], dict]:
    return lambda w: {"note": "Noted.", "version": getattr(w, version_of).version}


def _version(version_of: str, **fields) -> Callable[[World], dict]:
    return lambda w: {**fields, "version": getattr(w, version_of).version}


def _item(w: World) -> dict:
    return {"pk": w.station.pk, "code": "window"}


def _new_member(w: World) -> dict:
    return {"station": w.station.pk, "child": w.child.pk, "term_start": _today(),
            "term_end": _today(), "consent_by": "父亲", "consent_on": _today(),
            "consent_how": "written"}  # fmt: skip


def _new_meeting(w: World) -> dict:
    return {"station": w.station.pk, "held_on": _today(), "agenda": "议程"}


def _evidence_version(w: World) -> int:
    return w.evidence_file.evidence.version


# A page every signed-in persona opens (it lists what they may see: perhaps nothing).
EVERYONE = d(who=SIGNED_IN)
# Spreadsheet imports: director_a's job, seen by them and the roles above 居民区 A.
IMPORT_UPLOADER = frozenset({"director_a"})
IMPORT_SEEN = IMPORT_UPLOADER | AREA_ROLES
IMPORT_NOT_ALLOWED = frozenset({"admin"})

WEB: dict[str, Door | list[Door]] = {
    # --- the front door
    "home": EVERYONE,
    "favicon.ico": d(who=PUBLIC, ok=301),
    "apple-touch-icon.png": d(who=PUBLIC, ok=301),
    "login": d(who=PUBLIC, ok={ANONYMOUS: 200, "*": 302}),
    "logout": d(who=PUBLIC),
    "set_language": d(who=PUBLIC, ok=302),
    # The monitor's health check: anyone (tests/front/test_healthz.py has each failure).
    "healthz": d(who=PUBLIC),
    # --- accounts
    "accounts:password_change": EVERYONE,
    "accounts:people": d(who=DISTRICT),
    "accounts:role_grant": d(
        who=DISTRICT,
        data=lambda w: {"user": "spare", "role": "director", "area": w.areas["community_a"].pk},
    ),
    "accounts:role_revoke": d(kwargs=pk("spare_role"), who=DISTRICT),
    "accounts:reveal": d(kwargs=pk("spare"), who=DISTRICT, data=lambda w: {"allowed": "1"}),
    "accounts:person_new": d(who=DISTRICT, data=_person),
    "accounts:person_reset": d(kwargs=pk("spare"), who=DISTRICT),
    "accounts:person_active": d(kwargs=pk("spare"), who=DISTRICT, data=lambda w: {"active": "0"}),
    # The one-time link of an account: an unknown one says it no longer works, to anyone.
    "accounts:set_password": d(
        kwargs=lambda w: {"uidb64": "MQ", "token": "abc-123"},
        who=PUBLIC,
        data=lambda w: {"new_password1": "Chang-ning-2026!", "new_password2": "Chang-ning-2026!"},
    ),
    # --- the district's areas
    "administration:areas": d(who=DISTRICT),
    "administration:area_create": d(
        who=DISTRICT,
        data=lambda w: {
            "kind": "community",
            "community-parent": w.areas["tianshan"].pk,
            "community-name": "门外居民区",
        },
    ),
    "administration:area_detail": d(
        kwargs=_community_a, who=DISTRICT, data=lambda w: {"name": "测试甲新村", "code": ""}
    ),
    # The child of 居民区 A awaits a transfer: the closing and the merge are refused in words.
    "administration:area_close": d(
        kwargs=_community_a, who=DISTRICT, data=lambda w: {"move_to": w.areas["community_b"].pk}
    ),
    "administration:area_merge": d(
        kwargs=_community_a, who=DISTRICT, data=lambda w: {"into": w.areas["community_b"].pk}
    ),
    # --- sign-in security
    "security:overview": EVERYONE,
    # Nothing to verify without two-factor sign-in set up: back to where one was going.
    "security:verify": d(who=SIGNED_IN, ok=302),
    "security:enrol": EVERYONE,
    "security:recovery_codes": EVERYONE,
    "security:tokens": EVERYONE,
    "security:token_revoke": d(kwargs=pk("token"), who=ONLY_A | DISTRICT),
    "security:devices": EVERYONE,
    "security:device_revoke": d(kwargs=pk("device"), who=ONLY_A),
    "security:devices_revoke_others": EVERYONE,
    # Required for nobody here (WEIBAO_2FA_REQUIRED off); nobody enrolled: back to /security/.
    "security:two_factor_disable": d(who=SIGNED_IN, ok=302),
    "security:district": d(who=DISTRICT, data=_district),
    "security:district_reset": d(
        kwargs=lambda w: {"pk": w["director_a"].pk},
        who=DISTRICT,
        data=lambda w: {"reason": "The phone was lost."},
    ),
    "security:district_tokens": d(who=DISTRICT),
    # --- children
    "children:list": EVERYONE,
    "children:create": EVERYONE,
    # The list as xlsx: what each persona may see (perhaps nothing).
    "children:export": EVERYONE,
    "children:detail": d(kwargs=_child),
    "children:edit": d(kwargs=_child),
    "children:status": d(kwargs=_child, data=_status),
    "children:reveal": d(kwargs=_child, data=_reveal),
    "children:access_log": d(kwargs=_child, who=frozenset({"district", "supervisor"})),
    "children:unusual_access": d(who=DISTRICT),
    # --- safekeeping: the district sets the retention period, its 街镇s' supervisors read it
    "safekeeping:retention": d(
        who=DISTRICT | {"supervisor", "supervisor_elsewhere"},
        forbidden={"POST": {"supervisor", "supervisor_elsewhere"}},
        data=_district,
    ),
    # --- visits and concerns
    "visits:worklist": EVERYONE,
    "visits:export": EVERYONE,
    "visits:start": d(kwargs=lambda w: {"child_id": w.child.pk}),
    "visits:returned_home": d(kwargs=lambda w: {"child_id": w.child.pk}),
    "visits:ledger": d(who=AREA_ROLES, query=lambda w: f"?subdistrict={w.areas['tianshan'].pk}"),
    "visits:rules": d(who=DISTRICT),
    "visits:rule_update": d(kwargs=pk("rule"), who=DISTRICT),
    "visits:attachment": d(kwargs=pk("attachment")),
    "visits:detail": d(kwargs=pk("visit")),
    "visits:edit": d(kwargs=pk("draft"), who=ONLY_A),
    "visits:autosave": d(kwargs=pk("draft"), who=ONLY_A),
    "visits:complete": [
        # A GET (signing in again after the session ended) goes back to the form, whatever
        # the id: the form then answers.
        d(kwargs=pk("draft"), who=SIGNED_IN, methods=("GET",), ok=302),
        d(kwargs=pk("draft"), who=ONLY_A, methods=("POST",)),
    ],
    "visits:discard": d(kwargs=pk("draft"), who=ONLY_A),
    "visits:attach": d(kwargs=pk("draft"), who=ONLY_A),
    "concerns:list": EVERYONE,
    "concerns:detail": d(kwargs=pk("concern")),
    "concerns:handle": d(kwargs=pk("concern"), data=lambda w: {"note": "Talked to the mother."}),
    # --- notifications
    "notifications:list": EVERYONE,
    "notifications:read": EVERYONE,
    "notifications:open": d(kwargs=pk("notification"), who=ONLY_A),
    # --- mandatory reports: the public door, then the staff's
    "public_report:new": d(who=PUBLIC),
    "public_report:done": d(who=PUBLIC),
    "public_report:forget": d(who=PUBLIC),
    "public_report:status": d(who=PUBLIC),
    "reports:queue": EVERYONE,
    "reports:export": EVERYONE,
    "reports:new": EVERYONE,
    "reports:clocks": d(who=DISTRICT, data=_district),
    "reports:from_concern": d(kwargs=lambda w: {"concern_id": w.concern.pk}),
    "reports:detail": d(kwargs=pk("report")),
    "reports:acknowledge": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    "reports:police": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    "reports:link": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    "reports:unidentified": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    "reports:open_case": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    "reports:close": d(kwargs=pk("report"), forbidden=DIRECTORS_OF_A),
    # --- cases
    "cases:list": EVERYONE,
    "cases:export": EVERYONE,
    "cases:open": d(kwargs=lambda w: {"child_id": w.child.pk}),
    "cases:policy": d(who=DISTRICT, data=_district),
    "cases:detail": d(kwargs=_case, who=CASE),
    "cases:timeline": d(kwargs=_case, who=CASE),
    # The case is filed: assessing is the next step; the others are tried out of turn.
    "cases:file": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("file", summary="Again.")
    ),
    "cases:assess": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_WORKER,
        data=_case_form("assess", risk_level="high", reasons="Alone."),
    ),
    "cases:intervene": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("intervene", note="Go.")
    ),
    "cases:serve": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("serve", note="Go.")
    ),
    "cases:track": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("track", note="Go.")
    ),
    "cases:resume_services": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("resume_services", note="Go.")
    ),
    "cases:request_close": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_WORKER,
        data=_case_form("request_close", summary="Safe."),
    ),
    "cases:decide_close": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=_case_form("decide_close", decision="approve", note="Safe."),
    ),
    "cases:reopen": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_case_form("reopen", reason="New harm.")
    ),
    "cases:assign": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=lambda w: {"assign-owner": w["director_a2"].pk, "assign-version": w.case.version},
    ),
    "cases:restrict": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=_case_form("restrict", restricted="1", reason="Family."),
    ),
    "cases:plan": d(kwargs=_case, who=CASE),
    "cases:plan_versions": d(kwargs=_case, who=CASE),
    "cases:plan_version": d(kwargs=lambda w: {"pk": w.case.pk, "number": 1}, who=CASE),
    # --- what hangs off a case
    "ledger:list": d(who=STAFF),
    "ledger:export": d(who=AREA_ROLES | {"supervisor_elsewhere"}),
    "ledger:record": d(kwargs=lambda w: {"case_id": w.case.pk}, who=CASE),
    "ledger:void": d(
        kwargs=pk("service"),
        who=CASE,
        forbidden=NOT_RECORDER,
        data=lambda w: {"reason": "Entered twice."},
    ),
    "protection:list": EVERYONE,
    "protection:start": d(
        kwargs=lambda w: {"case_id": w.case.pk}, who=CASE, forbidden=NOT_GUARDIAN
    ),
    "protection:detail": d(kwargs=pk("protection"), who=CASE),
    "protection:assess": d(
        kwargs=pk("protection"), who=CASE, forbidden=NOT_GUARDIAN, data=_capacity
    ),
    "protection:end": d(kwargs=pk("protection"), who=CASE, forbidden=NOT_GUARDIAN, data=_end),
    "partners:refer": d(kwargs=lambda w: {"case_id": w.case.pk}, who=CASE),
    "partners:referrals": d(who=STAFF),
    "partners:referral": d(kwargs=pk("referral"), who=CASE),
    "partners:referral_action": [
        d(
            kwargs=lambda w, name=name: {"pk": w.referral.pk, "name": name},
            who=CASE,
            forbidden=NOT_WORKER,
            data=_note(name, "referral"),
        )
        for name in ("accept", "reject", "complete", "revoke")
    ],
    # --- partners
    "partners:list": d(who=STAFF),
    "partners:create": d(who=STAFF, forbidden=STAFF - PARTNER_KEEPERS),
    "partners:detail": d(kwargs=pk("partner"), who=PARTNER_SEEN),
    "partners:edit": d(kwargs=pk("partner"), who=PARTNER_SEEN, forbidden=PARTNER_SEEN_ONLY),
    "partners:set_active": d(kwargs=pk("partner"), who=PARTNER_SEEN, forbidden=PARTNER_SEEN_ONLY),
    # --- transfers
    "transfers:list": EVERYONE,
    "transfers:start": d(kwargs=lambda w: {"child_id": w.child.pk}),
    "transfers:detail": d(kwargs=pk("transfer"), who=AREA | {"supervisor_elsewhere"}),
    "transfers:action": [
        d(
            kwargs=lambda w, name=name: {"pk": w.transfer.pk, "name": name},
            who=AREA | {"supervisor_elsewhere"},
            forbidden=NOT_SENDER if name == "cancel" else NOT_RECEIVER,
            data=_note(name, "transfer"),
        )
        for name in ("accept", "refuse", "cancel")
    ],
    # --- workstations
    "stations:list": d(who=STANDARD_SEEN),
    "stations:create": d(
        who=STANDARD_SEEN,
        forbidden=frozenset({"staff"}),
        data=lambda w: {
            "subdistrict": w.areas["tianshan"].pk,
            "name": "新站",
            "host_facility": "civic_centre",
        },
    ),
    "stations:coverage": d(who=STANDARD_SEEN),
    "stations:coverage_export": d(who=STANDARD_SEEN, forbidden=NOT_DISTRICT),
    "stations:coverage_snapshot": d(who=STANDARD_SEEN, forbidden=NOT_DISTRICT),
    "stations:standards": d(who=STANDARD_SEEN),
    "stations:standard_create": d(who=STANDARD_SEEN, forbidden=NOT_DISTRICT),
    "stations:standard": d(kwargs=lambda w: {"pk": w.standard_item.standard_id}, who=STANDARD_SEEN),
    "stations:standard_edit": d(
        kwargs=lambda w: {"pk": w.standard_item.standard_id},
        who=STANDARD_SEEN,
        forbidden=NOT_DISTRICT,
    ),
    "stations:standard_item_add": d(
        kwargs=lambda w: {"pk": w.standard_item.standard_id},
        who=STANDARD_SEEN,
        forbidden=NOT_DISTRICT,
    ),
    "stations:standard_item_edit": d(
        kwargs=pk("standard_item"), who=STANDARD_SEEN, forbidden=NOT_DISTRICT
    ),
    "stations:standard_item_remove": d(
        kwargs=pk("standard_item"), who=STANDARD_SEEN, forbidden=NOT_DISTRICT
    ),
    "stations:detail": d(kwargs=pk("station"), who=STATION_SEEN),
    "stations:edit": d(kwargs=pk("station"), who=STATION_SEEN),
    "stations:transition": d(
        kwargs=lambda w: {"pk": w.station.pk, "name": "suspend"},
        who=STATION_SEEN,
        forbidden=frozenset({"staff"}),
        data=lambda w: {"version": w.station.version},
    ),
    "stations:publish": d(kwargs=pk("station"), who=STATION_SEEN),
    "stations:zone_add": d(kwargs=pk("station"), who=STATION_SEEN),
    "stations:zone_edit": d(kwargs=pk("zone"), who=STATION_SEEN),
    "stations:zone_remove": d(kwargs=pk("zone"), who=STATION_SEEN),
    "stations:photo_add": d(kwargs=pk("station"), who=STATION_SEEN),
    "stations:photo": d(kwargs=pk("photo"), who=STATION_SEEN),
    "stations:photo_update": d(kwargs=pk("photo"), who=STATION_SEEN),
    "stations:photo_remove": d(kwargs=pk("photo"), who=STATION_SEEN),
    "stations:item": d(kwargs=_item, who=STATION_SEEN),
    "stations:evidence_file_add": d(kwargs=_item, who=STATION_SEEN),
    "stations:evidence_file": d(kwargs=pk("evidence_file"), who=STATION_SEEN),
    "stations:evidence_file_remove": d(kwargs=pk("evidence_file"), who=STATION_SEEN),
    "stations:review": d(
        kwargs=_item,
        who=STATION_SEEN,
        forbidden=STATION_SEEN - DISTRICT,
        data=lambda w: {"decision": "passed", "version": _evidence_version(w)},
    ),
    # --- the suggestion board (staff pages; a 儿童主任 sees what is routed to their 居民区)
    "suggestions:list": d(who=STAFF),
    "suggestions:detail": d(kwargs=pk("suggestion"), who=SUGGESTION_SEEN),
    "suggestions:step": [
        d(
            kwargs=lambda w: {"pk": w.suggestion.pk, "name": "answer"},
            who=SUGGESTION_SEEN,
            data=lambda w: {"answer-answer": "已办。", "answer-version": w.suggestion.version},
        ),
        d(
            kwargs=lambda w: {"pk": w.suggestion.pk, "name": "route"},
            who=SUGGESTION_SEEN,
            forbidden=DIRECTORS_OF_A,
            data=lambda w: {
                "route-department": "物业",
                "route-deadline": _today(),
                "route-version": w.suggestion.version,
            },
        ),
    ],
    # --- possible duplicates
    "duplicates:list": d(who=STAFF),
    "duplicates:pair": d(kwargs=pk("duplicate"), who=DUPLICATE_SEEN),
    "duplicates:confirm": d(
        kwargs=pk("duplicate"),
        who=DUPLICATE_SEEN,
        forbidden=ONE_SIDE_ONLY,
        data=lambda w: {"confirm-version": w.duplicate.version},
    ),
    "duplicates:dismiss": d(
        kwargs=pk("duplicate"),
        who=DUPLICATE_SEEN,
        forbidden=ONE_SIDE_ONLY,
        data=lambda w: {"dismiss-version": w.duplicate.version},
    ),
    # --- the child's archive as PDF: masked (GET) or in full with a reason (POST; who may not
    # reveal is sent back to the child's page with the reason why)
    "archive:child": d(kwargs=_child, data=lambda w: {"reason": "Court hearing."}),
    # --- the children's council
    "council:list": d(who=STAFF),
    "council:detail": d(kwargs=pk("station"), who=COUNCIL_SEEN),
    "council:member_create": d(kwargs=pk("station"), who=COUNCIL_SEEN, forbidden=COUNCIL_DIRECTORS),
    "council:meeting_create": d(
        kwargs=pk("station"), who=COUNCIL_SEEN, forbidden=COUNCIL_DIRECTORS
    ),
    "council:member_edit": d(
        kwargs=pk("council_member"), who=MEMBER_SEEN, forbidden=DIRECTORS_OF_A
    ),
    "council:meeting": d(kwargs=pk("council_meeting"), who=COUNCIL_SEEN),
    "council:meeting_edit": d(
        kwargs=pk("council_meeting"), who=COUNCIL_SEEN, forbidden=COUNCIL_DIRECTORS
    ),
    "council:decision_create": d(
        kwargs=pk("council_meeting"),
        who=COUNCIL_SEEN,
        forbidden=COUNCIL_DIRECTORS,
        data=lambda w: {"decision-text": "多种花"},
    ),
    # --- spreadsheet imports: a job is seen by its uploader and the roles above them; only the
    # uploader maps and commits it; uploading is for whoever registers children (an area).
    "imports:list": EVERYONE,
    "imports:upload": d(who=SIGNED_IN, forbidden=IMPORT_NOT_ALLOWED),
    "imports:detail": d(kwargs=pk("import_job"), who=IMPORT_SEEN),
    "imports:mapping": d(
        kwargs=pk("import_job"), who=IMPORT_SEEN, forbidden=IMPORT_SEEN - IMPORT_UPLOADER
    ),
    "imports:commit": d(
        kwargs=pk("import_job"), who=IMPORT_SEEN, forbidden=IMPORT_SEEN - IMPORT_UPLOADER
    ),
    "imports:refused": d(kwargs=pk("import_job"), who=IMPORT_SEEN),
    # --- the suggestion board (public)
    "board:index": d(who=PUBLIC),
    # An empty code is refused with a message (a wrong one answers 404: tests/suggestions).
    "board:check": d(who=PUBLIC),
    "board:done": d(who=PUBLIC),
    "board:station": d(kwargs=pk("station"), who=PUBLIC, data=lambda w: {"text": "多种花"}),
    # --- the display wall (public)
    "wall:index": d(who=PUBLIC),
    "wall:station": d(kwargs=pk("station"), who=PUBLIC),
    "wall:poster": d(kwargs=pk("station"), who=PUBLIC),
    "wall:photo": d(kwargs=pk("photo"), who=PUBLIC),
    # --- the staff roster and the 1+1+X team
    "staff:list": d(who=STAFF),
    "staff:create": d(who=STAFF, forbidden=STAFF - ROSTER_KEEPERS),
    "staff:team": d(who=STAFF),
    "staff:team_subdistrict": d(kwargs=lambda w: {"pk": w.areas["tianshan"].pk}, who=AREA_ROLES),
    "staff:detail": d(kwargs=team("member")),
    "staff:edit": d(kwargs=team("member"), forbidden=DIRECTORS_OF_A),
    "staff:end": d(
        kwargs=team("member"),
        forbidden=DIRECTORS_OF_A,
        data=lambda w: {"end_date": _today(), "version": w.team.member.version},
    ),
    "staff:reveal": d(
        kwargs=team("member"), forbidden=DIRECTORS_OF_A, data=lambda w: {"reason": "A call."}
    ),
    # Opening an account, or linking one, is the district's (those who grant the roles).
    "staff:account": d(
        kwargs=team("member"), forbidden=AREA - DISTRICT, data=lambda w: {"username": "new_one"}
    ),
    "staff:link": d(
        kwargs=team("member"),
        forbidden=AREA - DISTRICT,
        data=lambda w: {"link-username": "spare"},
    ),
    "staff:honour_add": d(
        kwargs=team("member"),
        forbidden=DIRECTORS_OF_A,
        data=lambda w: {"title": "先进个人", "level": "district", "awarded_on": _today()},
    ),
    "staff:honour_remove": d(kwargs=team("honour"), forbidden=DIRECTORS_OF_A),
    # --- training
    "training:list": d(who=TRAINING),
    "training:create": d(who=TRAINING),
    "training:rate": d(who=TRAINING),
    "training:settings": d(who=DISTRICT, data=lambda w: {"district": w.areas["district"].pk}),
    "training:topic_create": d(
        who=DISTRICT,
        data=lambda w: {"district": w.areas["district"].pk, "name": "心理危机干预"},
    ),
    "training:topic_update": d(kwargs=team("topic"), who=DISTRICT, data=lambda w: {"active": "0"}),
    "training:detail": [
        d(kwargs=team("session"), who=AREA_ROLES),
        d(kwargs=team("district_session"), who=TRAINING),
    ],
    "training:edit": [
        d(kwargs=team("session"), who=AREA_ROLES),
        d(kwargs=team("district_session"), who=TRAINING, forbidden=TRAINING - DISTRICT),
    ],
    "training:delete": [
        d(kwargs=team("session"), who=AREA_ROLES),
        d(kwargs=team("district_session"), who=TRAINING, forbidden=TRAINING - DISTRICT),
    ],
    "training:roll": [
        d(
            kwargs=team("session"),
            who=AREA_ROLES,
            data=lambda w: {f"m{w.team.member.pk}": "absent"},
        ),
        d(kwargs=team("district_session"), who=TRAINING, forbidden=TRAINING - DISTRICT),
    ],
    "training:material_upload": [
        d(kwargs=team("session"), who=AREA_ROLES),
        d(kwargs=team("district_session"), who=TRAINING, forbidden=TRAINING - DISTRICT),
    ],
    "training:material": d(kwargs=team("material"), who=AREA_ROLES),
    "training:material_remove": d(kwargs=team("material"), who=AREA_ROLES),
    # --- inspection teams: 居民区 A's is kept by its directors and the area roles
    "inspections:list": d(who=STAFF),
    "inspections:findings": d(who=STAFF),
    "inspections:team_create": d(who=STAFF),
    "inspections:team": d(kwargs=insp("team")),
    "inspections:outcome": d(kwargs=insp("team")),
    "inspections:member_add": d(kwargs=insp("team")),
    "inspections:patrol_create": d(kwargs=insp("team")),
    "inspections:finding_create": d(kwargs=insp("team")),
    "inspections:meeting_create": d(kwargs=insp("team")),
    "inspections:member_leave": d(kwargs=insp("member"), data=lambda w: {"left_on": _today()}),
    "inspections:finding": d(kwargs=insp("finding")),
    "inspections:finding_photo": d(kwargs=insp("finding")),
    "inspections:finding_step": d(
        kwargs=lambda w: {"pk": w.inspections.finding.pk, "name": "agenda"},
        data=lambda w: {
            f"s{w.inspections.finding.pk}-agenda-meeting": w.inspections.meeting.pk,
            f"s{w.inspections.finding.pk}-agenda-version": 1,
        },
    ),
    "inspections:meeting": d(kwargs=insp("meeting")),
    "inspections:meeting_edit": d(kwargs=insp("meeting")),
    # --- projects and activities
    "activities:list": d(who=STAFF),
    "activities:project_create": d(who=STAFF, forbidden=NOT_ACTIVITY_KEEPER),
    "activities:activity_create": d(who=STAFF, forbidden=NOT_ACTIVITY_KEEPER),
    "activities:project": d(kwargs=act("project"), who=ACTIVITY_SEEN),
    "activities:project_edit": d(
        kwargs=act("project"), who=ACTIVITY_SEEN, forbidden=TIANSHAN_DIRECTORS
    ),
    "activities:activity": d(kwargs=act("activity"), who=ACTIVITY_SEEN),
    "activities:activity_edit": d(
        kwargs=act("activity"), who=ACTIVITY_SEEN, forbidden=TIANSHAN_DIRECTORS
    ),
    "activities:activity_state": d(
        kwargs=act("activity"),
        who=ACTIVITY_SEEN,
        forbidden=TIANSHAN_DIRECTORS,
        data=lambda w: {"state": "held"},
    ),
    "activities:signup_add": d(kwargs=act("activity"), who=ACTIVITY_SEEN),
    "activities:walkin_add": d(
        kwargs=act("activity"), who=ACTIVITY_SEEN, data=lambda w: {"name": "小红", "age": "8"}
    ),
    "activities:attendance": d(
        kwargs=act("activity"),
        who=ACTIVITY_SEEN,
        data=lambda w: {"toggle": w.act.signup.pk, "present": "1"},
    ),
    "activities:photo_add": d(kwargs=act("activity"), who=ACTIVITY_SEEN),
    "activities:feedback_add": d(
        kwargs=act("activity"), who=ACTIVITY_SEEN, data=lambda w: {"rating": "5", "text": "好"}
    ),
    # A 儿童主任 takes off only the children they see: director_b does not see the child of A.
    "activities:signup_cancel": d(
        kwargs=act("signup"), who=ACTIVITY_SEEN, forbidden=frozenset({"director_b"})
    ),
    "activities:photo": d(kwargs=act("photo"), who=ACTIVITY_SEEN),
    # A 儿童主任 removes only the photos they added; the world's was added by the supervisor.
    "activities:photo_remove": d(
        kwargs=act("photo"), who=ACTIVITY_SEEN, forbidden=TIANSHAN_DIRECTORS
    ),
    "activities:passport": d(kwargs=lambda w: {"child_id": w.child.pk}),
    "activities:figures": d(who=ACTIVITY_KEEPERS),
    "activities:figures_export": d(who=ACTIVITY_KEEPERS),
    # --- dashboards: an area's figures for whoever holds a role on it or above it
    "dashboards:home": d(who=STAFF, ok=302),
    "dashboards:area": d(kwargs=lambda w: {"pk": w.areas["community_a"].pk}, who=DASHBOARD_A),
    "dashboards:export": d(kwargs=lambda w: {"pk": w.areas["community_a"].pk}, who=DASHBOARD_A),
    # Every 街镇's supervisor has a list of reports (their own 街镇's).
    "dashboards:reports": d(who=AREA_ROLES | {"supervisor_elsewhere"}),
    "dashboards:report_file": [
        d(kwargs=lambda w, kind=kind: {"pk": w.monthly_report.pk, "kind": kind}, who=AREA_ROLES)
        for kind in ("xlsx", "pdf")
    ],
}

API: dict[str, Door | list[Door]] = {
    "api:token": d(who=PUBLIC),
    "api:me": EVERYONE,
    "api:public-report-create": d(who=PUBLIC),
    "api:public-report-status": d(who=PUBLIC),
    "api:public-areas": d(who=PUBLIC),
    "api:area-list": [
        d(methods=("GET",), who=SIGNED_IN),
        # Someone with no area has no area to create one in.
        d(
            methods=("POST",),
            who=STAFF,
            forbidden=STAFF - DISTRICT,
            data=lambda w: {"parent": w.areas["tianshan"].pk, "name": "门外居民区"},
        ),
    ],
    "api:area-detail": d(
        kwargs=_community_a, forbidden={"PATCH": AREA - DISTRICT}, data=lambda w: {"name": "门"}
    ),
    "api:area-close": d(
        kwargs=_community_a,
        forbidden=AREA - DISTRICT,
        data=lambda w: {"move_to": w.areas["community_b"].pk},
    ),
    "api:area-merge": d(
        kwargs=_community_a,
        forbidden=AREA - DISTRICT,
        data=lambda w: {"into": w.areas["community_b"].pk},
    ),
    "api:person-list": d(who=DISTRICT, data=_person),
    "api:person-detail": d(kwargs=pk("spare"), who=DISTRICT),
    "api:person-reset-password": d(kwargs=pk("spare"), who=DISTRICT),
    "api:person-deactivate": d(kwargs=pk("spare"), who=DISTRICT),
    "api:person-reactivate": d(kwargs=pk("spare"), who=DISTRICT),
    "api:api-token-list": EVERYONE,
    "api:api-token-detail": d(kwargs=pk("token"), who=ONLY_A | DISTRICT),
    "api:signed-in-device-list": EVERYONE,
    # Nobody sees another person's devices, not even the district (docs/security.md).
    "api:signed-in-device-detail": d(kwargs=pk("device"), who=ONLY_A),
    "api:signed-in-device-revoke-others": EVERYONE,
    # --- children, visits, concerns
    "api:child-list": EVERYONE,
    "api:child-export": EVERYONE,
    "api:child-archive": d(
        kwargs=lambda w: {"id": w.child.pk},
        forbidden={"POST": AREA - MAY_REVEAL},
        data=lambda w: {"reason": "Court hearing."},
    ),
    "api:child-detail": d(kwargs=_child),
    "api:child-status": d(kwargs=_child, data=_status),
    "api:child-reveal": d(kwargs=_child, forbidden=AREA - MAY_REVEAL, data=_reveal),
    "api:child-visits": d(kwargs=lambda w: {"id": w.child.pk}),
    "api:child-due": d(kwargs=lambda w: {"id": w.child.pk}),
    "api:child-returned-home": d(kwargs=lambda w: {"id": w.child.pk}),
    "api:worklist-list": EVERYONE,
    "api:worklist-summary": EVERYONE,
    "api:visit-list": EVERYONE,
    "api:visit-export": EVERYONE,
    "api:visit-detail": [
        d(kwargs=pk("visit"), forbidden={"DELETE": AREA - ONLY_A}),
        d(kwargs=pk("draft"), who=ONLY_A),
    ],
    "api:visit-attachments": d(kwargs=pk("draft"), who=ONLY_A),
    "api:visit-complete": d(kwargs=pk("draft"), who=ONLY_A),
    "api:visit-attachment-download": d(kwargs=pk("attachment")),
    "api:concern-list": EVERYONE,
    "api:concern-detail": d(kwargs=pk("concern")),
    "api:concern-handle": d(kwargs=pk("concern"), data=lambda w: {"note": "Talked to them."}),
    "api:visit-rule-list": EVERYONE,
    "api:visit-rule-detail": d(
        kwargs=pk("rule"), who=SIGNED_IN, forbidden={"PATCH": SIGNED_IN - DISTRICT}
    ),
    "api:notification-list": EVERYONE,
    "api:notification-mark-read": EVERYONE,
    "api:notification-unread-count": EVERYONE,
    # --- reports
    "api:report-list": EVERYONE,
    "api:report-export": EVERYONE,
    "api:report-detail": d(kwargs=pk("report")),
    "api:report-acknowledge": d(kwargs=pk("report")),
    "api:report-close": d(kwargs=pk("report")),
    "api:report-link-child": d(kwargs=pk("report")),
    "api:report-open-case": d(kwargs=pk("report")),
    "api:report-police": d(kwargs=pk("report")),
    "api:report-unidentified": d(kwargs=pk("report")),
    # --- cases and what hangs off them
    "api:case-list": EVERYONE,
    "api:case-export": EVERYONE,
    "api:case-detail": d(kwargs=_case, who=CASE),
    "api:case-advance": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_WORKER,
        data=_version("case", transition="intervene", note="Go."),
    ),
    "api:case-assess": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_WORKER,
        data=_version("case", risk_level="high", reasons="Alone."),
    ),
    "api:case-assign": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=lambda w: {"owner": w["director_a2"].pk, "version": w.case.version},
    ),
    "api:case-decide-close": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=_version("case", approve=True, note="Safe."),
    ),
    "api:case-file": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_version("case", summary="Again.")
    ),
    "api:case-plan": d(kwargs=_case, who=CASE),
    "api:case-plan-version": d(kwargs=lambda w: {"pk": w.case.pk, "number": 1}, who=CASE),
    "api:case-reopen": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_version("case", reason="New harm.")
    ),
    "api:case-request-close": d(
        kwargs=_case, who=CASE, forbidden=NOT_WORKER, data=_version("case", summary="Safe.")
    ),
    "api:case-restrict": d(
        kwargs=_case,
        who=CASE,
        forbidden=NOT_APPROVER,
        data=_version("case", restricted=True, reason="Family."),
    ),
    "api:case-timeline": d(kwargs=_case, who=CASE),
    "api:protection-list": EVERYONE,
    "api:protection-detail": d(kwargs=pk("protection"), who=CASE),
    "api:protection-assess": d(
        kwargs=pk("protection"), who=CASE, forbidden=NOT_GUARDIAN, data=_capacity
    ),
    "api:protection-end": d(kwargs=pk("protection"), who=CASE, forbidden=NOT_GUARDIAN, data=_end),
    "api:partner-list": [
        d(methods=("GET",), who=SIGNED_IN),
        # Someone with no area has no area to register a partner in.
        d(methods=("POST",), who=STAFF, forbidden=STAFF - PARTNER_KEEPERS),
    ],
    "api:partner-detail": d(
        kwargs=pk("partner"), who=PARTNER_SEEN, forbidden={"PATCH": PARTNER_SEEN_ONLY}
    ),
    "api:case-referrals": d(kwargs=lambda w: {"id": w.case.pk}, who=CASE),
    "api:referral-list": EVERYONE,
    "api:referral-detail": d(kwargs=pk("referral"), who=CASE),
    "api:referral-accept": d(
        kwargs=pk("referral"), who=CASE, forbidden=NOT_WORKER, data=_api_note("referral")
    ),
    "api:referral-complete": d(
        kwargs=pk("referral"), who=CASE, forbidden=NOT_WORKER, data=_api_note("referral")
    ),
    "api:referral-reject": d(
        kwargs=pk("referral"), who=CASE, forbidden=NOT_WORKER, data=_api_note("referral")
    ),
    "api:referral-revoke": d(
        kwargs=pk("referral"), who=CASE, forbidden=NOT_WORKER, data=_api_note("referral")
    ),
    "api:case-service-records": d(kwargs=lambda w: {"id": w.case.pk}, who=CASE),
    "api:service-record-list": EVERYONE,
    "api:service-record-detail": d(kwargs=pk("service"), who=CASE),
    "api:service-record-void": d(
        kwargs=pk("service"),
        who=CASE,
        forbidden=NOT_RECORDER,
        data=lambda w: {"reason": "Entered twice."},
    ),
    "api:transfer-list": EVERYONE,
    "api:transfer-detail": d(kwargs=pk("transfer"), who=AREA | {"supervisor_elsewhere"}),
    "api:transfer-accept": d(
        kwargs=pk("transfer"),
        who=AREA | {"supervisor_elsewhere"},
        forbidden=NOT_RECEIVER,
        data=_api_note("transfer"),
    ),
    "api:transfer-cancel": d(
        kwargs=pk("transfer"),
        who=AREA | {"supervisor_elsewhere"},
        forbidden=NOT_SENDER,
        data=_api_note("transfer"),
    ),
    "api:transfer-refuse": d(
        kwargs=pk("transfer"),
        who=AREA | {"supervisor_elsewhere"},
        forbidden=NOT_RECEIVER,
        data=_api_note("transfer"),
    ),
    # --- workstations
    "api:station-list": [
        d(methods=("GET",), who=SIGNED_IN),
        d(
            methods=("POST",),
            who=STANDARD_SEEN,
            forbidden=frozenset({"staff"}),
            data=lambda w: {
                "subdistrict": w.areas["tianshan"].pk,
                "name": "新站",
                "host_facility": "civic_centre",
            },
        ),
    ],
    "api:station-detail": d(kwargs=pk("station"), who=STATION_SEEN),
    "api:station-transition": d(
        kwargs=pk("station"),
        who=STATION_SEEN,
        forbidden=frozenset({"staff"}),
        data=lambda w: {"transition": "suspend", "version": w.station.version},
    ),
    "api:station-zones": d(kwargs=pk("station"), who=STATION_SEEN),
    "api:station-evidence": d(kwargs=pk("station"), who=STATION_SEEN),
    # Multipart uploads: the matrix's JSON body answers 415 to those who come in.
    "api:station-photos": d(kwargs=pk("station"), who=STATION_SEEN),
    "api:station-evidence-files": d(kwargs=pk("station"), who=STATION_SEEN),
    "api:station-photo-file": d(kwargs=pk("photo"), who=STATION_SEEN),
    "api:evidence-file-download": d(kwargs=pk("evidence_file"), who=STATION_SEEN),
    "api:station-reviews": d(
        kwargs=pk("station"),
        who=STATION_SEEN,
        forbidden={"POST": STATION_SEEN - DISTRICT},
        data=lambda w: {"code": "window", "decision": "passed", "version": _evidence_version(w)},
    ),
    "api:station-zone-detail": d(kwargs=pk("zone"), who=STATION_SEEN),
    "api:standard-list": [
        d(methods=("GET",), who=SIGNED_IN),
        d(methods=("POST",), who=STANDARD_SEEN, forbidden=NOT_DISTRICT),
    ],
    "api:standard-detail": d(
        kwargs=lambda w: {"pk": w.standard_item.standard_id},
        who=STANDARD_SEEN,
        forbidden={"PATCH": NOT_DISTRICT},
    ),
    "api:standard-items": d(
        kwargs=lambda w: {"pk": w.standard_item.standard_id},
        who=STANDARD_SEEN,
        forbidden={"POST": NOT_DISTRICT},
        data=lambda w: {"code": "extra", "wording": "额外要求"},
    ),
    "api:standard-item-detail": d(
        kwargs=pk("standard_item"),
        who=STANDARD_SEEN,
        forbidden={"PATCH": NOT_DISTRICT, "DELETE": NOT_DISTRICT},
    ),
    "api:coverage": d(who=STANDARD_SEEN),
    "api:dashboard": d(kwargs=lambda w: {"pk": w.areas["community_a"].pk}, who=DASHBOARD_A),
    "api:monthly-report-list": d(who=AREA_ROLES | {"supervisor_elsewhere"}),
    "api:monthly-report-detail": d(kwargs=lambda w: {"pk": w.monthly_report.pk}, who=AREA_ROLES),
    "api:monthly-report-xlsx": d(kwargs=lambda w: {"pk": w.monthly_report.pk}, who=AREA_ROLES),
    "api:monthly-report-pdf": d(kwargs=lambda w: {"pk": w.monthly_report.pk}, who=AREA_ROLES),
    # --- the suggestion board
    "api:suggestion-list": d(who=SIGNED_IN),
    "api:suggestion-detail": d(kwargs=pk("suggestion"), who=SUGGESTION_SEEN),
    "api:suggestion-moderate": d(
        kwargs=pk("suggestion"),
        who=SUGGESTION_SEEN,
        forbidden=DIRECTORS_OF_A,
        data=_version("suggestion", decision="approve", public_text="好"),
    ),
    "api:suggestion-route": d(
        kwargs=pk("suggestion"),
        who=SUGGESTION_SEEN,
        forbidden=DIRECTORS_OF_A,
        data=lambda w: {
            "department": "物业",
            "deadline": _today(),
            "version": w.suggestion.version,
        },
    ),
    "api:suggestion-progress": d(
        kwargs=pk("suggestion"), who=SUGGESTION_SEEN, data=_version("suggestion", note="已联系。")
    ),
    "api:suggestion-answer": d(
        kwargs=pk("suggestion"), who=SUGGESTION_SEEN, data=_version("suggestion", answer="好")
    ),
    "api:suggestion-decline": d(
        kwargs=pk("suggestion"),
        who=SUGGESTION_SEEN,
        forbidden=DIRECTORS_OF_A,
        data=_version("suggestion", reason="不在范围。"),
    ),
    # --- the children's council
    "api:duplicate-list": EVERYONE,
    "api:duplicate-detail": d(kwargs=pk("duplicate"), who=DUPLICATE_SEEN),
    "api:duplicate-confirm": d(
        kwargs=pk("duplicate"),
        who=DUPLICATE_SEEN,
        forbidden=ONE_SIDE_ONLY,
        data=lambda w: {"note": "同一人"},
    ),
    "api:duplicate-dismiss": d(
        kwargs=pk("duplicate"),
        who=DUPLICATE_SEEN,
        forbidden=ONE_SIDE_ONLY,
        data=lambda w: {"note": "双胞胎"},
    ),
    "api:import-list": d(who=SIGNED_IN, forbidden={"POST": IMPORT_NOT_ALLOWED}),
    "api:import-detail": d(kwargs=pk("import_job"), who=IMPORT_SEEN),
    "api:import-rows": d(kwargs=pk("import_job"), who=IMPORT_SEEN),
    "api:import-mapping": d(
        kwargs=pk("import_job"), who=IMPORT_SEEN, forbidden=IMPORT_SEEN - IMPORT_UPLOADER
    ),
    "api:import-commit": d(
        kwargs=pk("import_job"), who=IMPORT_SEEN, forbidden=IMPORT_SEEN - IMPORT_UPLOADER
    ),
    "api:council-list": d(who=SIGNED_IN),
    "api:council-detail": d(kwargs=pk("station"), who=COUNCIL_SEEN),
    "api:council-member-list": [
        d(methods=("GET",), who=SIGNED_IN),
        # Those who do not see the station or the child are told so in the body (400).
        d(methods=("POST",), who=SIGNED_IN, forbidden=DIRECTORS_OF_A, data=_new_member),
    ],
    "api:council-member-detail": d(
        kwargs=pk("council_member"),
        who=MEMBER_SEEN,
        forbidden={"PATCH": DIRECTORS_OF_A},
        data=_version("council_member", consent_by="父亲"),
    ),
    "api:council-meeting-list": [
        d(methods=("GET",), who=SIGNED_IN),
        d(methods=("POST",), who=SIGNED_IN, forbidden=COUNCIL_DIRECTORS, data=_new_meeting),
    ],
    "api:council-meeting-detail": d(
        kwargs=pk("council_meeting"),
        who=COUNCIL_SEEN,
        forbidden={"PATCH": COUNCIL_DIRECTORS},
        data=_version("council_meeting", agenda="新议程"),
    ),
    "api:council-meeting-decisions": d(
        kwargs=pk("council_meeting"),
        who=COUNCIL_SEEN,
        forbidden=COUNCIL_DIRECTORS,
        data=lambda w: {"text": "多种花"},
    ),
    # --- the staff roster and training
    "api:staff-list": [
        d(methods=("GET",), who=SIGNED_IN),
        # Someone with no area has no roster to add to.
        d(methods=("POST",), who=STAFF, forbidden=STAFF - ROSTER_KEEPERS),
    ],
    "api:staff-detail": d(kwargs=team("member"), forbidden={"PATCH": DIRECTORS_OF_A}),
    "api:training-session-list": [
        d(methods=("GET",), who=SIGNED_IN),
        d(methods=("POST",), who=TRAINING),
    ],
    "api:training-session-detail": [
        d(kwargs=team("session"), who=AREA_ROLES),
        d(
            kwargs=team("district_session"),
            who=TRAINING,
            forbidden={"PATCH": TRAINING - DISTRICT},
        ),
    ],
    "api:training-session-attendance": [
        d(
            kwargs=team("session"),
            who=AREA_ROLES,
            data=lambda w: {"attendance": [{"member": w.team.member.pk, "status": "absent"}]},
        ),
        d(
            kwargs=team("district_session"),
            who=TRAINING,
            forbidden={"PUT": TRAINING - DISTRICT},
        ),
    ],
    "api:training-topic-list": [
        d(methods=("GET",), who=SIGNED_IN),
        d(methods=("POST",), who=TRAINING, forbidden=TRAINING - DISTRICT),
    ],
    "api:training-topic-detail": d(
        kwargs=team("topic"), who=TRAINING, forbidden={"PATCH": TRAINING - DISTRICT}
    ),
    "api:training-rate": d(who=TRAINING),
    # --- inspection teams
    **{
        f"api:inspection-{kind}-list": [
            d(methods=("GET",), who=SIGNED_IN),
            d(methods=("POST",), who=STAFF),
        ]
        for kind in ("team", "member", "patrol", "finding", "meeting")
    },
    "api:inspection-team-detail": d(kwargs=insp("team")),
    "api:inspection-member-detail": d(kwargs=insp("member")),
    "api:inspection-member-leave": d(kwargs=insp("member"), data=lambda w: {"left_on": _today()}),
    "api:inspection-patrol-detail": d(kwargs=insp("patrol")),
    "api:inspection-meeting-detail": d(kwargs=insp("meeting"), data=lambda w: {"notes": "记录"}),
    "api:inspection-finding-detail": d(kwargs=insp("finding")),
    "api:inspection-finding-agenda": d(
        kwargs=insp("finding"),
        data=lambda w: {"meeting": w.inspections.meeting.pk, "version": 1},
    ),
    "api:inspection-finding-unlist": d(kwargs=insp("listed"), data=lambda w: {"version": 1}),
    "api:inspection-finding-decide": d(
        kwargs=insp("listed"),
        data=lambda w: {"decision": "修", "owner": "property", "due_on": _today(), "version": 1},
    ),
    "api:inspection-finding-resolve": d(kwargs=insp("finding")),
    "api:inspection-finding-close": d(
        kwargs=insp("finding"), data=lambda w: {"reason": "不属于社区", "version": 1}
    ),
    # --- projects and activities
    "api:activity-project-list": [
        d(methods=("GET",), who=STAFF),
        d(methods=("POST",), who=STAFF, forbidden=NOT_ACTIVITY_KEEPER),
    ],
    "api:activity-project-detail": d(
        kwargs=act("project"), who=ACTIVITY_SEEN, forbidden={"PATCH": TIANSHAN_DIRECTORS}
    ),
    "api:activity-list": [
        d(methods=("GET",), who=STAFF),
        d(methods=("POST",), who=STAFF, forbidden=NOT_ACTIVITY_KEEPER),
    ],
    "api:activity-detail": d(
        kwargs=act("activity"), who=ACTIVITY_SEEN, forbidden={"PATCH": TIANSHAN_DIRECTORS}
    ),
    "api:activity-state": d(
        kwargs=act("activity"),
        who=ACTIVITY_SEEN,
        forbidden=TIANSHAN_DIRECTORS,
        data=lambda w: {"state": "held"},
    ),
    "api:activity-signups": d(
        kwargs=act("activity"), who=ACTIVITY_SEEN, data=lambda w: {"name": "小红", "age": 8}
    ),
    "api:activity-attendance": d(
        kwargs=act("activity"),
        who=ACTIVITY_SEEN,
        data=lambda w: {"marks": [{"signup": w.act.signup.pk, "present": True}]},
    ),
    "api:activity-signup-cancel": d(
        kwargs=act("signup"), who=ACTIVITY_SEEN, forbidden=frozenset({"director_b"})
    ),
    # --- the API's description
    "schema": d(who=PUBLIC),
    "api-docs": d(who=PUBLIC),
}

SYSADMIN = frozenset({"admin"})
NOBODY: frozenset = frozenset()


def _view_child_on_site(w: World) -> dict:
    return {"content_type_id": ContentType.objects.get_for_model(Child).pk, "object_id": w.child.pk}


def _area_a(w: World) -> dict:
    return {"object_id": str(w.areas["community_a"].pk)}


def _director(w: World) -> dict:
    return {"object_id": str(w["director_a"].pk)}


ADMIN: dict[str, Door | list[Door]] = {
    # The product's own sign-in, sign-out and password pages stand in front of the admin's.
    "admin/login/": d(who=PUBLIC),
    "admin/logout/": d(who=PUBLIC),
    "admin/password_change/": d(who=PUBLIC, ok=302),
    "admin:login": d(who=PUBLIC, note="shadowed by admin/login/"),
    "admin:logout": d(who=PUBLIC, note="shadowed by admin/logout/"),
    "admin:password_change": d(who=PUBLIC, ok=302, note="shadowed by admin/password_change/"),
    "admin:index": d(who=SYSADMIN),
    "admin:password_change_done": d(who=SYSADMIN),
    "admin:autocomplete": d(
        who=SYSADMIN, forbidden=SYSADMIN, methods=("GET",), note="without its parameters"
    ),
    "admin:jsi18n": d(who=SYSADMIN),
    # The framework's "view on site" would redirect to any object's page: for a child, it must
    # not tell the system administrator that the child exists.
    "admin:view_on_site": d(kwargs=_view_child_on_site, who=NOBODY),
    "admin:app_list": d(kwargs=lambda w: {"app_label": "areas"}, who=SYSADMIN),
    "admin:areas_area_changelist": d(who=SYSADMIN),
    "admin:areas_area_add": d(who=SYSADMIN),
    "admin:areas_area_history": d(kwargs=_area_a, who=SYSADMIN),
    "admin:areas_area_delete": d(kwargs=_area_a, who=SYSADMIN, forbidden=SYSADMIN),
    "admin:areas_area_change": d(kwargs=_area_a, who=SYSADMIN),
    "admin/areas/area/<path:object_id>/": d(kwargs=_area_a, who=SYSADMIN, ok=302),
    "admin:auth_user_password_change": d(
        kwargs=lambda w: {"id": str(w["director_a"].pk)}, who=SYSADMIN
    ),
    "admin:accounts_user_changelist": d(who=SYSADMIN),
    "admin:accounts_user_add": d(who=SYSADMIN),
    "admin:accounts_user_history": d(kwargs=_director, who=SYSADMIN),
    "admin:accounts_user_delete": d(kwargs=_director, who=SYSADMIN, forbidden=SYSADMIN),
    "admin:accounts_user_change": d(kwargs=_director, who=SYSADMIN),
    "admin/accounts/user/<path:object_id>/": d(kwargs=_director, who=SYSADMIN, ok=302),
    "admin/(?P<url>.*)$": d(kwargs=lambda w: {"url": "children/child/"}, who=NOBODY),
}
