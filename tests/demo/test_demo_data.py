"""`weibao demo`: the synthetic demo data, loaded through the services, idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.helpers import rows_kept_across_tests
from weibao.accounts.models import RoleAssignment, User
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.children import idnumber
from weibao.children.choices import Status
from weibao.children.models import Child, ChildCategory, Guardian, IdNumberRegistration
from weibao.core.dates import add_months
from weibao.core.models import SiteState
from weibao.demo.data import DEMO_MARK, DEMO_PASSWORD
from weibao.notifications.models import Notification
from weibao.visits.jobs import run_daily
from weibao.visits.models import Concern, Visit, VisitDue
from weibao.visits.selectors import Horizon, completion_table, worklist_counts

N = 60

SUBDISTRICT_CODES = {
    "华阳路街道": "310105001",
    "江苏路街道": "310105002",
    "新华路街道": "310105004",
    "周家桥街道": "310105005",
    "天山路街道": "310105006",
    "仙霞新村街道": "310105008",
    "虹桥街道": "310105009",
    "程家桥街道": "310105010",
    "北新泾街道": "310105011",
    "新泾镇": "310105102",
}


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--children", str(N), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """`weibao demo`'s output; its rows kept for the module (tests/demo/conftest.py)."""
    with rows_kept_across_tests(django_db_blocker):
        yield run_demo()


@pytest.fixture
def loaded(demo_output, db, fast_hasher) -> str:
    return demo_output


def snapshot() -> dict:
    return {
        "areas": sorted(Area.objects.values_list("pk", "name", "code", "level", "is_demo")),
        "users": sorted(
            User.objects.values_list("username", "password", "is_staff", "is_superuser")
        ),
        "roles": sorted(RoleAssignment.objects.values_list("user__username", "role", "area_id")),
        "perms": sorted(User.user_permissions.through.objects.values_list("user_id", "permission")),
        "children": sorted(Child.objects.values_list("pk", "version", "status", "birth_date")),
        "categories": ChildCategory.objects.count(),
        "guardians": Guardian.objects.count(),
        "audit": AuditEvent.objects.count(),
        "site_state": list(SiteState.objects.values_list("key", "value")),
        "visits": sorted(Visit.objects.values_list("pk", "version", "state", "visit_date")),
        "dues": sorted(
            VisitDue.objects.values_list("pk", "state", "due_date", "overdue_level", "on_time")
        ),
        "concerns": sorted(Concern.objects.values_list("pk", "state")),
        "notifications": Notification.objects.count(),
    }


def test_areas_are_changning_with_codes_and_invented_communities(loaded):
    district = Area.objects.get(code="310105")
    assert (district.name, district.level, district.is_demo) == ("长宁区", "district", False)
    subs = Area.objects.filter(level="subdistrict")
    assert {a.name: a.code for a in subs} == SUBDISTRICT_CODES
    assert not any(a.is_demo for a in subs)
    assert all(a.parent_id == district.pk for a in subs)
    counts = {a.name: a.children.count() for a in subs}
    assert counts["天山路街道"] == 18
    assert counts["仙霞新村街道"] == 23
    assert all(n >= 1 for n in counts.values())
    communities = Area.objects.filter(level="community")
    assert all(c.is_demo and c.code == "" for c in communities)


def test_children_are_registered_through_the_services_with_valid_numbers(loaded):
    children = list(Child.objects.all())
    assert len(children) == N
    for child in children:
        assert idnumber.format_errors(child.id_number) == []
        assert idnumber.birth_date_of(child.id_number) == child.birth_date
        assert idnumber.sex_of(child.id_number) == child.sex
        assert child.id_number.startswith("310105")
        assert 1 <= child.guardians.count() <= 2
        assert child.category_rows.exists()
    assert len({c.id_number for c in children}) == N
    # Every number is in the registry under its file, the aged-out's moved-back ones included.
    assert set(IdNumberRegistration.objects.values_list("id_number_hash", "district", "child")) == {
        (c.id_number_hash, c.district_id, c.pk) for c in children
    }
    actor = User.objects.get(username="district_admin")
    created = AuditEvent.objects.filter(action="child.create")
    assert created.count() == N
    assert set(created.values_list("actor", flat=True)) == {actor.pk}
    # The names that test the software, the aged-out and the ones that left the register.
    names = {c.name for c in children}
    assert "阿依古丽·买买提" in names
    assert any(ord(ch) > 0xFFFF for name in names for ch in name)
    assert Child.objects.get(name="阿依古丽·买买提").ethnicity == "05"
    assert any(c.effective_status() == "aged_out" for c in children)
    left = Child.objects.exclude(status=Status.ACTIVE)
    assert set(left.values_list("status", flat=True)) == {"moved_out", "transferred", "deceased"}
    assert AuditEvent.objects.filter(action="child.status").count() == left.count()
    phones = Guardian.objects.values_list("phone", flat=True)
    assert all(p.startswith(("1380000", "1700000")) for p in phones)


def _roles(username: str) -> list[tuple[str, Area | None]]:
    return [
        (ra.role, ra.area)
        for ra in RoleAssignment.objects.filter(user__username=username).select_related("area")
    ]


def test_accounts_have_their_roles_areas_and_permissions(loaded):
    tianshan = Area.objects.get(code="310105006")
    xianxia = Area.objects.get(code="310105008")
    assert _roles("admin") == [("sysadmin", None)]
    assert _roles("district_admin") == [("district_staff", Area.objects.get(code="310105"))]
    assert _roles("tianshan_supervisor") == [("supervisor", tianshan)]
    assert _roles("tianshan_staff") == [("station_staff", tianshan)]
    [(role1, area1)] = _roles("tianshan_director_1")
    [(role2, area2)] = _roles("tianshan_director_2")
    [(role3, area3)] = _roles("xianxia_director_1")
    assert role1 == role2 == role3 == "director"
    assert area1 != area2
    assert area1.parent == area2.parent == tianshan
    assert area3.parent == xianxia
    assert area1.level == area3.level == "community"

    for username in (
        "admin",
        "district_admin",
        "tianshan_supervisor",
        "tianshan_director_1",
        "tianshan_director_2",
        "xianxia_director_1",
        "tianshan_staff",
    ):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert "演示" in user.full_name
        assert username in loaded

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    district_admin = User.objects.get(username="district_admin")
    # District staff manage people and roles in the product, not in the framework admin.
    assert not district_admin.is_staff and not district_admin.is_superuser
    assert district_admin.has_perm("children.reveal_sensitive")
    assert not district_admin.has_perm("accounts.change_user")
    assert User.objects.get(username="tianshan_supervisor").has_perm("children.reveal_sensitive")
    assert User.objects.get(username="tianshan_director_1").has_perm("children.reveal_sensitive")
    assert not User.objects.get(username="tianshan_director_2").has_perm(
        "children.reveal_sensitive"
    )
    assert not User.objects.get(username="tianshan_staff").is_staff
    assert DEMO_PASSWORD in loaded
    assert "created" in loaded


def test_accounts_and_roles_are_made_through_the_audited_services(loaded):
    created = AuditEvent.objects.filter(action="account.create", note="command: weibao demo")
    granted = AuditEvent.objects.filter(action="role.grant", note="command: weibao demo")
    assert created.count() == User.objects.count() == granted.count()
    assert created.filter(actor=None, changes__username="district_admin").exists()


def test_rerun_changes_nothing_and_never_resets_a_password(loaded):
    assert SiteState.demo_loaded()
    staff = User.objects.get(username="tianshan_staff")
    staff.set_password("changed-by-the-user-1")
    staff.save()
    before = snapshot()

    output = run_demo()

    assert snapshot() == before
    assert "already present" in output
    assert "tianshan_staff" in output
    staff.refresh_from_db()
    assert staff.check_password("changed-by-the-user-1")


def test_missing_account_is_recreated_without_touching_children(loaded):
    # The supervisor wrote no visits (authors are kept: deleting them is refused).
    User.objects.get(username="tianshan_supervisor").delete()
    children, visits = Child.objects.count(), Visit.objects.count()
    run_demo()
    assert _roles("tianshan_supervisor")[0][0] == "supervisor"
    assert Child.objects.count() == children
    assert Visit.objects.count() == visits


# --- visit history ----------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def test_visit_history_is_written_through_the_services(loaded):
    visits = Visit.objects.all()
    assert visits.count() > 20
    assert set(visits.values_list("state", flat=True)) == {"completed"}
    assert AuditEvent.objects.filter(action="visit.complete").count() == visits.count()
    today = _today()
    dates = list(visits.values_list("visit_date", flat=True))
    assert max(dates) < today
    assert min(dates) >= add_months(today, -8)
    assert all(v.findings.startswith(DEMO_MARK) for v in visits)
    authors = set(visits.values_list("author__username", flat=True))
    assert authors <= {"tianshan_director_1", "tianshan_director_2", "xianxia_director_1",
                       "tianshan_staff"}  # fmt: skip
    assert {"tianshan_director_1", "tianshan_director_2", "xianxia_director_1"} <= authors
    # Only the workstations of the story have a history.
    assert set(visits.values_list("subdistrict__code", flat=True)) <= {"310105006", "310105008"}
    # Each visited child's file existed before its first visit: the registration was moved back,
    # and that correction is audited.
    for child in Child.objects.filter(visits__isnull=False).distinct():
        first = child.visits.order_by("visit_date").first().visit_date
        assert timezone.localdate(child.created_at) <= first
        assert AuditEvent.objects.filter(
            action="child.update", child=child, changes__has_key="created_at"
        ).exists()


def test_director_1_worklist_shows_overdue_due_this_week_and_done(loaded):
    director = User.objects.get(username="tianshan_director_1")
    today = _today()
    counts = worklist_counts(director, today)
    assert counts.overdue >= 2
    assert counts.week >= 1
    horizon = Horizon.of(today)
    if horizon.month_end > horizon.week_end:  # not in the month's last week
        assert counts.month >= 1
    community = RoleAssignment.objects.get(user=director).area
    done = VisitDue.objects.filter(community=community, state="done")
    assert done.filter(on_time=True).exists()
    assert Visit.objects.filter(community=community, author=director).count() >= 5
    # Overdue by more than a week somewhere: the supervisor has been told.
    assert Notification.objects.filter(
        recipient__username="tianshan_supervisor", kind="visit_overdue_7"
    ).exists()
    assert Notification.objects.filter(
        recipient=director, kind="visit_overdue", child__community=community
    ).exists()


def test_supervisor_completion_table_has_this_and_last_month(loaded):
    supervisor = User.objects.get(username="tianshan_supervisor")
    tianshan = Area.objects.get(code="310105006")
    today = _today()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    for day in (today, last_month):
        rows = completion_table(
            supervisor, subdistrict=tianshan, year=day.year, month=day.month, today=today
        )
        assert len(rows) == 18
        assert sum(r.due for r in rows) >= 2
    rows = completion_table(
        supervisor, subdistrict=tianshan, year=last_month.year, month=last_month.month, today=today
    )
    assert sum(r.on_time + r.late for r in rows) >= 1
    assert sum(r.overdue for r in rows) >= 1


def test_concerns_returned_home_and_the_daily_job(loaded):
    concerns = Concern.objects.all()
    assert concerns.filter(state="open").exists()
    handled = concerns.filter(state="handled")
    assert handled.exists()
    assert all(c.handled_note and c.handled_by_id for c in handled)
    assert AuditEvent.objects.filter(action="concern.handle").count() == handled.count()
    assert all(c.visit_id for c in concerns)
    director = User.objects.get(username="tianshan_director_1")
    community = RoleAssignment.objects.get(user=director).area
    assert concerns.filter(community=community).exists()

    returned = Child.objects.filter(returned_home_on__isnull=False)
    assert 1 <= returned.count() <= 2
    assert returned.filter(community=community).exists()
    for child in returned:
        assert AuditEvent.objects.filter(action="child.returned_home", child=child).exists()
        assert child.visits.filter(visit_date__gt=child.returned_home_on).exists()
        assert VisitDue.objects.get(child=child, state="open").due_date <= add_months(_today(), 1)

    # The demo ran the daily job once; running it again today changes nothing.
    assert AuditEvent.objects.filter(action="job.daily").count() == 1
    assert "Daily job run" in loaded
    assert run_daily(_today()).changed() == 0


def test_every_audit_row_of_the_demo_names_a_district_but_the_site_s_own(loaded):
    # docs/scale.md: a district-distributed audit log takes no row without a district; what is
    # left without one is the site's own (accounts, roles held city-wide, the jobs' runs).
    without = AuditEvent.objects.filter(district=None)
    assert set(without.values_list("object_type", flat=True)) <= {
        "accounts.user",
        "accounts.roleassignment",
        "job",
    }
    assert (
        not without.filter(object_type="accounts.roleassignment")
        .exclude(changes__area_id=None)
        .exists()
    )
