"""/api/v1/inspections/: a finding from the patrol through the 四位一体 meeting's decision to
resolved, with field-level errors for bad input and the schema documenting every step."""

import datetime as dt

from tests.conftest import api_client
from tests.helpers import today
from weibao.inspections.models import Finding

BASE = "/api/v1/inspections"


def test_a_team_s_work_through_the_api(areas, supervisor, make_child):
    client = api_client(supervisor)
    child = make_child("community_b", name="钱小乙")
    team = client.post(f"{BASE}/teams/", {"community": areas["community_b"].pk}, format="json")
    assert team.status_code == 201, team.json()
    team = team.json()["id"]
    day = (today() - dt.timedelta(days=3)).isoformat()
    member = client.post(
        f"{BASE}/members/",
        {"team": team, "child": child.pk, "consent_by": "父亲", "consent_on": day,
         "consent_how": "phone", "joined_on": day},
        format="json",
    )  # fmt: skip
    assert member.status_code == 201 and member.json()["child_name"] == "钱小乙"
    patrol = client.post(
        f"{BASE}/patrols/",
        {"team": team, "patrolled_on": day, "route": "南门", "adults": "社工",
         "members": [member.json()["id"]]},
        format="json",
    )  # fmt: skip
    assert patrol.status_code == 201, patrol.json()
    finding = client.post(
        f"{BASE}/findings/",
        {"patrol": patrol.json()["id"], "what": "斑马线褪色", "place": "南门外",
         "place_general": "小区南门", "category": "traffic"},
        format="json",
    )  # fmt: skip
    assert finding.status_code == 201 and finding.json()["state"] == "found"
    pk = finding.json()["id"]
    meeting = client.post(
        f"{BASE}/meetings/",
        {"team": team, "held_on": day, "parties": ["committee", "property"], "findings": [pk]},
        format="json",
    )
    assert meeting.status_code == 201 and meeting.json()["agenda"] == [pk]
    version = client.get(f"{BASE}/findings/{pk}/").json()["version"]
    decided = client.post(
        f"{BASE}/findings/{pk}/decide/",
        {"decision": "申请重新划线", "owner": "other", "owner_other": "区交警支队",
         "due_on": today().isoformat(), "version": version},
        format="json",
    )  # fmt: skip
    assert decided.status_code == 200 and decided.json()["state"] == "in_progress"
    resolved = client.post(
        f"{BASE}/findings/{pk}/resolve/",
        {"outcome": "斑马线已重新划好", "resolved_on": today().isoformat(),
         "version": decided.json()["version"]},
        format="json",
    )  # fmt: skip
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert Finding.objects.get(pk=pk).owner_label() == "区交警支队"


def test_bad_input_gets_field_level_errors(teams, supervisor):
    client = api_client(supervisor)
    response = client.post(
        f"{BASE}/findings/",
        {"patrol": teams.other_team.patrols.get().pk, "what": "", "category": "weather"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert {"patrol", "what", "place", "category"} <= set(response.json())
    unknown = client.post(f"{BASE}/findings/", {"colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()
    response = client.post(
        f"{BASE}/findings/{teams.on_agenda.pk}/decide/",
        {"decision": "修", "owner": "mayor", "due_on": "tomorrow", "version": 1},
        format="json",
    )
    assert response.status_code == 400 and {"owner", "due_on"} <= set(response.json())
    assert client.get(f"{BASE}/findings/?state=lost").status_code == 400
    assert client.get(f"{BASE}/findings/?search=x").status_code == 400


def test_the_schema_documents_the_teams_and_the_decision(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/inspections/teams/", "/api/v1/inspections/members/{id}/leave/",
                 "/api/v1/inspections/patrols/", "/api/v1/inspections/meetings/{id}/",
                 "/api/v1/inspections/findings/{id}/decide/",
                 "/api/v1/inspections/findings/{id}/resolve/"):  # fmt: skip
        assert path in schema, path
