"""Persona fixtures: the people every scope test is written about.

The area tree is small and synthetic: 长宁区 → 天山路街道 (居民区 A and B)
and 仙霞新村街道 (居民区 C).
"""

import datetime as dt
import itertools
import os

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.helpers import SECRET_PLACE, report_input, today
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.cases.services import case_open
from weibao.children import idnumber
from weibao.children.services import GuardianInput, child_create
from weibao.partners.models import Partner
from weibao.protection.services import protection_start
from weibao.referrals.services import referral_create
from weibao.reports import services as report_services
from weibao.reports.choices import Channel
from weibao.reports.models import Report
from weibao.security.services import api_token_create

PASSWORD = "test-pass-123"

# The browser suite runs on its own (`make e2e`), against a real server; `make test` leaves it out.
collect_ignore_glob = [] if os.environ.get("WEIBAO_E2E") == "1" else ["e2e/*"]
_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    # Tests read Chinese messages unless they switch language themselves.
    settings.LANGUAGE_CODE = "zh-hans"
    # Real password hashing costs over a second per persona; tests don't need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Login throttles count in the cache; each test starts with none.
    cache.clear()


@pytest.fixture
def english(settings):
    """Messages in English: a module opts in with `pytestmark = pytest.mark.usefixtures("english")`
    (it runs after _fast_tests, before the test's own fixtures)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def areas(db):
    district = Area.objects.create(name="长宁区", code="310105", level="district")
    tianshan = Area.objects.create(
        name="天山路街道", code="310105006", level="subdistrict", parent=district
    )
    xianxia = Area.objects.create(
        name="仙霞新村街道", code="310105008", level="subdistrict", parent=district
    )
    return {
        "district": district,
        "tianshan": tianshan,
        "xianxia": xianxia,
        "community_a": Area.objects.create(name="测试甲居民区", level="community", parent=tianshan),
        "community_b": Area.objects.create(name="测试乙居民区", level="community", parent=tianshan),
        "community_c": Area.objects.create(name="测试丙居民区", level="community", parent=xianxia),
    }


def _user(username: str, role: str | None = None, area: Area | None = None, reveal=False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    if role:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    if reveal:
        user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return User.objects.get(pk=user.pk)  # fresh object: no cached permissions


@pytest.fixture
def district_officer(areas):
    return _user("district_officer", Role.DISTRICT_STAFF, areas["district"], reveal=True)


@pytest.fixture
def supervisor(areas):
    return _user("supervisor", Role.SUPERVISOR, areas["tianshan"], reveal=True)


@pytest.fixture
def director_a(areas):
    return _user("director_a", Role.DIRECTOR, areas["community_a"], reveal=True)


@pytest.fixture
def director_b(areas):
    return _user("director_b", Role.DIRECTOR, areas["community_b"])


@pytest.fixture
def director_elsewhere(areas):
    return _user("director_elsewhere", Role.DIRECTOR, areas["community_c"])


@pytest.fixture
def unassigned(db):
    return _user("unassigned")


@pytest.fixture
def station_staff(areas):
    """Workstation staff of 天山路 (triage there, but not a reporter's identity)."""
    return _user("station_staff", Role.STATION_STAFF, areas["tianshan"])


@pytest.fixture
def supervisor_elsewhere(areas):
    """The supervisor of 仙霞新村 (居民区 C's 街镇): decides transfers into it."""
    return _user("supervisor_elsewhere", Role.SUPERVISOR, areas["xianxia"], reveal=True)


@pytest.fixture
def station_staff_elsewhere(areas):
    """Workstation staff of 仙霞新村: sees the transfers into it, decides none."""
    return _user("station_staff_elsewhere", Role.STATION_STAFF, areas["xianxia"])


@pytest.fixture
def director_a2(areas):
    """A second director of 居民区 A (not the owner of its cases)."""
    return _user("director_a2", Role.DIRECTOR, areas["community_a"])


@pytest.fixture
def other_district(db):
    """A second district, with a 街镇 and a 居民区: its 居民区 is returned."""
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    subdistrict = Area.objects.create(name="徐家汇街道", level="subdistrict", parent=district)
    return Area.objects.create(name="测试丁居民区", level="community", parent=subdistrict)


@pytest.fixture
def officer_of_both(district_officer, other_district):
    """District staff of both districts (a move between them is theirs to make)."""
    RoleAssignment.objects.create(
        user=district_officer, role=Role.DISTRICT_STAFF, area=other_district.parent.parent
    )
    return User.objects.get(pk=district_officer.pk)  # fresh: no cached roles


@pytest.fixture
def personas(district_officer, supervisor, director_a, director_b, director_elsewhere, unassigned):
    return {
        "district_officer": district_officer,
        "supervisor": supervisor,
        "director_a": director_a,
        "director_b": director_b,
        "director_elsewhere": director_elsewhere,
        "unassigned": unassigned,
    }


@pytest.fixture
def all_personas(personas, station_staff):
    return {**personas, "station_staff": station_staff}


def child_data(community: Area, **overrides) -> dict:
    """Valid input for a new child; the ID number is synthetic and agrees with birth and sex."""
    birth = overrides.pop("birth_date", dt.date(2015, 6, 1))
    sex = overrides.pop("sex", "M")
    data = {
        "name": "测试儿童",
        "sex": sex,
        "ethnicity": "01",
        "birth_date": birth,
        "id_number": idnumber.make("310105", birth, next(_sequence), sex),
        "hukou_type": "local",
        "hukou_place": "上海市长宁区",
        "address": "测试路1号101室",
        "community": community,
        "school": "测试小学",
        "grade": "p4",
        "boarding": False,
        "health": "healthy",
        "family_situation": "",
        "income_source": "wages",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_child(areas, district_officer):
    def make(community_key="community_a", categories=("left_behind",), guardians=None, **kw):
        return child_create(
            actor=district_officer,
            data=child_data(areas[community_key], **kw),
            categories=list(categories),
            guardians=guardians
            if guardians is not None
            else [GuardianInput(name="测试家长", relation="mother", phone="13800000001")],
        )

    return make


@pytest.fixture
def child_a(make_child):
    return make_child("community_a", name="张小明")


@pytest.fixture
def child_b(make_child):
    return make_child("community_b", name="李小红", sex="F")


@pytest.fixture
def child_c(make_child):
    return make_child("community_c", name="王小华")


def web_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        _token, key = api_token_create(actor=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- cases, partners and reports -------------------------------------------------------------


@pytest.fixture
def case_a(child_a, director_a):
    """A case of child A (居民区 A), opened by and owned by its director."""
    return case_open(actor=director_a, child=child_a, summary="Found alone at night.")


@pytest.fixture
def uncategorised_case_a(district_officer, director_a, make_child):
    """A case of child A owned by director_a, the child with no category: the only visit it can
    owe is the follow-up after returning home. (The protection tests use it as their case_a.)"""
    child = make_child("community_a", name="张小明", categories=())
    return case_open(actor=district_officer, child=child, owner=director_a)


@pytest.fixture
def guardianship_of_case_a(supervisor, case_a):
    """Temporary guardianship of (the requesting module's) case_a, started 30 days ago."""
    return protection_start(
        actor=supervisor,
        case=case_a,
        ground="harmed_by_guardian",
        placement="foster_family",
        placement_detail=SECRET_PLACE,
        started_on=today() - dt.timedelta(days=30),
    )


@pytest.fixture
def case_b(child_b, director_b):
    return case_open(actor=director_b, child=child_b, owner=director_b)


@pytest.fixture
def case_c(child_c, director_elsewhere):
    return case_open(actor=director_elsewhere, child=child_c, owner=director_elsewhere)


@pytest.fixture
def partner(areas):
    """A service centre of 天山路."""
    return Partner.objects.create(
        name="天山路儿童服务中心", kind="service_centre", area=areas["tianshan"]
    )


@pytest.fixture
def partner_c(areas):
    """A children's home of 仙霞新村 (out of 天山路's scope)."""
    return Partner.objects.create(name="仙霞儿童之家", kind="childrens_home", area=areas["xianxia"])


@pytest.fixture
def referral(case_a, partner, director_a):
    """Case A referred by its owner to the 天山路 service centre, to accept within 5 days."""
    return referral_create(
        actor=director_a,
        case=case_a,
        partner=partner,
        service_type="psychological",
        reason="Needs counselling.",
        accept_by=today() + dt.timedelta(days=5),
    )


@pytest.fixture
def make_report(areas):
    """A public report (returns the report; its secret code is on report.test_code)."""

    def make(*, channel=Channel.PUBLIC, actor=None, **overrides) -> Report:
        report, code = report_services.report_create(
            data=report_input(areas, **overrides), channel=channel, actor=actor
        )
        report.test_code = code
        return report

    return make


def en_get(user: User | None, url: str, params=None):
    """A page as `user` sees it in English."""
    return web_client(user).get(url, params or {}, HTTP_ACCEPT_LANGUAGE="en")


def en_post(user: User | None, url: str, data=None):
    """A form posted by `user`, answered in English."""
    return web_client(user).post(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def concern_a(child_a, director_a):
    """An open concern about child_a (under 16 living alone), raised by their director."""
    from weibao.visits.models import Concern

    return Concern.objects.create(
        child=child_a,
        district=child_a.district,
        subdistrict=child_a.subdistrict,
        community=child_a.community,
        kind=Concern.Kind.UNDER16_ALONE,
        description="Lives alone since the grandmother left.",
        raised_by=director_a,
    )
