"""The child's archive (一人一档): only what the reader may see (restricted cases, the reporter's
identity), masked unless revealed with a reason, watermarked with the reader's name and time,
every printing in the access log, 404 for a child out of scope. Most tests read the HTML fed to
WeasyPrint (archive.pdf.archive_html); a few make the PDF itself (slow)."""

import re
import zlib

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import api_client, web_client
from tests.helpers import REPORTER_NAME, SECRET_PLACE, record_service, today
from weibao.archive.checks import pdf_tools_check
from weibao.archive.pdf import archive_html
from weibao.archive.selectors import Revealed, child_archive
from weibao.archive.services import archive_exported, archive_reveal
from weibao.audit.models import AccessLog
from weibao.cases.services import case_restrict
from weibao.children.models import Child
from weibao.core.pdf import offline_url_fetcher
from weibao.protection.services import protection_start
from weibao.reports import services as report_services


def url(child) -> str:
    return f"/archive/children/{child.pk}/archive.pdf"


def api_url(child) -> str:
    return f"/api/v1/children/{child.pk}/archive.pdf"


def html_for(user, child, revealed=None) -> str:
    child = Child.objects.get(pk=child.pk)
    archive = child_archive(user, child, revealed=revealed or Revealed(), now=timezone.now())
    return archive_html(archive)


def pages(data: bytes) -> int:
    """The PDF's pages, counted in its (compressed) object streams."""
    text = data
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", text))


@pytest.fixture
def linked_report(make_report, supervisor, child_a):
    report = make_report()
    report = report_services.report_acknowledge(actor=supervisor, report=report)
    return report_services.report_link_child(actor=supervisor, report=report, child=child_a)


def test_a_director_kept_off_a_restricted_case_gets_neither_it_nor_what_hangs_off_it(
    director_a2, case_a, director_a, supervisor
):
    record_service(director_a, case_a, notes="家访后陪同就医")
    assert case_a.reference in html_for(director_a2, case_a.child)
    case_restrict(actor=supervisor, case=case_a, restricted=True, reason="Neighbour.")
    kept_off = html_for(director_a2, case_a.child)
    assert case_a.reference not in kept_off and "家访后陪同就医" not in kept_off
    on_team = html_for(director_a, case_a.child)
    assert case_a.reference in on_team and "家访后陪同就医" in on_team


def test_the_reporter_is_named_only_for_the_supervisor_and_above(
    linked_report, director_a, supervisor, child_a
):
    director_html = html_for(director_a, child_a)
    assert linked_report.reference in director_html
    assert REPORTER_NAME not in director_html
    assert REPORTER_NAME in html_for(supervisor, child_a)


def test_identity_is_masked_unless_revealed_with_a_reason_each_value_logged(director_a, child_a):
    masked = html_for(director_a, child_a)
    assert child_a.id_number not in masked and child_a.id_number_masked in masked
    assert "测试路1号101室" not in masked and "13800000001" not in masked
    revealed = archive_reveal(
        actor=director_a, child=child_a, reason="Court hearing.", channel="web"
    )
    full = html_for(director_a, child_a, revealed)
    assert child_a.id_number in full and "测试路1号101室" in full and "13800000001" in full
    reveals = AccessLog.objects.filter(kind="reveal", child=child_a, reason="Court hearing.")
    assert sorted(r.field.split(":")[0] for r in reveals) == [
        "address",
        "guardian_phone",
        "id_number",
    ]


def test_the_placement_is_confidential_unless_revealed(supervisor, case_a, director_a):
    protection_start(
        actor=supervisor,
        case=case_a,
        ground="harmed_by_guardian",
        placement="foster_family",
        placement_detail=SECRET_PLACE,
        started_on=today(),
    )
    assert SECRET_PLACE not in html_for(director_a, case_a.child)
    assert SECRET_PLACE in html_for(director_a, case_a.child, Revealed(id_number="x"))


def test_every_page_carries_the_readers_name_and_the_time(director_a, child_a):
    html = html_for(director_a, child_a)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    assert re.search(rf'class="watermark">director_a {stamp} \d\d:\d\d<', html)
    assert "string-set: watermark" in html and "@top-center { content: string(watermark)" in html
    assert "counter(page)" in html and 'class="cover"' in html


def test_nothing_can_be_fetched_from_outside(director_a, make_child):
    child = make_child(notes='<img src="http://example.com/x.png">')
    assert "<img" not in html_for(director_a, child)  # what was typed stays text
    fetcher = offline_url_fetcher()
    for address in ("http://127.0.0.1:9/x.png", "https://example.com/", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(address)
    assert fetcher.fetch("data:text/plain,ok") is not None


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_a_child_out_of_scope_answers_404_on_the_page_and_the_api(request, persona, child_a):
    user = request.getfixturevalue(persona)
    assert web_client(user).get(url(child_a)).status_code == 404
    assert web_client(user).post(url(child_a), {"reason": "x"}).status_code == 404
    assert api_client(user).get(api_url(child_a)).status_code == 404
    assert web_client(user).get(url(Child(pk=999999))).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_pdf_is_a_pdf_of_several_pages_and_its_printing_is_logged(director_a, case_a):
    response = web_client(director_a).get(url(case_a.child))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and pages(data) > 1
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get(child=case_a.child)
    assert (log.user, log.kind, log.field, log.channel) == (director_a, "view", "archive", "web")


def test_the_api_reveals_with_a_reason_only(director_a, director_b, child_a, make_child):
    client = api_client(director_a)
    assert client.post(api_url(child_a), {}, format="json").status_code == 400
    response = client.post(api_url(child_a), {"reason": "Court."}, format="json")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    kinds = sorted(AccessLog.objects.filter(child=child_a).values_list("kind", "field"))
    assert ("view", "archive") in kinds and ("reveal", "id_number") in kinds


def test_without_the_reveal_permission_nothing_is_revealed(director_a2, child_a):
    response = api_client(director_a2).post(api_url(child_a), {"reason": "x"}, format="json")
    assert response.status_code == 403
    web = web_client(director_a2).post(url(child_a), {"reason": "x"})
    assert web.status_code == 302
    assert not AccessLog.objects.filter(kind="reveal").exists()


def test_without_weasyprint_the_page_says_so_in_chinese(director_a, child_a, monkeypatch):
    monkeypatch.setattr("weibao.core.pdf.weasyprint", None)
    response = web_client(director_a).get(url(child_a))
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
    assert api_client(director_a).get(api_url(child_a)).status_code == 503
    assert not AccessLog.objects.filter(field="archive").exists()


def test_the_childs_page_offers_the_archive(director_a, director_a2, child_a):
    page = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert url(child_a) in page and 'name="reason"' in panel(page)
    page = web_client(director_a2).get(f"/children/{child_a.pk}/").content.decode()
    assert url(child_a) in page and 'name="reason"' not in panel(page)


def panel(page: str) -> str:
    return page.split('id="archive"')[1].split("</section>")[0]


def test_the_access_log_names_a_printed_archive(director_a, supervisor, child_a):
    archive_exported(actor=director_a, child=child_a, channel="web")
    page = web_client(supervisor).get(f"/children/{child_a.pk}/access/").content.decode()
    assert "整份档案（打印为 PDF）" in page


def test_the_childs_page_prints_its_sections_without_the_controls(director_a, child_a):
    page = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert '<div class="child-file">' in page
    css = (settings.BASE_DIR / "weibao/static/weibao/app.css").read_text()
    rules = css.split(".child-file .button")[1].split("}")[0]
    assert ".child-file form" in rules and "display:none" in rules


def test_the_system_check_names_the_debian_packages(monkeypatch):
    assert pdf_tools_check() == []
    monkeypatch.setattr("weibao.archive.checks.cjk_fonts_present", lambda: False)
    (fonts,) = pdf_tools_check()
    assert fonts.id == "archive.W002" and "fonts-noto-cjk" in fonts.hint
    monkeypatch.setattr("weibao.archive.checks.weasyprint", None)
    (pango,) = pdf_tools_check()
    assert pango.id == "archive.W001"
    assert all(p in pango.hint for p in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0"))
