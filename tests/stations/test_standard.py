"""The standard as data (docs/domain.md §1.11): a district starts with "八个一" — eight items with
their wording and source — made on first use; the district makes a new version (items copied,
then changed, with a start date), and the version in force on a day is the latest that
started on or before it. A version that has started never changes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import web_client
from tests.helpers import error_dict, today
from weibao.audit.models import AuditEvent
from weibao.stations import services
from weibao.stations.defaults import DEFAULT_ITEMS
from weibao.stations.models import Standard
from weibao.stations.selectors import standard_in_force

pytestmark = pytest.mark.usefixtures("english")


def test_the_default_standard_is_the_eight_items_of_baxiangyi(areas):
    standard = services.standard_ensure_default(district=areas["district"])
    assert standard.name == "八个一"
    assert [i.wording for i in standard.items.order_by("order")] == [
        "一支工作队伍", "一个活动场地", "一个服务窗口", "一个议事场所",
        "一套制度流程", "一本服务台账", "一套工作档案", "一面展示墙",
    ]  # fmt: skip
    assert all(i.required and "八个一" in i.source for i in standard.items.all())
    assert AuditEvent.objects.filter(action="standard.create_default").count() == 1


def test_making_the_default_twice_makes_one(areas):
    first = services.standard_ensure_default(district=areas["district"])
    assert services.standard_ensure_default(district=areas["district"]) == first
    assert Standard.objects.count() == 1 and first.items.count() == len(DEFAULT_ITEMS)


def new_version(actor, district, starts_on, **data):
    return services.standard_version_create(
        actor=actor,
        district=district,
        data={"name": "八个一", "version_name": "上海 2025", "starts_on": starts_on, **data},
    )


def test_a_new_version_copies_the_items_and_comes_into_force_on_its_day(district_officer, areas):
    first = services.standard_ensure_default(district=areas["district"])
    start = today() + dt.timedelta(days=10)
    second = new_version(district_officer, areas["district"], start)
    assert list(second.items.values_list("code", flat=True)) == list(
        first.items.values_list("code", flat=True)
    )
    assert standard_in_force(areas["district"].pk, today()) == first
    assert standard_in_force(areas["district"].pk, start) == second
    assert standard_in_force(areas["district"].pk, dt.date(2020, 12, 31)) is None


def test_the_district_adds_shanghais_requirements_before_the_version_starts(
    district_officer, areas
):
    services.standard_ensure_default(district=areas["district"])
    version = new_version(district_officer, areas["district"], today() + dt.timedelta(days=1))
    item = services.standard_item_add(
        actor=district_officer,
        standard=version,
        data={
            "code": "sh2025_space",
            "wording": "场地不少于30平方米，设独立心理辅导室",
            "computed": "venue",
            "threshold": 30,
        },
    )
    assert item.order == len(DEFAULT_ITEMS) + 1 and item.required
    services.standard_item_update(actor=district_officer, item=item, data={"threshold": 40})
    services.standard_item_remove(actor=district_officer, item=version.items.get(code="window"))
    assert version.items.count() == len(DEFAULT_ITEMS)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"standard.create", "standard.item_add", "standard.item_update",
            "standard.item_remove"} <= actions  # fmt: skip


def test_a_version_in_force_never_changes(district_officer, areas):
    standard = services.standard_ensure_default(district=areas["district"])
    item = standard.items.first()
    for attempt in (
        lambda: services.standard_item_add(
            actor=district_officer, standard=standard, data={"code": "x", "wording": "x"}
        ),
        lambda: services.standard_item_update(
            actor=district_officer, item=item, data={"wording": "y"}
        ),
        lambda: services.standard_item_remove(actor=district_officer, item=item),
        lambda: services.standard_version_update(
            actor=district_officer, standard=standard, data={"version_name": "z"}
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "starts_on" in error_dict(exc)


@pytest.mark.parametrize("days_from_today", [0, -1])
def test_a_new_version_starts_tomorrow_at_the_earliest(district_officer, areas, days_from_today):
    starts_on = today() + dt.timedelta(days=days_from_today)  # at run time, not collection
    with pytest.raises(ValidationError) as exc:
        new_version(district_officer, areas["district"], starts_on)
    assert "starts_on" in error_dict(exc)


def test_two_versions_never_start_on_the_same_day(district_officer, areas):
    day = today() + dt.timedelta(days=3)
    new_version(district_officer, areas["district"], day)
    with pytest.raises(ValidationError) as exc:
        new_version(district_officer, areas["district"], day, version_name="again")
    assert "starts_on" in error_dict(exc)


def test_only_the_districts_staff_keep_the_standard(supervisor, areas):
    with pytest.raises(PermissionDenied):
        new_version(supervisor, areas["district"], today() + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "Has Space"),
        ("code", ""),
        ("wording", ""),
        ("computed", "magic"),
        ("threshold", -1),
        ("order", 5000),
    ],
)
def test_bad_items_are_refused_field_by_field(district_officer, areas, field, value):
    version = new_version(district_officer, areas["district"], today() + dt.timedelta(days=1))
    data = {"code": "new_item", "wording": "新要求", "computed": "ledger", field: value}
    with pytest.raises(ValidationError) as exc:
        services.standard_item_add(actor=district_officer, standard=version, data=data)
    assert field in error_dict(exc)


def test_a_threshold_on_evidence_that_takes_none_is_refused(district_officer, areas):
    version = new_version(district_officer, areas["district"], today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.standard_item_add(
            actor=district_officer,
            standard=version,
            data={"code": "x", "wording": "x", "computed": "wall", "threshold": 3},
        )
    assert "threshold" in error_dict(exc)


def test_the_standard_pages_let_the_district_make_and_fill_a_version(district_officer, areas):
    client = web_client(district_officer)
    start = (today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        "/stations/standards/new/",
        {"name": "八个一", "version_name": "2026", "starts_on": start},
    )
    assert response.status_code == 302
    version = Standard.objects.get(version_name="2026")
    page = client.get(f"/stations/standards/{version.pk}/").content.decode()
    assert "sh2025_space" in page  # the suggestion to add Shanghai's requirement
    response = client.get(f"/stations/standards/{version.pk}/items/new/?suggest=sh2025_space")
    assert response.context["form"].initial["threshold"] == 30
    response = client.post(
        f"/stations/standards/{version.pk}/items/new/",
        {"code": "sh2025_space", "wording": "场地不少于30平方米", "required": "on",
         "computed": "venue", "threshold": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    assert version.items.filter(code="sh2025_space", threshold=30).exists()
    # A bad code comes back next to its field.
    response = client.post(
        f"/stations/standards/{version.pk}/items/new/", {"code": "BAD CODE", "wording": "x"}
    )
    assert response.status_code == 200 and "code" in response.context["form"].errors
