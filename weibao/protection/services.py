"""Emergency protection (强制保护): temporary guardianship by civil affairs (未保法 Art. 92–93).

Who may act. Temporary guardianship is a decision of civil affairs, so starting it, recording
the guardianship-capacity assessment (家庭监护能力评估) and ending it are for the case's 街镇
supervisor and district staff (workflow.APPROVERS). The case owner (a 儿童主任) and station staff
see the records of the cases they see, but do not record them: the director follows the child
through visits, and the follow-up visits start by themselves when the child returns home.

The rules:
- one active record per child (also a database constraint);
- the start is a real past date in the child's minority; the one-year limit (Shanghai Art. 77)
  is the same calendar day a year later, 28 February for a start on 29 February;
- returning home needs a capacity assessment made on or before the end date with the result
  "able to care" or "able with support" (the latest assessment counts; it can be redone);
  ending it so starts the monthly follow-up visits (docs/domain.md §4.3;
  children.child_mark_returned_home);
- long-term guardianship or another ending needs a note.

Where the child is placed (placement_detail) is as sensitive as a home address: it never goes
into the audit trail in clear nor into notifications, and it is shown only on the record's own
page or endpoint, whose every reading is in the access log."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import same_district_as_child
from weibao.areas.columns import area_columns_move
from weibao.areas.models import lock_where_read
from weibao.audit.services import access_log_record, audit_record
from weibao.cases import workflow
from weibao.cases.models import Case
from weibao.cases.selectors import BACKDATE_DAYS, case_roles, case_rows_to_lock, earliest_date
from weibao.cases.services import case_audit
from weibao.children.services import child_mark_returned_home
from weibao.core.exceptions import ConflictError
from weibao.core.text import checked_text
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.limits import one_year_after
from weibao.protection.models import ProtectionRecord

# Who records what: all three are decisions of civil affairs (see the module docstring).
MAY_START = MAY_ASSESS = MAY_END = workflow.APPROVERS
# Results of the capacity assessment that allow the child to go home.
RETURN_ALLOWED = frozenset({CapacityResult.CAPABLE, CapacityResult.CAPABLE_WITH_SUPPORT})
PLACEMENT_DETAIL_LIMIT = 1000
MASK = "***"


# --- reads --------------------------------------------------------------------------------


def active_protection(child) -> ProtectionRecord | None:
    return ProtectionRecord.objects.filter(child=child, ended_on__isnull=True).first()


def can_start(user, case: Case) -> bool:
    return bool(case_roles(user, case) & MAY_START)


def can_assess(user, record: ProtectionRecord) -> bool:
    return bool(case_roles(user, record.case) & MAY_ASSESS)


def can_end(user, record: ProtectionRecord) -> bool:
    return bool(case_roles(user, record.case) & MAY_END)


def start_blocker(case: Case) -> str:
    """Why temporary guardianship cannot be recorded on this case now ("" if it can)."""
    if not case.is_open:
        return _("The case is closed: reopen it to record temporary guardianship.")
    active = active_protection(case.child)
    if active is not None:
        return _already_active(active)
    return ""


def _already_active(active: ProtectionRecord) -> str:
    return _(
        "This child is already under temporary guardianship (since %(date)s). End that record "
        "before starting a new one."
    ) % {"date": active.started_on.isoformat()}


def protection_record_view(*, actor, record: ProtectionRecord, channel: str) -> None:
    """The record's own page shows the placement details: every reading is logged."""
    access_log_record(user=actor, child=record.child, channel=channel, field="protection")


# --- checks -------------------------------------------------------------------------------


def _past_date(value, field: str, errors: dict, *, not_before: dt.date | None, before_msg: str):
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = [_("Please give a date.")]
    elif value > timezone.localdate():
        errors[field] = [_("The date cannot be in the future.")]
    elif not_before is not None and value < not_before:
        errors[field] = [before_msg]


def _lock(record: ProtectionRecord, expected_version: int | None) -> ProtectionRecord:
    current = lock_where_read(
        ProtectionRecord.objects.select_for_update()
        .select_related("case", "child")
        # The joined case and child lie in the record's district: said, so the lock is one
        # district's (docs/scale.md, "What changes in the code", point 9).
        .filter(same_district_as_child(), case__district_id=F("district_id")),
        record,
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _lock_active(actor, record: ProtectionRecord, allowed, expected_version) -> ProtectionRecord:
    """The record locked for a change by actor: 403 unless allowed(actor, record), a conflict
    on a stale version, refused once the guardianship has ended."""
    if not allowed(actor, record):
        raise PermissionDenied
    current = _lock(record, expected_version)
    if current.ended_on is not None:
        raise ValidationError(
            {"state": [_("This temporary guardianship has ended.")]}, code="invalid_transition"
        )
    return current


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def protection_start(
    *,
    actor,
    case: Case,
    ground: str,
    placement: str,
    placement_detail: str = "",
    started_on: dt.date,
) -> ProtectionRecord:
    """Record that civil affairs took the child into temporary guardianship (Art. 92) and where
    the child is placed (Art. 93). The one-year limit follows from the start."""
    if not can_start(actor, case):
        raise PermissionDenied
    case = lock_where_read(case_rows_to_lock(), case)
    child = case.child
    if not case.is_open:
        raise ValidationError({"case": [start_blocker(case)]}, code="case_closed")
    errors: dict[str, list[str]] = {}
    if ground not in ProtectionGround.values:
        errors["ground"] = [_("Please choose the legal ground (Art. 92).")]
    if placement not in Placement.values:
        errors["placement"] = [_("Please choose where the child is placed (Art. 93).")]
    try:
        placement_detail = checked_text(
            placement_detail, "placement_detail", required=False, limit=PLACEMENT_DETAIL_LIMIT
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # Emergency care often starts days before the case is filed, not years: the same window as
    # for services recorded on the case.
    earliest = earliest_date(case)
    _past_date(
        started_on,
        "started_on",
        errors,
        not_before=earliest,
        before_msg=(
            _("The date cannot be before the child's birth date.")
            if earliest == child.birth_date
            else _("The date cannot be before %(date)s (%(days)d days before the case was opened).")
            % {"date": earliest.isoformat(), "days": BACKDATE_DAYS}
        ),
    )
    if "started_on" not in errors and not child.is_minor(started_on):
        errors["started_on"] = [_("The child must be under 18 on the start date.")]
    if errors:
        raise ValidationError(errors)
    active = active_protection(child)
    if active is not None:
        raise ValidationError({"case": [_already_active(active)]}, code="already_active")
    record = ProtectionRecord(
        case=case,
        child=child,
        ground=ground,
        placement=placement,
        placement_detail=placement_detail,
        started_on=started_on,
        limit_on=one_year_after(started_on),
        recorded_by=actor,
        district_id=case.district_id,
        subdistrict_id=case.subdistrict_id,
        community_id=case.community_id,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # someone recorded one at the same moment
        active = active_protection(child)
        message = _already_active(active) if active else _("Please try again.")
        raise ValidationError({"case": [message]}, code="already_active") from exc
    changes = {
        "ground": {"old": None, "new": ground},
        "placement": {"old": None, "new": placement},
        "started_on": {"old": None, "new": started_on.isoformat()},
        "limit_on": {"old": None, "new": record.limit_on.isoformat()},
    }
    if placement_detail:
        changes["placement_detail"] = {"old": None, "new": MASK}
    case_audit(actor=actor, case=case, action="protection.start", changes=changes)
    return record


@transaction.atomic
def protection_assess_capacity(
    *,
    actor,
    record: ProtectionRecord,
    assessed_on: dt.date,
    result: str,
    notes: str,
    expected_version: int | None = None,
) -> ProtectionRecord:
    """家庭监护能力评估: can the guardian care for the child again? It can be redone; the latest
    assessment is the one that counts."""
    current = _lock_active(actor, record, can_assess, expected_version)
    errors: dict[str, list[str]] = {}
    _past_date(
        assessed_on,
        "assessed_on",
        errors,
        not_before=current.started_on,
        before_msg=_("The assessment cannot be before the temporary guardianship started."),
    )
    if result not in CapacityResult.values:
        errors["result"] = [_("Please choose the result of the assessment.")]
    try:
        notes = checked_text(
            notes,
            "notes",
            required=True,
            message=_("Please write what the assessment found and on what it is based."),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    changes = {
        "capacity_result": {"old": current.capacity_result or None, "new": result},
        "capacity_assessed_on": {
            "old": current.capacity_assessed_on.isoformat()
            if current.capacity_assessed_on
            else None,
            "new": assessed_on.isoformat(),
        },
    }
    current.capacity_assessed_on, current.capacity_result = assessed_on, result
    current.capacity_notes, current.capacity_assessed_by = notes, actor
    current.version += 1
    current.save(
        update_fields=[
            "capacity_assessed_on", "capacity_result", "capacity_notes", "capacity_assessed_by",
            "version",
        ]
    )  # fmt: skip
    case_audit(
        actor=actor, case=current.case, action="protection.assess", changes=changes, note=notes
    )
    return current


@transaction.atomic
def protection_end(
    *,
    actor,
    record: ProtectionRecord,
    ended_on: dt.date,
    end_reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> ProtectionRecord:
    """End temporary guardianship: the child returns home (after a favourable capacity
    assessment; the monthly follow-up visits then start), passes into long-term guardianship
    (Art. 94) or another ending (both with a note)."""
    current = _lock_active(actor, record, can_end, expected_version)
    errors: dict[str, list[str]] = {}
    _past_date(
        ended_on,
        "ended_on",
        errors,
        not_before=current.started_on,
        before_msg=_("The end cannot be before the temporary guardianship started."),
    )
    if end_reason not in ProtectionEnd.values:
        errors["end_reason"] = [_("Please choose how the temporary guardianship ended.")]
    try:
        note = checked_text(
            note,
            "note",
            required=end_reason in (ProtectionEnd.LONG_TERM, ProtectionEnd.OTHER),
            message=_("Please explain how the temporary guardianship ended."),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if end_reason == ProtectionEnd.RETURNED_HOME and "ended_on" not in errors:
        if current.capacity_assessed_on is None:
            errors["end_reason"] = [
                _(
                    "The child can return home only after a guardianship-capacity "
                    "assessment. Record the assessment first."
                )
            ]
        elif current.capacity_result not in RETURN_ALLOWED:
            errors["end_reason"] = [
                _(
                    "The latest guardianship-capacity assessment found the guardian not able to "
                    "care for the child: the child cannot return home on it. Record a new "
                    "assessment first."
                )
            ]
        elif current.capacity_assessed_on > ended_on:
            errors["end_reason"] = [
                _(
                    "The guardianship-capacity assessment (%(date)s) must be made on or before "
                    "the day the child returns home."
                )
                % {"date": current.capacity_assessed_on.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)
    current.ended_on, current.end_reason, current.end_note = ended_on, end_reason, note
    current.version += 1
    current.save(update_fields=["ended_on", "end_reason", "end_note", "version"])
    case_audit(
        actor=actor,
        case=current.case,
        action="protection.end",
        changes={
            "ended_on": {"old": None, "new": ended_on.isoformat()},
            "end_reason": {"old": None, "new": end_reason},
        },
        note=note,
    )
    if end_reason == ProtectionEnd.RETURNED_HOME:
        child_mark_returned_home(actor=actor, child=current.child, date=ended_on)
    return current


# --- a child who moved (an accepted transfer) -----------------------------------------------


@transaction.atomic
def protection_records_move_area(*, actor, case: Case) -> dict:
    """Bring the case's temporary-guardianship records to the area the case moved to, after
    cases.case_move_area: the one-year alert then goes to the new 街镇's supervisor (docs/
    domain.md §3.12). Called inside transfers.services.transfer_accept's transaction, which
    checks who may."""
    moved = area_columns_move(ProtectionRecord.objects.filter(case=case), to=case)
    if moved:
        audit_record(actor=actor, action="protection.move_area", obj=case, changes=moved)
    return moved


# --- the end of the retention period (children.hooks.child_anonymise_parts) -----------------


def protection_records_anonymise_child(*, actor, child) -> dict[str, int]:
    """The child's file is anonymised (inside children.services.child_anonymise's
    transaction, which writes the audit row): where the child was placed and the notes of the
    capacity assessment and of the end are cleared; the legal ground, the kind of placement,
    the dates and the results stay."""
    records = ProtectionRecord.objects.filter(child=child)
    return {
        "protection_records": records.update(placement_detail="", capacity_notes="", end_note="")
    }
