"""Every radio group, checkbox group and single checkbox of the product has one accessible
pattern (field.html, widgets/choices.html): the group is a fieldset whose legend asks the
question, each option is a label around its own input (the whole box is the tap target, so a
circle can never drift away from its word), and the group's errors are inside its fieldset."""

import pytest
from django import forms
from django.template.loader import render_to_string

from tests.conftest import web_client
from tests.helpers import html_tree, zh
from weibao.cases import services as cases
from weibao.core.templatetags.core_tags import choice_layout
from weibao.visits.services import visit_start

CHOICE_TYPES = {"radio", "checkbox"}


def choice_inputs(html: str):
    tree = html_tree(html)
    return tree, [node for node in tree.find_all("input") if node.attrs.get("type") in CHOICE_TYPES]


def assert_one_pattern(html: str) -> int:
    """Each radio and checkbox sits inside a `label.choice` that also holds its words; each
    group of them (same name, several options) is a fieldset with a legend. Returns the number
    of inputs checked."""
    tree, inputs = choice_inputs(html)
    assert not list(tree.find_all("label", **{"for": ""})), "a label pointing at nothing"
    names: dict[str, int] = {}
    for box in inputs:
        names[box.attrs["name"]] = names.get(box.attrs["name"], 0) + 1
    for box in inputs:
        label = box.closest("label")
        where = f"{box.attrs['name']}={box.attrs.get('value')}"
        assert label is not None, f"{where} is not inside a label"
        assert "choice" in label.classes(), f"{where}: its label is not the tap-target box"
        assert label.text, f"{where}: its label has no words"
        if box.attrs.get("id") and label.attrs.get("for"):
            assert label.attrs["for"] == box.attrs["id"], where
        if names[box.attrs["name"]] > 1:
            group = box.closest("fieldset")
            assert group is not None and "choices" in group.classes(), f"{where}: no group"
            legends = [c for c in group.children if not isinstance(c, str) and c.tag == "legend"]
            assert legends and legends[0].text, f"{where}: its group has no legend"
    return len(inputs)


@pytest.fixture
def filed_case(case_a, director_a):
    return cases.case_file(actor=director_a, case=case_a, summary="Left alone at night.")


def test_each_risk_level_circle_is_inside_the_label_of_its_own_word(filed_case, director_a):
    # The assessment's form is on the page once its step is opened.
    page = web_client(director_a).get(f"/cases/{filed_case.pk}/?step=assess").content.decode()
    assert_one_pattern(page)
    tree = html_tree(page)
    group = next(
        f for f in tree.find_all("fieldset") if f.attrs.get("id") == "id_assess-risk_level"
    )
    assert group.find_all("legend").__next__().text.startswith(zh("risk level"))
    words = {
        box.attrs["value"]: box.closest("label").text
        for box in group.find_all("input", type="radio")
    }
    assert words == {
        "low": zh("Low"),
        "medium": zh("Medium"),
        "high": zh("High"),
        "emergency": zh("Emergency"),
    }


def test_a_choice_groups_error_is_shown_inside_the_group(filed_case, director_a):
    data = {"assess-version": str(filed_case.version), "assess-reasons": "Alone."}
    response = web_client(director_a).post(f"/cases/{filed_case.pk}/assess/", data)
    tree = html_tree(response.content.decode())
    group = next(
        f for f in tree.find_all("fieldset") if f.attrs.get("id") == "id_assess-risk_level"
    )
    assert "has-error" in group.classes()
    errors = [p.text for p in group.find_all("p") if "error" in p.classes()]
    assert errors == [zh("Please choose a risk level.")]
    # Screen readers hear the error with the group, and typed text is kept.
    assert "id_assess-risk_level_error" in group.attrs["aria-describedby"].split()
    assert "Alone." in response.content.decode()


PAGES = {
    "case page": ("director_a", lambda f: f"/cases/{f('filed_case').pk}/?step=assess"),
    "case list": ("director_a", lambda f: "/cases/"),
    "visit form": (
        "director_a",
        lambda f: f"/visits/{visit_start(actor=f('director_a'), child=f('child_a')).pk}/edit/",
    ),
    "child form": ("director_a", lambda f: "/children/new/"),
    "child edit": ("director_a", lambda f: f"/children/{f('child_a').pk}/edit/"),
    "staff report": ("supervisor", lambda f: "/reports/new/"),
    "public report": (None, lambda f: f("areas") and "/report/"),
    "protection start": ("supervisor", lambda f: f"/protection/start/{f('case_b').pk}/"),
    "protection assessment": (
        "supervisor",
        lambda f: f"/protection/{f('guardianship_of_case_a').pk}/assess/",
    ),
    "protection end": (
        "supervisor",
        lambda f: f"/protection/{f('guardianship_of_case_a').pk}/end/",
    ),
    "visit rules": ("district_officer", lambda f: "/visits/rules/"),
}


# Marked: its fixtures come by name at run time, and a test pytest-django cannot see uses the
# database is run after the transactional ones, whose flush empties the default visit rules.
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_every_radio_and_checkbox_of_a_page_is_inside_its_label(page, request):
    username, url_of = PAGES[page]
    fixture = request.getfixturevalue
    user = fixture(username) if username else None
    response = web_client(user).get(url_of(fixture))
    assert response.status_code == 200
    assert assert_one_pattern(response.content.decode()) > 0


class AnyGroups(forms.Form):
    one = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    flag = forms.BooleanField(label="flag", required=False)


def test_a_new_radio_or_checkbox_field_gets_the_pattern_without_markup_of_its_own(db):
    form = AnyGroups(data={})
    html = "".join(render_to_string("field.html", {"field": form[name]}) for name in form.fields)
    assert assert_one_pattern(html) == 5


def _groups(*labels: str):
    return [(None, [{"label": label} for label in labels], 0)]


@pytest.mark.parametrize(
    ("labels", "layout"),
    [
        (("低", "中", "高", "紧急"), "row-4"),
        (("是", "否", "不适用"), "row-3"),
        (("Low", "Medium", "High", "Emergency"), "row-4"),
        (("委托亲属抚养", "家庭寄养", "未成年人救助保护机构", "儿童福利机构"), "stack"),
        (tuple("ABCDEFGHIJ"), "grid"),
        (("only one",), "stack"),
    ],
)
def test_short_options_sit_side_by_side_and_long_ones_stack(labels, layout):
    assert choice_layout(_groups(*labels)) == layout
