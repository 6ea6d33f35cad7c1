"""The web pages for home visits, the worklist, concerns, visit rules, the ledger export and
notifications, tried as each persona would."""

import datetime as dt
import io
import json
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import web_client
from tests.helpers import PNG, page_queries
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AuditEvent
from weibao.children.categories import Category
from weibao.children.models import Child
from weibao.core.dates import add_months
from weibao.notifications.models import Notification
from weibao.visits import services
from weibao.visits.models import RETURNED_HOME, Concern, Visit, VisitAttachment, VisitDue, VisitRule
from weibao.visits.selectors import WorklistCounts, visit_rules

LEDGER_HEADERS = (
    *("居民区", "儿童姓名", "走访日期", "走访方式", "见到的人", "心理情绪", "学习情况"),
    *("家庭经济", "监护情况", "政策宣传", "监护指导", "发现的问题", "下一步", "走访人"),
)
OUT_OF_SCOPE_FOR_CHILD_A = ["director_b", "director_elsewhere", "unassigned"]
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def today() -> dt.date:
    return timezone.localdate()


def visit_form(version: int, **overrides) -> dict:
    """A complete, risk-free visit as the form posts it."""
    data = {
        "version": str(version),
        "visit_date": today().isoformat(),
        "kind": "home",
        "met_with": "孩子和奶奶",
        "psychology": "情绪稳定",
        "study": "成绩中等",
        "family_economy": "低保",
        "guardianship": "奶奶照料",
        "under8_unattended": "na",
        "under16_alone": "no",
        "away_without_carer": "no",
        "no_weekly_contact": "no",
        "policy_publicity": "on",
        "findings": "无异常",
        "next_steps": "下月再访",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def start(client, child) -> Visit:
    response = client.post(f"/visits/start/{child.pk}/")
    assert response.status_code == 302
    visit = Visit.objects.get(child=child, state=Visit.State.DRAFT)
    assert response["Location"] == f"/visits/{visit.pk}/edit/"
    return visit


def complete_visit(actor, child, *, attach: bytes | None = None, **answers) -> Visit:
    visit = services.visit_start(actor=actor, child=child)
    if attach is not None:
        services.visit_attach(
            actor=actor, visit=visit, upload=SimpleUploadedFile("照片.png", attach)
        )
    data = {k: v for k, v in visit_form(visit.version, **answers).items() if k != "version"}
    data["visit_date"] = dt.date.fromisoformat(data["visit_date"])
    for flag in services.FLAG_FIELDS:
        data[flag] = flag in data
    return services.visit_complete(
        actor=actor, visit=visit, expected_version=visit.version, data=data
    )


@pytest.fixture
def world(child_a, director_a):
    """child_a with a completed visit that raised a concern and carries a photo, plus a
    second draft by director_a."""
    visit = complete_visit(director_a, child_a, attach=PNG, under16_alone="yes")
    draft = services.visit_start(actor=director_a, child=child_a)
    return {
        "visit": visit,
        "draft": draft,
        "attachment": visit.attachments.get(),
        "concern": Concern.objects.get(visit=visit),
    }


def child_a_pages(world, child) -> list[tuple[str, str]]:
    v, d = world["visit"].pk, world["draft"].pk
    return [
        ("get", f"/visits/{v}/"),
        ("get", f"/visits/{d}/edit/"),
        ("post", f"/visits/{d}/edit/"),
        ("post", f"/visits/{d}/autosave/"),
        ("post", f"/visits/{d}/complete/"),
        ("post", f"/visits/{d}/discard/"),
        ("post", f"/visits/{d}/attachments/"),
        ("get", f"/visits/attachments/{world['attachment'].pk}/"),
        ("post", f"/visits/start/{child.pk}/"),
        ("post", f"/visits/returned-home/{child.pk}/"),
        ("get", f"/concerns/{world['concern'].pk}/"),
        ("post", f"/concerns/{world['concern'].pk}/handle/"),
    ]


GENERAL_PAGES = [
    ("get", "/visits/"),
    ("get", "/visits/ledger.xlsx"),
    ("get", "/visits/rules/"),
    ("post", "/visits/rules/1/"),
    ("get", "/concerns/"),
    ("get", "/notifications/"),
    ("post", "/notifications/read/"),
    ("post", "/notifications/1/open/"),
]


# --- scope ----------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login_from_every_visit_page(world, child_a):
    client = web_client(None)
    for method, url in child_a_pages(world, child_a) + GENERAL_PAGES:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CHILD_A)
def test_visits_dues_and_concerns_of_a_child_outside_scope_answer_404(
    world, child_a, personas, persona
):
    client = web_client(personas[persona])
    for method, url in child_a_pages(world, child_a):
        assert getattr(client, method)(url).status_code == 404, (persona, url)
    assert Visit.objects.filter(pk=world["draft"].pk, state="draft").exists()
    assert Concern.objects.get(pk=world["concern"].pk).state == "open"


def test_a_draft_is_private_to_its_author_even_for_the_supervisor(world, supervisor):
    client = web_client(supervisor)
    draft = world["draft"].pk
    for method, url in [
        ("get", f"/visits/{draft}/"),
        ("get", f"/visits/{draft}/edit/"),
        ("post", f"/visits/{draft}/autosave/"),
        ("post", f"/visits/{draft}/complete/"),
        ("post", f"/visits/{draft}/discard/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    # The completed visit is the supervisor's to read, not to edit.
    assert client.get(f"/visits/{world['visit'].pk}/").status_code == 200
    assert client.post(f"/visits/{world['visit'].pk}/autosave/").status_code == 404


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "director_elsewhere"])
def test_rules_page_is_404_for_everyone_but_district_staff(personas, persona):
    client = web_client(personas[persona])
    rule = VisitRule.objects.get(key=Category.LEFT_BEHIND)
    assert client.get("/visits/rules/").status_code == 404
    post = {f"rule{rule.pk}-interval_months": "1", f"rule{rule.pk}-active": "on"}
    assert client.post(f"/visits/rules/{rule.pk}/", post).status_code == 404
    assert VisitRule.objects.get(pk=rule.pk).interval_months == 3
    assert "/visits/rules/" not in client.get("/").content.decode()


def test_the_system_administrator_neither_sees_nor_changes_the_visit_rules(db):
    root = User.objects.create_superuser("root", password="x-pass-123")
    RoleAssignment.objects.create(user=root, role=Role.SYSADMIN)
    client = web_client(root)
    rule = VisitRule.objects.get(key=Category.LEFT_BEHIND)
    assert client.get("/visits/rules/").status_code == 404
    post = {f"rule{rule.pk}-interval_months": "1", f"rule{rule.pk}-active": "on"}
    assert client.post(f"/visits/rules/{rule.pk}/", post).status_code == 404
    assert VisitRule.objects.get(pk=rule.pk).interval_months == 3
    assert "/visits/rules/" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "persona", ["director_a", "director_b", "director_elsewhere", "unassigned"]
)
def test_ledger_export_is_404_for_directors_and_the_unassigned(personas, areas, persona):
    client = web_client(personas[persona])
    tianshan = areas["tianshan"].pk
    assert client.get("/visits/ledger.xlsx").status_code == 404
    assert client.get(f"/visits/ledger.xlsx?subdistrict={tianshan}").status_code == 404
    assert not AuditEvent.objects.filter(action="visit.ledger_export").exists()


def test_supervisor_cannot_export_another_subdistricts_ledger(supervisor, areas):
    url = f"/visits/ledger.xlsx?subdistrict={areas['xianxia'].pk}"
    assert web_client(supervisor).get(url).status_code == 404


# --- worklist -------------------------------------------------------------------------------


def _make_all_dues_overdue(days=3):
    VisitDue.objects.filter(state="open").update(due_date=today() - dt.timedelta(days=days))


def _worklist_names(client, query="") -> set[str]:
    response = client.get(f"/visits/{query}")
    assert response.status_code == 200
    return {row.info.due.child.name for row in response.context["rows"]}


def test_director_sees_their_residential_area_only_and_the_supervisor_the_subdistrict(
    personas, child_a, child_b, child_c
):
    _make_all_dues_overdue()
    expected = {
        "director_a": {"张小明"},
        "director_b": {"李小红"},
        "director_elsewhere": {"王小华"},
        "supervisor": {"张小明", "李小红"},
        "district_officer": {"张小明", "李小红", "王小华"},
        "unassigned": set(),
    }
    for persona, names in expected.items():
        assert _worklist_names(web_client(personas[persona])) == names, persona


def test_worklist_rows_are_most_urgent_first_with_reason_and_interval(
    director_a, make_child, child_a
):
    later = make_child("community_a", name="赵小刚", categories=["guardianship_missing"])
    VisitDue.objects.filter(child=child_a).update(due_date=today() - dt.timedelta(days=5))
    VisitDue.objects.filter(child=later).update(due_date=today())
    response = web_client(director_a).get("/visits/")
    rows = [row.info for row in response.context["rows"]]
    assert [r.due.child.name for r in rows] == ["张小明", "赵小刚"]
    assert rows[0].bucket == "overdue" and rows[0].days_overdue == 5
    assert rows[0].reason_label == str(Category.LEFT_BEHIND.label)
    assert "3" in rows[0].interval
    assert rows[1].bucket == "week"
    assert rows[1].reason_label == str(Category.GUARDIANSHIP_MISSING.label)
    assert response.context["counts"] == WorklistCounts(overdue=1, week=1, month=0)
    html = response.content.decode()
    assert f'action="/visits/start/{child_a.pk}/"' in html
    assert str(Category.LEFT_BEHIND.label) in html


def test_a_worklist_row_reads_the_childs_name_and_no_other_column_of_the_file(director_a, child_a):
    _make_all_dues_overdue()
    client = web_client(director_a)
    client.get("/visits/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/visits/")
    assert "张小明" in response.content.decode()
    (rows,) = [q["sql"] for q in ctx.captured_queries if 'FROM "visits_visitdue"' in q["sql"]
               and '"children_child"."name"' in q["sql"]]  # fmt: skip
    read = {c for c in rows.split(" FROM ")[0].split(", ") if '"children_child".' in c}
    assert read == {'"children_child"."id"', '"children_child"."name"'}
    # No encrypted column is read (and so none decrypted row by row), nor anything else.
    assert '"children_child"."address"' not in rows


def test_worklist_buckets_filter_and_a_bad_bucket_or_page_is_ignored(director_a, child_a):
    _make_all_dues_overdue()
    client = web_client(director_a)
    assert _worklist_names(client, "?bucket=overdue") == {"张小明"}
    assert _worklist_names(client, "?bucket=week") == set()
    assert _worklist_names(client, "?bucket=<script>&page=zz") == {"张小明"}


def test_a_bucket_counted_to_the_cap_says_more_on_its_tab_and_the_pages_stop_there(
    director_a, make_child, child_a, monkeypatch
):
    monkeypatch.setattr("weibao.visits.selectors.CAP", 1)
    second = make_child("community_a", name="赵小刚")
    VisitDue.objects.filter(child__in=[child_a, second]).update(
        due_date=today() - dt.timedelta(days=1)
    )
    response = web_client(director_a).get("/visits/")
    assert response.context["counts"] == WorklistCounts(
        overdue=1, week=0, month=0, capped=("overdue",)
    )
    assert [row.info.due.child.name for row in response.context["rows"]] == ["张小明"]
    tabs = response.content.decode().split('class="tab overdue', 1)[1].split("</a>", 1)[0]
    assert '<span class="n">1+</span>' in tabs


def test_a_due_later_than_this_month_is_not_on_the_worklist(director_a, child_a):
    VisitDue.objects.filter(child=child_a).update(due_date=add_months(today(), 2))
    assert _worklist_names(web_client(director_a)) == set()


# --- the visit flow -------------------------------------------------------------------------


def test_start_autosave_conflict_and_complete_settle_the_due_and_schedule_the_next(
    director_a, child_a
):
    client = web_client(director_a)
    due = VisitDue.objects.get(child=child_a, state="open")
    visit = start(client, child_a)
    assert start(client, child_a).pk == visit.pk  # a second tap reuses the draft
    assert client.get(f"/visits/{visit.pk}/edit/").status_code == 200

    url = f"/visits/{visit.pk}/autosave/"
    saved = client.post(url, {"version": "1", "kind": "phone", "findings": "第一次"})
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    stale = client.post(url, {"version": "1", "kind": "home", "findings": "另一个窗口"})
    assert stale.status_code == 409
    assert stale.json()["version"] == 2 and stale.json()["message"]
    visit.refresh_from_db()
    assert (visit.version, visit.findings, visit.kind) == (2, "第一次", "phone")

    page = client.get(f"/visits/{visit.pk}/edit/").content.decode()
    assert "第一次" in page and 'name="version" value="2"' in page

    done = client.post(f"/visits/{visit.pk}/complete/", visit_form(2))
    assert done.status_code == 302 and done["Location"] == f"/visits/{visit.pk}/"
    visit.refresh_from_db()
    assert visit.state == "completed" and visit.findings == "无异常"
    due.refresh_from_db()
    assert (due.state, due.on_time, due.visit_id, due.done_on) == ("done", True, visit.pk, today())
    following = VisitDue.objects.get(child=child_a, state="open")
    assert following.due_date == add_months(today(), 3)
    assert following.reason == Category.LEFT_BEHIND
    assert not Concern.objects.filter(child=child_a).exists()
    assert client.get(f"/visits/{visit.pk}/").status_code == 200


def test_submitting_an_incomplete_visit_shows_errors_and_keeps_and_saves_the_input(
    director_a, child_a
):
    client = web_client(director_a)
    visit = start(client, child_a)
    post = visit_form(1, met_with="", no_weekly_contact=None, findings="看到孩子一个人在家")
    response = client.post(f"/visits/{visit.pk}/complete/", post)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"met_with", "no_weekly_contact"}
    html = response.content.decode()
    assert "看到孩子一个人在家" in html
    visit.refresh_from_db()
    assert visit.state == "draft" and visit.findings == "看到孩子一个人在家"
    assert f'name="version" value="{visit.version}"' in html
    assert VisitDue.objects.get(child=child_a, state="open").visit_id is None


def test_a_future_visit_date_is_refused_next_to_the_field(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/visits/{visit.pk}/complete/", visit_form(1, visit_date=tomorrow))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["visit_date"]
    assert Visit.objects.get(pk=visit.pk).state == "draft"


def test_autosave_with_a_malformed_value_saves_the_rest_and_reports_the_field(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    response = client.post(
        f"/visits/{visit.pk}/autosave/",
        {"version": "1", "kind": "home", "visit_date": "2026-99-99", "study": "在读四年级"},
    )
    assert response.status_code == 200
    assert list(response.json()["errors"]) == ["visit_date"]
    visit.refresh_from_db()
    assert visit.study == "在读四年级" and visit.version == 2


@pytest.mark.parametrize("version", ["", "abc", "99"])
def test_autosave_with_a_missing_or_wrong_version_is_a_conflict(director_a, child_a, version):
    client = web_client(director_a)
    visit = start(client, child_a)
    response = client.post(f"/visits/{visit.pk}/autosave/", {"version": version, "study": "x"})
    assert response.status_code == 409
    assert Visit.objects.get(pk=visit.pk).study == ""


def test_a_reloaded_tab_saving_over_its_own_last_save_is_no_conflict(director_a, child_a):
    """The old page's last save (sent as it was reloaded) and the new page's first save both
    start from version 1: from the same tab, the second is taken."""
    client = web_client(director_a)
    visit = start(client, child_a)
    url = f"/visits/{visit.pk}/autosave/"
    first = client.post(url, {"version": "1", "study": "typed", "tab": "tab-1", "tab_seq": "1"})
    assert first.json()["version"] == 2
    again = client.post(
        url, {"version": "1", "study": "typed, then more", "tab": "tab-1", "tab_seq": "2"}
    )
    assert again.status_code == 200 and again.json()["version"] == 3
    assert Visit.objects.get(pk=visit.pk).study == "typed, then more"


def test_another_tab_or_no_tab_saving_over_a_newer_draft_is_still_a_conflict(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    url = f"/visits/{visit.pk}/autosave/"
    client.post(url, {"version": "1", "study": "mine", "tab": "tab-1", "tab_seq": "1"})
    for extra in [{"tab": "tab-2", "tab_seq": "1"}, {}, {"tab": "tab-1", "tab_seq": "x"}]:
        response = client.post(url, {"version": "1", "study": "theirs", **extra})
        assert response.status_code == 409, extra
    assert Visit.objects.get(pk=visit.pk).study == "mine"


def test_a_tabs_older_save_arriving_late_changes_nothing(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    url = f"/visits/{visit.pk}/autosave/"
    client.post(url, {"version": "1", "study": "newer", "tab": "tab-1", "tab_seq": "5"})
    late = client.post(url, {"version": "1", "study": "older", "tab": "tab-1", "tab_seq": "4"})
    assert late.status_code == 200 and late.json()["version"] == 2
    assert Visit.objects.get(pk=visit.pk).study == "newer"


def test_submitting_over_a_newer_draft_is_a_conflict_that_keeps_the_input(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    client.post(f"/visits/{visit.pk}/autosave/", {"version": "1", "kind": "home"})
    response = client.post(f"/visits/{visit.pk}/complete/", visit_form(1, findings="我的版本"))
    assert response.status_code == 200
    assert "我的版本" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).state == "draft"
    # Submitting again from that page is a deliberate choice, and goes through.
    version = response.context["form"].data["version"]
    assert version == "2"
    again = client.post(f"/visits/{visit.pk}/complete/", visit_form(2, findings="我的版本"))
    assert again.status_code == 302


def test_the_no_javascript_save_button_saves_the_draft(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    response = client.post(f"/visits/{visit.pk}/edit/", visit_form(1, study="离线填写"))
    assert response.status_code == 302
    assert Visit.objects.get(pk=visit.pk).study == "离线填写"


def test_a_submitted_visit_can_no_longer_be_edited_autosaved_or_discarded(world, director_a):
    client = web_client(director_a)
    pk = world["visit"].pk
    assert client.get(f"/visits/{pk}/edit/")["Location"] == f"/visits/{pk}/"
    assert client.post(f"/visits/{pk}/autosave/", {"version": "2"}).status_code == 409
    client.post(f"/visits/{pk}/discard/")
    assert Visit.objects.filter(pk=pk, state="completed").exists()


def test_discarding_a_draft_deletes_it_and_returns_to_the_file(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    response = client.post(f"/visits/{visit.pk}/discard/")
    assert response["Location"] == f"/children/{child_a.pk}/"
    assert not Visit.objects.filter(pk=visit.pk).exists()


def test_the_visit_form_offers_the_four_legal_checks_as_yes_no_radio_buttons(director_a, child_a):
    client = web_client(director_a)
    html = client.get(f"/visits/{start(client, child_a).pk}/edit/").content.decode()
    for field in services.CHECK_FIELDS:
        for answer in ("yes", "no", "na"):
            assert f'type="radio" name="{field}" value="{answer}"' in html, (field, answer)
    assert 'data-autosave="/visits/' in html and "weibao/visit.js" in html
    # A native date picker only understands ISO dates, whatever the UI language.
    assert f'type="date" name="visit_date" value="{today().isoformat()}"' in html


# --- concerns -------------------------------------------------------------------------------


def test_a_failed_article_21_check_raises_a_concern_the_supervisor_sees_and_handles(
    director_a, supervisor, child_a
):
    client = web_client(director_a)
    visit = start(client, child_a)
    post = visit_form(1, under16_alone="yes", findings="孩子独自居住")
    assert client.post(f"/visits/{visit.pk}/complete/", post).status_code == 302
    concern = Concern.objects.get(child=child_a)
    assert (concern.kind, concern.state, concern.visit_id) == ("under16_alone", "open", visit.pk)

    boss = web_client(supervisor)
    listing = boss.get("/concerns/")
    assert [c.pk for c in listing.context["page"]] == [concern.pk]
    detail = boss.get(f"/concerns/{concern.pk}/").content.decode()
    assert f'href="/visits/{visit.pk}/"' in detail and "孩子独自居住" in detail

    refused = boss.post(f"/concerns/{concern.pk}/handle/", {"note": "  "})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Concern.objects.get(pk=concern.pk).state == "open"
    handled = boss.post(f"/concerns/{concern.pk}/handle/", {"note": "已联系派出所和居委会"})
    assert handled.status_code == 302
    concern.refresh_from_db()
    assert (concern.state, concern.handled_by, concern.handled_note) == (
        "handled",
        supervisor,
        "已联系派出所和居委会",
    )


def test_concern_list_shows_open_concerns_first(director_a, child_a, make_child):
    first = complete_visit(director_a, child_a, no_weekly_contact="yes")
    other = make_child("community_a", name="赵小刚")
    second = complete_visit(director_a, other, under8_unattended="yes")
    services.concern_handle(
        actor=director_a, concern=Concern.objects.get(visit=second), note="已处理"
    )
    third = make_child("community_a", name="钱小丽")
    complete_visit(director_a, third, concern_marked="on", findings="情绪低落")
    page = web_client(director_a).get("/concerns/").context["page"]
    states = [c.state for c in page]
    assert states == ["open", "open", "handled"]
    assert Concern.objects.get(visit=first).kind == "no_weekly_contact"


# --- completion table -----------------------------------------------------------------------


def _past_month() -> tuple[int, int, dt.date]:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month, first.replace(day=10)


def _closed_due(child, due_date, *, on_time=None, state="done"):
    due = VisitDue(child=child, due_date=due_date, reason="left_behind", state=state)
    due.copy_area_of(child)
    if state == "done":
        due.done_on, due.on_time = due_date, on_time
    due.save()
    return due


def test_completion_table_counts_on_time_late_and_overdue_per_residential_area(
    supervisor, child_a, child_b, areas
):
    year, month, day = _past_month()
    _closed_due(child_a, day, on_time=True)
    _closed_due(child_a, day + dt.timedelta(days=5), on_time=False)
    _closed_due(child_a, day, state="cancelled")
    VisitDue.objects.filter(child=child_b, state="open").update(due_date=day)
    response = web_client(supervisor).get(f"/visits/?month={year:04d}-{month:02d}")
    table = {row.community.name: row for row in response.context["table"]}
    a, b = table["测试甲居民区"], table["测试乙居民区"]
    assert (a.due, a.on_time, a.late, a.overdue) == (2, 1, 1, 0)
    assert (b.due, b.on_time, b.late, b.overdue) == (1, 0, 0, 1)
    assert response.context["totals"]["due"] == 3
    assert "测试丙居民区" not in table
    assert response.context["exportable"] is True


@pytest.mark.parametrize("month", ["2026-13", "abc", "0000-01", "2026-1-1", "9" * 40, "%00"])
def test_a_bad_month_shows_the_current_month_instead_of_failing(supervisor, month):
    response = web_client(supervisor).get("/visits/", {"month": month})
    assert response.status_code == 200
    assert response.context["month_value"] == today().strftime("%Y-%m")


def test_a_director_sees_only_their_own_row_and_no_export(director_a, child_a):
    response = web_client(director_a).get("/visits/")
    assert [r.community.name for r in response.context["table"]] == ["测试甲居民区"]
    assert response.context["exportable"] is False
    assert "ledger.xlsx" not in response.content.decode()


def test_a_directors_completion_table_offers_the_streets_of_their_residential_areas(
    areas, director_a
):
    # A second 居民区, in another 街镇: the director chooses between the two 街镇.
    RoleAssignment.objects.create(user=director_a, role=Role.DIRECTOR, area=areas["community_c"])
    director = User.objects.get(pk=director_a.pk)
    response = web_client(director).get("/visits/")
    assert [a.name for a in response.context["subdistricts"]] == ["天山路街道", "仙霞新村街道"]
    chosen = web_client(director).get(f"/visits/?subdistrict={areas['xianxia'].pk}")
    assert [r.community.name for r in chosen.context["table"]] == ["测试丙居民区"]


def test_a_directors_visits_page_reads_their_street_with_their_roles(director_a, child_a):
    # The worklist is the page a 儿童主任 opens most: their 街镇 are their 居民区's parents,
    # already read with the roles, so the page asks no query for them (docs/performance.md,
    # "The load that saturates two cores").
    client = web_client(director_a)
    client.get("/")
    client.get("/visits/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/visits/").status_code == 200
    area_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "areas_area"' in q["sql"]]
    assert not [sql for sql in area_reads if "subdistrict" in sql], area_reads


# The supervisor's visits page (the worklist, the completion table of their 街镇, the export
# form): the load test's slowest page (docs/performance.md, "Load test"). Its 居民区 are read
# once per request, whether it may export is read from the roles, the table from one index; the
# sign-in gate keeps whether they have a two-factor device (security.selectors).
SUPERVISOR_PAGE_QUERIES = 11


def test_the_supervisors_visits_page_costs_the_same_few_queries_for_3_or_20_dues(
    supervisor, make_child
):
    for _ in range(3):
        make_child("community_a")
    _make_all_dues_overdue()
    client = web_client(supervisor)
    client.get("/")  # a session's first request records when it began (the session limits)
    few = page_queries(client, "/visits/", warm=True)  # the visit rules then in the cache
    for _ in range(17):
        make_child("community_b")
    _make_all_dues_overdue()
    response = client.get("/visits/")
    assert len(response.context["rows"]) == 20 and response.context["exportable"] is True
    assert page_queries(client, "/visits/") == few == SUPERVISOR_PAGE_QUERIES


# --- ledger export --------------------------------------------------------------------------


def test_ledger_export_has_chinese_headers_neutralised_formulas_and_is_audited(
    director_a, supervisor, child_a, areas
):
    complete_visit(director_a, child_a, findings="=SUM(A1)", next_steps="+1 再访", met_with="@奶奶")
    month = today().strftime("%Y-%m")
    response = web_client(supervisor).get(
        "/visits/ledger.xlsx", {"subdistrict": areas["tianshan"].pk, "month": month}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == f"走访台账-天山路街道-{month}.xlsx"

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert set(LEDGER_HEADERS) <= set(headers)
    assert "8岁以下儿童无人照料" in headers and "父母或照护人未每周联系" in headers
    assert len(rows) == 2
    record = dict(zip(headers, rows[1], strict=True))
    assert record["儿童姓名"] == "张小明" and record["居民区"] == "测试甲居民区"
    assert record["发现的问题"] == "'=SUM(A1)"
    assert record["下一步"] == "'+1 再访"
    assert record["见到的人"] == "'@奶奶"
    assert record["走访方式"] == "入户" and record["政策宣传"] == "是"
    # Every check column reads the same way: "否" is safe (the visit raised no concern).
    assert record["父母或照护人未每周联系"] == "否" and record["8岁以下儿童无人照料"] == "不适用"
    flat = json.dumps(rows, default=str, ensure_ascii=False)
    child = Child.objects.get(pk=child_a.pk)
    assert child.id_number not in flat and "测试路" not in flat and "13800000001" not in flat

    event = AuditEvent.objects.get(action="visit.ledger_export")
    assert (event.actor, event.object_type, event.object_id) == (
        supervisor,
        "areas.area",
        str(areas["tianshan"].pk),
    )


def test_district_staff_export_needs_a_subdistrict_of_their_district(district_officer, areas):
    client = web_client(district_officer)
    assert client.get("/visits/ledger.xlsx").status_code == 404  # which one? two to choose
    ok = client.get(f"/visits/ledger.xlsx?subdistrict={areas['xianxia'].pk}")
    assert ok.status_code == 200
    community = areas["community_a"].pk
    assert client.get(f"/visits/ledger.xlsx?subdistrict={community}").status_code == 404


# --- attachments ----------------------------------------------------------------------------


def test_a_png_is_attached_and_downloadable_only_in_scope(
    director_a, supervisor, director_b, child_a
):
    client = web_client(director_a)
    visit = start(client, child_a)
    upload = SimpleUploadedFile("家访照片.png", PNG, content_type="image/png")
    response = client.post(f"/visits/{visit.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    attachment = VisitAttachment.objects.get(visit=visit)
    assert attachment.content_type == "image/png"

    download = client.get(f"/visits/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG

    url = f"/visits/attachments/{attachment.pk}/"
    assert web_client(supervisor).get(url).status_code == 404  # still a private draft
    client.post(f"/visits/{visit.pk}/complete/", visit_form(visit.version + 0))
    assert Visit.objects.get(pk=visit.pk).state == "completed"
    assert web_client(supervisor).get(url).status_code == 200
    assert web_client(director_b).get(url).status_code == 404


def test_an_executable_renamed_png_is_refused(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    upload = SimpleUploadedFile("photo.png", EXE, content_type="image/png")
    response = client.post(f"/visits/{visit.pk}/attachments/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert not VisitAttachment.objects.filter(visit=visit).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_an_upload_without_a_file_is_not_a_server_error(director_a, child_a):
    client = web_client(director_a)
    visit = start(client, child_a)
    assert client.post(f"/visits/{visit.pk}/attachments/", {}).status_code == 302
    assert not VisitAttachment.objects.exists()


# --- notifications --------------------------------------------------------------------------


def test_bell_counts_unread_notifications_and_mark_all_read_clears_it(
    director_a, supervisor, child_a
):
    complete_visit(director_a, child_a, under8_unattended="yes", findings="无人照料")
    concern = Concern.objects.get(child=child_a)
    client = web_client(supervisor)
    home = client.get("/").content.decode()
    assert '<span class="count">1</span>' in home
    assert not Notification.objects.filter(recipient=director_a).exists()  # not told of own

    listing = client.get("/notifications/")
    [(notification, text)] = listing.context["items"]
    assert "张小明" in text
    opened = client.post(f"/notifications/{notification.pk}/open/")
    assert opened["Location"] == f"/concerns/{concern.pk}/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None

    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    assert client.post("/notifications/read/").status_code == 302
    assert Notification.objects.filter(recipient=supervisor, read_at__isnull=True).count() == 0
    assert 'class="count"' not in client.get("/").content.decode()


def test_someone_elses_notification_cannot_be_opened(director_a, supervisor, director_b, child_a):
    complete_visit(director_a, child_a, under8_unattended="yes", findings="无人照料")
    notification = Notification.objects.get(recipient=supervisor)
    assert web_client(director_b).post(f"/notifications/{notification.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


# --- visit rules ----------------------------------------------------------------------------


def test_district_staff_edit_a_rule_and_due_dates_follow(district_officer, director_a, child_a):
    complete_visit(director_a, child_a)
    assert VisitDue.objects.get(child=child_a, state="open").due_date == add_months(today(), 3)
    client = web_client(district_officer)
    page = client.get("/visits/rules/")
    assert page.status_code == 200
    assert len(page.context["rows"]) == VisitRule.objects.count()
    assert "/visits/rules/" in client.get("/").content.decode()

    rule = VisitRule.objects.get(key=Category.LEFT_BEHIND)
    post = {f"rule{rule.pk}-interval_months": "1", f"rule{rule.pk}-active": "on"}
    assert client.post(f"/visits/rules/{rule.pk}/", post).status_code == 302
    assert VisitDue.objects.get(child=child_a, state="open").due_date == add_months(today(), 1)

    client.post(f"/visits/rules/{rule.pk}/", {f"rule{rule.pk}-interval_months": "1"})
    assert not VisitDue.objects.filter(child=child_a, state="open").exists()  # inactive


def test_the_rules_are_kept_in_the_cache_and_a_change_is_read_at_once(
    district_officer, director_a, child_a
):
    complete_visit(director_a, child_a)
    assert web_client(director_a).get(f"/children/{child_a.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert visit_rules()[Category.LEFT_BEHIND].interval_months == 3
    assert ctx.captured_queries == []  # the child's file left them in the cache
    rule = VisitRule.objects.get(key=Category.LEFT_BEHIND)
    post = {f"rule{rule.pk}-interval_months": "1", f"rule{rule.pk}-active": "on"}
    assert web_client(district_officer).post(f"/visits/rules/{rule.pk}/", post).status_code == 302
    assert visit_rules()[Category.LEFT_BEHIND].interval_months == 1


@pytest.mark.parametrize(
    ("key", "post"),
    [
        ("left_behind", {"interval_months": "0", "active": "on"}),
        ("left_behind", {"interval_months": "abc", "active": "on"}),
        (RETURNED_HOME, {"interval_months": "1", "duration_months": "2", "active": "on"}),
        (RETURNED_HOME, {"interval_months": "1", "duration_months": "", "active": "on"}),
    ],
)
def test_a_bad_rule_value_is_shown_next_to_the_field_and_nothing_changes(
    district_officer, key, post
):
    rule = VisitRule.objects.get(key=key)
    before = (rule.interval_months, rule.duration_months, rule.active)
    response = web_client(district_officer).post(
        f"/visits/rules/{rule.pk}/", {f"rule{rule.pk}-{k}": v for k, v in post.items()}
    )
    assert response.status_code == 200
    bound = next(form for r, form in response.context["rows"] if r.pk == rule.pk)
    assert bound.errors
    rule.refresh_from_db()
    assert (rule.interval_months, rule.duration_months, rule.active) == before


# --- returned home and the child's file -----------------------------------------------------


def test_returned_home_creates_a_follow_up_due_that_appears_on_the_worklist(director_a, make_child):
    child = make_child("community_a", name="孙小美", categories=())
    assert not VisitDue.objects.filter(child=child).exists()
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - dt.timedelta(days=80))
    returned = today() - dt.timedelta(days=45)
    client = web_client(director_a)
    response = client.post(
        f"/visits/returned-home/{child.pk}/", {"returned-date": returned.isoformat()}
    )
    assert response["Location"] == f"/children/{child.pk}/"
    due = VisitDue.objects.get(child=child, state="open")
    assert (due.reason, due.due_date) == (RETURNED_HOME, add_months(returned, 1))
    rows = client.get("/visits/").context["rows"]
    assert [(row.info.due.child_id, row.info.reason_label) for row in rows] == [
        (child.pk, str(dict(services.VisitDue._meta.get_field("reason").choices)[RETURNED_HOME]))
    ]


@pytest.mark.parametrize("date", ["", "not-a-date", "2999-01-01"])
def test_a_bad_returned_home_date_is_shown_on_the_file_and_changes_nothing(
    director_a, child_a, date
):
    response = web_client(director_a).post(
        f"/visits/returned-home/{child_a.pk}/", {"returned-date": date}
    )
    assert response.status_code == 200
    assert response.context["returned_home_form"].errors
    assert response.context["returned_home_open"] is True
    assert Child.objects.get(pk=child_a.pk).returned_home_on is None


def test_child_file_shows_next_due_visit_timeline_and_own_draft(
    world, director_a, supervisor, child_a
):
    html = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert f'href="/visits/{world["visit"].pk}/"' in html
    assert f'href="/visits/{world["draft"].pk}/edit/"' in html
    assert "status-draft" in html
    assert f'href="/concerns/{world["concern"].pk}/"' in html
    due = VisitDue.objects.get(child=child_a, state="open")
    assert due.due_date.strftime("%Y-%m-%d") in html
    assert f'action="/visits/start/{child_a.pk}/"' in html

    other = web_client(supervisor).get(f"/children/{child_a.pk}/").content.decode()
    assert f'href="/visits/{world["visit"].pk}/"' in other
    assert f"/visits/{world['draft'].pk}/edit/" not in other  # someone else's draft


def test_the_childs_change_history_names_a_visit_and_its_answers_in_words(
    director_a, child_a, settings
):
    settings.LANGUAGE_CODE = "en"
    complete_visit(director_a, child_a)
    page = (
        web_client(director_a)
        .get(f"/children/{child_a.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Visit recorded" in page
    assert "visit.complete" not in page
    assert "under8_unattended" not in page
    # Each answer reads "question: answer", not as a change from nothing ("— → answer").
    history = page[page.index("Change history") :]
    visit_row = history[history.index("Visit recorded") :]
    visit_row = visit_row[: visit_row.index("</li>")]
    assert 'colspan="2"' in visit_row
    assert "→" not in visit_row


@pytest.mark.parametrize("month", ["abc", "2026-13", "1999-01"])
def test_a_ledger_export_for_a_month_not_understood_exports_nothing_and_says_so(
    supervisor, areas, month
):
    client = web_client(supervisor)
    response = client.get(
        "/visits/ledger.xlsx",
        {"subdistrict": areas["tianshan"].pk, "month": month},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response["Location"] == "/visits/"
    page = client.get("/visits/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The month was not understood: nothing was exported." in page
    assert not AuditEvent.objects.filter(action="visit.ledger_export").exists()


def test_the_visit_export_offers_the_shown_subdistricts_communities(district_officer, areas):
    """District staff's page shows one 街镇's completion table; its visit export offers that
    街镇's 居民区, not the district's hundreds, and still takes any 居民区 they see."""
    client = web_client(district_officer)
    page = client.get("/visits/", {"subdistrict": areas["xianxia"].pk}).content.decode()
    export_form = page[page.index('action="/visits/export') :]
    assert "我可见的全部居民区" in export_form  # the empty choice: not only this 街镇's
    assert "测试丙居民区" in export_form
    assert "测试甲居民区" not in export_form and "测试乙居民区" not in export_form
    page = client.get("/visits/", {"subdistrict": areas["tianshan"].pk}).content.decode()
    export_form = page[page.index('action="/visits/export') :]
    assert "测试甲居民区" in export_form and "测试丙居民区" not in export_form
    response = client.get("/visits/export.xlsx", {"community": areas["community_c"].pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
