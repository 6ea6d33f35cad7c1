"""Every change to a child's file goes through these functions. Each runs in one transaction and
writes its audit row there, so the history can never disagree with the data."""

import dataclasses
import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    REVEAL_PERMISSION,
    communities_visible_to,
    user_role_assignments,
)
from weibao.areas.models import Area, lock_where_read
from weibao.audit.models import AccessLog
from weibao.audit.services import (
    AuditEntry,
    access_log_move,
    access_log_record,
    audit_events_move,
    audit_record,
    audit_record_many,
)
from weibao.children import idnumber
from weibao.children.categories import category_bits
from weibao.children.choices import Status
from weibao.children.hooks import (
    child_anonymise_parts,
    child_identity_changed,
    child_schedule_changed,
    children_created,
)
from weibao.children.models import (
    ANONYMISED_NAME,
    Child,
    ChildCategory,
    Guardian,
    IdNumberRegistration,
)
from weibao.children.pinyin import name_pinyin
from weibao.children.selectors import (
    ChildFilters,
    category_rows_of,
    children_on_register_in,
    children_visible_to,
    guardian_rows_of,
    id_number_owners,
)
from weibao.children.tallies import tallies_add, tallies_refresh
from weibao.children.validation import Errors, KnownLookups, validate_child_data
from weibao.core import crypto
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import normalize_name
from weibao.notifications.services import notifications_rename_child

logger = logging.getLogger("weibao.children")

# Plain columns a user edits directly, in the order the history shows them.
PLAIN_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "hukou_type",
    "hukou_place",
    "school",
    "grade",
    "boarding",
    "health",
    "disability_type",
    "disability_level",
    "health_notes",
    "family_situation",
    "income_source",
    "notes",
)
GUARDIAN_FIELDS = (
    "name",
    "relation",
    "work_location",
    "is_entrusted_carer",
    "able_to_guard",
    "notes",
)
SENSITIVE_FIELDS = ("id_number", "address", "phone")
# What a possible duplicate is found by (docs/domain.md §10), and the area it is routed to.
IDENTITY_FIELDS = {"name", "birth_date", "id_number", "guardians", "community"}


@dataclass
class GuardianInput:
    name: str
    relation: str
    phone: str | None = ""  # None: keep the stored phone (the edit form never shows it in full)
    work_location: str = ""
    is_entrusted_carer: bool = False
    able_to_guard: bool = True
    notes: str = ""
    id: int | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    return value


def _set_identity(child: Child, number: str) -> None:
    child.id_number = number
    child.id_number_hash = crypto.lookup_hash(number)
    child.id_number_masked = crypto.mask_id_number(number)


def _registration(child: Child) -> IdNumberRegistration:
    """The file's row in the country's ID-number registry, not saved yet. By the child's id,
    not the child: a one-to-one relation set by object caches each on the other, a reference
    cycle that only the cyclic collector frees, and an import's chunk held its 1,000 files
    until then (54 MB more at the commit's peak, docs/performance.md)."""
    return IdNumberRegistration(
        id_number_hash=child.id_number_hash, district_id=child.district_id, child_id=child.pk
    )


def _duplicate_number_errors() -> Errors:
    """What a number registered meanwhile gets: the message of a sequential duplicate that the
    user may not see (children.validation names the file when they may)."""
    return {"id_number": [_("A child with this ID number is already registered.")]}


def _duplicate_number_error() -> ValidationError:
    return ValidationError(_duplicate_number_errors())


def _register_new_number(child: Child, *, old_hash: str) -> None:
    """Re-key the file's registration to its new ID number. The registry's primary key
    decides a race with someone registering the same number meanwhile: the loser gets the
    message of a sequential duplicate."""
    IdNumberRegistration.objects.filter(id_number_hash=old_hash).delete()
    try:
        with transaction.atomic():
            _registration(child).save(force_insert=True)
    except IntegrityError as exc:
        raise _duplicate_number_error() from exc


def _registration_follows(child: Child, *, from_district: int) -> None:
    """The file's registration names its new district after a move (as _categories_follow)."""
    if child.district_id != from_district:
        IdNumberRegistration.objects.filter(id_number_hash=child.id_number_hash).update(
            district_id=child.district_id
        )


def _set_community(child: Child, community) -> None:
    child.community = community
    child.subdistrict_id = community.parent_id
    child.district_id = community.parent.parent_id


def _change_community(child: Child, community, changes: dict[str, Any]) -> None:
    """Set a new 居民区 (and its 街镇 and district) and note it in `changes`."""
    if community.pk == child.community_id:
        return
    changes["community"] = {"old": _jsonable(child.community), "new": _jsonable(community)}
    _set_community(child, community)


def _category_row(child: Child, category: str) -> ChildCategory:
    """A category row of the child, in the child's district (the key its reads name)."""
    return ChildCategory(district_id=child.district_id, child=child, category=category)


def _categories_follow(child: Child, *, from_district: int) -> None:
    """The child's category rows follow the child to another district (what
    areas.columns.area_columns_move does for the tables with all three area columns; these
    carry the district alone, so a move within the district leaves them as they are)."""
    if child.district_id != from_district:
        ChildCategory.objects.filter(district_id=from_district, child=child).update(
            district_id=child.district_id
        )


def _guardians_follow(child: Child, *, from_district: int) -> None:
    """The child's guardians follow the child to another district, as the category rows do
    (_categories_follow): they carry the district alone."""
    if child.district_id != from_district:
        Guardian.objects.filter(district_id=from_district, child=child).update(
            district_id=child.district_id
        )


def _set_phone(guardian: Guardian, phone: str) -> None:
    phone = crypto.normalize_phone(phone)
    guardian.phone = phone
    guardian.phone_hash = crypto.lookup_hash(phone) if phone else ""
    guardian.phone_masked = crypto.mask_phone(phone) if phone else ""


def _raise_if_invalid(*, actor, data: dict[str, Any], instance: Child | None) -> None:
    errors = validate_child_data(actor=actor, data=data, instance=instance)
    if errors:
        raise ValidationError(errors)


MAX_GUARDIANS = 10


def _check_guardian_count(guardians: list[GuardianInput] | None) -> None:
    if guardians is not None and len(guardians) > MAX_GUARDIANS:
        raise ValidationError(
            {"guardians": [_("Please list at most %(num)d guardians.") % {"num": MAX_GUARDIANS}]}
        )


def _assert_can_write(actor, child: Child) -> None:
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise PermissionDenied


def anonymised_message() -> str:
    return _(
        "This file was anonymised when its retention period ran out: it can no longer be "
        "changed, and there is nothing left to reveal."
    )


def _refuse_if_anonymised(child: Child) -> None:
    """An anonymised file is the statistics' record only (docs/domain.md §9.5): no write may
    give it an identity again."""
    if child.anonymised_at is not None:
        raise Blocked(anonymised_message(), code="anonymised")


def _new_child(actor, data: dict[str, Any], categories: list[str]) -> Child:
    """A new file's row, not saved yet."""
    child = Child(created_by=actor)
    for field in PLAIN_FIELDS:
        if field in data:
            setattr(child, field, data[field])
    child.name = normalize_name(child.name)
    child.name_initials, child.name_pinyin = name_pinyin(child.name)
    _set_identity(child, idnumber.normalize(data["id_number"]))
    child.address = data.get("address", "")
    _set_community(child, data["community"])
    child.category_bits = category_bits(set(categories))
    return child


def _created_changes(
    child: Child, categories: list[str], guardian_changes: list[dict[str, Any]]
) -> dict[str, Any]:
    """A new file's audit changes: every value, the sensitive ones masked."""
    changes = {f: {"old": None, "new": _jsonable(getattr(child, f))} for f in PLAIN_FIELDS}
    changes["id_number"] = {"old": None, "new": child.id_number_masked}
    changes["address"] = {"old": None, "new": crypto.mask_address(child.address)}
    changes["community"] = {"old": None, "new": _jsonable(child.community)}
    changes["categories"] = {"old": [], "new": sorted(set(categories))}
    if guardian_changes:
        changes["guardians"] = guardian_changes
    return changes


@transaction.atomic
def child_create(
    *,
    actor,
    data: dict[str, Any],
    categories: list[str],
    guardians: list[GuardianInput],
) -> Child:
    _raise_if_invalid(actor=actor, data={**data, "categories": categories}, instance=None)
    _check_guardian_count(guardians)
    child = _new_child(actor, data, categories)
    try:
        with transaction.atomic():
            child.save()
            _registration(child).save(force_insert=True)
    except IntegrityError as exc:
        # Two people registering the same number at the same moment: the registry's primary
        # key decides, and the loser gets the same message as a sequential duplicate.
        raise _duplicate_number_error() from exc
    ChildCategory.objects.bulk_create([_category_row(child, c) for c in sorted(set(categories))])
    guardian_changes = [_guardian_add(child, g) for g in guardians]
    changes = _created_changes(child, categories, guardian_changes)
    audit_record(actor=actor, action="child.create", obj=child, child=child, changes=changes)
    child_schedule_changed.call(child=child)
    child_identity_changed.call(child=child, from_district=child.district_id)
    tallies_refresh(community_ids=[child.community_id])
    return child


@dataclass
class ChildInput:
    """One new file of a batch: what child_create takes."""

    data: dict[str, Any]
    categories: list[str]
    guardians: list[GuardianInput] = dataclasses.field(default_factory=list)


def _batch_errors(actor, items: list[ChildInput]) -> list[Errors]:
    """Each item checked by the same rules as child_create's, from lookups made once for the
    batch; an ID number given twice in the batch is refused the second time, as the database
    would refuse it."""
    numbers = [idnumber.normalize(i.data.get("id_number") or "") for i in items]
    known = KnownLookups(
        community_ids=frozenset(communities_visible_to(actor).values_list("pk", flat=True)),
        owners=id_number_owners(actor, numbers),
    )
    taken: set[str] = set()
    answers = []
    for item, number in zip(items, numbers, strict=True):
        errors = validate_child_data(
            actor=actor, data={**item.data, "categories": item.categories}, known=known
        )
        if not errors and number in taken:
            errors = _duplicate_number_errors()
        if not errors and len(item.guardians) > MAX_GUARDIANS:
            errors = {
                "guardians": [_("Please list at most %(num)d guardians.") % {"num": MAX_GUARDIANS}]
            }
        taken.add(number)
        answers.append(errors)
    return answers


def _one_by_one(actor, items: list[ChildInput]) -> list[Child | Errors]:
    answers: list[Child | Errors] = []
    for item in items:
        try:
            child = child_create(
                actor=actor, data=item.data, categories=item.categories, guardians=item.guardians
            )
            answers.append(child)
        except ValidationError as exc:
            answers.append(exc.message_dict)
    return answers


@transaction.atomic
def children_create_many(*, actor, items: list[ChildInput]) -> list[Child | Errors]:
    """child_create for a batch of new files (an import's chunk), answering for each item its
    new file or its errors (field → messages), in the items' order. Each item is checked by
    child_create's rules and gets the same rows: the file, its categories, its guardians, its
    audit row, its visit plan, its match keys and its place in the 居民区's tallies. But each
    kind of row is written once for the batch — one insert per table, the audit rows under one
    lock of the chain (audit_record_many), the visits and match keys through children_created,
    the new files added to the tallies (tallies_add) — so that a batch costs a few queries
    instead of a few per file.

    An ID number taken meanwhile by someone else (the registry's primary key refuses the
    insert) sends the batch through child_create one item at a time, so that only that item
    is refused."""
    answers: list[Child | Errors] = list(_batch_errors(actor, items))
    valid = [i for i, errors in enumerate(answers) if not errors]
    if not valid:
        return answers
    children = [_new_child(actor, items[i].data, items[i].categories) for i in valid]
    try:
        with transaction.atomic():
            Child.objects.bulk_create(children, batch_size=1000)
            IdNumberRegistration.objects.bulk_create(
                [_registration(child) for child in children], batch_size=1000
            )
    except IntegrityError:
        for i, answer in zip(valid, _one_by_one(actor, [items[i] for i in valid]), strict=True):
            answers[i] = answer
        return answers
    ChildCategory.objects.bulk_create(
        [
            _category_row(child, c)
            for i, child in zip(valid, children, strict=True)
            for c in sorted(set(items[i].categories))
        ],
        batch_size=1000,
    )
    guardians, entries = [], []
    for i, child in zip(valid, children, strict=True):
        added = [_guardian_row(child, g) for g in items[i].guardians]
        guardians.extend(added)
        changes = _created_changes(
            child,
            items[i].categories,
            [{"op": "add", "name": g.name, "phone": g.phone_masked} for g in added],
        )
        entries.append(AuditEntry(action="child.create", obj=child, child=child, changes=changes))
        answers[i] = child
    Guardian.objects.bulk_create(guardians, batch_size=1000)
    audit_record_many(actor=actor, entries=entries)
    children_created.call(children=children, guardians=guardians)
    tallies_add(
        children=children,
        categories={c.pk: items[i].categories for i, c in zip(valid, children, strict=True)},
    )
    return answers


def _guardian_value(g: GuardianInput, field: str) -> Any:
    # A guardian's name is a person's name like the child's: the same separator (core.text).
    return normalize_name(g.name) if field == "name" else getattr(g, field)


def _guardian_row(child: Child, g: GuardianInput) -> Guardian:
    """A guardian's row, not saved yet, in the child's district (the key its reads name)."""
    guardian = Guardian(district_id=child.district_id, child=child)
    for field in GUARDIAN_FIELDS:
        setattr(guardian, field, _guardian_value(g, field))
    _set_phone(guardian, g.phone or "")
    return guardian


def _guardian_add(child: Child, g: GuardianInput) -> dict[str, Any]:
    guardian = _guardian_row(child, g)
    guardian.save()
    return {"op": "add", "name": guardian.name, "phone": guardian.phone_masked}


@transaction.atomic
def child_update(
    *,
    actor,
    child: Child,
    expected_version: int,
    data: dict[str, Any],
    categories: list[str] | None = None,
    guardians: list[GuardianInput] | None = None,
) -> Child:
    """Apply the given changes. Fields absent from `data` stay as they are; an empty id_number
    keeps the current one. `categories`/`guardians` of None mean "unchanged"."""
    _check_guardian_count(guardians)
    _assert_can_write(actor, child)
    current = lock_where_read(Child.objects.select_related("community"), child)
    _refuse_if_anonymised(current)
    if current.version != expected_version:
        raise ConflictError
    merged = {f: getattr(current, f) for f in PLAIN_FIELDS}
    merged.update({"community": current.community, "address": current.address})
    merged.update(data)
    merged["categories"] = categories if categories is not None else []
    _raise_if_invalid(actor=actor, data=merged, instance=current)

    changes: dict[str, Any] = {}
    for field in PLAIN_FIELDS:
        if field not in data:
            continue
        new = normalize_name(data[field]) if field == "name" else data[field]
        old = getattr(current, field)
        if new != old:
            changes[field] = {"old": _jsonable(old), "new": _jsonable(new)}
            setattr(current, field, new)
    if "name" in changes:
        current.name_initials, current.name_pinyin = name_pinyin(current.name)
    new_number = idnumber.normalize(data.get("id_number") or "")
    old_hash = current.id_number_hash
    if new_number and new_number != current.id_number:
        old_masked = current.id_number_masked
        _set_identity(current, new_number)
        changes["id_number"] = {"old": old_masked, "new": current.id_number_masked}
    if "address" in data and data["address"] != current.address:
        changes["address"] = {
            "old": crypto.mask_address(current.address),
            "new": crypto.mask_address(data["address"]),
        }
        current.address = data["address"]
    counted_in = {current.community_id}
    from_district = current.district_id
    if "community" in data:
        _change_community(current, data["community"], changes)
        _categories_follow(current, from_district=from_district)
        _guardians_follow(current, from_district=from_district)
        access_log_move(child=current, from_district=from_district)
        audit_events_move(child=current, from_district=from_district)
    if categories is not None:
        rows = category_rows_of(current)
        old_categories = sorted(rows.values_list("category", flat=True))
        new_categories = sorted(set(categories))
        if old_categories != new_categories:
            rows.exclude(category__in=new_categories).delete()
            ChildCategory.objects.bulk_create(
                [_category_row(current, c) for c in new_categories if c not in old_categories]
            )
            current.category_bits = category_bits(new_categories)
            changes["categories"] = {"old": old_categories, "new": new_categories}
    if guardians is not None:
        guardian_changes = _sync_guardians(current, guardians)
        if guardian_changes:
            changes["guardians"] = guardian_changes
    if not changes:
        return current
    # The registry first: its primary key decides a race for the new number (the file's own
    # index only sees its district).
    if "id_number" in changes:
        _register_new_number(current, old_hash=old_hash)
    else:
        _registration_follows(current, from_district=from_district)
    current.version += 1
    current.save()
    audit_record(actor=actor, action="child.update", obj=current, child=current, changes=changes)
    if {"categories", "community", "birth_date"} & changes.keys():
        child_schedule_changed.call(child=current, from_district=from_district)
        tallies_refresh(community_ids=counted_in | {current.community_id})
    if IDENTITY_FIELDS & changes.keys():
        child_identity_changed.call(child=current, from_district=from_district)
    return current


# What a change of a guardian writes (the row's own columns: not its child or district).
_GUARDIAN_WRITTEN = (*GUARDIAN_FIELDS, "phone", "phone_hash", "phone_masked")


def _sync_guardians(child: Child, wanted: list[GuardianInput]) -> list[dict[str, Any]]:
    """Add, change and remove the child's guardians; every read and write names the child's
    district (guardian_rows_of)."""
    rows = guardian_rows_of(child)
    existing = {g.pk: g for g in rows}
    changes: list[dict[str, Any]] = []
    kept: set[int] = set()
    for g in wanted:
        guardian = existing.get(g.id) if g.id else None
        if guardian is None:
            changes.append(_guardian_add(child, g))
            continue
        kept.add(guardian.pk)
        fields: dict[str, Any] = {}
        for field in GUARDIAN_FIELDS:
            new, old = _guardian_value(g, field), getattr(guardian, field)
            if new != old:
                fields[field] = {"old": old, "new": new}
                setattr(guardian, field, new)
        new_phone = None if g.phone is None else crypto.normalize_phone(g.phone)
        if new_phone is not None and new_phone != guardian.phone:
            old_masked = guardian.phone_masked
            _set_phone(guardian, new_phone)
            fields["phone"] = {"old": old_masked, "new": guardian.phone_masked}
        if fields:
            rows.filter(pk=guardian.pk).update(
                **{f: getattr(guardian, f) for f in _GUARDIAN_WRITTEN}
            )
            changes.append({"op": "change", "name": guardian.name, "fields": fields})
    removed = [g for pk, g in existing.items() if pk not in kept]
    changes.extend({"op": "remove", "name": g.name} for g in removed)
    if removed:
        rows.filter(pk__in=[g.pk for g in removed]).delete()
    return changes


@transaction.atomic
def child_change_status(
    *,
    actor,
    child: Child,
    expected_version: int,
    status: str,
    date: dt.date,
    reason: str,
) -> Child:
    """Mark a child moved out, transferred or deceased (or back on the register). Records are
    never deleted by ordinary users: the file stays, with its history."""
    _assert_can_write(actor, child)
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = [_("Unknown status.")]
    reason = (reason or "").strip()
    if status != Status.ACTIVE and not reason:
        errors["reason"] = [_("Please give the reason.")]
    if date is None:
        errors["date"] = [_("Please give the date.")]
    elif date > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    elif date < child.birth_date:
        errors["date"] = [_("The date cannot be before the child's birth date.")]
    if errors:
        raise ValidationError(errors)
    current = lock_where_read(Child.objects, child)
    _refuse_if_anonymised(current)
    if current.version != expected_version:
        raise ConflictError
    if status == current.status:
        raise ValidationError(
            {"status": [_("The child already has this status: choose another one.")]},
            code="unchanged",
        )
    changes = {
        "status": {"old": current.status, "new": status},
        "status_date": {"old": _jsonable(current.status_date), "new": date.isoformat()},
        "status_reason": {"old": current.status_reason, "new": reason},
    }
    current.status, current.status_date, current.status_reason = status, date, reason
    current.version += 1
    current.save()
    audit_record(actor=actor, action="child.status", obj=current, child=current, changes=changes)
    child_schedule_changed.call(child=current)
    tallies_refresh(community_ids=[current.community_id])
    return current


def child_record_view(*, actor, child: Child, channel: str) -> None:
    access_log_record(user=actor, child=child, channel=channel)


REVEALABLE = ("id_number", "address", "guardian_phone")


@transaction.atomic
def child_reveal(
    *,
    actor,
    child: Child,
    field: str,
    reason: str,
    channel: str,
    guardian_id: int | None = None,
) -> str:
    """Return one sensitive value in full, after logging who asked for it and why."""
    _assert_can_write(actor, child)
    if not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if child.anonymised_at is not None:
        errors["field"] = [anonymised_message()]
    elif field not in REVEALABLE:
        errors["field"] = [_("This field cannot be revealed.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Please say why you need to see it in full.")]
    guardian = None
    if field == "guardian_phone":
        guardian = guardian_rows_of(child).filter(pk=guardian_id).first() if guardian_id else None
        if guardian is None:
            errors["guardian"] = [_("No such guardian.")]
    if errors:
        raise ValidationError(errors)
    value = {"id_number": child.id_number, "address": child.address}.get(field) or (
        guardian.phone if guardian else ""
    )
    access_log_record(
        user=actor,
        child=child,
        channel=channel,
        kind=AccessLog.Kind.REVEAL,
        field=field if guardian is None else f"guardian_phone:{guardian.pk}",
        reason=reason.strip()[:200],
    )
    return value


# --- what the visits app records on the child's file ----------------------------------------


def child_note_visit(*, child: Child, visit_date: dt.date) -> None:
    """The child's last completed visit, read by the daily job. An UPDATE of that column alone
    (not the child's version or updated_at: nobody edited the file), and never backwards, for
    a visit recorded late with an earlier date. Called inside the visit's transaction."""
    Child.objects.filter(district_id=child.district_id, pk=child.pk).filter(
        Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=visit_date)
    ).update(last_visited_on=visit_date)
    if child.last_visited_on is None or child.last_visited_on < visit_date:
        child.last_visited_on = visit_date


@transaction.atomic
def child_mark_returned_home(*, actor, child: Child, date: dt.date) -> Child:
    """The child is back with the family after protection: monthly follow-up visits start
    (the visits app re-plans them through child_schedule_changed)."""
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    if date is None or date > timezone.localdate():
        raise ValidationError({"date": [_("The date cannot be in the future.")]})
    if date < child.birth_date:
        raise ValidationError({"date": [_("The date cannot be before the child's birth date.")]})
    current = lock_where_read(Child.objects, child)
    _refuse_if_anonymised(current)
    old = current.returned_home_on
    current.returned_home_on = date
    current.version += 1
    current.save(update_fields=["returned_home_on", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="child.returned_home",
        obj=current,
        child=current,
        changes={"returned_home_on": {"old": _jsonable(old), "new": date.isoformat()}},
    )
    child_schedule_changed.call(child=current)
    return current


# --- the demo data's files of children who have aged out (called by the demo app) ------------


@transaction.atomic
def child_backdate_for_demo(
    *, actor, child: Child, birth_date: dt.date, id_number: str, note: str
) -> Child:
    """Give a demo file an earlier birth date and its matching ID number: a file registered
    years ago whose child has aged out since, which child_create rightly refuses to register
    today (demo.data._backdate). Audited as a correction, with the note saying it is demo data;
    the registry's row follows the new number."""
    current = lock_where_read(Child.objects, child)
    old_masked, old_birth = current.id_number_masked, current.birth_date
    old_hash = current.id_number_hash
    current.birth_date = birth_date
    _set_identity(current, id_number)
    _register_new_number(current, old_hash=old_hash)
    current.version += 1
    current.save(
        update_fields=[
            "birth_date",
            "id_number",
            "id_number_hash",
            "id_number_masked",
            "version",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="child.update",
        obj=current,
        child=current,
        changes={
            "birth_date": {"old": old_birth.isoformat(), "new": birth_date.isoformat()},
            "id_number": {"old": old_masked, "new": current.id_number_masked},
        },
        note=note,
    )
    return current


# --- files the registry missed (called by the daily job) -------------------------------------

# How far back the daily job looks for files without a registration. Such files are written by
# the code of before the registry while an upgrade migrates the database and until the restart
# (docs/deploy.md, "Upgrades": minutes); a week also covers a job that did not run for days.
REGISTRY_CATCH_UP = dt.timedelta(days=7)


@transaction.atomic
def id_number_registrations_catch_up(*, now: dt.datetime) -> dict[str, int]:
    """Register the files made in the last REGISTRY_CATCH_UP that hold a number and have no
    registration, district by district (an index range of each district's new files). A number
    that another file holds already is not registered again: the two files are logged by id
    for the district to look at (the code of before did not refuse a number registered in
    another district once the migration had made the check by district). The counts go into
    the daily job's audit row."""
    since = now - REGISTRY_CATCH_UP
    added, twice = 0, []
    unregistered = ~Exists(IdNumberRegistration.objects.filter(child_id=OuterRef("pk")))
    districts = Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", flat=True)
    for district_id in districts:
        missing = list(
            Child.objects.filter(
                unregistered,
                district_id=district_id,
                created_at__gte=since,
                anonymised_at__isnull=True,
            ).only("pk", "district_id", "id_number_hash")
        )
        if not missing:
            continue
        taken = set(
            IdNumberRegistration.objects.filter(
                id_number_hash__in={c.id_number_hash for c in missing}
            ).values_list("id_number_hash", flat=True)
        )
        fresh: dict[str, Child] = {}
        for child in missing:
            if child.id_number_hash in taken or child.id_number_hash in fresh:
                twice.append(child.pk)
            else:
                fresh[child.id_number_hash] = child
        IdNumberRegistration.objects.bulk_create([_registration(c) for c in fresh.values()])
        added += len(fresh)
    if twice:
        logger.warning("ID numbers registered twice, files %s: not registered again", twice)
    return {"id_numbers_registered": added, "id_numbers_held_twice": len(twice)}


# --- a transfer moves the file (called by the transfers app) ---------------------------------


@transaction.atomic
def child_move(*, actor, child: Child, community, note: str = "", with_area: bool = False) -> Child:
    """Move the child's file to another 居民区 of the district: an accepted transfer
    (docs/domain.md §3.12), or — `with_area` — the move of every child of a 居民区 that the
    district merges or closes (§1.10; its own audit action, so the history says which).
    Called inside transfers.services.transfer_accept's transaction,
    which checks who may accept; the accepter is the receiving 街镇's supervisor, who cannot
    see the file yet, so the scope check of child_update does not apply here. The visits are
    re-planned for the new 居民区 (child_schedule_changed) and both 居民区 are recounted."""
    current = lock_where_read(Child.objects.select_related("community"), child)
    _refuse_if_anonymised(current)
    changes: dict[str, Any] = {}
    counted_in = {current.community_id}
    from_district = current.district_id
    _change_community(current, community, changes)
    if not changes:
        return current
    _categories_follow(current, from_district=from_district)
    _guardians_follow(current, from_district=from_district)
    _registration_follows(current, from_district=from_district)
    access_log_move(child=current, from_district=from_district)
    audit_events_move(child=current, from_district=from_district)
    current.version += 1
    current.save()
    audit_record(
        actor=actor,
        action="child.move_with_area" if with_area else "child.move",
        obj=current,
        child=current,
        changes=changes,
        note=note,
    )
    child_schedule_changed.call(child=current, from_district=from_district)
    child_identity_changed.call(child=current, from_district=from_district)
    tallies_refresh(community_ids=counted_in | {current.community_id})
    return current


def area_children_guard(*, area) -> None:
    """areas.hooks.area_close_guards: an area closes only once the files on its register have
    moved to another 居民区 (the administration app moves them, through the transfers app)."""
    n = children_on_register_in(area).count()
    if n:
        raise Blocked(
            _("%(n)d children on the register still live in %(area)s: move them first.")
            % {"n": n, "area": area.name},
            code="children",
        )


# --- the end of the retention period (called by safekeeping.retention) ----------------------

# What anonymising clears on the file: the identity and every free text. What stays is coded
# (sex, ethnicity, household registration type, health, disability, income source, grade,
# categories, status) with the area columns and the birth and status years: what the
# statistics count (docs/domain.md §9.5).
ANONYMISED_TEXT_FIELDS = (
    "hukou_place",
    "address",
    "school",
    "health_notes",
    "family_situation",
    "notes",
    "status_reason",
)


def _first_of_year(day: dt.date | None) -> dt.date | None:
    return day.replace(month=1, day=1) if day is not None else None


def anonymised_id_hash() -> str:
    """A value for the id_number_hash column (unique in the district) that no ID number hashes
    to (a lookup hash is 64 hex digits, this has a dash), different for every anonymised
    file."""
    return "anon-" + secrets.token_hex(29)


@transaction.atomic
def child_anonymise(*, actor, child: Child, reason: str) -> Child:
    """Anonymise the file at the end of its retention period (未保法 Art. 72, PIPL;
    docs/domain.md §9.5): the name becomes "已匿名 #<id>", the ID number, address, household
    registration place, school, health and family notes, notes, status reason and guardians
    go, the birth and status dates keep their year only (1 January, so a child who was not a
    minor on the register still is not, and the tallies do not change); every app above
    clears its own free text about the child (hooks.child_anonymise_parts), the messages that
    name the child name the placeholder. The audit row records what was cleared, never a
    value; the earlier audit rows stay as they are (docs/security.md).

    `actor` is None for the retention run (safekeeping.retention, which chooses the files
    that are due and have no open work), or district staff of the child's district."""
    if actor is not None and not any(
        a.role == Role.DISTRICT_STAFF and a.area_id == child.district_id
        for a in user_role_assignments(actor)
    ):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please give the reason.")]})
    current = lock_where_read(Child.objects, child)
    _refuse_if_anonymised(current)
    current.name = ANONYMISED_NAME.format(pk=current.pk)
    current.name_initials = current.name_pinyin = ""
    # The number leaves the registry with the file's identity: it may be registered again.
    IdNumberRegistration.objects.filter(id_number_hash=current.id_number_hash).delete()
    current.id_number = ""
    current.id_number_hash = anonymised_id_hash()
    current.id_number_masked = ""
    for field in ANONYMISED_TEXT_FIELDS:
        setattr(current, field, "")
    current.birth_date = _first_of_year(current.birth_date)
    current.status_date = _first_of_year(current.status_date)
    current.anonymised_at = timezone.now()
    current.version += 1
    current.save()
    guardians, _by_model = guardian_rows_of(current).delete()
    parts: dict[str, int] = {"guardians": guardians}
    for answer in child_anonymise_parts.call(actor=actor, child=current):
        parts.update({key: n for key, n in (answer or {}).items() if n})
    parts["notifications"] = notifications_rename_child(name=current.name, child_id=current.pk)
    audit_record(
        actor=actor,
        action="child.anonymise",
        obj=current,
        child=current,
        changes={
            "cleared": ["name", "id_number", *ANONYMISED_TEXT_FIELDS],
            "kept_year_only": ["birth_date", "status_date"],
            "removed": {key: n for key, n in parts.items() if n},
        },
        note=reason[:200],
    )
    child_schedule_changed.call(child=current)
    tallies_refresh(community_ids=[current.community_id])
    return current


# --- the list handed out as a spreadsheet ---------------------------------------------------


@transaction.atomic
def children_exported(*, actor, area, rows: int, filters: ChildFilters, channel: str) -> None:
    """Every export of the list of children is in the audit log: who, which area, how many
    rows, with which filters (the district's review of unusual access reads it)."""
    audit_record(
        actor=actor,
        action="children.export",
        obj=area if area is not None else actor,
        changes={
            "rows": rows,
            "channel": channel,
            "filters": {k: v for k, v in dataclasses.asdict(filters).items() if v and k != "q"},
            # A search may be an ID number or a phone: kept sealed, as values of a file are.
            "search": filters.q or None,
        },
        sealed=("search",) if filters.q else (),
    )
