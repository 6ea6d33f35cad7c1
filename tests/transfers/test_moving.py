"""An accepted transfer moves the child's file, visits, cases and everything hanging off the
cases to the new 居民区 in one transaction; nothing is lost, and a refused or cancelled one
changes nothing (docs/domain.md §3.12)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.helpers import error_dict
from tests.transfers.helpers import accept, area_of, ask, audit_rows, counts, full_file
from weibao.cases.models import Case
from weibao.children.choices import Status
from weibao.children.models import CategoryTally, Child
from weibao.core.exceptions import Blocked, ConflictError
from weibao.notifications.models import Notification
from weibao.transfers import services
from weibao.transfers.models import Transfer
from weibao.visits.models import VisitDue


@pytest.fixture
def file_a(child_a, director_a, supervisor, partner):
    return full_file(child_a, director_a, supervisor, partner)


@pytest.fixture
def accepted(file_a, director_a, supervisor_elsewhere, areas):
    """File A asked to move to 居民区 C (仙霞新村) by its director, accepted by 仙霞新村's
    supervisor."""
    transfer = ask(director_a, file_a.child, areas["community_c"])
    return accept(supervisor_elsewhere, transfer)


def test_accepting_moves_every_row_of_the_child_to_the_new_area(file_a, accepted, areas):
    new = (areas["district"].pk, areas["xianxia"].pk, areas["community_c"].pk)
    moved = [
        Child.objects.get(pk=file_a.child.pk),
        file_a.case,
        file_a.visit,
        file_a.concern,
        file_a.service,
        file_a.referral,
        file_a.protection,
        VisitDue.objects.get(child=file_a.child, state="open"),
    ]
    assert [area_of(row) for row in moved] == [new] * len(moved)
    assert accepted.status == Transfer.Status.ACCEPTED


def test_nothing_is_lost_and_the_audit_rows_stay_as_written(
    file_a, director_a, supervisor_elsewhere, areas
):
    before, rows_before = counts(file_a.child), audit_rows(file_a.child)
    accept(supervisor_elsewhere, ask(director_a, file_a.child, areas["community_c"]))
    assert counts(file_a.child) == before
    rows_after = audit_rows(file_a.child)
    assert rows_after[: len(rows_before)] == rows_before
    added = {row[3] for row in rows_after[len(rows_before) :]}
    assert {"transfer.request", "child.move", "case.move_area", "transfer.accept"} <= added


def test_each_visit_keeps_its_author(file_a, accepted, director_a):
    file_a.visit.refresh_from_db()
    assert file_a.visit.author == director_a


def test_a_case_owner_outside_the_new_area_hands_it_to_the_receiving_supervisor(
    file_a, accepted, supervisor_elsewhere
):
    assert Case.objects.get(pk=file_a.case.pk).owner == supervisor_elsewhere


def test_a_case_owner_who_works_in_the_new_area_keeps_it(
    file_a, director_a, supervisor, district_officer, areas
):
    Case.objects.filter(pk=file_a.case.pk).update(owner=district_officer)
    accept(supervisor, ask(director_a, file_a.child, areas["community_b"]))
    assert Case.objects.get(pk=file_a.case.pk).owner == district_officer


def test_closed_cases_move_too(file_a, director_a, supervisor_elsewhere, areas):
    Case.objects.filter(pk=file_a.case.pk).update(
        stage="closed", closed_by=director_a, closed_at=file_a.case.opened_at
    )
    accept(supervisor_elsewhere, ask(director_a, file_a.child, areas["community_c"]))
    moved = Case.objects.get(pk=file_a.case.pk)
    assert moved.community_id == areas["community_c"].pk
    assert moved.owner != director_a  # a closed case's owner would still see it


def test_the_tallies_of_both_areas_are_recounted(file_a, accepted, areas):
    totals = dict(CategoryTally.objects.filter(key="total").values_list("community_id", "n"))
    assert totals.get(areas["community_a"].pk, 0) == 0
    assert totals[areas["community_c"].pk] == 1


def test_within_one_subdistrict_its_supervisor_accepts(child_a, director_a, supervisor, areas):
    transfer = accept(supervisor, ask(director_a, child_a, areas["community_b"]))
    assert Child.objects.get(pk=child_a.pk).community == areas["community_b"]
    assert transfer.status == Transfer.Status.ACCEPTED


# --- what changes nothing ---------------------------------------------------------------------


def test_a_refused_transfer_changes_nothing(file_a, director_a, supervisor_elsewhere, areas):
    before = counts(file_a.child)
    where = [area_of(file_a.case), area_of(file_a.visit), area_of(file_a.service)]
    transfer = ask(director_a, file_a.child, areas["community_c"])
    refused = services.transfer_refuse(
        actor=supervisor_elsewhere,
        transfer=transfer,
        note="The address is in 天山路.",
        expected_version=transfer.version,
    )
    assert refused.status == Transfer.Status.REFUSED
    assert Child.objects.get(pk=file_a.child.pk).community == areas["community_a"]
    assert [area_of(file_a.case), area_of(file_a.visit), area_of(file_a.service)] == where
    assert counts(file_a.child) == before


def test_a_refusal_needs_a_reason(child_a, director_a, supervisor_elsewhere, areas):
    transfer = ask(director_a, child_a, areas["community_c"])
    with pytest.raises(ValidationError) as exc:
        services.transfer_refuse(actor=supervisor_elsewhere, transfer=transfer, note=" ")
    assert list(error_dict(exc)) == ["note"]


def test_a_cancelled_transfer_changes_nothing(file_a, director_a, areas):
    transfer = ask(director_a, file_a.child, areas["community_c"])
    cancelled = services.transfer_cancel(actor=director_a, transfer=transfer)
    assert cancelled.status == Transfer.Status.CANCELLED
    assert Child.objects.get(pk=file_a.child.pk).community == areas["community_a"]
    assert Case.objects.get(pk=file_a.case.pk).community == areas["community_a"]


def test_a_decided_transfer_cannot_be_decided_again(
    child_a, director_a, supervisor_elsewhere, areas
):
    transfer = accept(supervisor_elsewhere, ask(director_a, child_a, areas["community_c"]))
    with pytest.raises(ValidationError) as exc:
        services.transfer_cancel(actor=director_a, transfer=transfer)
    assert list(error_dict(exc)) == ["state"]


def test_a_stale_version_is_a_conflict(child_a, director_a, supervisor_elsewhere, areas):
    transfer = ask(director_a, child_a, areas["community_c"])
    with pytest.raises(ConflictError):
        services.transfer_accept(
            actor=supervisor_elsewhere, transfer=transfer, expected_version=transfer.version + 1
        )


# --- who ------------------------------------------------------------------------------------


def test_whoever_asked_may_not_decide(child_a, district_officer, areas):
    transfer = ask(district_officer, child_a, areas["community_c"])
    with pytest.raises(Blocked) as exc:
        accept(district_officer, transfer)
    assert exc.value.code == "four_eyes"
    with pytest.raises(Blocked):
        services.transfer_refuse(actor=district_officer, transfer=transfer, note="No.")
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REQUESTED


def test_the_district_accepts_what_someone_else_asked(child_a, supervisor, district_officer, areas):
    transfer = accept(district_officer, ask(supervisor, child_a, areas["community_c"]))
    assert transfer.status == Transfer.Status.ACCEPTED


@pytest.mark.parametrize("who", ["supervisor", "director_elsewhere", "station_staff_elsewhere"])
def test_only_the_receiving_supervisor_or_the_district_accepts(
    child_a, director_a, areas, who, request
):
    transfer = ask(director_a, child_a, areas["community_c"])
    with pytest.raises(PermissionDenied):
        accept(request.getfixturevalue(who), transfer)


@pytest.mark.parametrize("who", ["director_b", "director_elsewhere", "supervisor_elsewhere"])
def test_only_the_childs_own_area_asks(child_a, areas, who, request):
    with pytest.raises(PermissionDenied):
        ask(request.getfixturevalue(who), child_a, areas["community_c"])


def test_the_sending_side_cancels_the_receiving_side_does_not(
    child_a, director_a, supervisor, supervisor_elsewhere, areas
):
    transfer = ask(director_a, child_a, areas["community_c"])
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(actor=supervisor_elsewhere, transfer=transfer)
    assert services.transfer_cancel(actor=supervisor, transfer=transfer).status == "cancelled"


# --- asking ---------------------------------------------------------------------------------


def test_one_pending_transfer_per_child(child_a, director_a, supervisor, areas):
    ask(director_a, child_a, areas["community_c"])
    with pytest.raises(Blocked) as exc:
        ask(supervisor, child_a, areas["community_b"])
    assert exc.value.code == "pending"


def test_asking_checks_each_field(child_a, director_a, areas):
    with pytest.raises(ValidationError) as exc:
        ask(director_a, child_a, None, reason="")
    assert set(error_dict(exc)) == {"to_community", "reason"}
    with pytest.raises(ValidationError) as exc:
        ask(director_a, child_a, areas["community_a"])
    assert set(error_dict(exc)) == {"to_community"}
    with pytest.raises(ValidationError) as exc:
        ask(director_a, child_a, areas["tianshan"])
    assert set(error_dict(exc)) == {"to_community"}
    with pytest.raises(ValidationError) as exc:
        ask(director_a, child_a, None, out_of_district=True)
    assert set(error_dict(exc)) == {"to_district_name"}


def test_a_child_off_the_register_is_not_transferred(child_a, director_a, areas):
    Child.objects.filter(pk=child_a.pk).update(status="deceased", status_date="2025-01-01")
    with pytest.raises(Blocked) as exc:
        ask(director_a, Child.objects.get(pk=child_a.pk), areas["community_c"])
    assert exc.value.code == "not_on_register"


def test_a_child_moved_meanwhile_blocks_the_acceptance(
    child_a, director_a, supervisor_elsewhere, areas
):
    transfer = ask(director_a, child_a, areas["community_c"])
    Child.objects.filter(pk=child_a.pk).update(community=areas["community_b"])
    with pytest.raises(Blocked) as exc:
        accept(supervisor_elsewhere, transfer)
    assert exc.value.code == "child_moved"


# --- out of the district ----------------------------------------------------------------------


def test_out_of_the_district_waits_for_the_open_case_to_close(
    case_a, director_a, supervisor, areas
):
    transfer = ask(director_a, case_a.child, None, out_of_district=True, to_district_name="徐汇区")
    with pytest.raises(Blocked) as exc:
        accept(supervisor, transfer)
    assert exc.value.code == "open_case"
    assert Child.objects.get(pk=case_a.child_id).status == Status.ACTIVE


def test_out_of_the_district_marks_the_child_transferred_and_keeps_the_file(
    child_a, director_a, supervisor, areas
):
    transfer = ask(director_a, child_a, None, out_of_district=True, to_district_name="徐汇区")
    accept(supervisor, transfer)
    child = Child.objects.get(pk=child_a.pk)
    assert (child.status, child.community) == (Status.TRANSFERRED, areas["community_a"])
    assert "徐汇区" in child.status_reason


# --- who is told ----------------------------------------------------------------------------


def test_the_receiving_supervisor_is_asked_and_the_asker_told(
    file_a, director_a, supervisor_elsewhere, director_elsewhere, areas
):
    transfer = ask(director_a, file_a.child, areas["community_c"])
    asked = Notification.objects.get(kind="transfer_requested")
    assert (asked.recipient, asked.url) == (supervisor_elsewhere, f"/transfers/{transfer.pk}/")
    accept(supervisor_elsewhere, transfer)
    asked.refresh_from_db()
    assert asked.read_at is not None  # answered
    told = Notification.objects.get(kind="transfer_decided")
    assert told.recipient == director_a and told.params["accepted"] is True
    arrived = set(
        Notification.objects.filter(kind="transfer_arrived").values_list("recipient", flat=True)
    )
    assert arrived == {director_elsewhere.pk}  # the new owner accepted: not told of their act


def test_the_receiving_director_is_told_of_a_visit_already_overdue(
    file_a, director_a, supervisor_elsewhere, areas
):
    # The sending director was told (level 1): the due's reminders start again in the new
    # 居民区, so that the next daily job tells its director.
    VisitDue.objects.filter(child=file_a.child, state="open").update(overdue_level=1)
    accept(supervisor_elsewhere, ask(director_a, file_a.child, areas["community_c"]))
    due = VisitDue.objects.get(child=file_a.child, state="open")
    assert (due.community_id, due.overdue_level) == (areas["community_c"].pk, 0)
