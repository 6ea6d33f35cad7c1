"""A merged or closed area leaves every list where a new value is chosen — registering a child,
a transfer's destination, a role's area, the API's list of areas — and the completion table of
the months it owed nothing; it stays wherever the records of the past name it
(docs/domain.md §1.16)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import api_client, child_data, web_client
from tests.helpers import error_dict
from weibao.areas.models import Area
from weibao.areas.services import area_close
from weibao.children.services import child_create
from weibao.visits.selectors import completion_table


@pytest.fixture
def closed_b(district_officer, areas) -> Area:
    return area_close(actor=district_officer, area=areas["community_b"])


def test_a_closed_community_is_not_offered_when_registering_a_child(
    district_officer, closed_b, areas
):
    form = web_client(district_officer).get("/children/new/").context["form"]
    offered = set(form.fields["community"].queryset)
    assert areas["community_a"] in offered and closed_b not in offered
    with pytest.raises(Exception) as exc:
        child_create(
            actor=district_officer,
            data=child_data(closed_b, name="周新"),
            categories=["left_behind"],
            guardians=[],
        )
    assert "community" in error_dict(exc)


def test_a_closed_community_is_not_a_transfer_destination(
    director_a, child_a, district_officer, areas
):
    area_close(actor=district_officer, area=areas["community_c"])
    form = web_client(director_a).get(f"/transfers/start/{child_a.pk}/").context["form"]
    offered = set(form.fields["to_community"].queryset)
    assert areas["community_b"] in offered and areas["community_c"] not in offered


def test_a_closed_area_takes_no_new_role(district_officer, closed_b, newcomer_b):
    form = web_client(district_officer).get("/accounts/people/").context["form"]
    assert closed_b not in set(form.fields["area"].queryset)
    response = web_client(district_officer).post(
        "/accounts/people/grant/", {"user": "newcomer", "role": "director", "area": closed_b.pk}
    )
    assert response.context["form"].errors["area"]


@pytest.fixture
def newcomer_b(db):
    from tests.conftest import _user

    return _user("newcomer")


def test_the_api_list_leaves_out_closed_areas(supervisor, closed_b):
    names = {row["name"] for row in api_client(supervisor).get("/api/v1/areas/").json()["results"]}
    assert "测试乙居民区" not in names and "测试甲居民区" in names


def test_a_closed_community_shows_in_the_completion_table_only_when_it_owed_visits(
    supervisor, closed_b, areas
):
    today = timezone.localdate()
    rows = completion_table(
        supervisor, subdistrict=areas["tianshan"], year=today.year, month=today.month
    )
    assert {r.community.name for r in rows} == {"测试甲居民区"}


def test_a_file_in_a_closed_community_keeps_naming_it(district_officer, make_child, areas):
    from weibao.children.choices import Status
    from weibao.children.models import Child

    gone = make_child("community_b", name="钱旧")
    Child.objects.filter(pk=gone.pk).update(status=Status.MOVED_OUT, status_date=dt.date.today())
    area_close(actor=district_officer, area=areas["community_b"])
    page = web_client(district_officer).get(f"/children/{gone.pk}/")
    assert page.status_code == 200 and "测试乙居民区" in page.content.decode()
