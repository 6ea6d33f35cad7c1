"""The OpenAPI schema and the answers agree: every GET operation's real answer — over records
with blank optional fields (a child without grade or income source, a report without the
child's sex, a draft visit with no answers yet) — validates against the schema generated for
it, and its status is one the schema documents; so do the 400s of a bad query and the 401s of
an anonymous caller."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import api_client
from tests.council.helpers import a_meeting as council_meeting
from tests.council.helpers import a_member as council_member
from tests.helpers import today
from tests.inspections import helpers as inspection_helpers
from tests.staff.helpers import add_member
from tests.stations.conftest import make_station, review, submit
from tests.training.helpers import a_session, topic_of
from tests.transfers.helpers import ask, full_file
from weibao.activities import services as activity_services
from weibao.dashboards.services import monthly_report_make
from weibao.duplicates.models import PossibleDuplicate
from weibao.imports.services import import_upload
from weibao.security.models import ApiToken, SignedInDevice
from weibao.stations.services import zone_add
from weibao.suggestions.services import suggestion_submit
from weibao.visits import services as visit_services
from weibao.visits.models import VisitRule

ROOT = "urn:weibao-schema"


def json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema says it (a null among the types or the enum)."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def validator_for(schema: dict, response_schema: dict) -> Draft202012Validator:
    root = json_schema(schema)
    registry = Registry().with_resource(ROOT, Resource.from_contents(root, DRAFT202012))
    rooted = json.loads(json.dumps(json_schema(response_schema)).replace('"#/', f'"{ROOT}#/'))
    return Draft202012Validator(rooted, registry=registry)


def problems_of(schema: dict, path: str, method: str, response) -> list[str]:
    operation = schema["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    if documented is None:
        return [f"{method.upper()} {path}: status {response.status_code} is not documented"]
    content = documented.get("content", {}).get("application/json")
    if not content or response.status_code == 204:
        return []
    validator = validator_for(schema, content["schema"])
    return [
        f"{method.upper()} {path} {list(error.absolute_path)}: {error.message[:160]}"
        for error in validator.iter_errors(response.json())
    ]


@pytest.fixture
def ids(child_a, director_a, supervisor, partner, make_report, make_child, areas, district_officer):
    file = full_file(child_a, director_a, supervisor, partner)
    blank = make_child(name="空白", grade="", income_source="", school="")
    # A station with a zone (no floor area: blank optional fields) and a reviewed item.
    station = make_station(supervisor, areas["tianshan"], floor_area="")
    zone = zone_add(actor=supervisor, station=station, data={"name": "区", "kind": "other"})
    submit(supervisor, station, "window")
    evidence = review(district_officer, station, "window")
    # A project without end, budget or partners; an activity of it without times, with a child
    # of the register and a walk-in signed up.
    project = activity_services.project_create(
        actor=supervisor, data={"station": station, "name": "项目", "starts_on": today()}
    )
    activity = activity_services.activity_create(
        actor=supervisor,
        data={"title": "活动", "held_on": today(), "zone": zone, "capacity": 1},
        project=project,
    )
    activity_services.signup_add(actor=supervisor, activity=activity, child=blank)
    activity_services.walkin_add(actor=supervisor, activity=activity, name="小红", age=8)
    # 居民区 A's inspection team with a member, a patrol, a finding (no photo, no decision yet:
    # the optional fields blank) on a meeting's agenda.
    team = inspection_helpers.a_team(supervisor, areas["community_a"])
    member = inspection_helpers.a_member(supervisor, team, child_a)
    patrol = inspection_helpers.a_patrol(supervisor, team, [member])
    finding = inspection_helpers.a_finding(supervisor, patrol)
    meeting = inspection_helpers.a_meeting(supervisor, team, [finding])
    return {
        "inspections/teams": team.pk,
        "inspections/members": member.pk,
        "inspections/patrols": patrol.pk,
        "inspections/findings": finding.pk,
        "inspections/meetings": meeting.pk,
        "activities/projects": project.pk,
        "activities": activity.pk,
        "stations": station.pk,
        "station-zones": zone.pk,
        "standards": evidence.reviews.get().item.standard_id,
        "standard-items": evidence.reviews.get().item_id,
        "children": blank.pk,
        "visits": visit_services.visit_start(actor=supervisor, child=blank).pk,
        "cases": file.case.pk,
        "concerns": file.concern.pk,
        "reports": make_report(child_sex="", child_age=None).pk,
        "partners": partner.pk,
        "referrals": file.referral.pk,
        "protections": file.protection.pk,
        "service-records": file.service.pk,
        "transfers": ask(director_a, child_a, areas["community_b"]).pk,
        "areas": areas["tianshan"].pk,
        "visit-rules": VisitRule.objects.first().pk,
        # A person of the station (no 居民区, phone or account) and a session without title or
        # place: the optional fields blank.
        "staff": add_member(supervisor, areas["tianshan"], "station_head", phone="").pk,
        "training/sessions": a_session(supervisor, areas["tianshan"], held_on=today()).pk,
        "training/topics": topic_of(areas["district"]).pk,
        # A suggestion awaiting moderation: no 居民区, deadline or answer.
        "suggestions": suggestion_submit(station=station, text="多种树")[0].pk,
        # A meeting with nobody present, no minutes and a decision; a council with no member.
        "councils": station.pk,
        "council/members": council_member(supervisor, station, child_a).pk,
        "council/meetings": council_meeting(supervisor, station).pk,
        "dashboards": areas["tianshan"].pk,
        # A second file of child A's name and birth date: an open possible duplicate (§10).
        "duplicates": PossibleDuplicate.objects.filter(
            other=make_child(name=child_a.name, birth_date=child_a.birth_date)
        )
        .first()
        .pk,
        "imports": import_upload(
            actor=supervisor,
            upload=SimpleUploadedFile("台账.csv", "姓名,身份证号\n测试,\n".encode(), "text/csv"),
        ).pk,
        "dashboards/reports": monthly_report_make(
            actor=supervisor, area=areas["tianshan"], month=today().replace(day=1), today=today()
        ).pk,
    }


def url_of(path: str, ids: dict) -> str:
    parts = path.split("/")
    two = "/".join(parts[3:5])  # training/sessions, training/topics, inspections/teams, …
    # /api/v1/auth/tokens/{id}/ and /api/v1/auth/devices/{id}/: the collection follows auth.
    collection = two if two in ids else (parts[4] if parts[3] == "auth" else parts[3])
    return path.replace("{number}", "1").replace("{id}", str(ids.get(collection, 1)))


def test_every_get_answer_validates_against_the_schema(schema, ids, supervisor):
    client = api_client(supervisor)
    # The token the client signs in with (its id is not 1 on PostgreSQL, which keeps sequences)
    # and a web session of the same person.
    browser = Client()
    browser.force_login(supervisor)
    ids = {
        **ids,
        "tokens": ApiToken.objects.filter(user=supervisor).values_list("pk", flat=True)[0],
        "devices": SignedInDevice.objects.get(user=supervisor).pk,
    }
    found, statuses = [], {}
    for path, methods in schema["paths"].items():
        if "get" in methods:
            response = client.get(url_of(path, ids))
            statuses[path] = response.status_code
            found += problems_of(schema, path, "get", response)
    assert found == []
    # The attachment's file is not on disk here, nor is there a station photo or evidence file
    # (their downloads: tests/stations/test_api_uploads.py); the people a supervisor manages:
    # none (district staff manage accounts), so the list and a person answer 404 — documented,
    # as checked above.
    not_ok = {path for path, status in statuses.items() if status != 200}
    assert not_ok <= {
        "/api/v1/visits/attachments/{id}/",
        "/api/v1/station-photos/{id}/file/",
        "/api/v1/evidence-files/{id}/file/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
    }, not_ok
    assert len(statuses) - len(not_ok) >= 60


def test_bad_queries_and_anonymous_callers_get_documented_answers(schema, ids):
    found = []
    for path, methods in schema["paths"].items():
        for method in methods:
            url = url_of(path, ids)
            bad = getattr(api_client(None), method)(url + "?colour=red")
            found += problems_of(schema, path, method, bad)
            if method == "get":
                wrong_page = api_client(None).get(url + "?page=0")
                found += problems_of(schema, path, method, wrong_page)
    assert found == []


def test_an_id_nobody_has_gets_a_documented_404_on_every_operation_that_takes_one(
    schema, supervisor
):
    # Found by schemathesis (.ci/fuzz-api): /areas/{id}/ and /visit-rules/{id}/ answered an
    # unknown id with a 404 their operations did not document.
    client = api_client(supervisor)
    found, tried = [], 0
    for path, methods in schema["paths"].items():
        if "{id}" not in path:
            continue
        url = path.replace("{id}", "2147483000")
        for method in methods:
            response = getattr(client, method)(url, {}, format="json")
            tried += 1
            if response.status_code != 404:
                found.append(f"{method.upper()} {path}: {response.status_code}")
            found += problems_of(schema, path, method, response)
    assert tried > 30
    assert found == []
