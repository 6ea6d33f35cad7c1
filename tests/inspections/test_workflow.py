"""A finding's way (docs/domain.md §8.2 [team]): found → on the agenda of the 居民区's 四位一体
meeting → in progress (decided, with an owner and a due date) → resolved, or closed as not
actionable with a reason; one table (inspections.workflow); overdue — past the due date, not
resolved — shown red."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import api_client, web_client
from tests.helpers import today
from tests.inspections.helpers import a_meeting, decide
from weibao.audit.models import AuditEvent
from weibao.inspections import services
from weibao.inspections.choices import FindingState
from weibao.inspections.models import Finding
from weibao.inspections.workflow import FINDING, KEEPER


def test_a_finding_goes_through_the_meeting_to_resolved_on_the_pages(teams, director_a):
    client = web_client(director_a)
    finding = teams.found
    response = client.post(
        f"/inspections/{teams.team.pk}/meetings/new/",
        {"held_on": today().isoformat(), "parties": ["party_org", "committee", "owners",
         "property"], "notes": "居委会主持", "findings": [finding.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.ON_AGENDA and finding.meeting is not None
    prefix = f"s{finding.pk}-decide"
    response = client.post(
        f"/inspections/findings/{finding.pk}/decide/",
        {f"{prefix}-decision": "物业三天内修好路灯", f"{prefix}-owner": "property",
         f"{prefix}-due_on": (today() + dt.timedelta(days=3)).isoformat(),
         f"{prefix}-version": finding.version, "back": "meeting"},
    )  # fmt: skip
    assert (
        response.status_code == 302
        and response.url == f"/inspections/meetings/{finding.meeting_id}/"
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.IN_PROGRESS and finding.owner_label() == "物业"
    prefix = f"s{finding.pk}-resolve"
    response = client.post(
        f"/inspections/findings/{finding.pk}/resolve/",
        {f"{prefix}-outcome": "路灯已修好", f"{prefix}-resolved_on": today().isoformat(),
         f"{prefix}-version": finding.version},
    )  # fmt: skip
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.RESOLVED and finding.outcome == "路灯已修好"
    actions = set(
        AuditEvent.objects.filter(object_id=str(finding.pk)).values_list("action", flat=True)
    )
    assert {"inspections.finding_agenda", "inspections.finding_decide",
            "inspections.finding_resolve"} <= actions  # fmt: skip


def test_every_cell_of_the_table_is_walked():
    for name, transition in FINDING.transitions.items():
        for state in FindingState.values:
            allowed = FINDING.is_allowed(name, state, {KEEPER})
            assert allowed == (state in transition.sources), (name, state)
            assert not FINDING.is_allowed(name, state, set())


def test_a_step_out_of_turn_is_refused(teams, supervisor):
    with pytest.raises(ValidationError) as err:
        services.finding_transition(
            actor=supervisor, finding=teams.found, name="resolve", outcome="x", resolved_on=today()
        )
    assert "state" in err.value.message_dict
    response = api_client(supervisor).post(
        f"/api/v1/inspections/findings/{teams.resolved.pk}/close/",
        {"reason": "x", "version": teams.resolved.version},
        format="json",
    )
    assert response.status_code == 400 and "state" in response.json()


def test_the_decision_needs_an_owner_a_due_date_after_the_meeting_and_a_held_meeting(
    teams, supervisor
):
    finding = teams.on_agenda
    with pytest.raises(ValidationError) as err:
        services.finding_transition(
            actor=supervisor, finding=finding, name="decide", decision="", owner="other",
            due_on=teams.meeting.held_on - dt.timedelta(days=1),
        )  # fmt: skip
    assert set(err.value.message_dict) == {"decision", "owner_other", "due_on"}
    future = a_meeting(supervisor, teams.team, held_on=today() + dt.timedelta(days=5))
    services.finding_transition(actor=supervisor, finding=finding, name="unlist")
    services.finding_transition(
        actor=supervisor, finding=Finding.objects.get(pk=finding.pk), name="agenda", meeting=future
    )
    with pytest.raises(ValidationError) as err:
        decide(supervisor, Finding.objects.get(pk=finding.pk), due_on=today() + dt.timedelta(9))
    assert "decision" in err.value.message_dict


def test_a_meeting_of_another_team_cannot_take_the_finding(teams, supervisor_elsewhere, supervisor):
    theirs = a_meeting(supervisor_elsewhere, teams.other_team)
    with pytest.raises(ValidationError) as err:
        services.finding_transition(
            actor=supervisor, finding=teams.found, name="agenda", meeting=theirs
        )
    assert "meeting" in err.value.message_dict


def test_closing_needs_a_reason_and_bad_input_keeps_what_was_typed(teams, director_a):
    prefix = f"s{teams.found.pk}-close"
    response = web_client(director_a).post(
        f"/inspections/findings/{teams.found.pk}/close/",
        {f"{prefix}-reason": "  ", f"{prefix}-version": teams.found.version},
    )
    assert response.status_code == 400
    assert "请" in response.content.decode()
    prefix = f"s{teams.on_agenda.pk}-decide"
    response = web_client(director_a).post(
        f"/inspections/findings/{teams.on_agenda.pk}/decide/",
        {f"{prefix}-decision": "居委会协调", f"{prefix}-owner": "other",
         f"{prefix}-owner_other": "", f"{prefix}-due_on": "不是日期",
         f"{prefix}-version": teams.on_agenda.version},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400 and "居委会协调" in html
    assert Finding.objects.get(pk=teams.on_agenda.pk).state == FindingState.ON_AGENDA


def test_a_stale_version_is_a_conflict(teams, supervisor):
    response = api_client(supervisor).post(
        f"/api/v1/inspections/findings/{teams.found.pk}/close/",
        {"reason": "重复", "version": teams.found.version + 5},
        format="json",
    )
    assert response.status_code == 409


def test_overdue_findings_are_shown_red_and_listed(teams, supervisor):
    client = web_client(supervisor)
    team_page = client.get(f"/inspections/{teams.team.pk}/").content.decode()
    assert team_page.count("is-overdue") == 1
    listed = client.get("/inspections/findings/?state=overdue").content.decode()
    assert "车辆乱停" in listed and "垃圾堆放" not in listed and "is-overdue" in listed
    page = client.get(f"/inspections/findings/{teams.overdue.pk}/").content.decode()
    assert "overdue-date" in page
    api = api_client(supervisor).get("/api/v1/inspections/findings/?overdue=true").json()
    assert [f["id"] for f in api["results"]] == [teams.overdue.pk]
    assert teams.resolved.is_overdue is False


def test_the_list_counts_open_findings_per_community(teams, supervisor, district_officer):
    html = web_client(district_officer).get("/inspections/").content.decode()
    assert teams.team.community.name in html and teams.other_team.community.name in html
    from weibao.inspections.selectors import team_counts

    (row,) = team_counts(supervisor)
    assert (row.found, row.on_agenda, row.in_progress, row.overdue, row.resolved, row.closed) == (
        1, 1, 2, 1, 1, 1,
    )  # fmt: skip
    assert row.open == 4 and row.members == 1
