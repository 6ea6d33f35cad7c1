"""The rules a child's file must satisfy, in one place for the web form, the API and the services.

Each rule reports a message against the field the user has to fix."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from weibao.accounts.selectors import communities_visible_to
from weibao.areas.models import Area
from weibao.children import idnumber
from weibao.children.categories import Category
from weibao.children.hooks import community_change_guards
from weibao.children.models import Child, adult_cutoff
from weibao.children.selectors import id_number_owner

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def validate_child_data(
    *,
    actor,
    data: dict[str, Any],
    instance: Child | None = None,
    link_duplicates: bool = False,
    today: dt.date | None = None,
) -> Errors:
    """Check the values a user gave for a child's file. `data` holds the final values (for an
    update, the existing values merged with the changed ones); an empty id_number on update
    means "unchanged". Returns field → messages; empty when all is well."""
    today = today or timezone.localdate()
    errors: Errors = {}

    if not (data.get("name") or "").strip():
        _add(errors, "name", _("Please enter the child's name."))

    birth_date = data.get("birth_date")
    birth_date_changed = instance is None or birth_date != instance.birth_date
    if birth_date is None:
        _add(errors, "birth_date", _("Please enter the birth date."))
    elif birth_date_changed:
        # Only a new or changed birth date must be a minor's: the file of a child who has since
        # turned 18 stays editable (benefits can continue for full-time study).
        if birth_date > today:
            _add(errors, "birth_date", _("The birth date cannot be in the future."))
        elif birth_date <= adult_cutoff(today):
            _add(
                errors,
                "birth_date",
                _("This person is 18 or over and cannot be registered as a minor."),
            )

    _check_choices(errors, data)
    _check_community(errors, actor, data.get("community"), instance)
    _check_id_number(errors, actor, data, instance, link_duplicates)

    if data.get("disability_level") and not data.get("disability_type"):
        _add(errors, "disability_type", _("Choose the type of disability for this grade."))

    unknown = set(data.get("categories") or []) - set(Category.values)
    if unknown:
        _add(errors, "categories", _("Unknown category: %(c)s") % {"c": ", ".join(sorted(unknown))})
    return errors


REQUIRED_CHOICES = ("sex", "hukou_type")


def _check_choices(errors: Errors, data: dict[str, Any]) -> None:
    for field in REQUIRED_CHOICES:
        if not data.get(field):
            _add(errors, field, _("Please choose a value."))
    for field in Child._meta.get_fields():
        choices = getattr(field, "choices", None)
        value = data.get(field.name)
        if choices and value not in (None, "") and value not in dict(field.flatchoices):
            _add(errors, field.name, _("Unknown value: %(v)s") % {"v": value})


def _check_community(errors: Errors, actor, community, instance: Child | None) -> None:
    if community is None:
        _add(errors, "community", _("Please choose the residential area."))
        return
    if instance is not None and community.pk == instance.community_id:
        return
    allowed = communities_visible_to(actor).filter(pk=community.pk).exists()
    if community.level != Area.Level.COMMUNITY or not allowed:
        _add(errors, "community", _("You can only register children in your own areas."))
        return
    if community.closed_at is not None:
        _add(errors, "community", _("%(area)s is closed.") % {"area": community.name})
        return
    # Correcting a registration typo is an edit; moving a child whose case or visits would be
    # left behind is a transfer with a handover (docs/domain.md §3.12).
    refusal = community_change_guards.first(child=instance) if instance is not None else None
    if refusal:
        _add(errors, "community", refusal)


def _check_id_number(
    errors: Errors, actor, data: dict[str, Any], instance: Child | None, link: bool
) -> None:
    raw = data.get("id_number") or ""
    number = idnumber.normalize(raw)
    if not number:
        if instance is None:
            _add(errors, "id_number", _("Please enter the ID number."))
            return
        number = instance.id_number  # unchanged: still has to agree with birth date and sex
    else:
        problems = idnumber.format_errors(number)
        if problems:
            errors.setdefault("id_number", []).extend(problems)
            return
    for field, messages in idnumber.consistency_errors(
        number, data.get("birth_date"), data.get("sex")
    ).items():
        errors.setdefault(field, []).extend(messages)

    if instance is not None and number == instance.id_number:
        return
    owner = id_number_owner(actor, number, exclude_pk=instance.pk if instance else None)
    if owner is None:
        return
    if owner.child is not None:
        message = _("A child with this ID number is already registered: %(name)s.") % {
            "name": owner.child.name
        }
        if link:
            url = reverse("children:detail", args=[owner.child.pk])
            message = format_html('{} <a href="{}">{}</a>', message, url, _("Open the file"))
        _add(errors, "id_number", message)
    else:
        _add(
            errors,
            "id_number",
            _(
                "A child with this ID number is already registered in another area. "
                "Please contact your sub-district's child supervisor."
            ),
        )
