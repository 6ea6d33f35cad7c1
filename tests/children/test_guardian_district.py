"""Every guardian row lies in its child's district (docs/scale.md), as every category row does
(test_category_district.py): the children services write the district with the row and move it
with the child, and every read or change of a child's guardians names it — the SQL of each
statement on children_guardian says the guardian's district_id, which is what routes it to one
partition (test_partition_pruning.py) or one Citus worker."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client, child_data, web_client
from tests.duplicates.helpers import pair_of, register
from tests.imports.conftest import csv_file, row
from tests.transfers.helpers import accept, ask
from weibao.archive.selectors import child_archive
from weibao.archive.services import archive_reveal
from weibao.children.models import Child, Guardian
from weibao.children.selectors import child_guardians, guardian_rows_of
from weibao.children.services import (
    ChildInput,
    GuardianInput,
    child_anonymise,
    child_update,
    children_create_many,
)
from weibao.imports import services as imports
from weibao.stations.evidence import archive_counts
from weibao.transfers.services import move_child_and_records

MOTHER = GuardianInput(name="测试妈妈", relation="mother", phone="13800000002")
GRANDMOTHER = GuardianInput(name="测试奶奶", relation="p_grandmother", phone="13800000003")

# A statement on the guardians' table and the alias its columns go by (Django's "U0" in a
# subquery); INSERTs are checked by their rows (_misplaced), not here.
_ON_GUARDIANS = re.compile(r'(?:FROM|UPDATE) "children_guardian"(?: (U\d+))?')


def _misplaced() -> list[tuple[int, int, int]]:
    """(row, its district, its child's district) of every row that disagrees."""
    district_of = dict(Child.objects.values_list("pk", "district_id"))
    return [
        (pk, district, district_of[child])
        for pk, child, district in Guardian.objects.values_list("pk", "child", "district")
        if district != district_of[child]
    ]


def _guardian_statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if _ON_GUARDIANS.search(q["sql"])]


def _assert_name_the_district(ctx: CaptureQueriesContext) -> None:
    """Some statement read or changed guardians, and each names the guardians' district."""
    statements = _guardian_statements(ctx)
    assert statements, "no statement on children_guardian was captured"
    unnamed = [
        sql
        for sql in statements
        for m in _ON_GUARDIANS.finditer(sql)
        if not _names_district(sql[m.end() :], m.group(1) or '"children_guardian"')
    ]
    assert unnamed == []


def _names_district(after: str, alias: str) -> bool:
    """Whether the conditions that follow a FROM or UPDATE of the guardians' table, up to the
    next table read (another subquery), compare the guardians' district_id with something (the
    selected columns come before FROM, so reading the column does not count)."""
    end = after.find(' FROM "')
    conditions = after if end < 0 else after[:end]
    return re.search(re.escape(alias) + r'\."district_id" (=|IN)', conditions) is not None


# --- written with the row ------------------------------------------------------------------


def test_a_new_file_has_its_guardians_in_its_district(make_child):
    child = make_child(guardians=[MOTHER, GRANDMOTHER])
    assert Guardian.objects.filter(district_id=child.district_id).count() == 2
    assert _misplaced() == []


def test_a_batch_of_new_files_has_its_guardians_in_their_districts(director_a, areas):
    items = [
        ChildInput(data=child_data(areas["community_a"]), categories=["orphan"], guardians=gs)
        for gs in ([MOTHER], [MOTHER, GRANDMOTHER])
    ]
    children = children_create_many(actor=director_a, items=items)
    assert all(isinstance(c, Child) for c in children)
    assert Guardian.objects.filter(district_id=areas["district"].pk).count() == 3
    assert _misplaced() == []


def test_guardians_added_changed_and_removed_name_the_childs_district(child_a, district_officer):
    (parent,) = guardian_rows_of(child_a)
    kept = GuardianInput(id=parent.pk, name=parent.name, relation="father", phone="13800000009")
    child_update(
        actor=district_officer,
        child=child_a,
        expected_version=child_a.version,
        data={},
        guardians=[kept, MOTHER],
    )
    child = Child.objects.get(pk=child_a.pk)
    with CaptureQueriesContext(connection) as ctx:
        child_update(
            actor=district_officer,
            child=child,
            expected_version=child.version,
            data={},
            guardians=[
                GuardianInput(id=parent.pk, name="测试爸爸", relation="father", phone=None),
                GRANDMOTHER,
            ],
        )
    statements = _guardian_statements(ctx)
    # The read, the change of one, the removal of the other (the addition is an INSERT), then
    # the match keys' read of the phones (duplicates.services.children_match_refresh).
    assert [s.split(" ", 1)[0] for s in statements] == ["SELECT", "UPDATE", "DELETE", "SELECT"]
    _assert_name_the_district(ctx)
    rows = child_guardians(Child.objects.get(pk=child_a.pk))
    assert [(g.name, g.phone) for g in rows] == [
        ("测试爸爸", "13800000009"),
        ("测试奶奶", "13800000003"),
    ]
    assert _misplaced() == []


def test_anonymising_removes_the_guardians_by_their_district(
    child_a, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        child_anonymise(actor=None, child=child_a, reason="Retention period over (test).")
    assert not Guardian.objects.filter(child=child_a).exists()
    _assert_name_the_district(ctx)


# --- moved with the child ------------------------------------------------------------------


def test_a_move_to_another_district_moves_the_guardians(child_a, officer_of_both, other_district):
    (parent,) = guardian_rows_of(child_a)
    # Moved and edited at once: the guardians must have followed before they are matched.
    child_update(
        actor=officer_of_both,
        child=child_a,
        expected_version=child_a.version,
        data={"community": other_district},
        guardians=[GuardianInput(id=parent.pk, name="测试爸爸", relation="father"), MOTHER],
    )
    moved = Child.objects.get(pk=child_a.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert [(g.pk == parent.pk, g.name) for g in child_guardians(moved)] == [
        (True, "测试爸爸"),
        (False, "测试妈妈"),
    ]
    assert _misplaced() == []


def test_a_transfers_move_to_another_district_moves_the_guardians(
    child_a, district_officer, other_district
):
    # What an accepted transfer and a 居民区's administrative move run, into another district.
    move_child_and_records(
        actor=district_officer,
        child=child_a,
        community=other_district,
        note="",
        owner_if_outside=None,
    )
    moved = Child.objects.get(pk=child_a.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert [g.name for g in child_guardians(moved)] == ["测试家长"]
    assert _misplaced() == []


def test_an_accepted_transfer_keeps_the_guardians_with_the_child(
    child_a, director_a, supervisor_elsewhere, areas
):
    accept(supervisor_elsewhere, ask(director_a, child_a, areas["community_c"]))
    assert [g.name for g in child_guardians(Child.objects.get(pk=child_a.pk))] == ["测试家长"]
    assert _misplaced() == []


# --- read with it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/children/{pk}/",
        "/children/{pk}/edit/",
        "/children/?q=13800000001",  # the search by a guardian's phone
    ],
)
def test_the_pages_read_the_guardians_with_the_district(child_a, director_a, path):
    client = web_client(director_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path.format(pk=child_a.pk))
    assert response.status_code == 200
    assert "张小明" in response.content.decode()
    _assert_name_the_district(ctx)


@pytest.mark.parametrize("path", ["/api/v1/children/{pk}/", "/api/v1/children/"])
def test_the_api_reads_the_guardians_with_the_district(child_a, director_a, path):
    client = api_client(director_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path.format(pk=child_a.pk))
    assert response.status_code == 200
    data = response.json()
    child = data["results"][0] if "results" in data else data
    assert [g["phone_masked"] for g in child["guardians"]] == ["138****0001"]
    _assert_name_the_district(ctx)


def test_the_archive_reads_and_reveals_the_guardians_with_the_district(child_a, director_a):
    child = Child.objects.get(pk=child_a.pk)
    with CaptureQueriesContext(connection) as ctx:
        revealed = archive_reveal(actor=director_a, child=child, reason="Court.", channel="web")
        archive = child_archive(director_a, child, revealed=revealed, now=timezone.now())
    assert [phone for _g, phone in archive.guardians] == ["13800000001"]
    _assert_name_the_district(ctx)


def test_the_duplicates_page_and_matching_read_the_guardians_with_the_district(
    areas, district_officer, supervisor
):
    a = register(district_officer, areas["community_a"], "张小明")
    with CaptureQueriesContext(connection) as matching:
        # A change of name re-reads the file's guardians' phones for its match keys.
        child_update(actor=district_officer, child=a, expected_version=a.version,
                     data={"name": "张晓明"})  # fmt: skip
    _assert_name_the_district(matching)
    b = register(district_officer, areas["community_b"], "张晓明")
    pair = pair_of(a, b)
    assert pair is not None
    with CaptureQueriesContext(connection) as page:
        response = web_client(supervisor).get(f"/duplicates/{pair.pk}/")
    assert response.status_code == 200
    _assert_name_the_district(page)


def test_an_import_reads_the_owners_guardians_with_the_district(
    child_a, director_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORTS_INLINE, settings.MEDIA_ROOT = True, tmp_path
    line = row(id_number=child_a.id_number, name=child_a.name, 监护人="测试外婆",
               出生日期=child_a.birth_date.isoformat(), 性别="男")  # fmt: skip
    job = imports.import_upload(actor=director_a, upload=csv_file([line]))
    with CaptureQueriesContext(connection) as ctx:
        with django_capture_on_commit_callbacks(execute=True):  # the dry run
            imports.import_map(
                actor=director_a, job=job, mapping=job.mapping, hukou_default="local"
            )
        with django_capture_on_commit_callbacks(execute=True):  # the import
            imports.import_commit(actor=director_a, job=job)
    job.refresh_from_db()
    assert (job.updated, job.refused) == (1, 0)
    assert [g.name for g in child_guardians(child_a)] == ["测试家长", "测试外婆"]
    _assert_name_the_district(ctx)
    assert _misplaced() == []


def test_the_stations_complete_files_count_the_guardians_with_the_district(child_a, areas):
    with CaptureQueriesContext(connection) as ctx:
        counts = archive_counts([areas["tianshan"].pk], timezone.localdate())
    assert counts[areas["tianshan"].pk][0] == 1
    _assert_name_the_district(ctx)
