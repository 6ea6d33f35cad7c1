"""Writes for visits, due dates, concerns and visit rules. Each runs in one transaction and
writes its audit row there."""

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import is_district_staff, users_with_role_in_areas
from weibao.areas.columns import area_columns_move
from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.children.choices import Status
from weibao.children.models import Child, ChildCategory, Guardian, adult_cutoff
from weibao.children.selectors import category_rows_of, children_visible_to
from weibao.children.services import child_note_visit
from weibao.core import uploads
from weibao.core.bulk import insert_plain
from weibao.core.cached import forget
from weibao.core.dates import add_months, years_before
from weibao.core.exceptions import ConflictError
from weibao.notifications.models import Notification
from weibao.notifications.services import notifications_answer, notify
from weibao.visits.jobs import left_behind_16_notify, recompute_due_dates
from weibao.visits.models import (
    RETURNED_HOME,
    Concern,
    Visit,
    VisitAttachment,
    VisitDue,
    VisitRule,
)
from weibao.visits.scheduling import Due, RuleSet, effective_last_visit, next_due
from weibao.visits.selectors import VISIT_RULES_KEY

# The checks of 未保法 Art. 21–23 and the concern each raises. Every check asks whether the
# breach happened, so one answer is the risk signal for all of them (docs/domain.md §4.7).
RISK_ANSWER = Visit.Answer.YES
CHECK_CONCERNS = {
    "under8_unattended": Concern.Kind.UNDER8_UNATTENDED,
    "under16_alone": Concern.Kind.UNDER16_ALONE,
    "away_without_carer": Concern.Kind.AWAY_WITHOUT_CARER,
    "no_weekly_contact": Concern.Kind.NO_WEEKLY_CONTACT,
}
CHECK_FIELDS = tuple(CHECK_CONCERNS)
TEXT_FIELDS = (
    "met_with",
    "psychology",
    "study",
    "family_economy",
    "guardianship",
    "findings",
    "next_steps",
)
FLAG_FIELDS = ("policy_publicity", "guardianship_guidance", "concern_marked")
EDITABLE_FIELDS = ("visit_date", "kind", *TEXT_FIELDS, *CHECK_FIELDS, *FLAG_FIELDS)

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


# --- scheduling ---------------------------------------------------------------------------


def _is_eligible(child: Child, today: dt.date) -> bool:
    return child.status == Status.ACTIVE and child.is_minor(today)


def _last_visit(child: Child) -> dt.date | None:
    return (
        Visit.objects.filter(child=child, state=Visit.State.COMPLETED)
        .aggregate(last=Max("visit_date"))
        .get("last")
    )


def visit_schedule_child(
    *,
    child: Child,
    rules: RuleSet | None = None,
    today: dt.date | None = None,
    from_district: int | None = None,
) -> VisitDue | None:
    """Bring the child's open due visit in line with the rules: create, move or cancel it.
    Called by every service that changes something the due date depends on. `from_district`:
    the district the file has just left (children.hooks.child_schedule_changed), where its
    open due still lies; it follows the file."""
    today = today or timezone.localdate()
    rules = rules or RuleSet.load()
    # Each lock names one district (docs/scale.md, "What changes in the code", point 9).
    current = _open_due_locked(child, child.district_id)
    if current is None and from_district not in (None, child.district_id):
        current = _open_due_locked(child, from_district)
    due: Due | None = None
    if _is_eligible(child, today):
        due = next_due(
            rules=rules,
            categories=set(category_rows_of(child).values_list("category", flat=True)),
            registered_on=timezone.localdate(child.created_at),
            last_visit=effective_last_visit(
                _last_visit(child),
                current.based_on if current else None,
                current.counts_from if current else None,
            ),
            returned_home_on=child.returned_home_on,
            today=today,
        )
    if due is None:
        if current is not None:
            current.state = VisitDue.State.CANCELLED
            current.save(update_fields=["state"])
        return None
    if current is None:
        current = VisitDue(child=child, state=VisitDue.State.OPEN)
    elif (current.due_date, current.reason, current.counts_from, current.community_id) == (
        due.date,
        due.reason,
        due.counts_from,
        child.community_id,
    ) and current.based_on == due.based_on:
        return current
    if current.due_date is None or due.date > current.due_date:
        current.overdue_level = 0  # a later date is a fresh deadline
    current.due_date, current.reason, current.counts_from = due.date, due.reason, due.counts_from
    current.based_on = due.based_on
    current.copy_area_of(child)
    current.save()
    return current


def _open_due_locked(child: Child, district_id: int) -> VisitDue | None:
    return (
        VisitDue.objects.select_for_update()
        .filter(district_id=district_id, child=child, state="open")
        .first()
    )


NEW_DUE_COLUMNS = (
    "child_id", "state", "due_date", "reason", "counts_from", "based_on", "overdue_level",
    "district_id", "subdistrict_id", "community_id",
)  # fmt: skip


def visit_schedule_children(
    *, children: list[Child], guardians: Iterable[Guardian] = (), today: dt.date | None = None
) -> None:
    """children.hooks.children_created: visit_schedule_child for a batch of new files (an
    import's chunk) — the rules loaded once, the categories read in one query, the first due
    visits written in one insert. A new file has no due visit and no visit yet, so each
    eligible child's first due is what next_due gives from its registration day. (The hook
    also gives the batch's guardians, which a visit plan does not depend on.)"""
    today = today or timezone.localdate()
    rules = RuleSet.load()
    categories: dict[int, set[str]] = {}
    for child_id, category in ChildCategory.objects.filter(
        district_id__in={c.district_id for c in children}, child_id__in=[c.pk for c in children]
    ).values_list("child_id", "category"):
        categories.setdefault(child_id, set()).add(category)
    dues: list[tuple] = []
    for child in children:
        if not _is_eligible(child, today):
            continue
        due = next_due(
            rules=rules,
            categories=categories.get(child.pk, set()),
            registered_on=timezone.localdate(child.created_at),
            last_visit=None,
            returned_home_on=child.returned_home_on,
            today=today,
        )
        if due is None:
            continue
        dues.append(
            (child.pk, VisitDue.State.OPEN, due.date, due.reason, due.counts_from, due.based_on,
             0, child.district_id, child.subdistrict_id, child.community_id)
        )  # fmt: skip
    # Plain rows (core.bulk): an import's chunk plans a thousand first visits at once.
    insert_plain(VisitDue, NEW_DUE_COLUMNS, dues)


def _turned_16(child: Child, today: dt.date) -> bool:
    """On the register and aged 16 or 17 (what left_behind_16_notify asks about), from the
    object alone: most children are not, and they cost no query."""
    return child.status == Status.ACTIVE and adult_cutoff(today) < child.birth_date <= years_before(
        today, 16
    )


def left_behind_16_check(
    *, child: Child, today: dt.date | None = None, from_district: int | None = None
) -> int:
    """children.hooks.child_schedule_changed: a child aged 16 or 17 whose categories, birth
    date, status or 居民区 just changed may be a left-behind child past the category's age
    (docs/domain.md §3.5). The daily job asks about the children who turn 16 only
    (jobs.flag_left_behind_turning_16), so this one is asked about now, by the same message,
    sent once per director. Returns how many were sent."""
    today = today or timezone.localdate()
    if not _turned_16(child, today):
        return 0
    return left_behind_16_notify(
        Child.objects.filter(district_id=child.district_id, pk=child.pk), today
    )


def left_behind_16_check_many(
    *, children: list[Child], guardians: Iterable[Guardian] = (), today: dt.date | None = None
) -> int:
    """children.hooks.children_created: left_behind_16_check for a batch of new files (an
    import's chunk) in one statement, and none when nobody in it is aged 16 or 17."""
    today = today or timezone.localdate()
    aged = [child for child in children if _turned_16(child, today)]
    if not aged:
        return 0
    return left_behind_16_notify(
        Child.objects.filter(
            district_id__in={c.district_id for c in aged}, pk__in=[c.pk for c in aged]
        ),
        today,
    )


# --- visits -------------------------------------------------------------------------------


def _assert_child_in_scope(actor, child: Child) -> None:
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise PermissionDenied


def _assert_own_draft(actor, visit: Visit) -> None:
    if visit.author_id != actor.pk:
        raise PermissionDenied
    _assert_child_in_scope(actor, visit.child)
    if visit.state != Visit.State.DRAFT:
        raise ValidationError(
            {"state": [_("This visit has been submitted and can no longer be changed.")]}
        )


@transaction.atomic
def visit_start(*, actor, child: Child, today: dt.date | None = None) -> Visit:
    """Open a draft visit for a child; a user's existing draft for the child is reused so a
    second tap never makes a second half-filled record."""
    _assert_child_in_scope(actor, child)
    existing = Visit.objects.filter(child=child, author=actor, state=Visit.State.DRAFT).first()
    if existing is not None:
        return existing
    visit = Visit(child=child, author=actor, visit_date=today or timezone.localdate())
    visit.copy_area_of(child)
    visit.save()
    return visit


def _apply(visit: Visit, data: dict[str, Any]) -> None:
    for field in EDITABLE_FIELDS:
        if field in data:
            value = data[field]
            setattr(visit, field, value.strip() if isinstance(value, str) else value)


def _lock_current(visit: Visit, expected_version: int) -> Visit:
    current = lock_where_read(Visit.objects, visit)
    if current.version != expected_version:
        raise ConflictError
    return current


@transaction.atomic
def visit_save_draft(
    *,
    actor,
    visit: Visit,
    expected_version: int,
    data: dict[str, Any],
    tab: str = "",
    tab_seq: int = 0,
) -> Visit:
    """Save what has been typed so far. Drafts are the author's private work in progress:
    they are audited once, in full, when completed (autosave would otherwise flood the log).

    `tab` and `tab_seq` identify the browser tab and its count of saves (the web page's
    autosave sends them). A stale version is a conflict unless the draft was last saved by the
    same tab: reloading sends one last save as the old page goes and the new page starts from
    the version before it. A save of that tab older than the last one it made is ignored."""
    _assert_own_draft(actor, visit)
    current = lock_where_read(Visit.objects, visit)
    same_tab = bool(tab) and tab == current.draft_tab
    if current.version != expected_version and not same_tab:
        raise ConflictError
    if same_tab and tab_seq <= current.draft_tab_seq:
        return current  # arrived after a later save of the same tab
    _apply(current, data)
    current.version += 1
    current.draft_tab, current.draft_tab_seq = tab[:40], tab_seq
    current.save()
    return current


def completion_errors(visit: Visit, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if visit.visit_date is None:
        errors["visit_date"] = [_("Please enter the date of the visit.")]
    elif visit.visit_date > today:
        errors["visit_date"] = [_("The visit date cannot be in the future.")]
    elif visit.visit_date < visit.child.birth_date:
        errors["visit_date"] = [_("The visit date cannot be before the child's birth date.")]
    if not visit.met_with:
        errors["met_with"] = [_("Please say whom you met.")]
    for field in CHECK_FIELDS:
        if getattr(visit, field) not in {"yes", "no", "na"}:
            errors[field] = [_("Please answer this question.")]
    if visit.concern_marked and not visit.findings:
        errors["findings"] = [_("Please describe what concerns you.")]
    return errors


@transaction.atomic
def visit_complete(
    *,
    actor,
    visit: Visit,
    expected_version: int,
    data: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> Visit:
    """Submit a visit: it becomes part of the child's record, settles the due visit, raises a
    concern for every risk answer, and schedules the next visit."""
    today = today or timezone.localdate()
    _assert_own_draft(actor, visit)
    current = _lock_current(visit, expected_version)
    _apply(current, data or {})
    errors = completion_errors(current, today)
    if errors:
        raise ValidationError(errors)
    current.state = Visit.State.COMPLETED
    current.completed_at = timezone.now()
    current.version += 1
    current.save()
    # The child's last completed visit, read by the daily job. An UPDATE of that column alone
    # (not the child's version or updated_at: nobody edited the file), and never backwards, for
    # a visit recorded late with an earlier date.
    child = current.child
    child_note_visit(child=child, visit_date=current.visit_date)

    due = (
        VisitDue.objects.select_for_update()
        .filter(district_id=current.district_id, child=current.child, state="open")
        .first()
    )
    if due is not None and (due.counts_from is None or current.visit_date >= due.counts_from):
        due.state, due.visit, due.done_on = VisitDue.State.DONE, current, current.visit_date
        due.on_time = current.visit_date <= due.due_date
        due.save()
        # The overdue reminders about this due are answered now.
        notifications_answer(
            keys=[
                f"{Notification.Kind.VISIT_OVERDUE}:{due.pk}",
                f"{Notification.Kind.VISIT_OVERDUE_7}:{due.pk}",
            ]
        )
    concerns = _raise_concerns(actor, current)
    visit_schedule_child(child=current.child, today=today)
    audit_record(
        actor=actor,
        action="visit.complete",
        obj=current,
        child=current.child,
        changes={
            f: {"old": None, "new": _plain(getattr(current, f))}
            for f in EDITABLE_FIELDS
            if getattr(current, f) not in ("", None, False)
        },
        note=", ".join(c.kind for c in concerns),
    )
    return current


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _raise_concerns(actor, visit: Visit) -> list[Concern]:
    kinds = [kind for f, kind in CHECK_CONCERNS.items() if getattr(visit, f) == RISK_ANSWER]
    if visit.concern_marked:
        kinds.append(Concern.Kind.MARKED)
    concerns = []
    for kind in kinds:
        concern = Concern(
            child=visit.child, visit=visit, kind=kind, raised_by=actor, description=visit.findings
        )
        concern.copy_area_of(visit.child)
        concern.save()
        concerns.append(concern)
    if concerns:
        _notify_concerns(visit, concerns, exclude=actor)
    return concerns


def _notify_concerns(visit: Visit, concerns: list[Concern], exclude) -> None:
    """One message per visit naming every concern it raised. It opens the first concern, the
    page where it is handled or made into a report (which takes the visit's other concerns
    along); that page links to the visit."""
    child = visit.child
    url = reverse("concerns:detail", args=[concerns[0].pk])
    params = {
        "child": child.name,
        "concern": concerns[0].kind,
        "concerns": [c.kind for c in concerns],
    }
    for user_id in users_with_role_in_areas(
        roles=(Role.DIRECTOR, Role.SUPERVISOR), area_ids=[child.community_id, child.subdistrict_id]
    ):
        if user_id != exclude.pk:
            notify(
                recipient_id=user_id,
                kind=Notification.Kind.CONCERN_RAISED,
                key=f"concern:{concerns[0].pk}",
                child=child,
                params=params,
                url=url,
            )


@transaction.atomic
def visit_discard_draft(*, actor, visit: Visit) -> None:
    _assert_own_draft(actor, visit)
    for attachment in visit.attachments.all():
        attachment.file.delete(save=False)
    visit.delete()


@transaction.atomic
def visit_attach(*, actor, visit: Visit, upload: UploadedFile) -> VisitAttachment:
    """Attach a photo or document to a draft. Only JPEG, PNG and PDF up to 5 MB, recognised by
    their content; photos are written anew without their metadata (core.uploads)."""
    _assert_own_draft(actor, visit)
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    content_type = uploads.sniffed_type(upload)
    if content_type is None:
        raise ValidationError({"file": [_("Only JPEG or PNG photos and PDF documents.")]})
    if visit.attachments.count() >= 10:
        raise ValidationError({"file": [_("At most 10 attachments per visit.")]})
    content = upload
    if content_type != uploads.PDF:
        content = uploads.reencoded_image(upload, content_type)
        if content.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    attachment = VisitAttachment(
        visit=visit,
        token=secrets.token_hex(16),
        original_name=uploads.display_name(upload.name, content_type),
        content_type=content_type,
        size=content.size,
        uploaded_by=actor,
    )
    # Stored under the random token (attachment_path), never under the user's file name.
    attachment.file.save(attachment.token, content, save=False)
    attachment.save()
    return attachment


# --- concerns -----------------------------------------------------------------------------


@transaction.atomic
def concern_handle(*, actor, concern: Concern, note: str) -> Concern:
    _assert_child_in_scope(actor, concern.child)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Please say how the concern was handled.")]})
    current = lock_where_read(Concern.objects, concern)
    if current.state != Concern.State.OPEN:
        raise ValidationError({"note": [_("This concern has already been handled.")]})
    current.state = Concern.State.HANDLED
    current.handled_by, current.handled_at, current.handled_note = actor, timezone.now(), note
    current.save()
    notifications_answer(keys=[f"concern:{current.pk}"])
    audit_record(
        actor=actor,
        action="concern.handle",
        obj=current,
        child=current.child,
        changes={"state": {"old": "open", "new": "handled"}, "handled_note": {"new": note}},
    )
    return current


def concerns_mark_filed(*, actor, concerns: list[Concern], report, note: str) -> None:
    """The concerns are now a mandatory report's (reports.report_from_concern): the open ones
    are handled with `note`, and each points at the report. Called inside the report's
    transaction."""
    for concern in concerns:
        if concern.state == Concern.State.OPEN:
            concern_handle(actor=actor, concern=concern, note=note)
    Concern.objects.filter(
        district_id__in={c.district_id for c in concerns}, pk__in=[c.pk for c in concerns]
    ).update(filed_report=report)


# --- returned home and rules --------------------------------------------------------------


def _assert_district_staff(actor) -> None:
    if not is_district_staff(actor):
        raise PermissionDenied


@transaction.atomic
def visit_rule_update(
    *,
    actor,
    rule: VisitRule,
    interval_months: int,
    active: bool,
    duration_months: int | None = None,
) -> VisitRule:
    """Change a visit rule (district staff only) and reschedule the children it applies to."""
    _assert_district_staff(actor)
    errors: dict[str, list[str]] = {}
    if not 1 <= int(interval_months) <= 12:
        errors["interval_months"] = [_("Choose between 1 and 12 months.")]
    if rule.key == RETURNED_HOME and not (duration_months and 3 <= duration_months <= 12):
        errors["duration_months"] = [_("The follow-up lasts between 3 and 12 months.")]
    if rule.key != RETURNED_HOME and duration_months is not None:
        errors["duration_months"] = [_("Only the follow-up after returning home has a period.")]
    if errors:
        raise ValidationError(errors)
    changes = {}
    for field, value in (
        ("interval_months", int(interval_months)),
        ("active", bool(active)),
        ("duration_months", duration_months if rule.key == RETURNED_HOME else None),
    ):
        if getattr(rule, field) != value:
            changes[field] = {"old": getattr(rule, field), "new": value}
            setattr(rule, field, value)
    if not changes:
        return rule
    rule.save()
    forget(VISIT_RULES_KEY)
    audit_record(actor=actor, action="visit_rule.update", obj=rule, changes=changes)
    if rule.key == RETURNED_HOME:
        affected = Child.objects.filter(returned_home_on__isnull=False)
    else:
        affected = Child.objects.filter(
            pk__in=ChildCategory.objects.filter(category=rule.key).values("child_id")
        )
    # A stricter rule starts from today: it must not make visits retroactively overdue.
    recompute_due_dates(children=affected, not_before=timezone.localdate())
    return rule


def follow_up_ends(child: Child, rules: RuleSet) -> dt.date | None:
    if child.returned_home_on is None or rules.follow_up_months is None:
        return None
    return add_months(child.returned_home_on, rules.follow_up_months)


def visit_ledger_exported(*, actor, subdistrict, year: int, month: int, rows: int) -> None:
    """Every export of a 走访台账 is in the audit log: who, which 街镇 and month, how many rows."""
    audit_record(
        actor=actor,
        action="visit.ledger_export",
        obj=subdistrict,
        changes={"month": f"{year:04d}-{month:02d}", "rows": rows},
    )


# --- a child who moved (an accepted transfer) -----------------------------------------------


@transaction.atomic
def visits_move_area(*, actor, child: Child) -> dict[str, Any]:
    """Bring the child's visits and concerns to the child's new 居民区, after children's
    child_move (which re-plans the open due visit through child_schedule_changed). They are
    part of the child's file and follow it; each visit keeps its author (docs/domain.md
    §3.12). Closed due rows stay where they were: they are what the old 居民区 owed and did in
    its months, which its completion table counts. The open due's reminders start again, so
    that the receiving director is told of a visit already overdue. Called inside
    transfers.services.transfer_accept's transaction, which checks who may."""
    moved = {
        "visits": area_columns_move(Visit.objects.filter(child=child), to=child),
        "concerns": area_columns_move(Concern.objects.filter(child=child), to=child),
    }
    # The open due was re-planned in the child's new district by child_move.
    VisitDue.objects.filter(
        district_id=child.district_id, child=child, state=VisitDue.State.OPEN
    ).update(overdue_level=0)
    moved = {key: value for key, value in moved.items() if value}
    if moved:
        audit_record(actor=actor, action="visit.move_area", obj=child, changes=moved)
    return moved


# --- the end of the retention period ------------------------------------------------------


def _delete_files_after_commit(names: list[str]) -> None:
    """Delete stored files once the transaction that dropped their rows has committed: a
    rolled-back anonymisation keeps its attachments whole."""

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def visits_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """The child's file is anonymised (children.hooks.child_anonymise_parts, inside
    children.services.child_anonymise's transaction, which writes the audit row): the visits'
    notes and the concerns' descriptions are cleared, the attachments (photos, documents)
    deleted. The visits' dates, kinds, the answers to the Art. 21–23 checks and the concerns'
    kinds and states stay: they are what the completion tables and statistics count."""
    visits = Visit.objects.filter(child=child)
    attachments = VisitAttachment.objects.filter(visit__child=child)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    removed, _per_model = attachments.delete()
    _delete_files_after_commit(names)
    cleared = visits.update(**{field: "" for field in TEXT_FIELDS}, draft_tab="")
    concerns = Concern.objects.filter(child=child).update(description="", handled_note="")
    return {"visits": cleared, "visit_attachments": removed, "concerns": concerns}


@transaction.atomic
def visits_exported(*, actor, area, rows: int, filters, channel: str) -> None:
    """Every export of the list of visits is in the audit log: who, which area, how many rows,
    with which filters."""
    audit_record(
        actor=actor,
        action="visit.list_export",
        obj=area if area is not None else actor,
        changes={
            "rows": rows,
            "channel": channel,
            "filters": {
                "date_from": filters.date_from.isoformat() if filters.date_from else None,
                "date_to": filters.date_to.isoformat() if filters.date_to else None,
                "community": filters.community,
            },
        },
    )
