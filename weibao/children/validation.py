"""The rules a child's file must satisfy, in one place for the web form, the API and the services.

Each rule reports a message against the field the user has to fix."""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cache
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
from weibao.children.selectors import DuplicateOwner, id_number_owner

Errors = dict[str, list[str]]


@dataclass
class KnownLookups:
    """What a batch of new files (children.services.children_create_many) looked up once for
    all its items instead of once per item: the 居民区 the actor may register into and the ID
    numbers already registered (children.selectors.id_number_owners; a number absent from
    `owners` is not registered)."""

    community_ids: frozenset[int]
    owners: dict[str, DuplicateOwner] = dataclasses.field(default_factory=dict)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def validate_child_data(
    *,
    actor,
    data: dict[str, Any],
    instance: Child | None = None,
    link_duplicates: bool = False,
    today: dt.date | None = None,
    known: KnownLookups | None = None,
) -> Errors:
    """Check the values a user gave for a child's file. `data` holds the final values (for an
    update, the existing values merged with the changed ones); an empty id_number on update
    means "unchanged". Returns field → messages; empty when all is well. `known` answers the
    scope and ID-number questions of a new file from a batch's lookups."""
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
    _check_community(errors, actor, data.get("community"), instance, known)
    _check_id_number(errors, actor, data, instance, link_duplicates, known)

    if data.get("disability_level") and not data.get("disability_type"):
        _add(errors, "disability_type", _("Choose the type of disability for this grade."))

    unknown = set(data.get("categories") or []) - set(Category.values)
    if unknown:
        _add(errors, "categories", _("Unknown category: %(c)s") % {"c": ", ".join(sorted(unknown))})
    return errors


REQUIRED_CHOICES = ("sex", "hukou_type")


@cache
def _choice_values() -> dict[str, frozenset]:
    """The allowed values of each field of Child with choices (fixed in the code)."""
    return {
        f.name: frozenset(dict(f.flatchoices))
        for f in Child._meta.get_fields()
        if getattr(f, "choices", None)
    }


def _check_choices(errors: Errors, data: dict[str, Any]) -> None:
    for name in REQUIRED_CHOICES:
        if not data.get(name):
            _add(errors, name, _("Please choose a value."))
    for name, values in _choice_values().items():
        value = data.get(name)
        if value not in (None, "") and value not in values:
            _add(errors, name, _("Unknown value: %(v)s") % {"v": value})


def _check_community(
    errors: Errors, actor, community, instance: Child | None, known: KnownLookups | None
) -> None:
    if community is None:
        _add(errors, "community", _("Please choose the residential area."))
        return
    if instance is not None and community.pk == instance.community_id:
        return
    if known is not None:
        allowed = community.pk in known.community_ids
    else:
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
    errors: Errors,
    actor,
    data: dict[str, Any],
    instance: Child | None,
    link: bool,
    known: KnownLookups | None,
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
    if known is not None and instance is None:
        owner = known.owners.get(number)
    else:
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
