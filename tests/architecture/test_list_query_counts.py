"""Query counts of the lists: every list runs the same number of queries for 3 rows as for 20,
on the web page and in the API (an N+1 adds queries with each row). The rows are made through
the services and differ in what a row shows (areas, owners, providers, states), so a related
object read row by row shows up as a growing count."""

import datetime as dt
import itertools
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import api_client, web_client
from tests.helpers import move_to, record_service, today
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.services import role_assignment_grant, user_reveal_set
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.cases.services import case_assess, case_assign, case_file, case_open
from weibao.cases.timeline import case_timeline
from weibao.notifications.services import notify
from weibao.partners.models import Partner
from weibao.protection.services import protection_assess_capacity, protection_end, protection_start
from weibao.referrals.services import referral_create, referral_transition
from weibao.reports.choices import Channel, Situation
from weibao.reports.models import Report
from weibao.security.models import ApiToken
from weibao.security.services import api_token_create, api_token_revoke
from weibao.transfers.services import transfer_accept, transfer_request
from weibao.visits.models import Concern, VisitDue
from weibao.visits.services import visit_ledger_exported

FEW, MORE = 3, 17

# Child names: Chinese, no digits; a hundred before one comes again.
NAMES = itertools.cycle(
    [f"{a}小{b}" for a, b in itertools.product("赵钱孙李周吴郑王冯陈", "明红华刚丽强芳军静磊")]
)


def _measure(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in ctx.captured_queries], response


@pytest.fixture
def assert_flat(record_property):
    """assert_flat(fetch, add_rows, shown): make FEW rows, count the queries of fetch(), make
    MORE rows, count again; the counts must be equal and shown(response) must be the number
    of rows made, so the list cannot be flat by being empty."""

    def check(fetch, add_rows, shown):
        add_rows(FEW)
        fetch()  # once first: per-process caches (content types, translations) fill here
        few, response = _measure(fetch)
        assert shown(response) == FEW
        add_rows(MORE)
        many, response = _measure(fetch)
        assert shown(response) == FEW + MORE
        record_property("queries", len(many))  # in the JUnit report (--junitxml)
        assert len(few) == len(many), (
            f"{len(few)} queries for {FEW} rows, {len(many)} for {FEW + MORE}:\n" + "\n".join(many)
        )

    return check


def api_count(response) -> int:
    data = response.json()
    assert len(data["results"]) == data["count"]
    return data["count"]


def page_count(key="page"):
    def shown(response) -> int:
        return len(response.context[key])

    return shown


def repeat(make):
    """add_rows for a factory of one row (called with the row's index)."""
    counter = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            make(next(counter))

    return add


@pytest.fixture
def new_case(make_child, district_officer, director_a, director_b):
    """A case of a new child, in 居民区 A (owner director_a) or B (director_b) by turns."""

    def make(i: int):
        community, owner = (("community_a", director_a), ("community_b", director_b))[i % 2]
        child = make_child(community, name=next(NAMES))
        return case_open(actor=district_officer, child=child, owner=owner, summary=f"Case {i}.")

    return make


@pytest.fixture
def new_partner(areas):
    def make(i: int) -> Partner:
        area = areas[("tianshan", "district", "community_a", "community_b")[i % 4]]
        return Partner.objects.create(
            name=f"测试伙伴{i:03d}", kind="service_centre", area=area, contact_name=f"联系人{i}"
        )

    return make


# --- cases ----------------------------------------------------------------------------------


@pytest.fixture
def varied_case(new_case, make_report, make_child, supervisor, district_officer):
    """By turns: a case just opened, one filed and assessed, one opened from a report."""

    def make(i: int) -> None:
        if i % 3 == 2:
            child = make_child(("community_a", "community_b")[i % 2], name=next(NAMES))
            move_to(make_report(), Report.State.HANDLING, district_officer, child=child)
            return
        case = new_case(i)
        if i % 3 == 1:
            case = case_file(actor=case.owner, case=case, summary="Filed.")
            case_assess(actor=supervisor, case=case, risk_level="high", reasons="Alone at night.")

    return make


def test_case_list_queries_do_not_grow_with_rows(assert_flat, district_officer, varied_case):
    client = web_client(district_officer)
    assert_flat(lambda: client.get("/cases/"), repeat(varied_case), page_count())


@pytest.mark.parametrize("reader", ["district_officer", "supervisor"])
def test_case_api_list_queries_do_not_grow_with_rows(request, assert_flat, varied_case, reader):
    # The supervisor's scope is read with the team, and each row's actions from their roles.
    client = api_client(request.getfixturevalue(reader))
    assert_flat(lambda: client.get("/api/v1/cases/"), repeat(varied_case), api_count)


# --- the timeline of one case ---------------------------------------------------------------


@pytest.fixture
def timeline_rows(case_a, supervisor, district_officer, director_a, director_a2, new_partner):
    """(add_rows, entries before) for case_a's timeline: each row is one entry, by turns a
    service by a staff member, a service by a partner, a change of owner, a referral and an
    attached report (its discovery entry)."""

    def make(i: int) -> None:
        kind = i % 5
        if kind == 0:
            record_service(supervisor, case_a)
        elif kind == 1:
            record_service(
                district_officer, case_a, provider_user=None, provider_partner=new_partner(i)
            )
        elif kind == 2:
            owner = director_a2 if case_a.owner_id == director_a.pk else director_a
            case_a.owner = case_assign(actor=supervisor, case=case_a, owner=owner).owner
        elif kind == 3:
            referral_create(
                actor=district_officer,
                case=case_a,
                partner=new_partner(i),
                service_type="psychological",
                reason="Needs counselling.",
                accept_by=today() + dt.timedelta(days=5),
            )
        else:
            now = timezone.now()
            Report.objects.create(
                reference=f"R20250101-T{i:04d}",
                code_hash="!",
                channel="public",
                district_id=case_a.district_id,
                subdistrict_id=case_a.subdistrict_id,
                community_id=case_a.community_id,
                description="Seen hurt.",
                reporter_type="public",
                ack_due_at=now,
                outcome_due_at=now,
                received_at=now,
                child=case_a.child,
                link_state="linked",
                case=case_a,
            )

    # The entries already there (the opening); shown counts the rows added.
    return repeat(make), len(case_timeline(case_a))


@pytest.mark.parametrize("page", ["timeline/", ""], ids=["timeline_page", "case_page"])
def test_case_timeline_queries_do_not_grow_with_rows(
    assert_flat, supervisor, case_a, timeline_rows, page
):
    add_rows, base = timeline_rows
    client = web_client(supervisor)
    assert_flat(
        lambda: client.get(f"/cases/{case_a.pk}/{page}"),
        add_rows,
        lambda r: len(r.context["timeline"]) - base,
    )


def test_case_timeline_api_queries_do_not_grow_with_rows(
    assert_flat, supervisor, case_a, timeline_rows
):
    add_rows, base = timeline_rows
    client = api_client(supervisor)
    assert_flat(
        lambda: client.get(f"/api/v1/cases/{case_a.pk}/timeline/"),
        add_rows,
        lambda r: len(r.json()) - base,
    )


# --- reports --------------------------------------------------------------------------------


@pytest.fixture
def new_report(make_report, district_officer, make_child):
    """By turns: a public report, one entered by staff about 仙霞新村, an acknowledged one, one
    being handled in a case of a new child, and one that needs the police."""

    def make(i: int) -> Report:
        kind = i % 5
        if kind == 1:
            return make_report(channel=Channel.STAFF, actor=district_officer, subdistrict="xianxia")
        if kind == 4:
            return make_report(situations=[Situation.GENITAL_INJURY, Situation.OTHER_SERIOUS])
        report = make_report(child_name=next(NAMES))
        if kind == 2:
            return move_to(report, Report.State.ACKNOWLEDGED, district_officer)
        if kind == 3:
            child = make_child(("community_a", "community_b")[i % 2], name=next(NAMES))
            return move_to(report, Report.State.HANDLING, district_officer, child=child)
        return report

    return make


@pytest.mark.parametrize("query", ["", "?tab=all"], ids=["queue", "all"])
def test_report_queue_queries_do_not_grow_with_rows(
    assert_flat, district_officer, new_report, query
):
    client = web_client(district_officer)
    assert_flat(
        lambda: client.get(f"/reports/{query}"),
        repeat(new_report),
        lambda r: len(r.context["rows"]),
    )


@pytest.mark.parametrize("query", ["", "?queue=true"], ids=["all", "queue"])
def test_report_api_list_queries_do_not_grow_with_rows(
    assert_flat, district_officer, new_report, query
):
    client = api_client(district_officer)
    assert_flat(lambda: client.get(f"/api/v1/reports/{query}"), repeat(new_report), api_count)


# --- the service ledger ---------------------------------------------------------------------


@pytest.fixture
def new_service(new_case, new_partner, supervisor, district_officer):
    """A service on a new case: by turns given by a staff member or by a partner."""

    def make(i: int):
        case = new_case(i)
        if i % 2:
            return record_service(
                district_officer, case, provider_user=None, provider_partner=new_partner(i)
            )
        return record_service(supervisor, case, duration_minutes=30 + i)

    return make


def test_service_ledger_queries_do_not_grow_with_rows(assert_flat, supervisor, new_service):
    client = web_client(supervisor)
    assert_flat(lambda: client.get("/ledger/"), repeat(new_service), page_count())


def test_service_record_api_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, new_service
):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/service-records/"), repeat(new_service), api_count)


def test_case_service_record_api_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, case_a, new_partner
):
    def make(i: int) -> None:
        if i % 2:
            record_service(supervisor, case_a, provider_user=None, provider_partner=new_partner(i))
        else:
            record_service(supervisor, case_a)

    client = api_client(supervisor)
    assert_flat(
        lambda: client.get(f"/api/v1/cases/{case_a.pk}/service-records/"), repeat(make), api_count
    )


# --- partners and referrals -----------------------------------------------------------------


def test_partner_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_partner):
    client = web_client(supervisor)
    assert_flat(lambda: client.get("/partners/"), repeat(new_partner), page_count())


def test_partner_api_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_partner):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/partners/"), repeat(new_partner), api_count)


@pytest.fixture
def new_referral(new_case, new_partner, district_officer, supervisor):
    """A referral of a new case to a new partner, made by the supervisor or the district by
    turns; of every three, one pending, one accepted, one completed."""

    def make(i: int):
        actor = (supervisor, district_officer)[i % 2]
        referral = referral_create(
            actor=actor,
            case=new_case(i),
            partner=new_partner(i),
            service_type="psychological",
            reason=f"Referral {i}.",
            accept_by=today() + dt.timedelta(days=1 + i % 5),
        )
        if i % 3:
            referral = referral_transition(actor=supervisor, referral=referral, name="accept")
        if i % 3 == 2:
            referral_transition(actor=supervisor, referral=referral, name="complete", note="Done.")

    return make


def test_referral_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_referral):
    client = web_client(supervisor)
    assert_flat(lambda: client.get("/partners/referrals/"), repeat(new_referral), page_count())


def test_referral_api_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_referral):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/referrals/"), repeat(new_referral), api_count)


def test_case_referral_api_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, case_a, new_partner
):
    def make(i: int) -> None:
        referral_create(
            actor=supervisor,
            case=case_a,
            partner=new_partner(i),
            reason=f"Referral {i}.",
            accept_by=today() + dt.timedelta(days=3),
        )

    client = api_client(supervisor)
    assert_flat(
        lambda: client.get(f"/api/v1/cases/{case_a.pk}/referrals/"), repeat(make), api_count
    )


# --- temporary guardianship -----------------------------------------------------------------


@pytest.fixture
def new_protection(new_case, supervisor, district_officer):
    """Temporary guardianship on a new case, started by turns by the supervisor or the
        district; every third one assessed. With ended=True each one is ended too (home after
    an assessment, else long-term guardianship)."""

    def factory(ended: bool = False):
        def make(i: int):
            record = protection_start(
                actor=(supervisor, district_officer)[i % 2],
                case=new_case(i),
                ground="harmed_by_guardian",
                placement="foster_family",
                placement_detail="测试寄养家庭",
                started_on=today() - dt.timedelta(days=i % 20),
            )
            assessed = i % 3 == 0
            if assessed:
                record = protection_assess_capacity(
                    actor=supervisor,
                    record=record,
                    assessed_on=today(),
                    result="capable_with_support",
                    notes="Assessed.",
                )
            if ended:
                protection_end(
                    actor=supervisor,
                    record=record,
                    ended_on=today(),
                    end_reason="returned_home" if assessed else "long_term",
                    note="Ended.",
                )

        return make

    return factory


@pytest.mark.parametrize("state", ["active", "ended"])
def test_protection_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, new_protection, state
):
    client = web_client(supervisor)
    assert_flat(
        lambda: client.get(f"/protection/?state={state}"),
        repeat(new_protection(ended=state == "ended")),
        lambda r: len(r.context["rows"]),
    )


def test_protection_api_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_protection):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/protections/"), repeat(new_protection()), api_count)


# --- notifications --------------------------------------------------------------------------


@pytest.fixture
def new_notification(supervisor, make_child):
    kinds = [
        ("concern_raised", {"concern": "under16_alone"}),
        ("visit_overdue", {"date": "2025-03-05"}),
        ("report_received", {"reference": "R20250101-ABCDE"}),
        ("case_assigned", {"case": "C2025-0001"}),
        ("protection_limit", {"date": "2025-12-01"}),
    ]

    def make(i: int) -> None:
        child = make_child(("community_a", "community_b")[i % 2], name=next(NAMES))
        kind, params = kinds[i % len(kinds)]
        notify(
            recipient_id=supervisor.pk,
            kind=kind,
            key=f"qc{i}",
            child=child,
            params={"child": child.name, **params},
            url=f"/children/{child.pk}/",
        )

    return make


def notifications_shown(response) -> int:
    """The notifications listed one by one, and those listed under their group's line."""
    groups = response.context["groups"]
    return len(response.context["items"]) + sum(len(group.items) for group in groups)


def test_notification_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_notification):
    # Every other one read: read ones are listed one by one, unread ones of a kind grouped.
    def make(i: int) -> None:
        new_notification(i)
        if i % 2:
            supervisor.notifications.filter(key=f"qc{i}").update(read_at=timezone.now())

    client = web_client(supervisor)
    assert_flat(lambda: client.get("/notifications/"), repeat(make), notifications_shown)


def test_grouped_notification_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, make_child
):
    # Overdue visits by the dozen (the daily job's reminders), and one of another kind: both
    # counts show a group and a single line.
    def make(i: int) -> None:
        child = make_child("community_a", name=next(NAMES))
        kind = "report_received" if i == 0 else "visit_overdue_7"
        notify(
            recipient_id=supervisor.pk,
            kind=kind,
            key=f"grouped{i}",
            child=child,
            params={"child": child.name, "date": "2025-03-05", "reference": "R20250101-ABCDE"},
            url=f"/children/{child.pk}/",
        )

    client = web_client(supervisor)
    assert_flat(lambda: client.get("/notifications/"), repeat(make), notifications_shown)


def test_notification_api_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor, new_notification
):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/notifications/"), repeat(new_notification), api_count)


# --- children, visits worklist, concerns ----------------------------------------------------


@pytest.fixture
def new_child(make_child):
    categories = [("left_behind",), ("guardianship_missing", "economic_hardship"), ()]

    def make(i: int):
        return make_child(
            ("community_a", "community_b", "community_c")[i % 3],
            name=next(NAMES),
            categories=categories[i % len(categories)],
        )

    return make


def test_child_list_queries_do_not_grow_with_rows(assert_flat, district_officer, new_child):
    client = web_client(district_officer)
    assert_flat(lambda: client.get("/children/"), repeat(new_child), page_count())


def test_child_api_list_queries_do_not_grow_with_rows(assert_flat, district_officer, new_child):
    client = api_client(district_officer)
    assert_flat(lambda: client.get("/api/v1/children/"), repeat(new_child), api_count)


@pytest.fixture
def new_due(make_child):
    """A child with a visit due: by turns overdue, due this week, left-behind or not."""

    def make(i: int) -> None:
        child = make_child(
            ("community_a", "community_b", "community_c")[i % 3],
            name=next(NAMES),
            categories=(("left_behind",), ("guardianship_missing",))[i % 2],
        )
        VisitDue.objects.filter(child=child, state="open").update(
            due_date=today() - dt.timedelta(days=i % 4)
        )

    return make


def test_visit_worklist_queries_do_not_grow_with_rows(assert_flat, district_officer, new_due):
    client = web_client(district_officer)
    assert_flat(lambda: client.get("/visits/"), repeat(new_due), page_count("rows"))


def test_visit_worklist_api_queries_do_not_grow_with_rows(assert_flat, district_officer, new_due):
    client = api_client(district_officer)
    assert_flat(lambda: client.get("/api/v1/worklist/"), repeat(new_due), api_count)


@pytest.fixture
def new_concern(make_child, director_a, director_b, supervisor):
    """A concern about a new child, raised by its director; every other one handled."""

    def make(i: int) -> None:
        community, director = (("community_a", director_a), ("community_b", director_b))[i % 2]
        child = make_child(community, name=next(NAMES))
        handled = i % 2 == 0
        Concern.objects.create(
            child=child,
            district=child.district,
            subdistrict=child.subdistrict,
            community=child.community,
            kind=Concern.Kind.UNDER16_ALONE,
            description=f"Concern {i}.",
            raised_by=director,
            state="handled" if handled else "open",
            handled_by=supervisor if handled else None,
            handled_at=timezone.now() if handled else None,
        )

    return make


def test_concern_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_concern):
    client = web_client(supervisor)
    assert_flat(lambda: client.get("/concerns/"), repeat(new_concern), page_count())


def test_concern_api_list_queries_do_not_grow_with_rows(assert_flat, supervisor, new_concern):
    client = api_client(supervisor)
    assert_flat(lambda: client.get("/api/v1/concerns/"), repeat(new_concern), api_count)


# --- transfers ------------------------------------------------------------------------------


@pytest.fixture
def new_transfer(make_child, director_a, supervisor, district_officer, areas):
    """By turns: a pending transfer from 居民区 A to C, one from B to A accepted, one to
    another district, each asked by someone else."""

    def make(i: int) -> None:
        kind = i % 3
        source = ("community_a", "community_b", "community_a")[kind]
        child = make_child(source, name=next(NAMES))
        asker = (director_a, supervisor, district_officer)[kind]
        if kind == 2:
            transfer_request(
                actor=asker, child=child, reason="搬家。", out_of_district=True,
                to_district_name="徐汇区",
            )  # fmt: skip
            return
        target = areas[("community_c", "community_a")[kind]]
        transfer = transfer_request(actor=asker, child=child, reason="搬家。", to_community=target)
        if kind == 1:
            transfer_accept(actor=district_officer, transfer=transfer)

    return make


def test_transfer_list_queries_do_not_grow_with_rows(assert_flat, district_officer, new_transfer):
    client = web_client(district_officer)
    assert_flat(lambda: client.get("/transfers/?status=all"), repeat(new_transfer), page_count())


@pytest.fixture
def new_pending_transfer(make_child, director_a, director_b, areas):
    """A transfer into 仙霞新村 awaiting its supervisor, from 居民区 A or B by turns."""

    def make(i: int) -> None:
        source, asker = (("community_a", director_a), ("community_b", director_b))[i % 2]
        child = make_child(source, name=next(NAMES))
        transfer_request(
            actor=asker, child=child, reason="搬家。", to_community=areas["community_c"]
        )

    return make


def test_pending_transfer_list_queries_do_not_grow_with_rows(
    assert_flat, supervisor_elsewhere, new_pending_transfer
):
    client = web_client(supervisor_elsewhere)
    assert_flat(lambda: client.get("/transfers/"), repeat(new_pending_transfer), page_count())


def test_transfer_api_list_queries_do_not_grow_with_rows(
    assert_flat, district_officer, new_transfer
):
    client = api_client(district_officer)
    assert_flat(lambda: client.get("/api/v1/transfers/"), repeat(new_transfer), api_count)


# --- people and roles ---------------------------------------------------------------------------


@pytest.fixture
def new_person(district_officer, areas):
    """A person with a role somewhere in the district, by turns a director of 居民区 A or B,
    or a supervisor or station staff of 天山路; every other one may reveal."""

    def make(i: int) -> None:
        role, area = (
            (Role.DIRECTOR, "community_a"),
            (Role.DIRECTOR, "community_b"),
            (Role.SUPERVISOR, "tianshan"),
            (Role.STATION_STAFF, "xianxia"),
        )[i % 4]
        user = User.objects.create_user(username=f"person_{i:03d}", full_name=f"人员{i:03d}")
        role_assignment_grant(actor=district_officer, user=user, role=role, area=areas[area])
        if i % 2:
            user_reveal_set(actor=district_officer, user=user, allowed=True)

    return make


# --- who looked at a child's file; unusual access -------------------------------------------


@pytest.fixture
def new_reader(areas, child_a, make_child):
    """A 儿童主任 of 居民区 A who reads child_a's file and one of 居民区 B's at 23:00 yesterday,
    and an export of 200 rows by them."""

    def make(i: int) -> None:
        reader = User.objects.create_user(username=f"reader{i}", full_name=f"读者{i}")
        RoleAssignment.objects.create(user=reader, role=Role.DIRECTOR, area=areas["community_a"])
        other = make_child("community_b", name=next(NAMES))
        night = timezone.make_aware(dt.datetime.combine(today() - dt.timedelta(days=1), NIGHT))
        with mock.patch("weibao.audit.chain.timezone.now", return_value=night):
            access_log_record(user=reader, child=child_a, channel=AccessLog.Channel.WEB)
            access_log_record(user=reader, child=other, channel=AccessLog.Channel.API)
        visit_ledger_exported(
            actor=reader, subdistrict=areas["tianshan"], year=2026, month=1, rows=200
        )

    return make


# --- sign-in security -------------------------------------------------------------------------


@pytest.fixture
def new_token(director_a, director_b):
    """An API token of director A or B by turns, some revoked, some expired."""

    def make(i: int) -> None:
        token, _key = api_token_create(actor=(director_a, director_b)[i % 2], name=f"脚本{i}")
        if i % 3 == 1:
            api_token_revoke(actor=token.user, token=token)
        elif i % 3 == 2:
            ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())

    return make


def test_people_page_queries_do_not_grow_with_rows(assert_flat, district_officer, new_person):
    client = web_client(district_officer)
    # The district officer is listed too.
    assert_flat(
        lambda: client.get("/accounts/people/"),
        repeat(new_person),
        lambda response: len(response.context["people"]) - 1,
    )


def test_own_token_list_queries_do_not_grow_with_rows(assert_flat, director_a):
    client = web_client(director_a)

    def add(n: int) -> None:
        for i in range(n):
            api_token_create(actor=director_a, name=f"脚本{i}")

    assert_flat(lambda: client.get("/security/tokens/"), add, page_count("tokens"))


def test_district_token_list_queries_do_not_grow_with_rows(
    assert_flat, district_officer, director_a
):
    client = web_client(district_officer)

    def add(n: int) -> None:
        for i in range(n):
            api_token_create(actor=director_a, name=f"脚本{i}")

    assert_flat(lambda: client.get("/security/district/tokens/"), add, page_count("tokens"))


def test_token_api_list_queries_do_not_grow_with_rows(assert_flat, district_officer, new_token):
    client = APIClient()
    client.force_login(district_officer)
    assert_flat(lambda: client.get("/api/v1/auth/tokens/"), repeat(new_token), api_count)


def test_district_people_list_queries_do_not_grow_with_rows(assert_flat, district_officer, areas):
    client = web_client(district_officer)
    counter = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            user = User.objects.create_user(username=f"director{i}", password="x")
            RoleAssignment.objects.create(user=user, role=Role.DIRECTOR, area=areas["community_a"])
            if i % 2:
                api_token_create(actor=user, name="x")

    def shown(response) -> int:
        return len(response.context["people"]) - 1  # the officer themself

    assert_flat(lambda: client.get("/security/district/"), add, shown)


def test_device_list_queries_do_not_grow_with_rows(assert_flat, director_a):
    client = Client()
    client.force_login(director_a)

    def add(n: int) -> None:
        for _ in range(n):
            Client().force_login(director_a)

    def shown(response) -> int:
        return len(response.context["devices"]) - 1  # this browser

    assert_flat(lambda: client.get("/security/devices/"), add, shown)


def test_device_api_list_queries_do_not_grow_with_rows(assert_flat, director_a):
    client = api_client(director_a)

    def add(n: int) -> None:
        for _ in range(n):
            Client().force_login(director_a)

    assert_flat(lambda: client.get("/api/v1/auth/devices/"), add, api_count)


NIGHT = dt.time(23, 0)


def test_child_access_log_queries_do_not_grow_with_rows(
    assert_flat, supervisor, child_a, new_reader
):
    client = web_client(supervisor)
    assert_flat(
        lambda: client.get(f"/children/{child_a.pk}/access/"),
        repeat(new_reader),
        lambda response: len(response.context["rows"]),
    )


def test_unusual_access_queries_do_not_grow_with_rows(
    assert_flat, settings, district_officer, new_reader
):
    settings.UNUSUAL_ACCESS_READS_PER_DAY = 1
    settings.UNUSUAL_EXPORT_ROWS = 100
    client = web_client(district_officer)

    def shown(response) -> int:
        report = response.context["report"]
        assert len(report.reads_outside) == len(report.night_reads) == len(report.exports)
        return len(report.night_reads)

    assert_flat(lambda: client.get("/children/unusual-access/"), repeat(new_reader), shown)
