"""Persona fixtures: the people every scope test is written about.

The area tree is small and synthetic: 长宁区 → 天山路街道 (居民区 A and B)
and 仙霞新村街道 (居民区 C).
"""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.children import idnumber
from weibao.children.services import GuardianInput, child_create

PASSWORD = "test-pass-123"
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
def personas(district_officer, supervisor, director_a, director_b, director_elsewhere, unassigned):
    return {
        "district_officer": district_officer,
        "supervisor": supervisor,
        "director_a": director_a,
        "director_b": director_b,
        "director_elsewhere": director_elsewhere,
        "unassigned": unassigned,
    }


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
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
