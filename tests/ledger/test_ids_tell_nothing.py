"""An id in a service record's body that is out of the actor's reach — a partner of another
街镇, a person outside the child's area, a planned service of another case — answers exactly as
an id that names nothing: same status, same keys, same words, alongside the same other errors.
Probing ids tells nothing."""

import datetime as dt

import pytest

from tests.conftest import api_client
from tests.helpers import today
from tests.ledger.test_planned_services import item_of
from weibao.ledger.models import ServiceRecord

URL = "/api/v1/service-records/"
NOBODY = 987_654_321


def _also(tomorrow: bool) -> dict:
    """A day in the future, refused by the service together with the provider (the
    serializer's own checks come first). Made when the test runs, not when it is collected:
    a run that crosses midnight would otherwise send yesterday's tomorrow."""
    return {"delivered_on": (today() + dt.timedelta(days=1)).isoformat()} if tomorrow else {}


def post(actor, case, **overrides):
    body = {
        "case": case.pk,
        "delivered_on": today().isoformat(),
        "service_type": "psychological",
        "duration_minutes": 50,
        **overrides,
    }
    return api_client(actor).post(URL, body, format="json")


def assert_same_answer(first, second) -> None:
    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()


@pytest.mark.parametrize("tomorrow", [False, True])
def test_a_partner_out_of_scope_answers_like_an_unknown_partner(
    supervisor, case_a, partner_c, tomorrow
):
    also = _also(tomorrow)
    out_of_scope = post(supervisor, case_a, provider_partner=partner_c.pk, **also)
    unknown = post(supervisor, case_a, provider_partner=NOBODY, **also)
    assert_same_answer(out_of_scope, unknown)
    assert set(unknown.json()) == {"provider", *also}
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize("tomorrow", [False, True])
def test_a_person_outside_the_area_answers_like_an_unknown_person(
    supervisor, case_a, director_elsewhere, tomorrow
):
    also = _also(tomorrow)
    out_of_scope = post(supervisor, case_a, provider_user=director_elsewhere.pk, **also)
    unknown = post(supervisor, case_a, provider_user=NOBODY, **also)
    assert_same_answer(out_of_scope, unknown)
    assert set(unknown.json()) == {"provider", *also}


def test_a_planned_service_of_another_case_answers_like_an_unknown_one(
    director_a, director_b, case_a, case_b
):
    other = item_of(case_b, director_b).pk
    kwargs = {"provider_user": director_a.pk, **_also(True)}
    assert_same_answer(
        post(director_a, case_a, planned_service=other, **kwargs),
        post(director_a, case_a, planned_service=NOBODY, **kwargs),
    )
