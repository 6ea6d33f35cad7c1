"""The children list as it reads at a city's scale (docs/performance.md, "Registry reads at a
city's scale"): the count stops at a cap, a page's rows are found by their ids, the category
filter reads the child's category bits, the pinyin search is a range and the name search of
two characters finds what it found before."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from weibao.children.categories import CATEGORY_BITS, IN_DIFFICULTY, Category, category_bits
from weibao.children.models import Child
from weibao.children.selectors import ChildFilters, child_list
from weibao.children.services import child_update
from weibao.core.views_helpers import CappedPaginator

NAMES = ["安一", "白二", "蔡三", "丁四", "范五", "高六", "韩七"]  # pinyin order = this order


@pytest.fixture
def seven(make_child):
    return [make_child("community_a", name=name) for name in NAMES]


@pytest.fixture
def cap_of_five(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)


def _names(html: str) -> list[str]:
    return [name for name in NAMES if name in html]


def test_the_count_stops_at_the_cap_and_says_more_than(director_a, seven, cap_of_five):
    html = web_client(director_a).get("/children/").content.decode()
    assert "超过5名儿童" in html  # "more than 5 children"
    assert "7名儿童" not in html


def test_under_the_cap_the_count_is_exact(director_a, seven):
    html = web_client(director_a).get("/children/").content.decode()
    assert "7名儿童" in html and "超过" not in html


def test_pages_run_to_the_cap_and_the_last_one_says_how_to_see_all(
    director_a, seven, cap_of_five, monkeypatch
):
    monkeypatch.setattr("weibao.children.views.PAGE_SIZE", 2)
    client = web_client(director_a)
    first = client.get("/children/").content.decode()
    assert "第1页，共3页以上" in first  # "Page 1 of more than 3"
    assert "请缩小筛选范围" not in first
    # Page 3 holds the fifth child only: the count stopped there; a later page is page 3.
    for page in (3, 9):
        html = client.get(f"/children/?page={page}").content.decode()
        assert _names(html) == ["范五"], page
        assert "请缩小筛选范围" in html  # "Narrow the filters"


def test_a_page_read_by_its_ids_keeps_the_order_and_the_filters(director_a, seven, monkeypatch):
    monkeypatch.setattr("weibao.children.views.PAGE_SIZE", 2)
    client = web_client(director_a)
    seen = []
    for page in (1, 2, 3, 4):
        seen += _names(client.get(f"/children/?page={page}").content.decode())
    assert seen == NAMES


def test_the_list_costs_the_same_queries_with_filters_for_3_or_20_children(supervisor, make_child):
    client = web_client(supervisor)
    client.get("/")
    url = "/children/?category=left_behind&sex=F&age_band=6-11&status=active&page=2"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_child("community_a", sex="F")
    few = queries()
    for _ in range(17):
        make_child("community_b", sex="F", categories=["left_behind", "orphan"])
    assert queries() == few


def test_the_services_keep_the_category_bits_with_the_rows(director_a, make_child):
    child = make_child("community_a", categories=["orphan", "autism"])
    assert child.category_bits == CATEGORY_BITS["orphan"] | CATEGORY_BITS["autism"]
    child_update(
        actor=director_a,
        child=child,
        expected_version=child.version,
        data={},
        categories=["left_behind"],
    )
    child.refresh_from_db()
    assert child.category_bits == CATEGORY_BITS["left_behind"]
    rows = list(child.category_rows.values_list("category", flat=True))
    assert child.category_bits == category_bits(rows)


def test_every_category_has_its_own_bit():
    assert set(CATEGORY_BITS) == set(Category)
    assert len(set(CATEGORY_BITS.values())) == len(CATEGORY_BITS)


def test_the_category_filter_finds_exactly_the_children_with_a_row_of_it(
    district_officer, make_child
):
    combos = [(), ("orphan",), ("autism",), ("left_behind", "autism"), ("economic_hardship",)]
    for categories in combos:
        make_child("community_a", categories=categories)
    filters = [*Category.values, "in_difficulty"]
    for category in filters:
        listed = set(child_list(district_officer, ChildFilters(category=category)))
        codes = IN_DIFFICULTY if category == "in_difficulty" else {category}
        expected = set(Child.objects.filter(category_rows__category__in=codes).distinct())
        assert listed == expected, category


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("zxm", {"张小明"}),
        ("zhang", {"张小明", "张小"}),
        ("zhangxiaoming", {"张小明"}),
        ("zhangxiaomingz", set()),
        ("zz", {"曾子"}),
        ("z", {"张小明", "张小", "曾子", "赵"}),
        ("ZX", {"张小明", "张小"}),
    ],
)
def test_the_pinyin_search_is_a_prefix_of_the_initials_or_the_pinyin(
    supervisor, make_child, text, found
):
    for name in ["张小明", "张小", "曾子", "赵", "李四"]:
        make_child("community_a", name=name)
    listed = {c.name for c in child_list(supervisor, ChildFilters(q=text))}
    assert listed == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("张伟", {"张伟", "张伟华", "李张伟", "欧阳张伟明"}),
        ("伟华", {"张伟华"}),
        ("张", {"张伟", "张伟华", "李张伟", "欧阳张伟明"}),
        ("张伟华", {"张伟华"}),
        ("伟伟", set()),
        ("阳张伟明", {"欧阳张伟明"}),
    ],
)
def test_the_name_search_finds_the_names_containing_the_text(supervisor, make_child, text, found):
    """The same answer on SQLite and on PostgreSQL (where a doubled-name trigram index answers
    it too): run this module with DATABASE_URL set to try the latter."""
    for name in ["张伟", "张伟华", "李张伟", "欧阳张伟明", "王芳"]:
        make_child("community_a", name=name)
    listed = {c.name for c in child_list(supervisor, ChildFilters(q=text))}
    assert listed == found


def test_every_filter_combination_answers_as_the_plain_conditions(supervisor, make_child):
    """The list with the bits, the capped count and the page by ids, against the filters
    said plainly over the children (category rows, sex, age from the birth date, status)."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    for i, (sex, years, categories) in enumerate(
        itertools.product(("F", "M"), (4, 13, 16), ((), ("left_behind",), ("orphan",)))
    ):
        make_child(
            "community_a" if i % 2 else "community_b",
            sex=sex,
            birth_date=today - dt.timedelta(days=365 * years + 30),
            categories=categories,
        )
    values = {"category": "left_behind", "sex": "F", "age_band": "12-14", "status": "active"}
    for size in range(len(values) + 1):
        for keys in itertools.combinations(values, size):
            filters = ChildFilters(**{k: values[k] for k in keys})
            qs = child_list(supervisor, filters)
            expected = list(qs)  # the plain queryset
            page = CappedPaginator(qs, 4).get_page(1)
            assert page.paginator.count == len(expected), keys
            assert list(page) == expected[:4], keys
            for child in expected:
                if "category" in keys:
                    assert child.category_rows.filter(category="left_behind").exists()
                if "sex" in keys:
                    assert child.sex == "F"
                if "age_band" in keys:
                    assert 12 <= child.age(today) <= 14
