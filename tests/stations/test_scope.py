"""Scope: a station is seen by the district and by its 街镇's supervisor and station staff; to
everyone else — a 儿童主任, another 街镇's supervisor, someone without a role — every page and
endpoint about it answers 404, as a station that does not exist; without signing in the pages
send to the sign-in page and the API answers 401. Lists run the same queries for 3 stations as
for 20."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.architecture.test_list_query_counts import FEW, MORE, _measure
from tests.conftest import api_client, web_client
from tests.helpers import PNG
from tests.stations.conftest import make_station, review, submit
from weibao.areas.models import Area
from weibao.stations import services

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def things(station, supervisor, district_officer):
    zone = services.zone_add(
        actor=supervisor, station=station, data={"name": "接待区", "kind": "reception"}
    )
    photo = services.photo_add(
        actor=supervisor, station=station, upload=SimpleUploadedFile("a.png", PNG)
    )
    submit(supervisor, station, "window")
    review(district_officer, station, "window")
    attached = services.evidence_file_add(
        actor=supervisor, station=station, code="window", upload=SimpleUploadedFile("b.png", PNG)
    )
    return {"station": station, "zone": zone, "photo": photo, "file": attached}


def pages(t) -> list[tuple[str, str]]:
    s = t["station"].pk
    return [
        ("get", f"/stations/{s}/"),
        ("get", f"/stations/{s}/edit/"),
        ("post", f"/stations/{s}/edit/"),
        ("post", f"/stations/{s}/status/suspend/"),
        ("post", f"/stations/{s}/publish/"),
        ("get", f"/stations/{s}/zones/new/"),
        ("post", f"/stations/{s}/photos/"),
        ("get", f"/stations/{s}/items/window/"),
        ("post", f"/stations/{s}/items/window/"),
        ("post", f"/stations/{s}/items/window/files/"),
        ("post", f"/stations/{s}/items/window/review/"),
        ("get", f"/stations/zones/{t['zone'].pk}/edit/"),
        ("post", f"/stations/zones/{t['zone'].pk}/remove/"),
        ("get", f"/stations/photos/{t['photo'].pk}/"),
        ("post", f"/stations/photos/{t['photo'].pk}/edit/"),
        ("post", f"/stations/photos/{t['photo'].pk}/remove/"),
        ("get", f"/stations/evidence-files/{t['file'].pk}/"),
        ("post", f"/stations/evidence-files/{t['file'].pk}/remove/"),
    ]


def endpoints(t) -> list[tuple[str, str]]:
    s = t["station"].pk
    return [
        ("get", f"/api/v1/stations/{s}/"),
        ("patch", f"/api/v1/stations/{s}/"),
        ("post", f"/api/v1/stations/{s}/transition/"),
        ("get", f"/api/v1/stations/{s}/zones/"),
        ("post", f"/api/v1/stations/{s}/zones/"),
        ("get", f"/api/v1/stations/{s}/evidence/"),
        ("post", f"/api/v1/stations/{s}/evidence/"),
        ("get", f"/api/v1/stations/{s}/reviews/"),
        ("post", f"/api/v1/stations/{s}/reviews/"),
        ("get", f"/api/v1/station-zones/{t['zone'].pk}/"),
        ("patch", f"/api/v1/station-zones/{t['zone'].pk}/"),
        ("delete", f"/api/v1/station-zones/{t['zone'].pk}/"),
    ]


OUTSIDERS = ("director_a", "supervisor_elsewhere", "unassigned", "station_staff_elsewhere")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_page_about_a_station_is_404_out_of_scope(request, things, persona):
    client = web_client(request.getfixturevalue(persona))
    wrong = [
        (method, url, status)
        for method, url in pages(things)
        if (status := getattr(client, method)(url).status_code) != 404
    ]
    assert wrong == []


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_endpoint_about_a_station_is_404_out_of_scope(request, things, persona):
    client = api_client(request.getfixturevalue(persona))
    wrong = [
        (method, url, status)
        for method, url in endpoints(things)
        if (status := getattr(client, method)(url, {}, format="json").status_code) != 404
    ]
    assert wrong == []


def test_without_signing_in_pages_send_to_sign_in_and_the_api_answers_401(things):
    web, api = web_client(None), api_client(None)
    for method, url in pages(things):
        response = getattr(web, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for method, url in endpoints(things):
        assert getattr(api, method)(url, {}, format="json").status_code == 401


@pytest.mark.parametrize("persona", ["district_officer", "supervisor", "station_staff"])
def test_the_district_and_the_subdistricts_keepers_see_it(request, things, persona):
    client = web_client(request.getfixturevalue(persona))
    assert client.get(f"/stations/{things['station'].pk}/").status_code == 200
    data = api_client(request.getfixturevalue(persona)).get("/api/v1/stations/").json()
    assert [row["id"] for row in data["results"]] == [things["station"].pk]


def test_the_lists_show_only_whats_in_scope(
    station, station_elsewhere, supervisor, district_officer
):
    assert list(web_client(supervisor).get("/stations/").context["groups"][0][1]) == [station]
    data = api_client(district_officer).get("/api/v1/stations/").json()
    assert {row["id"] for row in data["results"]} == {station.pk, station_elsewhere.pk}


def test_the_station_pages_are_404_to_a_director(director_a, station):
    for url in ("/stations/", "/stations/new/", "/stations/standards/", "/stations/coverage/"):
        assert web_client(director_a).get(url).status_code == 404, url
    assert api_client(director_a).post("/api/v1/stations/", {}).status_code == 404


def test_an_unknown_step_is_a_404(supervisor, station):
    assert web_client(supervisor).post(f"/stations/{station.pk}/status/fly/").status_code == 404


# --- lists: the same queries for 3 rows as for 20 ----------------------------------------------


@pytest.fixture
def add_stations(district_officer, areas):
    made = []

    def add(n: int) -> None:
        for _ in range(n):
            i = len(made)
            sub = Area.objects.create(name=f"街道{i:02d}", level="subdistrict",
                                      parent=areas["district"])  # fmt: skip
            station = make_station(district_officer, sub, status=("planned", "operating")[i % 2])
            services.zone_add(
                actor=district_officer, station=station, data={"name": "区", "kind": "other"}
            )
            made.append(station)

    return add


@pytest.mark.parametrize(
    ("url", "count"),
    [
        ("/stations/", lambda r: sum(len(s) for _sub, s in r.context["groups"])),
        (
            "/stations/coverage/",
            lambda r: sum(1 for row in r.context["coverage"].rows if row.station),
        ),
        ("/api/v1/stations/", lambda r: r.json()["count"]),
        ("/api/v1/coverage/", lambda r: sum(1 for row in r.json()["rows"] if row["station"])),
    ],
)
def test_lists_run_the_same_queries_for_3_and_for_20(district_officer, add_stations, url, count):
    client = (
        api_client(district_officer) if url.startswith("/api/") else web_client(district_officer)
    )
    add_stations(FEW)
    client.get(url)
    few, response = _measure(lambda: client.get(url))
    assert count(response) == FEW
    add_stations(MORE)
    many, response = _measure(lambda: client.get(url))
    assert count(response) == FEW + MORE
    assert len(few) == len(many), "\n".join(many)


def test_the_review_history_runs_the_same_queries_for_3_and_for_20(
    supervisor, district_officer, station
):
    client = api_client(district_officer)
    url = f"/api/v1/stations/{station.pk}/reviews/"

    def add(n):
        for _ in range(n):
            submit(supervisor, station, "window")
            review(district_officer, station, "window")

    add(FEW)
    client.get(url)
    few, response = _measure(lambda: client.get(url))
    assert response.json()["count"] == FEW
    add(MORE)
    many, response = _measure(lambda: client.get(url))
    assert response.json()["count"] == FEW + MORE
    assert len(few) == len(many)
