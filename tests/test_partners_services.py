"""Partner registry and referral services: the REFERRAL table walked cell by cell for every
role on a case, validation messages, registry permissions, audit rows and the overdue alert."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.helpers import error_dict, today
from weibao.audit.models import AuditEvent
from weibao.core.exceptions import ConflictError
from weibao.notifications.models import Notification
from weibao.partners import services
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.jobs import referral_alerts
from weibao.referrals.models import Referral
from weibao.referrals.workflow import REFERRAL

pytestmark = pytest.mark.usefixtures("english")


def refer(actor, case, partner, **overrides) -> Referral:
    kwargs = {
        "service_type": "psychological",
        "reason": "Needs counselling after a family crisis.",
        "accept_by": today() + dt.timedelta(days=7),
    }
    kwargs.update(overrides)
    return referral_services.referral_create(actor=actor, case=case, partner=partner, **kwargs)


def in_state(referral: Referral, state: str) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(state=state)
    return Referral.objects.get(pk=referral.pk)


# --- the REFERRAL table, every cell, by role -------------------------------------------------

ROLE_USERS = {
    "owner": "director_a",
    "supervisor": "supervisor",
    "district": "district_officer",
    "staff": "station_staff",
}
NOTES = {"accept": "", "reject": "Full this term.", "complete": "Six sessions held.",
         "revoke": "Family moved away."}  # fmt: skip


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
@pytest.mark.parametrize("name", sorted(REFERRAL.transitions))
@pytest.mark.parametrize("state", Referral.State.values)
def test_every_referral_transition_from_every_state_for_every_case_role(
    request, case_a, partner, role, name, state
):
    actor = request.getfixturevalue(ROLE_USERS[role])
    referral = in_state(refer(request.getfixturevalue("director_a"), case_a, partner), state)
    transition = REFERRAL.get(name)
    if state in transition.sources:
        done = referral_services.referral_transition(
            actor=actor, referral=referral, name=name, note=NOTES[name]
        )
        assert done.state == transition.target
        assert done.version == referral.version + 1
        event = AuditEvent.objects.get(action=f"referral.{name}")
        assert event.case_id == case_a.pk and event.actor_id == actor.pk
        assert event.changes["state"] == {"old": state, "new": transition.target}
    else:
        with pytest.raises(ValidationError) as exc:
            referral_services.referral_transition(
                actor=actor, referral=referral, name=name, note=NOTES[name]
            )
        assert "state" in error_dict(exc)
        assert Referral.objects.get(pk=referral.pk).state == state


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
@pytest.mark.parametrize("name", sorted(REFERRAL.transitions))
def test_someone_with_no_role_on_the_case_may_take_no_transition(
    request, case_a, partner, director_a, persona, name
):
    referral = refer(director_a, case_a, partner)
    if name == "complete":
        referral = in_state(referral, "accepted")
    with pytest.raises(PermissionDenied):
        referral_services.referral_transition(
            actor=request.getfixturevalue(persona), referral=referral, name=name, note="x"
        )
    assert Referral.objects.get(pk=referral.pk).state == referral.state


def test_the_table_names_exactly_the_four_transitions_and_gives_buttons_by_state():
    assert set(REFERRAL.transitions) == {"accept", "reject", "complete", "revoke"}
    names = {t.name for t in REFERRAL.available("pending", {"owner"})}
    assert names == {"accept", "reject", "revoke"}
    assert {t.name for t in REFERRAL.available("accepted", {"staff"})} == {"complete", "revoke"}
    assert REFERRAL.available("completed", {"owner", "district"}) == []
    assert REFERRAL.available("pending", set()) == []


# --- what each transition records -----------------------------------------------------------


def test_accepting_takes_an_optional_note_and_records_when(case_a, partner, director_a):
    referral = refer(director_a, case_a, partner)
    done = referral_services.referral_accept(actor=director_a, referral=referral)
    assert done.state == "accepted" and done.responded_at is not None
    assert done.response_note == ""


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("reject", "Please record the partner's reason for rejecting."),
        ("complete", "Please record the partner's feedback."),
        ("revoke", "Please give the reason for revoking the referral."),
    ],
)
def test_reject_complete_and_revoke_need_their_text(case_a, partner, director_a, name, message):
    referral = refer(director_a, case_a, partner)
    if name == "complete":
        referral = in_state(referral, "accepted")
    with pytest.raises(ValidationError) as exc:
        referral_services.referral_transition(
            actor=director_a, referral=referral, name=name, note="  "
        )
    assert error_dict(exc) == {"note": [message]}


def test_completing_records_the_partners_feedback(case_a, partner, director_a, supervisor):
    referral = referral_services.referral_accept(
        actor=director_a, referral=refer(director_a, case_a, partner), note="Starts Monday."
    )
    done = referral_services.referral_complete(
        actor=supervisor, referral=referral, feedback="Attended all six sessions."
    )
    assert done.feedback == "Attended all six sessions."
    assert done.completed_at is not None and done.response_note == "Starts Monday."
    assert AuditEvent.objects.get(action="referral.complete").note == "Attended all six sessions."


def test_a_stale_version_is_a_conflict_and_changes_nothing(case_a, partner, director_a):
    referral = refer(director_a, case_a, partner)
    referral_services.referral_accept(actor=director_a, referral=referral, expected_version=1)
    with pytest.raises(ConflictError):
        referral_services.referral_revoke(
            actor=director_a, referral=referral, reason="Not needed.", expected_version=1
        )
    assert Referral.objects.get(pk=referral.pk).state == "accepted"


# --- creating a referral --------------------------------------------------------------------


def test_a_referral_copies_the_case_area_and_is_in_the_case_timeline(
    case_a, partner, director_a, child_a
):
    referral = refer(director_a, case_a, partner)
    assert referral.state == "pending" and referral.version == 1
    assert (referral.district_id, referral.subdistrict_id, referral.community_id) == (
        child_a.district_id,
        child_a.subdistrict_id,
        child_a.community_id,
    )
    event = AuditEvent.objects.get(action="referral.create")
    assert event.case_id == case_a.pk and event.child_id == child_a.pk
    assert event.changes["referral"] == {"new": referral.pk}
    assert event.changes["partner"] == {"new": partner.name}
    assert event.note == "Needs counselling after a family crisis."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": " "}, "reason", "Please give the reason for the referral."),
        (
            {"accept_by": None},
            "accept_by",
            "Please give the date by which the partner should accept.",
        ),
        ({"accept_by": dt.timedelta(days=-1)}, "accept_by", "The deadline cannot be in the past."),
        (
            {"accept_by": dt.timedelta(days=61)},
            "accept_by",
            "The deadline can be at most 60 days from today.",
        ),
        ({"service_type": "massage"}, "service_type", "Please choose a service from the list."),
    ],
)
def test_referral_input_is_checked_with_clear_messages(
    case_a, partner, director_a, overrides, field, message
):
    if isinstance(overrides.get("accept_by"), dt.timedelta):
        overrides = {"accept_by": today() + overrides["accept_by"]}
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, partner, **overrides)
    assert error_dict(exc)[field] == [message]
    assert not Referral.objects.exists()


def test_the_deadline_may_be_today_or_sixty_days_ahead(case_a, partner, director_a, areas):
    refer(director_a, case_a, partner, accept_by=today())
    other = Partner.objects.create(
        name="长宁区法律援助中心", kind="legal_aid", area=areas["district"]
    )
    assert refer(director_a, case_a, other, accept_by=today() + dt.timedelta(days=60)).pk


def test_a_second_live_referral_to_the_same_partner_is_refused_clearly(case_a, partner, director_a):
    first = refer(director_a, case_a, partner)
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, partner)
    assert "already has a pending or accepted referral" in error_dict(exc)["partner"][0]
    referral_services.referral_reject(actor=director_a, referral=first, reason="No places.")
    assert refer(director_a, case_a, partner).state == "pending"  # the first is no longer live


def test_an_inactive_partner_gets_no_referral(case_a, partner, director_a):
    Partner.objects.filter(pk=partner.pk).update(active=False)
    partner.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, partner)
    assert error_dict(exc) == {"partner": ["This partner is no longer active."]}


def test_a_partner_the_actor_cannot_see_is_refused(case_a, director_a, areas):
    elsewhere = Partner.objects.create(
        name="仙霞儿童之家", kind="childrens_home", area=areas["xianxia"]
    )
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, elsewhere)
    assert error_dict(exc) == {"partner": ["No such partner in your areas."]}


def test_a_closed_case_cannot_be_referred(case_a, partner, director_a):
    case_a.stage = "closed"
    case_a.closed_at = timezone.now()
    case_a.closed_by = director_a
    case_a.save()
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, partner)
    assert error_dict(exc) == {"state": ["Only an open case can be referred."]}


def test_someone_who_cannot_see_the_case_cannot_refer_it(case_a, partner, director_b):
    with pytest.raises(PermissionDenied):
        refer(director_b, case_a, partner)


# --- the partner registry -------------------------------------------------------------------


def partner_data(areas, **overrides) -> dict:
    data = {
        "name": "天山路街道临时看护点",
        "kind": "temporary_care",
        "area": areas["tianshan"],
        "services": "临时照护",
        "address": "天山路1号",
        "contact_name": "王老师",
        "contact_phone": "021-62590000",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "area_key"),
    [
        ("supervisor", "tianshan"),
        ("supervisor", "community_a"),
        ("district_officer", "district"),
        ("district_officer", "xianxia"),
        ("district_officer", "community_c"),
    ],
)
def test_supervisors_and_district_staff_register_partners_in_their_areas(
    request, areas, persona, area_key
):
    actor = request.getfixturevalue(persona)
    partner = services.partner_create(actor=actor, data=partner_data(areas, area=areas[area_key]))
    assert partner.area == areas[area_key] and partner.active
    event = AuditEvent.objects.get(action="partner.create")
    assert event.actor_id == actor.pk and event.object_id == str(partner.pk)
    assert event.changes["name"] == {"new": "天山路街道临时看护点"}


@pytest.mark.parametrize("persona", ["director_a", "unassigned", "station_staff"])
def test_directors_station_staff_and_the_unassigned_cannot_register_partners(
    request, areas, persona
):
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=request.getfixturevalue(persona), data=partner_data(areas))
    assert not Partner.objects.exists()


@pytest.mark.parametrize("area_key", ["xianxia", "community_c", "district"])
def test_a_supervisor_cannot_register_a_partner_outside_their_subdistrict(
    supervisor, areas, area_key
):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=supervisor, data=partner_data(areas, area=areas[area_key]))
    assert error_dict(exc) == {"area": ["You cannot register partners in this area."]}


def test_a_name_already_registered_in_the_area_is_refused_with_a_clear_message(
    supervisor, areas, partner
):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(
            actor=supervisor, data=partner_data(areas, name=" 天山路儿童服务中心 ")
        )
    assert error_dict(exc) == {
        "name": ["A partner named “天山路儿童服务中心” is already registered in 天山路街道."]
    }
    # The same name in another area is another partner.
    other = services.partner_create(
        actor=supervisor,
        data=partner_data(areas, name="天山路儿童服务中心", area=areas["community_a"]),
    )
    assert other.pk != partner.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "zoo"}, "kind"),
        ({"area": None}, "area"),
        ({"contact_phone": "call me maybe"}, "contact_phone"),
        ({"services": "x" * 301}, "services"),
    ],
)
def test_partner_input_is_checked_field_by_field(supervisor, areas, overrides, field):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=supervisor, data=partner_data(areas, **overrides))
    assert field in error_dict(exc)


def test_editing_a_partner_is_audited_with_old_and_new_values(supervisor, partner):
    updated = services.partner_update(
        actor=supervisor,
        partner=partner,
        data={"contact_name": "李老师", "contact_phone": "13800000000"},
        expected_version=1,
    )
    assert updated.version == 2 and updated.contact_name == "李老师"
    event = AuditEvent.objects.get(action="partner.update")
    assert event.changes["contact_name"] == {"old": "", "new": "李老师"}
    with pytest.raises(ConflictError):
        services.partner_update(
            actor=supervisor, partner=partner, data={"notes": "late"}, expected_version=1
        )


def test_a_supervisor_cannot_edit_a_district_partner_they_can_see(supervisor, areas):
    district_partner = Partner.objects.create(
        name="长宁区未成年人保护中心", kind="service_centre", area=areas["district"]
    )
    with pytest.raises(PermissionDenied):
        services.partner_update(actor=supervisor, partner=district_partner, data={"notes": "x"})


def test_a_supervisor_cannot_move_their_partner_to_another_subdistrict(supervisor, partner, areas):
    with pytest.raises(ValidationError) as exc:
        services.partner_update(actor=supervisor, partner=partner, data={"area": areas["xianxia"]})
    assert "area" in error_dict(exc)


def test_a_partner_is_deactivated_not_deleted_and_can_come_back(
    supervisor, partner, case_a, director_a
):
    refer(director_a, case_a, partner)
    off = services.partner_set_active(
        actor=supervisor, partner=partner, active=False, note="Closed"
    )
    assert not off.active and Partner.objects.filter(pk=partner.pk).exists()
    assert AuditEvent.objects.get(action="partner.deactivate").note == "Closed"
    assert Referral.objects.filter(partner=partner).count() == 1  # history kept
    on = services.partner_set_active(actor=supervisor, partner=partner, active=True)
    assert on.active and AuditEvent.objects.filter(action="partner.reactivate").exists()


# --- overdue referral alerts ----------------------------------------------------------------


def test_an_overdue_pending_referral_alerts_the_owner_and_the_supervisor_once(
    case_a, partner, director_a, supervisor, child_a
):
    referral = refer(director_a, case_a, partner)
    Referral.objects.filter(pk=referral.pk).update(accept_by=today() - dt.timedelta(days=1))
    now = timezone.now()
    assert referral_alerts(now) == 2
    notes = Notification.objects.filter(kind=Notification.Kind.REFERRAL_OVERDUE)
    assert {n.recipient_id for n in notes} == {director_a.pk, supervisor.pk}
    for n in notes:
        assert n.key == f"referral_overdue:{referral.pk}"
        assert n.params == {
            "child": child_a.name,
            "partner": partner.name,
            "date": (today() - dt.timedelta(days=1)).isoformat(),
        }
        assert n.child_id == child_a.pk
    assert Referral.objects.get(pk=referral.pk).overdue_notified_at is not None
    # Idempotent: a second run, even with the marker cleared, sends nothing new.
    assert referral_alerts(now) == 0
    Referral.objects.filter(pk=referral.pk).update(overdue_notified_at=None)
    assert referral_alerts(now) == 0
    assert notes.count() == 2


def test_no_alert_on_the_deadline_day_or_for_answered_referrals(case_a, partner, director_a, areas):
    refer(director_a, case_a, partner, accept_by=today())
    other = Partner.objects.create(name="天山路派出所", kind="police", area=areas["tianshan"])
    answered = refer(director_a, case_a, other)
    referral_services.referral_accept(actor=director_a, referral=answered)
    Referral.objects.filter(pk=answered.pk).update(accept_by=today() - dt.timedelta(days=3))
    assert referral_alerts(timezone.now()) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.REFERRAL_OVERDUE).exists()


def test_the_owner_who_is_also_the_supervisor_gets_one_alert(
    case_a, partner, supervisor, director_a
):
    from weibao.cases.services import case_assign

    case_assign(actor=supervisor, case=case_a, owner=supervisor)
    referral = refer(supervisor, case_a, partner)
    Referral.objects.filter(pk=referral.pk).update(accept_by=today() - dt.timedelta(days=2))
    assert referral_alerts(timezone.now()) == 1
