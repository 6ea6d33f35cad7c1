"""Partner registry and referral services: the REFERRAL table walked cell by cell for every
role on a case, validation messages, registry permissions, audit rows and the overdue alert."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.helpers import error_dict, in_state, refer, today
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.core.exceptions import ConflictError
from weibao.partners import services
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.jobs import referral_alerts
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")


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
    event = AuditEvent.objects.get(action="referral.complete")
    assert opened_note(event.note) == "Attended all six sessions."


def test_a_stale_version_is_a_conflict_and_changes_nothing(case_a, partner, director_a):
    referral = refer(director_a, case_a, partner)
    referral_services.referral_accept(actor=director_a, referral=referral, expected_version=1)
    with pytest.raises(ConflictError):
        referral_services.referral_revoke(
            actor=director_a, referral=referral, reason="Not needed.", expected_version=1
        )
    assert Referral.objects.get(pk=referral.pk).state == "accepted"


def test_the_deadline_may_be_today_or_sixty_days_ahead(case_a, partner, director_a, areas):
    refer(director_a, case_a, partner, accept_by=today())
    other = Partner.objects.create(
        name="长宁区法律援助中心", kind="legal_aid", area=areas["district"]
    )
    assert refer(director_a, case_a, other, accept_by=today() + dt.timedelta(days=60)).pk


def test_a_partner_the_actor_cannot_see_is_refused(case_a, director_a, areas):
    elsewhere = Partner.objects.create(
        name="仙霞儿童之家", kind="childrens_home", area=areas["xianxia"]
    )
    with pytest.raises(ValidationError) as exc:
        refer(director_a, case_a, elsewhere)
    assert error_dict(exc) == {"partner": ["No such partner in your areas."]}


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


def test_the_owner_who_is_also_the_supervisor_gets_one_alert(
    case_a, partner, supervisor, director_a
):
    from weibao.cases.services import case_assign

    case_assign(actor=supervisor, case=case_a, owner=supervisor)
    referral = refer(supervisor, case_a, partner)
    Referral.objects.filter(pk=referral.pk).update(accept_by=today() - dt.timedelta(days=2))
    assert referral_alerts(timezone.now()) == 1
