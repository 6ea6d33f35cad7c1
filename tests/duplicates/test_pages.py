"""The possible duplicates' pages and API (docs/domain.md §10): scope (a pair is seen by whoever
sees one of its children, the other shown without a name; out of scope is 404), deciding takes
seeing both, decisions audited, the notice on the child's page, flat queries for the lists."""

import pytest

from tests.conftest import api_client, web_client
from tests.duplicates.helpers import register
from tests.helpers import page_queries
from weibao.audit.models import AccessLog, AuditEvent
from weibao.duplicates.models import PossibleDuplicate, State

OTHER = "另一地区的一名儿童"


def test_the_supervisor_sees_both_children_of_a_pair_in_their_street(pair_ab, supervisor):
    response = web_client(supervisor).get("/duplicates/")
    assert response.status_code == 200
    assert response.content.decode().count("张小明") == 2
    assert OTHER not in response.content.decode()


def test_a_child_of_another_area_is_not_named(pair_ac, supervisor, supervisor_elsewhere):
    for user, hidden in ((supervisor, "李晓虹"), (supervisor_elsewhere, "李小红")):
        page = web_client(user).get("/duplicates/").content.decode()
        assert OTHER in page
        assert hidden not in page
        detail = web_client(user).get(f"/duplicates/{pair_ac.pk}/").content.decode()
        assert OTHER in detail and hidden not in detail
        data = api_client(user).get(f"/api/v1/duplicates/{pair_ac.pk}/").json()
        hidden_side = [c for c in data["children"] if not c["in_scope"]]
        assert hidden_side == [
            {"in_scope": False, "id": None, "name": None, "birth_date": None, "community": None}
        ]
        assert data["may_decide"] is False


def test_a_director_sees_the_pairs_of_their_residential_area(pair_ab, director_b, director_a):
    page = web_client(director_b).get("/duplicates/").content.decode()
    assert page.count("张小明") == 1 and OTHER in page
    assert web_client(director_a).get(f"/duplicates/{pair_ab.pk}/").status_code == 200


def test_out_of_scope_people_get_404(pair_ab, director_elsewhere, supervisor_elsewhere, unassigned):
    for user in (director_elsewhere, supervisor_elsewhere, unassigned):
        web, api = web_client(user), api_client(user)
        assert web.get(f"/duplicates/{pair_ab.pk}/").status_code == 404
        assert web.post(f"/duplicates/{pair_ab.pk}/confirm/", {}).status_code == 404
        assert web.post(f"/duplicates/{pair_ab.pk}/dismiss/", {}).status_code == 404
        assert api.get(f"/api/v1/duplicates/{pair_ab.pk}/").status_code == 404
        assert api.post(f"/api/v1/duplicates/{pair_ab.pk}/confirm/", {}).status_code == 404
        assert api.post(f"/api/v1/duplicates/{pair_ab.pk}/dismiss/", {}).status_code == 404
    assert web_client(unassigned).get("/duplicates/").status_code == 404
    listed = api_client(director_elsewhere).get("/api/v1/duplicates/").json()
    assert listed["results"] == []


def test_only_someone_who_sees_both_children_decides(pair_ac, pair_ab, supervisor, director_b,
                                                     district_officer):  # fmt: skip
    # Across two 街镇: the district's staff.
    assert web_client(supervisor).post(f"/duplicates/{pair_ac.pk}/confirm/",
                                       {"confirm-version": 1}).status_code == 403  # fmt: skip
    assert api_client(director_b).post(f"/api/v1/duplicates/{pair_ab.pk}/dismiss/", {},
                                       format="json").status_code == 403  # fmt: skip
    response = api_client(district_officer).post(
        f"/api/v1/duplicates/{pair_ac.pk}/confirm/",
        {"note": "同一户籍", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == State.CONFIRMED


def test_confirming_records_the_pair_audited_and_merges_nothing(pair_ab, supervisor):
    response = web_client(supervisor).post(
        f"/duplicates/{pair_ab.pk}/confirm/",
        {"confirm-version": pair_ab.version, "confirm-note": "户口本相同"},
    )
    assert response.status_code == 302
    pair = PossibleDuplicate.objects.get(pk=pair_ab.pk)
    assert (pair.state, pair.decided_by_id, pair.note) == (State.CONFIRMED, supervisor.pk,
                                                           "户口本相同")  # fmt: skip
    event = AuditEvent.objects.get(action="duplicate.confirm")
    assert event.object_id == str(pair.pk) and event.actor_id == supervisor.pk
    # Both files are still there, untouched.
    assert pair.child.status == "active" and pair.other.status == "active"


def test_dismissing_through_the_api_is_audited_and_final(pair_ab, supervisor):
    client = api_client(supervisor)
    url = f"/api/v1/duplicates/{pair_ab.pk}/dismiss/"
    too_long = client.post(url, {"note": "x" * 501}, format="json")
    assert too_long.status_code == 400 and list(too_long.json()) == ["note"]
    assert client.post(url, {"colour": "red"}, format="json").status_code == 400
    assert client.post(url, {"version": 7}, format="json").status_code == 409
    response = client.post(url, {"note": "双胞胎", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["state"] == State.DISMISSED
    assert AuditEvent.objects.filter(action="duplicate.dismiss").count() == 1
    again = client.post(url, {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "decided"


def test_a_too_long_reason_is_said_next_to_the_field_and_kept(pair_ab, supervisor):
    response = web_client(supervisor).post(
        f"/duplicates/{pair_ab.pk}/dismiss/", {"dismiss-version": 1, "dismiss-note": "长" * 501}
    )
    assert response.status_code == 200
    assert response.context["dismiss_form"].errors["note"]
    assert "长" * 501 in response.content.decode()
    assert PossibleDuplicate.objects.get(pk=pair_ab.pk).state == State.OPEN


def test_the_pair_page_is_access_logged_for_each_file_shown(pair_ac, supervisor):
    web_client(supervisor).get(f"/duplicates/{pair_ac.pk}/")
    assert list(AccessLog.objects.values_list("child_id", flat=True)) == [pair_ac.child_id]


def test_the_childs_page_has_a_notice_while_a_pair_is_open(pair_ab, supervisor):
    client = web_client(supervisor)
    url = f"/children/{pair_ab.child_id}/"
    assert f"/duplicates/{pair_ab.pk}/" in client.get(url).content.decode()
    client.post(f"/duplicates/{pair_ab.pk}/dismiss/", {"dismiss-version": 1})
    assert f"/duplicates/{pair_ab.pk}/" not in client.get(url).content.decode()


def test_the_list_shows_open_pairs_unless_asked(pair_ab, pair_ac, district_officer):
    client = web_client(district_officer)
    client.post(f"/duplicates/{pair_ab.pk}/dismiss/", {"dismiss-version": 1})
    assert client.get("/duplicates/").context["page"].paginator.count == 1
    assert client.get("/duplicates/?state=dismissed").context["page"].paginator.count == 1
    assert client.get("/duplicates/?state=all").context["page"].paginator.count == 2
    api = api_client(district_officer)
    assert api.get("/api/v1/duplicates/?state=open").json()["count"] == 1
    assert api.get("/api/v1/duplicates/?state=bogus").status_code == 400


@pytest.mark.parametrize("url", ["/duplicates/", "/duplicates/?state=all", "/api/v1/duplicates/"])
def test_the_lists_run_flat_queries(areas, district_officer, supervisor, url):
    client = web_client(supervisor) if not url.startswith("/api") else api_client(supervisor)

    def grow(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            name = f"重复{i}号"
            register(district_officer, areas["community_a"], name)
            register(district_officer, areas[("community_b", "community_c")[i % 2]], name)

    grow(3)
    few = page_queries(client, url, warm=True)
    grow(17, start=3)
    assert PossibleDuplicate.objects.count() == 20
    assert page_queries(client, url, warm=True) == few


def test_a_pair_decided_meanwhile_is_shown_as_it_is_now_with_why(pair_ab, supervisor,
                                                                  district_officer):  # fmt: skip
    web_client(district_officer).post(f"/duplicates/{pair_ab.pk}/dismiss/", {"dismiss-version": 1})
    response = web_client(supervisor).post(
        f"/duplicates/{pair_ab.pk}/confirm/", {"confirm-version": 1, "confirm-note": "同一人"}
    )
    assert response.status_code == 200
    assert response.context["pair"].state == State.DISMISSED
    assert [str(m) for m in response.context["messages"]]
    assert PossibleDuplicate.objects.get(pk=pair_ab.pk).state == State.DISMISSED
