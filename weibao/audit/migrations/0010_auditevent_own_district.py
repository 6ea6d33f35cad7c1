"""The audit rows about neither a child nor a case get the district of the object they name,
by the rules audit.services.own_district follows from now on: an area's (the district it lies
in), the `district` column of the object's model (a workstation, a training session, a report,
a district's policy, …), or the district of its `area` (a partner, a role) — and, for the four
records whose row names none, their parent's, as their services now pass it (a station's
evidence, an activity's feedback, a council meeting's decision, a person's honour). The rows
about an account, a token, a job or a site-wide rule keep none (docs/scale.md says where those
go before the table is distributed).

One UPDATE per kind of object among the rows still without a district, setting it from the
object's row by its id; a kind that the historical models do not know, or whose model names no
district, is left as it is. As in 0009, the append-only trigger (which lets an UPDATE of the
district alone through anyway) is switched off inside the migration's transaction, so that a
long log is not compared row by row."""

from django.core.exceptions import FieldDoesNotExist
from django.db import migrations
from django.db.models import BigIntegerField, Case, F, OuterRef, Subquery, When
from django.db.models.functions import Cast

TABLE = "audit_auditevent"
TRIGGER = f"{TABLE}_append_only"

# The records whose own row names no district: the way to their parent's (their services pass
# it to audit_record since this migration).
THROUGH_PARENT = {
    "stations.itemevidence": "station__district",
    "activities.feedback": "activity__district",
    "council.councildecision": "meeting__district",
    "staff.honour": "member__district",
}


def _area_link(model) -> str | None:
    """The column of `model` that names its district, or an area: "district", "area", None."""
    for name in ("district", "area"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.is_relation and field.related_model._meta.label == "areas.Area":
            return name
    return None


def _district_of_area(prefix: str) -> Case:
    """The district of the area at `prefix` ("" for the row itself, "area__" for its area): a
    district is its own, a 街镇's is its parent, a 居民区's its parent's parent."""
    return Case(
        When(**{f"{prefix}level": "district"}, then=F(f"{prefix}id")),
        When(**{f"{prefix}level": "subdistrict"}, then=F(f"{prefix}parent_id")),
        default=F(f"{prefix}parent__parent_id"),
        output_field=BigIntegerField(),
    )


def _district(apps, kind: str):
    """The expression of the district of the object named by an audit row of `kind`, or None."""
    app_label, _, model_name = kind.partition(".")
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:  # "job", or a model the historical state does not hold
        return None
    row = model.objects.filter(pk=Cast(OuterRef("object_id"), BigIntegerField()))
    if kind in THROUGH_PARENT:
        value = F(THROUGH_PARENT[kind])
    elif model._meta.label == "areas.Area":
        value = _district_of_area("")
    elif (link := _area_link(model)) == "district":
        value = F("district")
    elif link == "area":
        value = _district_of_area("area__")
    else:
        return None
    return Subquery(row.annotate(district_of=value).values("district_of")[:1])


def fill_own_district(apps, schema_editor):
    events = apps.get_model("audit", "AuditEvent")
    without = events.objects.filter(district__isnull=True, child__isnull=True, case__isnull=True)
    kinds = sorted(set(without.values_list("object_type", flat=True).distinct()))
    values = {kind: value for kind in kinds if (value := _district(apps, kind)) is not None}
    if not values:
        return
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    for kind, value in values.items():
        without.filter(object_type=kind).update(district_id=value)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_auditevent_district"),
    ]

    operations = [
        migrations.RunPython(fill_own_district, migrations.RunPython.noop),
    ]
