"""The display wall (展示墙): a station's public page, without signing in, phone-first and as
an A3 poster with a QR code; shown only while the station publishes it; rate-limited per client
address; aggregate figures with any count under 5 shown as "<5"; never a child's name,
address or school."""

import datetime as dt
import pathlib

import pytest

from tests.conftest import web_client
from tests.helpers import record_service, today
from tests.staff.helpers import add_member
from weibao.core.hooks import Panel
from weibao.stations import services
from weibao.stations.evidence import shown_count, wall_figures
from weibao.stations.hooks import wall_panels
from weibao.visits.models import Visit

pytestmark = pytest.mark.usefixtures("english")

TEST_TEMPLATES = pathlib.Path(__file__).parent / "templates"


@pytest.fixture
def published(station, supervisor):
    services.zone_add(
        actor=supervisor,
        station=station,
        data={"name": "心理辅导区", "kind": "counselling", "purpose": "一对一辅导"},
    )
    return services.station_set_published(actor=supervisor, station=station, published=True)


def test_anyone_opens_a_published_stations_page(published):
    response = web_client(None).get(f"/wall/{published.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (published.name, published.address, published.opening_hours, "心理辅导区",
                 "/report/", "110", "12355"):  # fmt: skip
        assert text in html, text


def test_an_unpublished_station_has_no_public_page(station):
    assert web_client(None).get(f"/wall/{station.pk}/").status_code == 404
    assert web_client(None).get(f"/wall/{station.pk}/poster/").status_code == 404
    assert web_client(None).get("/wall/987654/").status_code == 404


def test_the_index_lists_only_published_stations(published, station_elsewhere):
    html = web_client(None).get("/wall/").content.decode()
    assert published.name in html and station_elsewhere.name not in html


def test_the_poster_carries_a_qr_code_of_the_page(published):
    html = web_client(None).get(f"/wall/{published.pk}/poster/").content.decode()
    assert "<svg" in html and 'class="qr"' in html
    assert f"http://testserver/wall/{published.pk}/" in html
    assert "data-print-page" in html


def test_no_childs_name_address_or_school_is_ever_shown(published, child_a, case_a, director_a):
    record_service(director_a, case_a)
    html = web_client(None).get(f"/wall/{published.pk}/").content.decode()
    for secret in (child_a.name, child_a.address, child_a.school, "测试家长"):
        assert secret not in html


def test_a_count_under_5_is_shown_as_less_than_5(published, make_child, director_a):
    from weibao.cases.services import case_open

    assert [shown_count(n) for n in (0, 4, 5, 12)] == ["<5", "<5", "5", "12"]
    for i in range(5):
        child = make_child("community_a", name=f"儿童{i}")
        case = case_open(actor=director_a, child=child)
        record_service(director_a, case)
    figures = wall_figures(published, today())
    assert (figures.children_served, figures.visits) == ("5", "<5")
    html = web_client(None).get(f"/wall/{published.pk}/").content.decode()
    assert "&lt;5" in html


def test_the_visits_count_only_this_years_completed_visits(published, child_a, director_a):
    Visit.objects.create(
        child=child_a, author=director_a, state="completed", visit_date=today(),
        completed_at=dt.datetime.now(dt.UTC), district=child_a.district,
        subdistrict=child_a.subdistrict, community=child_a.community,
    )  # fmt: skip
    Visit.objects.create(
        child=child_a, author=director_a, state="draft", district=child_a.district,
        subdistrict=child_a.subdistrict, community=child_a.community,
    )  # fmt: skip
    assert wall_figures(published, today()).visits == "<5"
    assert Visit.objects.filter(state="completed").count() == 1


def test_the_wall_names_only_the_people_of_the_roster_who_agreed(
    published, areas, district_officer
):
    add_member(
        district_officer, areas["community_a"], name="同意的主任", phone="13900000001",
        work_phone="021-00000007", publish_on_display_wall=True,
    )  # fmt: skip
    add_member(
        district_officer, areas["community_b"], name="不同意的主任", work_phone="021-00000008"
    )
    html = web_client(None).get(f"/wall/{published.pk}/").content.decode()
    assert "同意的主任" in html and "021-00000007" in html and "测试甲居民区" in html
    assert "不同意的主任" not in html and "13900000001" not in html and "021-00000008" not in html
    assert "are not available yet" not in html


def test_the_public_pages_are_rate_limited_per_address(published, settings):
    settings.WALL_PUBLIC_LIMITS = [(3, 600)]
    client = web_client(None)
    statuses = [client.get(f"/wall/{published.pk}/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "110" in client.get("/wall/").content.decode()  # the way to the police stays


def test_the_keepers_publish_and_take_down_the_page(station, station_staff):
    client = web_client(station_staff)
    client.post(f"/stations/{station.pk}/publish/", {"published": "on", "version": station.version})
    assert web_client(None).get(f"/wall/{station.pk}/").status_code == 200
    station.refresh_from_db()
    client.post(f"/stations/{station.pk}/publish/", {"version": station.version})
    assert web_client(None).get(f"/wall/{station.pk}/").status_code == 404


def test_the_apps_above_add_their_sections_to_the_wall_and_the_poster(
    published, monkeypatch, settings
):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]
    seen = []

    def panel(*, station, today, poster):
        seen.append((station.pk, poster))
        return Panel("_wall_test_panel.html", {"wall_test_text": "演示板块"})

    monkeypatch.setattr(wall_panels, "_entries", [])
    wall_panels.register(panel)
    wall_panels.register(lambda **kwargs: None)  # an app with nothing to show adds nothing
    assert "演示板块" in web_client(None).get(f"/wall/{published.pk}/").content.decode()
    assert "演示板块" in web_client(None).get(f"/wall/{published.pk}/poster/").content.decode()
    assert seen == [(published.pk, False), (published.pk, True)]
