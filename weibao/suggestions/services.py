"""Writes of the suggestion board (docs/domain.md §8.4). Each runs in one transaction and
writes its audit row there. A child's submission comes with no actor (the public board); every
other step is a staff member's, checked against the one table of transitions (workflow.py)."""

import datetime as dt
import re
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.areas.models import Area, joined_in_district, lock_where_read
from weibao.audit.services import audit_record
from weibao.core import crypto
from weibao.core.exceptions import ConflictError
from weibao.core.text import clean_text
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.stations.models import Workstation
from weibao.stations.selectors import can_keep as can_keep_station
from weibao.suggestions import workflow
from weibao.suggestions.choices import Source, State
from weibao.suggestions.models import CodeRegistration, Suggestion
from weibao.suggestions.selectors import (
    board_communities,
    routing_communities,
    suggestion_roles,
)

# [team] limits (docs/domain.md §8.4).
TEXT_LIMIT = 500
GIVEN_NAME_LIMIT = 6
MIN_AGE, MAX_AGE = 3, 18
ANSWER_LIMIT = 1000
REASON_LIMIT = 500
DEPARTMENT_LIMIT = 100
LONGEST_DEADLINE = dt.timedelta(days=366)

# The child's code: 10 characters without 0/O, 1/I/L (read out and typed on a phone), as the
# public report door's code; 31^10 codes, and wrong guesses are limited per address.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCD-EFGH-JK: easy to copy down."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(value) -> str:
    return re.sub(r"[\s\-]", "", str(value or "")).upper()[:32]


def code_digest(code: str) -> str:
    return crypto.lookup_hash(f"suggestion:{normalize_code(code)}")


def _too_long(limit: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": limit}


def _text(value, field: str, *, limit: int, required: str = "", errors: dict) -> str:
    text = clean_text(value, multiline=True)
    if not text and required:
        errors[field] = [required]
    elif len(text) > limit:
        errors[field] = [_too_long(limit)]
    return text


# --- the child's submission ----------------------------------------------------------------------


@transaction.atomic
def suggestion_submit(
    *,
    station: Workstation,
    text: str,
    given_name: str = "",
    age: int | None = None,
    community: Area | None = None,
) -> tuple[Suggestion, str]:
    """A child's suggestion from the public board: held for moderation. Returns it and the
    child's code (only its hash is kept)."""
    errors: dict[str, list[str]] = {}
    text = _text(
        text, "text", limit=TEXT_LIMIT, required=_("Please write your suggestion."), errors=errors
    )
    name = clean_text(given_name)
    if len(name) > GIVEN_NAME_LIMIT:
        errors["given_name"] = [
            _("Only your given name, please (at most %(n)d characters).") % {"n": GIVEN_NAME_LIMIT}
        ]
    elif any(c.isdigit() for c in name):
        errors["given_name"] = [_("Only your given name, please: no numbers.")]
    if age is not None and not MIN_AGE <= age <= MAX_AGE:
        errors["age"] = [
            _("Give an age from %(min)d to %(max)d.") % {"min": MIN_AGE, "max": MAX_AGE}
        ]
    if community is not None and not board_communities(station).filter(pk=community.pk).exists():
        errors["community"] = [_("Choose a 居民区 from the list.")]
    if errors:
        raise ValidationError(errors)
    for _attempt in range(5):
        code = new_code()
        digest = code_digest(code)
        if not CodeRegistration.objects.filter(code_digest=digest).exists():
            break
    suggestion = Suggestion.objects.create(
        station=station,
        district_id=station.district_id,
        subdistrict_id=station.subdistrict_id,
        community=community,
        source=Source.BOARD,
        state=State.HELD,
        text=text,
        given_name=name,
        age=age,
        code_digest=digest,
    )
    # By id, not by object: a one-to-one set by object caches each on the other (a cycle).
    CodeRegistration.objects.create(
        code_digest=digest, district_id=suggestion.district_id, suggestion_id=suggestion.pk
    )
    audit_record(
        actor=None,
        action="suggestion.submit",
        obj=suggestion,
        changes={
            "station": suggestion.station_id,
            "community": community.pk if community else None,
            "text": {"new": text},
            "given_name": {"new": name},
            "age": age,
        },
    )
    return suggestion, code


@transaction.atomic
def suggestion_from_council(
    *, actor, station: Workstation, public_text: str, community: Area | None = None
) -> Suggestion:
    """A children's council's decision, put on its station's board to be followed up like any
    suggestion: already approved, its public text the decision (docs/domain.md §8.1)."""
    if not can_keep_station(actor, station):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    text = _text(
        public_text,
        "public_text",
        limit=TEXT_LIMIT,
        required=_("Please write the decision."),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    suggestion = Suggestion.objects.create(
        station=station,
        district_id=station.district_id,
        subdistrict_id=station.subdistrict_id,
        community=community,
        source=Source.COUNCIL,
        state=State.RECEIVED,
        text=text,
        public_text=text,
        created_by=actor,
        moderated_by=actor,
        moderated_at=now,
    )
    audit_record(
        actor=actor,
        action="suggestion.from_council",
        obj=suggestion,
        changes={"station": station.pk, "public_text": {"new": text}},
    )
    return suggestion


# --- staff steps -------------------------------------------------------------------------------


def _lock(suggestion: Suggestion, expected_version: int | None) -> Suggestion:
    current = lock_where_read(Suggestion.objects.select_for_update(of=("self",)), suggestion)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _step(actor, suggestion: Suggestion, name: str, expected_version: int | None) -> Suggestion:
    """The locked row, once the actor may take this step at all (403 before a stale version's
    409), the version is the one they saw, and the state allows it."""
    current = _lock(suggestion, None)
    roles = suggestion_roles(actor, current)
    if not workflow.SUGGESTION.get(name).roles & roles:
        raise PermissionDenied
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    workflow.SUGGESTION.check(name, current.state, roles)
    return current


def _save(actor, current: Suggestion, action: str, changes: dict[str, Any]) -> Suggestion:
    current.version += 1
    current.save()
    audit_record(actor=actor, action=f"suggestion.{action}", obj=current, changes=changes)
    return current


def _state_change(current: Suggestion, name: str) -> dict:
    target = workflow.SUGGESTION.get(name).target
    change = {"state": {"old": current.state, "new": target}}
    current.state = target
    return change


def _text_step(
    actor,
    suggestion: Suggestion,
    step: str,
    expected_version: int | None,
    *,
    value: str,
    field: str,
    column: str,
    limit: int,
    required: str,
    by: str,
) -> Suggestion:
    """A step that records one text (the public text, an answer, a reason) in `column` and who
    took it and when in `<by>_by` and `<by>_at`; the text is refused with a field error on
    `field` when empty or too long."""
    current = _step(actor, suggestion, step, expected_version)
    errors: dict[str, list[str]] = {}
    text = _text(value, field, limit=limit, required=required, errors=errors)
    if errors:
        raise ValidationError(errors)
    changes = _state_change(current, step)
    changes[column] = {"new": text}
    setattr(current, column, text)
    setattr(current, f"{by}_by", actor)
    setattr(current, f"{by}_at", timezone.now())
    return _save(actor, current, step, changes)


@transaction.atomic
def suggestion_approve(
    *, actor, suggestion: Suggestion, public_text: str, expected_version: int | None = None
) -> Suggestion:
    """Publish the suggestion with the public text staff wrote (personal data removed); what
    the child wrote stays encrypted and is never shown in public."""
    return _text_step(
        actor, suggestion, "approve", expected_version,
        value=public_text, field="public_text", column="public_text", limit=TEXT_LIMIT,
        required=_("Please write the text to publish."), by="moderated",
    )  # fmt: skip


@transaction.atomic
def suggestion_reject(
    *, actor, suggestion: Suggestion, reason: str, expected_version: int | None = None
) -> Suggestion:
    """Not published; the child reads the reason with their code."""
    return _text_step(
        actor, suggestion, "reject", expected_version,
        value=reason, field="reason", column="reject_reason", limit=REASON_LIMIT,
        required=_("Please say why it is not published (the child reads it with their code)."),
        by="moderated",
    )  # fmt: skip


@transaction.atomic
def suggestion_edit_public(
    *, actor, suggestion: Suggestion, public_text: str, expected_version: int | None = None
) -> Suggestion:
    """Correct the published text (e.g. a name found later)."""
    current = _lock(suggestion, expected_version)
    if workflow.KEEPER not in suggestion_roles(actor, current):
        raise PermissionDenied
    if current.state in (State.HELD, State.REJECTED):
        raise ValidationError(
            {"state": [_("This action is not possible in the current state.")]},
            code="invalid_transition",
        )
    errors: dict[str, list[str]] = {}
    text = _text(
        public_text,
        "public_text",
        limit=TEXT_LIMIT,
        required=_("Please write the text to publish."),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    if text == current.public_text:
        return current
    changes = {"public_text": {"old": current.public_text, "new": text}}
    current.public_text = text
    return _save(actor, current, "edit_public", changes)


@transaction.atomic
def suggestion_route(
    *,
    actor,
    suggestion: Suggestion,
    department: str = "",
    routed_community: Area | None = None,
    deadline: dt.date | None = None,
    expected_version: int | None = None,
) -> Suggestion:
    """Give the suggestion to the responsible department (free text: 居委会, 物业, 街道市容所…)
    and/or a 居民区 of the 街镇, with a deadline for the answer."""
    current = _step(actor, suggestion, "route", expected_version)
    errors: dict[str, list[str]] = {}
    department = clean_text(department)
    if len(department) > DEPARTMENT_LIMIT:
        errors["department"] = [_too_long(DEPARTMENT_LIMIT)]
    elif not department and routed_community is None:
        errors["department"] = [_("Name the responsible department, or choose a 居民区.")]
    if (
        routed_community is not None
        and not routing_communities(current).filter(pk=routed_community.pk).exists()
    ):
        errors["routed_community"] = [_("Choose a 居民区 of this 街镇.")]
    today = timezone.localdate()
    if not isinstance(deadline, dt.date):
        errors["deadline"] = [_("Please give the date by which it is to be answered.")]
    elif not today <= deadline <= today + LONGEST_DEADLINE:
        errors["deadline"] = [_("Give a date from today to a year from now.")]
    if errors:
        raise ValidationError(errors)
    changes = _state_change(current, "route")
    changes.update(
        {
            "department": {"old": current.department, "new": department},
            "routed_community": {
                "old": current.routed_community_id,
                "new": routed_community.pk if routed_community else None,
            },
            "deadline": {
                "old": current.deadline.isoformat() if current.deadline else None,
                "new": deadline.isoformat(),
            },
        }
    )
    current.department, current.routed_community, current.deadline = (
        department,
        routed_community,
        deadline,
    )
    current.routed_at = timezone.now()
    return _save(actor, current, "route", changes)


@transaction.atomic
def suggestion_start(
    *, actor, suggestion: Suggestion, note: str = "", expected_version: int | None = None
) -> Suggestion:
    current = _step(actor, suggestion, "start", expected_version)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", limit=REASON_LIMIT, errors=errors)
    if errors:
        raise ValidationError(errors)
    changes = _state_change(current, "start")
    if note:
        changes["progress_note"] = {"old": current.progress_note, "new": note}
        current.progress_note = note
    return _save(actor, current, "start", changes)


@transaction.atomic
def suggestion_answer(
    *, actor, suggestion: Suggestion, answer: str, expected_version: int | None = None
) -> Suggestion:
    """The answer, published next to the suggestion on the board."""
    return _text_step(
        actor, suggestion, "answer", expected_version,
        value=answer, field="answer", column="answer", limit=ANSWER_LIMIT,
        required=_("Please write the answer."), by="answered",
    )  # fmt: skip


@transaction.atomic
def suggestion_decline(
    *, actor, suggestion: Suggestion, reason: str, expected_version: int | None = None
) -> Suggestion:
    """Declined, with a reason published next to the suggestion."""
    return _text_step(
        actor, suggestion, "decline", expected_version,
        value=reason, field="reason", column="decline_reason", limit=REASON_LIMIT,
        required=_("Please say why (it is shown on the board)."), by="answered",
    )  # fmt: skip


# --- late ones ----------------------------------------------------------------------------------


@transaction.atomic
def suggestions_late_tell(*, today: dt.date) -> tuple[int, int]:
    """Tell the 街镇's supervisor(s) of each suggestion past its deadline and not answered —
    once per deadline (routing again with a new deadline starts over). Returns (suggestions
    newly late, people told). District by district: each lock names its district, and the
    station joined to a suggestion is its 街镇's, so in that district too (docs/scale.md,
    point 9)."""
    found = told = 0
    districts = Area.objects.filter(level=Area.Level.DISTRICT).order_by("pk")
    for district in districts.values_list("pk", flat=True):
        late = (
            Suggestion.objects.select_for_update(of=("self",))
            .filter(
                joined_in_district("station"),
                district_id=district,
                state__in=(State.ASSIGNED, State.IN_PROGRESS),
                deadline__lt=today,
            )
            .exclude(late_told_for=F("deadline"))
            .select_related("station")
            .order_by("pk")
        )
        district_found, district_told = _late_tell(late)
        found += district_found
        told += district_told
    return found, told


def _late_tell(late: QuerySet[Suggestion]) -> tuple[int, int]:
    """(how many of `late`, people told)."""
    found = told = 0
    for suggestion in late:
        found += 1
        for user_id in users_with_role_in_areas(
            roles=[Role.SUPERVISOR], area_ids=[suggestion.subdistrict_id]
        ):
            told += notify(
                recipient_id=user_id,
                kind=Notification.Kind.SUGGESTION_LATE,
                key=f"suggestion_late:{suggestion.pk}:{suggestion.deadline.isoformat()}",
                params={
                    "number": suggestion.pk,
                    "station": suggestion.station.name,
                    "date": suggestion.deadline.isoformat(),
                    "department": suggestion.department,
                },
                url=reverse("suggestions:detail", args=[suggestion.pk]),
            )
        Suggestion.objects.filter(district_id=suggestion.district_id, pk=suggestion.pk).update(
            late_told_for=suggestion.deadline
        )
        audit_record(
            actor=None,
            action="suggestion.late",
            obj=suggestion,
            changes={"deadline": suggestion.deadline.isoformat()},
        )
    return found, told
