"""A closed area leaves every list where a new value is chosen (docs/domain.md §1.16) in the
apps that pick an area: the partner registry, the roster, training sessions, a new station and
the public report door — and the services refuse it with a field error, while a record already
there keeps its area."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import api_client, web_client
from tests.helpers import error_dict
from tests.staff.helpers import add_member
from tests.training.helpers import topic_of
from weibao.areas.models import Area
from weibao.areas.services import area_close
from weibao.partners.models import Partner
from weibao.partners.services import partner_create, partner_update
from weibao.staff.services import staff_create
from weibao.training.services import session_create


@pytest.fixture
def closed_b(district_officer, areas) -> Area:
    return area_close(actor=district_officer, area=areas["community_b"])


@pytest.fixture
def closed_xianxia(district_officer, areas) -> Area:
    area_close(actor=district_officer, area=areas["community_c"])
    return area_close(actor=district_officer, area=areas["xianxia"])


def _offered(form, field: str) -> set[int]:
    return {int(value) for value, _label in form.fields[field].choices if str(value).isdigit()}


def _partner(area: Area, name: str = "演示社工站") -> Partner:
    return Partner.objects.create(name=name, kind="service_centre", area=area)


# --- partners -------------------------------------------------------------------------------


def test_the_partner_form_does_not_offer_a_closed_area(district_officer, closed_b, areas):
    form = web_client(district_officer).get("/partners/new/").context["form"]
    offered = _offered(form, "area")
    assert areas["community_a"].pk in offered and closed_b.pk not in offered


def test_a_partner_cannot_be_registered_in_a_closed_area(district_officer, closed_b):
    with pytest.raises(Exception) as exc:
        partner_create(
            actor=district_officer,
            data={"name": "新伙伴", "kind": "service_centre", "area": closed_b},
        )
    assert "area" in error_dict(exc)
    response = api_client(district_officer).post(
        "/api/v1/partners/",
        {"name": "新伙伴", "kind": "service_centre", "area": closed_b.pk},
        format="json",
    )
    assert response.status_code == 400 and "area" in response.json()
    assert not Partner.objects.filter(name="新伙伴").exists()


def test_a_partner_of_a_closed_area_keeps_it_and_can_still_be_edited(district_officer, areas):
    partner = _partner(areas["community_b"])
    area_close(actor=district_officer, area=areas["community_b"])
    form = web_client(district_officer).get(f"/partners/{partner.pk}/edit/").context["form"]
    assert areas["community_b"].pk in _offered(form, "area")
    saved = partner_update(actor=district_officer, partner=partner, data={"services": "辅导"})
    assert saved.area_id == areas["community_b"].pk and saved.services == "辅导"
    # ... but no other partner moves into it.
    other = _partner(areas["community_a"], "另一伙伴")
    with pytest.raises(Exception) as exc:
        partner_update(actor=district_officer, partner=other, data={"area": areas["community_b"]})
    assert "area" in error_dict(exc)


# --- the roster -----------------------------------------------------------------------------


def test_the_roster_form_does_not_offer_a_closed_area(district_officer, closed_b, areas):
    form = web_client(district_officer).get("/staff/new/").context["form"]
    offered = _offered(form, "area")
    assert areas["community_a"].pk in offered and closed_b.pk not in offered


def test_nobody_new_is_placed_in_a_closed_area(district_officer, closed_b):
    with pytest.raises(Exception) as exc:
        staff_create(
            actor=district_officer,
            data={
                "name": "新主任",
                "role": "director",
                "area": closed_b,
                "start_date": dt.date(2024, 1, 1),
            },
        )
    assert "area" in error_dict(exc)


def test_a_person_of_a_closed_area_can_still_be_edited(district_officer, areas):
    member = add_member(district_officer, areas["community_b"], "volunteer", name="老志愿者")
    area_close(actor=district_officer, area=areas["community_b"])
    form = web_client(district_officer).get(f"/staff/{member.pk}/edit/").context["form"]
    assert areas["community_b"].pk in _offered(form, "area")


# --- training, stations, the public door ----------------------------------------------------


def test_a_closed_subdistrict_organises_no_new_session(district_officer, closed_xianxia, areas):
    form = web_client(district_officer).get("/training/new/").context["form"]
    offered = _offered(form, "organiser")
    assert areas["tianshan"].pk in offered and closed_xianxia.pk not in offered
    with pytest.raises(Exception) as exc:
        session_create(
            actor=district_officer,
            data={
                "organiser": closed_xianxia,
                "topic": topic_of(areas["district"]),
                "held_on": dt.date(2024, 3, 1),
                "mode": "online",
                "trainer": "讲师",
                "hours": Decimal("2"),
            },
        )
    assert "organiser" in error_dict(exc)


def test_a_closed_subdistrict_gets_no_new_station(district_officer, closed_xianxia, areas):
    form = web_client(district_officer).get("/stations/new/").context["form"]
    offered = set(form.fields["subdistrict"].queryset)
    assert areas["tianshan"] in offered and closed_xianxia not in offered
    response = api_client(district_officer).post(
        "/api/v1/stations/",
        {"subdistrict": closed_xianxia.pk, "name": "演示站"},
        format="json",
    )
    assert response.status_code == 400 and "subdistrict" in response.json()


def test_the_public_door_does_not_offer_a_closed_subdistrict(closed_xianxia, areas):
    form = web_client(None).get("/report/").context["form"]
    values = {str(v) for v, _label in form.fields["area"].choices}
    assert f"s{areas['tianshan'].pk}" in values and f"s{closed_xianxia.pk}" not in values
    listed = api_client(None).get("/api/v1/public/areas/").json()
    names = {s["name"] for d in listed for s in d["subdistricts"]}
    assert "天山路街道" in names and "仙霞新村街道" not in names
    response = api_client(None).post(
        "/api/v1/public/reports/",
        {
            "situations": ["s6"],
            "description": "A girl of about 6 is alone at home every day.",
            "subdistrict": closed_xianxia.pk,
            "reporter_type": "public",
        },
        format="json",
    )
    assert response.status_code == 400 and "subdistrict" in response.json()
