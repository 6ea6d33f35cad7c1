"""Editing the 居民区 on the file no longer moves a child whose case or visits would stay
behind: the web form and the API refuse it next to the field and point to the transfer. A
child with neither (a registration mistake) is still corrected there (docs/domain.md §3.12)."""

import pytest

from tests.children.test_pages import form_post
from tests.conftest import api_client, web_client
from tests.helpers import assert_chinese
from weibao.children.models import Child
from weibao.visits import services as visit_services


def _patch(user, child, community):
    return api_client(user).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": child.version, "community": community.pk},
        format="json",
    )


@pytest.fixture
def with_visit(child_a, director_a):
    """Child A with a draft visit only (no case)."""
    visit_services.visit_start(actor=director_a, child=child_a)
    return Child.objects.get(pk=child_a.pk)


@pytest.mark.parametrize("record", ["case_a", "with_visit"])
def test_the_api_refuses_a_direct_move_of_a_child_with_a_case_or_visits(
    district_officer, areas, record, request
):
    child = Child.objects.get(pk=request.getfixturevalue("child_a").pk)
    request.getfixturevalue(record)
    response = _patch(district_officer, child, areas["community_c"])
    assert response.status_code == 400
    [message] = response.json()["community"]
    assert_chinese(message)
    assert "转移" in message
    assert Child.objects.get(pk=child.pk).community == areas["community_a"]


def test_a_child_without_case_or_visits_is_corrected_directly(district_officer, child_a, areas):
    response = _patch(district_officer, child_a, areas["community_c"])
    assert response.status_code == 200, response.json()
    assert Child.objects.get(pk=child_a.pk).community == areas["community_c"]


def test_other_changes_of_a_child_with_a_case_still_save(district_officer, case_a):
    child = Child.objects.get(pk=case_a.child_id)
    response = api_client(district_officer).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": child.version, "community": child.community_id, "school": "新学校"},
        format="json",
    )
    assert response.status_code == 200, response.json()


def _edit_post(child, community):
    post = form_post(community, name=child.name, id_number="", school="我新填的学校")
    post.update({"version": child.version, "birth_date": child.birth_date.isoformat()})
    post.update({"sex": child.sex, "guardians-INITIAL_FORMS": "1"})
    post["guardians-0-id"] = child.guardians.get().pk
    return post


def test_the_edit_page_says_beforehand_and_refuses_at_the_field(district_officer, case_a, areas):
    child = Child.objects.get(pk=case_a.child_id)
    client = web_client(district_officer)
    page = client.get(f"/children/{child.pk}/edit/").content.decode()
    assert "转移" in page  # the help text under the field
    response = client.post(f"/children/{child.pk}/edit/", _edit_post(child, areas["community_c"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["community"] and "转移" in form.errors["community"][0]
    assert "我新填的学校" in response.content.decode()  # what was typed is kept
    assert Child.objects.get(pk=child.pk).community == areas["community_a"]


def test_the_edit_page_corrects_a_mistyped_area(district_officer, child_a, areas):
    client = web_client(district_officer)
    response = client.post(
        f"/children/{child_a.pk}/edit/", _edit_post(child_a, areas["community_c"])
    )
    assert response.status_code == 302
    assert Child.objects.get(pk=child_a.pk).community == areas["community_c"]
