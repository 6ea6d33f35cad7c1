"""Merging a 居民区 into another, or closing one, moves what lives there first — the roles
(moved on a merge, ended on a closing) and the children on its register with their visits,
cases and everything hanging off the cases, as an accepted transfer moves them — then closes
it, all in one transaction; every step is audited and each child's history tells the move
(docs/domain.md §1.16)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import _user, web_client
from tests.helpers import error_dict, today
from tests.transfers.helpers import area_of, ask, audit_rows, counts, full_file
from weibao.accounts.models import Role, RoleAssignment
from weibao.administration.services import area_close_moving, community_merge
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases.models import Case
from weibao.children.choices import Status
from weibao.children.models import CategoryTally, Child
from weibao.children.tallies import TOTAL
from weibao.core.exceptions import Blocked
from weibao.visits.models import VisitDue

NOTE = "居民区合并/撤销"


@pytest.fixture
def file_a(child_a, director_a, supervisor, partner):
    return full_file(child_a, director_a, supervisor, partner)


def _moved_rows(file_a) -> list:
    return [
        Child.objects.get(pk=file_a.child.pk),
        file_a.case,
        file_a.visit,
        file_a.concern,
        file_a.service,
        file_a.referral,
        file_a.protection,
        VisitDue.objects.get(child=file_a.child, state="open"),
    ]


def test_a_merge_moves_every_row_of_its_children_to_the_other_community(
    district_officer, file_a, areas
):
    before = counts(file_a.child)
    closed = community_merge(
        actor=district_officer, community=areas["community_a"], into=areas["community_b"]
    )
    b = (areas["district"].pk, areas["tianshan"].pk, areas["community_b"].pk)
    assert [area_of(row) for row in _moved_rows(file_a)] == [b] * 8
    assert counts(file_a.child) == before
    assert closed.closed_at is not None and closed.merged_into == areas["community_b"]


def test_a_merge_moves_the_directors_roles_and_the_case_stays_theirs(
    district_officer, director_a, file_a, areas
):
    community_merge(
        actor=district_officer, community=areas["community_a"], into=areas["community_b"]
    )
    assert list(director_a.role_assignments.values_list("role", "area")) == [
        (Role.DIRECTOR, areas["community_b"].pk)
    ]
    assert Case.objects.get(pk=file_a.case.pk).owner == director_a
    row = AuditEvent.objects.get(action="role.move")
    assert row.actor == district_officer
    assert row.changes["area_id"] == [areas["community_a"].pk, areas["community_b"].pk]


def test_every_step_is_audited_and_the_audit_rows_of_the_past_stay(district_officer, file_a, areas):
    rows_before = audit_rows(file_a.child)
    community_merge(
        actor=district_officer, community=areas["community_a"], into=areas["community_b"]
    )
    rows_after = audit_rows(file_a.child)
    assert rows_after[: len(rows_before)] == rows_before
    added = rows_after[len(rows_before) :]
    assert {"child.move_with_area", "case.move_area"} <= {row[3] for row in added}
    child_move = next(row for row in added if row[3] == "child.move_with_area")
    assert child_move[2] == district_officer.pk
    assert opened_note(child_move[5]) == NOTE
    assert AuditEvent.objects.filter(action="visit.move_area", object_id=str(file_a.child.pk))
    merge = AuditEvent.objects.get(action="area.merge", object_id=str(areas["community_a"].pk))
    assert merge.changes["merged_into"]["new"]["id"] == areas["community_b"].pk


def test_the_childs_history_shows_the_move_and_why(district_officer, file_a, areas):
    community_merge(
        actor=district_officer, community=areas["community_a"], into=areas["community_b"]
    )
    page = web_client(district_officer).get(f"/children/{file_a.child.pk}/").content.decode()
    history = page[page.index('<ol class="history">') :]
    assert "转入其他居民区（居民区合并/撤销）" in history
    assert "测试甲居民区" in history and "测试乙居民区" in history
    assert "child.move" not in history


def test_the_tallies_follow_the_children(district_officer, child_a, areas):
    community_merge(
        actor=district_officer, community=areas["community_a"], into=areas["community_b"]
    )
    totals = dict(CategoryTally.objects.filter(key=TOTAL).values_list("community_id", "n"))
    assert totals.get(areas["community_a"].pk, 0) == 0
    assert totals[areas["community_b"].pk] == 1


def test_closing_with_children_asks_where_they_move(district_officer, child_a, areas):
    with pytest.raises(ValidationError) as exc:
        area_close_moving(actor=district_officer, area=areas["community_a"])
    assert list(error_dict(exc)) == ["move_to"]
    with pytest.raises(ValidationError) as elsewhere:
        area_close_moving(
            actor=district_officer, area=areas["community_a"], move_to=areas["community_c"]
        )
    assert list(error_dict(elsewhere)) == ["move_to"]
    assert Area.objects.get(pk=areas["community_a"].pk).closed_at is None


def test_closing_ends_the_roles_and_hands_the_cases_to_the_supervisor(
    district_officer, director_a, supervisor, file_a, areas
):
    area_close_moving(
        actor=district_officer, area=areas["community_a"], move_to=areas["community_b"]
    )
    assert not director_a.role_assignments.exists()
    assert AuditEvent.objects.filter(action="role.revoke", actor=district_officer).count() == 1
    assert Case.objects.get(pk=file_a.case.pk).owner == supervisor
    assert area_of(Child.objects.get(pk=file_a.child.pk))[2] == areas["community_b"].pk
    assert AuditEvent.objects.filter(action="area.close").count() == 1


def test_an_empty_community_closes_directly(district_officer, director_b, areas):
    closed = area_close_moving(actor=district_officer, area=areas["community_b"])
    assert closed.closed_at is not None
    assert not RoleAssignment.objects.filter(area=areas["community_b"]).exists()


def test_files_no_longer_on_the_register_stay_where_they_were(district_officer, make_child, areas):
    gone = make_child("community_a", name="李已迁")
    Child.objects.filter(pk=gone.pk).update(status=Status.MOVED_OUT, status_date=today())
    area_close_moving(actor=district_officer, area=areas["community_a"])
    assert area_of(Child.objects.get(pk=gone.pk))[2] == areas["community_a"].pk


def test_a_blocked_closing_changes_nothing(district_officer, director_a, file_a, areas):
    # A case left behind (its child no longer on the register) keeps the 居民区 open.
    left = full_file(
        Child.objects.get(pk=_second_child(district_officer, areas).pk),
        director_a,
        _user("sup2", Role.SUPERVISOR, areas["tianshan"]),
        file_a.referral.partner,
    )
    Child.objects.filter(pk=left.child.pk).update(status=Status.DECEASED, status_date=today())
    before = audit_rows(file_a.child)
    with pytest.raises(Blocked) as exc:
        community_merge(
            actor=district_officer, community=areas["community_a"], into=areas["community_b"]
        )
    assert exc.value.code == "cases"
    assert area_of(Child.objects.get(pk=file_a.child.pk))[2] == areas["community_a"].pk
    assert audit_rows(file_a.child) == before
    assert director_a.role_assignments.get().area == areas["community_a"]
    assert Area.objects.get(pk=areas["community_a"].pk).closed_at is None


def _second_child(actor, areas):
    from tests.conftest import child_data
    from weibao.children.services import child_create

    return child_create(actor=actor, data=child_data(areas["community_a"], name="赵二"),
                        categories=["left_behind"], guardians=[])  # fmt: skip


def test_a_pending_transfer_blocks_the_merge(district_officer, director_a, child_a, areas):
    ask(director_a, child_a, areas["community_c"])
    with pytest.raises(Blocked) as exc:
        community_merge(
            actor=district_officer, community=areas["community_a"], into=areas["community_b"]
        )
    assert exc.value.code in {"pending_transfer", "transfers"}
    assert Child.objects.get(pk=child_a.pk).community == areas["community_a"]


@pytest.mark.parametrize("persona", ["supervisor", "director_a", "director_b"])
def test_only_district_staff_merge_or_close(request, persona, child_a, areas):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        community_merge(actor=user, community=areas["community_a"], into=areas["community_b"])
    with pytest.raises(PermissionDenied):
        area_close_moving(actor=user, area=areas["community_a"], move_to=areas["community_b"])
    assert Child.objects.get(pk=child_a.pk).community == areas["community_a"]
