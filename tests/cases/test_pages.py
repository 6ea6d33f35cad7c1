"""The case pages: list, opening from a child's file, the case page with its actions, the
timeline and the cases panel of the child's file. Out of scope is always a 404."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.helpers import (
    a_home_visit,
    a_plan,
    fresh,
    put_in_stage,
    ready_to_close,
    take,
)
from tests.conftest import web_client
from tests.helpers import opened_on
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.services import audit_record
from weibao.cases import services
from weibao.cases.choices import RiskLevel, Stage
from weibao.cases.models import Case
from weibao.cases.selectors import current_plan
from weibao.ledger.models import ServiceRecord
from weibao.notifications.models import Notification
from weibao.protection.models import ProtectionRecord
from weibao.reports.models import Report
from weibao.visits.models import Concern

OUTSIDERS = ["director_a2", "director_b", "director_elsewhere", "unassigned"]


pytestmark = pytest.mark.usefixtures("english")


def attach_report(case: Case, *, received_at, reference="R20250101-ABCDE") -> Report:
    now = timezone.now()
    return Report.objects.create(
        reference=reference,
        code_hash="!",
        channel="public",
        district_id=case.district_id,
        subdistrict_id=case.subdistrict_id,
        community_id=case.community_id,
        description="Seen hurt.",
        reporter_type="public",
        ack_due_at=now,
        outcome_due_at=now,
        received_at=received_at,
        child=case.child,
        link_state="linked",
        case=case,
    )


def body(response) -> str:
    return response.content.decode()


# --- list -----------------------------------------------------------------------------------


def test_the_list_shows_the_cases_the_user_may_see(
    case_a, make_child, director_a, director_b, supervisor, district_officer, director_elsewhere
):
    child_c = make_child("community_c", name="王小华")
    case_c = services.case_open(actor=district_officer, child=child_c)
    rows = {
        "director_a": {case_a.reference},
        "director_b": set(),
        # The director of case C's 居民区 is on its team (docs/domain.md §7.8).
        "director_elsewhere": {case_c.reference},
        "supervisor": {case_a.reference},
        "district_officer": {case_a.reference, case_c.reference},
    }
    people = {
        "director_a": director_a,
        "director_b": director_b,
        "director_elsewhere": director_elsewhere,
        "supervisor": supervisor,
        "district_officer": district_officer,
    }
    for name, expected in rows.items():
        response = web_client(people[name]).get("/cases/")
        assert response.status_code == 200
        shown = {c.reference for c in response.context["page"]}
        assert shown == expected, name


def test_each_row_says_child_reference_stage_risk_owner_and_opening_date(case_a, supervisor):
    services.case_file(actor=supervisor, case=case_a, summary="Known.")
    services.case_assess(actor=supervisor, case=case_a, risk_level="high", reasons="Alone.")
    page = body(web_client(supervisor).get("/cases/"))
    for text in (
        "张小明",
        case_a.reference,
        "Assessed",
        "High",
        "director_a",
        f"{timezone.localtime(case_a.opened_at):%Y-%m-%d}",
    ):
        assert text in page


def test_the_list_filters_by_stage_risk_owner_and_area(
    make_child, supervisor, director_a, station_staff
):
    a1 = services.case_open(actor=supervisor, child=make_child("community_a", name="甲一"))
    a2 = services.case_open(
        actor=supervisor, child=make_child("community_a", name="甲二"), owner=director_a
    )
    b1 = services.case_open(
        actor=supervisor, child=make_child("community_b", name="乙一"), owner=station_staff
    )
    services.case_file(actor=supervisor, case=a2, summary="x")
    services.case_assess(actor=supervisor, case=a2, risk_level="emergency", reasons="y")
    client = web_client(supervisor)

    def shown(query: str) -> set[int]:
        return {c.pk for c in client.get(f"/cases/?{query}").context["page"]}

    assert shown("") == {a1.pk, a2.pk, b1.pk}
    assert shown("stage=discovered") == {a1.pk, b1.pk}
    assert shown("risk_level=emergency") == {a2.pk}
    assert shown("mine=on") == {a1.pk}
    assert shown(f"community={a1.community_id}") == {a1.pk, a2.pk}
    # Filters that make no sense are ignored with a message, not a 500.
    response = client.get("/cases/?stage=nonsense&community=abc")
    assert response.status_code == 200
    assert "were not understood" in body(response)


def test_the_list_is_newest_first_and_paginated(monkeypatch, make_child, supervisor):
    monkeypatch.setattr("weibao.cases.views.PAGE_SIZE", 2)
    opened = []
    for i, name in enumerate(["一", "二", "三"]):
        case = services.case_open(actor=supervisor, child=make_child(name=f"孩子{name}"))
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - dt.timedelta(days=10 - i))
        opened.append(case.pk)
    client = web_client(supervisor)
    first = client.get("/cases/")
    assert [c.pk for c in first.context["page"]] == [opened[2], opened[1]]
    assert "Page 1 of 2" in body(first)
    second = client.get("/cases/?page=2")
    assert [c.pk for c in second.context["page"]] == [opened[0]]


# --- opening a case -------------------------------------------------------------------------


def test_staff_open_a_case_from_the_childs_file(child_a, supervisor, director_a):
    client = web_client(supervisor)
    page = client.get(f"/cases/open/{child_a.pk}/")
    assert page.status_code == 200
    owners = set(page.context["form"].fields["owner"].queryset)
    assert director_a in owners and supervisor in owners
    response = client.post(
        f"/cases/open/{child_a.pk}/", {"owner": supervisor.pk, "summary": "Bruises seen."}
    )
    case = Case.objects.get(child=child_a)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.owner, case.opened_by, case.summary) == (supervisor, supervisor, "Bruises seen.")
    assert case.stage == Stage.DISCOVERED


def test_a_director_opening_a_case_for_the_supervisor_stays_on_its_team(
    child_a, director_a, supervisor
):
    response = web_client(director_a).post(
        f"/cases/open/{child_a.pk}/", {"owner": supervisor.pk, "summary": ""}, follow=True
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert "assigned to supervisor" in body(response)
    assert Notification.objects.filter(
        recipient=supervisor, kind=Notification.Kind.CASE_ASSIGNED
    ).exists()


def test_an_owner_from_outside_the_area_is_refused_and_the_input_kept(
    child_a, director_a, director_b
):
    response = web_client(director_a).post(
        f"/cases/open/{child_a.pk}/", {"owner": director_b.pk, "summary": "Keep me"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"]
    assert "Keep me</textarea>" in body(response)
    assert not Case.objects.exists()


def test_a_child_with_an_open_case_links_to_it(case_a, director_a):
    page = web_client(director_a).get(f"/cases/open/{case_a.child_id}/")
    assert "already has an open case" in body(page)
    assert f'href="/cases/{case_a.pk}/"' in body(page)
    response = web_client(director_a).post(
        f"/cases/open/{case_a.child_id}/", {"owner": director_a.pk}
    )
    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_the_open_case_is_not_linked_for_someone_who_cannot_see_it(case_a, director_a2):
    page = body(web_client(director_a2).get(f"/cases/open/{case_a.child_id}/"))
    assert "already has an open case" in page
    assert f"/cases/{case_a.pk}/" not in page


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_opening_a_case_for_a_child_outside_ones_areas_is_404(request, child_a, persona):
    client = web_client(request.getfixturevalue(persona))
    assert client.get(f"/cases/open/{child_a.pk}/").status_code == 404
    assert client.post(f"/cases/open/{child_a.pk}/", {"summary": "x"}).status_code == 404
    assert not Case.objects.exists()


# --- the case page ------------------------------------------------------------------------


def test_the_case_page_shows_the_loop_with_the_current_stage(case_a, director_a):
    case = put_in_stage(case_a, Stage.SERVING)
    response = web_client(director_a).get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    steps = [(s.label, s.state) for s in response.context["steps"]]
    assert steps == [
        ("Discovered", "done"),
        ("Filed", "done"),
        ("Assessed", "done"),
        ("Intervention", "done"),
        ("Services", "current"),
        ("Follow-up", "todo"),
        ("Closed", "todo"),
    ]
    page = body(response)
    assert '<li class="current" aria-current="step">Services</li>' in page
    assert "Left alone." in page  # the risk reasons
    assert f'href="/children/{case.child_id}/"' in page
    for partial in ("ledger/_case_services.html", "referrals/_case_referrals.html"):
        assert partial in [t.name for t in response.templates]
    assert "protection/_case_protection.html" in [t.name for t in response.templates]
    assert AccessLog.objects.filter(user=director_a, child=case.child, field="case").exists()


def test_the_partials_get_the_case_and_the_users_roles(case_a, supervisor):
    response = web_client(supervisor).get(f"/cases/{case_a.pk}/")
    assert response.context["case"] == case_a
    assert response.context["case_roles"] == {"supervisor"}
    assert response.context["user"] == supervisor


def test_the_case_page_lists_its_reports(case_a, director_a):
    report = attach_report(case_a, received_at=timezone.now() - dt.timedelta(hours=3))
    page = body(web_client(director_a).get(f"/cases/{case_a.pk}/"))
    assert report.reference in page
    assert f'href="/reports/{report.pk}/"' in page


EXPECTED_FORMS = {
    # stage: (owner's forms, supervisor's forms)
    Stage.DISCOVERED: (["file"], ["file", "assign", "restrict"]),
    Stage.FILED: (["assess"], ["assess", "assign", "restrict"]),
    Stage.ASSESSED: (
        ["assess", "intervene", "request_close"],
        ["assess", "intervene", "request_close", "assign", "restrict"],
    ),
    Stage.TRACKING: (
        ["assess", "resume_services", "request_close"],
        ["assess", "resume_services", "request_close", "assign", "restrict"],
    ),
    Stage.CLOSING: ([], ["decide_close", "assign", "restrict"]),
    Stage.CLOSED: (["reopen"], ["reopen"]),
}


@pytest.mark.parametrize("stage", list(EXPECTED_FORMS))
def test_the_page_offers_exactly_the_allowed_actions(
    case_a, director_a, supervisor, station_staff, stage
):
    case = ready_to_close(put_in_stage(case_a, stage, requester=station_staff))
    owner_forms, supervisor_forms = EXPECTED_FORMS[stage]
    assert list(web_client(director_a).get(f"/cases/{case.pk}/").context["forms"]) == owner_forms
    client = web_client(supervisor)
    response = client.get(f"/cases/{case.pk}/")
    assert list(response.context["forms"]) == supervisor_forms
    page = body(response)
    for name in ("file", "assess", "decide-close", "reopen", "assign", "request-close"):
        key = name.replace("-", "_")
        # Each step offered is a link that opens it, and its form is on the page it opens.
        link = f'href="/cases/{case.pk}/?step={key}#step-{key}"'
        assert (link in page) == (key in supervisor_forms), key
        opened = body(client.get(f"/cases/{case.pk}/?step={key}"))
        assert (f'action="/cases/{case.pk}/{name}/"' in opened) == (key in supervisor_forms), key


def test_a_step_s_form_is_rendered_only_once_the_step_is_opened(case_a, director_a):
    client = web_client(director_a)
    closed = client.get(f"/cases/{case_a.pk}/")
    page = body(closed)
    assert closed.context["forms"] == {"file": None}
    assert f'action="/cases/{case_a.pk}/file/"' not in page
    assert 'name="file-summary"' not in page
    assert (
        f'<a class="step-open" href="/cases/{case_a.pk}/?step=file#step-file">File the case</a>'
        in page
    )
    opened = client.get(f"/cases/{case_a.pk}/?step=file")
    page = body(opened)
    assert opened.context["open_action"] == "file"
    assert '<details class="action action-file" id="step-file" open>' in page
    assert "<summary>File the case</summary>" in page
    assert f'action="/cases/{case_a.pk}/file/"' in page
    assert 'name="file-summary"' in page
    assert 'class="step-open"' not in page  # the only step is open


def test_a_step_not_offered_opens_nothing(case_a, director_a):
    client = web_client(director_a)
    for step in ("decide_close", "nonsense", ""):
        response = client.get(f"/cases/{case_a.pk}/?step={step}")
        assert response.status_code == 200
        assert response.context["open_action"] == ""
        assert '<form method="post" action="/cases/' not in body(response)


def test_an_opened_step_sent_with_bad_input_comes_back_with_the_errors_and_the_entries(
    case_a, director_a, supervisor
):
    services.case_file(actor=director_a, case=case_a, summary="Known")
    client = web_client(supervisor)
    assert 'name="assess-reasons"' in body(client.get(f"/cases/{case_a.pk}/?step=assess"))
    response = post(client, case_a, "assess", risk_level="", reasons="Typed & kept")
    assert response.status_code == 200
    page = body(response)
    assert '<details class="action action-assess" id="step-assess" open>' in page
    assert "Please choose a risk level." in page
    assert "Typed &amp; kept</textarea>" in page
    assert fresh(case_a).risk_level == ""
    # The other steps stay links to the case page (the page shown is the step's POST address).
    assert f'href="/cases/{case_a.pk}/?step=assign#step-assign"' in page
    assert 'name="assign-owner"' not in page


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_opening_a_step_of_a_case_outside_ones_areas_is_404(request, case_a, persona):
    client = web_client(request.getfixturevalue(persona))
    for step in ("file", "assign", "restrict"):
        assert client.get(f"/cases/{case_a.pk}/?step={step}").status_code == 404


def test_whoever_asked_to_close_is_not_offered_the_decision(case_a, supervisor):
    case = take(supervisor, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    page = body(web_client(supervisor).get(f"/cases/{case.pk}/"))
    assert "You asked to close this case" in page
    assert f'action="/cases/{case.pk}/decide-close/"' not in page


# --- the actions through the web -----------------------------------------------------------


def post(client, case, name, **fields):
    key = name.replace("-", "_")
    data = {f"{key}-version": str(fresh(case).version)}
    data.update({f"{key}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.pk}/{name}/", data)


def test_the_whole_loop_through_the_web(case_a, director_a, supervisor):
    owner, boss = web_client(director_a), web_client(supervisor)
    assert post(owner, case_a, "file", summary="Left alone").status_code == 302
    assert post(owner, case_a, "assess", risk_level="high", reasons="Alone").status_code == 302
    # The intervention waits for a plan, and says so.
    response = post(owner, case_a, "intervene")
    assert response.status_code == 200
    assert "Write the case plan" in body(response)
    a_plan(director_a, case_a)
    assert post(owner, case_a, "intervene", note="Plan agreed").status_code == 302
    assert post(owner, case_a, "serve").status_code == 302
    # The service that carries out the plan's one item, and completes it.
    [item] = current_plan(case_a).services.all()
    response = owner.post(
        f"/ledger/record/{case_a.pk}/",
        {"delivered_on": timezone.localdate().isoformat(), "service_type": item.service_type,
         "provider": f"user:{director_a.pk}", "duration_minutes": "60", "notes": "",
         "planned_service": str(item.pk), "completes_item": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert post(owner, case_a, "track").status_code == 302
    assert post(owner, case_a, "resume-services").status_code == 302
    assert post(owner, case_a, "track").status_code == 302
    a_home_visit(case_a)  # the follow-up
    assert post(owner, case_a, "request-close", summary="Safe now").status_code == 302
    assert fresh(case_a).stage == Stage.CLOSING
    # The owner may not decide; the supervisor approves.
    assert post(owner, case_a, "decide-close", decision="approve").status_code == 403
    assert post(boss, case_a, "decide-close", decision="approve").status_code == 302
    assert fresh(case_a).stage == Stage.CLOSED
    response = post(owner, case_a, "reopen", reason="")
    assert "Please give the reason for reopening." in body(response)
    assert post(owner, case_a, "reopen", reason="Hurt again").status_code == 302
    assert fresh(case_a).stage == Stage.FILED
    actions = list(
        AuditEvent.objects.filter(case=case_a).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "case.open",
        "case.file",
        "case.assess",
        "plan.save",
        "case.intervene",
        "case.serve",
        "service.record",
        "plan.item_progress",
        "case.track",
        "case.resume_services",
        "case.track",
        "case.request_close",
        "case.approve_close",
        "case.reopen",
    ]


def test_an_error_keeps_the_form_open_with_what_was_typed(case_a, director_a):
    services.case_file(actor=director_a, case=case_a, summary="Known")
    response = post(web_client(director_a), case_a, "assess", risk_level="", reasons="My reasons")
    assert response.status_code == 200
    page = body(response)
    assert "Please choose a risk level." in page
    assert "My reasons</textarea>" in page
    assert response.context["open_action"] == "assess"
    assert '<details class="action action-assess" id="step-assess" open>' in page


def test_refusing_to_close_needs_a_reason(case_a, director_a, supervisor):
    take(director_a, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    response = post(web_client(supervisor), case_a, "decide-close", decision="refuse", note="")
    assert "Please say why the case should stay open." in body(response)
    assert fresh(case_a).stage == Stage.CLOSING
    response = post(
        web_client(supervisor), case_a, "decide-close", decision="refuse", note="Not yet"
    )
    assert response.status_code == 302
    assert fresh(case_a).stage == Stage.TRACKING


def test_a_stale_form_says_so_and_keeps_the_input(case_a, director_a, supervisor):
    client = web_client(director_a)
    version = fresh(case_a).version
    services.case_file(actor=supervisor, case=case_a, summary="Filed by the supervisor")
    response = client.post(
        f"/cases/{case_a.pk}/file/", {"file-version": str(version), "file-summary": "Mine"}
    )
    assert response.status_code == 200
    assert "changed by someone else" in body(response)
    assert fresh(case_a).summary == "Filed by the supervisor"


def test_a_stale_step_whose_form_is_gone_gives_back_what_was_typed(case_a, director_a, supervisor):
    client = web_client(director_a)
    version = fresh(case_a).version
    services.case_file(actor=supervisor, case=case_a, summary="Filed by the supervisor")
    response = client.post(
        f"/cases/{case_a.pk}/file/",
        {"file-version": str(version), "file-summary": "MYTEXT-again"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = body(response)
    assert response.status_code == 200
    assert "changed by someone else" in page
    assert "What you typed (not saved)" in page and "MYTEXT-again" in page


def test_a_wrong_stage_is_explained_not_a_500(case_a, director_a):
    response = post(web_client(director_a), case_a, "serve")
    assert response.status_code == 200
    assert "not possible in the current state" in body(response)


def test_the_supervisor_hands_the_case_to_another_owner(case_a, supervisor, station_staff):
    response = post(web_client(supervisor), case_a, "assign", owner=str(station_staff.pk))
    assert response.status_code == 302
    assert fresh(case_a).owner == station_staff
    assert post(web_client(supervisor), case_a, "assign", owner="999999").status_code == 200


def test_the_owner_may_not_reassign(case_a, director_a, station_staff):
    assert post(web_client(director_a), case_a, "assign", owner=station_staff.pk).status_code == 403


# --- timeline -----------------------------------------------------------------------------


def test_the_timeline_has_every_step_in_order_with_who_and_the_note(
    make_child, director_a, supervisor
):
    child = make_child(name="陈小兰")
    concern = Concern.objects.create(
        child=child,
        kind=Concern.Kind.UNDER16_ALONE,
        raised_by=director_a,
        district_id=child.district_id,
        subdistrict_id=child.subdistrict_id,
        community_id=child.community_id,
    )
    case = services.case_open(actor=supervisor, child=child, owner=director_a, concern=concern)
    report = attach_report(case, received_at=case.opened_at - dt.timedelta(days=1))
    services.case_file(actor=director_a, case=case, summary="Lives alone")
    services.case_assess(actor=supervisor, case=case, risk_level="high", reasons="No carer")
    a_plan(director_a, case, change_note="First plan")
    services.case_audit(actor=supervisor, case=case, action="referral.create", note="To 阳光")
    services.case_audit(actor=supervisor, case=case, action="service.frobnicate")

    response = web_client(director_a).get(f"/cases/{case.pk}/timeline/")
    assert response.status_code == 200
    entries = response.context["timeline"]
    assert [e.action for e in entries] == [
        "report.received",
        "concern.raised",
        "case.open",
        "case.file",
        "case.assess",
        "plan.save",
        "referral.create",
        "service.frobnicate",
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert entries[0].note == report.reference
    assert entries[2].actor_name == "supervisor"
    assert entries[3].note == "Lives alone"
    page = body(response)
    for text in (
        "Report received",
        "Concern raised",
        "Case opened",
        "Case filed",
        "Risk assessed",
        "Case plan saved",
        "Referred to a partner",
        "No carer",
        "High",
    ):
        assert text in page, text
    # An unknown code is named by its family ("Service"), never shown raw.
    assert entries[-1].label == "Service"
    assert "service.frobnicate" not in page
    # The same timeline is on the case page.
    detail = web_client(director_a).get(f"/cases/{case.pk}/")
    assert [e.action for e in detail.context["timeline"]] == [e.action for e in entries]


def test_the_timeline_names_owners_not_ids(case_a, supervisor, station_staff):
    services.case_assign(actor=supervisor, case=case_a, owner=station_staff)
    entry = web_client(supervisor).get(f"/cases/{case_a.pk}/timeline/").context["timeline"][-1]
    assert entry.label == "Owner changed"
    assert [(line.old, line.new) for line in entry.lines] == [("director_a", "station_staff")]


def test_the_timeline_describes_the_other_teams_steps_in_words(case_a, supervisor):
    services.case_audit(
        actor=supervisor,
        case=case_a,
        action="protection.start",
        changes={
            "ground": {"old": None, "new": "guardian_unable"},
            "placement": {"old": None, "new": "relatives"},
            "placement_detail": {"old": None, "new": "***"},
        },
    )
    services.case_audit(
        actor=supervisor,
        case=case_a,
        action="referral.accept",
        changes={"referral": {"new": 7}, "state": {"old": "pending", "new": "accepted"}},
    )
    services.case_audit(actor=None, case=case_a, action="protection.alert")
    entries = web_client(supervisor).get(f"/cases/{case_a.pk}/timeline/").context["timeline"]
    start, accept, alert = entries[-3:]
    assert start.label == "Temporary guardianship started"
    assert [(line.label, line.old, line.new) for line in start.lines] == [
        ("legal ground", "", "Guardian unable to care through objective causes or an emergency "
         "(Art. 92.3)"),
        ("placement", "", "With relatives"),
    ]  # fmt: skip
    assert accept.label == "Referral accepted"
    assert [(line.old, line.new) for line in accept.lines] == [("Pending", "Accepted")]
    assert alert.actor is None
    page = body(web_client(supervisor).get(f"/cases/{case_a.pk}/timeline/"))
    assert "One-year limit alert sent" in page
    assert "***" not in page


# --- 404 for everyone outside the case -----------------------------------------------------

GET_PATHS = ["", "timeline/", "plan/", "plan/versions/"]
POST_PATHS = [
    "file/",
    "assess/",
    "intervene/",
    "serve/",
    "track/",
    "resume-services/",
    "request-close/",
    "decide-close/",
    "reopen/",
    "assign/",
    "plan/",
]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_case_page_is_404_outside_the_case(request, case_a, persona):
    client = web_client(request.getfixturevalue(persona))
    for path in GET_PATHS:
        assert client.get(f"/cases/{case_a.pk}/{path}").status_code == 404, path
    for path in POST_PATHS:
        assert client.post(f"/cases/{case_a.pk}/{path}", {}).status_code == 404, path
    assert client.get("/cases/999999/").status_code == 404
    assert fresh(case_a).stage == Stage.DISCOVERED


def test_the_case_pages_need_a_login(case_a):
    response = web_client(None).get(f"/cases/{case_a.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the child's file -------------------------------------------------------------------------


def record_service_and_protection(case, by) -> None:
    child = case.child
    ServiceRecord.objects.create(
        case=case,
        child=child,
        delivered_on=timezone.localdate(),
        service_type="psychological",
        provider_user=by,
        duration_minutes=45,
        recorded_by=by,
        district_id=child.district_id,
        subdistrict_id=child.subdistrict_id,
        community_id=child.community_id,
    )
    ProtectionRecord.objects.create(
        case=case,
        child=child,
        ground="guardian_unable",
        placement="relatives",
        started_on=timezone.localdate(),
        limit_on=timezone.localdate() + dt.timedelta(days=365),
        recorded_by=by,
        district_id=child.district_id,
        subdistrict_id=child.subdistrict_id,
        community_id=child.community_id,
    )


def test_the_childs_file_shows_its_cases_services_and_protection(case_a, director_a, supervisor):
    record_service_and_protection(case_a, supervisor)
    page = body(web_client(director_a).get(f"/children/{case_a.child_id}/"))
    assert f'href="/cases/{case_a.pk}/"' in page
    assert "Psychological counselling" in page
    assert "45 minutes" in page
    assert "With relatives" in page
    assert "Open a case" not in page  # the child already has one


def test_a_case_s_services_and_protection_are_not_in_the_file_for_who_does_not_see_the_case(
    case_a, supervisor, director_a2
):
    # director_a2 took up the 居民区 after the case was opened: the child's file, not the case.
    record_service_and_protection(case_a, supervisor)
    page = body(web_client(director_a2).get(f"/children/{case_a.child_id}/"))
    assert "This child has an open case" in page
    assert "Psychological counselling" not in page
    assert "With relatives" not in page


def test_the_childs_file_offers_to_open_a_case(child_a, director_a):
    page = body(web_client(director_a).get(f"/children/{child_a.pk}/"))
    assert f'href="/cases/open/{child_a.pk}/"' in page
    assert "No case." in page


def test_a_director_not_on_the_team_is_told_who_to_ask(case_a, supervisor, director_a2):
    # director_a2 took up the 居民区 after the case was opened: not on its team.
    page = body(web_client(director_a2).get(f"/children/{case_a.child_id}/"))
    assert "This child has an open case, owned by director_a." in page
    assert "ask director_a or the supervisor (supervisor)." in page
    assert f'href="/cases/{case_a.pk}/"' not in page
    assert "Open a case" not in page
    page = body(web_client(director_a2).get(f"/cases/open/{case_a.child_id}/"))
    assert "ask director_a or the supervisor (supervisor)." in page


def test_a_closed_case_stays_in_the_file_and_a_new_one_can_be_opened(case_a, director_a):
    put_in_stage(case_a, Stage.CLOSED)
    page = body(web_client(director_a).get(f"/children/{case_a.child_id}/"))
    assert f'href="/cases/{case_a.pk}/"' in page
    assert f'href="/cases/open/{case_a.child_id}/"' in page


def test_risk_level_names_are_translated_labels(case_a, director_a):
    put_in_stage(case_a, Stage.ASSESSED)
    Case.objects.filter(pk=case_a.pk).update(risk_level=RiskLevel.EMERGENCY)
    assert "Emergency" in body(web_client(director_a).get(f"/cases/{case_a.pk}/"))


# --- found trying the demo as a new user ----------------------------------------------------


def test_a_case_opened_from_a_report_has_a_timeline_without_raw_codes(
    make_child, supervisor, director_a
):
    from weibao.partners.models import Partner, PartnerKind
    from weibao.referrals.services import referral_create
    from weibao.reports import services as report_services
    from weibao.reports.choices import Channel, ReporterType, Situation

    child = make_child(name="陈小兰")
    report, _code = report_services.report_create(
        data=report_services.ReportInput(
            situations=[Situation.OTHER_SERIOUS],
            description="Bruises on both arms.",
            district=child.district,
            subdistrict=child.subdistrict,
            reporter_type=ReporterType.PUBLIC,
        ),
        channel=Channel.PUBLIC,
    )
    report_services.report_acknowledge(actor=supervisor, report=report)
    report_services.report_link_child(actor=supervisor, report=report, child=child)
    case, _attached = report_services.report_open_case(
        actor=supervisor, report=Report.objects.get(pk=report.pk), owner=director_a
    )
    told_at = timezone.now() - dt.timedelta(hours=2)
    report_services.report_record_police(
        actor=supervisor,
        report=Report.objects.get(pk=report.pk),
        told="天山路派出所",
        notified_at=told_at,
        receipt_no="JJ-1",
    )
    partner = Partner.objects.create(
        name="阳光社工", kind=PartnerKind.SOCIAL_WORK, area=child.subdistrict
    )
    referral_create(  # no service type: an empty optional value
        actor=director_a,
        case=case,
        partner=partner,
        reason="Family work.",
        accept_by=timezone.localdate() + dt.timedelta(days=3),
    )
    response = web_client(director_a).get(f"/cases/{case.pk}/timeline/")
    entries = {e.action: e for e in response.context["timeline"]}
    assert entries["report.open_case"].label == "Report now handled in this case"
    assert [(ln.label, ln.old, ln.new) for ln in entries["report.open_case"].lines] == [
        ("state", "Acknowledged", "Being handled"),
        ("case", "", case.reference),
    ]
    police = {ln.label: ln.new for ln in entries["report.police"].lines}
    assert police["who at the police was told"] == "天山路派出所"
    assert police["police told at"] == f"{timezone.localtime(told_at):%Y-%m-%d %H:%M}"
    referral_lines = [ln.label for ln in entries["referral.create"].lines]
    assert "service" not in referral_lines  # left empty: not a line saying "—"
    page = body(response)
    for raw in ("report.open_case", "report.police", "acknowledged", "police_told", "handling"):
        assert raw not in page, raw


def test_the_last_step_says_closing_is_awaited_until_it_is_approved(case_a, director_a):
    closing = put_in_stage(case_a, Stage.CLOSING)
    steps = web_client(director_a).get(f"/cases/{closing.pk}/").context["steps"]
    assert (steps[-1].label, steps[-1].state) == ("Closing (awaiting approval)", "current")
    closed = put_in_stage(case_a, Stage.CLOSED)
    steps = web_client(director_a).get(f"/cases/{closed.pk}/").context["steps"]
    assert (steps[-1].label, steps[-1].state) == ("Closed", "done current")


def test_approving_ones_own_closing_request_on_the_page_says_why_not(case_a, supervisor):
    case = take(supervisor, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    response = post(web_client(supervisor), case, "decide-close", decision="approve")
    assert response.status_code == 200
    assert "Closing must be approved by someone other than who asked for it." in body(response)
    assert fresh(case).stage == Stage.CLOSING


def test_a_supervisor_asking_to_close_is_told_that_someone_else_approves(
    case_a, director_a, supervisor
):
    for user, expected in (
        (supervisor, "someone other than you (another supervisor or the district)"),
        (director_a, "the supervisor has been asked to approve it"),
    ):
        case = ready_to_close(put_in_stage(case_a, Stage.TRACKING))
        client = web_client(user)
        response = post(client, case, "request-close", summary="Safe now.")
        assert expected in body(client.get(response.url))


def test_a_reopened_case_does_not_show_the_old_closing_summary(case_a, director_a, supervisor):
    case = take(director_a, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    assert "closing summary" in body(web_client(director_a).get(f"/cases/{case.pk}/"))
    case = services.case_decide_close(actor=supervisor, case=case, approve=True)
    case = services.case_reopen(actor=supervisor, case=case, reason="Hurt again.")
    page = body(web_client(director_a).get(f"/cases/{case.pk}/"))
    assert "<dt>closing summary</dt>" not in page
    assert "Safe." in body(web_client(director_a).get(f"/cases/{case.pk}/timeline/"))


def test_the_open_page_says_who_opens_the_case_of_a_report(child_a, director_a):
    page = body(web_client(director_a).get(f"/cases/open/{child_a.pk}/"))
    assert "the supervisor opens the case from the report" in page
    assert "opens its case by itself" not in page


def test_the_childs_file_shows_a_temporary_guardianship_that_has_ended(
    case_a, director_a, supervisor
):
    from weibao.protection import services as protection

    today = timezone.localdate()
    opened_on(case_a, today - dt.timedelta(days=40))
    record = protection.protection_start(
        actor=supervisor,
        case=case_a,
        ground="guardian_unable",
        placement="relatives",
        started_on=today - dt.timedelta(days=40),
    )
    record = protection.protection_assess_capacity(
        actor=supervisor,
        record=record,
        assessed_on=today - dt.timedelta(days=5),
        result="capable",
        notes="Mother is back.",
    )
    protection.protection_end(
        actor=supervisor,
        record=record,
        ended_on=today - dt.timedelta(days=2),
        end_reason="returned_home",
    )
    page = body(web_client(director_a).get(f"/children/{case_a.child_id}/"))
    start, end = today - dt.timedelta(days=40), today - dt.timedelta(days=2)
    assert f"From {start:%Y-%m-%d} to {end:%Y-%m-%d}: Returned home to the guardian." in page


def test_the_childs_change_history_has_no_case_or_report_rows(case_a, director_a, supervisor):
    from weibao.children.history import child_history

    take(director_a, case_a, "file")
    services.case_audit(actor=supervisor, case=fresh(case_a), action="referral.create")
    # Written through the audit service: the log is a hash chain (no row without its link).
    audit_record(actor=supervisor, action="report.link_child", obj=case_a.child, child=case_a.child)
    audit_record(actor=supervisor, action="child.update", obj=case_a.child, child=case_a.child)
    actions = {e.action for e in child_history(case_a.child)}
    assert actions == {"child.create", "child.update"}
    assert AuditEvent.objects.filter(child=case_a.child, case=case_a).count() >= 3


def test_starting_the_intervention_without_a_plan_is_shown_disabled_with_the_reason(
    case_a, director_a
):
    case = put_in_stage(case_a, Stage.ASSESSED)
    page = web_client(director_a).get(f"/cases/{case.pk}/").content.decode()
    action = page[page.index('class="action action-intervene') :]
    action = action[: action.index("</details>")]
    assert 'disabled aria-describedby="blocked-intervene"' in action
    assert f'href="/cases/{case.pk}/plan/"' in action
    assert "<form" not in action
