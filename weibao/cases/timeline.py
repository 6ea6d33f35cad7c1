"""The case timeline: every step of a case, oldest first, in words a person reads.

The audit rows written with a case (cases.services.case_audit) keep raw values — codes, ids,
ISO dates — so they stay true whatever the language; labels are looked up when the timeline is
shown; the values and notes sealed in the rows (audit.sealing) are opened for the case's
readers, who see the same text on the case itself. The case, its plan, the reports and the visit
concern are this app's or below it; the apps above it (the service ledger, referrals, emergency
protection) describe their own rows by registering a TimelineFamily on `timeline_families` in
their AppConfig.ready()."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.accounts.models import User
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened, opened_note
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel, Stage
from weibao.cases.models import Case
from weibao.core.hooks import Hook
from weibao.partners.choices import ServiceType
from weibao.reports.models import Report


@dataclass(frozen=True)
class TimelineFamily:
    """How the timeline shows the audit rows of one family of actions ("service.create",
    "service.void", …): the family's label, its model (whose field names label the keys not
    listed), a label per action, labels of the changed keys (in the order lines are shown), and
    the choices that turn stored codes into words (`family_choices` only for this family)."""

    name: str
    label: Any
    model: type | None = None
    actions: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, dict] = field(default_factory=dict)
    family_choices: dict[str, dict] = field(default_factory=dict)


timeline_families = Hook(
    "timeline_families", "f() -> TimelineFamily: the rows an app above cases writes with a case."
)

# A readable label for each action code written with case=... (case_audit). Codes not listed
# fall back to the family's label (never the raw code): the row and its changes still show.
ACTION_LABELS = {
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
    "case.restrict": gettext_lazy(
        "Case restricted: the residential area's child directors left the team"
    ),
    "case.unrestrict": gettext_lazy(
        "Restriction lifted: the residential area's child directors rejoined"
    ),
    "case.move_area": gettext_lazy("Moved with the child to another residential area"),
    "plan.save": gettext_lazy("Case plan saved"),
    "plan.item_progress": gettext_lazy("Planned service moved on by a service record"),
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
    "report.concern_join": gettext_lazy("A concern of the same visit joined the report"),
    "concern.raised": gettext_lazy("Concern raised"),
}
FAMILY_LABELS = {
    "case": gettext_lazy("Case"),
    "plan": gettext_lazy("Case plan"),
    "report": gettext_lazy("Report"),
}
# Fields the timeline describes with their own words; other keys are shown as they are.
CHANGE_LABELS = {
    "stage": gettext_lazy("stage"),
    "risk_level": gettext_lazy("risk level"),
    "owner": gettext_lazy("case owner"),
    "community": gettext_lazy("residential area"),
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
    "status": gettext_lazy("status"),
    "close_no_need_reason": gettext_lazy("no protection need"),
}
CHOICES = {
    "stage": dict(Stage.choices),
    "risk_level": dict(RiskLevel.choices),
    "service_type": dict(ServiceType.choices),
    "status": dict(PlannedServiceStatus.choices),
    "close_no_need_reason": dict(NoNeedReason.choices),
}
# A key's choices that depend on what the row is about.
FAMILY_CHOICES = {
    ("report", "state"): dict(Report.State.choices),
    ("report", "link_state"): dict(Report.Link.choices),
}
MODELS = {"case": Case, "report": Report}
# Never shown in the timeline even if a writer put them in `changes`: sensitive values, and
# bare row ids that mean nothing to a reader.
HIDDEN_CHANGE_KEYS = {"address", "child_address", "placement_detail", "reporter_name",
                      "reporter_phone", "reporter_org"}  # fmt: skip
ID_KEYS = {"referral", "service_record", "protection", "record", "child", "concern",
           "planned_service"}  # fmt: skip


@dataclass
class _Words:
    """This app's labels merged with the registered families'."""

    actions: dict[str, Any]
    families: dict[str, Any]
    changes: dict[str, Any]
    choices: dict[str, dict]
    family_choices: dict[tuple[str, str], dict]
    models: dict[str, type]
    order: dict[str, int]


def _words() -> _Words:
    words = _Words(
        dict(ACTION_LABELS), dict(FAMILY_LABELS), dict(CHANGE_LABELS), dict(CHOICES),
        dict(FAMILY_CHOICES), dict(MODELS), {},
    )  # fmt: skip
    for family in timeline_families.call():
        words.actions.update(family.actions)
        words.families.setdefault(family.name, family.label)
        for key, label in family.changes.items():
            words.changes.setdefault(key, label)
        words.choices.update(family.choices)
        words.family_choices.update({(family.name, k): v for k, v in family.family_choices.items()})
        if family.model is not None:
            words.models[family.name] = family.model
    words.order = {key: i for i, key in enumerate(words.changes)}
    return words


def _action_label(action: str, words: _Words) -> str:
    if action in words.actions:
        return str(words.actions[action])
    family = action.split(".", 1)[0]
    if family in words.families:
        return str(words.families[family])
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


def _change_label(key: str, family: str, words: "_Words") -> str:
    if key in words.changes:
        return str(words.changes[key])
    # Keys without a label of their own are named by the field of the row's model.
    model = words.models.get(family)
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


def _display(
    key: str, value: Any, users: dict[int, User], words: "_Words", family: str = ""
) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and "T" in value and (moment := _moment(value)) is not None:
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    if key == "owner" and isinstance(value, int):
        return str(users.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = words.family_choices.get((family, key)) or words.choices.get(key)
    if choices and isinstance(value, str):
        return str(choices.get(value, value))
    if isinstance(value, list):
        item_key = "service_type" if key == "services" else key
        return "、".join(_display(item_key, v, users, words, family) for v in value[:20]) or "—"
    if isinstance(value, dict):
        return "…"
    return str(value)[:200]


def _line_order(key: str, words: "_Words") -> tuple:
    """The state first, then the labelled fields in their table's order: the same on every
    database (PostgreSQL's jsonb does not keep the order keys were written in)."""
    return (key not in ("stage", "state"), words.order.get(key, len(words.order)), key)


def _lines(
    changes: dict[str, Any], users: dict[int, User], words: "_Words", family: str = ""
) -> list[ChangeLine]:
    lines = []
    for key, change in sorted(changes.items(), key=lambda item: _line_order(item[0], words)):
        if key in HIDDEN_CHANGE_KEYS or key in ID_KEYS:
            continue
        label = _change_label(key, family, words)
        if isinstance(change, dict) and change and set(change) <= {"old", "new"}:
            old = change.get("old")
            if old in (None, "") and change.get("new") in (None, "", []):
                continue  # an optional value left empty when the thing was created
            lines.append(
                ChangeLine(
                    label,
                    "" if old in (None, "") else _display(key, old, users, words, family),
                    _display(key, change.get("new"), users, words, family),
                )
            )
        else:
            lines.append(ChangeLine(label, "", _display(key, change, users, words, family)))
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
    concern raised) and every audit row written with this case, read with the case's district
    (AuditEvent.district, docs/scale.md)."""
    rows = AuditEvent.objects.filter(district_id=case.district_id, case=case)
    events = list(rows.select_related("actor").order_by("at", "id"))
    users = User.objects.in_bulk(_owner_ids(events))
    words = _words()
    entries = []
    for e in events:
        changes = opened(e.changes) if isinstance(e.changes, dict) else {}
        entries.append(
            TimelineEntry(
                at=e.at,
                action=e.action,
                label=_action_label(e.action, words),
                actor=e.actor,
                note=opened_note(e.note),
                lines=_lines(changes, users, words, e.action.split(".")[0]),
                changes=changes,
                event_id=e.pk,
            )
        )
    for report in case.reports.all().order_by("received_at", "id"):
        entries.append(
            TimelineEntry(
                at=report.received_at,
                action="report.received",
                label=str(ACTION_LABELS["report.received"]),
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
                label=str(ACTION_LABELS["concern.raised"]),
                actor=concern.raised_by,
                note=concern.get_kind_display(),
                changes={"concern": concern.pk},
                discovery=True,
            )
        )
    # Stable: discovery entries sort before audit rows written at the same instant.
    entries.sort(key=lambda e: (e.at, not e.discovery, e.event_id or 0))
    return entries
