"""The site's icon: served by the app itself, linked from every page, and at /favicon.ico."""

import pytest

from tests.conftest import web_client


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")],
)
def test_the_root_icons_lead_to_the_apps_own_files(db, path, content_type):
    response = web_client(None).get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith("/static/weibao/")
    assert response["Content-Type"].startswith(content_type)


def test_every_page_links_the_apps_icon(db):
    html = web_client(None).get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/weibao/favicon.svg"' in html
    for path in ["/static/weibao/favicon.svg", "/static/weibao/favicon.png"]:
        assert web_client(None).get(path).status_code == 200, path
