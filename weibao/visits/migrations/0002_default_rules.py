from django.db import migrations

# 一月一访 for 监护缺失 and 监护不当 is Changning practice (the seed); the other intervals are
# starting points a district changes on the visit-rules page.
DEFAULT_RULES = {
    "guardianship_missing": 1,
    "guardianship_improper": 1,
    "de_facto_unsupported": 1,
    "orphan": 3,
    "left_behind": 3,
    "economic_hardship": 3,
    "disability": 3,
    "migrant_hardship": 3,
    "serious_illness": 3,
    "autism": 6,
}


def create_rules(apps, schema_editor):
    VisitRule = apps.get_model("visits", "VisitRule")
    for key, months in DEFAULT_RULES.items():
        VisitRule.objects.get_or_create(key=key, defaults={"interval_months": months})
    VisitRule.objects.get_or_create(
        key="returned_home", defaults={"interval_months": 1, "duration_months": 6}
    )


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
