"""The report workflow through its services: every allowed and every forbidden transition by
role, the police record and its guard on closing, linking the child, opening or joining a case,
stale versions, notifications, the clocks and their escalation, and a concern becoming a
report in one step."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.helpers import REPORTER_NAME, REPORTER_PHONE, error_dict, fresh_report, move_to
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case
from weibao.cases.services import case_open
from weibao.core.exceptions import ConflictError
from weibao.notifications.models import Notification
from weibao.reports import jobs, services, workflow
from weibao.reports.choices import Channel, NoCaseReason, ReporterType, Situation
from weibao.reports.models import ClockPolicy, Report
from weibao.reports.selectors import (
    can_see_reporter,
    report_clocks,
    report_roles,
    reports_visible_to,
    triage_queue,
)
from weibao.visits.models import Concern

pytestmark = pytest.mark.usefixtures("english")

TRIAGERS = {"supervisor", "station_staff", "district_officer"}
EVERYONE = [
    "supervisor",
    "station_staff",
    "district_officer",
    "director_a",
    "director_b",
    "director_elsewhere",
    "unassigned",
]
STATES = [s.value for s in Report.State]


def _run(name: str, actor, report: Report):
    if name == "acknowledge":
        return services.report_acknowledge(actor=actor, report=report)
    if name == "handle":
        return services.report_open_case(actor=actor, report=report)
    assert name == "close"
    return services.report_close(actor=actor, report=report, outcome_message="We acted.")


# --- the transition table, cell by cell ---------------------------------------------------------


@pytest.mark.parametrize("name", ["acknowledge", "handle", "close"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("persona", EVERYONE)
def test_every_report_transition_by_role_and_state(
    name, state, persona, all_personas, make_report, child_a, district_officer
):
    report = move_to(make_report(), state, district_officer, child=child_a)
    if state == Report.State.ACKNOWLEDGED:
        # A linked child, so opening a case depends only on the table.
        services.report_link_child(actor=district_officer, report=report, child=child_a)
        report = fresh_report(report)
    actor = all_personas[persona]
    transition = workflow.REPORT.get(name)
    allowed_role = persona in TRIAGERS
    allowed_state = state in transition.sources
    if not allowed_role:
        with pytest.raises(PermissionDenied):
            _run(name, actor, report)
        assert fresh_report(report).state == state
    elif not allowed_state:
        with pytest.raises(ValidationError) as exc:
            _run(name, actor, report)
        assert "state" in error_dict(exc)
        assert fresh_report(report).state == state
    else:
        _run(name, actor, report)
        assert fresh_report(report).state == transition.target
        assert fresh_report(report).version > report.version


def test_the_table_names_triage_as_the_only_role_and_roles_follow_the_area(
    all_personas, make_report
):
    report = make_report()  # in 天山路
    for persona, user in all_personas.items():
        expected = {workflow.TRIAGE} if persona in TRIAGERS else set()
        assert report_roles(user, report) == expected, persona
    elsewhere = make_report(subdistrict="xianxia")
    assert report_roles(all_personas["supervisor"], elsewhere) == set()
    assert report_roles(all_personas["district_officer"], elsewhere) == {workflow.TRIAGE}


def test_a_report_without_a_subdistrict_is_triaged_by_the_district_only(all_personas, make_report):
    report = make_report(subdistrict=None)
    assert report_roles(all_personas["district_officer"], report) == {workflow.TRIAGE}
    assert report_roles(all_personas["supervisor"], report) == set()
    assert not reports_visible_to(all_personas["supervisor"]).filter(pk=report.pk).exists()


# --- intake -----------------------------------------------------------------------------------


def test_a_new_report_gets_its_clocks_from_the_district_policy(make_report, areas):
    ClockPolicy.objects.create(
        district=areas["district"], ack_minutes=30, police_hours=12, outcome_days=10
    )
    report = make_report(situations=[Situation.ABANDONED])
    assert report.police_required
    assert report.ack_due_at - report.received_at == dt.timedelta(minutes=30)
    assert report.police_due_at - report.received_at == dt.timedelta(hours=12)
    assert report.outcome_due_at - report.received_at == dt.timedelta(days=10)


def test_default_clocks_are_1_hour_24_hours_and_15_days_and_police_only_for_1_to_8(
    make_report, areas
):
    report = make_report(situations=[Situation.OTHER_SERIOUS])
    policy = ClockPolicy.objects.get(district=areas["district"])
    assert (policy.ack_minutes, policy.police_hours, policy.outcome_days) == (60, 24, 15)
    assert not report.police_required and report.police_due_at is None
    assert report.ack_due_at - report.received_at == dt.timedelta(hours=1)
    assert report.outcome_due_at - report.received_at == dt.timedelta(days=15)
    for code in ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]:
        assert make_report(situations=[code]).police_required, code


def test_the_code_is_stored_only_as_a_hash_and_status_needs_both(make_report):
    report = make_report()
    code = report.test_code
    assert code not in report.code_hash
    assert services.report_status(report.reference, code) == report
    assert services.report_status(report.reference.lower(), services.format_code(code)) == report
    assert services.report_status(report.reference, "WRONGCODE99") is None
    assert services.report_status("R00000000-XXXXX", code) is None
    assert services.report_status("", "") is None


def test_the_code_is_kept_as_a_keyed_hash_that_the_database_alone_cannot_check(
    make_report, settings
):
    report = make_report()
    code = report.test_code
    assert report.code_hash.startswith("hmac-sha256$")
    assert report.code_hash == services.code_hash(code)
    # Under another installation's key the same code hashes differently: knowing the stored
    # hash and the alphabet is not enough to try codes against it.
    settings.LOOKUP_HASH_KEY = "another-installation-key-of-enough-length"
    assert services.code_hash(code) != report.code_hash


def test_a_code_hashed_by_an_earlier_version_still_opens_its_report(make_report):
    report = make_report()
    code = report.test_code
    Report.objects.filter(pk=report.pk).update(code_hash=make_password(code))
    assert services.report_status(report.reference, code) == report
    assert services.report_status(report.reference, "WRONGCODE99") is None


def test_the_reporter_identity_is_encrypted_and_never_in_the_audit_row(make_report):
    report = make_report()
    event = AuditEvent.objects.get(action="report.create", object_id=str(report.pk))
    text = str(event.changes) + event.note
    assert REPORTER_NAME not in text and REPORTER_PHONE not in text
    assert event.changes["reporter"] == {"new": "***"}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone FROM reports_report WHERE id = %s", [report.pk]
        )
        stored = cursor.fetchone()
    assert REPORTER_NAME not in stored[0] and REPORTER_PHONE not in stored[1]
    assert fresh_report(report).reporter_name == REPORTER_NAME


def test_only_the_supervisor_and_the_district_may_see_the_reporter(all_personas, make_report):
    report = make_report()
    allowed = {p for p, u in all_personas.items() if can_see_reporter(u, report)}
    assert allowed == {"supervisor", "district_officer"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"situations": []}, "situations"),
        ({"situations": ["s99"]}, "situations"),
        ({"situations": [Situation.OTHER], "other_situation": ""}, "other_situation"),
        ({"description": "   \x00  "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"child_age": 18}, "child_age"),
        ({"child_age": True}, "child_age"),
        ({"child_sex": "X"}, "child_sex"),
        ({"reporter_type": "spy"}, "reporter_type"),
        ({"place": "p" * 201}, "place"),
        ({"reporter_phone": "1" * 31}, "reporter_phone"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(areas, overrides, field):
    from tests.helpers import report_input

    with pytest.raises(ValidationError) as exc:
        services.report_create(data=report_input(areas, **overrides), channel=Channel.PUBLIC)
    assert field in error_dict(exc)
    assert not Report.objects.exists()
    assert not Notification.objects.exists()


def test_a_subdistrict_of_another_district_is_refused(areas):
    from tests.helpers import report_input
    from weibao.areas.models import Area

    other = Area.objects.create(name="徐汇区", code="310104", level="district")
    with pytest.raises(ValidationError) as exc:
        services.report_create(data=report_input(areas, district=other), channel=Channel.PUBLIC)
    assert "subdistrict" in error_dict(exc)


def test_staff_entry_needs_a_logged_in_user_and_records_who(areas, director_a):
    from django.contrib.auth.models import AnonymousUser

    from tests.helpers import report_input

    with pytest.raises(PermissionDenied):
        services.report_create(
            data=report_input(areas), channel=Channel.STAFF, actor=AnonymousUser()
        )
    report, _code = services.report_create(
        data=report_input(areas), channel=Channel.STAFF, actor=director_a
    )
    assert report.created_by == director_a
    # The director entered it, so sees it, although it lies in the whole 街镇.
    assert reports_visible_to(director_a).filter(pk=report.pk).exists()
    assert report_roles(director_a, report) == set()


# --- notifications ------------------------------------------------------------------------------


def test_a_new_report_notifies_the_supervisor_and_station_staff_of_its_subdistrict_at_once(
    all_personas, make_report
):
    report = make_report()
    notes = Notification.objects.filter(kind=Notification.Kind.REPORT_RECEIVED)
    recipients = {n.recipient.username for n in notes}
    assert recipients == {"supervisor", "station_staff"}
    note = notes.first()
    assert note.params == {"reference": report.reference}
    assert note.url == f"/reports/{report.pk}/"
    assert REPORTER_NAME not in str(note.params)


def test_a_report_without_a_subdistrict_notifies_the_district_staff(all_personas, make_report):
    make_report(subdistrict=None)
    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.REPORT_RECEIVED).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"district_officer"}


# --- police -------------------------------------------------------------------------------------


def test_police_notification_is_recorded_and_stops_the_police_clock(supervisor, make_report):
    report = make_report(situations=[Situation.MULTIPLE_INJURIES])
    at = timezone.now() - dt.timedelta(minutes=10)
    report = services.report_record_police(
        actor=supervisor, report=report, told="天山路派出所 李警官", notified_at=at,
        receipt_no="JJ-2026-001",
    )  # fmt: skip
    assert report.police_notified_at == at and report.police_receipt_no == "JJ-2026-001"
    assert report.state == Report.State.RECEIVED  # not a state change
    police = next(c for c in report_clocks(report) if c.key == "police")
    assert police.met_at == at and not police.late


@pytest.mark.parametrize(
    ("told", "when", "receipt", "field"),
    [
        ("", dt.timedelta(0), "R1", "told"),
        ("Station", dt.timedelta(0), "", "receipt_no"),
        ("Station", dt.timedelta(hours=-2), "R1", "notified_at"),  # in the future
        ("Station", dt.timedelta(days=40), "R1", "notified_at"),  # long before the report
        ("S" * 101, dt.timedelta(0), "R1", "told"),
    ],
)
def test_a_police_record_needs_who_when_not_in_the_future_and_the_receipt(
    supervisor, make_report, told, when, receipt, field
):
    report = make_report(situations=[Situation.ABANDONED])
    with pytest.raises(ValidationError) as exc:
        services.report_record_police(
            actor=supervisor, report=report, told=told, notified_at=timezone.now() - when,
            receipt_no=receipt,
        )  # fmt: skip
    assert field in error_dict(exc)
    assert fresh_report(report).police_notified_at is None


def test_a_director_cannot_record_the_police_notification(director_a, make_report):
    with pytest.raises(PermissionDenied):
        services.report_record_police(
            actor=director_a, report=make_report(), told="x", notified_at=timezone.now(),
            receipt_no="1",
        )  # fmt: skip


def test_closing_needs_the_police_record_for_situations_1_to_8(supervisor, make_report):
    report = make_report(situations=[Situation.BEGGING])
    report = services.report_acknowledge(actor=supervisor, report=report)
    with pytest.raises(ValidationError) as exc:
        services.report_close(actor=supervisor, report=report, outcome_message="Done.")
    assert "police" in " ".join(error_dict(exc)["state"])
    services.report_record_police(
        actor=supervisor, report=report, told="派出所", notified_at=timezone.now(),
        receipt_no="110-1",
    )  # fmt: skip
    closed = services.report_close(
        actor=supervisor,
        report=fresh_report(report),
        outcome_message="OK",
        no_case_reason=NoCaseReason.POLICE_HANDLING,
    )
    assert closed.state == Report.State.CLOSED and closed.outcome_sent_at is not None


def test_the_police_record_cannot_change_after_closing(supervisor, make_report):
    report = move_to(make_report(), Report.State.CLOSED, supervisor)
    with pytest.raises(ValidationError):
        services.report_record_police(
            actor=supervisor, report=report, told="x", notified_at=timezone.now(),
            receipt_no="1",
        )  # fmt: skip


@pytest.mark.parametrize("message", ["", "   ", "m" * 2001])
def test_closing_needs_an_outcome_message_of_at_most_2000_characters(
    supervisor, make_report, message
):
    report = services.report_acknowledge(actor=supervisor, report=make_report())
    with pytest.raises(ValidationError) as exc:
        services.report_close(actor=supervisor, report=report, outcome_message=message)
    assert "outcome_message" in error_dict(exc)


# --- stale versions -----------------------------------------------------------------------------


def test_a_stale_action_is_refused_as_a_conflict(supervisor, district_officer, make_report):
    report = make_report()
    seen = report.version
    services.report_acknowledge(actor=district_officer, report=report, expected_version=seen)
    with pytest.raises(ConflictError):
        services.report_close(
            actor=supervisor, report=report, outcome_message="x", expected_version=seen
        )
    assert fresh_report(report).state == Report.State.ACKNOWLEDGED


# --- linking the child --------------------------------------------------------------------------


def test_linking_a_child_moves_the_report_to_its_area_so_its_director_sees_it(
    supervisor, director_a, director_b, make_report, child_a
):
    report = make_report()
    assert not reports_visible_to(director_a).filter(pk=report.pk).exists()
    report = services.report_link_child(actor=supervisor, report=report, child=child_a)
    assert report.link_state == Report.Link.LINKED
    assert report.community_id == child_a.community_id
    assert reports_visible_to(director_a).filter(pk=report.pk).exists()
    assert not reports_visible_to(director_b).filter(pk=report.pk).exists()
    # ... but not the reporter.
    assert not can_see_reporter(director_a, report)


def test_a_child_outside_the_users_areas_cannot_be_linked(supervisor, make_report, child_c):
    with pytest.raises(ValidationError) as exc:
        services.report_link_child(actor=supervisor, report=make_report(), child=child_c)
    assert "child" in error_dict(exc)


def test_linking_to_a_child_of_another_subdistrict_moves_the_report_and_tells_its_people(
    district_officer, make_report, child_c, areas
):
    from tests.conftest import _user
    from weibao.accounts.models import Role

    xianxia_supervisor = _user("xianxia_supervisor", Role.SUPERVISOR, areas["xianxia"])
    report = services.report_link_child(actor=district_officer, report=make_report(), child=child_c)
    assert report.subdistrict_id == areas["xianxia"].pk
    assert Notification.objects.filter(
        recipient=xianxia_supervisor, kind=Notification.Kind.REPORT_RECEIVED
    ).exists()


def test_a_report_can_be_marked_unidentified(supervisor, make_report, child_a):
    report = services.report_link_child(actor=supervisor, report=make_report(), child=child_a)
    report = services.report_mark_unidentified(
        actor=supervisor, report=report, note="No such child at the address."
    )
    assert report.link_state == Report.Link.UNIDENTIFIED
    assert report.child is None and report.community is None


def test_a_link_state_other_than_linked_or_registered_is_refused(supervisor, make_report, child_a):
    with pytest.raises(ValidationError):
        services.report_link_child(
            actor=supervisor, report=make_report(), child=child_a, link_state="unidentified"
        )


# --- cases --------------------------------------------------------------------------------------


def test_opening_a_case_needs_an_acknowledged_report_and_a_linked_child(supervisor, make_report):
    report = make_report()
    with pytest.raises(ValidationError) as exc:
        services.report_open_case(actor=supervisor, report=report)
    assert "Acknowledge" in error_dict(exc)["state"][0]
    report = services.report_acknowledge(actor=supervisor, report=report)
    with pytest.raises(ValidationError) as exc:
        services.report_open_case(actor=supervisor, report=report)
    assert "child" in error_dict(exc)
    assert not Case.objects.exists()


def test_a_report_opens_a_case_for_its_child_with_the_case_timeline_row(
    supervisor, director_a, make_report, child_a
):
    report = services.report_acknowledge(actor=supervisor, report=make_report())
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    case, attached = services.report_open_case(
        actor=supervisor, report=fresh_report(report), owner=director_a
    )
    report = fresh_report(report)
    assert not attached
    assert report.case == case and report.state == Report.State.HANDLING
    assert report.handling_at is not None
    assert case.child == child_a and case.owner == director_a
    assert case.summary == report.description
    assert AuditEvent.objects.filter(case=case, action="report.attach").exists()
    assert AuditEvent.objects.filter(case=case, action="case.open").exists()


def test_a_new_report_attaches_to_the_childs_open_case(
    supervisor, district_officer, make_report, child_a
):
    existing = case_open(actor=district_officer, child=child_a, summary="Already followed.")
    report = services.report_acknowledge(actor=supervisor, report=make_report())
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    case, attached = services.report_open_case(actor=supervisor, report=fresh_report(report))
    assert case == existing and attached
    assert Case.objects.filter(child=child_a).count() == 1
    assert fresh_report(report).case == existing
    attach = AuditEvent.objects.get(case=existing, action="report.attach")
    assert attach.changes["report"]["new"] == report.reference


def test_an_ineligible_owner_is_refused_and_nothing_changes(
    supervisor, director_elsewhere, make_report, child_a
):
    report = services.report_acknowledge(actor=supervisor, report=make_report())
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    with pytest.raises(ValidationError) as exc:
        services.report_open_case(
            actor=supervisor, report=fresh_report(report), owner=director_elsewhere
        )
    assert "owner" in error_dict(exc)
    assert fresh_report(report).state == Report.State.ACKNOWLEDGED and not Case.objects.exists()


# --- clocks -------------------------------------------------------------------------------------


def test_a_clock_past_due_is_late_and_the_queue_puts_the_most_urgent_first(supervisor, make_report):
    calm = make_report(situations=[Situation.OTHER_SERIOUS])
    urgent = make_report(situations=[Situation.OTHER_SERIOUS])
    Report.objects.filter(pk=urgent.pk).update(ack_due_at=timezone.now() - dt.timedelta(minutes=5))
    assert list(triage_queue(supervisor)) == [fresh_report(urgent), fresh_report(calm)]
    ack = report_clocks(fresh_report(urgent))[0]
    assert ack.key == "ack" and ack.late and ack.state == "late"
    assert not report_clocks(fresh_report(calm))[0].late


def test_check_clocks_escalates_each_late_clock_once_to_the_district_and_supervisor(
    all_personas, make_report
):
    report = make_report(situations=[Situation.ABANDONED])
    later = report.received_at + dt.timedelta(days=16)
    counts = jobs.check_clocks(now=later)
    assert counts["ack_late"] == counts["police_late"] == counts["outcome_late"] == 1
    assert "protection_alerts" in counts and "referral_alerts" in counts
    late = Notification.objects.filter(kind=Notification.Kind.REPORT_LATE)
    assert {(n.recipient.username, n.params["clock"]) for n in late} == {
        (user, clock)
        for user in ("district_officer", "supervisor")
        for clock in ("ack", "police", "outcome")
    }
    assert all(n.params["reference"] == report.reference for n in late)
    report = fresh_report(report)
    assert report.ack_escalated_at == later and report.police_escalated_at == later
    assert (
        AuditEvent.objects.filter(action="report.escalate", object_id=str(report.pk)).count() == 3
    )

    again = jobs.check_clocks(now=later + dt.timedelta(minutes=5))
    assert again["ack_late"] == again["police_late"] == again["outcome_late"] == 0
    assert again["notifications_sent"] == 0
    assert late.count() == 6


def test_check_clocks_leaves_met_and_running_clocks_alone(supervisor, make_report):
    report = services.report_acknowledge(actor=supervisor, report=make_report())
    counts = jobs.check_clocks(now=report.received_at + dt.timedelta(hours=2))
    assert counts["ack_late"] == 0 and counts["outcome_late"] == 0
    closed = move_to(make_report(), Report.State.CLOSED, supervisor)
    counts = jobs.check_clocks(now=closed.received_at + dt.timedelta(days=30))
    assert fresh_report(closed).outcome_escalated_at is None
    assert counts["outcome_late"] == 1  # the first report, still open


def test_only_district_staff_change_the_clock_policy_within_its_limits(
    district_officer, supervisor, areas
):
    with pytest.raises(PermissionDenied):
        services.clock_policy_update(
            actor=supervisor, district=areas["district"], ack_minutes=30, police_hours=12,
            outcome_days=10,
        )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.clock_policy_update(
            actor=district_officer, district=areas["district"], ack_minutes=1, police_hours=12,
            outcome_days=10,
        )  # fmt: skip
    assert "ack_minutes" in error_dict(exc)
    policy = services.clock_policy_update(
        actor=district_officer, district=areas["district"], ack_minutes=30, police_hours=12,
        outcome_days=10,
    )  # fmt: skip
    assert (policy.ack_minutes, policy.police_hours, policy.outcome_days) == (30, 12, 10)
    assert AuditEvent.objects.filter(action="report.clock_policy").exists()


# --- a concern becomes a report ---------------------------------------------------------------


@pytest.fixture
def concern_a(child_a, director_a):
    return Concern.objects.create(
        child=child_a,
        district=child_a.district,
        subdistrict=child_a.subdistrict,
        community=child_a.community,
        kind=Concern.Kind.UNDER8_UNATTENDED,
        description="Left alone all day.",
        raised_by=director_a,
    )


def test_a_concern_becomes_a_linked_report_once_and_is_marked_handled(
    director_a, supervisor, concern_a, child_a
):
    filing = services.report_from_concern(actor=director_a, concern=concern_a)
    report, created = filing.report, filing.created
    assert created
    assert report.channel == Channel.CONCERN and report.concern == concern_a
    assert report.child == child_a and report.link_state == Report.Link.LINKED
    assert report.community_id == child_a.community_id
    assert report.subdistrict_id == child_a.subdistrict_id
    assert [r.situation for r in report.situation_rows.all()] == [Situation.ABANDONED]
    assert report.police_required
    assert report.reporter_type == ReporterType.CHILD_DIRECTOR
    assert report.reporter_name == str(director_a)
    assert "Left alone all day." in report.description
    assert report.created_by == director_a
    concern = Concern.objects.get(pk=concern_a.pk)
    assert concern.state == Concern.State.HANDLED
    assert report.reference in concern.handled_note
    assert Notification.objects.filter(
        recipient=supervisor, kind=Notification.Kind.REPORT_RECEIVED
    ).exists()

    filing = services.report_from_concern(actor=supervisor, concern=concern_a)
    again, created = filing.report, filing.created
    assert not created and again == report
    assert Report.objects.count() == 1


def test_a_concern_of_another_kind_becomes_an_other_situation(director_a, concern_a):
    Concern.objects.filter(pk=concern_a.pk).update(kind=Concern.Kind.NO_WEEKLY_CONTACT)
    report = services.report_from_concern(
        actor=director_a, concern=Concern.objects.get(pk=concern_a.pk)
    ).report
    assert [r.situation for r in report.situation_rows.all()] == [Situation.OTHER]
    assert report.other_situation == str(Concern.Kind.NO_WEEKLY_CONTACT.label)
    assert not report.police_required


def test_a_concern_out_of_scope_cannot_be_turned_into_a_report(director_elsewhere, concern_a):
    with pytest.raises(PermissionDenied):
        services.report_from_concern(actor=director_elsewhere, concern=concern_a)
    assert not Report.objects.exists()
