"""The service pages tried as each persona would: recording a service from a case, the 街镇
service ledger with its filters and totals, the xlsx export, and the case-page partial."""

import datetime as dt
import io
from functools import partial
from urllib.parse import unquote

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from tests.conftest import en_get, en_post, web_client
from tests.helpers import record_service, today
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case
from weibao.cases.selectors import BACKDATE_DAYS, case_roles
from weibao.ledger.models import ServiceRecord
from weibao.partners.models import Partner

pytestmark = pytest.mark.usefixtures("english")

OUT_OF_SCOPE_FOR_CASE_A = ["director_b", "director_elsewhere", "unassigned"]
HEADERS = (
    "居民区", "儿童姓名", "个案编号", "服务日期", "服务类型", "服务提供方", "提供方类别",
    "时长（分钟）", "服务记录", "记录人",
)  # fmt: skip


def this_month() -> str:
    return today().strftime("%Y-%m")


record = partial(
    record_service,
    service_type="guardianship_guidance",
    duration_minutes=90,
    notes="Homework routine agreed with the grandmother.",
)


def get(user, url, **params):
    return en_get(user, url, params)


def form(**overrides) -> dict:
    data = {
        "delivered_on": today().isoformat(),
        "service_type": "psychological",
        "duration_minutes": "45",
        "notes": "First counselling session.",
    }
    data.update(overrides)
    return data


# --- recording ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_the_record_page_of_case_a_is_404_out_of_scope(request, persona, case_a, director_a):
    user = request.getfixturevalue(persona)
    assert get(user, f"/ledger/record/{case_a.pk}/").status_code == 404
    response = en_post(user, f"/ledger/record/{case_a.pk}/", form(provider=f"user:{director_a.pk}"))
    assert response.status_code == 404
    assert not ServiceRecord.objects.exists()


def test_unknown_and_absurd_case_ids_are_404(supervisor):
    assert get(supervisor, "/ledger/record/999999/").status_code == 404
    assert get(supervisor, "/ledger/record/99999999999999999999999/").status_code == 404


def test_the_owner_records_a_service_with_a_partner_as_provider(director_a, case_a, partner):
    page = get(director_a, f"/ledger/record/{case_a.pk}/").content.decode()
    assert partner.name in page and "director_a" in page
    response = en_post(
        director_a, f"/ledger/record/{case_a.pk}/", form(provider=f"partner:{partner.pk}")
    )
    assert response.status_code == 302 and response["Location"].endswith("#services")
    done = ServiceRecord.objects.get()
    assert done.provider_partner == partner and done.duration_minutes == 45
    assert done.recorded_by == director_a


def test_the_supervisor_records_a_service_given_by_the_director(supervisor, director_a, case_a):
    response = en_post(
        supervisor, f"/ledger/record/{case_a.pk}/", form(provider=f"user:{director_a.pk}")
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get().provider_user == director_a


def test_errors_are_shown_by_the_fields_and_the_input_is_kept(director_a, case_a):
    response = en_post(
        director_a,
        f"/ledger/record/{case_a.pk}/",
        form(
            delivered_on=(today() + dt.timedelta(days=2)).isoformat(),
            duration_minutes="2000",
            provider=f"user:{director_a.pk}",
            notes="Kept text 42",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kept text 42" in page
    assert "Ensure this value is less than or equal to 1440." in page
    assert not ServiceRecord.objects.exists()
    response = en_post(
        director_a,
        f"/ledger/record/{case_a.pk}/",
        form(delivered_on=(today() + dt.timedelta(days=2)).isoformat(),
             provider=f"user:{director_a.pk}"),
    )  # fmt: skip
    assert "The date cannot be in the future." in response.content.decode()


def test_a_provider_not_offered_is_refused(director_a, director_elsewhere, case_a, areas):
    elsewhere = Partner.objects.create(
        name="仙霞儿童之家", kind="childrens_home", area=areas["xianxia"]
    )
    for provider in (f"user:{director_elsewhere.pk}", f"partner:{elsewhere.pk}", "user:abc", ""):
        response = en_post(director_a, f"/ledger/record/{case_a.pk}/", form(provider=provider))
        assert response.status_code == 200
    assert not ServiceRecord.objects.exists()


def test_a_closed_case_shows_no_form_and_refuses_a_post(director_a, case_a):
    Case.objects.filter(pk=case_a.pk).update(
        stage="closed", closed_at=timezone.now(), closed_by=director_a
    )
    page = get(director_a, f"/ledger/record/{case_a.pk}/").content.decode()
    assert "This case is closed" in page and 'name="duration_minutes"' not in page
    response = en_post(
        director_a, f"/ledger/record/{case_a.pk}/", form(provider=f"user:{director_a.pk}")
    )
    assert response.status_code == 200 and not ServiceRecord.objects.exists()


# --- the case-page partial ------------------------------------------------------------------


def render_partial(user, case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "ledger/_case_services.html",
        {"case": case, "case_roles": case_roles(user, case), "user": user},
        request=request,
    )


def test_the_case_partial_lists_services_with_totals_and_offers_recording(
    director_a, case_a, partner
):
    record(director_a, case_a, duration_minutes=90)
    record(director_a, case_a, provider_user=None, provider_partner=partner, duration_minutes=30,
           service_type="education")  # fmt: skip
    html = render_partial(director_a, case_a)
    assert "2 services, 2.0 h" in html
    assert "Family guardianship guidance" in html and "Education support" in html
    assert partner.name in html and "1 h 30 min" in html and "30 min" in html
    assert f"/ledger/record/{case_a.pk}/" in html


def test_the_case_partial_offers_no_recording_on_a_closed_case(director_a, case_a):
    case_a.stage = "closed"
    html = render_partial(director_a, case_a)
    assert "Record a service" not in html and "No services recorded yet." in html


# --- the ledger -----------------------------------------------------------------------------


@pytest.fixture
def ledger_rows(director_a, director_b, director_elsewhere, case_a, case_b, case_c, partner):
    last_month = today().replace(day=1) - dt.timedelta(days=1)
    return {
        "a_now": record(director_a, case_a, service_type="education", duration_minutes=60),
        "a_partner": record(
            director_a, case_a, provider_user=None, provider_partner=partner, duration_minutes=120
        ),
        "b_now": record(director_b, case_b, duration_minutes=30),
        "b_last_month": record(
            director_b,
            case_b,
            delivered_on=max(last_month, today() - dt.timedelta(days=BACKDATE_DAYS)),
            duration_minutes=15,
        ),
        "c_now": record(director_elsewhere, case_c, duration_minutes=45),
    }


def test_the_unassigned_have_no_ledger(unassigned):
    assert get(unassigned, "/ledger/").status_code == 404
    assert get(unassigned, "/ledger/export/").status_code == 404


def test_the_supervisor_sees_the_subdistricts_services_with_totals(supervisor, ledger_rows):
    page = get(supervisor, "/ledger/").content.decode()
    assert "张小明" in page and "李小红" in page
    assert "王小华" not in page  # another 街镇
    # This month: 60 + 120 + 30 minutes (and the 15 if last month is within the window's month).
    rows = [r for r in ServiceRecord.objects.filter(subdistrict__name="天山路街道")
            if r.delivered_on.strftime("%Y-%m") == this_month()]  # fmt: skip
    minutes = sum(r.duration_minutes for r in rows)
    assert f'<span class="n">{len(rows)}</span>' in page
    assert f'<span class="n">{minutes / 60:.1f}</span>' in page


def test_a_director_sees_only_the_services_of_their_own_cases(director_a, ledger_rows):
    page = get(director_a, "/ledger/").content.decode()
    assert "张小明" in page and "李小红" not in page and "王小华" not in page
    assert "Download the service ledger" not in page  # directors do not export


def test_the_ledger_filters_by_month_type_provider_and_community(
    supervisor, ledger_rows, partner, child_b
):
    def names(**params):
        return get(supervisor, "/ledger/", **params).content.decode()

    page = names(service_type="education")
    assert "张小明" in page and "李小红" not in page
    page = names(provider=f"partner:{partner.pk}")
    assert "天山路儿童服务中心" in page and "李小红" not in page
    page = names(community=child_b.community_id)
    assert "李小红" in page and "张小明" not in page
    last = ledger_rows["b_last_month"].delivered_on
    if last.strftime("%Y-%m") != this_month():
        page = names(month=last.strftime("%Y-%m"))
        assert "李小红" in page and "张小明" not in page


def test_filters_not_understood_are_dropped_with_a_warning(supervisor, ledger_rows):
    response = get(supervisor, "/ledger/", month="2026-99", service_type="zoo", provider="x:1",
                   community="abc")  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some filters were not understood and were ignored." in page
    assert "张小明" in page


def test_the_ledger_of_an_area_out_of_scope_is_404(supervisor, director_a, areas):
    assert get(supervisor, "/ledger/", area=areas["xianxia"].pk).status_code == 404
    assert get(director_a, "/ledger/", area=areas["district"].pk).status_code == 404
    assert get(supervisor, "/ledger/", area="abc").status_code == 404


def test_district_staff_open_the_whole_district_or_one_subdistrict(
    district_officer, ledger_rows, areas
):
    page = get(district_officer, "/ledger/").content.decode()
    assert "张小明" in page and "王小华" in page
    page = get(district_officer, "/ledger/", area=areas["xianxia"].pk).content.decode()
    assert "王小华" in page and "张小明" not in page


# --- export ---------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_the_export_has_chinese_headers_totals_neutralised_formulas_and_is_audited(
    supervisor, director_a, case_a, ledger_rows, areas
):
    record(director_a, case_a, notes="=HYPERLINK(\"http://evil\",\"x\")", duration_minutes=10,
           service_type="legal_aid")  # fmt: skip
    response = get(supervisor, "/ledger/export/", month=this_month())
    sheet = workbook(response)
    assert tuple(c.value for c in sheet[1]) == HEADERS
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    body, total = rows[:-1], rows[-1]
    names = {row[1] for row in body}
    assert names == {"张小明", "李小红"}  # only the 街镇's records, only in scope
    notes = [row[8] for row in body]
    assert '\'=HYPERLINK("http://evil","x")' in notes
    assert not any(isinstance(n, str) and n.startswith("=") for row in body for n in row)
    assert "法律援助" in {row[4] for row in body}
    assert {"工作人员", "合作机构"} <= {row[6] for row in body}
    minutes = sum(row[7] for row in body)
    assert total[0] == "合计" and total[1] == f"{len(body)}次" and total[7] == minutes
    disposition = unquote(response["Content-Disposition"])
    assert f"服务台账-天山路街道-{this_month()}.xlsx" in disposition
    event = AuditEvent.objects.get(action="ledger.export")
    assert event.actor_id == supervisor.pk
    assert event.object_id == str(areas["tianshan"].pk)
    assert event.changes["rows"] == len(body) and event.changes["month"] == this_month()


def test_the_export_applies_the_same_filters(supervisor, ledger_rows, partner):
    sheet = workbook(
        get(supervisor, "/ledger/export/", month=this_month(), provider=f"partner:{partner.pk}")
    )
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)][:-1]
    assert [row[5] for row in rows] == [partner.name]
    assert AuditEvent.objects.get(action="ledger.export").changes["provider"] == (
        f"partner:{partner.pk}"
    )


@pytest.mark.parametrize(
    "persona", ["director_a", "director_b", "director_elsewhere", "unassigned"]
)
def test_directors_and_the_unassigned_cannot_export(request, persona, ledger_rows, areas):
    user = request.getfixturevalue(persona)
    assert get(user, "/ledger/export/").status_code == 404
    assert get(user, "/ledger/export/", area=areas["tianshan"].pk).status_code == 404
    assert not AuditEvent.objects.filter(action="ledger.export").exists()


def test_a_supervisor_cannot_export_another_subdistricts_ledger(supervisor, areas):
    assert get(supervisor, "/ledger/export/", area=areas["xianxia"].pk).status_code == 404
    assert get(supervisor, "/ledger/export/", area=areas["district"].pk).status_code == 404


def test_district_staff_export_one_subdistrict(district_officer, ledger_rows, areas):
    sheet = workbook(
        get(district_officer, "/ledger/export/", area=areas["xianxia"].pk, month=this_month())
    )
    names = {row[1].value for row in sheet.iter_rows(min_row=2)}
    assert "王小华" in names and "张小明" not in names


def test_the_ledger_page_links_the_export_with_its_filters(supervisor, ledger_rows, areas):
    page = get(supervisor, "/ledger/", service_type="education").content.decode()
    assert (
        f"/ledger/export/?area={areas['tianshan'].pk}&amp;month={this_month()}"
        "&amp;service_type=education" in page
    )


def test_ledger_pages_need_a_login():
    for url in ("/ledger/", "/ledger/export/", "/ledger/record/1/"):
        response = web_client(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_case_page_shows_the_services_and_referrals_sections(director_a, case_a, partner):
    record(director_a, case_a, provider_user=None, provider_partner=partner)
    page = get(director_a, f"/cases/{case_a.pk}/").content.decode()
    assert 'id="services"' in page and 'id="referrals"' in page
    assert f"/ledger/record/{case_a.pk}/" in page and f"/partners/refer/{case_a.pk}/" in page
    assert partner.name in page


def test_every_problem_of_a_service_record_is_shown_at_once(director_a, case_a):
    """A wrong duration (the form's check) and a date in the future (the service's rule) are
    both reported on the first try, each once."""
    response = en_post(
        director_a,
        f"/ledger/record/{case_a.pk}/",
        form(
            delivered_on=(today() + dt.timedelta(days=2)).isoformat(),
            duration_minutes="0",
            provider=f"user:{director_a.pk}",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("The date cannot be in the future.") == 1
    assert page.count("Ensure this value is greater than or equal to 1.") == 1
    assert "The duration must be between" not in page  # the form already said it
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize(
    "query", [{"month": "1900-01"}, {"month": "2026-13"}, {"service_type": "bogus"}]
)
def test_filters_not_understood_are_said_and_never_exported(supervisor, query):
    page = get(supervisor, "/ledger/", **query).content.decode()
    assert "Some filters were not understood and were ignored." in page
    client = web_client(supervisor)
    response = client.get("/ledger/export/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"].startswith("/ledger/?")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "nothing was exported" in page
    assert not AuditEvent.objects.filter(action="ledger.export").exists()
