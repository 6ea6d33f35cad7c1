"""Reads for mandatory reports. ONE scope function, reports_visible_to."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    area_scope_q,
    communities_to_pick,
    user_role_assignments,
)
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.children.hooks import RegistrationSource
from weibao.core.dates import time_left
from weibao.core.hooks import Panel
from weibao.core.models import SiteState
from weibao.core.scope import get_or_404
from weibao.reports import workflow
from weibao.reports.choices import Situation
from weibao.reports.hooks import hidden_reports
from weibao.reports.models import CLOCKS_RAN_KEY, OPEN_STATES, Report
from weibao.visits.models import Concern
from weibao.visits.selectors import concerns_visible_to

TRIAGE_ROLES = {Role.SUPERVISOR, Role.STATION_STAFF, Role.DISTRICT_STAFF}
# The reporter's identity is confidential by law: the supervisor and above only.
REPORTER_ROLES = {Role.SUPERVISOR, Role.DISTRICT_STAFF}


def clocks_last_run() -> dt.datetime | None:
    """When the report clocks last ran to the end (reports.jobs.check_clocks), or None."""
    return SiteState.objects.filter(key=CLOCKS_RAN_KEY).values_list("updated_at", flat=True).first()


def reports_visible_to(user) -> QuerySet[Report]:
    """THE scope rule for reports: reports in the user's areas (a report without a 街镇 lies in
    its district only; the 居民区 is set once the child is linked, so the child's director then
    sees it), plus the reports the user entered."""
    if not user.is_authenticated:
        return Report.objects.none()
    own = Q(created_by=user)
    q = area_scope_q(user)
    # The reports the user entered outside their areas are few and mostly none (their own
    # index answers): only with some does the scope need the OR, which keeps a district's list
    # from being walked in its order (docs/performance.md, "The report queue").
    if q is None:
        q = own
    elif _entered_elsewhere(user, q):
        q |= own
    reports = Report.objects.filter(q)
    for hidden in hidden_reports.call(user):
        if hidden is not None:
            reports = reports.exclude(hidden)
    return reports


def _entered_elsewhere(user, areas: Q) -> bool:
    """Whether the user entered a report that lies outside their areas. A yes is kept on the
    user object for the request (it stays true: the OR only widens the read to their own
    reports); a no is asked again, since the request may itself enter or move a report."""
    if getattr(user, "_weibao_reports_elsewhere", False):
        return True
    found = Report.objects.filter(created_by=user).exclude(areas).exists()
    if found:
        user._weibao_reports_elsewhere = True
    return found


def report_get_for_user(user, pk) -> Report:
    return get_or_404(
        reports_visible_to(user).select_related(
            "district", "subdistrict", "community", "child", "case"
        ),
        pk,
    )


def report_to_register_from(user, value) -> Report | None:
    """The report whose child `user` is registering (the registry form's ?report=<pk>, from the
    report's link page): an open report they triage, not yet in a case, else None."""
    try:
        report = (
            reports_visible_to(user)
            .filter(pk=int(value), case__isnull=True)
            .exclude(state=Report.State.CLOSED)
            .first()
        )
    except (ValueError, TypeError, OverflowError):
        return None
    if report is None or workflow.TRIAGE not in report_roles(user, report):
        return None
    return report


def _holds(user, report: Report, roles: set[str]) -> bool:
    for ra in user_role_assignments(user):
        if ra.role not in roles or ra.area is None:
            continue
        if ra.area.level == "district" and ra.area_id == report.district_id:
            return True
        if ra.area.level == "subdistrict" and ra.area_id == report.subdistrict_id:
            return True
    return False


def report_roles(user, report: Report) -> set[str]:
    return {workflow.TRIAGE} if _holds(user, report, TRIAGE_ROLES) else set()


def can_see_reporter(user, report: Report) -> bool:
    return _holds(user, report, REPORTER_ROLES)


def can_decide_no_case(user, report: Report) -> bool:
    """Closing a report of harm without a case is the supervisor's (or the district's) call."""
    return _holds(user, report, REPORTER_ROLES)


def can_see_child_address(user, report: Report) -> bool:
    """The address as reported: for who triages the report and who entered it; others (the
    child's director once linked) see it masked, like the registry's addresses."""
    return report.created_by_id == user.pk or _holds(user, report, TRIAGE_ROLES)


# --- the triage queue and the clocks ---------------------------------------------------------

CLOCKS = ("ack", "police", "outcome")


def _triage_q(user) -> Q | None:
    """Reports in the areas where the user triages (the same rule as report_roles)."""
    q = Q()
    for ra in user_role_assignments(user):
        if ra.role not in TRIAGE_ROLES or ra.area is None:
            continue
        if ra.area.level == "district":
            q |= Q(district_id=ra.area_id)
        elif ra.area.level == "subdistrict":
            q |= Q(subdistrict_id=ra.area_id)
    return q or None


def can_triage_somewhere(user) -> bool:
    return user.is_authenticated and _triage_q(user) is not None


def triage_queue(user) -> QuerySet[Report]:
    """The open reports this user triages, most urgent (earliest unmet clock) first."""
    q = _triage_q(user) if user.is_authenticated else None
    if q is None:
        return Report.objects.none()
    return (
        reports_visible_to(user)
        .filter(q)
        .filter(state__in=OPEN_STATES)
        .select_related("district", "subdistrict", "community", "child")
        .order_by("next_due_at", "received_at", "id")
    )


def report_list(user, *, queue: bool, state: str = "") -> QuerySet[Report]:
    """The reports of the list page and its export: the user's triage queue (most urgent
    first) or all the reports they may see (newest first), in one state or all."""
    if queue:
        qs = triage_queue(user)
    else:
        qs = reports_visible_to(user).select_related(
            "district", "subdistrict", "community", "child"
        )
        qs = qs.order_by("-received_at", "-id")
    if state:
        qs = qs.filter(state=state)
    return qs.prefetch_related("situation_rows")


@dataclass(frozen=True)
class Clock:
    key: str  # "ack", "police" or "outcome"
    label: str
    due_at: dt.datetime
    met_at: dt.datetime | None
    escalated_at: dt.datetime | None
    late: bool  # past due and still unmet (shown red)
    met_late: bool  # met, but after it was due
    time_left: str = ""  # "还剩 40 分钟" / "已超时 2 小时" while unmet; "" once met
    when: str = ""  # "due 2026-12-05 09:30" while unmet, "done …" once met

    @property
    def state(self) -> str:
        if self.met_at is not None:
            return "met_late" if self.met_late else "met"
        return "late" if self.late else "running"


@dataclass(frozen=True)
class ClockWords:
    """The clocks' words in the current language: translated once for a list of reports, not
    once per clock (docs/performance.md, "Where the slow pages' CPU goes")."""

    ack: str
    police: str
    outcome: str
    due: str  # "due %(at)s"
    done: str  # "done %(at)s"
    late_caps: str  # "LATE", before a late clock
    late: str  # "late", after a clock met late
    escalated: str


def clock_words() -> ClockWords:
    return ClockWords(
        ack=_("Acknowledge"),
        police=_("Tell the police"),
        outcome=_("Outcome to the reporter"),
        due=_("due %(at)s"),
        done=_("done %(at)s"),
        late_caps=_("LATE"),
        late=_("late"),
        escalated=_("escalated to the district"),
    )


def report_clocks(
    report: Report, now: dt.datetime | None = None, words: ClockWords | None = None
) -> list[Clock]:
    """The report's legal clocks: acknowledge, police (situations 1–8 only) and outcome.
    `words`: clock_words(), once for a list."""
    now = now or timezone.now()
    words = words or clock_words()

    def clock(key, label, due, met, escalated) -> Clock:
        at = timezone.localtime(due if met is None else met)
        return Clock(
            key=key,
            label=label,
            due_at=due,
            met_at=met,
            escalated_at=escalated,
            late=met is None and due < now,
            met_late=met is not None and met > due,
            time_left=time_left(due, now) if met is None else "",
            when=(words.due if met is None else words.done) % {"at": f"{at:%Y-%m-%d %H:%M}"},
        )

    clocks = [
        clock(
            "ack", words.ack, report.ack_due_at, report.acknowledged_at,
            report.ack_escalated_at,
        ),
    ]  # fmt: skip
    if report.police_due_at is not None:
        clocks.append(
            clock(
                "police", words.police, report.police_due_at, report.police_notified_at,
                report.police_escalated_at,
            )
        )  # fmt: skip
    clocks.append(
        clock(
            "outcome", words.outcome, report.outcome_due_at,
            report.outcome_sent_at, report.outcome_escalated_at,
        )
    )  # fmt: skip
    return clocks


def report_timeline(report: Report) -> QuerySet[AuditEvent]:
    """What happened to the report, oldest first (its audit rows). The read names the districts
    the rows are filed under (AuditEvent.district, docs/scale.md): the report's own, and those
    of its child and its case, whose rows follow them when they move district."""
    districts = {report.district_id}
    for holder in (report.child, report.case):  # loaded with the report (report_get_for_user)
        if holder is not None:
            districts.add(holder.district_id)
    return (
        AuditEvent.objects.filter(
            district_id__in=sorted(districts),
            object_type=Report._meta.label_lower,
            object_id=str(report.pk),
        )
        .select_related("actor")
        .order_by("at", "id")
    )


# The order of opinion Art. 4 (s1–s9), "other" last.
SITUATION_ORDER = {value: index for index, value in enumerate(Situation.values)}


def report_situations(report: Report) -> list[str]:
    """The report's situations in the order of the law, "other" last."""
    return sorted(
        (row.situation for row in report.situation_rows.all()),
        key=lambda s: (SITUATION_ORDER.get(s, len(SITUATION_ORDER)), s),
    )


def situation_labels(report: Report) -> list[str]:
    """What to show of the report's situations: their names, and for "other" what the
    reporter wrote."""
    labels = []
    for situation in report_situations(report):
        if situation == Situation.OTHER and report.other_situation:
            labels.append(_("Other: %(text)s") % {"text": report.other_situation})
        elif situation in SITUATION_ORDER:
            labels.append(str(Situation(situation).label))
    return labels


# --- where a report can be sent -------------------------------------------------------------

DONT_KNOW = "d"  # value prefix: somewhere in this district
SUBDISTRICT = "s"  # value prefix: this 街镇


def public_area_choices() -> list:
    """The 街镇 a reporter can pick, with "don't know" for each district (grouped by district
    when there are several; with one district "don't know" comes first and is the default)."""
    districts = list(Area.objects.filter(level=Area.Level.DISTRICT).order_by("code", "name"))
    subs: dict[int, list[Area]] = {}
    # A closed 街镇 is no new value (docs/domain.md §1.16): its reports would reach nobody.
    for area in Area.objects.open().filter(level=Area.Level.SUBDISTRICT).order_by("code", "name"):
        subs.setdefault(area.parent_id, []).append(area)
    if len(districts) == 1:
        district = districts[0]
        return [(f"{DONT_KNOW}{district.pk}", _("Don't know"))] + [
            (f"{SUBDISTRICT}{a.pk}", a.name) for a in subs.get(district.pk, [])
        ]
    return [
        (
            district.name,
            [(f"{SUBDISTRICT}{a.pk}", a.name) for a in subs.get(district.pk, [])]
            + [
                (
                    f"{DONT_KNOW}{district.pk}",
                    _("Don't know (somewhere in %(district)s)") % {"district": district.name},
                )
            ],
        )
        for district in districts
    ]


def area_from_choice(value: str) -> tuple[Area | None, Area | None]:
    """(district, 街镇 or None) for a value of public_area_choices; (None, None) if unknown."""
    value = (value or "").strip()
    if len(value) < 2 or value[0] not in (DONT_KNOW, SUBDISTRICT) or not value[1:].isdigit():
        return None, None
    try:
        pk = int(value[1:])
        if value[0] == DONT_KNOW:
            return Area.objects.get(pk=pk, level=Area.Level.DISTRICT), None
        sub = Area.objects.open().select_related("parent").get(pk=pk, level=Area.Level.SUBDISTRICT)
    except (Area.DoesNotExist, OverflowError, ValueError):
        return None, None
    return sub.parent, sub


def own_area_choice(user) -> str:
    """The 街镇 a staff member's report is most likely about — their own, when they work in
    exactly one — as a value of public_area_choices ("" otherwise)."""
    subdistricts = set()
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.area.level == Area.Level.COMMUNITY:
            subdistricts.add(ra.area.parent_id)
        elif ra.area.level == Area.Level.SUBDISTRICT:
            subdistricts.add(ra.area_id)
        else:  # district staff may report about any 街镇 of it
            return ""
    return f"{SUBDISTRICT}{subdistricts.pop()}" if len(subdistricts) == 1 else ""


def area_choice_of(report: Report) -> str:
    if report.subdistrict_id:
        return f"{SUBDISTRICT}{report.subdistrict_id}"
    return f"{DONT_KNOW}{report.district_id}"


def report_registration_source(user, value) -> RegistrationSource | None:
    """The children app's registry form, opened from a report's link page (?report=<pk>):
    starts from what the reporter said about the child and returns to the link page. An age is
    not a birth date: it is shown next to the birth date, never turned into one."""
    report = report_to_register_from(user, value)
    if report is None:
        return None
    initial = {"name": report.child_name, "school": report.child_school}
    if report.child_sex:
        initial["sex"] = report.child_sex
    if report.child_address and can_see_child_address(user, report):
        initial["address"] = report.child_address
    community_id = report.community_id or _only_community(user, report)
    if community_id:
        initial["community"] = community_id
    hints = {}
    if report.child_age is not None:
        hints["birth_date"] = _(
            "The reporter said the child is about %(age)d (born around %(year)d). Enter the "
            "birth date from the ID number."
        ) % {"age": report.child_age, "year": timezone.localdate().year - report.child_age}
    return RegistrationSource(
        record=report,
        initial=initial,
        return_url=reverse("reports:link", args=[report.pk]) + "#registered",
        message=_("The child's file has been created. Link it to the report below."),
        hints=hints,
    )


def _only_community(user, report: Report) -> int | None:
    """The 居民区 the child must live in when the user may register in only one in the
    report's 街镇 (or district, when the reporter did not know the 街镇)."""
    area = report.subdistrict_id or report.district_id
    ids = list(
        communities_to_pick(user)
        .filter(Q(parent_id=area) | Q(parent__parent_id=area))
        .values_list("pk", flat=True)[:2]
    )
    return ids[0] if len(ids) == 1 else None


def concern_report_panel(request, concern) -> Panel:
    """The mandatory-report part of a concern's page (visits.hooks.concern_page_panels): the
    report made of it, or the button to make one."""
    report = concern.filed_report or concern.reports.order_by("id").first()
    return Panel("reports/_concern_panel.html", {"report": report})


def report_concerns(user, report: Report) -> list[tuple[Concern, bool]]:
    """The visit concerns that went into the report (the one it was made from and those merged
    into it), each with whether the user may open it: two queries however many there are."""
    concerns = list(
        Concern.objects.filter(Q(filed_report=report) | Q(reports=report))
        .distinct()
        .order_by("raised_at", "id")
    )
    visible = set(
        concerns_visible_to(user)
        .filter(pk__in=[c.pk for c in concerns])
        .values_list("pk", flat=True)
    )
    return [(c, c.pk in visible) for c in concerns]
