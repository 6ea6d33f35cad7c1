from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weibao.core.scope import get_or_404
from weibao.notifications.hooks import labels
from weibao.notifications.models import Notification


def notifications_visible_to(user) -> QuerySet[Notification]:
    """A user sees their own notifications, nobody else's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def notification_get_for_user(user, pk) -> Notification:
    return get_or_404(notifications_visible_to(user), pk)


def unread_count(user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).count()


def message(notification: Notification) -> str:
    """The notification's text in the reader's language."""
    p = notification.params
    if notification.kind == Notification.Kind.VISIT_OVERDUE:
        return _("The visit to %(child)s was due on %(date)s and is overdue.") % p
    if notification.kind == Notification.Kind.VISIT_OVERDUE_7:
        return _("The visit to %(child)s has been overdue for more than 7 days (due %(date)s).") % p
    if notification.kind == Notification.Kind.CONCERN_RAISED:
        kind_labels = labels("concern_kind")
        kinds = p.get("concerns") or [p.get("concern", "")]
        named = [str(kind_labels.get(kind, kind)) for kind in kinds]
        if len(named) > 1:
            return _("%(n)d concerns were raised about %(child)s: %(kinds)s.") % {
                "n": len(named),
                "child": p["child"],
                "kinds": _("; ").join(named),
            }
        return _("A concern was raised about %(child)s: %(kind)s.") % {
            "child": p["child"],
            "kind": named[0],
        }
    if notification.kind == Notification.Kind.LEFT_BEHIND_16:
        return (
            _("%(child)s has turned 16: please review whether they are still a left-behind child.")
            % p
        )
    if notification.kind == Notification.Kind.REPORT_RECEIVED:
        return _("New mandatory report %(reference)s: please acknowledge it.") % p
    if notification.kind == Notification.Kind.REPORT_LATE:
        clock = {
            "ack": _("acknowledgement"),
            "police": _("police notification"),
            "outcome": _("outcome to the reporter"),
        }.get(p.get("clock"), p.get("clock", ""))
        return _("Report %(reference)s is late: %(clock)s.") % {
            "reference": p.get("reference", ""),
            "clock": clock,
        }
    if notification.kind == Notification.Kind.CASE_ASSIGNED:
        return _("Case %(case)s (%(child)s) is assigned to you.") % p
    if notification.kind == Notification.Kind.CASE_CLOSE_REQUESTED:
        return _("Case %(case)s (%(child)s) is ready to close and awaits your approval.") % p
    if notification.kind == Notification.Kind.CASE_CLOSE_DECIDED:
        if p.get("approved"):
            return _("Closing case %(case)s (%(child)s) was approved.") % p
        return _("Closing case %(case)s (%(child)s) was refused: it stays open.") % p
    if notification.kind == Notification.Kind.CASE_STAGE_CHANGED:
        stage = labels("case_stage").get(p.get("stage"), p.get("stage", ""))
        return _("Case %(case)s (%(child)s) moved to: %(stage)s.") % {**p, "stage": stage}
    if notification.kind == Notification.Kind.PLAN_ITEM_ASSIGNED:
        return ngettext(
            "You are responsible for %(n)d item of the plan of case %(case)s (%(child)s).",
            "You are responsible for %(n)d items of the plan of case %(case)s (%(child)s).",
            p.get("n", 1),
        ) % {"n": p.get("n", 1), "case": p.get("case", ""), "child": p.get("child", "")}
    if notification.kind == Notification.Kind.PLAN_ITEM_DUE:
        service = labels("service_type").get(p.get("service"), p.get("service", ""))
        return _("Plan item of case %(case)s (%(child)s) is due on %(date)s: %(service)s.") % {
            **p,
            "service": service,
        }
    if notification.kind == Notification.Kind.REFERRAL_OVERDUE:
        return _("The referral of %(child)s to %(partner)s was not answered by %(date)s.") % p
    if notification.kind == Notification.Kind.PROTECTION_LIMIT:
        if str(p.get("date", "")) < timezone.localdate().isoformat():
            return (
                _(
                    "The temporary guardianship of %(child)s passed its one-year limit on "
                    "%(date)s: arrange the return home or long-term guardianship now."
                )
                % p
            )
        return (
            _(
                "The temporary guardianship of %(child)s reaches its one-year limit on %(date)s: "
                "plan the return home or long-term guardianship."
            )
            % p
        )
    if notification.kind in TRANSFER_KINDS:
        return _transfer_message(notification.kind, p)
    if notification.kind == Notification.Kind.AUDIT_CHAIN_BROKEN:
        return _audit_chain_message(p)
    if notification.kind == Notification.Kind.STATION_LAPSED:
        return _(
            "%(station)s no longer meets the standard: the evidence of %(items)s has lapsed."
        ) % {"station": p.get("station", ""), "items": _("; ").join(p.get("items") or [])}
    if notification.kind == Notification.Kind.SUGGESTION_LATE:
        return _(
            "Suggestion no. %(number)s on the board of %(station)s was not answered by "
            "%(date)s (responsible: %(department)s)."
        ) % {**p, "department": p.get("department") or "—"}
    return notification.get_kind_display()


def _audit_chain_message(p: dict) -> str:
    log = _("access log") if p.get("log") == "access" else _("audit log")
    if p.get("district"):
        return _(
            "The %(log)s of %(district)s no longer verifies from entry no. %(seq)s on: an entry "
            "was changed, deleted or moved outside the application. Have `weibao audit verify` "
            "run and investigate."
        ) % {"log": log, "district": p["district"], "seq": p.get("seq", "")}
    return _(
        "The %(log)s no longer verifies from entry no. %(seq)s on: an entry was changed, "
        "deleted or moved outside the application. Have `weibao audit verify` run and "
        "investigate."
    ) % {"log": log, "seq": p.get("seq", "")}


TRANSFER_KINDS = frozenset(
    {
        Notification.Kind.TRANSFER_REQUESTED,
        Notification.Kind.TRANSFER_DECIDED,
        Notification.Kind.TRANSFER_ARRIVED,
    }
)


def _transfer_message(kind: str, p: dict) -> str:
    if kind == Notification.Kind.TRANSFER_REQUESTED:
        return _("Transfer %(reference)s: %(child)s is to move to %(to)s. Please decide.") % p
    if kind == Notification.Kind.TRANSFER_DECIDED:
        if p.get("accepted"):
            return _("Transfer %(reference)s of %(child)s to %(to)s was accepted.") % p
        return _("Transfer %(reference)s of %(child)s was refused; the reason is on its page.") % p
    if p.get("case"):
        return _("%(child)s has moved to %(to)s, and case %(case)s with them (%(reference)s).") % p
    return _("%(child)s has moved to %(to)s (transfer %(reference)s).") % p


# --- the list, grouped --------------------------------------------------------------------------

# Unread notifications of one kind are one line from this many on (the daily job can send a
# supervisor dozens of overdue visits at once); the line opens onto at most GROUP_ITEMS of them.
GROUP_FROM = 2
GROUP_ITEMS = 50


@dataclass
class Group:
    kind: str
    count: int
    latest: object  # the newest one's created_at
    items: list[tuple[Notification, str]]  # (notification, message), newest first

    @property
    def title(self) -> str:
        return group_title(self.kind, self.count)

    @property
    def more(self) -> int:
        """How many of the group are not listed under it."""
        return self.count - len(self.items)


def group_title(kind: str, n: int) -> str:
    """One line for `n` unread notifications of one kind, in the reader's language."""
    Kind = Notification.Kind
    if kind == Kind.VISIT_OVERDUE:
        return ngettext("%(n)s visit is overdue", "%(n)s visits are overdue", n) % {"n": n}
    if kind == Kind.VISIT_OVERDUE_7:
        return ngettext(
            "%(n)s visit has been overdue for more than 7 days",
            "%(n)s visits have been overdue for more than 7 days",
            n,
        ) % {"n": n}
    if kind == Kind.CONCERN_RAISED:
        return ngettext("%(n)s visit raised concerns", "%(n)s visits raised concerns", n) % {"n": n}
    if kind == Kind.REPORT_RECEIVED:
        return ngettext(
            "%(n)s new mandatory report to acknowledge",
            "%(n)s new mandatory reports to acknowledge",
            n,
        ) % {"n": n}
    return ngettext("%(kind)s: %(n)s notification", "%(kind)s: %(n)s notifications", n) % {
        "kind": Kind(kind).label if kind in Kind.values else kind,
        "n": n,
    }


def unread_groups(user) -> list[Group]:
    """The user's unread notifications of the kinds that have GROUP_FROM or more of them, one
    group per kind, the newest group first. One query however many there are: each row
    carries its kind's count and its rank within the kind."""
    by_kind = {"partition_by": [F("kind")]}
    ranked = (
        notifications_visible_to(user)
        .filter(read_at__isnull=True)
        .annotate(
            kind_count=Window(Count("id"), **by_kind),
            rank=Window(RowNumber(), order_by=[F("created_at").desc(), F("id").desc()], **by_kind),
        )
        .filter(kind_count__gte=GROUP_FROM, rank__lte=GROUP_ITEMS)
        .order_by("-created_at", "-id")
    )
    groups: dict[str, Group] = {}
    for notification in ranked:
        group = groups.get(notification.kind)
        if group is None:  # the newest of its kind comes first
            group = groups[notification.kind] = Group(
                notification.kind, notification.kind_count, notification.created_at, []
            )
        group.items.append((notification, message(notification)))
    return list(groups.values())
