"""The home-visits API (docs/domain.md §4): worklist, visits and attachments, a child's visits and
schedule, concerns and visit rules. Every rule is checked through HTTP, the way a client
meets it."""

import datetime as dt
import types

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client
from tests.helpers import PNG, index_only_plans, page_queries
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.core.dates import add_months
from weibao.visits import api as visits_api
from weibao.visits import services
from weibao.visits.models import Concern, Visit, VisitAttachment, VisitDue, VisitRule
from weibao.visits.selectors import worklist

VISITS = "/api/v1/visits/"
WORKLIST = "/api/v1/worklist/"
CONCERNS = "/api/v1/concerns/"
RULES = "/api/v1/visit-rules/"
NOTIFICATIONS = "/api/v1/notifications/"

ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}
CHECKS = {"under8_unattended", "under16_alone", "away_without_carer", "no_weekly_contact"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def visit_url(visit) -> str:
    return f"{VISITS}{getattr(visit, 'pk', visit)}/"


def png(name="照片.png", content=PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


def open_due(child) -> VisitDue:
    return VisitDue.objects.get(child=child, state="open")


@pytest.fixture
def draft_a(child_a, director_a):
    """director_a's draft visit to 张小明 (居民区 A), with a PNG attached."""
    visit = services.visit_start(actor=director_a, child=child_a)
    services.visit_attach(actor=director_a, visit=visit, upload=png())
    return visit


@pytest.fixture
def record_a(draft_a, director_a, supervisor):
    """The draft completed with a failing Art. 21 check: a concern and a notification."""
    data = {**ANSWERS, "under16_alone": "yes", "findings": "孩子独自居住"}
    return services.visit_complete(
        actor=director_a, visit=draft_a, expected_version=draft_a.version, data=data
    )


def concern_of(visit) -> Concern:
    return Concern.objects.get(visit=visit)


# --- Authentication and scope ----------------------------------------------------------------

# (method, url template); {visit}, {attachment}, {child}, {concern}, {rule} are filled in.
ENDPOINTS = [
    ("get", WORKLIST),
    ("get", WORKLIST + "summary/"),
    ("get", VISITS),
    ("post", VISITS),
    ("get", VISITS + "{visit}/"),
    ("patch", VISITS + "{visit}/"),
    ("delete", VISITS + "{visit}/"),
    ("post", VISITS + "{visit}/complete/"),
    ("post", VISITS + "{visit}/attachments/"),
    ("get", VISITS + "attachments/{attachment}/"),
    ("get", "/api/v1/children/{child}/visits/"),
    ("get", "/api/v1/children/{child}/due/"),
    ("post", "/api/v1/children/{child}/returned-home/"),
    ("get", CONCERNS),
    ("get", CONCERNS + "{concern}/"),
    ("post", CONCERNS + "{concern}/handle/"),
    ("get", RULES),
    ("get", RULES + "{rule}/"),
    ("patch", RULES + "{rule}/"),
    ("get", NOTIFICATIONS),
    ("get", NOTIFICATIONS + "unread-count/"),
    ("post", NOTIFICATIONS + "mark-read/"),
]


def fill(url: str, visit, child, concern=None) -> str:
    attachment = VisitAttachment.objects.filter(visit=visit).first()
    return url.format(
        visit=visit.pk,
        attachment=attachment.pk if attachment else 0,
        child=child.pk,
        concern=concern.pk if concern else 0,
        rule=VisitRule.objects.get(key="left_behind").pk,
    )


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_client_is_asked_to_authenticate_on_every_visit_endpoint(
    record_a, child_a, method, url
):
    response = getattr(api_client(None), method)(
        fill(url, record_a, child_a, concern_of(record_a)), {}, format="json"
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    assert "张小明" not in response.content.decode()


SCOPED_ENDPOINTS = [
    ("get", VISITS + "{visit}/"),
    ("patch", VISITS + "{visit}/"),
    ("delete", VISITS + "{visit}/"),
    ("post", VISITS + "{visit}/complete/"),
    ("get", VISITS + "attachments/{attachment}/"),
    ("get", "/api/v1/children/{child}/visits/"),
    ("get", "/api/v1/children/{child}/due/"),
    ("post", "/api/v1/children/{child}/returned-home/"),
    ("get", CONCERNS + "{concern}/"),
    ("post", CONCERNS + "{concern}/handle/"),
]


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
@pytest.mark.parametrize(("method", "url"), SCOPED_ENDPOINTS)
def test_visit_concern_and_child_outside_the_users_areas_answer_404(
    request, record_a, child_a, persona, method, url
):
    user = request.getfixturevalue(persona)
    concern = concern_of(record_a)
    body = {**ANSWERS, "version": record_a.version, "note": "已处理", "date": "2024-01-01"}
    if method == "get":
        body = None  # a GET takes no body (as a query it would be refused: unknown parameters)
    response = getattr(api_client(user), method)(
        fill(url, record_a, child_a, concern), body, format="json"
    )
    assert response.status_code == 404
    assert "张小明" not in response.content.decode()
    record_a.refresh_from_db()
    concern.refresh_from_db()
    child_a.refresh_from_db()
    assert (record_a.state, record_a.version) == ("completed", 2)
    assert concern.state == "open"
    assert child_a.returned_home_on is None


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_attachment_upload_to_a_visit_outside_the_users_areas_answers_404(
    request, draft_a, persona
):
    user = request.getfixturevalue(persona)
    response = api_client(user).post(
        visit_url(draft_a) + "attachments/", {"file": png()}, format="multipart"
    )
    assert response.status_code == 404
    assert draft_a.attachments.count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "district_officer", "director_b"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("patch", ""), ("delete", ""), ("post", "complete/"), ("get", "attachment")],
)
def test_a_draft_is_private_to_its_author_even_for_users_who_see_the_child(
    request, draft_a, persona, method, suffix
):
    user = request.getfixturevalue(persona)
    if suffix == "attachment":
        url = f"{VISITS}attachments/{draft_a.attachments.get().pk}/"
    else:
        url = visit_url(draft_a) + suffix
    body = None if method == "get" else {**ANSWERS, "version": 1}
    response = getattr(api_client(user), method)(url, body, format="json")
    assert response.status_code == 404
    assert Visit.objects.get(pk=draft_a.pk).state == "draft"
    assert draft_a.pk not in {v["id"] for v in api_client(user).get(VISITS).json()["results"]}


def test_a_missing_visit_concern_or_attachment_answers_404(director_a):
    client = api_client(director_a)
    for url in [
        f"{VISITS}999999/",
        f"{VISITS}attachments/999999/",
        f"{CONCERNS}999999/",
        f"{VISITS}99999999999999999999/",
    ]:
        assert client.get(url).status_code == 404, url


# --- The visit flow ------------------------------------------------------------------------


def test_a_visit_goes_from_draft_to_completed_closing_the_due_and_raising_a_concern(
    child_a, director_a, supervisor
):
    client = api_client(director_a)
    first_due = open_due(child_a)

    created = client.post(VISITS, {"child": child_a.pk}, format="json")
    assert created.status_code == 201
    visit = created.json()
    assert (visit["state"], visit["version"], visit["child_name"]) == ("draft", 1, "张小明")
    assert visit["visit_date"] == today().isoformat()
    assert visit["author"] == {"id": director_a.pk, "name": "director_a"}

    saved = client.patch(
        visit_url(visit["id"]), {"met_with": "母亲", "study": "成绩中等", "version": 1}, "json"
    )
    assert saved.status_code == 200
    assert (saved.json()["version"], saved.json()["study"]) == (2, "成绩中等")

    stale = client.patch(visit_url(visit["id"]), {"study": "旧的", "version": 1}, "json")
    assert stale.status_code == 409
    assert Visit.objects.get(pk=visit["id"]).study == "成绩中等"

    answers = {**ANSWERS, "under16_alone": "yes", "findings": "孩子独自居住", "version": 2}
    done = client.post(visit_url(visit["id"]) + "complete/", answers, format="json")
    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["version"], body["under16_alone"]) == ("completed", 3, "yes")
    assert body["completed_at"]
    assert [c["kind"] for c in body["concerns"]] == ["under16_alone"]

    first_due.refresh_from_db()
    assert (first_due.state, first_due.on_time, first_due.visit_id) == ("done", True, visit["id"])
    assert first_due.done_on == today()
    nxt = open_due(child_a)
    assert nxt.pk != first_due.pk
    assert (nxt.due_date, nxt.reason) == (add_months(today(), 3), "left_behind")
    concern = Concern.objects.get(child=child_a)
    assert (concern.kind, concern.state, concern.visit_id) == ("under16_alone", "open", visit["id"])

    # The supervisor of 天山路 is told, sees the concern and handles it.
    boss = api_client(supervisor)
    notes = boss.get(NOTIFICATIONS).json()["results"]
    assert [n["kind"] for n in notes] == ["concern_raised"]
    assert "张小明" in notes[0]["message"]
    assert notes[0]["child"] == child_a.pk
    listed = boss.get(CONCERNS, {"state": "open"}).json()["results"]
    assert [c["id"] for c in listed] == [concern.pk]
    handled = boss.post(f"{CONCERNS}{concern.pk}/handle/", {"note": "已联系居委会"}, "json")
    assert handled.status_code == 200
    assert handled.json()["state"] == "handled"
    assert handled.json()["handled_by"] == {"id": supervisor.pk, "name": "supervisor"}
    assert handled.json()["handled_note"] == "已联系居委会"
    assert boss.get(CONCERNS, {"state": "open"}).json()["count"] == 0
    # The author was not notified about their own visit.
    assert api_client(director_a).get(NOTIFICATIONS).json()["count"] == 0


def test_completing_without_answering_the_checks_names_each_missing_field(child_a, director_a):
    client = api_client(director_a)
    visit = client.post(VISITS, {"child": child_a.pk}, format="json").json()
    response = client.post(visit_url(visit["id"]) + "complete/", {"version": 1}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert CHECKS | {"met_with"} <= set(errors)
    assert all(isinstance(errors[f], list) and errors[f] for f in CHECKS)
    stored = Visit.objects.get(pk=visit["id"])
    assert (stored.state, stored.version) == ("draft", 1)
    assert VisitDue.objects.filter(child=child_a, state="done").count() == 0


def test_completing_with_a_future_visit_date_is_refused_on_that_field(child_a, director_a):
    client = api_client(director_a)
    visit = client.post(VISITS, {"child": child_a.pk}, format="json").json()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    body = {**ANSWERS, "visit_date": tomorrow, "version": 1}
    response = client.post(visit_url(visit["id"]) + "complete/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"visit_date"}
    assert Visit.objects.get(pk=visit["id"]).state == "draft"


def test_a_stale_version_on_complete_is_a_conflict(draft_a, director_a):
    services.visit_save_draft(actor=director_a, visit=draft_a, expected_version=1, data={})
    response = api_client(director_a).post(
        visit_url(draft_a) + "complete/", {**ANSWERS, "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert Visit.objects.get(pk=draft_a.pk).state == "draft"


def test_starting_twice_returns_the_same_draft(child_a, director_a):
    client = api_client(director_a)
    first = client.post(VISITS, {"child": child_a.pk}, format="json").json()
    second = client.post(VISITS, {"child": child_a.pk}, format="json").json()
    assert first["id"] == second["id"]
    assert Visit.objects.filter(child=child_a).count() == 1


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_starting_a_visit_outside_the_area_is_refused_like_an_unknown_child(
    request, child_a, persona
):
    client = api_client(request.getfixturevalue(persona))
    foreign = client.post(VISITS, {"child": child_a.pk}, format="json")
    unknown = client.post(VISITS, {"child": 987654}, format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert set(foreign.json()) == {"child"}
    assert foreign.json() == unknown.json()
    assert "张小明" not in foreign.content.decode()
    assert not Visit.objects.exists()


def test_patching_or_deleting_a_submitted_visit_is_refused_with_a_reason(record_a, director_a):
    client = api_client(director_a)
    patched = client.patch(visit_url(record_a), {"study": "改写", "version": 2}, format="json")
    assert patched.status_code == 400 and "state" in patched.json()
    deleted = client.delete(visit_url(record_a))
    assert deleted.status_code == 400 and "state" in deleted.json()
    stored = Visit.objects.get(pk=record_a.pk)
    assert (stored.state, stored.study, stored.version) == ("completed", "", 2)


def test_deleting_a_draft_discards_it_and_its_files(draft_a, director_a):
    stored = draft_a.attachments.get().file
    assert stored.storage.exists(stored.name)
    response = api_client(director_a).delete(visit_url(draft_a))
    assert response.status_code == 204
    assert not Visit.objects.filter(pk=draft_a.pk).exists()
    assert not stored.storage.exists(stored.name)


def test_visit_representation_has_the_form_the_author_and_the_concerns(record_a, supervisor):
    body = api_client(supervisor).get(visit_url(record_a)).json()
    assert {
        "id",
        "child",
        "child_name",
        "state",
        "visit_date",
        "kind",
        "kind_display",
        "met_with",
        "psychology",
        "study",
        "family_economy",
        "guardianship",
        *CHECKS,
        "policy_publicity",
        "guardianship_guidance",
        "concern_marked",
        "findings",
        "next_steps",
        "author",
        "version",
        "created_at",
        "updated_at",
        "completed_at",
        "attachments",
        "concerns",
    } <= set(body)
    assert body["kind"] == "home"
    assert body["findings"] == "孩子独自居住"
    assert body["author"]["name"] == "director_a"
    concern = concern_of(record_a)
    assert body["concerns"] == [
        {
            "id": concern.pk,
            "kind": "under16_alone",
            "kind_display": concern.get_kind_display(),
            "state": "open",
        }
    ]
    [attachment] = body["attachments"]
    assert (attachment["original_name"], attachment["content_type"]) == ("照片.png", "image/png")
    assert attachment["size"] == len(PNG)
    assert attachment["download_url"].endswith(f"/api/v1/visits/attachments/{attachment['id']}/")


def test_visit_list_is_scoped_and_filters_by_child_state_and_date(
    record_a, child_a, child_b, director_a, director_b, supervisor
):
    other = services.visit_start(actor=director_b, child=child_b)
    services.visit_complete(
        actor=director_b,
        visit=other,
        expected_version=1,
        data={**ANSWERS, "visit_date": today() - dt.timedelta(days=10)},
    )
    mine = services.visit_start(actor=director_a, child=child_a)

    def ids(user, **params):
        response = api_client(user).get(VISITS, params)
        assert response.status_code == 200
        return {v["id"] for v in response.json()["results"]}

    assert ids(director_a) == {record_a.pk, mine.pk}
    assert ids(director_b) == {other.pk}
    assert ids(supervisor) == {record_a.pk, other.pk}
    assert ids(supervisor, child=child_b.pk) == {other.pk}
    assert ids(director_a, state="draft") == {mine.pk}
    assert ids(director_a, state="completed") == {record_a.pk}
    since = (today() - dt.timedelta(days=5)).isoformat()
    until = (today() - dt.timedelta(days=5)).isoformat()
    assert ids(supervisor, date_from=since) == {record_a.pk}
    assert ids(supervisor, date_to=until) == {other.pk}


def _visits_of(ctx) -> tuple[list[str], list[str]]:
    """The statements of a page of visits: its ids read alone, and its rows by those ids."""
    sql = [q["sql"] for q in ctx.captured_queries]
    ids = [q for q in sql if q.startswith('SELECT "visits_visit"."id" AS "pk" FROM')]
    rows = [q for q in sql if q.startswith('SELECT "visits_visit"."id", ') and " IN (" in q]
    return ids, rows


def test_a_page_of_visits_reads_its_ids_on_the_visits_alone_then_its_rows(
    record_a, child_b, director_b, district_officer
):
    """A district's visits, 30,000,000 in a city: the page's ids from the newest-first index
    with no join, on the visits' own area columns (not `child IN (the children I see)`), then
    its rows by id; counted to a cap (docs/performance.md, "The district's lists through the
    API")."""
    other = services.visit_start(actor=director_b, child=child_b)
    other = services.visit_complete(
        actor=director_b,
        visit=other,
        expected_version=1,
        data={**ANSWERS, "visit_date": today() - dt.timedelta(days=10)},
    )
    client = api_client(district_officer)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(VISITS).json()
    assert [v["id"] for v in body["results"]] == [record_a.pk, other.pk]
    assert (body["count"], body["capped"]) == (2, False)
    (ids,), (rows,) = _visits_of(ctx)
    assert "JOIN" not in ids and "children_child" not in ids
    assert "children_child" in rows  # the rows show the child's name
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert counts and all("children_child" not in sql for sql in counts)
    second = client.get(VISITS, {"page_size": 1, "page": 2}).json()
    assert [v["id"] for v in second["results"]] == [other.pk]


def test_a_districts_visits_are_counted_to_a_cap_and_say_when_more_match(
    record_a, child_b, director_b, district_officer, monkeypatch
):
    services.visit_complete(
        actor=director_b,
        visit=services.visit_start(actor=director_b, child=child_b),
        expected_version=1,
        data=ANSWERS,
    )
    monkeypatch.setattr("weibao.core.pagination.CAP", 1)
    body = api_client(district_officer).get(VISITS).json()
    assert (body["count"], body["capped"], len(body["results"]), body["next"]) == (
        1, True, 1, None,
    )  # fmt: skip


# --- Hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "car"}, "kind"),
        ({"visit_date": "2024-13-01"}, "visit_date"),
        ({"visit_date": 20240101}, "visit_date"),
        ({"met_with": "x" * 201}, "met_with"),
        ({"findings": "x" * 4001}, "findings"),
        ({"findings": {"a": 1}}, "findings"),
        ({"under8_unattended": "maybe"}, "under8_unattended"),
        ({"no_weekly_contact": ["yes"]}, "no_weekly_contact"),
        ({"policy_publicity": "perhaps"}, "policy_publicity"),
        ({"state": "completed"}, "state"),
        ({"author": 1}, "author"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "complete/"])
def test_malformed_visit_input_is_a_field_level_400(draft_a, director_a, body, field, suffix):
    client = api_client(director_a)
    method = client.patch if suffix == "" else client.post
    response = method(visit_url(draft_a) + suffix, {**body, "version": 1}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    stored = Visit.objects.get(pk=draft_a.pk)
    assert (stored.state, stored.version) == ("draft", 1)


@pytest.mark.parametrize("version", [None, "abc", -1, 2**63, 1.5, [1]])
def test_a_missing_or_malformed_version_is_a_field_level_400(draft_a, director_a, version):
    body = {"study": "x"} if version is None else {"study": "x", "version": version}
    response = api_client(director_a).patch(visit_url(draft_a), body, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


@pytest.mark.parametrize("child", ["abc", 1.5, True, 2**64, -1, None, [1], {"id": 1}, ""])
def test_a_malformed_child_id_on_create_is_a_field_level_400(child_a, director_a, child):
    response = api_client(director_a).post(VISITS, {"child": child}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"child"}
    assert not Visit.objects.exists()


def test_a_float_child_id_never_selects_a_child(child_a, director_a):
    response = api_client(director_a).post(VISITS, {"child": child_a.pk + 0.5}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"child": "abc"},
        {"child": str(2**64)},
        {"state": "lost"},
        {"date_from": "2024-02-30"},
        {"date_to": "yesterday"},
    ],
)
def test_malformed_visit_list_filters_are_a_400(director_a, params):
    response = api_client(director_a).get(VISITS, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("body", [[1, 2], "text", {"child": 1, "extra": True}])
def test_a_create_body_that_is_not_the_expected_object_is_a_400(child_a, director_a, body):
    response = api_client(director_a).post(VISITS, body, format="json")
    assert response.status_code == 400


# --- Attachments -----------------------------------------------------------------------------


def test_a_png_is_attached_listed_and_downloadable_by_the_author(child_a, director_a):
    client = api_client(director_a)
    visit = client.post(VISITS, {"child": child_a.pk}, format="json").json()
    upload = client.post(
        visit_url(visit["id"]) + "attachments/", {"file": png("家访.png")}, format="multipart"
    )
    assert upload.status_code == 201
    attachment = upload.json()
    assert (attachment["content_type"], attachment["size"]) == ("image/png", len(PNG))
    listed = client.get(visit_url(visit["id"])).json()["attachments"]
    assert [a["id"] for a in listed] == [attachment["id"]]

    download = client.get(attachment["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PNG
    # The file on disk is not named after the upload (names may carry a child's name).
    stored = VisitAttachment.objects.get(pk=attachment["id"]).file.name
    assert "家访" not in stored


def test_a_download_is_served_whatever_the_client_accepts(draft_a, director_a):
    attachment = draft_a.attachments.get()
    response = api_client(director_a).get(
        f"{VISITS}attachments/{attachment.pk}/", HTTP_ACCEPT="image/png"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_a_completed_visits_attachment_is_downloadable_in_scope_only(
    record_a, supervisor, district_officer, director_b, director_elsewhere
):
    url = f"{VISITS}attachments/{record_a.attachments.get().pk}/"
    for user in (supervisor, district_officer):
        response = api_client(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
    for user in (director_b, director_elsewhere):
        assert api_client(user).get(url).status_code == 404


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 64, "image/png"),
        SimpleUploadedFile("report.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf"),
        SimpleUploadedFile("empty.png", b"", "image/png"),
    ],
    ids=["exe-disguised-as-png", "script-disguised-as-pdf", "empty"],
)
def test_a_file_that_is_not_a_photo_or_pdf_is_refused(draft_a, director_a, upload):
    response = api_client(director_a).post(
        visit_url(draft_a) + "attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"file"}
    assert draft_a.attachments.count() == 1


def test_a_file_over_5_mb_is_refused(draft_a, director_a):
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")
    response = api_client(director_a).post(
        visit_url(draft_a) + "attachments/", {"file": big}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"file"}
    assert draft_a.attachments.count() == 1


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_an_upload_without_a_file_is_refused(draft_a, director_a, fmt):
    response = api_client(director_a).post(
        visit_url(draft_a) + "attachments/", {"file": "not a file"}, format=fmt
    )
    assert response.status_code in (400, 415)
    assert draft_a.attachments.count() == 1


def test_no_file_is_attached_to_a_completed_visit(record_a, director_a):
    response = api_client(director_a).post(
        visit_url(record_a) + "attachments/", {"file": png()}, format="multipart"
    )
    assert response.status_code == 400 and "state" in response.json()
    assert record_a.attachments.count() == 1


# --- Worklist --------------------------------------------------------------------------------

# A Wednesday: the week runs to Sunday 16 March, the month to 31 March.
FIXED_TODAY = dt.date(2025, 3, 12)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(
        visits_api, "timezone", types.SimpleNamespace(localdate=lambda: FIXED_TODAY)
    )
    return FIXED_TODAY


@pytest.fixture
def dues(make_child, fixed_today):
    """One child per bucket in 居民区 A, one overdue in B and one in C, one due next month."""
    plan = [
        ("community_a", "甲逾期", dt.date(2025, 3, 2)),
        ("community_a", "甲本周", dt.date(2025, 3, 16)),
        ("community_a", "甲本月", dt.date(2025, 3, 31)),
        ("community_a", "甲下月", dt.date(2025, 4, 20)),
        ("community_b", "乙逾期", dt.date(2025, 3, 11)),
        ("community_c", "丙本周", dt.date(2025, 3, 12)),
    ]
    for community, name, due_date in plan:
        child = make_child(community, name=name)
        VisitDue.objects.filter(child=child, state="open").update(due_date=due_date)


def names(response) -> list[str]:
    assert response.status_code == 200
    return names_of(response.json())


def names_of(body: dict) -> list[str]:
    return [row["child_name"] for row in body["results"]]


def test_the_worklist_shows_each_user_only_their_areas_most_urgent_first(dues, personas):
    assert names(api_client(personas["director_a"]).get(WORKLIST)) == ["甲逾期", "甲本周", "甲本月"]
    assert names(api_client(personas["director_b"]).get(WORKLIST)) == ["乙逾期"]
    assert names(api_client(personas["supervisor"]).get(WORKLIST)) == [
        "甲逾期",
        "乙逾期",
        "甲本周",
        "甲本月",
    ]
    assert names(api_client(personas["district_officer"]).get(WORKLIST)) == [
        "甲逾期",
        "乙逾期",
        "丙本周",
        "甲本周",
        "甲本月",
    ]
    assert names(api_client(personas["unassigned"]).get(WORKLIST)) == []


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [("overdue", ["甲逾期", "乙逾期"]), ("week", ["甲本周"]), ("month", ["甲本月"]), (None, None)],
)
def test_the_worklist_filters_by_bucket(dues, supervisor, bucket, expected):
    # Without a bucket, every one; an empty bucket= is refused (tests/core/test_query_parameters).
    response = api_client(supervisor).get(WORKLIST, {"bucket": bucket} if bucket else {})
    assert names(response) == (expected or ["甲逾期", "乙逾期", "甲本周", "甲本月"])


def test_a_worklist_row_says_when_why_and_how_late(dues, director_a, areas):
    [row] = api_client(director_a).get(WORKLIST, {"bucket": "overdue"}).json()["results"]
    due = VisitDue.objects.get(pk=row["id"])
    assert row == {
        "id": due.pk,
        "child": due.child_id,
        "child_name": "甲逾期",
        "community": areas["community_a"].pk,
        "community_name": "测试甲居民区",
        "due_date": "2025-03-02",
        "reason": "left_behind",
        "reason_display": due.get_reason_display(),
        "bucket": "overdue",
        "overdue_days": 10,
    }
    week = api_client(director_a).get(WORKLIST, {"bucket": "week"}).json()["results"]
    assert [(r["bucket"], r["overdue_days"]) for r in week] == [("week", 0)]


def test_the_worklist_summary_counts_each_bucket_in_scope(dues, personas):
    def summary(persona):
        response = api_client(personas[persona]).get(WORKLIST + "summary/")
        assert response.status_code == 200
        return response.json()

    exact = {"capped": []}
    assert summary("director_a") == {"overdue": 1, "week": 1, "month": 1, **exact}
    assert summary("supervisor") == {"overdue": 2, "week": 1, "month": 1, **exact}
    assert summary("district_officer") == {"overdue": 2, "week": 2, "month": 1, **exact}
    assert summary("director_elsewhere") == {"overdue": 0, "week": 1, "month": 0, **exact}
    assert summary("unassigned") == {"overdue": 0, "week": 0, "month": 0, **exact}


def test_each_bucket_of_the_worklist_is_counted_to_a_cap_and_says_when_more_match(
    dues, district_officer, monkeypatch
):
    """A district's every open due counted grew with the district (92 ms for 2,500,000;
    docs/performance.md, "The API's lists from their indexes alone"): each bucket stops at
    the cap, and the list's pages with it."""
    monkeypatch.setattr("weibao.visits.selectors.CAP", 1)
    client = api_client(district_officer)
    assert client.get(WORKLIST + "summary/").json() == {
        "overdue": 1,
        "week": 1,
        "month": 1,
        "capped": ["overdue", "week"],
    }
    whole = client.get(WORKLIST).json()
    assert (whole["count"], whole["capped"], names_of(whole)) == (
        3,
        True,
        ["甲逾期", "乙逾期", "丙本周"],
    )
    month = client.get(WORKLIST, {"bucket": "month"}).json()
    assert (month["count"], month["capped"], names_of(month)) == (1, False, ["甲本月"])
    past = client.get(WORKLIST, {"bucket": "week", "page_size": 1, "page": 2})
    assert (past.status_code, set(past.json())) == (400, {"page"})


@pytest.mark.parametrize("bucket", ["soon", "OVERDUE", "x" * 5000])
def test_an_unknown_bucket_is_a_400(director_a, bucket):
    response = api_client(director_a).get(WORKLIST, {"bucket": bucket})
    assert response.status_code == 400
    assert set(response.json()) == {"bucket"}


def test_the_worklist_is_paginated(dues, district_officer):
    response = api_client(district_officer).get(WORKLIST, {"page_size": 2})
    body = response.json()
    assert (body["count"], len(body["results"])) == (5, 2)
    assert body["next"]


def _pages(client, query: dict) -> list[dict]:
    """Every page of the worklist, from the first, following `next`."""
    bodies = [client.get(WORKLIST, query).json()]
    while bodies[-1]["next"]:
        bodies.append(client.get(bodies[-1]["next"]).json())
    return bodies


@pytest.mark.parametrize("page_size", [1, 2, 50])
@pytest.mark.parametrize("bucket", [None, "overdue", "week", "month"])
def test_the_worklists_count_is_its_number_of_rows_in_every_bucket_and_page(
    dues, personas, bucket, page_size
):
    # A closed due (the record of a visit done) counts nowhere, in the list or its length.
    closed = VisitDue.objects.get(child__name="甲本周", state="open")
    closed.pk, closed.state = None, "done"
    closed.save()
    for persona, user in personas.items():
        client = api_client(user)
        query = {"page_size": page_size, **({"bucket": bucket} if bucket else {})}
        bodies = _pages(client, query)
        rows = [row["id"] for body in bodies for row in body["results"]]
        # What the list itself holds: the joined queryset, counted and read in order.
        expected = list(
            worklist(user, today=FIXED_TODAY, bucket=bucket or "").values_list("pk", flat=True)
        )
        assert rows == expected, persona
        assert {body["count"] for body in bodies} == {len(expected)}, persona
        assert bodies[0]["previous"] is None and all(b["previous"] for b in bodies[1:]), persona
        assert len(bodies) == max(1, -(-len(expected) // page_size)), persona
        last = client.get(WORKLIST, {**query, "page": "last"}).json()
        assert last == bodies[-1], persona
        past = client.get(WORKLIST, {**query, "page": len(bodies) + 1})
        assert (past.status_code, set(past.json())) == (400, {"page"}), persona


@pytest.mark.parametrize("bucket", [None, "overdue", "week", "month"])
def test_the_worklists_length_is_not_counted_over_the_children_join(dues, district_officer, bucket):
    # docs/scale.md: a COUNT over the join costs ~170 ms at a district's size; the buckets'
    # counts read the dues' index alone.
    with CaptureQueriesContext(connection) as queries:
        response = api_client(district_officer).get(WORKLIST, {"bucket": bucket} if bucket else {})
    assert response.status_code == 200 and response.json()["count"]
    joined = [q["sql"] for q in queries if '"children_child"' in q["sql"]]
    assert joined, "the page reads the children: the table's name is right"
    assert [sql for sql in joined if "COUNT(" in sql.upper()] == []


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_a_bucket_outside_the_users_areas_is_empty_and_has_no_second_page(dues, personas, persona):
    client = api_client(personas[persona])
    body = client.get(WORKLIST, {"bucket": "month"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": [], "capped": False}
    past = client.get(WORKLIST, {"bucket": "month", "page": 2})
    assert (past.status_code, set(past.json())) == (400, {"page"})


# --- A child's visits and schedule ---------------------------------------------------------


def test_a_childs_visits_and_due_are_shown_to_users_in_scope(
    record_a, child_a, supervisor, director_a
):
    draft = services.visit_start(actor=director_a, child=child_a)
    visits = api_client(supervisor).get(f"/api/v1/children/{child_a.pk}/visits/")
    assert visits.status_code == 200
    assert [v["id"] for v in visits.json()["results"]] == [record_a.pk]
    own = api_client(director_a).get(f"/api/v1/children/{child_a.pk}/visits/").json()
    assert {v["id"] for v in own["results"]} == {record_a.pk, draft.pk}

    due = api_client(supervisor).get(f"/api/v1/children/{child_a.pk}/due/")
    assert due.status_code == 200
    assert due.json()["due"]["due_date"] == add_months(today(), 3).isoformat()
    assert due.json()["due"]["reason"] == "left_behind"
    assert due.json()["due"]["bucket"] == "later"  # three months away: beyond this month
    assert due.json()["returned_home_on"] is None


def test_a_child_owed_no_visit_has_a_null_due(make_child, director_a):
    child = make_child("community_a", categories=["economic_hardship"])
    VisitRule.objects.filter(key="economic_hardship").update(active=False)
    services.visit_schedule_child(child=child)
    response = api_client(director_a).get(f"/api/v1/children/{child.pk}/due/")
    assert response.status_code == 200
    assert response.json()["due"] is None


def test_marking_a_child_returned_home_starts_monthly_follow_up(record_a, child_a, director_a):
    assert open_due(child_a).due_date == add_months(today(), 3)
    response = api_client(director_a).post(
        f"/api/v1/children/{child_a.pk}/returned-home/",
        {"date": today().isoformat()},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["returned_home_on"] == today().isoformat()
    assert body["follow_up_ends"] == add_months(today(), 6).isoformat()
    assert (body["due"]["due_date"], body["due"]["reason"]) == (
        add_months(today(), 1).isoformat(),
        "returned_home",
    )
    due = open_due(child_a)
    assert (due.due_date, due.reason) == (add_months(today(), 1), "returned_home")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"date": "someday"},
        {"date": "2024-02-30"},
        {"date": "2099-01-01"},
        {"date": "2001-01-01"},
    ],
)
def test_a_returned_home_date_must_be_a_real_past_date_in_the_childs_life(
    child_a, director_a, body
):
    response = api_client(director_a).post(
        f"/api/v1/children/{child_a.pk}/returned-home/", body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"date"}
    child_a.refresh_from_db()
    assert child_a.returned_home_on is None


# --- Concerns --------------------------------------------------------------------------------


def test_concerns_are_listed_in_scope_and_filtered_by_state(
    record_a, supervisor, director_a, director_b, district_officer
):
    concern = concern_of(record_a)
    for user in (supervisor, director_a, district_officer):
        response = api_client(user).get(CONCERNS)
        assert [c["id"] for c in response.json()["results"]] == [concern.pk]
    assert api_client(director_b).get(CONCERNS).json()["count"] == 0
    assert api_client(supervisor).get(CONCERNS, {"state": "handled"}).json()["count"] == 0
    detail = api_client(supervisor).get(f"{CONCERNS}{concern.pk}/").json()
    assert (detail["child_name"], detail["kind"], detail["visit"]) == (
        "张小明",
        "under16_alone",
        record_a.pk,
    )
    assert detail["description"] == "孩子独自居住"
    assert detail["raised_by"]["id"] == record_a.author_id


def test_concerns_are_filtered_by_child(record_a, supervisor, make_child, director_a):
    other = make_child("community_a", name="别的孩子")
    concern = concern_of(record_a)
    mine = api_client(supervisor).get(CONCERNS, {"child": record_a.child_id}).json()
    assert [c["id"] for c in mine["results"]] == [concern.pk]
    assert api_client(supervisor).get(CONCERNS, {"child": other.pk}).json()["count"] == 0
    bad = api_client(supervisor).get(CONCERNS, {"child": "abc"})
    assert bad.status_code == 400 and set(bad.json()) == {"child"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "note"), ({"note": "   "}, "note"), ({"note": "x" * 4001}, "note"), ({"n": 1}, "n")],
)
def test_handling_a_concern_needs_a_note(record_a, supervisor, body, field):
    concern = concern_of(record_a)
    response = api_client(supervisor).post(f"{CONCERNS}{concern.pk}/handle/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    concern.refresh_from_db()
    assert concern.state == "open"


def test_a_concern_is_handled_once(record_a, supervisor):
    url = f"{CONCERNS}{concern_of(record_a).pk}/handle/"
    client = api_client(supervisor)
    assert client.post(url, {"note": "已家访"}, format="json").status_code == 200
    again = client.post(url, {"note": "再次"}, format="json")
    assert again.status_code == 400
    assert set(again.json()) == {"note"}
    assert concern_of(record_a).handled_note == "已家访"


def test_an_unknown_concern_state_filter_is_a_400(supervisor):
    response = api_client(supervisor).get(CONCERNS, {"state": "closed"})
    assert response.status_code == 400


# --- Visit rules -----------------------------------------------------------------------------


# Marked: its personas come through getfixturevalue, so without the mark pytest-django would
# order it among the tests that use no database (after the transactional ones, which flush it).
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["unassigned", "director_a", "district_officer"])
def test_any_signed_in_user_may_read_the_visit_rules(request, persona):
    response = api_client(request.getfixturevalue(persona)).get(RULES, {"page_size": 100})
    assert response.status_code == 200
    rules = {r["key"]: r for r in response.json()["results"]}
    assert rules["guardianship_missing"]["interval_months"] == 1
    assert rules["left_behind"]["interval_months"] == 3
    assert rules["returned_home"]["duration_months"] == 6


def test_district_staff_change_a_rule_and_the_due_dates_follow(record_a, child_a, district_officer):
    rule = VisitRule.objects.get(key="left_behind")
    assert open_due(child_a).due_date == add_months(today(), 3)
    response = api_client(district_officer).patch(
        f"{RULES}{rule.pk}/", {"interval_months": 6}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["interval_months"], response.json()["active"]) == (6, True)
    assert open_due(child_a).due_date == add_months(today(), 6)


def test_district_staff_switch_a_rule_off_and_its_dues_are_cancelled(child_a, district_officer):
    rule = VisitRule.objects.get(key="left_behind")
    response = api_client(district_officer).patch(
        f"{RULES}{rule.pk}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert not VisitDue.objects.filter(child=child_a, state="open").exists()


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "unassigned"])
def test_only_district_staff_change_visit_rules(request, record_a, child_a, persona):
    rule = VisitRule.objects.get(key="left_behind")
    response = api_client(request.getfixturevalue(persona)).patch(
        f"{RULES}{rule.pk}/", {"interval_months": 1}, format="json"
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.interval_months == 3
    assert open_due(child_a).due_date == add_months(today(), 3)


def test_the_system_administrator_does_not_change_visit_rules(record_a, child_a):
    root = User.objects.create_superuser("root", password="x-pass-123")
    RoleAssignment.objects.create(user=root, role=Role.SYSADMIN)
    rule = VisitRule.objects.get(key="left_behind")
    response = api_client(root).patch(f"{RULES}{rule.pk}/", {"interval_months": 1}, format="json")
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.interval_months == 3
    assert open_due(child_a).due_date == add_months(today(), 3)


@pytest.mark.parametrize(
    ("key", "body", "field"),
    [
        ("left_behind", {"interval_months": 13}, "interval_months"),
        ("left_behind", {"interval_months": 0}, "interval_months"),
        ("left_behind", {"interval_months": "often"}, "interval_months"),
        ("left_behind", {"interval_months": 2**70}, "interval_months"),
        ("left_behind", {"active": "sometimes"}, "active"),
        ("left_behind", {"key": "autism"}, "key"),
        ("returned_home", {"duration_months": 24}, "duration_months"),
        ("returned_home", {"duration_months": None}, "duration_months"),
    ],
)
def test_a_bad_visit_rule_change_is_a_field_level_400(district_officer, key, body, field):
    rule = VisitRule.objects.get(key=key)
    before = (rule.interval_months, rule.duration_months, rule.active)
    response = api_client(district_officer).patch(f"{RULES}{rule.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    rule.refresh_from_db()
    assert (rule.interval_months, rule.duration_months, rule.active) == before


def test_visit_rules_cannot_be_created_or_deleted(district_officer):
    client = api_client(district_officer)
    rule = VisitRule.objects.get(key="left_behind")
    assert client.post(RULES, {"key": "autism", "interval_months": 1}, "json").status_code == 405
    assert client.delete(f"{RULES}{rule.pk}/").status_code == 405
    assert VisitRule.objects.filter(pk=rule.pk).exists()


# --- Schema ----------------------------------------------------------------------------------


def test_the_schema_documents_every_visit_endpoint(db, tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    expected = {
        "/api/v1/worklist/": {"get"},
        "/api/v1/worklist/summary/": {"get"},
        "/api/v1/visits/": {"get", "post"},
        "/api/v1/visits/{id}/": {"get", "patch", "delete"},
        "/api/v1/visits/{id}/complete/": {"post"},
        "/api/v1/visits/{id}/attachments/": {"post"},
        "/api/v1/visits/attachments/{id}/": {"get"},
        "/api/v1/children/{id}/visits/": {"get"},
        "/api/v1/children/{id}/due/": {"get"},
        "/api/v1/children/{id}/returned-home/": {"post"},
        "/api/v1/concerns/": {"get"},
        "/api/v1/concerns/{id}/": {"get"},
        "/api/v1/concerns/{id}/handle/": {"post"},
        "/api/v1/visit-rules/": {"get"},
        "/api/v1/visit-rules/{id}/": {"get", "patch"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    worklist_params = {p["name"] for p in paths["/api/v1/worklist/"]["get"]["parameters"]}
    assert {"bucket", "page", "page_size"} <= worklist_params


# --- Query counts ----------------------------------------------------------------------------


def _complete_visit(child, user):
    visit = services.visit_start(actor=user, child=child)
    services.visit_attach(actor=user, visit=visit, upload=png())
    data = {**ANSWERS, "concern_marked": True, "findings": "需要关注"}
    return services.visit_complete(actor=user, visit=visit, expected_version=1, data=data)


def test_list_endpoints_do_not_query_once_per_row(make_child, supervisor, director_a):
    client = api_client(supervisor)
    _complete_visit(make_child("community_a", name="一号"), director_a)
    urls = [VISITS, WORKLIST, CONCERNS, NOTIFICATIONS]
    VisitDue.objects.update(due_date=today())
    few = {url: page_queries(client, url) for url in urls}
    for n in range(4):
        _complete_visit(make_child("community_a", name=f"多{n}"), director_a)
    VisitDue.objects.update(due_date=today())
    for url in urls:
        assert page_queries(client, url) == few[url], url


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize(
    ("persona", "index"),
    [("district_officer", "visit_due_district_open"), ("supervisor", "visit_due_subdistrict_open")],
)
def test_a_worklist_page_walks_the_open_dues_in_its_order_without_a_sort(
    dues, personas, persona, index
):
    """The worklist's order is (due_date, id), and a month's dues share a few dates: without
    the id in the index each page sorted its date's every due, joined to its child (7,144 at
    200,000 children: docs/performance.md, "The district's lists through the API")."""
    user = User.objects.get(pk=personas[persona].pk)
    page = worklist(user, today=FIXED_TODAY, bucket="")[:50]
    with connection.cursor() as cursor:
        # With two rows the planner would take any plan; with these off only an index that
        # holds the order can give it.
        for kind in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{kind} = off")
        plan = page.explain()
    assert index in plan
    assert "Sort" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("persona", "index"),
    [
        ("district_officer", "visit_district_newest"),
        ("supervisor", "visit_subdistrict_newest"),
        ("director_a", "visit_community_newest"),
    ],
)
def test_a_page_of_visits_counts_and_reads_its_ids_from_its_areas_index_alone(
    record_a, personas, persona, index
):
    """The newest-first indexes hold the scope's columns (the district, the state, the
    author): with the rows, a 街镇's count to the cap read 10,001 visits from the table, and a
    居民区's page walked the district's index (docs/performance.md, "The API's lists from their
    indexes alone")."""
    count, ids = index_only_plans(api_client(personas[persona]), VISITS, "visits_visit")[:2]
    assert "COUNT" not in ids and "Sort" not in ids
    assert f"Index Only Scan Backward using {index} " in ids, ids
    # With a test's few rows any index that holds the columns will do for the count.
    assert "Index Only Scan" in count and " Scan on " not in count, count
