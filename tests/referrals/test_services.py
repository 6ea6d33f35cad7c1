"""Referral services: the REFERRAL table walked cell by cell for every role on a case, validation
messages, audit rows and the overdue alert."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.helpers import error_dict, in_state, refer, today
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.notifications.models import Notification
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.jobs import referral_alerts
from weibao.referrals.models import Referral
from weibao.referrals.workflow import REFERRAL

pytestmark = pytest.mark.usefixtures("english")

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
    assert opened_note(event.note) == "Needs counselling after a family crisis."


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
