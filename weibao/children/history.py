"""Turns the audit rows of a child into lines a person can read, in the current language.

Audit rows keep raw values (codes, ISO dates) so they stay true whatever the language; the labels
are looked up when the history is shown. The free text of health, family and harm details is
sealed in the rows written since audit.sealing: it is opened here, for the readers of the file
who see the same text on the file itself."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened
from weibao.children.categories import Category
from weibao.children.choices import Relation
from weibao.children.hooks import history_actions, history_models
from weibao.children.models import Child, Guardian

ACTION_LABELS = {
    "child.create": gettext_lazy("Registered"),
    "child.update": gettext_lazy("Edited"),
    "child.status": gettext_lazy("Status changed"),
    "child.returned_home": gettext_lazy("Returned home after protection"),
    "child.move": gettext_lazy("Moved to another residential area (transfer accepted)"),
    "child.move_with_area": gettext_lazy(
        "Moved to another residential area (residential area merged or closed)"
    ),
    "child.anonymise": gettext_lazy("Anonymised at the end of the retention period"),
    # The transfers app's rows (its model is registered on history_models).
    "transfer.request": gettext_lazy("Transfer requested"),
    "transfer.accept": gettext_lazy("Transfer accepted"),
    "transfer.refuse": gettext_lazy("Transfer refused"),
    "transfer.cancel": gettext_lazy("Transfer cancelled"),
    "visit.complete": gettext_lazy("Visit recorded"),
    "concern.handle": gettext_lazy("Concern handled"),
}


def _higher_actions() -> dict:
    return {key: action for part in history_actions.call() for key, action in part.items()}


def _model_of(event: AuditEvent):
    """The model whose fields the row's changes name (a visit's answers are not child
    fields)."""
    models = {key: model for part in history_models.call() for key, model in part.items()}
    return models.get(event.object_type, Child)


@dataclass
class ChangeLine:
    label: str
    old: str | None  # None: a value recorded, not changed (a visit's answers)
    new: str


def _label(model, field: str) -> str:
    extra = {
        "categories": _("categories"),
        "community": _("residential area"),
        "id_number": _("ID number"),
        "address": _("home address"),
        "phone": _("phone"),
        "created_at": _("registered on"),
    }
    if field in extra:
        return str(extra[field])
    try:
        return str(model._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        retired = _retired(model, field)
        return str(retired[0]) if retired else field


def _retired(model, field: str) -> tuple[Any, Any] | None:
    """(label, choices) of a field the model no longer has but older audit rows name: a model
    lists them in RETIRED_FIELDS, so a row reads as the question was asked when it was written."""
    return getattr(model, "RETIRED_FIELDS", {}).get(field)


def _display(model, field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict) and "name" in value:
        return value["name"]
    if field == "categories":
        labels = dict(Category.choices)
        return "、".join(str(labels.get(c, c)) for c in value) or "—"
    try:
        choices = dict(model._meta.get_field(field).flatchoices)
    except FieldDoesNotExist:
        retired = _retired(model, field)
        choices = dict(retired[1]) if retired else {}
    return str(choices.get(value, value))


# Rows shown by their label alone: a registration's "— → value" for every field would repeat
# the file itself (the audit row keeps them all).
LABEL_ONLY = frozenset({"child.create", "child.anonymise"})
# Rows that record something new (a visit and its answers): each line is "question: answer",
# not "— → answer".
RECORDS = frozenset({"visit.complete"})


def _is_relation(model, field: str) -> bool:
    try:
        return model._meta.get_field(field).is_relation
    except FieldDoesNotExist:
        return False


def describe(event: AuditEvent) -> list[ChangeLine]:
    higher = _higher_actions().get(event.action)
    if event.action in LABEL_ONLY or (higher is not None and not higher.lines):
        return []
    lines = []
    model = _model_of(event)
    for field, change in opened(event.changes).items():
        if field == "guardians":
            lines.extend(_describe_guardians(change))
            continue
        if not isinstance(change, dict):
            change = {"new": change}
        # A link kept as a bare id (the activity of a sign-up, the team of a member) says
        # nothing to a reader; the row's label says what it is about.
        if _is_relation(model, field) and any(
            isinstance(change.get(side), int) for side in ("old", "new")
        ):
            continue
        old = None if event.action in RECORDS else _display(model, field, change.get("old"))
        lines.append(
            ChangeLine(_label(model, field), old, _display(model, field, change.get("new")))
        )
    return lines


def _describe_guardians(changes: list[dict[str, Any]]) -> list[ChangeLine]:
    lines = []
    for change in changes:
        who = _("Guardian %(name)s") % {"name": change.get("name", "")}
        if change["op"] == "add":
            lines.append(ChangeLine(who, "—", str(_("added"))))
        elif change["op"] == "remove":
            lines.append(ChangeLine(who, str(_("removed")), "—"))
        else:
            for field, c in change.get("fields", {}).items():
                label = f"{who} · {_label(Guardian, field)}"
                if field == "relation":
                    rel = dict(Relation.choices)
                    old, new = rel.get(c["old"], c["old"]), rel.get(c["new"], c["new"])
                else:
                    old, new = (
                        _display(Guardian, field, c["old"]),
                        _display(Guardian, field, c["new"]),
                    )
                lines.append(ChangeLine(label, str(old), str(new)))
    return lines


def child_history(child: Child) -> QuerySet[AuditEvent]:
    """The file's own history. Case and report rows are left out: they belong to the case
    timeline and the report, which have their own, narrower scope (a director who may read the
    child's file may not see a case someone else owns). Read with the child's district (the
    rows' own copy of it, AuditEvent.district): the key that routes the read to one partition
    or Citus worker (docs/scale.md)."""
    return (
        AuditEvent.objects.filter(district_id=child.district_id, child=child, case__isnull=True)
        .exclude(action__startswith="report.")
        .select_related("actor")
        .order_by("-at", "-id")
    )


def action_label(event: AuditEvent) -> str:
    label = ACTION_LABELS.get(event.action)
    if label is None:
        higher = _higher_actions().get(event.action)
        label = higher.label if higher is not None else event.action
    return str(label)
