"""open-case with an owner id: a person who exists but may not own the case (outside the
child's area, inactive) answers exactly as an id that names nobody — whoever asks, whatever
state the report is in. Probing user ids tells nothing."""

import pytest

from tests.conftest import _user, api_client
from tests.helpers import fresh_report, move_to
from weibao.accounts.models import Role
from weibao.cases.models import Case
from weibao.reports import services
from weibao.reports.choices import Situation
from weibao.reports.models import Report

URL = "/api/v1/reports/"
NOBODY = 987_654_321


@pytest.fixture
def linked_report(make_report, supervisor, child_a):
    report = make_report(situations=[Situation.MULTIPLE_INJURIES])
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    return fresh_report(report)


@pytest.fixture
def inactive(areas):
    user = _user("gone", Role.DIRECTOR, areas["community_a"])
    user.is_active = False
    user.save()
    return user


def open_case(actor, report, owner: int):
    return api_client(actor).post(
        f"{URL}{report.pk}/open-case/",
        {"version": report.version, "owner": owner},
        format="json",
    )


def answers(actor, report, *owners) -> set:
    results = set()
    for owner in owners:
        response = open_case(actor, fresh_report(report), owner)
        results.add((response.status_code, response.content))
    return results


@pytest.mark.parametrize("actor_name", ["supervisor", "director_a"])
@pytest.mark.parametrize("state", [Report.State.RECEIVED, Report.State.ACKNOWLEDGED])
def test_an_existing_user_who_cannot_own_answers_like_an_unknown_id(
    all_personas, linked_report, director_elsewhere, inactive, supervisor, actor_name, state
):
    report = linked_report
    if state != report.state:
        report = move_to(report, state, supervisor)
    found = answers(all_personas[actor_name], report, director_elsewhere.pk, inactive.pk, NOBODY)
    assert len(found) == 1, found
    ((status, _body),) = found
    assert status in (400, 403)
    assert not Case.objects.exists()


def test_the_refusal_names_the_owner_field(supervisor, linked_report):
    report = move_to(linked_report, Report.State.ACKNOWLEDGED, supervisor)
    response = open_case(supervisor, report, NOBODY)
    assert response.status_code == 400 and "owner" in response.json()
