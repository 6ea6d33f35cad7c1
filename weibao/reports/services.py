"""Writes for mandatory reports (强制报告): intake through the three doors (public page, staff,
a visit concern), triage (acknowledge, police notification, linking the child, opening or
joining a case, the outcome message), the district's clock policy and the clocks' escalation.

Every write runs in one transaction with its audit row. The reporter's identity is never put
in an audit row or a notification in clear."""

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments, users_with_role_in_areas
from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_record
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core import crypto
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import clean_text, normalize_name
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.reports import workflow
from weibao.reports.choices import (
    POLICE_SITUATIONS,
    STAFF_REPORTER_TYPES,
    Channel,
    ChildSex,
    NoCaseReason,
    ReporterType,
    Situation,
)
from weibao.reports.hooks import case_for_report
from weibao.reports.models import ClockPolicy, ReferenceRegistration, Report, ReportSituation
from weibao.reports.selectors import can_decide_no_case, report_roles
from weibao.reports.text import normalize_code, normalize_reference
from weibao.visits.models import Concern
from weibao.visits.selectors import concerns_visible_to
from weibao.visits.services import concerns_mark_filed

DESCRIPTION_LIMIT = 5000
OUTCOME_LIMIT = 2000
NOTE_LIMIT = 2000
# The short fields' limits are the model's max_length; the address is encrypted (TEXT).
ADDRESS_LIMIT = 200
REPORTER_NAME_LIMIT = 64
REPORTER_PHONE_LIMIT = 30
REPORTER_ORG_LIMIT = 100
# How long before the report the police may already have been told (e.g. by the reporter's
# organisation before it reported to us).
POLICE_EARLIEST = dt.timedelta(days=30)

# Reference: R + date + 5 characters; code: 10 characters. No 0/O, 1/I/L: read out on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

# A visit concern becomes a report about these situations of opinion Art. 4
# (docs/domain.md §4.5, §5.2):
# a child under 8 left unattended, a child under 16 living alone, and parents away without a
# fit entrusted carer are all "left uncared for" (situation 6). Other kinds (no weekly contact,
# a concern marked by the visitor) are "other", described by the concern's label.
CONCERN_SITUATIONS: dict[str, str] = {
    Concern.Kind.UNDER8_UNATTENDED: Situation.ABANDONED,
    Concern.Kind.UNDER16_ALONE: Situation.ABANDONED,
    Concern.Kind.AWAY_WITHOUT_CARER: Situation.ABANDONED,
}


@dataclass
class ReportInput:
    """What a reporter tells us, through any door."""

    situations: list[str] = field(default_factory=list)
    other_situation: str = ""
    description: str = ""
    occurred_when: str = ""
    place: str = ""
    child_name: str = ""
    child_age: int | None = None
    child_sex: str = ""
    child_school: str = ""
    child_address: str = ""
    district: Area | None = None
    subdistrict: Area | None = None
    reporter_type: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_org: str = ""

    FIELDS = (
        "situations", "other_situation", "description", "occurred_when", "place", "child_name",
        "child_age", "child_sex", "child_school", "child_address", "district", "subdistrict",
        "reporter_type", "reporter_name", "reporter_phone", "reporter_org",
    )  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReportInput":
        return cls(**{k: v for k, v in data.items() if k in cls.FIELDS})


# --- helpers ----------------------------------------------------------------------------------


PHONE_RE = re.compile(r"^\+?[\d\s\-()（）]+$")


def _looks_like_phone(text: str) -> bool:
    """A mobile, a landline with its area code or an extension: 5 to 20 digits, and only
    the usual separators besides."""
    return bool(PHONE_RE.match(text)) and 5 <= sum(c.isdigit() for c in text) <= 20


def _too_long(limit: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": limit}


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_code() -> str:
    return _random(CODE_LENGTH)


# The secret code is kept as a keyed hash (HMAC-SHA256 under a key derived from the lookup-hash
# key, which lives outside the database), not with the password hasher: it is ten characters
# drawn at random from 31 (about 50 bits), never a word a person chose, so a slow hash adds no
# protection a keyed one lacks, and cost a quarter of a second of CPU per public report
# (docs/security.md, "The public report's secret code").
CODE_HASH_PREFIX = "hmac-sha256$"


def code_hash(code: str) -> str:
    key = crypto.derived_key(crypto.REPORT_CODE_PURPOSE)
    return CODE_HASH_PREFIX + hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def code_matches(code: str, stored: str) -> bool:
    """Whether `code` is the one hashed in `stored`: a keyed hash, or a password-hasher hash
    made before the keyed one (the reports of earlier versions keep theirs)."""
    if stored.startswith(CODE_HASH_PREFIX):
        return hmac.compare_digest(code_hash(code), stored)
    return check_password(code, stored)


def format_code(code: str) -> str:
    """The code as shown to the reporter, in groups easy to copy down: ABCD-EFGH-JK."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_reference() -> str:
    today = timezone.localdate().strftime("%Y%m%d")
    for _attempt in range(20):
        reference = f"R{today}-{_random(5)}"
        if not ReferenceRegistration.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free report reference")  # pragma: no cover (31^5 per day)


def _registration(report: Report) -> ReferenceRegistration:
    # By id, not by object: a one-to-one set by object caches each on the other (a cycle).
    return ReferenceRegistration(
        reference=report.reference, district_id=report.district_id, report_id=report.pk
    )


def clock_policy_for(district: Area) -> ClockPolicy:
    policy, _created = ClockPolicy.objects.get_or_create(district=district)
    return policy


def _triage_recipients(report: Report) -> set[int]:
    """Who triages a report: the supervisor(s) and station staff of its 街镇, or the district
    staff of its district when the 街镇 is not known."""
    if report.subdistrict_id:
        return set(
            users_with_role_in_areas(
                roles=(Role.SUPERVISOR, Role.STATION_STAFF), area_ids=[report.subdistrict_id]
            )
        )
    return set(
        users_with_role_in_areas(roles=(Role.DISTRICT_STAFF,), area_ids=[report.district_id])
    )


def _report_url(report: Report) -> str:
    return reverse("reports:detail", args=[report.pk])


def _notify_received(report: Report, actor=None) -> int:
    sent = 0
    exclude = {actor.pk} if actor is not None and actor.is_authenticated else set()
    for user_id in _triage_recipients(report) - exclude:
        sent += notify(
            recipient_id=user_id,
            kind=Notification.Kind.REPORT_RECEIVED,
            key=f"report_received:{report.pk}:{report.subdistrict_id or 'd'}",
            child=report.child,
            params={"reference": report.reference},
            url=_report_url(report),
        )
    return sent


def _audit(*, actor, report: Report, action: str, changes=None, note: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=report,
        child=report.child,
        case=report.case,
        changes=changes,
        note=note,
    )


def _lock(report: Report, expected_version: int | None, actor) -> Report:
    """The report, locked. Who may not triage it is refused before its version is compared:
    reloading would not help them, so a 409 would mislead."""
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    current = lock_where_read(Report.objects, report)
    _require_triage(actor, current)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _save(report: Report, fields: list[str]) -> None:
    report.version += 1
    report.save(update_fields=[*fields, "version"])


def _triage_roles(actor, report: Report) -> set[str]:
    return report_roles(actor, report) if actor.is_authenticated else set()


def _require_triage(actor, report: Report) -> None:
    if workflow.TRIAGE not in _triage_roles(actor, report):
        raise PermissionDenied


def _require_open(report: Report) -> None:
    if report.state == Report.State.CLOSED:
        raise ValidationError({"state": [_("This report is closed.")]}, code="invalid_transition")


# --- intake -------------------------------------------------------------------------------------


def _clean_input(data: ReportInput, *, public: bool = False) -> dict[str, Any]:
    """Validate and clean what the reporter gave; all errors at once, by field. Through the
    public door (`public`) the reporter types only staff record are refused."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    situations = data.situations or []
    if isinstance(situations, str):
        situations = [situations]
    unknown = [s for s in situations if s not in Situation.values]
    if unknown:
        errors["situations"] = [_("Please choose among the listed situations.")]
    situations = sorted({s for s in situations if s in Situation.values})
    if not situations and not unknown:
        errors["situations"] = [
            _("Please tick at least one situation, or “Other” and describe it.")
        ]
    out["situations"] = situations

    texts = {
        "other_situation": (200, False),
        "description": (DESCRIPTION_LIMIT, True),
        "occurred_when": (100, False),
        "place": (200, False),
        "child_name": (64, False),
        "child_school": (100, False),
        "child_address": (ADDRESS_LIMIT, False),
        "reporter_name": (REPORTER_NAME_LIMIT, False),
        "reporter_phone": (REPORTER_PHONE_LIMIT, False),
        "reporter_org": (REPORTER_ORG_LIMIT, False),
    }
    for name, (limit, multiline) in texts.items():
        text = clean_text(getattr(data, name), multiline=multiline)
        if name == "child_name":
            text = normalize_name(text)
        if len(text) > limit:
            errors[name] = [_too_long(limit)]
        out[name] = text

    phone = out["reporter_phone"]
    if phone and "reporter_phone" not in errors and not _looks_like_phone(phone):
        errors["reporter_phone"] = [
            _("Please give a phone number: digits, with spaces or dashes if you like.")
        ]
    if Situation.OTHER in situations and not out["other_situation"]:
        errors["other_situation"] = [_("Please say briefly what the other situation is.")]
    if Situation.OTHER not in situations:
        out["other_situation"] = ""
    if not out["description"]:
        errors["description"] = [_("Please describe what happened.")]

    age = data.child_age
    if age in ("", None):
        out["child_age"] = None
    elif isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 17:
        errors["child_age"] = [_("A child's age is a whole number from 0 to 17.")]
    else:
        out["child_age"] = age

    sex = data.child_sex or ""
    if sex not in ChildSex.values:
        errors["child_sex"] = [_("Please choose among the options.")]
    out["child_sex"] = sex

    if data.reporter_type not in ReporterType.values or (
        public and data.reporter_type in STAFF_REPORTER_TYPES
    ):
        errors["reporter_type"] = [_("Please say who you are reporting as.")]
    out["reporter_type"] = data.reporter_type

    district, subdistrict = data.district, data.subdistrict
    if subdistrict is not None:
        if subdistrict.level != Area.Level.SUBDISTRICT:
            errors["subdistrict"] = [_("Please choose a sub-district or town.")]
        elif district is None:
            district = subdistrict.parent
        elif subdistrict.parent_id != district.pk:
            errors["subdistrict"] = [_("This sub-district is not in the chosen district.")]
    if district is None or district.level != Area.Level.DISTRICT:
        errors.setdefault("district", [_("Please choose where the child lives, if you know.")])
    out["district"], out["subdistrict"] = district, subdistrict

    if errors:
        raise ValidationError(errors)
    return out


def report_input_errors(data: ReportInput, *, public: bool = False) -> dict[str, list[str]]:
    """The messages report_create would give for this input (for forms that show every
    problem at once); empty when it is acceptable."""
    try:
        _clean_input(data, public=public)
    except ValidationError as exc:
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {}


@transaction.atomic
def report_create(
    *,
    data: ReportInput,
    channel: str,
    actor=None,
    concern: Concern | None = None,
    child: Child | None = None,
) -> tuple[Report, str]:
    """Receive a report (from the public page when `actor` is None). Sets its clocks from the
    district's policy and tells the people who triage it at once. Returns the report and its
    secret code, which is not stored (only its hash) and must be shown to the reporter now."""
    if channel not in Channel.values:
        raise ValueError(channel)
    if channel != Channel.PUBLIC and (actor is None or not actor.is_authenticated):
        raise PermissionDenied
    d = _clean_input(data, public=channel == Channel.PUBLIC)
    now = timezone.now()
    policy = clock_policy_for(d["district"])
    police_required = bool(set(d["situations"]) & POLICE_SITUATIONS)
    code = new_code()
    report = Report(
        code_hash=code_hash(code),
        channel=channel,
        district=d["district"],
        subdistrict=d["subdistrict"],
        other_situation=d["other_situation"],
        police_required=police_required,
        description=d["description"],
        occurred_when=d["occurred_when"],
        place=d["place"],
        child_name=d["child_name"],
        child_age=d["child_age"],
        child_sex=d["child_sex"],
        child_school=d["child_school"],
        child_address=d["child_address"],
        reporter_type=d["reporter_type"],
        reporter_name=d["reporter_name"],
        reporter_phone=d["reporter_phone"],
        reporter_org=d["reporter_org"],
        created_by=actor if channel != Channel.PUBLIC else None,
        concern=concern,
        received_at=now,
        ack_due_at=now + dt.timedelta(minutes=policy.ack_minutes),
        police_due_at=now + dt.timedelta(hours=policy.police_hours) if police_required else None,
        outcome_due_at=now + dt.timedelta(days=policy.outcome_days),
    )
    if child is not None:
        report.child, report.link_state = child, Report.Link.LINKED
        report.district_id, report.subdistrict_id = child.district_id, child.subdistrict_id
        report.community_id = child.community_id
    for _attempt in range(5):
        report.reference = _new_reference()
        try:
            with transaction.atomic():
                report.save()
                # The registry's key decides a race for a reference (its docstring).
                _registration(report).save(force_insert=True)
            break
        except IntegrityError:  # the same reference drawn at the same moment: draw again
            report.pk = None
    else:  # pragma: no cover
        raise RuntimeError("no free report reference")
    ReportSituation.objects.bulk_create(
        [ReportSituation(report=report, situation=s) for s in d["situations"]]
    )
    identity_given = any(d[k] for k in ("reporter_name", "reporter_phone", "reporter_org"))
    changes: dict[str, Any] = {
        "channel": {"new": channel},
        "situations": {"new": d["situations"]},
        "police_required": {"new": police_required},
        "district": {"new": report.district_id},
        "subdistrict": {"new": report.subdistrict_id},
        # The reporter's identity is confidential: only whether it was given.
        "reporter": {"new": "***" if identity_given else ""},
    }
    if report.child_id:
        changes["child"] = {"new": report.child_id}
    if concern is not None:
        changes["concern"] = {"new": concern.pk}
    _audit(actor=actor, report=report, action="report.create", changes=changes)
    _notify_received(report, actor)
    return report, code


def report_status(reference: str, code: str) -> Report | None:
    """The report with this reference if the code matches; None otherwise (a wrong code and an
    unknown reference look the same, and take about as long: a hash is checked either way)."""
    reference, code = normalize_reference(reference), normalize_code(code)
    report = None
    if reference:
        registered = ReferenceRegistration.objects.filter(reference=reference)
        district = registered.values_list("district_id", flat=True).first()
        report = Report.objects.filter(district_id=district, reference=reference).first()
    matches = code_matches(code, report.code_hash if report else code_hash(new_code()))
    return report if report is not None and code and matches else None


# --- a visit concern becomes a report -------------------------------------------------------------


def concern_situations(concerns: list[Concern]) -> list[str]:
    """The situations of opinion Art. 4 these concerns imply (docs/domain.md §4.5), in the
    order of the list."""
    return sorted(
        {CONCERN_SITUATIONS.get(c.kind, Situation.OTHER) for c in concerns},
        key=lambda s: Situation.values.index(s),
    )


def _concern_others(concerns: list[Concern]) -> list[str]:
    """The labels of the concerns reported as "other" (their kind maps to no situation)."""
    return [str(c.get_kind_display()) for c in concerns if c.kind not in CONCERN_SITUATIONS]


def concern_reporter(concern: Concern) -> tuple[str, str, str]:
    """(reporter type, name, organisation) of a report made from a concern: whoever raised
    the concern, not whoever files it (often the supervisor). A 儿童主任 reports as such, for
    their 居民区; workstation and district staff work for the 街道 or the district, state
    organs (docs/domain.md §2.2, §2.5, §5.1)."""
    raiser = concern.raised_by
    if any(ra.role == Role.DIRECTOR for ra in user_role_assignments(raiser)):
        reporter_type, org = ReporterType.CHILD_DIRECTOR, concern.community
    else:
        reporter_type, org = ReporterType.STATE_ORGAN, concern.subdistrict
    return (
        reporter_type,
        str(raiser)[:REPORTER_NAME_LIMIT],
        (org.name if org is not None else "")[:REPORTER_ORG_LIMIT],
    )


def concern_report_input(concern: Concern, also: list[Concern] | None = None) -> ReportInput:
    """A report from a visit concern (and the other open concerns of the same visit, `also`):
    the situations mapped from the concerns' kinds, their texts and the visit's findings (once,
    when a concern already quotes them), the person who raised the concern as the reporter.
    The child's address stays in the registry (masked, revealed only with a logged reason):
    the report is linked to the child, it does not copy it."""
    concerns = [concern, *(also or [])]
    child = concern.child
    parts = [str(c.get_kind_display()) for c in concerns]
    descriptions: list[str] = []
    for c in concerns:
        text = (c.description or "").strip()
        if text and text not in descriptions:
            descriptions.append(text)
    parts += descriptions
    visit = concern.visit
    if visit is not None:
        findings = (visit.findings or "").strip()
        if findings and not any(findings in text for text in descriptions):
            parts.append(_("Visit findings: %(text)s") % {"text": findings})
        if visit.guardianship:
            parts.append(_("Guardianship: %(text)s") % {"text": visit.guardianship})
    description = "\n\n".join(parts)[:DESCRIPTION_LIMIT]
    when = ""
    if visit is not None and visit.visit_date:
        when = _("Home visit of %(date)s") % {"date": visit.visit_date.isoformat()}
    reporter_type, reporter_name, reporter_org = concern_reporter(concern)
    return ReportInput(
        situations=concern_situations(concerns),
        other_situation="; ".join(_concern_others(concerns))[:200],
        description=description,
        occurred_when=when[:100],
        child_name=child.name,
        child_age=child.age() if 0 <= child.age() <= 17 else None,
        child_sex=child.sex if child.sex in ChildSex.values else "",
        child_school=child.school,
        district=child.district,
        subdistrict=child.subdistrict,
        reporter_type=reporter_type,
        reporter_name=reporter_name,
        reporter_org=reporter_org,
    )


@dataclass(frozen=True)
class ConcernFiling:
    """What report_from_concern did: the report, whether it made it, and the concerns this
    call put into it (none when the concern was in it already)."""

    report: Report
    created: bool
    merged: list[Concern]

    @property
    def joined(self) -> bool:
        """The concern went into a report already made for its visit."""
        return not self.created and bool(self.merged)


def _mark_filed(actor, concerns: list[Concern], report: Report) -> None:
    note = _("Filed as mandatory report %(reference)s.") % {"reference": report.reference}
    concerns_mark_filed(actor=actor, concerns=concerns, report=report, note=note)


def _join_report(actor, concern: Concern, report: Report) -> Report:
    """A concern joins the open report of its visit: the report takes the situations the
    concern implies that it lacks (docs/domain.md §4.5); the police clock starts now when one
    of them is among situations 1–8 and none was before."""
    current = lock_where_read(Report.objects, report)
    had = set(current.situation_rows.values_list("situation", flat=True))
    added = [s for s in concern_situations([concern]) if s not in had]
    fields: list[str] = []
    others = [o for o in current.other_situation.split("; ") if o]
    new_others = [o for o in _concern_others([concern]) if o not in others]
    if new_others:
        current.other_situation = "; ".join(others + new_others)[:200]
        fields.append("other_situation")
    police = bool(set(added) & POLICE_SITUATIONS)
    if police and not current.police_required:
        policy = clock_policy_for(current.district)
        current.police_required = True
        current.police_due_at = timezone.now() + dt.timedelta(hours=policy.police_hours)
        fields += ["police_required", "police_due_at"]
    ReportSituation.objects.bulk_create(
        [ReportSituation(report=current, situation=s) for s in added]
    )
    _save(current, fields)
    _audit(
        actor=actor,
        report=current,
        action="report.concern_join",
        changes={
            "concern": {"new": concern.pk},
            "situations": {"old": sorted(had), "new": sorted(had | set(added))},
        },
    )
    return current


@transaction.atomic
def report_from_concern(*, actor, concern: Concern) -> ConcernFiling:
    """Turn a visit concern into a mandatory report in one step, linked to the concern's child,
    and mark the concern handled. One visit makes one report: the visit's other open concerns
    go into it (and are marked handled too), and a concern of a visit already reported (and
    not yet closed) joins that report. A second call returns the existing report
    (created=False, nothing merged)."""
    if not concerns_visible_to(actor).filter(pk=concern.pk).exists():
        raise PermissionDenied
    current = lock_where_read(Concern.objects, concern)
    existing = current.filed_report or current.reports.order_by("id").first()
    if existing is not None:
        return ConcernFiling(existing, False, [])
    siblings: list[Concern] = []
    if current.visit_id is not None:
        siblings = list(
            Concern.objects.select_for_update()
            .filter(
                district_id=current.district_id,
                visit_id=current.visit_id,
                child_id=current.child_id,
            )
            .exclude(pk=current.pk)
            .order_by("id")
        )
    sibling_ids = [c.pk for c in siblings]
    filed = (
        Report.objects.filter(Q(concern__in=sibling_ids) | Q(filed_concerns__in=sibling_ids))
        .exclude(state=Report.State.CLOSED)
        .order_by("id")
        .first()
    )
    if filed is not None:
        filed = _join_report(actor, current, filed)
        _mark_filed(actor, [current], filed)
        return ConcernFiling(filed, False, [current])
    also = [c for c in siblings if c.state == Concern.State.OPEN]
    report, _code = report_create(
        data=concern_report_input(current, also=also),
        channel=Channel.CONCERN,
        actor=actor,
        concern=current,
        child=current.child,
    )
    _mark_filed(actor, [current, *also], report)
    return ConcernFiling(report, True, [current, *also])


# --- triage ---------------------------------------------------------------------------------------


@transaction.atomic
def report_acknowledge(*, actor, report: Report, expected_version: int | None = None) -> Report:
    """Received → acknowledged: stops the acknowledgement clock."""
    current = _lock(report, expected_version, actor)
    workflow.REPORT.check("acknowledge", current.state, _triage_roles(actor, current))
    old = current.state
    current.state = workflow.REPORT.get("acknowledge").target
    current.acknowledged_at, current.acknowledged_by = timezone.now(), actor
    _save(current, ["state", "acknowledged_at", "acknowledged_by"])
    _audit(
        actor=actor,
        report=current,
        action="report.acknowledge",
        changes={"state": {"old": old, "new": current.state}},
    )
    return current


@transaction.atomic
def report_record_police(
    *,
    actor,
    report: Report,
    told: str,
    notified_at: dt.datetime | None,
    receipt_no: str,
    expected_version: int | None = None,
) -> Report:
    """Record who at the police was told, when, and the receipt number. Not a state change;
    possible (and correctable) until the report is closed."""
    current = _lock(report, expected_version, actor)
    _require_triage(actor, current)
    _require_open(current)
    errors: dict[str, list[str]] = {}
    told = clean_text(told)
    receipt_no = clean_text(receipt_no)
    if not told:
        errors["told"] = [_("Please say who at the police was told (station, officer).")]
    elif len(told) > 100:
        errors["told"] = [_too_long(100)]
    if not receipt_no:
        errors["receipt_no"] = [_("Please give the police receipt number.")]
    elif len(receipt_no) > 50:
        errors["receipt_no"] = [_too_long(50)]
    now = timezone.now()
    if notified_at is None:
        errors["notified_at"] = [_("Please give the date and time the police were told.")]
    elif timezone.is_naive(notified_at):
        notified_at = timezone.make_aware(notified_at)
    if notified_at is not None and "notified_at" not in errors:
        if notified_at > now + dt.timedelta(minutes=1):
            errors["notified_at"] = [_("This time is in the future.")]
        elif notified_at < current.received_at - POLICE_EARLIEST:
            errors["notified_at"] = [_("This is more than 30 days before the report was received.")]
    if errors:
        raise ValidationError(errors)
    notified_at = min(notified_at, now)
    changes = {
        "police_told": {"old": current.police_told or None, "new": told},
        "police_notified_at": {
            "old": current.police_notified_at.isoformat() if current.police_notified_at else None,
            "new": notified_at.isoformat(),
        },
        "police_receipt_no": {"old": current.police_receipt_no or None, "new": receipt_no},
    }
    current.police_told, current.police_notified_at = told, notified_at
    current.police_receipt_no, current.police_recorded_by = receipt_no, actor
    _save(
        current,
        ["police_told", "police_notified_at", "police_receipt_no", "police_recorded_by"],
    )
    _audit(actor=actor, report=current, action="report.police", changes=changes)
    return current


@transaction.atomic
def report_link_child(
    *,
    actor,
    report: Report,
    child: Child,
    link_state: str = Report.Link.LINKED,
    expected_version: int | None = None,
) -> Report:
    """Link the report to a child of the registry (found by ID number, or by name and birth
    date and confirmed by the user), or to a child just registered for it. The report then
    lies in the child's 居民区 (so the child's director sees it)."""
    current = _lock(report, expected_version, actor)
    _require_triage(actor, current)
    _require_open(current)
    if link_state not in (Report.Link.LINKED, Report.Link.REGISTERED):
        raise ValidationError({"link_state": [_("Please choose how the child was found.")]})
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise ValidationError({"child": [_("No such child in your areas.")]})
    if current.case_id is not None and current.child_id != child.pk:
        raise ValidationError(
            {"child": [_("This report is already part of a case of another child.")]}
        )
    old = {
        "child": current.child_id,
        "link_state": current.link_state,
        "subdistrict": current.subdistrict_id,
    }
    current.child, current.link_state = child, link_state
    from_district = current.district_id
    current.district_id, current.subdistrict_id = child.district_id, child.subdistrict_id
    current.community_id = child.community_id
    _save(current, ["child", "link_state", "district", "subdistrict", "community"])
    if current.district_id != from_district:
        ReferenceRegistration.objects.filter(reference=current.reference).update(
            district_id=current.district_id
        )
    _audit(
        actor=actor,
        report=current,
        action="report.link_child",
        changes={
            "child": {"old": old["child"], "new": child.pk},
            "link_state": {"old": old["link_state"], "new": link_state},
        },
    )
    if old["subdistrict"] != current.subdistrict_id:
        # The report moved to another 街镇's queue: its people learn of it now.
        _notify_received(current, actor)
    return current


@transaction.atomic
def report_mark_unidentified(
    *, actor, report: Report, note: str = "", expected_version: int | None = None
) -> Report:
    """The child cannot be identified from what the reporter said."""
    current = _lock(report, expected_version, actor)
    _require_triage(actor, current)
    _require_open(current)
    if current.case_id is not None:
        raise ValidationError(
            {"state": [_("This report is already part of a case; its child is known.")]}
        )
    note = clean_text(note, multiline=True)
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": [_too_long(NOTE_LIMIT)]})
    old = {"child": current.child_id, "link_state": current.link_state}
    current.child, current.link_state, current.community = None, Report.Link.UNIDENTIFIED, None
    _save(current, ["child", "link_state", "community"])
    _audit(
        actor=actor,
        report=current,
        action="report.unidentified",
        changes={
            "child": {"old": old["child"], "new": None},
            "link_state": {"old": old["link_state"], "new": current.link_state},
        },
        note=note,
    )
    return current


@transaction.atomic
def report_open_case(
    *, actor, report: Report, owner=None, expected_version: int | None = None
) -> tuple[Any, bool]:
    """Open a case for the report's child, or attach the report to the child's open case (a
    child has at most one); the report is then being handled. Returns the case and whether the
    report joined a case that was already open (the user is told which of the two happened)."""
    current = _lock(report, expected_version, actor)
    roles = _triage_roles(actor, current)
    if workflow.TRIAGE not in roles:
        raise PermissionDenied
    if current.state == Report.State.RECEIVED:
        raise ValidationError(
            {"state": [_("Acknowledge the report first.")]}, code="invalid_transition"
        )
    workflow.REPORT.check("handle", current.state, roles)
    if current.child is None or current.link_state not in (
        Report.Link.LINKED,
        Report.Link.REGISTERED,
    ):
        raise ValidationError({"child": [_("Link the report to a child first.")]})
    case, attached = case_for_report.first(actor=actor, report=current, owner=owner)
    old = current.state
    current.case, current.state = case, workflow.REPORT.get("handle").target
    current.handling_at = timezone.now()
    _save(current, ["case", "state", "handling_at"])
    _audit(
        actor=actor,
        report=current,
        action="report.attach_case" if attached else "report.open_case",
        changes={
            "state": {"old": old, "new": current.state},
            "case": {"new": case.reference},
        },
    )
    return case, attached


@transaction.atomic
def report_close(
    *,
    actor,
    report: Report,
    outcome_message: str,
    no_case_reason: str = "",
    expected_version: int | None = None,
) -> Report:
    """Send the outcome message to the reporter (shown on the status page) and close. For
    situations 1–8 the police notification must be on record first, and the report closes
    with a case, or with the supervisor's (or the district's) reason why none is needed."""
    current = _lock(report, expected_version, actor)
    workflow.REPORT.check("close", current.state, _triage_roles(actor, current))
    message = clean_text(outcome_message, multiline=True)
    if not message:
        raise ValidationError(
            {"outcome_message": [_("Please write the outcome message for the reporter.")]}
        )
    if len(message) > OUTCOME_LIMIT:
        raise ValidationError({"outcome_message": [_too_long(OUTCOME_LIMIT)]})
    if current.police_required and current.police_notified_at is None:
        raise ValidationError(
            {"state": [_("Record the police notification before closing this report.")]},
            code="police_required",
        )
    no_case_reason = _no_case_reason(actor, current, no_case_reason)
    old = current.state
    now = timezone.now()
    current.state = workflow.REPORT.get("close").target
    current.outcome_message, current.outcome_sent_at, current.closed_by = message, now, actor
    current.no_case_reason = no_case_reason
    _save(current, ["state", "outcome_message", "outcome_sent_at", "closed_by", "no_case_reason"])
    changes = {"state": {"old": old, "new": current.state}}
    if no_case_reason:
        changes["no_case_reason"] = {"old": "", "new": no_case_reason}
    _audit(actor=actor, report=current, action="report.close", changes=changes, note=message)
    return current


def needs_no_case_decision(report: Report) -> bool:
    """A report of harm (situations 1–8) without a case closes only on a stated reason."""
    return report.police_required and report.case_id is None


def _no_case_reason(actor, report: Report, reason: str) -> str:
    if not needs_no_case_decision(report):
        return ""
    if not can_decide_no_case(actor, report):
        raise Blocked(
            _(
                "This report names situations of harm (1–8) and has no case: open a case or "
                "attach it to the child's open case. Only the supervisor or the district may "
                "decide that no case is needed."
            ),
            code="case_required",
        )
    if reason not in NoCaseReason.values:
        raise ValidationError(
            {
                "no_case_reason": [
                    _(
                        "This report names situations of harm (1–8) and has no case: open a "
                        "case, or choose why no case is needed."
                    )
                ]
            }
        )
    return reason


# --- the clocks ---------------------------------------------------------------------------------


def clock_policy_districts(user) -> list[Area]:
    """The districts whose clocks this user sets: district staff of that district."""
    return [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role == Role.DISTRICT_STAFF and ra.area is not None
    ]


@transaction.atomic
def clock_policy_update(
    *, actor, district: Area, ack_minutes: int, police_hours: int, outcome_days: int
) -> ClockPolicy:
    """District staff set their district's clocks; they apply to reports received from now."""
    if district.pk not in {a.pk for a in clock_policy_districts(actor)}:
        raise PermissionDenied
    policy = lock_where_read(ClockPolicy.objects, clock_policy_for(district))
    old = {
        "ack_minutes": policy.ack_minutes,
        "police_hours": policy.police_hours,
        "outcome_days": policy.outcome_days,
    }
    policy.ack_minutes, policy.police_hours = ack_minutes, police_hours
    policy.outcome_days = outcome_days
    policy.full_clean(exclude=["district"])
    policy.save()
    changes = {
        key: {"old": value, "new": getattr(policy, key)}
        for key, value in old.items()
        if value != getattr(policy, key)
    }
    audit_record(actor=actor, action="report.clock_policy", obj=policy, changes=changes)
    return policy


# --- the end of the retention period ------------------------------------------------------

# What a report says in words: about the child, about what happened, and who told us. The
# situations, the channel, the reporter's type, the clocks and the states are kept.
ANONYMISED_REPORT_FIELDS = (
    "other_situation",
    "description",
    "occurred_when",
    "place",
    "child_name",
    "child_school",
    "child_address",
    "reporter_name",
    "reporter_phone",
    "reporter_org",
    "police_told",
    "outcome_message",
)


# --- the area tree (areas.hooks.area_close_guards) --------------------------------------------


def area_reports_guard(*, area) -> None:
    """A 街镇 closes without an open report in its queue (a 居民区's reports are the 街镇's
    supervisors' to handle, and stay with it)."""
    if area.level != Area.Level.SUBDISTRICT:
        return
    n = Report.objects.filter(subdistrict=area).exclude(state=Report.State.CLOSED).count()
    if n:
        raise Blocked(
            _("%(n)d open mandatory reports remain in %(area)s: close them first.")
            % {"n": n, "area": area.name},
            code="reports",
        )


def reports_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """The child's file is anonymised (children.hooks.child_anonymise_parts, inside
    children.services.child_anonymise's transaction, which writes the audit row): the reports
    about the child — linked to the file, or made of one of the child's concerns — lose what
    they say in words and the reporter's identity; the child's age and sex as reported, the
    situations, the clocks met or missed and the outcome's date stay for the statistics."""
    reports = Report.objects.filter(
        Q(child=child) | Q(concern__child=child) | Q(filed_concerns__child=child)
    ).distinct()
    ids = list(reports.values_list("pk", flat=True))
    return {
        "reports": Report.objects.filter(pk__in=ids).update(
            **{name: "" for name in ANONYMISED_REPORT_FIELDS}
        )
    }


@transaction.atomic
def reports_exported(*, actor, area, rows: int, filters: dict, channel: str) -> None:
    """Every export of the list of reports is in the audit log: who, which area, how many rows,
    with which filters."""
    audit_record(
        actor=actor,
        action="report.export",
        obj=area if area is not None else actor,
        changes={"rows": rows, "channel": channel, "filters": filters},
    )
