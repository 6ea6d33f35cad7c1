"""The notification of a concern opens the concern (where it is handled or made into a report),
not the visit that raised it."""

import importlib

from django.apps import apps

from tests.conftest import web_client
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.visits import services
from weibao.visits.models import Concern

ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "yes",
    "away_without_carer": "no",
    "no_weekly_contact": "yes",
}


def test_a_concern_notification_opens_the_concern_even_when_the_visit_raised_several(
    child_a, director_a, supervisor
):
    visit = services.visit_start(actor=director_a, child=child_a)
    services.visit_complete(actor=director_a, visit=visit, expected_version=1, data=ANSWERS)
    first = Concern.objects.filter(visit=visit).order_by("id").first()
    (note,) = Notification.objects.filter(recipient=supervisor, kind="concern_raised")
    client = web_client(supervisor)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response.url == f"/concerns/{first.pk}/"
    assert client.get(response.url).status_code == 200


def test_concern_notifications_sent_with_the_visits_link_are_pointed_at_the_concern(
    concern_a, supervisor
):
    old = {"kind": "concern_raised", "key": f"concern:{concern_a.pk}", "url": "/visits/7/"}
    notify(recipient_id=supervisor.pk, **old)
    notify(recipient_id=supervisor.pk, kind="visit_overdue", key="visit_overdue:3", url="/x/")
    migration = importlib.import_module(
        "weibao.visits.migrations.0008_concern_notifications_open_the_concern"
    )
    migration.forwards(apps, None)
    urls = dict(Notification.objects.values_list("kind", "url"))
    assert urls == {"concern_raised": f"/concerns/{concern_a.pk}/", "visit_overdue": "/x/"}
