"""The separator of a minority name (买买提·艾力) is stored as "·" however it was typed — •, ・,
‧, ．, ･ … or a full stop between Chinese characters — in a child's file and in a report, and a
search typed with any of them finds the child."""

import pytest

from tests.conftest import api_client
from tests.helpers import report_input
from weibao.children.selectors import child_search, children_visible_to
from weibao.children.services import child_update
from weibao.core.text import normalize_name
from weibao.reports import services as report_services
from weibao.reports.choices import Channel

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
