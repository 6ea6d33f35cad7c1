"""A write of a row of a table split by district names the district, as a read does
(docs/scale.md, "What changes in the code", point 8): `areas.models.DistrictKeyed`."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.activities.conftest import an_activity
from tests.duplicates.helpers import pair_of, register
from tests.inspections import helpers as inspections
from tests.stations.conftest import make_station
from tests.suggestions.conftest import a_suggestion
from tests.training.helpers import a_session
from tests.transfers.helpers import accept, ask, full_file
from weibao.activities import services as activity_services
from weibao.activities.models import Signup
from weibao.areas.models import DistrictKeyed, lock_where_read
from weibao.cases import services as case_services
from weibao.children import services as child_services
from weibao.children.models import Child
from weibao.core.exceptions import ConflictError
from weibao.duplicates import services as duplicate_services
from weibao.duplicates.models import MatchKey, PossibleDuplicate
from weibao.duplicates.services import duplicate_dismiss
from weibao.inspections import services as inspection_services
from weibao.inspections.models import Finding
from weibao.suggestions.models import Suggestion
from weibao.suggestions.services import suggestions_late_tell
from weibao.training.services import session_update
from weibao.visits import services as visit_services
from weibao.visits.models import Concern, VisitDue

# The tables with a district column whose rows are not saved through DistrictKeyed, and why.
EXCEPTIONS = {
    # Append-only hash chains: never saved after their INSERT. Their one UPDATE, the district
    # following a moved child, already names the district the rows are in
    # (audit.services.access_log_move, audit_events_move).
    "audit.AuditEvent": "append-only",
    "audit.AccessLog": "append-only",
    # Reference tables on Citus (a copy on every worker): the district is a value there, not
    # the key the table is split by (docs/scale.md, points 2 and 7).
    "children.IdNumberRegistration": "reference table",
    "reports.ReferenceRegistration": "reference table",
    "suggestions.CodeRegistration": "reference table",
    "staff.StaffMember": "reference table",
}

UPDATE = re.compile(r'^UPDATE "(\w+)" SET .*? WHERE (.*)$', re.S)
DELETE = re.compile(r'^DELETE FROM "(\w+)" WHERE (.*)$', re.S)
LOCK = re.compile(r'^SELECT .*? FROM "(\w+)"(.*?) WHERE (.*) FOR (?:NO KEY )?UPDATE', re.S)
JOINED = re.compile(r'JOIN "(\w+)"(?: (\w+))? ON')

# SQLite has no row locks: Django leaves FOR UPDATE out there, so only PostgreSQL shows them.
locks_shown = pytest.mark.skipif(
    not connection.features.has_select_for_update, reason="no FOR UPDATE on this database"
)


def _district_tables() -> set[str]:
    return {m._meta.db_table for m in apps.get_models() if issubclass(m, DistrictKeyed)}


def _writes_without_district(queries) -> list[str]:
    tables = _district_tables()
    missing = []
    for query in queries:
        sql = query["sql"]
        match = UPDATE.match(sql) or DELETE.match(sql)
        if match and match.group(1) in tables and '"district_id"' not in match.group(2):
            missing.append(sql)
    return missing


def _locks_without_district(queries) -> list[str]:
    """The SELECT … FOR UPDATE of a district-keyed table, or joined to one, whose WHERE does
    not name the district of each such table in it: on Citus, which runs FOR UPDATE in one
    shard only, an error (docs/scale.md, "What changes in the code", point 9)."""
    tables = _district_tables()
    missing = []
    for query in queries:
        match = LOCK.match(query["sql"])
        if not match:
            continue
        table, joins, where = match.groups()
        # (table, the name the query gives it): a table joined twice takes an alias.
        named = [(table, table)] + [(j, alias or j) for j, alias in JOINED.findall(joins)]
        if any(f'"{name}"."district_id"' not in where for real, name in named if real in tables):
            missing.append(query["sql"])
    return missing


def _daily_work(child, director, supervisor) -> None:
    """A visit with a concern, the concern handled, a case opened and filed, a child back home."""
    visit = visit_services.visit_start(actor=director, child=child)
    visit_services.visit_complete(
        actor=director,
        visit=visit,
        expected_version=visit.version,
        data={
            "met_with": "孩子和奶奶",
            "under8_unattended": "na",
            "under16_alone": "yes",
            "away_without_carer": "no",
            "no_weekly_contact": "no",
            "findings": "合成数据：独自在家。",
        },
    )
    concern = Concern.objects.get(child=child)
    visit_services.concern_handle(actor=supervisor, concern=concern, note="已联系家长。")
    case = case_services.case_open(actor=supervisor, child=child, summary="合成数据")
    case_services.case_file(
        actor=supervisor, case=case, summary="建档", expected_version=case.version
    )
    child_services.child_mark_returned_home(
        actor=director,
        child=Child.objects.get(pk=child.pk),
        date=timezone.localdate() - dt.timedelta(days=1),
    )


def _move(child: Child, community, actor) -> None:
    """The child's file to `community` by a direct edit (staff of both districts may)."""
    child_services.child_update(
        actor=actor, child=child, expected_version=child.version, data={"community": community}
    )


def test_every_model_with_a_district_column_is_district_keyed_or_a_reasoned_exception():
    unexplained = []
    for model in apps.get_models():
        has_district = any(f.attname == "district_id" for f in model._meta.concrete_fields)
        keyed = issubclass(model, DistrictKeyed)
        if has_district and not keyed and model._meta.label not in EXCEPTIONS:
            unexplained.append(model._meta.label)
        if keyed and not has_district:
            unexplained.append(f"{model._meta.label} (keyed, no district column)")
    assert unexplained == []
    assert set(EXCEPTIONS) <= {m._meta.label for m in apps.get_models()}


@pytest.mark.django_db
def test_a_save_names_the_district_the_row_was_read_with(child_a):
    child = Child.objects.get(pk=child_a.pk)
    child.school = "小名"
    with CaptureQueriesContext(connection) as ctx:
        child.save(update_fields=["school"])
    (update,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    where = update.split(" WHERE ", 1)[1]
    assert '"district_id"' in where and str(child.district_id) in where


@pytest.mark.django_db
def test_a_row_made_in_this_process_and_saved_again_names_its_district(child_a):
    child = Child.objects.get(pk=child_a.pk)  # a fresh instance holds what it was read with
    made = VisitDue(child=child, state=VisitDue.State.CANCELLED, due_date=timezone.localdate())
    made.copy_area_of(child)
    made.save()
    made.overdue_level = 1
    with CaptureQueriesContext(connection) as ctx:
        made.save(update_fields=["overdue_level"])
    assert _writes_without_district(ctx.captured_queries) == []
    assert VisitDue.objects.get(pk=made.pk).overdue_level == 1


@pytest.mark.django_db
def test_a_row_moved_to_another_district_is_updated_where_it_was(child_a, other_district):
    child = Child.objects.get(pk=child_a.pk)
    old = child.district_id
    community = other_district  # the fixture's 居民区
    child.district_id = community.parent.parent_id
    child.subdistrict_id, child.community_id = community.parent_id, community.pk
    with CaptureQueriesContext(connection) as ctx:
        child.save(update_fields=["district", "subdistrict", "community"])
    update = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE"))
    assert f'"district_id" = {old}' in update.split(" WHERE ", 1)[1].replace("%s", "")
    assert Child.objects.get(pk=child.pk).district_id == community.parent.parent_id
    # The instance now knows where the row is: its next save finds it.
    child.school = "又改"
    child.save(update_fields=["school"])
    assert Child.objects.get(pk=child.pk).school == "又改"


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [["school"], None])
def test_a_stale_row_whose_district_moved_under_it_is_a_conflict_not_a_write_back(
    child_a, other_district, fields
):
    """Before, such a save wrote its other columns over the moved row, and a `save()` of every
    column moved it back. Now it is the conflict the pages and the API already explain."""
    stale = Child.objects.get(pk=child_a.pk)
    moved_to = other_district.parent.parent_id
    Child.objects.filter(pk=child_a.pk).update(district_id=moved_to)
    stale.school = "旧的"
    with pytest.raises(ConflictError), transaction.atomic():
        stale.save(update_fields=fields)
    assert Child.objects.filter(pk=child_a.pk).values_list("district_id", "school").get() == (
        moved_to,
        child_a.school,
    )


@pytest.mark.django_db
def test_a_row_read_without_its_district_is_updated_by_id_as_before(child_a):
    child = Child.objects.only("pk", "school").get(pk=child_a.pk)
    child.school = "只读了名"
    with CaptureQueriesContext(connection) as ctx:
        child.save(update_fields=["school"])
    assert len(ctx.captured_queries) == 1  # no query to fetch the district first
    assert Child.objects.get(pk=child_a.pk).school == "只读了名"


@pytest.mark.django_db
def test_a_visit_its_concern_and_a_case_write_only_in_their_district(
    child_a, director_a, supervisor
):
    """The daily work's writes, captured: each UPDATE and DELETE of a district-keyed table
    names the district."""
    with CaptureQueriesContext(connection) as ctx:
        _daily_work(child_a, director_a, supervisor)
    writes = [q for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "DELETE"))]
    assert writes, "the flow wrote nothing: the capture proves nothing"
    assert _writes_without_district(writes) == []


@pytest.mark.django_db
def test_a_child_moved_to_another_district_leaves_no_match_key_behind(
    child_a, officer_of_both, other_district
):
    """The keys are deleted by district and child: after a move, in the district the child
    left (children.hooks.child_identity_changed's from_district), or they would stay there."""
    old = child_a.district_id
    assert MatchKey.objects.filter(district_id=old, child=child_a).exists()
    with CaptureQueriesContext(connection) as ctx:
        _move(child_a, other_district, officer_of_both)
    new = other_district.parent.parent_id
    assert set(MatchKey.objects.filter(child=child_a).values_list("district_id", flat=True)) == {
        new
    }
    assert _writes_without_district(ctx.captured_queries) == []


@pytest.mark.django_db
def test_a_transfer_to_another_residential_area_writes_only_in_the_district(
    child_a, director_a, supervisor, supervisor_elsewhere, partner, areas
):
    """A transfer moves the child's whole file (its visits, cases, services, referrals and
    guardianship) to a 居民区 of another 街镇: each UPDATE and DELETE names the district."""
    file = full_file(child_a, director_a, supervisor, partner)
    transfer = ask(director_a, file.child, areas["community_c"])
    with CaptureQueriesContext(connection) as ctx:
        accept(supervisor_elsewhere, transfer)
    writes = [q for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "DELETE"))]
    assert writes, "the transfer wrote nothing: the capture proves nothing"
    missing = _writes_without_district(writes)
    assert missing == [], "\n".join(missing)


@pytest.mark.django_db
def test_a_file_edited_into_another_district_takes_its_open_due_visit(
    child_a, officer_of_both, other_district
):
    """The open due is looked for where the file was (the lock names one district): it
    follows the file to its new 居民区, and none is left behind."""
    assert VisitDue.objects.filter(child=child_a, state="open").count() == 1
    _move(child_a, other_district, officer_of_both)
    open_dues = VisitDue.objects.filter(child=child_a, state="open")
    assert list(open_dues.values_list("district_id", "community_id")) == [
        (other_district.parent.parent_id, other_district.pk)
    ]


@pytest.mark.django_db
def test_a_possible_duplicate_moved_with_its_child_is_updated_where_it_was_read(
    areas, officer_of_both, other_district
):
    """A pair lies in the district of its first child. A decided pair stays when that child
    moves to another district (an open one would be withdrawn), and its areas follow the
    child (duplicates.services.children_match_refresh): its bulk UPDATE names the district
    the pair was read in, as a save does, and moves it."""
    a = register(officer_of_both, areas["community_a"], "张小明")
    b = register(officer_of_both, areas["community_b"], "张小明")
    old = a.district_id
    duplicate_dismiss(actor=officer_of_both, pair=pair_of(a, b), note="双胞胎")
    with CaptureQueriesContext(connection) as ctx:
        _move(a, other_district, officer_of_both)
    pair_updates = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('UPDATE "duplicates_possibleduplicate"')
    ]
    assert len(pair_updates) == 1, pair_updates
    where = pair_updates[0].split(" WHERE ", 1)[1]
    assert f'"district_id" = {old}' in where
    pair = pair_of(a, b)
    assert (pair.district_id, pair.community_id) == (
        other_district.parent.parent_id,
        other_district.pk,
    )


@pytest.mark.django_db
def test_a_possible_duplicate_moved_since_it_was_read_is_a_conflict_not_a_lost_update(
    areas, officer_of_both, other_district, monkeypatch
):
    """As a stale save() is: the pair's bulk UPDATE finds it no longer where it was read."""
    a = register(officer_of_both, areas["community_a"], "张小明")
    b = register(officer_of_both, areas["community_b"], "张小明")
    pair = pair_of(a, b)
    duplicate_dismiss(actor=officer_of_both, pair=pair, note="双胞胎")
    elsewhere = other_district.parent.parent_id
    set_areas = duplicate_services._set_areas

    def moved_meanwhile(pair, loaded):  # another transaction moves the pair after the read
        PossibleDuplicate.objects.filter(pk=pair.pk).update(district_id=elsewhere)
        set_areas(pair, loaded)

    monkeypatch.setattr(duplicate_services, "_set_areas", moved_meanwhile)
    with pytest.raises(ConflictError), transaction.atomic():
        child_services.child_update(
            actor=officer_of_both, child=b, expected_version=b.version, data={"name": "章小明"}
        )
    assert PossibleDuplicate.objects.get(pk=pair.pk).district_id == a.district_id  # rolled back


@pytest.mark.django_db
def test_a_lock_finds_the_row_by_the_district_it_was_read_with(child_a):
    child = Child.objects.get(pk=child_a.pk)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        locked = lock_where_read(Child.objects, child)
    assert locked.pk == child.pk
    (read,) = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    where = read["sql"].split(" WHERE ", 1)[1]
    assert '"children_child"."district_id"' in where and str(child.district_id) in where


@pytest.mark.django_db
def test_a_lock_of_a_row_moved_since_it_was_read_is_a_conflict(child_a, other_district):
    """As a stale save() is: locking it by id alone would let the service go on with the
    columns it read before the move."""
    stale = Child.objects.get(pk=child_a.pk)
    Child.objects.filter(pk=child_a.pk).update(district_id=other_district.parent.parent_id)
    with pytest.raises(ConflictError), transaction.atomic():
        lock_where_read(Child.objects, stale)


@pytest.mark.django_db
def test_a_lock_of_a_row_that_is_gone_is_does_not_exist(child_a):
    gone = Concern(child=child_a, kind="other")
    gone.copy_area_of(child_a)
    gone.pk = 999_999
    with pytest.raises(Concern.DoesNotExist), transaction.atomic():
        lock_where_read(Concern.objects, gone)


@locks_shown
@pytest.mark.django_db
def test_the_daily_work_locks_its_rows_in_their_district(child_a, director_a, supervisor):
    """A visit with a concern, the concern handled, a case opened and filed, a child back
    home: each row locked is locked by its district."""
    with CaptureQueriesContext(connection) as ctx:
        _daily_work(child_a, director_a, supervisor)
    locks = [q for q in ctx.captured_queries if LOCK.match(q["sql"])]
    assert len(locks) >= 5, "the flow locked too little: the capture proves nothing"
    missing = _locks_without_district(locks)
    assert missing == [], "\n".join(missing)


@locks_shown
@pytest.mark.django_db
def test_a_transfer_locks_its_rows_in_their_district(
    child_a, director_a, supervisor, supervisor_elsewhere, partner, areas
):
    file = full_file(child_a, director_a, supervisor, partner)
    transfer = ask(director_a, file.child, areas["community_c"])
    with CaptureQueriesContext(connection) as ctx:
        accept(supervisor_elsewhere, transfer)
    locks = [q for q in ctx.captured_queries if LOCK.match(q["sql"])]
    assert locks, "the transfer locked nothing: the capture proves nothing"
    missing = _locks_without_district(locks)
    assert missing == [], "\n".join(missing)


def _locks_of(work) -> list[dict]:
    with CaptureQueriesContext(connection) as ctx:
        work()
    return [q for q in ctx.captured_queries if LOCK.match(q["sql"])]


@locks_shown
@pytest.mark.django_db
def test_the_workstations_work_locks_its_rows_and_their_joins_in_their_district(
    areas, supervisor, child_a, make_child
):
    """An activity's sign-ups, an inspection team's member, meeting and finding, a training
    session: every table split by district in a lock, the row's and the ones joined to it, is
    named by its district. On the code before, the finding's team and patrol, the member's and
    the meeting's team, the session's topic and the activity's station and project were joined
    by id alone, and the sign-ups of an activity were locked by the activity."""
    station = make_station(supervisor, areas["tianshan"])
    project = activity_services.project_create(
        actor=supervisor,
        data={"station": station, "name": "艺润童心", "starts_on": dt.date(2026, 1, 1),
              "status": "running"},
    )  # fmt: skip
    activity = an_activity(supervisor, project, capacity=1)
    second = make_child(name="儿童乙")
    first = activity_services.signup_add(actor=supervisor, activity=activity, child=child_a)
    waiting = activity_services.signup_add(actor=supervisor, activity=activity, child=second)
    team = inspections.a_team(supervisor, areas["community_a"])
    member = inspections.a_member(supervisor, team, child_a)
    finding = inspections.a_finding(supervisor, inspections.a_patrol(supervisor, team, [member]))
    meeting = inspections.a_meeting(supervisor, team, [finding])
    session = a_session(supervisor, areas["tianshan"], held_on=dt.date(2026, 3, 2))

    def work():
        activity_services.signup_cancel(actor=supervisor, signup=first)
        activity_services.attendance_set(
            actor=supervisor, activity=activity, marks={waiting.pk: True}
        )
        inspections.decide(supervisor, finding)
        inspection_services.meeting_update(
            actor=supervisor,
            meeting=meeting,
            data={"held_on": meeting.held_on, "parties": meeting.parties, "notes": "物业到会"},
        )
        inspection_services.member_leave(
            actor=supervisor, member=member, left_on=timezone.localdate()
        )
        session_update(actor=supervisor, session=session, data={"trainer": "新讲师"})

    locks = _locks_of(work)
    joined = [q for q in locks if " JOIN " in LOCK.match(q["sql"]).group(2)]
    assert len(locks) >= 6 and len(joined) >= 3, "the work locked too little to prove anything"
    missing = _locks_without_district(locks)
    assert missing == [], "\n".join(missing)
    assert Signup.objects.get(pk=waiting.pk).attended


@locks_shown
@pytest.mark.django_db
def test_a_lock_joined_to_a_row_by_id_alone_is_caught(finding_lock_by_id):
    # The check itself: the finding locked with its team joined by id alone, as before.
    assert _locks_without_district(finding_lock_by_id) != []


@pytest.fixture
def finding_lock_by_id(areas, supervisor, child_a):
    team = inspections.a_team(supervisor, areas["community_a"])
    member = inspections.a_member(supervisor, team, child_a)
    finding = inspections.a_finding(supervisor, inspections.a_patrol(supervisor, team, [member]))
    with transaction.atomic():
        return _locks_of(
            lambda: lock_where_read(
                Finding.objects.select_for_update(of=("self",)).select_related("team"), finding
            )
        )


@locks_shown
@pytest.mark.django_db
def test_the_late_suggestions_notice_locks_them_district_by_district(areas, supervisor):
    station = make_station(supervisor, areas["tianshan"])
    late, _code = a_suggestion(station, supervisor, "assigned")
    Suggestion.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(2))
    locks = _locks_of(lambda: suggestions_late_tell(today=timezone.localdate()))
    assert any("suggestions_suggestion" in LOCK.match(q["sql"]).group(1) for q in locks)
    missing = _locks_without_district(locks)
    assert missing == [], "\n".join(missing)
    assert Suggestion.objects.get(pk=late.pk).late_told_for is not None
