"""/api/v1/notifications/: each user reads and marks only their own notifications, each
rendered in the language of the request."""

import pytest
from django.utils import translation

from tests.conftest import api_client
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message
from weibao.notifications.services import notify

LIST = "/api/v1/notifications/"
MARK_READ = LIST + "mark-read/"
UNREAD = LIST + "unread-count/"


@pytest.fixture
def inbox(child_a, child_b, supervisor, director_a, director_b):
    """Three notifications for the supervisor (one already read), one for director_b."""
    for key, recipient, child, kind, params in [
        ("c1", supervisor, child_a, "concern_raised", {"concern": "under16_alone"}),
        ("o1", supervisor, child_a, "visit_overdue_7", {"date": "2025-03-01"}),
        ("o2", supervisor, child_b, "visit_overdue", {"date": "2025-03-05"}),
        ("o3", director_b, child_b, "visit_overdue", {"date": "2025-03-05"}),
    ]:
        notify(
            recipient_id=recipient.pk,
            kind=kind,
            key=key,
            child=child,
            params={"child": child.name, **params},
            url=f"/children/{child.pk}/",
        )
    Notification.objects.filter(key="o1").update(read_at="2025-03-10T08:00:00Z")
    return {n.key: n for n in Notification.objects.all()}


def keys(response) -> set[str]:
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    return set(Notification.objects.filter(pk__in=ids).values_list("key", flat=True))


@pytest.mark.parametrize(("method", "url"), [("get", LIST), ("get", UNREAD), ("post", MARK_READ)])
def test_anonymous_client_is_asked_to_authenticate(inbox, method, url):
    response = getattr(api_client(None), method)(url, {}, format="json")
    assert response.status_code == 401
    assert not Notification.objects.filter(key="c1", read_at__isnull=False).exists()


def test_each_user_sees_only_their_own_notifications(inbox, supervisor, director_b, director_a):
    assert keys(api_client(supervisor).get(LIST)) == {"c1", "o1", "o2"}
    assert keys(api_client(director_b).get(LIST)) == {"o3"}
    assert keys(api_client(director_a).get(LIST)) == set()


def test_unread_filter_and_count(inbox, supervisor):
    client = api_client(supervisor)
    assert keys(client.get(LIST, {"unread": "1"})) == {"c1", "o2"}
    assert keys(client.get(LIST, {"unread": "0"})) == {"c1", "o1", "o2"}
    assert client.get(UNREAD).json() == {"unread": 2}


def test_a_notification_carries_its_rendered_message_and_read_state(inbox, supervisor, child_a):
    rows = {r["id"]: r for r in api_client(supervisor).get(LIST).json()["results"]}
    concern = rows[inbox["c1"].pk]
    with translation.override("zh-hans"):
        expected = message(inbox["c1"])
    assert concern["message"] == expected
    assert "张小明" in concern["message"]
    assert (concern["kind"], concern["child"], concern["read"]) == (
        "concern_raised",
        child_a.pk,
        False,
    )
    assert concern["url"] == f"/children/{child_a.pk}/"
    assert rows[inbox["o1"].pk]["read"] is True
    assert rows[inbox["o1"].pk]["read_at"]


def test_the_message_follows_the_request_language(inbox, supervisor):
    response = api_client(supervisor).get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    rows = {r["id"]: r for r in response.json()["results"]}
    assert rows[inbox["c1"].pk]["message"] == (
        "A concern was raised about 张小明: Child under 16 living alone (Art. 21)."
    )
    assert rows[inbox["o2"].pk]["message"] == (
        "The visit to 李小红 was due on 2025-03-05 and is overdue."
    )


def test_marking_given_ids_read_touches_only_the_users_own(inbox, supervisor):
    ids = [inbox["c1"].pk, inbox["o3"].pk]  # o3 belongs to director_b
    response = api_client(supervisor).post(MARK_READ, {"ids": ids}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("key", flat=True))
    assert unread == {"o2", "o3"}


def test_marking_without_ids_marks_all_of_the_users_own(inbox, supervisor):
    response = api_client(supervisor).post(MARK_READ, {}, format="json")
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.get(key="o3").read_at is None
    assert api_client(supervisor).get(LIST, {"unread": "1"}).json()["count"] == 0


def test_marking_an_already_read_notification_keeps_its_time(inbox, supervisor):
    before = Notification.objects.get(key="o1").read_at
    response = api_client(supervisor).post(MARK_READ, {"ids": [inbox["o1"].pk]}, format="json")
    assert response.json()["marked"] == 0
    assert Notification.objects.get(key="o1").read_at == before


@pytest.mark.parametrize(
    "body",
    [
        {"ids": "all"},
        {"ids": ["x"]},
        {"ids": [2**63]},
        {"ids": [0]},
        {"ids": list(range(1, 1100))},
        {"ids": [1], "all": True},
        [1, 2],
    ],
)
def test_malformed_mark_read_input_is_a_400_and_marks_nothing(inbox, supervisor, body):
    response = api_client(supervisor).post(MARK_READ, body, format="json")
    assert response.status_code == 400
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


def test_an_unknown_unread_value_is_a_400(supervisor):
    response = api_client(supervisor).get(LIST, {"unread": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) == {"unread"}
