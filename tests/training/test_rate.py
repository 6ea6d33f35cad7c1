"""The training rate (training.selectors.training_rate, docs/domain.md §2.7): people of the
required roles with at least N hours of sessions attended (present) in the period ÷ all
people of those roles working at the period's end; by 街镇, with who is not yet trained. One
indexed GROUP BY over attendance: the same number of queries however many people."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client, web_client
from tests.helpers import today
from tests.staff.helpers import add_member
from tests.training.helpers import a_session
from weibao.areas.models import Area
from weibao.staff.services import staff_end
from weibao.training.selectors import training_rate
from weibao.training.services import training_policy_update

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


def rate(area, start=START, end=END):
    return training_rate(area=area, start=start, end=end)


def untrained(summary) -> set[str]:
    return {p.name for p in summary.untrained}


def test_people_with_at_least_the_hours_are_trained(people, areas, district_officer):
    officer = district_officer
    a_session(officer, areas["district"], held_on=dt.date(2024, 3, 1),
              present=[people["a"], people["b"], people["supervisor"]])  # fmt: skip
    a_session(officer, areas["district"], held_on=dt.date(2024, 4, 1),
              present=[people["a"], people["supervisor"], people["volunteer"]])  # fmt: skip
    summary = rate(areas["district"])
    # Required: the three directors, the supervisor and the full-time worker; not the
    # volunteer. Trained (4 h): A and the supervisor.
    assert (summary.trained, summary.required, summary.rate) == (2, 5, 40.0)
    assert untrained(summary) == {"乙主任", "丙主任", "天山专职"}
    hours = {p.name: p.hours for p in summary.untrained}
    assert hours["乙主任"] == Decimal("2.0") and hours["丙主任"] == Decimal("0")
    by_sub = {line.label: (line.trained, line.required) for line in summary.by_subdistrict}
    assert by_sub == {"天山路街道": (2, 4), "仙霞新村街道": (0, 1)}
    by_role = {line.key: (line.trained, line.required) for line in summary.by_role}
    assert by_role == {"supervisor": (1, 1), "director": (1, 3), "full_time": (0, 1)}


def test_absent_and_excused_do_not_count(people, areas, district_officer):
    a_session(district_officer, areas["district"], held_on=dt.date(2024, 3, 1), hours=4,
              present=[people["a"]], absent=[people["b"]], excused=[people["c"]])  # fmt: skip
    summary = rate(areas["district"])
    assert untrained(summary) >= {"乙主任", "丙主任"} and "甲主任" not in untrained(summary)


def test_the_period_includes_its_first_and_last_day_and_nothing_outside(
    people, areas, district_officer
):
    officer, a = district_officer, people["a"]
    for day in (dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2024, 12, 31),
                dt.date(2025, 1, 1)):  # fmt: skip
        a_session(officer, areas["district"], held_on=day, hours=2, present=[a])
    summary = rate(areas["community_a"])
    # 1 January and 31 December count, the days just outside do not: 4 h, trained.
    assert (summary.trained, summary.untrained) == (1, ())

    def hours(start, end):
        found = rate(areas["community_a"], start=start, end=end)
        return found.untrained[0].hours if found.untrained else "trained"

    assert hours(dt.date(2024, 1, 2), dt.date(2024, 12, 30)) == Decimal("0")
    assert hours(dt.date(2024, 1, 2), dt.date(2024, 12, 31)) == Decimal("2.0")
    assert hours(dt.date(2023, 12, 31), dt.date(2024, 1, 1)) == "trained"


def test_the_hours_of_a_period_are_summed_exactly(people, areas, district_officer):
    officer, a = district_officer, people["a"]
    a_session(officer, areas["district"], held_on=dt.date(2024, 2, 1), hours="1.5", present=[a])
    a_session(officer, areas["tianshan"], held_on=dt.date(2024, 2, 2), hours="2.5", present=[a])
    summary = rate(areas["community_a"], start=dt.date(2024, 2, 2), end=dt.date(2024, 2, 2))
    assert summary.untrained[0].hours == Decimal("2.5")
    assert rate(areas["community_a"]).trained == 1  # 1.5 + 2.5 = 4


def test_people_who_left_before_the_periods_end_are_not_counted(people, areas, district_officer):
    staff_end(actor=district_officer, member=people["c"], end_date=dt.date(2024, 6, 30))
    summary = rate(areas["district"])
    assert "丙主任" not in untrained(summary) and summary.required == 4
    # Last year's figure still counts them: they were working at its end.
    assert rate(areas["district"], dt.date(2023, 1, 1), dt.date(2023, 12, 31)).required == 5


def test_people_who_started_after_the_period_are_not_counted(areas, district_officer, people):
    add_member(
        district_officer, areas["community_b"], name="新主任", start_date=dt.date(2025, 2, 1)
    )
    assert "新主任" not in untrained(rate(areas["district"]))
    assert "新主任" in untrained(rate(areas["district"], dt.date(2025, 1, 1), today()))


def test_the_district_says_which_roles_and_how_many_hours(people, areas, district_officer):
    a_session(district_officer, areas["district"], held_on=dt.date(2024, 3, 1), hours=2,
              present=[people["a"], people["volunteer"]])  # fmt: skip
    training_policy_update(
        actor=district_officer,
        district=areas["district"],
        required_roles=["director", "volunteer"],
        min_hours=Decimal("2"),
    )
    summary = rate(areas["district"])
    assert (summary.trained, summary.required) == (2, 4)
    assert summary.min_hours == Decimal("2") and summary.roles == ("director", "volunteer")


def test_a_subdistricts_rate_counts_its_own_people(people, areas, district_officer):
    a_session(district_officer, areas["district"], held_on=dt.date(2024, 3, 1), hours=4,
              present=[people["c"]])  # fmt: skip
    summary = rate(areas["xianxia"])
    assert (summary.trained, summary.required, summary.rate) == (1, 1, 100.0)
    assert [line.label for line in summary.by_subdistrict] == ["仙霞新村街道"]


def test_nobody_to_train_is_no_rate_not_a_division_by_zero(areas):
    summary = rate(areas["district"])
    assert (summary.required, summary.rate) == (0, None)


def test_the_rate_is_the_same_number_of_queries_for_few_and_many_people(
    people, areas, district_officer
):
    def count(area):
        with CaptureQueriesContext(connection) as ctx:
            rate(area)
        return len(ctx.captured_queries)

    few = {name: count(areas[name]) for name in ("district", "tianshan")}
    assert few["district"] <= 3
    for i in range(15):
        member = add_member(district_officer, areas["community_b"], name=f"多{i}")
        a_session(district_officer, areas["tianshan"], held_on=dt.date(2024, 5, 1 + i % 20),
                  present=[member, people["a"]])  # fmt: skip
    assert {name: count(areas[name]) for name in ("district", "tianshan")} == few


# --- the page and the API ------------------------------------------------------------------


def test_the_rate_page_defaults_to_this_year_and_lists_who_is_not_trained(
    people, areas, district_officer
):
    a_session(district_officer, areas["district"], held_on=today(), hours=4,
              present=[people["a"], people["b"]])  # fmt: skip
    html = web_client(district_officer).get("/training/rate/").content.decode()
    assert f"{today().year}-01-01 – {today().year}-12-31" in html
    assert "丙主任" in html and "天山专职" in html and "甲主任" not in html.split("尚未达标")[1]
    assert "40.0%" in html


def test_a_supervisor_reads_the_rate_of_their_subdistrict_only(people, areas, supervisor):
    client = web_client(supervisor)
    html = client.get("/training/rate/").content.decode()
    assert "乙主任" in html and "丙主任" not in html
    assert client.get(f"/training/rate/?area={areas['xianxia'].pk}").status_code == 404
    assert client.get(f"/training/rate/?area={areas['district'].pk}").status_code == 404


def test_a_director_has_no_rate_page(people, director_a):
    assert web_client(director_a).get("/training/rate/").status_code == 404
    assert api_client(director_a).get("/api/v1/training/rate/").status_code == 404


def test_a_period_picked_backwards_is_said_not_a_500(people, district_officer):
    response = web_client(district_officer).get("/training/rate/?start=2024-05-01&end=2024-01-01")
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()


def test_the_rate_page_is_flat_in_queries(people, areas, district_officer):
    client = web_client(district_officer)

    def count():
        client.get("/training/rate/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/training/rate/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(12):
        add_member(district_officer, areas["community_c"], name=f"新{i}")
    assert count() == few


def test_the_api_answers_the_rate_of_an_area_and_period(people, areas, district_officer):
    a_session(district_officer, areas["district"], held_on=dt.date(2024, 3, 1), hours=4,
              present=[people["a"]])  # fmt: skip
    client = api_client(district_officer)
    body = client.get(
        f"/api/v1/training/rate/?area={areas['tianshan'].pk}&start=2024-01-01&end=2024-12-31"
    ).json()
    assert (body["trained"], body["required"], body["rate"]) == (1, 4, 25.0)
    assert {p["name"] for p in body["untrained"]} == {"乙主任", "天山督导员", "天山专职"}
    assert body["min_hours"] == "4.0" and body["area_name"] == "天山路街道"
    bad = client.get("/api/v1/training/rate/?start=2024-05-01&end=2024-01-01")
    assert bad.status_code == 400 and "end" in bad.json()
    assert client.get("/api/v1/training/rate/?area=987654321").status_code == 404


def test_the_api_refuses_an_area_out_of_scope_like_an_unknown_one(people, areas, supervisor):
    client = api_client(supervisor)
    out = client.get(f"/api/v1/training/rate/?area={areas['xianxia'].pk}")
    unknown = client.get("/api/v1/training/rate/?area=987654321")
    assert out.status_code == unknown.status_code == 404
    assert out.json() == unknown.json()


@pytest.mark.parametrize("query", ["?start=soon", "?area=x", "?colour=red"])
def test_bad_rate_queries_are_400(people, district_officer, query):
    assert api_client(district_officer).get("/api/v1/training/rate/" + query).status_code == 400


def test_a_closed_subdistrict_has_a_line_only_while_someone_works_there(people, areas):
    empty = Area.objects.create(
        name="演示已撤销街道", level=Area.Level.SUBDISTRICT, parent=areas["district"],
        code="310105999", closed_at=timezone.now(),
    )  # fmt: skip
    labels = {line.label for line in rate(areas["district"]).by_subdistrict}
    assert empty.name not in labels and "天山路街道" in labels
    Area.objects.filter(pk=areas["tianshan"].pk).update(closed_at=timezone.now())
    assert "天山路街道" in {line.label for line in rate(areas["district"]).by_subdistrict}
