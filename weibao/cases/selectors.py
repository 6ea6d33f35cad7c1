"""Reads for cases and everything that hangs off a case (plans, services, protection). ONE
scope function, cases_visible_to; the others start from it."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import user_role_assignments
from weibao.audit.models import AuditEvent
from weibao.cases import workflow
from weibao.cases.choices import (
    CapacityResult,
    Placement,
    PlannedServiceStatus,
    ProtectionEnd,
    ProtectionGround,
    RiskLevel,
    ServiceType,
    Stage,
)
from weibao.cases.models import Case, PlanVersion, ProtectionRecord, ServiceRecord
from weibao.partners.models import Referral
from weibao.reports.models import Report

# The roles that see every case of their area; a director sees only the cases they own.
AREA_ROLES = {
    Role.SUPERVISOR: workflow.SUPERVISOR,
    Role.STATION_STAFF: workflow.STAFF,
    Role.DISTRICT_STAFF: workflow.DISTRICT,
}


def cases_visible_to(user) -> QuerySet[Case]:
    """THE scope rule for cases: the owner, and the supervisor, station staff and district
    staff of the case's area. Other directors do not see a case, even in their 居民区."""
    if not user.is_authenticated:
        return Case.objects.none()
    q = Q(owner=user)
    for ra in user_role_assignments(user):
        if ra.role in AREA_ROLES and ra.area is not None:
            q |= Q(**{f"{ra.area.scope_field()}_id": ra.area_id})
    return Case.objects.filter(q)


def case_get_for_user(user, pk) -> Case:
    try:
        return (
            cases_visible_to(user)
            .select_related("child", "owner", "community", "subdistrict")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def case_roles(user, case: Case) -> set[str]:
    """The user's roles on this case, as the workflow tables name them."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if case.owner_id == user.pk:
        roles.add(workflow.OWNER)
    area_of = {
        "district": case.district_id,
        "subdistrict": case.subdistrict_id,
        "community": case.community_id,
    }
    for ra in user_role_assignments(user):
        in_area = ra.area is not None and area_of[ra.area.scope_field()] == ra.area_id
        if ra.role in AREA_ROLES and in_area:
            roles.add(AREA_ROLES[ra.role])
    return roles


def open_case_for_child(child) -> Case | None:
    return Case.objects.filter(child=child).exclude(stage="closed").first()


def current_plan(case: Case) -> PlanVersion | None:
    return case.plan_versions.order_by("-number").first()


def service_records_visible_to(user) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))


def protections_visible_to(user) -> QuerySet[ProtectionRecord]:
    return ProtectionRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))


# --- additions: owners, a child's cases, plan versions ------------------------------------


def eligible_owner_q(child) -> Q:
    """Role assignments that make someone a possible owner of a case of this child: the
    director of its 居民区, the supervisor or station staff of its 街镇, district staff."""
    return (
        Q(role=Role.DIRECTOR, area_id=child.community_id)
        | Q(role__in=[Role.SUPERVISOR, Role.STATION_STAFF], area_id=child.subdistrict_id)
        | Q(role=Role.DISTRICT_STAFF, area_id=child.district_id)
    )


def eligible_owners(child) -> QuerySet[User]:
    """Who may own (or be responsible in the plan of) a case of this child."""
    assignments = RoleAssignment.objects.filter(eligible_owner_q(child))
    return (
        User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))
        .prefetch_related("role_assignments")
        .order_by("full_name", "username")
    )


def child_cases_for_user(user, child) -> QuerySet[Case]:
    """The child's cases this user may see, open ones first, newest first."""
    return (
        cases_visible_to(user)
        .filter(child=child)
        .select_related("owner")
        .order_by("closed_at", "-opened_at", "-id")
    )


def plan_version_get(case: Case, number) -> PlanVersion:
    try:
        return case.plan_versions.select_related("created_by").get(number=int(number))
    except (PlanVersion.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def plan_services(plan: PlanVersion | None) -> list:
    if plan is None:
        return []
    return list(plan.services.select_related("responsible_user", "responsible_partner"))


# --- the case timeline ----------------------------------------------------------------------

# A readable label for each action code written with case=... (case_audit). Codes not listed
# fall back to the family's label (never the raw code): the row and its changes still show.
TIMELINE_LABELS = {
    "case.open": gettext_lazy("Case opened"),
    "case.file": gettext_lazy("Case filed"),
    "case.assess": gettext_lazy("Risk assessed"),
    "case.intervene": gettext_lazy("Intervention started"),
    "case.serve": gettext_lazy("Services started"),
    "case.track": gettext_lazy("Follow-up started"),
    "case.resume_services": gettext_lazy("Services resumed"),
    "case.request_close": gettext_lazy("Closing requested"),
    "case.approve_close": gettext_lazy("Closing approved: case closed"),
    "case.reject_close": gettext_lazy("Closing refused"),
    "case.reopen": gettext_lazy("Case reopened"),
    "case.assign": gettext_lazy("Owner changed"),
    "plan.save": gettext_lazy("Case plan saved"),
    "report.received": gettext_lazy("Report received"),
    "report.attach": gettext_lazy("Report attached to the case"),
    # The report's own rows, written with the case once the report belongs to it.
    "report.open_case": gettext_lazy("Report now handled in this case"),
    "report.attach_case": gettext_lazy("Report now handled in this case"),
    "report.link": gettext_lazy("Report linked to the child"),
    "report.link_child": gettext_lazy("Report linked to the child"),
    "report.acknowledge": gettext_lazy("Report acknowledged"),
    "report.police": gettext_lazy("Police notification recorded"),
    "report.outcome": gettext_lazy("Outcome sent to the reporter"),
    "report.close": gettext_lazy("Report closed"),
    "concern.raised": gettext_lazy("Concern raised"),
    "service.record": gettext_lazy("Service recorded"),
    "service.create": gettext_lazy("Service recorded"),
    "service.void": gettext_lazy("Service record voided"),
    "referral.create": gettext_lazy("Referred to a partner"),
    "referral.accept": gettext_lazy("Referral accepted"),
    "referral.reject": gettext_lazy("Referral rejected"),
    "referral.complete": gettext_lazy("Referral completed"),
    "referral.revoke": gettext_lazy("Referral revoked"),
    "referral.feedback": gettext_lazy("Partner feedback recorded"),
    "referral.overdue": gettext_lazy("Referral not answered in time"),
    "protection.start": gettext_lazy("Temporary guardianship started"),
    "protection.create": gettext_lazy("Temporary guardianship started"),
    "protection.update": gettext_lazy("Protection record changed"),
    "protection.assess": gettext_lazy("Guardianship capacity assessed"),
    "protection.capacity": gettext_lazy("Guardianship capacity assessed"),
    "protection.end": gettext_lazy("Temporary guardianship ended"),
    "protection.alert": gettext_lazy("One-year limit alert sent"),
}

FAMILY_LABELS = {
    "case": gettext_lazy("Case"),
    "plan": gettext_lazy("Case plan"),
    "report": gettext_lazy("Report"),
    "service": gettext_lazy("Service"),
    "referral": gettext_lazy("Referral"),
    "protection": gettext_lazy("Protection"),
}

# Fields the timeline describes with their own words; other keys are shown as they are.
CHANGE_LABELS = {
    "stage": gettext_lazy("stage"),
    "risk_level": gettext_lazy("risk level"),
    "owner": gettext_lazy("case owner"),
    "version": gettext_lazy("plan version"),
    "review_on": gettext_lazy("review date"),
    "services": gettext_lazy("planned services"),
    "report": gettext_lazy("report"),
    "case": gettext_lazy("case"),
    "partner": gettext_lazy("partner"),
    "state": gettext_lazy("state"),
    "link_state": gettext_lazy("child link"),
    "accept_by": gettext_lazy("accept by"),
    "service_type": gettext_lazy("service"),
    "delivered_on": gettext_lazy("date"),
    "duration_minutes": gettext_lazy("duration (minutes)"),
    "provider": gettext_lazy("provided by"),
    "ground": gettext_lazy("legal ground"),
    "placement": gettext_lazy("placement"),
    "started_on": gettext_lazy("start date"),
    "limit_on": gettext_lazy("one-year limit"),
    "capacity_result": gettext_lazy("capacity assessment"),
    "capacity_assessed_on": gettext_lazy("capacity assessed on"),
    "ended_on": gettext_lazy("end date"),
    "end_reason": gettext_lazy("how it ended"),
}
_CHOICES = {
    "stage": dict(Stage.choices),
    "risk_level": dict(RiskLevel.choices),
    "service_type": dict(ServiceType.choices),
    "status": dict(PlannedServiceStatus.choices),
    "ground": dict(ProtectionGround.choices),
    "placement": dict(Placement.choices),
    "capacity_result": dict(CapacityResult.choices),
    "end_reason": dict(ProtectionEnd.choices),
}
# A key's choices that depend on what the row is about.
_FAMILY_CHOICES = {
    ("referral", "state"): dict(Referral.State.choices),
    ("report", "state"): dict(Report.State.choices),
    ("report", "link_state"): dict(Report.Link.choices),
}
# Never shown in the timeline even if a writer put them in `changes`: sensitive values, and
# bare row ids that mean nothing to a reader.
HIDDEN_CHANGE_KEYS = {"address", "child_address", "placement_detail", "reporter_name",
                      "reporter_phone", "reporter_org"}  # fmt: skip
ID_KEYS = {"referral", "service_record", "protection", "record", "child", "concern"}


def action_label(action: str) -> str:
    if action in TIMELINE_LABELS:
        return str(TIMELINE_LABELS[action])
    family = action.split(".", 1)[0]
    if family in FAMILY_LABELS:
        return str(FAMILY_LABELS[family])
    return str(gettext_lazy("Other change"))


@dataclass
class ChangeLine:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    at: dt.datetime
    action: str
    label: str
    actor: User | None = None
    note: str = ""
    lines: list[ChangeLine] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    # The discovery step (a report received, a concern raised) is not an audit row.
    discovery: bool = False
    event_id: int | None = None

    @property
    def actor_name(self) -> str:
        return str(self.actor) if self.actor is not None else ""


# Keys not in CHANGE_LABELS are named by the field of the row's model, where there is one.
FAMILY_MODELS = {
    "case": Case,
    "report": Report,
    "referral": Referral,
    "service": ServiceRecord,
    "protection": ProtectionRecord,
}


def _change_label(key: str, family: str) -> str:
    if key in CHANGE_LABELS:
        return str(CHANGE_LABELS[key])
    model = FAMILY_MODELS.get(family)
    if model is not None:
        try:
            return str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            pass
    return key


def _moment(value: str) -> dt.datetime | None:
    """An ISO date-time written by a service (e.g. when the police were told), else None."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


def _display(key: str, value: Any, users: dict[int, User], family: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and "T" in value and (moment := _moment(value)) is not None:
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    if key == "owner" and isinstance(value, int):
        return str(users.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = _FAMILY_CHOICES.get((family, key)) or _CHOICES.get(key)
    if choices and isinstance(value, str):
        return str(choices.get(value, value))
    if isinstance(value, list):
        item_key = "service_type" if key == "services" else key
        return "、".join(_display(item_key, v, users, family) for v in value[:20]) or "—"
    if isinstance(value, dict):
        return "…"
    return str(value)[:200]


_LINE_ORDER = {key: i for i, key in enumerate(CHANGE_LABELS)}


def _line_order(key: str) -> tuple:
    """The state first, then the labelled fields in their table's order: the same on every
    database (PostgreSQL's jsonb does not keep the order keys were written in)."""
    return (key not in ("stage", "state"), _LINE_ORDER.get(key, len(_LINE_ORDER)), key)


def _lines(changes: dict[str, Any], users: dict[int, User], family: str = "") -> list[ChangeLine]:
    lines = []
    for key, change in sorted(changes.items(), key=lambda item: _line_order(item[0])):
        if key in HIDDEN_CHANGE_KEYS or key in ID_KEYS:
            continue
        label = _change_label(key, family)
        if isinstance(change, dict) and change and set(change) <= {"old", "new"}:
            old = change.get("old")
            if old in (None, "") and change.get("new") in (None, "", []):
                continue  # an optional value left empty when the thing was created
            lines.append(
                ChangeLine(
                    label,
                    "" if old in (None, "") else _display(key, old, users, family),
                    _display(key, change.get("new"), users, family),
                )
            )
        else:
            lines.append(ChangeLine(label, "", _display(key, change, users, family)))
    return lines


def _owner_ids(events: list[AuditEvent]) -> set[int]:
    ids = set()
    for event in events:
        owner = event.changes.get("owner") if isinstance(event.changes, dict) else None
        if isinstance(owner, dict):
            ids |= {v for v in owner.values() if isinstance(v, int)}
    return ids


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every step of the case, oldest first: the discovery (the reports received, the visit
    concern raised) and every audit row written with this case."""
    events = list(AuditEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    users = User.objects.in_bulk(_owner_ids(events))
    entries = [
        TimelineEntry(
            at=e.at,
            action=e.action,
            label=action_label(e.action),
            actor=e.actor,
            note=e.note,
            lines=_lines(
                e.changes if isinstance(e.changes, dict) else {}, users, e.action.split(".")[0]
            ),
            changes=e.changes if isinstance(e.changes, dict) else {},
            event_id=e.pk,
        )
        for e in events
    ]
    for report in case.reports.all().order_by("received_at", "id"):
        entries.append(
            TimelineEntry(
                at=report.received_at,
                action="report.received",
                label=str(TIMELINE_LABELS["report.received"]),
                note=report.reference,
                changes={"report": report.pk, "reference": report.reference},
                discovery=True,
            )
        )
    concern = case.origin_concern
    if concern is not None:
        entries.append(
            TimelineEntry(
                at=concern.raised_at,
                action="concern.raised",
                label=str(TIMELINE_LABELS["concern.raised"]),
                actor=concern.raised_by,
                note=concern.get_kind_display(),
                changes={"concern": concern.pk},
                discovery=True,
            )
        )
    # Stable: discovery entries sort before audit rows written at the same instant.
    entries.sort(key=lambda e: (e.at, not e.discovery, e.event_id or 0))
    return entries
