"""The weekly-contact check is asked the other way round, so that "yes" is the risk answer as
for every other check (docs/domain.md §4.7): "Are the parents or carer in touch with the child
at least weekly?" becomes "Do the parents or carer fail to contact the child at least once a
week?". The column is renamed and every stored yes/no is flipped, so each row keeps its meaning;
"not applicable" and unanswered stay. Flipping is its own inverse, so the reverse step is the
same function. The audit rows keep the old name and answer: they record what was asked then."""

from django.db import migrations, models
from django.db.models import Case, F, Value, When

FLIP = Case(
    When(no_weekly_contact="yes", then=Value("no")),
    When(no_weekly_contact="no", then=Value("yes")),
    default=F("no_weekly_contact"),
)


def flip_answers(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Visit.objects.filter(no_weekly_contact__in=("yes", "no")).update(no_weekly_contact=FLIP)


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0008_concern_notifications_open_the_concern"),
    ]

    operations = [
        migrations.RenameField(
            model_name="visit",
            old_name="weekly_contact",
            new_name="no_weekly_contact",
        ),
        migrations.AlterField(
            model_name="visit",
            name="no_weekly_contact",
            field=models.CharField(
                blank=True,
                choices=[("yes", "Yes"), ("no", "No"), ("na", "Not applicable")],
                max_length=3,
                verbose_name="Do the parents or carer fail to contact the child at least once a week?",
            ),
        ),
        migrations.RunPython(flip_answers, flip_answers, elidable=False),
    ]
