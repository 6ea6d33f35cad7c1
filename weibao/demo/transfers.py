"""Demo transfers (docs/domain.md §3.12), so that the transfer pages have something to show:
one accepted some days ago — a child of 天山路第02居民区 with a visit history moved to 仙霞新村,
whose 儿童主任 now has the file — and one awaiting the 天山路 supervisor's decision: the first
director asks to move a child with an open case to the neighbouring 居民区. Made through the
services, after the demo cases (it needs them), once (keyed in SiteState)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.cases.models import Case
from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.cases import CASES_KEY, _as_of
from weibao.demo.places import TIANSHAN, XIANXIA
from weibao.transfers.models import Transfer
from weibao.transfers.services import transfer_accept, transfer_request

TRANSFERS_KEY = "demo_transfers_loaded"
USERS = ("district_admin", "tianshan_supervisor", "tianshan_director_1")


def _visited_child_without_case(community: Area) -> Child | None:
    """An active minor with visits but no case (the case stories stay where they are told)."""
    cutoff = timezone.localdate().replace(year=timezone.localdate().year - 17)
    return (
        Child.objects.filter(community=community, status=Status.ACTIVE, birth_date__gt=cutoff)
        .filter(visits__isnull=False, cases__isnull=True, transfers__isnull=True)
        .order_by("pk")
        .first()
    )


def _open_case_of(community: Area, owner: User) -> Case | None:
    return (
        Case.objects.filter(community=community, owner=owner, child__status=Status.ACTIVE)
        .exclude(stage="closed")
        .order_by("pk")
        .first()
    )


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@transaction.atomic
def load_transfer_demo(tree) -> int:
    """Create the demo transfers once the demo cases exist; returns how many were made."""
    if SiteState.objects.filter(key=TRANSFERS_KEY).exists():
        return 0
    if not SiteState.objects.filter(key=CASES_KEY).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    if len(users) < len(USERS):
        return 0
    tianshan = tree.communities[TIANSHAN]
    xianxia = tree.communities[XIANXIA]
    made = 0
    mover = _visited_child_without_case(tianshan[1])
    if mover is not None:
        with _as_of(_ago(days=6)):
            transfer = transfer_request(
                actor=users["tianshan_supervisor"], child=mover, to_community=xianxia[0],
                reason="【演示】一家搬到仙霞新村的外婆家同住，孩子转学到附近小学。",
            )  # fmt: skip
        with _as_of(_ago(days=4)):
            transfer_accept(
                actor=users["district_admin"], transfer=Transfer.objects.get(pk=transfer.pk),
                note="【演示】已与仙霞新村核实新住址，同意转入。",
            )  # fmt: skip
        made += 1
    case = _open_case_of(tianshan[0], users["tianshan_director_1"])
    if case is not None:
        with _as_of(_ago(days=1)):
            transfer_request(
                actor=users["tianshan_director_1"], child=case.child, to_community=tianshan[1],
                reason="【演示】家长称下月搬到第02居民区的租住房，请接收街镇确认。",
            )  # fmt: skip
        made += 1
    site_state_set(key=TRANSFERS_KEY, value=f"{made} demo transfers")
    return made
