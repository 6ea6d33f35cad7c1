"""The demo's reports, cases, partners, referrals and protection records (core/demo_cases.py),
loaded by weibao.demo.data.load_demo: made through the services, every state and stage present,
idempotent, and each case's story told in time order so that its pages agree with themselves."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.accounts.models import User
from weibao.audit.models import AuditEvent
from weibao.cases.blockers import close_problems
from weibao.cases.choices import Stage
from weibao.cases.models import Case
from weibao.cases.selectors import cases_visible_to
from weibao.cases.timeline import case_timeline
from weibao.core.models import SiteState
from weibao.demo import cases as demo_cases
from weibao.demo.data import load_demo
from weibao.ledger.models import ServiceRecord
from weibao.notifications.models import Notification
from weibao.partners.models import Partner, PartnerKind
from weibao.protection.limits import limit_state
from weibao.protection.models import ProtectionRecord
from weibao.referrals.models import Referral
from weibao.reports.models import Report
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import transfers_visible_to
from weibao.visits.models import RETURNED_HOME, VisitDue

pytestmark = pytest.mark.usefixtures("english")

N = 60


def snapshot() -> dict:
    return {
        "reports": sorted(Report.objects.values_list("pk", "state", "version")),
        "cases": sorted(Case.objects.values_list("pk", "stage", "version")),
        "plans": Case.objects.filter(plan_versions__isnull=False).count(),
        "services": ServiceRecord.objects.count(),
        "partners": sorted(Partner.objects.values_list("pk", "name", "version")),
        "referrals": sorted(Referral.objects.values_list("pk", "state", "version")),
        "protections": sorted(ProtectionRecord.objects.values_list("pk", "version")),
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "site_state": sorted(SiteState.objects.values_list("key", flat=True)),
    }


def test_every_report_state_case_stage_and_referral_state_is_there(loaded):
    assert loaded.cases is not None and loaded.cases.created
    assert set(Report.objects.values_list("state", flat=True)) == set(Report.State.values)
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Referral.objects.values_list("state", flat=True)) == set(Referral.State.values)
    assert set(Partner.objects.values_list("kind", flat=True)) == set(PartnerKind.values)
    assert ServiceRecord.objects.exists()
    # A reopened case: closed with approval once, now open again.
    assert Case.objects.filter(reopened_count__gte=1, stage=Stage.FILED).exists()


def test_the_first_director_has_a_case_at_every_stage_and_the_second_sees_none_of_them(loaded):
    first = User.objects.get(username="tianshan_director_1")
    second = User.objects.get(username="tianshan_director_2")
    stages = set(cases_visible_to(first).values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert not cases_visible_to(second).filter(owner=first).exists()
    assert cases_visible_to(second).exists()  # their own case, just found


def test_a_second_run_changes_nothing(loaded, settings):
    before = snapshot()
    again = load_demo(children=N)
    assert again.cases is not None and not again.cases.created
    assert snapshot() == before


def test_each_case_tells_its_story_in_time_order(loaded):
    now = timezone.now()
    for case in Case.objects.all():
        assert case.child.created_at < case.opened_at, case  # a case is for a registered child
        events = list(AuditEvent.objects.filter(case=case).order_by("at", "id"))
        opened = next(e for e in events if e.action in ("case.open",))
        # The case page's "opened" and its timeline's first step are the same moment.
        assert abs(opened.at - case.opened_at) < dt.timedelta(seconds=5), case
        assert all(case.opened_at - dt.timedelta(seconds=5) <= e.at <= now for e in events)
        stages = [e.changes["stage"]["new"] for e in events if "stage" in e.changes]
        assert not stages or stages[-1] == case.stage, case
        if case.assessed_at:
            assert case.opened_at < case.assessed_at <= now
        for record in case.service_records.all():
            assert timezone.localdate(case.opened_at) <= record.delivered_on
            assert record.delivered_on == timezone.localdate(record.recorded_at)
        for referral in case.referrals.all():
            assert timezone.localdate(referral.created_at) <= referral.accept_by, referral
        labels = [entry.label for entry in case_timeline(case)]
        assert not [label for label in labels if "." in label and " " not in label], labels


def test_demo_reports_are_numbered_on_the_day_received_and_the_police_told_after_them(loaded):
    reports = list(Report.objects.all())
    assert len(reports) >= 5
    for report in reports:
        received = timezone.localdate(report.received_at)
        # R + the day the report was received (reports.services._new_reference).
        assert report.reference[1:9] == received.strftime("%Y%m%d"), report.reference
        assert report.received_at < report.ack_due_at < report.outcome_due_at, report.reference
        if report.police_notified_at is not None:
            assert report.police_notified_at >= report.received_at, report.reference
        created = AuditEvent.objects.get(
            object_type="reports.report", object_id=str(report.pk), action="report.create"
        )
        assert abs(created.at - report.received_at) < dt.timedelta(seconds=5), report.reference
    told = [r for r in reports if r.police_notified_at is not None]
    assert len(told) >= 3
    # Some are from earlier days: the numbering is checked on more than today.
    assert any(timezone.localdate(r.received_at) < timezone.localdate() for r in reports)


def test_the_guardianship_stories_show_amber_red_and_a_return_home(loaded):
    protections = {
        case.summary: case.protections.get()
        for case in Case.objects.filter(protections__isnull=False)
    }
    by_key = {key: protections[demo_cases.SUMMARIES[key]] for key in
              ("protection", "past_limit", "returned")}  # fmt: skip
    assert limit_state(by_key["protection"]) == "near"  # amber
    assert limit_state(by_key["past_limit"]) == "past"  # red
    returned = by_key["returned"]
    assert returned.end_reason == "returned_home"
    assert returned.capacity_assessed_on <= returned.ended_on
    assert timezone.localdate(returned.case.opened_at) <= returned.started_on
    due = VisitDue.objects.get(child=returned.child, state=VisitDue.State.OPEN)
    assert due.reason == RETURNED_HOME
    overdue = Referral.objects.get(case=by_key["protection"].case, state=Referral.State.PENDING)
    assert overdue.is_overdue
    assert timezone.localdate(overdue.created_at) < overdue.accept_by


def test_demo_cases_that_closed_did_what_closing_needs_and_open_ones_link_their_services(loaded):
    finished = Case.objects.filter(stage__in=[Stage.CLOSING, Stage.CLOSED, Stage.TRACKING])
    assert finished.count() >= 3
    for case in finished:
        assert close_problems(case) == [], case  # docs/domain.md §7.5
    assert Case.objects.filter(stage=Stage.CLOSED).exclude(close_no_need_reason="").exists()
    serving = Case.objects.filter(stage=Stage.SERVING)
    assert serving.exists()
    for case in serving:
        assert case.service_records.filter(planned_service__isnull=False).exists(), case


def test_the_transfer_pages_show_one_accepted_and_one_awaiting_the_supervisor(loaded):
    assert loaded.transfers == 2
    accepted = Transfer.objects.get(status=Transfer.Status.ACCEPTED)
    assert accepted.child.community == accepted.to_community  # the child moved
    assert accepted.child.subdistrict.name == "仙霞新村街道"
    supervisor = User.objects.get(username="tianshan_supervisor")
    pending = transfers_visible_to(supervisor).get(status=Transfer.Status.REQUESTED)
    assert pending.requested_by.username == "tianshan_director_1"
    assert Notification.objects.filter(recipient=supervisor, kind="transfer_requested").exists()
    director = User.objects.get(username="xianxia_director_1")
    assert Notification.objects.filter(recipient=director, kind="transfer_arrived").exists()
