"""The ID-number registry (children.IdNumberRegistration, docs/scale.md "What changes in the
code", point 2): a number is registered once in the country, and the question "is it registered
already?" is answered by the registry, whose primary key also decides a race, then the file is
read in its own district. Every write of a file's number or district keeps the registry's row
with it."""

import datetime as dt
import gc
import importlib
import re
import weakref

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import child_data
from tests.helpers import RawEditor
from weibao.children import selectors as child_selectors
from weibao.children import validation
from weibao.children.models import Child, IdNumberRegistration
from weibao.children.selectors import id_number_owner, id_number_owners
from weibao.children.services import (
    ChildInput,
    child_anonymise,
    child_create,
    child_update,
    children_create_many,
    id_number_registrations_catch_up,
)
from weibao.core import crypto
from weibao.transfers.services import move_child_and_records
from weibao.visits.jobs import run_daily

TAKEN = "该身份证号码的儿童已登记。"  # "A child with this ID number is already registered."


def _registry() -> set[tuple[str, int, int]]:
    return set(IdNumberRegistration.objects.values_list("id_number_hash", "district", "child"))


def _entries(*children: Child) -> set[tuple[str, int, int]]:
    fresh = [Child.objects.get(pk=c.pk) for c in children]
    return {(c.id_number_hash, c.district_id, c.pk) for c in fresh}


@pytest.fixture
def file_elsewhere(officer_of_both, other_district) -> Child:
    """A file in the other district, which director_a cannot see."""
    return child_create(
        actor=officer_of_both,
        data=child_data(other_district),
        categories=["orphan"],
        guardians=[],
    )


@pytest.fixture
def owner_check_missed(monkeypatch):
    """The check before the insert finds nothing: what a second registration of the same
    number sees when both are checked before either commits."""
    monkeypatch.setattr(validation, "id_number_owner", lambda *a, **kw: None)
    monkeypatch.setattr("weibao.children.services.id_number_owners", lambda *a, **kw: {})


# --- written with the file -----------------------------------------------------------------


def test_a_new_file_registers_its_number_in_its_district(child_a):
    assert _registry() == _entries(child_a)


def test_a_batch_of_new_files_registers_each_number(director_a, areas):
    items = [
        ChildInput(data=child_data(areas["community_a"]), categories=["orphan"]) for _ in range(3)
    ]
    children = children_create_many(actor=director_a, items=items)
    assert all(isinstance(c, Child) for c in children)
    assert _registry() == _entries(*children)


def test_a_number_registered_in_another_district_is_refused_without_naming_the_child(
    file_elsewhere, director_a, areas
):
    data = child_data(areas["community_a"], id_number=file_elsewhere.id_number)
    with pytest.raises(ValidationError) as caught:
        child_create(actor=director_a, data=data, categories=["orphan"], guardians=[])
    [message] = caught.value.message_dict["id_number"]
    assert file_elsewhere.name not in message
    assert id_number_owner(director_a, file_elsewhere.id_number).child is None
    assert _registry() == _entries(file_elsewhere)


def test_the_registry_decides_a_race_for_a_number(
    file_elsewhere, director_a, areas, owner_check_missed
):
    data = child_data(areas["community_a"], id_number=file_elsewhere.id_number)
    with pytest.raises(ValidationError) as caught:
        child_create(actor=director_a, data=data, categories=["orphan"], guardians=[])
    assert caught.value.message_dict == {"id_number": [TAKEN]}
    assert Child.objects.count() == 1
    assert _registry() == _entries(file_elsewhere)


def test_a_batch_that_loses_a_race_refuses_only_that_number(
    file_elsewhere, director_a, areas, owner_check_missed
):
    community = areas["community_a"]
    items = [
        ChildInput(data=child_data(community), categories=["orphan"]),
        ChildInput(
            data=child_data(community, id_number=file_elsewhere.id_number), categories=["orphan"]
        ),
    ]
    first, second = children_create_many(actor=director_a, items=items)
    assert isinstance(first, Child)
    assert second == {"id_number": [TAKEN]}
    assert _registry() == _entries(file_elsewhere, first)


# --- changed with it -----------------------------------------------------------------------


def test_a_new_number_frees_the_old_one(child_a, district_officer, areas):
    old_number = child_a.id_number
    new_number = child_data(areas["community_a"])["id_number"]
    child_update(
        actor=district_officer,
        child=child_a,
        expected_version=child_a.version,
        data={"id_number": new_number, "birth_date": child_a.birth_date, "sex": child_a.sex},
    )
    assert _registry() == _entries(child_a)
    assert id_number_owner(district_officer, new_number).child == child_a
    assert id_number_owner(district_officer, old_number) is None


def test_a_new_number_taken_meanwhile_is_refused_and_nothing_changes(
    child_a, file_elsewhere, officer_of_both, owner_check_missed
):
    with pytest.raises(ValidationError) as caught:
        child_update(
            actor=officer_of_both,
            child=child_a,
            expected_version=child_a.version,
            data={"id_number": file_elsewhere.id_number},
        )
    assert caught.value.message_dict == {"id_number": [TAKEN]}
    assert Child.objects.get(pk=child_a.pk).id_number == child_a.id_number
    assert _registry() == _entries(child_a, file_elsewhere)


def test_a_move_to_another_district_carries_the_registration(
    child_a, child_b, officer_of_both, other_district
):
    child_update(
        actor=officer_of_both,
        child=child_a,
        expected_version=child_a.version,
        data={"community": other_district},
    )
    move_child_and_records(
        actor=officer_of_both,
        child=child_b,
        community=other_district,
        note="",
        owner_if_outside=None,
    )
    district = other_district.parent.parent_id
    assert {d for _h, d, _c in _registry()} == {district}
    assert _registry() == _entries(child_a, child_b)


def test_an_anonymised_files_number_may_be_registered_again(
    child_a, director_a, areas, django_capture_on_commit_callbacks
):
    number = child_a.id_number
    with django_capture_on_commit_callbacks(execute=True):
        child_anonymise(actor=None, child=child_a, reason="Retention period over (test).")
    assert _registry() == set()
    again = child_create(
        actor=director_a,
        data=child_data(areas["community_a"], id_number=number),
        categories=["orphan"],
        guardians=[],
    )
    assert _registry() == _entries(again)


# --- read through it -----------------------------------------------------------------------


def _child_reads(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "children_child"' in q["sql"]]


def test_the_owner_lookups_read_the_file_in_its_district(child_a, director_a):
    id_number_owner(director_a, child_a.id_number)  # the user's roles, read once a request
    with CaptureQueriesContext(connection) as one:
        assert id_number_owner(director_a, child_a.id_number).child == child_a
    with CaptureQueriesContext(connection) as many:
        owners = id_number_owners(director_a, [child_a.id_number, "110101201501010015"])
    assert {n: o.child for n, o in owners.items()} == {child_a.id_number: child_a}
    for ctx in (one, many):
        assert len(ctx.captured_queries) == 2
        [read] = _child_reads(ctx)
        # The registry's answer names the district, so the file is read in one partition.
        where = read.split(" WHERE ", 1)[1]
        assert re.search(r'"children_child"\."district_id" (=|IN)', where), read
        assert "id_number_hash" not in where


def test_the_lookups_read_the_registry_not_the_files(child_a, director_a):
    # A file whose registration is gone is not found: the files' own hashes are not read.
    IdNumberRegistration.objects.all().delete()
    assert id_number_owner(director_a, child_a.id_number) is None
    assert id_number_owners(director_a, [child_a.id_number]) == {}
    # The search within the user's own scope still reads the files' hashes.
    assert child_selectors.child_search(Child.objects.all(), child_a.id_number).get() == child_a


# --- the migration that made the registry ----------------------------------------------------


def test_the_migration_registers_every_file_that_holds_its_number(
    child_a, child_b, child_c, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        child_anonymise(actor=None, child=child_c, reason="Retention period over (test).")
    IdNumberRegistration.objects.all().delete()
    migration = importlib.import_module("weibao.children.migrations.0015_id_number_registration")
    migration.register_the_files(apps, RawEditor())
    assert _registry() == _entries(child_a, child_b)
    assert crypto.lookup_hash(child_a.id_number) in {h for h, _d, _c in _registry()}


def test_a_batchs_files_are_freed_without_the_cyclic_collector(director_a, areas):
    # An import holds its chunks' files until they are freed; a registration that cached its
    # file (and the file it) kept every file of a chunk alive until the collector ran.
    items = [
        ChildInput(data=child_data(areas["community_a"]), categories=["orphan"]) for _ in range(3)
    ]
    gc.disable()
    try:
        answers = children_create_many(actor=director_a, items=items)
        files = [weakref.ref(c) for c in answers]
        del answers
        assert [f() for f in files] == [None, None, None]
    finally:
        gc.enable()


# --- what the daily job catches up -----------------------------------------------------------


def test_the_daily_job_registers_this_weeks_files_that_have_no_registration(child_a, child_b):
    # Files written by the code of before the registry while an upgrade migrated the database.
    IdNumberRegistration.objects.all().delete()
    Child.objects.filter(pk=child_b.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    report = run_daily(timezone.localdate())
    assert report.checks["id_numbers_registered"] == 1
    assert report.checks["id_numbers_held_twice"] == 0
    assert _registry() == _entries(child_a)  # child_b: older than the week looked at
    assert run_daily(timezone.localdate()).checks["id_numbers_registered"] == 0


def test_the_daily_job_does_not_register_a_number_twice(child_a, file_elsewhere, caplog):
    # The code of before let a number registered in another district through, once the
    # migration had made the file's own rule one of its district.
    IdNumberRegistration.objects.filter(child=child_a).delete()
    Child.objects.filter(pk=child_a.pk).update(id_number_hash=file_elsewhere.id_number_hash)
    checks = id_number_registrations_catch_up(now=timezone.now())
    assert checks == {"id_numbers_registered": 0, "id_numbers_held_twice": 1}
    assert _registry() == _entries(file_elsewhere)
    assert f"[{child_a.pk}]" in caplog.text


def test_the_daily_job_leaves_anonymised_files_out(child_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        child_anonymise(actor=None, child=child_a, reason="Retention period over (test).")
    assert id_number_registrations_catch_up(now=timezone.now())["id_numbers_registered"] == 0
    assert _registry() == set()
