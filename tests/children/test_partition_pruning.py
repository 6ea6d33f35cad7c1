"""Every main read names the district (docs/scale.md, "What changes in the code"): on tables
partitioned by district_id — the single-node stand-in for Citus's distribution by district —
PostgreSQL reads one partition. The child-keyed tables are rebuilt here, inside the test's
transaction, as `PARTITION BY LIST (district_id)` copies in a schema of their own, and the
SQL the app's scope functions produce is explained against them."""

import datetime as dt

import pytest
from django.db import connection

from weibao.accounts.selectors import user_district_ids
from weibao.areas.models import Area
from weibao.audit.selectors import access_log_of_child
from weibao.cases.models import Case
from weibao.cases.selectors import (
    CaseListFilters,
    case_list,
    cases_visible_to,
    child_cases_for_user,
    current_plan_number,
    plan_versions_of,
)
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.children.selectors import (
    ChildFilters,
    category_rows_of,
    child_list,
    children_visible_to,
    guardian_rows_of,
    guardian_rows_prefetch,
)
from weibao.visits.selectors import child_visits, dues_visible_to, visits_visible_to, worklist

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's"
)

TABLES = [
    "children_child",
    "children_childcategory",
    "children_guardian",
    "visits_visitdue",
    "visits_visit",
    "cases_case",
    "cases_casemember",
    "cases_planversion",
    "audit_accesslog",
]

# The main reads: the scope function of each list and each page (a lookup by id goes through
# core.scope.get_or_404 on the same scope).
PHONE = "13800000001"
ID_NUMBER = idnumber.make("310105", dt.date(2015, 6, 1), 1, "M")

READS = {
    "children list": lambda user: child_list(user, ChildFilters()),
    "children list's categories": lambda user: _listed_categories(user),
    "child's page": lambda user: children_visible_to(user).filter(pk=1),
    "child's categories": lambda user: category_rows_of(_child(user)),
    "child's guardians": lambda user: guardian_rows_of(_child(user)),
    "listed children's guardians": lambda user: _listed_guardians(user),
    "children by a guardian's phone": lambda user: child_list(user, ChildFilters(q=PHONE)),
    "children by an ID number": lambda user: child_list(user, ChildFilters(q=ID_NUMBER)),
    "visits worklist": lambda user: worklist(user),
    "visits due": lambda user: dues_visible_to(user),
    "visits": lambda user: visits_visible_to(user),
    "cases list": lambda user: case_list(user, CaseListFilters()),
    "case's page": lambda user: cases_visible_to(user).filter(pk=1),
    "child's visits": lambda user: child_visits(user, _child(user)),
    "child's cases": lambda user: child_cases_for_user(user, _child(user)),
    "cases list with the current plan": lambda user: _cases_with_plan(user),
    "case's plan versions": lambda user: plan_versions_of(_case(user)),
    "child's access log": lambda user: access_log_of_child(_child(user)),
}


def _listed_categories(user):
    """The query of the list's prefetch of the categories, as Django runs it for the children
    read (it adds "child IN (…)" to the Prefetch's queryset)."""
    (prefetch,) = child_list(user, ChildFilters())._prefetch_related_lookups
    return prefetch.queryset.filter(child_id__in=[1, 2])


def _listed_guardians(user):
    """The query of the guardians' prefetch of a list (the API's children list, an import's
    owners) for the children read."""
    return guardian_rows_prefetch(user_district_ids(user)).queryset.filter(child_id__in=[1, 2])


def _child(user) -> Child:
    """A child of the user's district, as a child's page has read it (the district is what
    the reads of its parts name)."""
    area = user.role_assignments.get().area
    return Child(pk=1, district_id=area.district_pk)


def _cases_with_plan(user):
    """The API's list of cases, with the number of each one's current plan."""
    plan = current_plan_number(user_district_ids(user))
    return case_list(user, CaseListFilters()).annotate(current_plan_number=plan)


def _case(user) -> Case:
    """A case of the user's district, as a case's page has read it."""
    area = user.role_assignments.get().area
    return Case(pk=1, district_id=area.district_pk)


@pytest.fixture
def partitioned(areas):
    """The tables split by district (this one, and two others), searched first."""
    others = [Area.objects.create(name=f"别的区{i}", level="district").pk for i in range(2)]
    districts = [areas["district"].pk, *others]
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA pruning")
        for table in TABLES:
            cursor.execute(
                f'CREATE TABLE pruning."{table}" (LIKE public."{table}" INCLUDING DEFAULTS) '
                "PARTITION BY LIST (district_id)"
            )
            for d in districts:
                cursor.execute(
                    f'CREATE TABLE pruning."{table}_p{d}" PARTITION OF pruning."{table}" '
                    f"FOR VALUES IN ({d})"
                )
        cursor.execute("SET LOCAL search_path TO pruning, public")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO public")


def _partitions_read(queryset) -> dict[str, int]:
    """Partitioned table → how many of its partitions the plan of `queryset` reads."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    found: dict[str, set[str]] = {}

    def walk(node):
        name = node.get("Relation Name", "")
        table = name.rsplit("_p", 1)[0]
        if table in TABLES and name != table:
            found.setdefault(table, set()).add(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return {table: len(names) for table, names in found.items()}


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("persona", ["director_a", "supervisor", "district_officer"])
def test_each_main_read_prunes_to_one_district_partition(request, partitioned, persona, read):
    user = request.getfixturevalue(persona)
    read_tables = _partitions_read(READS[read](user))
    assert read_tables, "the read touches no partitioned table"
    assert read_tables == dict.fromkeys(read_tables, 1), read_tables
