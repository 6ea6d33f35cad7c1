"""Small helpers shared by the domain tests (fixtures live in conftest.py)."""

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from weibao.children import idnumber
from weibao.partners.models import Partner
from weibao.referrals.models import Referral
from weibao.referrals.services import referral_create
from weibao.reports import services as report_services
from weibao.reports.choices import ReporterType, Situation
from weibao.reports.models import Report

# CJK Unified Ideographs and the common CJK punctuation block.
CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff]")

SECRET_PLACE = "春晖寄养家庭 仙霞路99弄8号"  # where a child in temporary guardianship lives
REPORTER_NAME = "王秘密举报人"
REPORTER_PHONE = "13912345678"


@contextmanager
def rows_kept_across_tests(django_db_blocker, **overrides) -> Iterator[None]:
    """The body of a module- or package-scoped fixture whose rows its tests read: written once,
    in a transaction rolled back after the last of them, instead of once per test (the demo
    takes seconds to load, ten on PostgreSQL). Each test must ask for `db`: its own writes
    then go to a savepoint inside this transaction, undone before the next test, as with a
    function-scoped fixture. The settings are those conftest.py's _fast_tests gives each test
    (it has not run when such a fixture is made), and `overrides`."""
    values = {
        "LANGUAGE_CODE": "zh-hans",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        **overrides,
    }
    with django_db_blocker.unblock(), override_settings(**values), transaction.atomic():
        cache.clear()
        yield
        transaction.set_rollback(True)


def page_queries(client, url: str, *, warm: bool = False) -> int:
    """How many queries one GET of `url` runs (it must answer 200). With `warm`, a first GET is
    made and not counted, so that what the first request caches (the session's user, say) does
    not count: the figure a list's "same queries for 3 rows as for 20" test compares."""
    if warm:
        client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def today() -> dt.date:
    return timezone.localdate()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February becomes 28 February in a common year
    (someone born on 28 February 2006 has turned 18 by 29 February 2024)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def id_ending_in_x(birth: dt.date, sex: str, region: str = "310105") -> str:
    """A valid synthetic ID number whose check character is X."""
    for sequence in range(500):
        number = idnumber.make(region, birth, sequence, sex)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check character X")  # pragma: no cover


def error_dict(exc_info) -> dict[str, list[str]]:
    """field → messages of a raised django ValidationError (pytest.raises ExceptionInfo)."""
    exc = exc_info.value
    assert isinstance(exc, ValidationError)
    return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}


def zh(msgid: str) -> str:
    """The simplified-Chinese catalogue's text for an English msgid; fails if untranslated."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    assert_chinese(text)
    return text


def assert_chinese(message: str) -> None:
    assert CJK_RE.search(message), f"message is not in Chinese: {message!r}"


def report_input(areas, *, subdistrict="tianshan", **overrides) -> report_services.ReportInput:
    """Valid input for a new report, from a school about a boy in 天山路."""
    data = {
        "situations": [Situation.OTHER_SERIOUS],
        "description": "A child is often heard crying at night and has bruises.",
        "occurred_when": "last week",
        "place": "Building 3",
        "child_name": "小明",
        "child_age": 9,
        "child_sex": "M",
        "child_school": "测试小学",
        "child_address": "测试路88弄3号",
        "district": areas["district"],
        "subdistrict": areas[subdistrict] if subdistrict else None,
        "reporter_type": ReporterType.SCHOOL,
        "reporter_name": REPORTER_NAME,
        "reporter_phone": REPORTER_PHONE,
        "reporter_org": "测试小学",
    }
    data.update(overrides)
    return report_services.ReportInput(**data)


def move_to(report: Report, state: str, actor, child=None) -> Report:
    """Take a report (situation 9, no police needed) to `state` through the services."""
    if state == Report.State.RECEIVED:
        return report
    report = report_services.report_acknowledge(actor=actor, report=report)
    if state == Report.State.ACKNOWLEDGED:
        return report
    if state == Report.State.HANDLING:
        report_services.report_link_child(actor=actor, report=report, child=child)
        report_services.report_open_case(actor=actor, report=Report.objects.get(pk=report.pk))
        return Report.objects.get(pk=report.pk)
    assert state == Report.State.CLOSED
    return report_services.report_close(actor=actor, report=report, outcome_message="Done.")


def fresh_report(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Import into a test module to make persona creation cheap (PBKDF2 costs ~0.3 s a user).
    Autouse fixtures run before the module's other function-scoped fixtures."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def opened_on(case, day: dt.date):
    """Date a case's opening back to `day` (a protection may start at most 30 days before)."""
    from django.utils import timezone as tz

    from weibao.cases.models import Case

    moment = tz.make_aware(dt.datetime.combine(day, dt.time(9)))
    Case.objects.filter(pk=case.pk).update(opened_at=moment)
    case.opened_at = moment
    return case


def record_service(actor, case, **overrides):
    """A service recorded on `case` by `actor` (who provided it, unless overridden), today."""
    from weibao.ledger.services import service_record_create

    kwargs = {
        "delivered_on": today(),
        "service_type": "daily_care",
        "duration_minutes": 30,
        "provider_user": actor,
    }
    kwargs.update(overrides)
    return service_record_create(actor=actor, case=case, **kwargs)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def refer(actor, case, partner, **overrides) -> Referral:
    kwargs = {
        "service_type": "psychological",
        "reason": "Needs counselling after a family crisis.",
        "accept_by": today() + dt.timedelta(days=7),
    }
    kwargs.update(overrides)
    return referral_create(actor=actor, case=case, partner=partner, **kwargs)


def in_state(referral: Referral, state: str) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(state=state)
    return Referral.objects.get(pk=referral.pk)


@pytest.fixture(name="partner")
def partner_with_contacts(areas):
    """A partner with contact details (overrides conftest's `partner` where imported)."""
    return Partner.objects.create(
        name="天山路儿童服务中心",
        kind="service_centre",
        area=areas["tianshan"],
        contact_name="王老师",
        contact_phone="021-62590000",
    )


# --- reading rendered HTML -------------------------------------------------------------------

VOID_ELEMENTS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: "Node | None" = None
    children: list["Node | str"] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.text).split()) for c in self.children
        ).strip()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag: str) -> "Node | None":
        return next((n for n in self.ancestors() if n.tag == tag), None)

    def find_all(self, tag: str, **attrs: str):
        for child in self.children:
            if isinstance(child, str):
                continue
            if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                yield child
            yield from child.find_all(tag, **attrs)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        if tag not in VOID_ELEMENTS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def html_tree(html: str) -> Node:
    """A page as a tree of Nodes, to check how elements nest (the standard library parser; no
    HTML5 repair beyond closing what an end tag closes)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def png_bytes(size: tuple[int, int] = (4, 4), colour=(200, 30, 30)) -> bytes:
    """A real PNG picture, as the upload check decodes it; written as the check writes it
    anew, so an attachment made of it is stored byte for byte as these bytes."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", optimize=True)
    return out.getvalue()


PNG = png_bytes()


def streamed_sheet(response):
    """The one sheet of a streamed xlsx download, as lists of cell values (headers first)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def statements_on(ctx: CaptureQueriesContext, table: str) -> list[str]:
    """The captured statements that read or change `table` (FROM or UPDATE it, also in a
    subquery; not `EXTRACT(HOUR FROM "table"."at")`); INSERTs are checked by the rows they
    write."""
    on_table = re.compile(rf'(?:FROM|UPDATE) "{table}"(?!\.)')
    return [q["sql"] for q in ctx.captured_queries if on_table.search(q["sql"])]


def _own_level(sql: str) -> str:
    """The text of `sql` at its own level: its subqueries ("(SELECT …)") left out, and cut
    where the subquery it stands in (if any) ends."""
    out, depth, i = [], 0, 0
    while i < len(sql):
        if sql.startswith("(SELECT", i):
            inner = 0
            for j in range(i, len(sql)):
                inner += {"(": 1, ")": -1}.get(sql[j], 0)
                if inner == 0:
                    break
            i = j + 1
            continue
        if sql[i] == "(":
            depth += 1
        elif sql[i] == ")":
            if depth == 0:
                break
            depth -= 1
        out.append(sql[i])
        i += 1
    return "".join(out)


def statements_without_district(ctx: CaptureQueriesContext, table: str) -> list[str]:
    """Those of statements_on(table) in which some read or change of `table` does not compare
    the table's own district_id with something: the conditions that follow its FROM or UPDATE
    at the same level (not inside a subquery of its own, not past the end of the subquery it
    is in) are searched for `<table or its alias>."district_id" =` or `IN` (the selected
    columns come before FROM, so reading the column does not count). What routes the
    statement to one partition or one Citus worker (docs/scale.md;
    tests/children/test_guardian_district.py for the guardians)."""
    on_table = re.compile(rf'(?:FROM|UPDATE) "{table}"(?!\.)(?: ([A-Z]\d+))?')
    unnamed = []
    for sql in statements_on(ctx, table):
        for m in on_table.finditer(sql):
            conditions = _own_level(sql[m.end() :])
            alias = m.group(1) or f'"{table}"'
            if not re.search(re.escape(alias) + r'\."district_id" (=|IN)', conditions):
                unnamed.append(sql)
                break
    return unnamed


def history_text(user, child) -> str:
    """The text of the "修改记录" part of the child's file as `user` reads it (Chinese, the
    default language): each row's label and its lines, tags removed."""
    client = Client()
    client.force_login(user)
    page = client.get(f"/children/{child.pk}/").content.decode()
    part = page.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def assert_each_names_the_district(ctx: CaptureQueriesContext, table: str) -> None:
    """Some captured statement read or changed `table`, and each names the table's district
    (statements_without_district)."""
    assert statements_on(ctx, table), f"no statement on {table} was captured"
    assert statements_without_district(ctx, table) == []


def index_only_plans(client, url: str, table: str) -> list[str]:
    """The PostgreSQL plans of a request's statements that read `table` without a join
    (SELECT … FROM table WHERE, alone or inside a count), with the table vacuumed as
    autovacuum keeps it (an index-only scan reads the rows' visibility from its map) and
    sequential and bitmap scans turned off: with a test's few rows the planner would take any
    plan. An index-only scan is then the cheapest wherever an index holds every column a
    statement reads. Needs a transactional test (VACUUM runs outside a transaction)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    kinds = ("seqscan", "bitmapscan")
    plans = []
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{table}"')
        for kind in kinds:
            cursor.execute(f"SET enable_{kind} = off")
        try:
            for query in queries.captured_queries:
                sql = query["sql"]
                if sql.startswith("SELECT") and f'FROM "{table}" WHERE' in sql:
                    cursor.execute("EXPLAIN " + sql)
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            for kind in kinds:
                cursor.execute(f"RESET enable_{kind}")
    return plans


class RawEditor:
    """What a migration's RunPython step uses of its schema editor (its connection and
    `execute`), without the schema editor's own transaction: for calling such a step inside a
    test's transaction, which SQLite's schema editor refuses."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
