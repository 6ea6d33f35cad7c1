"""The notification list: unread notifications of one kind are one line with their count,
which opens onto each of them."""

import re

from tests.conftest import web_client
from weibao.notifications.models import Notification
from weibao.notifications.services import notify


def _overdue(user, i: int) -> None:
    notify(
        recipient_id=user.pk,
        kind=Notification.Kind.VISIT_OVERDUE_7,
        key=f"visit_overdue_7:{i}",
        params={"child": f"孩子{i}", "date": "2025-03-05"},
        url=f"/children/{i}/",
    )


def test_unread_notifications_of_one_kind_are_one_line_with_their_count(supervisor):
    for i in range(19):
        _overdue(supervisor, i)
    notify(
        recipient_id=supervisor.pk,
        kind=Notification.Kind.REPORT_RECEIVED,
        key="report_received:1",
        params={"reference": "R20250101-ABCDE"},
    )
    page = web_client(supervisor).get("/notifications/").content.decode()
    assert page.count("19 次走访已逾期超过 7 天") == 1
    group = re.search(r"<details>.*?</details>", page, re.S).group(0)
    assert group.count("/open/") == 19
    assert "R20250101-ABCDE" not in group  # a kind that came once is its own line
    assert "R20250101-ABCDE" in page


def test_read_notifications_are_not_grouped(supervisor):
    for i in range(3):
        _overdue(supervisor, i)
    Notification.objects.update(read_at="2025-03-06T00:00:00Z")
    response = web_client(supervisor).get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["groups"] == []
    assert len(response.context["items"]) == 3
    assert "<details>" not in response.content.decode()


def test_a_group_is_marked_read_in_one_go_and_the_rest_stay_unread(supervisor):
    for i in range(4):
        _overdue(supervisor, i)
    notify(
        recipient_id=supervisor.pk,
        kind=Notification.Kind.REPORT_RECEIVED,
        key="report_received:1",
        params={"reference": "R20250101-ABCDE"},
    )
    client = web_client(supervisor)
    page = client.get("/notifications/").content.decode()
    assert 'name="kind" value="visit_overdue_7"' in page
    client.post("/notifications/read/", {"kind": "visit_overdue_7"})
    unread = Notification.objects.filter(recipient=supervisor, read_at__isnull=True)
    assert list(unread.values_list("kind", flat=True)) == ["report_received"]
    # An unknown kind marks nothing (not everything); the button without a kind marks all.
    client.post("/notifications/read/", {"kind": "no_such_kind"})
    assert unread.count() == 1
    client.post("/notifications/read/")
    assert unread.count() == 0
