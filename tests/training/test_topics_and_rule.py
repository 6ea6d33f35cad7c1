"""The district's list of topics (seeded with the defaults: by the data migration for the
districts then present, on first use for a district made later) and its training rule; kept
by district staff only, every change audited."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import web_client
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.training.choices import DEFAULT_TOPICS
from weibao.training.models import TrainingPolicy, TrainingTopic
from weibao.training.selectors import training_rule
from weibao.training.services import (
    topic_create,
    topic_update,
    topics_ensure_defaults,
    training_policy_update,
)

seeding = importlib.import_module("weibao.training.migrations.0002_default_topics")


def _names(district) -> list[str]:
    return list(
        TrainingTopic.objects.filter(district=district)
        .order_by("pk")
        .values_list("name", flat=True)
    )


def test_the_data_migration_gives_every_district_the_defaults_once(areas):
    other = Area.objects.create(name="徐汇区", code="310104", level="district")
    seeding.seed(django_apps, None)
    seeding.seed(django_apps, None)
    assert _names(areas["district"]) == _names(other) == list(DEFAULT_TOPICS)
    assert DEFAULT_TOPICS[:3] == ("民法典", "未成年人保护法", "强制报告")


def test_a_district_made_later_gets_the_defaults_when_a_form_is_first_opened(
    areas, district_officer
):
    assert _names(areas["district"]) == []
    assert web_client(district_officer).get("/training/new/").status_code == 200
    assert _names(areas["district"]) == list(DEFAULT_TOPICS)
    event = AuditEvent.objects.get(action="training.topics_default")
    assert (event.actor, event.changes["topics"]) == (district_officer, list(DEFAULT_TOPICS))
    assert topics_ensure_defaults(district=areas["district"]) == 0
    assert AuditEvent.objects.filter(action="training.topics_default").count() == 1


def test_district_staff_add_rename_and_retire_topics_audited(areas, district_officer):
    topic = topic_create(actor=district_officer, district=areas["district"], name="心理危机干预")
    assert len(_names(areas["district"])) == len(DEFAULT_TOPICS) + 1
    with pytest.raises(ValidationError) as exc:
        topic_create(actor=district_officer, district=areas["district"], name="心理危机干预")
    assert "name" in exc.value.message_dict
    topic = topic_update(actor=district_officer, topic=topic, name="心理危机干预与转介")
    topic = topic_update(actor=district_officer, topic=topic, active=False)
    assert (topic.name, topic.active) == ("心理危机干预与转介", False)
    actions = list(
        AuditEvent.objects.filter(object_type="training.trainingtopic")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["training.topic_create", "training.topic_update", "training.topic_update"]


@pytest.mark.parametrize("persona", ["supervisor", "station_staff", "director_a"])
def test_only_district_staff_keep_the_topics_and_the_rule(request, persona, areas):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        topic_create(actor=user, district=areas["district"], name="x")
    with pytest.raises(PermissionDenied):
        training_policy_update(
            actor=user, district=areas["district"], required_roles=["director"], min_hours=2
        )
    client = web_client(user)
    assert client.get("/training/settings/").status_code == 404
    assert client.post("/training/topics/new/", {"name": "x"}).status_code == 404


def test_the_rule_is_set_on_the_settings_page_and_audited(areas, district_officer):
    assert training_rule(areas["district"]).min_hours == Decimal("4")
    client = web_client(district_officer)
    page = client.get("/training/settings/").content.decode()
    assert "民法典" in page and "须参训的岗位" in page
    prefix = f"d{areas['district'].pk}"
    response = client.post(
        "/training/settings/",
        {"district": areas["district"].pk, f"{prefix}-required_roles": ["director"],
         f"{prefix}-min_hours": "6"},
    )  # fmt: skip
    assert response.status_code == 302
    rule = training_rule(areas["district"])
    assert (rule.roles, rule.min_hours) == (("director",), Decimal("6.0"))
    event = AuditEvent.objects.get(action="training.policy")
    assert event.changes["min_hours"] == {"old": "4.0", "new": "6.0"}
    bad = client.post(
        "/training/settings/",
        {"district": areas["district"].pk, f"{prefix}-min_hours": "0"},
    )
    assert bad.status_code == 200 and TrainingPolicy.objects.get().min_hours == Decimal("6.0")


def test_topics_are_added_renamed_and_retired_on_the_page(areas, district_officer):
    client = web_client(district_officer)
    client.get("/training/settings/")
    client.post("/training/topics/new/", {"district": areas["district"].pk, "name": "校园欺凌"})
    topic = TrainingTopic.objects.get(name="校园欺凌")
    client.post(f"/training/topics/{topic.pk}/", {"name": "校园欺凌防治"})
    client.post(f"/training/topics/{topic.pk}/", {"active": "0"})
    topic.refresh_from_db()
    assert (topic.name, topic.active) == ("校园欺凌防治", False)
    duplicate = client.post(
        "/training/topics/new/", {"district": areas["district"].pk, "name": "民法典"}, follow=True
    )
    assert "本区已有这个主题" in duplicate.content.decode()
