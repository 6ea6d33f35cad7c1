"""Every district present gets the default training topics (training.choices.DEFAULT_TOPICS as
they stood here); a district made later gets them from training.services.topics_ensure_defaults
the first time its people open a training form."""

from django.db import migrations

DEFAULT_TOPICS = (
    "民法典",
    "未成年人保护法",
    "强制报告",
    "家庭监护指导",
    "预防未成年人犯罪法",
    "个案管理",
)


def seed(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    TrainingTopic = apps.get_model("training", "TrainingTopic")
    for district in Area.objects.filter(level="district"):
        if TrainingTopic.objects.filter(district=district).exists():
            continue
        TrainingTopic.objects.bulk_create(
            [TrainingTopic(district=district, name=name) for name in DEFAULT_TOPICS]
        )


def unseed(apps, schema_editor):
    TrainingTopic = apps.get_model("training", "TrainingTopic")
    TrainingTopic.objects.filter(name__in=DEFAULT_TOPICS, sessions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial"), ("areas", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
