"""A case closes only when each of its referrals has an outcome: a pending or accepted referral
stops the closing request and its approval (services, web page and API alike). The cases are
given everything else closing needs (tests.cases.helpers.ready_to_close)."""

import datetime as dt

import pytest

from tests.cases.helpers import fresh, put_in_stage, ready_to_close, take
from tests.conftest import api_client, web_client
from tests.helpers import today
from weibao.cases.choices import Stage
from weibao.core.exceptions import Blocked
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")

LIVE = "1 referral is still in progress (天山路儿童服务中心): record its outcome or revoke it"


def refer(actor, case, partner) -> Referral:
    return referral_services.referral_create(
        actor=actor,
        case=case,
        partner=partner,
        service_type="psychological",
        reason="Needs counselling.",
        accept_by=today() + dt.timedelta(days=5),
    )


@pytest.mark.parametrize("state", ["pending", "accepted"])
def test_a_live_referral_stops_the_closing_request(case_a, director_a, partner, state):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    referral = refer(director_a, case_a, partner)
    Referral.objects.filter(pk=referral.pk).update(state=state)

    with pytest.raises(Blocked) as exc:
        take(director_a, case_a, "request_close")

    assert LIVE in exc.value.message
    assert fresh(case_a).stage == Stage.TRACKING


@pytest.mark.parametrize("state", ["rejected", "completed", "revoked"])
def test_a_referral_with_an_outcome_does_not_stop_closing(
    case_a, director_a, supervisor, partner, state
):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    referral = refer(director_a, case_a, partner)
    Referral.objects.filter(pk=referral.pk).update(state=state)

    take(director_a, case_a, "request_close")
    take(supervisor, case_a, "approve_close")

    assert fresh(case_a).stage == Stage.CLOSED


def test_every_live_referral_is_named(case_a, director_a, partner, areas):
    second = Partner.objects.create(name="天山路派出所", kind="police", area=areas["tianshan"])
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    refer(director_a, case_a, partner)
    refer(director_a, case_a, second)

    with pytest.raises(Blocked) as exc:
        take(director_a, case_a, "request_close")

    assert exc.value.message.startswith(
        "2 referrals are still in progress (天山路儿童服务中心、天山路派出所)"
    )


def test_a_referral_made_while_closing_waits_stops_the_approval_not_the_refusal(
    case_a, director_a, supervisor, partner
):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    take(director_a, case_a, "request_close")
    referral = refer(director_a, case_a, partner)

    with pytest.raises(Blocked) as exc:
        take(supervisor, case_a, "approve_close")
    assert LIVE in exc.value.message
    assert fresh(case_a).stage == Stage.CLOSING

    referral_services.referral_revoke(actor=director_a, referral=referral, reason="Not needed.")
    take(supervisor, case_a, "approve_close")
    assert fresh(case_a).stage == Stage.CLOSED


def test_the_case_page_shows_asking_to_close_disabled_with_the_reason(case_a, director_a, partner):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    refer(director_a, case_a, partner)

    page = web_client(director_a).get(f"/cases/{case_a.pk}/").content.decode()

    action = page[page.index('class="action action-request_close') :]
    action = action[: action.index("</details>")]
    assert LIVE in action
    assert "<textarea" not in action  # nothing to fill in that could only be refused
    assert 'disabled aria-describedby="blocked-request_close"' in action


def test_a_page_loaded_before_the_referral_explains_and_keeps_the_summary(
    case_a, director_a, partner
):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    refer(director_a, case_a, partner)

    response = web_client(director_a).post(
        f"/cases/{case_a.pk}/request-close/",
        {
            "request_close-version": str(fresh(case_a).version),
            "request_close-summary": "My closing summary",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert LIVE in page
    assert "My closing summary</textarea>" in page
    assert fresh(case_a).stage == Stage.TRACKING


def test_the_api_answers_409_naming_the_referrals(case_a, director_a, partner):
    # Everything else closing needs is there: only the referrals are in question.
    ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    refer(director_a, case_a, partner)

    response = api_client(director_a).post(
        f"/api/v1/cases/{case_a.pk}/request-close/", {"summary": "Safe"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "live_referrals"
    assert LIVE in response.json()["detail"]
