"""Every page type carries the security headers: a Content-Security-Policy without
'unsafe-inline' that forbids framing, Referrer-Policy, Permissions-Policy, nosniff — and every
page shown to a signed-in user (a child's file, a case, a report, a visit …) `no-store`, so that
nothing of a child stays in a browser's or a proxy's cache. The templates hold no inline script,
style or event handler for the policy to block."""

import re
from pathlib import Path

import pytest

from tests.conftest import web_client
from tests.transfers.helpers import ask, full_file

TEMPLATES = Path(__file__).resolve().parents[2] / "weibao" / "templates"


@pytest.fixture
def world(child_a, director_a, supervisor, partner, make_report, areas):
    file = full_file(child_a, director_a, supervisor, partner)
    report = make_report()
    transfer = ask(director_a, child_a, areas["community_b"])
    return {"file": file, "report": report, "transfer": transfer}


def signed_in_pages(world) -> list[str]:
    f = world["file"]
    return [
        "/",
        "/children/",
        f"/children/{f.child.pk}/",
        f"/children/{f.child.pk}/edit/",
        "/visits/",
        f"/visits/{f.visit.pk}/",
        "/concerns/",
        f"/concerns/{f.concern.pk}/",
        "/notifications/",
        "/reports/",
        "/reports/new/",
        f"/reports/{world['report'].pk}/",
        "/cases/",
        f"/cases/{f.case.pk}/",
        f"/cases/{f.case.pk}/timeline/",
        f"/cases/{f.case.pk}/plan/",
        "/ledger/",
        f"/ledger/record/{f.case.pk}/",
        "/protection/",
        f"/protection/{f.protection.pk}/",
        "/transfers/",
        f"/transfers/{world['transfer'].pk}/",
        "/partners/",
        f"/partners/{f.referral.partner_id}/",
        "/partners/referrals/",
        f"/partners/referrals/{f.referral.pk}/",
    ]


PUBLIC_PAGES = ["/report/", "/report/status/", "/report/done/", "/accounts/login/", "/admin/login/"]


def assert_security_headers(response, url: str) -> None:
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
    assert "frame-ancestors 'none'" in policy, url
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
    assert "object-src 'none'" in policy, url
    assert response["Referrer-Policy"] == "same-origin", url
    assert "camera=()" in response["Permissions-Policy"], url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["X-Frame-Options"] == "DENY", url


def test_every_page_of_a_childs_data_carries_the_headers_and_no_store(world, supervisor):
    client = web_client(supervisor)
    for url in signed_in_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


def test_the_public_pages_carry_the_headers(areas):
    client = web_client(None)
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)


def test_error_pages_downloads_and_the_api_carry_the_headers(world, supervisor):
    client = web_client(supervisor)
    for url, status in [
        ("/children/999999/", 404),
        ("/api/v1/children/", 200),
        (f"/api/v1/children/{world['file'].child.pk}/", 200),
        ("/api/docs/", 200),
        ("/api/schema/", 200),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response, url)
        assert "no-store" in response["Cache-Control"], url


def test_the_api_docs_load_their_script_from_a_url_not_inline(supervisor):
    html = web_client(supervisor).get("/api/docs/").content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = web_client(supervisor).get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), 'style="" attribute'),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


# The PDFs' templates (`*_pdf.html`) are fed to WeasyPrint on the server and never sent to a
# browser: their stylesheet is inline because nothing may be fetched while a PDF is made.
SERVED = sorted(t for t in TEMPLATES.rglob("*.html") if not t.name.endswith("_pdf.html"))


@pytest.mark.parametrize("template", SERVED, ids=str)
def test_no_template_holds_inline_script_or_style(template):
    source = template.read_text()
    for pattern, what in INLINE:
        assert not pattern.search(source), f"{template.relative_to(TEMPLATES)}: {what}"
