"""/api/v1/transfers/: list, create, detail, accept, refuse, cancel. Field-level 400s, 403 for a
role that may not take the step, 409 for a step blocked or a stale version, and 404 out of
scope exactly as for an id that does not exist."""

import pytest

from tests.conftest import api_client
from tests.helpers import assert_chinese
from tests.transfers.helpers import ask
from weibao.children.models import Child
from weibao.transfers.models import Transfer

URL = "/api/v1/transfers/"


@pytest.fixture
def pending(child_a, director_a, areas):
    return ask(director_a, child_a, areas["community_c"])


def _create(user, **body):
    return api_client(user).post(URL, body, format="json")


def _step(user, transfer, name, **body):
    body.setdefault("version", transfer.version)
    return api_client(user).post(f"{URL}{transfer.pk}/{name}/", body, format="json")


def test_asking_answers_the_transfer(child_a, director_a, areas):
    response = _create(
        director_a, child=child_a.pk, to_community=areas["community_c"].pk, reason="搬家。"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["to_community"], data["from_community"]) == (
        "requested",
        areas["community_c"].pk,
        areas["community_a"].pk,
    )
    assert data["actions"] == ["cancel"]


def test_bad_input_is_a_field_level_400(child_a, director_a, areas):
    response = _create(director_a, child=child_a.pk, reason="")
    assert response.status_code == 400
    assert set(response.json()) == {"to_community", "reason"}
    assert_chinese(response.json()["reason"][0])
    response = _create(
        director_a, child=child_a.pk, reason="x", to_community=areas["community_c"].pk, size=1
    )
    assert response.status_code == 400 and list(response.json()) == ["size"]
    response = _create(director_a, child=child_a.pk, reason="x", to_community=areas["tianshan"].pk)
    assert response.status_code == 400 and list(response.json()) == ["to_community"]


def test_a_child_out_of_scope_is_no_such_child(child_c, director_a, areas):
    response = _create(
        director_a, child=child_c.pk, reason="x", to_community=areas["community_b"].pk
    )
    assert response.status_code == 400 and list(response.json()) == ["child"]


def test_a_second_pending_transfer_is_a_409(child_a, pending, supervisor, areas):
    response = _create(
        supervisor, child=child_a.pk, reason="x", to_community=areas["community_b"].pk
    )
    assert response.status_code == 409 and response.json()["code"] == "pending"


def test_the_receiving_supervisor_accepts(child_a, pending, supervisor_elsewhere, areas):
    response = api_client(supervisor_elsewhere).get(f"{URL}{pending.pk}/")
    assert response.json()["actions"] == ["accept", "refuse"] and response.json()["blocked"] == {}
    response = _step(supervisor_elsewhere, pending, "accept")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert Child.objects.get(pk=child_a.pk).community == areas["community_c"]


def test_the_asker_may_not_decide(child_a, district_officer, areas):
    transfer = ask(district_officer, child_a, areas["community_c"])
    data = api_client(district_officer).get(f"{URL}{transfer.pk}/").json()
    assert set(data["blocked"]) == {"accept", "refuse"}
    response = _step(district_officer, transfer, "accept")
    assert response.status_code == 409 and response.json()["code"] == "four_eyes"


def test_a_sender_may_not_accept(pending, supervisor):
    assert _step(supervisor, pending, "accept").status_code == 403


def test_a_refusal_needs_its_reason(pending, supervisor_elsewhere):
    response = _step(supervisor_elsewhere, pending, "refuse", note="")
    assert response.status_code == 400 and list(response.json()) == ["note"]
    response = _step(supervisor_elsewhere, pending, "refuse", note="地址不在本街镇。")
    assert response.status_code == 200 and response.json()["status"] == "refused"


def test_a_stale_version_is_a_409(pending, supervisor_elsewhere):
    response = _step(supervisor_elsewhere, pending, "accept", version=pending.version + 1)
    assert response.status_code == 409
    assert Transfer.objects.get(pk=pending.pk).status == "requested"


def test_the_sender_cancels(pending, director_a):
    response = _step(director_a, pending, "cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_the_list_holds_what_each_side_sees(pending, director_a, supervisor_elsewhere, director_b):
    def listed(user):
        return [row["id"] for row in api_client(user).get(URL).json()["results"]]

    assert listed(director_a) == listed(supervisor_elsewhere) == [pending.pk]
    assert listed(director_b) == []
    assert api_client(director_a).get(URL, {"status": "accepted"}).json()["count"] == 0


@pytest.mark.parametrize("who", ["director_b", "director_elsewhere", "unassigned"])
def test_out_of_scope_is_404_on_every_endpoint(pending, who, request):
    user = request.getfixturevalue(who)
    client = api_client(user)
    missing = client.get(f"{URL}{pending.pk + 100}/")
    response = client.get(f"{URL}{pending.pk}/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    for name in ("accept", "refuse", "cancel"):
        assert _step(user, pending, name, note="x").status_code == 404, name


def test_the_schema_documents_the_endpoints(district_officer):
    schema = api_client(district_officer).get("/api/schema/", {"format": "json"}).json()
    for path in (URL, f"{URL}{{id}}/", f"{URL}{{id}}/accept/", f"{URL}{{id}}/refuse/"):
        assert path in schema["paths"], path
