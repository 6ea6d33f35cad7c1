"""The shared pager (_pager.html): its previous and next links keep the list's other filters."""

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from tests.conftest import web_client
from weibao.cases import services
from weibao.visits.models import Concern

pytestmark = pytest.mark.usefixtures("english")

PAGER_RE = re.compile(r'<nav class="pager">(.*?)</nav>', re.S)
LINK_RE = re.compile(r'<a href="\?([^"]*)">([^<]*)</a>')


def pager_links(response) -> dict[str, dict[str, list[str]]]:
    """The pager's links by label ("Previous", "Next"), each as its parsed query string."""
    assert response.status_code == 200
    (nav,) = PAGER_RE.findall(response.content.decode())
    return {
        label.strip("‹› "): parse_qs(unescape(query), keep_blank_values=True)
        for query, label in LINK_RE.findall(nav)
    }


def test_the_case_list_pager_keeps_the_filters(monkeypatch, make_child, supervisor, areas):
    monkeypatch.setattr("weibao.cases.views.PAGE_SIZE", 2)
    for name in ["一", "二", "三"]:
        services.case_open(actor=supervisor, child=make_child(name=f"孩子{name}"))
    client = web_client(supervisor)
    community = str(areas["community_a"].pk)
    filters = {"stage": ["discovered"], "community": [community]}

    first = client.get("/cases/", {"stage": "discovered", "community": community})
    assert "Page 1 of 2" in first.content.decode()
    assert pager_links(first) == {"Next": {**filters, "page": ["2"]}}

    second = client.get("/cases/", {"stage": "discovered", "community": community, "page": 2})
    assert "Page 2 of 2" in second.content.decode()
    assert pager_links(second) == {"Previous": {**filters, "page": ["1"]}}


def test_the_children_list_pager_keeps_the_filters(monkeypatch, make_child, director_a):
    monkeypatch.setattr("weibao.children.views.PAGE_SIZE", 2)
    for name in ["一", "二", "三", "四", "五"]:
        make_child("community_a", name=f"孩子{name}", categories=("left_behind",))
    make_child("community_a", name="别的孩子", categories=("economic_hardship",))
    client = web_client(director_a)
    filters = {"category": ["left_behind"], "q": ["孩子"]}

    middle = client.get("/children/", {"category": "left_behind", "q": "孩子", "page": 2})
    assert "Page 2 of 3" in middle.content.decode()
    assert pager_links(middle) == {
        "Previous": {**filters, "page": ["1"]},
        "Next": {**filters, "page": ["3"]},
    }


def test_the_concern_list_pager_keeps_the_state(monkeypatch, child_a, director_a):
    monkeypatch.setattr("weibao.visits.views.PAGE_SIZE", 1)
    for _ in range(2):
        Concern.objects.create(
            child=child_a,
            district=child_a.district,
            subdistrict=child_a.subdistrict,
            community=child_a.community,
            kind=Concern.Kind.UNDER16_ALONE,
            description="Lives alone.",
            raised_by=director_a,
        )
    first = web_client(director_a).get("/concerns/", {"state": "open"})
    assert pager_links(first) == {"Next": {"state": ["open"], "page": ["2"]}}
