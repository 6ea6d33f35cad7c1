"""The legal checks of a visit (docs/domain.md §4.4, §4.7): every one is asked so that "yes"
(是) is the risk answer; that answer raises the check's concern and is marked in words on the form
and the visit page; the weekly-contact check, once asked the other way round, had its stored
answers flipped so that old visits keep their meaning."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import translation

from tests.conftest import api_client, web_client
from tests.helpers import html_tree, zh
from tests.visits.test_pages import complete_visit
from weibao.audit.models import AuditEvent
from weibao.children.history import describe
from weibao.visits import services
from weibao.visits.models import Concern, Visit

SAFE = {
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}
WEEKLY_QUESTION = "Do the parents or carer fail to contact the child at least once a week?"
KINDS = {
    "under8_unattended": Concern.Kind.UNDER8_UNATTENDED,
    "under16_alone": Concern.Kind.UNDER16_ALONE,
    "away_without_carer": Concern.Kind.AWAY_WITHOUT_CARER,
    "no_weekly_contact": Concern.Kind.NO_WEEKLY_CONTACT,
}


@pytest.mark.parametrize("check", KINDS)
def test_yes_to_any_check_raises_that_checks_concern_and_no_raises_none(check, director_a, child_a):
    risky = complete_visit(director_a, child_a, **{**SAFE, check: "yes"})
    assert [c.kind for c in Concern.objects.filter(visit=risky)] == [KINDS[check]]

    safe = complete_visit(director_a, child_a, **{**SAFE, check: "no"})
    assert not Concern.objects.filter(visit=safe).exists()


def _check_groups(page: str) -> dict[str, dict[str, tuple[bool, str]]]:
    """check → option value → (marked as the risk answer, the label's words)."""
    tree = html_tree(page)
    groups = {}
    for check in KINDS:
        group = next(f for f in tree.find_all("fieldset") if f.attrs.get("id") == f"id_{check}")
        groups[check] = {
            box.attrs["value"]: (
                "choice-risk" in box.closest("label").classes(),
                box.closest("label").text,
            )
            for box in group.find_all("input", type="radio")
        }
    return groups


def test_the_form_marks_yes_in_words_as_the_risk_answer_of_every_check(director_a, child_a):
    visit = services.visit_start(actor=director_a, child=child_a)
    page = web_client(director_a).get(f"/visits/{visit.pk}/edit/").content.decode()
    risk = zh("Yes") + " " + _risk_word()
    for check, options in _check_groups(page).items():
        assert options == {
            "yes": (True, risk),
            "no": (False, zh("No")),
            "na": (False, zh("Not applicable")),
        }, check
    assert "每一题答“是”即表示存在风险" in page


def _risk_word() -> str:
    with translation.override("zh-hans"):
        return translation.pgettext("answer", "risk")


@pytest.mark.parametrize("check", KINDS)
def test_the_visit_page_marks_the_risk_answer_of_every_check_the_same_way(
    check, director_a, child_a
):
    visit = complete_visit(director_a, child_a, **{**SAFE, check: "yes"})
    tree = html_tree(web_client(director_a).get(f"/visits/{visit.pk}/").content.decode())
    answers = next(d for d in tree.find_all("dl") if "answers" in d.classes())
    marked = {
        dd.text: "risk" in dd.classes()
        for dd in answers.find_all("dd")
        if dd.text.startswith(zh("Yes"))
    }
    assert marked == {f"{zh('Yes')} {_risk_word()}": True}
    labels = [dt.text for dt in answers.find_all("dt")]
    assert labels[3] == zh(
        "Do the parents or carer fail to contact the child at least once a week?"
    )


def test_the_api_names_the_check_by_its_risk_and_refuses_the_old_name(director_a, child_a):
    visit = services.visit_start(actor=director_a, child=child_a)
    client = api_client(director_a)
    body = client.get(f"/api/v1/visits/{visit.pk}/").json()
    assert "no_weekly_contact" in body and "weekly_contact" not in body

    # A client written for the old question would record the opposite answer: refused instead.
    old = client.patch(
        f"/api/v1/visits/{visit.pk}/",
        {"version": visit.version, "weekly_contact": "yes"},
        format="json",
    )
    assert old.status_code == 400 and set(old.json()) == {"weekly_contact"}
    assert Visit.objects.get(pk=visit.pk).no_weekly_contact == ""

    new = client.patch(
        f"/api/v1/visits/{visit.pk}/",
        {"version": visit.version, "no_weekly_contact": "yes"},
        format="json",
    )
    assert new.status_code == 200
    assert Visit.objects.get(pk=visit.pk).no_weekly_contact == "yes"


def test_a_history_row_from_before_the_flip_reads_as_the_question_was_asked(director_a, child_a):
    visit = complete_visit(director_a, child_a)
    event = AuditEvent.objects.get(action="visit.complete", object_id=str(visit.pk))
    new = {line.label: line.new for line in describe(event)}
    assert new[zh(WEEKLY_QUESTION)] == zh("No")

    event.changes = {"weekly_contact": {"old": None, "new": "yes"}}  # as written before 0008
    [line] = describe(event)
    assert line.label == zh("Are the parents or carer in touch with the child at least weekly?")
    assert line.new == zh("Yes")


# --- the migration ----------------------------------------------------------------------------

MIGRATION = ("visits", "0009_visit_no_weekly_contact")


def test_the_migration_renames_the_answer_and_flips_each_stored_yes_and_no_both_ways(
    director_a, make_child
):
    loader = MigrationLoader(connection)
    rename, _alter, flip = loader.get_migration(*MIGRATION).operations
    assert (rename.old_name, rename.new_name) == ("weekly_contact", "no_weekly_contact")
    # Answers to the old question, "are they in touch with the child weekly?", just renamed.
    visits = {
        answer: services.visit_start(actor=director_a, child=make_child(name=f"儿童{i}"))
        for i, answer in enumerate(("yes", "no", "na", ""))
    }
    for answer, visit in visits.items():
        Visit.objects.filter(pk=visit.pk).update(no_weekly_contact=answer)

    def stored():
        return {
            before: Visit.objects.get(pk=visit.pk).no_weekly_contact
            for before, visit in visits.items()
        }

    state = loader.project_state(MIGRATION)
    editor = SimpleNamespace(connection=connection)
    flip.database_forwards("visits", editor, state, state)
    # In touch weekly → does not fail to keep contact, and the other way round.
    assert stored() == {"yes": "no", "no": "yes", "na": "na", "": ""}
    flip.database_backwards("visits", editor, state, state)
    assert stored() == {"yes": "yes", "no": "no", "na": "na", "": ""}
