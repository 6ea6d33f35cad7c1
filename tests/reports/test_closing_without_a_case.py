"""A report of harm (situations 1–8) closes with a case, or with the supervisor's (or the
district's) reason, from a fixed list, why no case is needed."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import api_client, web_client
from tests.helpers import error_dict, fresh_report
from weibao.audit.models import AuditEvent
from weibao.cases.services import case_open
from weibao.core.exceptions import Blocked
from weibao.reports import services
from weibao.reports.choices import NoCaseReason, Situation
from weibao.reports.models import Report


def _ready(report, supervisor) -> Report:
    report = services.report_acknowledge(actor=supervisor, report=report)
    return services.report_record_police(
        actor=supervisor, report=report, told="派出所", notified_at=timezone.now(),
        receipt_no="110-1",
    )  # fmt: skip


@pytest.fixture
def harm(make_report, supervisor) -> Report:
    return _ready(make_report(situations=[Situation.BEGGING]), supervisor)


def test_a_report_of_harm_without_a_case_does_not_close_without_a_reason(harm, supervisor):
    with pytest.raises(ValidationError) as exc:
        services.report_close(actor=supervisor, report=harm, outcome_message="已处理。")
    assert "no_case_reason" in error_dict(exc)
    assert fresh_report(harm).state != Report.State.CLOSED


def test_the_supervisors_reason_closes_it_and_is_in_its_history(harm, supervisor):
    closed = services.report_close(
        actor=supervisor,
        report=harm,
        outcome_message="已处理。",
        no_case_reason=NoCaseReason.NO_HARM_FOUND,
    )
    assert closed.state == Report.State.CLOSED
    assert fresh_report(harm).no_case_reason == NoCaseReason.NO_HARM_FOUND
    event = AuditEvent.objects.get(action="report.close", object_id=str(harm.pk))
    assert event.changes["no_case_reason"]["new"] == NoCaseReason.NO_HARM_FOUND


def test_a_reason_outside_the_list_is_refused(harm, supervisor):
    with pytest.raises(ValidationError) as exc:
        services.report_close(
            actor=supervisor, report=harm, outcome_message="x", no_case_reason="whim"
        )
    assert "no_case_reason" in error_dict(exc)


def test_workstation_staff_may_not_decide_that_no_case_is_needed(harm, station_staff):
    with pytest.raises(Blocked) as exc:
        services.report_close(
            actor=station_staff,
            report=harm,
            outcome_message="x",
            no_case_reason=NoCaseReason.DUPLICATE,
        )
    assert exc.value.code == "case_required"


def test_a_report_of_harm_with_a_case_closes_without_a_reason(
    harm, supervisor, child_a, director_a
):
    case = case_open(actor=supervisor, child=child_a, owner=director_a, summary="x")
    Report.objects.filter(pk=harm.pk).update(case=case, child=child_a, link_state="linked")
    closed = services.report_close(
        actor=supervisor, report=fresh_report(harm), outcome_message="个案跟进中。"
    )
    assert closed.state == Report.State.CLOSED and closed.no_case_reason == ""


def test_a_report_without_situations_1_to_8_needs_no_reason(make_report, supervisor):
    report = services.report_acknowledge(
        actor=supervisor, report=make_report(situations=[Situation.OTHER_SERIOUS])
    )
    closed = services.report_close(actor=supervisor, report=report, outcome_message="已处理。")
    assert closed.state == Report.State.CLOSED


def test_the_close_form_asks_the_supervisor_why_no_case(harm, supervisor):
    page = web_client(supervisor).get(f"/reports/{harm.pk}/").content.decode()
    assert 'name="no_case_reason"' in page
    for value in NoCaseReason.values:
        assert f'value="{value}"' in page


def test_workstation_staff_see_closing_disabled_with_the_reason(harm, station_staff):
    page = web_client(station_staff).get(f"/reports/{harm.pk}/").content.decode()
    assert 'disabled aria-describedby="blocked-close"' in page
    assert 'name="no_case_reason"' not in page


def test_the_api_asks_for_the_reason_by_field_and_reports_it(harm, supervisor):
    client = api_client(supervisor)
    url = f"/api/v1/reports/{harm.pk}/close/"
    version = fresh_report(harm).version
    missing = client.post(url, {"outcome_message": "已处理。", "version": version}, format="json")
    assert missing.status_code == 400 and "no_case_reason" in missing.json()
    ok = client.post(
        url,
        {"outcome_message": "已处理。", "no_case_reason": "duplicate", "version": version},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["no_case_reason"] == "duplicate"
