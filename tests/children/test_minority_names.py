"""The separator of a minority name (买买提·艾力) is stored as "·" however it was typed — •, ・,
‧, ．, ･ … or a full stop between Chinese characters — in a child's file, a guardian's name and a
report, and a search typed with any of them finds the child. Names saved before this are
normalised by a migration, the child's pinyin columns computed again from the new name."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.conftest import api_client
from tests.helpers import report_input
from weibao.children.models import Child, Guardian
from weibao.children.pinyin import name_pinyin
from weibao.children.selectors import child_search, children_visible_to
from weibao.children.services import GuardianInput, child_update
from weibao.core.text import normalize_name
from weibao.reports import services as report_services
from weibao.reports.choices import Channel
from weibao.reports.models import Report

LOOK_ALIKES = ["•", "・", "‧", "．", "･", "⋅", "∙", " · ", "."]


@pytest.mark.parametrize("dot", LOOK_ALIKES)
def test_every_look_alike_of_the_middle_dot_becomes_the_middle_dot(dot):
    assert normalize_name(f" 买买提{dot}艾力 ") == "买买提·艾力"


def test_a_full_stop_between_latin_letters_is_kept():
    assert normalize_name("J. Smith") == "J. Smith"
    assert normalize_name("李明") == "李明"


@pytest.mark.parametrize("dot", ["•", "・", "‧", "．"])
def test_a_child_registered_with_a_look_alike_is_stored_with_the_middle_dot(make_child, dot):
    child = make_child(name=f"买买提{dot}艾力")
    child.refresh_from_db()
    assert child.name == "买买提·艾力"


def test_a_renamed_child_is_stored_with_the_middle_dot(make_child, district_officer):
    child = make_child(name="阿依古丽")
    child = child_update(
        actor=district_officer,
        child=child,
        data={"name": "阿依古丽•买买提"},
        expected_version=child.version,
    )
    child.refresh_from_db()
    assert child.name == "阿依古丽·买买提"


@pytest.mark.parametrize("dot", ["•", "・", "‧", "．", "·"])
def test_a_search_typed_with_any_look_alike_finds_the_child(make_child, supervisor, dot):
    child = make_child(name="买买提·艾力")
    visible = children_visible_to(supervisor)
    assert list(child_search(visible, f"买买提{dot}艾力")) == [child]
    found = api_client(supervisor).get("/api/v1/children/", {"q": f"提{dot}艾"})
    assert [row["id"] for row in found.json()["results"]] == [child.pk]


def test_a_report_stores_the_childs_name_with_the_middle_dot(areas):
    report, _code = report_services.report_create(
        data=report_input(areas, child_name="古丽・努尔"), channel=Channel.PUBLIC
    )
    report.refresh_from_db()
    assert report.child_name == "古丽·努尔"


def test_a_guardians_name_is_stored_with_the_middle_dot(make_child, district_officer):
    child = make_child(
        guardians=[GuardianInput(name="阿依•古丽", relation="mother", phone="13800000001")]
    )
    guardian = child.guardians.get()
    assert guardian.name == "阿依·古丽"
    child = child_update(
        actor=district_officer,
        child=child,
        data={},
        guardians=[GuardianInput(id=guardian.pk, name="阿依・古丽", relation="mother", phone=None)],
        expected_version=child.version,
    )
    # Typed again with another look-alike: the same name, so nothing changed.
    assert child.version == 1 and child.guardians.get().name == "阿依·古丽"


# --- names saved before the normaliser (children 0009, reports 0007) ---------------------------


def _migration(app: str, name: str):
    return importlib.import_module(f"weibao.{app}.migrations.{name}")


def _apps_before(app: str, name: str):
    return MigrationLoader(connection).project_state((app, name)).apps


def test_the_migration_normalises_the_names_saved_before(make_child, supervisor):
    child = make_child(
        name="买买提·艾力",
        guardians=[GuardianInput(name="阿依·古丽", relation="mother", phone="13800000001")],
    )
    kept = make_child(name="J. Smith", guardians=[])
    # As they were saved before the normaliser; the pinyin columns out of step on purpose, so
    # that the migration is seen computing them from the new name.
    Child.objects.filter(pk=child.pk).update(name="买买提•艾力", name_pinyin="x", name_initials="x")
    Guardian.objects.filter(child=child).update(name="阿依 ‧ 古丽")
    before = Child.objects.values().get(pk=kept.pk)

    _migration("children", "0009_name_separators").normalise_names(
        _apps_before("children", "0008_encrypt_free_text"), None
    )

    child = Child.objects.get(pk=child.pk)
    assert child.name == "买买提·艾力"
    assert (child.name_initials, child.name_pinyin) == name_pinyin("买买提·艾力")
    assert child.guardians.get().name == "阿依·古丽"
    assert Child.objects.values().get(pk=kept.pk) == before  # nothing to change: untouched
    assert list(child_search(children_visible_to(supervisor), "买买提·艾力")) == [child]
    assert list(child_search(children_visible_to(supervisor), "mmtal")) == [child]


def test_the_migration_normalises_a_reports_child_name_saved_before(make_report):
    report = make_report(child_name="古丽·努尔")
    Report.objects.filter(pk=report.pk).update(child_name="古丽・努尔")
    _migration("reports", "0007_child_name_separators").normalise_child_names(
        _apps_before("reports", "0006_encrypt_free_text"), None
    )
    assert Report.objects.get(pk=report.pk).child_name == "古丽·努尔"
