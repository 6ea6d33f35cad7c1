"""The case team (docs/domain.md §7.8): who sees a case besides the area's supervisor, station
staff and district staff, what a restricted case hides, and who is told what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.cases.helpers import a_plan, fresh, put_in_stage, take
from tests.conftest import _user, api_client, web_client
from tests.helpers import REPORTER_NAME, move_to, today
from weibao.accounts.models import Role
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases import services
from weibao.cases.choices import Stage
from weibao.cases.jobs import plan_items_due
from weibao.cases.models import CaseMember
from weibao.cases.selectors import cases_visible_to
from weibao.ledger.services import service_record_create
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message as notification_message
from weibao.partners.choices import ServiceType

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def case_s(child_a, supervisor, director_a):
    """A case of child A opened by the supervisor, who owns it: director_a (居民区 A) is on
    its team only as the 居民区's director."""
    return services.case_open(actor=supervisor, child=child_a, summary="Bruises.")


@pytest.fixture
def newcomer(areas, case_s):
    """A director who took up 居民区 A after the case was opened: not on its team."""
    return _user("newcomer", Role.DIRECTOR, areas["community_a"])


def team_of(case) -> dict[str, str]:
    return {
        m.user.username: m.why for m in CaseMember.objects.filter(case=case).select_related("user")
    }


def plan_naming(actor, case, *items):
    """A plan whose items are (service, person responsible, due in n days)."""
    return a_plan(
        actor,
        case,
        services=[
            {
                "service_type": kind,
                "responsible_user": user,
                "due_on": today() + dt.timedelta(days=n),
            }
            for kind, user, n in items
        ],
    )


def body(response) -> str:
    return response.content.decode()


# --- who is on the team ----------------------------------------------------------------------


def test_the_childs_director_joins_the_team_when_the_case_opens(case_s, director_a):
    assert team_of(case_s) == {"supervisor": "owner", "director_a": "director"}
    assert web_client(director_a).get(f"/cases/{case_s.pk}/").status_code == 200
    data = api_client(director_a).get(f"/api/v1/cases/{case_s.pk}/").json()
    assert [(m["user"]["name"], m["why"]) for m in data["team"]] == [
        ("supervisor", "owner"),
        ("director_a", "director"),
    ]


def test_the_childs_own_director_sees_the_case_raised_by_their_visit(case_s, director_a):
    page = body(web_client(director_a).get(f"/children/{case_s.child_id}/"))
    assert f'href="/cases/{case_s.pk}/"' in page
    assert "No case." not in page
    assert "Open a case" not in page


def test_a_person_named_in_the_plan_joins_the_team_and_is_told(case_s, supervisor, newcomer):
    assert not cases_visible_to(newcomer).exists()
    plan_naming(supervisor, case_s, (ServiceType.GUARDIANSHIP_GUIDANCE, newcomer, 7))
    assert team_of(case_s)["newcomer"] == "plan"
    assert cases_visible_to(newcomer).filter(pk=case_s.pk).exists()
    told = Notification.objects.get(recipient=newcomer, kind=Notification.Kind.PLAN_ITEM_ASSIGNED)
    assert told.url == f"/cases/{case_s.pk}/"
    assert notification_message(told) == (
        f"You are responsible for 1 item of the plan of case {case_s.reference} "
        f"({case_s.child.name})."
    )
    # The same item in the next version tells nobody again.
    plan_naming(supervisor, case_s, (ServiceType.GUARDIANSHIP_GUIDANCE, newcomer, 7))
    assert Notification.objects.filter(recipient=newcomer).count() == 1


def test_a_member_records_the_service_they_deliver_but_does_not_move_the_case(
    case_s, supervisor, newcomer
):
    plan_naming(supervisor, case_s, (ServiceType.GUARDIANSHIP_GUIDANCE, newcomer, 7))
    record = service_record_create(
        actor=newcomer,
        case=case_s,
        delivered_on=today(),
        service_type=ServiceType.GUARDIANSHIP_GUIDANCE,
        duration_minutes=45,
        provider_user=newcomer,
    )
    assert record.case_id == case_s.pk
    with pytest.raises(PermissionDenied):
        take(newcomer, case_s, "file")
    page = web_client(newcomer).get(f"/cases/{case_s.pk}/")
    assert page.context["forms"] == {}


def test_the_team_is_told_when_the_case_changes_stage(case_s, supervisor, director_a):
    take(supervisor, case_s, "file")
    told = Notification.objects.get(recipient=director_a, kind=Notification.Kind.CASE_STAGE_CHANGED)
    assert notification_message(told) == (
        f"Case {case_s.reference} ({case_s.child.name}) moved to: Filed."
    )
    # Who moved it is not told.
    assert not Notification.objects.filter(
        recipient=supervisor, kind=Notification.Kind.CASE_STAGE_CHANGED
    ).exists()
    # A second assessment keeps the stage: nobody is told.
    case = take(supervisor, fresh(case_s), "assess")
    n = Notification.objects.filter(recipient=director_a).count()
    services.case_assess(actor=supervisor, case=case, risk_level="low", reasons="Better.")
    assert Notification.objects.filter(recipient=director_a).count() == n


def test_a_new_owner_joins_and_the_former_one_stays_only_as_the_director(
    case_a, supervisor, director_a, station_staff
):
    services.case_assign(actor=supervisor, case=case_a, owner=station_staff)
    assert team_of(case_a) == {"director_a": "director", "station_staff": "owner"}


# --- plan items falling due ------------------------------------------------------------------


def test_the_person_responsible_is_told_once_when_a_plan_item_is_due(
    case_s, supervisor, director_a
):
    plan_naming(
        supervisor,
        case_s,
        (ServiceType.PSYCHOLOGICAL, director_a, 0),
        (ServiceType.GUARDIANSHIP_GUIDANCE, director_a, 3),
    )
    assert plan_items_due(timezone.now()) == 1
    assert plan_items_due(timezone.now()) == 0
    told = Notification.objects.get(recipient=director_a, kind=Notification.Kind.PLAN_ITEM_DUE)
    assert "is due on" in notification_message(told)
    assert "Psychological counselling" in notification_message(told)


def test_a_replaced_plan_or_a_closed_case_announces_nothing(case_s, supervisor, director_a):
    item = {"service_type": ServiceType.PSYCHOLOGICAL, "responsible_user": director_a}
    a_plan(supervisor, case_s, services=[{**item, "due_on": today() + dt.timedelta(days=1)}])
    # The item was due today in version 1 only... the current version moved it on.
    first = case_s.plan_versions.get(number=1).services.get()
    type(first).objects.filter(pk=first.pk).update(due_on=today())
    a_plan(supervisor, case_s, services=[{**item, "due_on": today() + dt.timedelta(days=5)}])
    assert plan_items_due(timezone.now()) == 0
    current = case_s.plan_versions.get(number=2).services.get()
    type(current).objects.filter(pk=current.pk).update(due_on=today())
    put_in_stage(case_s, Stage.CLOSED)
    assert plan_items_due(timezone.now()) == 0


# --- a restricted case ------------------------------------------------------------------------


def restrict(actor, case, reason="The director is the child's aunt."):
    return services.case_restrict(actor=actor, case=case, restricted=True, reason=reason)


def test_a_restricted_case_drops_the_directors_of_its_area_from_the_team(
    case_s, supervisor, director_a
):
    case = restrict(supervisor, case_s)
    assert team_of(case) == {"supervisor": "owner"}
    assert not cases_visible_to(director_a).exists()
    event = AuditEvent.objects.get(action="case.restrict")
    assert opened_note(event.note) == "The director is the child's aunt."
    assert event.case_id == case.pk
    # Lifted: the directors come back.
    services.case_restrict(actor=supervisor, case=case, restricted=False)
    assert team_of(case_s) == {"supervisor": "owner", "director_a": "director"}
    assert AuditEvent.objects.filter(action="case.unrestrict").exists()


def test_restricting_needs_a_reason_and_the_supervisor_or_district(
    case_a, supervisor, director_a, station_staff
):
    with pytest.raises(ValidationError) as exc:
        restrict(supervisor, case_a, reason="  ")
    assert "reason" in exc.value.message_dict
    for who in (director_a, station_staff):
        with pytest.raises(PermissionDenied):
            restrict(who, case_a)
    response = api_client(supervisor).post(
        f"/api/v1/cases/{case_a.pk}/restrict/", {"restricted": True}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_restricted_case_shows_non_members_only_that_it_exists(case_s, supervisor, director_a):
    restrict(supervisor, case_s)
    page = body(web_client(director_a).get(f"/children/{case_s.child_id}/"))
    assert "This child has a restricted case." in page
    assert case_s.reference not in page
    assert "supervisor" not in page.split("This child has a restricted case.")[1][:300]
    assert "Open a case" not in page
    # The child's file is theirs still; the case is not.
    for url in (
        f"/cases/{case_s.pk}/",
        f"/cases/{case_s.pk}/timeline/",
        f"/cases/{case_s.pk}/plan/",
    ):
        assert web_client(director_a).get(url).status_code == 404
    for url in (f"/api/v1/cases/{case_s.pk}/", f"/api/v1/cases/{case_s.pk}/timeline/"):
        assert api_client(director_a).get(url).status_code == 404


def test_a_restricted_case_cannot_name_a_director_it_keeps_off(case_s, supervisor, director_a):
    restrict(supervisor, case_s)
    with pytest.raises(ValidationError) as exc:
        plan_naming(supervisor, case_s, (ServiceType.PSYCHOLOGICAL, director_a, 3))
    assert exc.value.message_dict["services.0.responsible_user"] == [
        "This case is restricted: this person may not be named in its plan."
    ]


def test_the_restriction_is_set_and_lifted_on_the_case_page(case_s, supervisor, director_a):
    client = web_client(supervisor)
    page = client.get(f"/cases/{case_s.pk}/")
    assert "restrict" in page.context["forms"]
    response = client.post(
        f"/cases/{case_s.pk}/restrict/",
        {"restrict-version": case_s.version, "restrict-restricted": "1", "restrict-reason": ""},
    )
    assert response.status_code == 200  # refused: the reason is missing, the form stays open
    assert "Please say why this case is restricted." in body(response)
    response = client.post(
        f"/cases/{case_s.pk}/restrict/",
        {
            "restrict-version": case_s.version,
            "restrict-restricted": "1",
            "restrict-reason": "Related to the family.",
        },
        follow=True,
    )
    page = body(response)
    assert "restricted case" in page
    assert "Related to the family." in page
    assert fresh(case_s).restricted
    assert "Case restricted" in body(client.get(f"/cases/{case_s.pk}/timeline/"))
    response = client.post(
        f"/cases/{case_s.pk}/restrict/",
        {"restrict-version": fresh(case_s).version, "restrict-restricted": "0"},
    )
    assert not fresh(case_s).restricted
    assert cases_visible_to(director_a).filter(pk=case_s.pk).exists()


# --- the scope matrix -------------------------------------------------------------------------

URLS = [
    "/cases/{pk}/",
    "/cases/{pk}/timeline/",
    "/cases/{pk}/plan/",
    "/api/v1/cases/{pk}/",
    "/api/v1/cases/{pk}/timeline/",
    "/api/v1/cases/{pk}/plan/",
    "/api/v1/cases/{pk}/service-records/",
    "/api/v1/cases/{pk}/referrals/",
]


@pytest.fixture
def matrix(case_s, supervisor, newcomer, director_a, director_b, director_elsewhere,
           station_staff, district_officer):  # fmt: skip
    plan_naming(supervisor, case_s, (ServiceType.PSYCHOLOGICAL, newcomer, 3))
    return {
        "owner": supervisor,
        "named in the plan": newcomer,
        "the 居民区's director": director_a,
        "another 居民区's director": director_b,
        "another 街镇's director": director_elsewhere,
        "station staff": station_staff,
        "district": district_officer,
    }


SEES = {
    # persona: (sees the case, sees it once restricted)
    "owner": (True, True),
    "named in the plan": (True, True),
    "the 居民区's director": (True, False),
    "another 居民区's director": (False, False),
    "another 街镇's director": (False, False),
    "station staff": (True, True),
    "district": (True, True),
}


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
@pytest.mark.parametrize("persona", list(SEES))
def test_the_scope_matrix_of_a_case(matrix, case_s, supervisor, persona, restricted):
    if restricted:
        restrict(supervisor, case_s)
    user = matrix[persona]
    expected = 200 if SEES[persona][restricted] else 404
    for url in URLS:
        client = api_client(user) if url.startswith("/api/") else web_client(user)
        assert client.get(url.format(pk=case_s.pk)).status_code == expected, url
    listed = {c["id"] for c in api_client(user).get("/api/v1/cases/").json()["results"]}
    assert (case_s.pk in listed) == (expected == 200)


# --- the reporter ------------------------------------------------------------------------------


def test_the_team_never_reads_the_reporters_identity(make_report, child_a, supervisor, director_a):
    report = move_to(make_report(), "handling", supervisor, child=child_a)
    case = report.case
    assert cases_visible_to(director_a).filter(pk=case.pk).exists()
    for url in (f"/cases/{case.pk}/", f"/cases/{case.pk}/timeline/"):
        assert REPORTER_NAME not in body(web_client(director_a).get(url))
    for url in (f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/timeline/"):
        assert REPORTER_NAME not in api_client(director_a).get(url).content.decode()
    # The child's director reads the report, without who made it.
    assert REPORTER_NAME not in body(web_client(director_a).get(f"/reports/{report.pk}/"))
    assert REPORTER_NAME in body(web_client(supervisor).get(f"/reports/{report.pk}/"))
    # Once the case is restricted, its report is hidden from the directors kept off it.
    restrict(supervisor, case)
    assert web_client(director_a).get(f"/reports/{report.pk}/").status_code == 404
    assert api_client(director_a).get(f"/api/v1/reports/{report.pk}/").status_code == 404


def test_a_member_completes_their_own_plan_item_but_not_anothers(case_s, supervisor, newcomer):
    plan = plan_naming(
        supervisor,
        case_s,
        (ServiceType.GUARDIANSHIP_GUIDANCE, newcomer, 7),
        (ServiceType.PSYCHOLOGICAL, supervisor, 7),
    )
    mine, theirs = plan.services.order_by("id")

    def record(item):
        return service_record_create(
            actor=newcomer,
            case=case_s,
            delivered_on=today(),
            service_type=item.service_type,
            duration_minutes=30,
            provider_user=newcomer,
            planned_service=item,
            completes_item=True,
        )

    record(mine)
    mine.refresh_from_db()
    assert mine.status == "done"
    with pytest.raises(ValidationError) as exc:
        record(theirs)
    assert "planned_service" in exc.value.message_dict
