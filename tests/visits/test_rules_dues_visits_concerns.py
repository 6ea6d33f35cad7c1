"""Visit rules, due dates, visits and concerns, tested below the web and API layers."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.helpers import PNG
from weibao.children.services import child_mark_returned_home
from weibao.core.dates import add_months
from weibao.core.exceptions import ConflictError
from weibao.visits import selectors, services
from weibao.visits.models import Concern, Visit, VisitDue, VisitRule
from weibao.visits.scheduling import RuleSet, next_due

TODAY = dt.date(2026, 11, 29)
RULES = RuleSet(
    intervals={"guardianship_missing": 1, "left_behind": 3, "autism": 6},
    follow_up_interval=1,
    follow_up_months=6,
)
ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}


def _due(**kw):
    args = {
        "rules": RULES,
        "categories": [],
        "registered_on": dt.date(2026, 1, 10),
        "last_visit": None,
        "returned_home_on": None,
        "today": TODAY,
    }
    args.update(kw)
    return next_due(**args)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)),
        (dt.date(2026, 12, 31), 12, dt.date(2027, 12, 31)),
    ],
)
def test_months_are_added_on_the_calendar_and_clamped_to_short_months(day, months, expected):
    assert add_months(day, months) == expected


def test_a_child_without_a_rule_has_no_due_visit():
    assert _due(categories=["economic_hardship"]) is None


def test_the_shortest_interval_of_several_categories_wins():
    due = _due(categories=["left_behind", "guardianship_missing"], last_visit=dt.date(2026, 11, 3))
    assert (due.date, due.reason) == (dt.date(2026, 12, 3), "guardianship_missing")


def test_a_child_never_visited_is_due_within_a_month_of_registration():
    due = _due(categories=["autism"], registered_on=dt.date(2026, 11, 20))
    assert due.date == dt.date(2026, 12, 20)


def test_follow_up_after_returning_home_is_monthly_while_it_lasts():
    due = _due(returned_home_on=dt.date(2026, 10, 1), last_visit=dt.date(2026, 9, 1))
    assert (due.date, due.reason) == (dt.date(2026, 11, 1), "returned_home")
    assert _due(returned_home_on=dt.date(2026, 5, 28)) is None  # six months are over


# --- services ---------------------------------------------------------------------------


@pytest.fixture
def missing(make_child):
    """A child lacking guardianship in 居民区 A: 一月一访."""
    return make_child("community_a", categories=["guardianship_missing"], name="缺监护")


def test_registering_a_child_with_a_rule_schedules_a_due_visit(missing):
    due = VisitDue.objects.get(child=missing, state="open")
    assert due.reason == "guardianship_missing"
    assert due.community_id == missing.community_id
    assert due.due_date == add_months(timezone.localdate(missing.created_at), 1)


def test_registering_a_child_without_a_rule_schedules_nothing(make_child):
    child = make_child("community_a", categories=["economic_hardship"])
    VisitRule.objects.filter(key="economic_hardship").update(active=False)
    services.visit_schedule_child(child=child)
    assert not VisitDue.objects.filter(child=child, state="open").exists()


def test_completing_a_visit_closes_the_due_on_time_and_schedules_the_next(missing, director_a):
    visit = services.visit_start(actor=director_a, child=missing)
    done = services.visit_complete(
        actor=director_a, visit=visit, expected_version=visit.version, data=ANSWERS
    )
    closed = VisitDue.objects.get(child=missing, state="done")
    assert (closed.visit, closed.on_time) == (done, True)
    nxt = VisitDue.objects.get(child=missing, state="open")
    assert nxt.due_date == add_months(done.visit_date, 1)


def test_a_late_visit_is_recorded_as_late(missing, director_a):
    VisitDue.objects.filter(child=missing).update(due_date=timezone.localdate() - dt.timedelta(5))
    visit = services.visit_start(actor=director_a, child=missing)
    services.visit_complete(
        actor=director_a, visit=visit, expected_version=visit.version, data=ANSWERS
    )
    assert VisitDue.objects.get(child=missing, state="done").on_time is False


def test_completion_needs_every_check_answered_and_whom_was_met(missing, director_a):
    visit = services.visit_start(actor=director_a, child=missing)
    with pytest.raises(ValidationError) as exc:
        services.visit_complete(actor=director_a, visit=visit, expected_version=1)
    assert set(exc.value.message_dict) == {
        "met_with",
        "under8_unattended",
        "under16_alone",
        "away_without_carer",
        "no_weekly_contact",
    }
    assert Visit.objects.get(pk=visit.pk).state == "draft"


def test_risk_answers_raise_one_concern_each_and_notify_the_supervisor(
    missing, director_a, supervisor
):
    visit = services.visit_start(actor=director_a, child=missing)
    data = {**ANSWERS, "under16_alone": "yes", "no_weekly_contact": "yes", "findings": "独自居住"}
    services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=data)
    kinds = set(Concern.objects.filter(child=missing).values_list("kind", flat=True))
    assert kinds == {"under16_alone", "no_weekly_contact"}
    assert supervisor.notifications.filter(kind="concern_raised").count() == 1
    assert not director_a.notifications.exists()  # the author is not told about their own


def test_a_stale_draft_save_is_a_conflict_and_changes_nothing(missing, director_a):
    visit = services.visit_start(actor=director_a, child=missing)
    services.visit_save_draft(
        actor=director_a, visit=visit, expected_version=1, data={"study": "第一次"}
    )
    with pytest.raises(ConflictError):
        services.visit_save_draft(
            actor=director_a, visit=visit, expected_version=1, data={"study": "旧版本"}
        )
    assert Visit.objects.get(pk=visit.pk).study == "第一次"


def test_starting_twice_reuses_the_draft(missing, director_a):
    first = services.visit_start(actor=director_a, child=missing)
    assert services.visit_start(actor=director_a, child=missing) == first


def test_drafts_are_private_to_their_author(missing, director_a, supervisor):
    visit = services.visit_start(actor=director_a, child=missing)
    assert not selectors.visits_visible_to(supervisor).filter(pk=visit.pk).exists()
    with pytest.raises(PermissionDenied):
        services.visit_save_draft(actor=supervisor, visit=visit, expected_version=1, data={})


def test_nobody_visits_a_child_outside_their_area(missing, director_b):
    with pytest.raises(PermissionDenied):
        services.visit_start(actor=director_b, child=missing)


def test_attachments_are_checked_by_content_and_size(missing, director_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit = services.visit_start(actor=director_a, child=missing)
    png = SimpleUploadedFile("a.png", PNG, "image/png")
    assert services.visit_attach(actor=director_a, visit=visit, upload=png).content_type == (
        "image/png"
    )
    fake = SimpleUploadedFile("b.png", b"MZ\x90\x00" + b"0" * 100, "image/png")
    with pytest.raises(ValidationError):
        services.visit_attach(actor=director_a, visit=visit, upload=fake)
    big = SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")
    with pytest.raises(ValidationError):
        services.visit_attach(actor=director_a, visit=visit, upload=big)


def test_handling_a_concern_needs_a_note_and_happens_once(missing, director_a, supervisor):
    visit = services.visit_start(actor=director_a, child=missing)
    data = {**ANSWERS, "concern_marked": True, "findings": "情绪低落"}
    services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=data)
    concern = Concern.objects.get(child=missing)
    with pytest.raises(ValidationError):
        services.concern_handle(actor=supervisor, concern=concern, note=" ")
    services.concern_handle(actor=supervisor, concern=concern, note="已联系学校心理老师")
    with pytest.raises(ValidationError):
        services.concern_handle(actor=supervisor, concern=concern, note="再次处理")


def test_moving_out_cancels_the_due_visit(missing, director_a):
    from weibao.children.services import child_change_status

    child_change_status(
        actor=director_a,
        child=missing,
        expected_version=missing.version,
        status="moved_out",
        date=timezone.localdate(),
        reason="迁往外区",
    )
    assert not VisitDue.objects.filter(child=missing, state="open").exists()


def test_returned_home_starts_monthly_follow_up(make_child, director_a):
    child = make_child("community_a", categories=["economic_hardship"])
    VisitRule.objects.filter(key="economic_hardship").update(active=False)
    services.visit_schedule_child(child=child)
    child_mark_returned_home(actor=director_a, child=child, date=timezone.localdate())
    due = VisitDue.objects.get(child=child, state="open")
    assert (due.reason, due.due_date) == ("returned_home", add_months(timezone.localdate(), 1))


def test_only_district_staff_change_visit_rules(missing, director_a, district_officer):
    rule = VisitRule.objects.get(key="guardianship_missing")
    with pytest.raises(PermissionDenied):
        services.visit_rule_update(actor=director_a, rule=rule, interval_months=2, active=True)
    services.visit_rule_update(actor=district_officer, rule=rule, interval_months=2, active=True)
    due = VisitDue.objects.get(child=missing, state="open")
    assert due.due_date == add_months(timezone.localdate(missing.created_at), 1)  # first visit
    visit = services.visit_start(actor=director_a, child=missing)
    done = services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=ANSWERS)
    nxt = VisitDue.objects.get(child=missing, state="open")
    assert nxt.due_date == add_months(done.visit_date, 2)


# --- selectors --------------------------------------------------------------------------


def test_worklist_is_scoped_and_most_urgent_first(make_child, personas):
    today = timezone.localdate()
    a1 = make_child("community_a", categories=["guardianship_missing"])
    a2 = make_child("community_a", categories=["guardianship_missing"])
    b1 = make_child("community_b", categories=["guardianship_missing"])
    VisitDue.objects.filter(child=a1).update(due_date=today + dt.timedelta(days=1))
    VisitDue.objects.filter(child=a2).update(due_date=today - dt.timedelta(days=3))
    VisitDue.objects.filter(child=b1).update(due_date=today)
    assert [d.child for d in selectors.worklist(personas["director_a"])] == [a2, a1]
    assert [d.child for d in selectors.worklist(personas["supervisor"])] == [a2, b1, a1]
    assert list(selectors.worklist(personas["director_elsewhere"])) == []
    assert list(selectors.worklist(personas["unassigned"])) == []
    assert selectors.worklist_counts(personas["director_a"]).overdue == 1
    overdue = selectors.worklist(personas["supervisor"], bucket="overdue")
    assert [d.child for d in overdue] == [a2]


def test_completion_table_counts_on_time_late_and_overdue(make_child, supervisor, director_a):
    today = timezone.localdate()
    on_time = make_child("community_a", categories=["guardianship_missing"])
    overdue = make_child("community_a", categories=["guardianship_missing"])
    VisitDue.objects.filter(child=overdue).update(due_date=today.replace(day=1))
    VisitDue.objects.filter(child=on_time).update(due_date=today)
    visit = services.visit_start(actor=director_a, child=on_time)
    services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=ANSWERS)
    rows = selectors.completion_table(
        supervisor, subdistrict=on_time.subdistrict, year=today.year, month=today.month
    )
    row_a = next(r for r in rows if r.community == on_time.community)
    expected_overdue = 1 if today.day > 1 else 0
    assert (row_a.due, row_a.on_time, row_a.late, row_a.overdue) == (2, 1, 0, expected_overdue)
    assert {r.community.name for r in rows} == {"测试甲居民区", "测试乙居民区"}


def test_an_extra_visit_soon_after_the_last_does_not_settle_next_months_due(missing, director_a):
    today = timezone.localdate()
    first = services.visit_start(actor=director_a, child=missing)
    services.visit_complete(
        actor=director_a,
        visit=first,
        expected_version=1,
        data={**ANSWERS, "visit_date": today - dt.timedelta(days=1)},
    )
    second = services.visit_start(actor=director_a, child=missing)
    services.visit_complete(actor=director_a, visit=second, expected_version=1, data=ANSWERS)
    assert VisitDue.objects.filter(child=missing, state="done").count() == 1
    # Nor does it move it: the cycle still runs from the visit that settled the last due.
    yesterday = today - dt.timedelta(days=1)
    assert VisitDue.objects.get(child=missing, state="open").due_date == add_months(yesterday, 1)


def test_returning_home_never_pushes_back_a_visit_already_owed(make_child, director_a):
    from weibao.children.models import Child

    child = make_child("community_a", categories=["guardianship_missing"])
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    child.refresh_from_db()
    owed = services.visit_schedule_child(child=child).due_date
    assert owed < timezone.localdate()
    child_mark_returned_home(actor=director_a, child=child, date=timezone.localdate())
    assert VisitDue.objects.get(child=child, state="open").due_date == owed


def test_a_stricter_rule_does_not_make_visits_overdue_retroactively(
    make_child, director_a, district_officer
):
    child = make_child("community_a", categories=["left_behind"])
    visit = services.visit_start(actor=director_a, child=child)
    services.visit_complete(
        actor=director_a,
        visit=visit,
        expected_version=1,
        data={**ANSWERS, "visit_date": timezone.localdate() - dt.timedelta(days=60)},
    )
    rule = VisitRule.objects.get(key="left_behind")
    services.visit_rule_update(actor=district_officer, rule=rule, interval_months=1, active=True)
    assert VisitDue.objects.get(child=child, state="open").due_date == timezone.localdate()


def test_an_attachment_is_always_named_after_what_it_really_is(
    missing, director_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = services.visit_start(actor=director_a, child=missing)
    upload = SimpleUploadedFile("evil.pdf.html", b"%PDF-<html><script>", "text/html")
    attachment = services.visit_attach(actor=director_a, visit=visit, upload=upload)
    assert attachment.original_name == "evil.pdf.html.pdf"


def test_handling_a_concern_marks_its_notifications_read(missing, director_a, supervisor):
    visit = services.visit_start(actor=director_a, child=missing)
    data = {**ANSWERS, "concern_marked": True, "findings": "情绪低落"}
    services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=data)
    concern = Concern.objects.get(child=missing)
    assert supervisor.notifications.filter(read_at__isnull=True).count() == 1
    services.concern_handle(actor=supervisor, concern=concern, note="已家访")
    assert supervisor.notifications.filter(read_at__isnull=True).count() == 0


def test_monthly_visits_under_a_three_month_rule_still_settle_dues(make_child, director_a):
    child = make_child("community_a", categories=["left_behind"])
    today = timezone.localdate()
    settled = 0
    for months_ago in (3, 2, 1, 0):
        visit = services.visit_start(actor=director_a, child=child)
        services.visit_complete(
            actor=director_a,
            visit=visit,
            expected_version=1,
            data={**ANSWERS, "visit_date": add_months(today, -months_ago)},
        )
        settled = VisitDue.objects.filter(child=child, state="done").count()
    # The first visit settles the first due; of the three monthly visits after it, the one past
    # the midpoint of the 3-month cycle settles the next due.
    assert settled == 2
    open_due = VisitDue.objects.get(child=child, state="open")
    assert open_due.due_date > today
