"""Web pages of transfers (转移): the part of a child's page, asking, the list, and the transfer's
page with its decisions. Every transfer comes through transfers_visible_to and every child
through child_get_for_user: out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.cases.selectors import cases_visible_to
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user, children_visible_to
from weibao.core.exceptions import Blocked
from weibao.core.hooks import Panel
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of
from weibao.transfers import blockers, services
from weibao.transfers.forms import (
    STATUS_TABS,
    TransferActionForm,
    TransferForm,
    transfer_action_forms,
)
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import (
    child_transfers_for_user,
    may_start,
    open_case,
    transfer_get_for_user,
    transfer_list,
    transfer_roles,
)
from weibao.transfers.workflow import RECEIVER, TRANSFER
from weibao.visits.models import Visit

PAGE_SIZE = 50
SERVICES = {
    "accept": services.transfer_accept,
    "refuse": services.transfer_refuse,
    "cancel": services.transfer_cancel,
}


def _request_blocker(child: Child) -> str:
    try:
        blockers.require_can_request(child)
    except Blocked as exc:
        return exc.message
    return ""


# --- the child's page ---------------------------------------------------------------------


def child_transfer_panel(request: HttpRequest, child: Child) -> Panel:
    """The transfers part of a child's file (children.hooks.child_page_panels): a pending
    transfer, the earlier ones, and the "转移" button for those who may ask."""
    transfers = list(child_transfers_for_user(request.user, child)[:10])
    can_start = may_start(request.user, child)
    return Panel(
        "transfers/_child_panel.html",
        {
            "transfers": transfers,
            "can_transfer": can_start,
            "transfer_blocked": _request_blocker(child) if can_start else "",
        },
    )


# --- asking ---------------------------------------------------------------------------------


def _moving_counts(child: Child) -> dict[str, int]:
    """What moves with the child, told before anyone asks or decides."""
    return {
        "cases": child.cases.count(),
        "visits": Visit.objects.filter(child=child, state=Visit.State.COMPLETED).count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def transfer_start_view(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(request.user, child_id)
    if not may_start(request.user, child):
        raise PermissionDenied
    blocked = _request_blocker(child)
    form = TransferForm(request.POST or None, child=child)
    if request.method == "POST" and not blocked and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = services.transfer_request(
                actor=request.user,
                child=child,
                reason=d["reason"],
                to_community=d["to_community"],
                out_of_district=d["out_of_district"],
                to_district_name=d["to_district_name"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Blocked as exc:
            blocked = exc.message
        else:
            messages.success(
                request, _("The transfer has been asked for: the receiving sub-district decides.")
            )
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/start.html",
        {
            "child": child,
            "form": form,
            "blocked": blocked,
            "moving": _moving_counts(child),
            "has_open_case": open_case(child) is not None,
        },
    )


# --- the list -------------------------------------------------------------------------------


@login_required
@require_GET
def transfer_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Transfer.Status.REQUESTED)
    if status not in {value for value, _label in STATUS_TABS}:
        status = Transfer.Status.REQUESTED
    page = page_of(
        request, transfer_list(request.user, "" if status == "all" else status), PAGE_SIZE
    )
    rows = [(t, _awaits(request.user, t)) for t in page]
    return render(
        request,
        "transfers/list.html",
        {"page": page, "rows": rows, "status": status, "tabs": STATUS_TABS},
    )


def _awaits(user, transfer: Transfer) -> bool:
    """The transfer waits for this user's decision (read from the cached roles: no query)."""
    return (
        transfer.is_pending
        and transfer.requested_by_id != user.pk
        and RECEIVER in transfer_roles(user, transfer)
    )


# --- one transfer ---------------------------------------------------------------------------


def _render_transfer(request, transfer: Transfer, bound=None, bound_name="", status=200):
    user = request.user
    transitions = TRANSFER.available(transfer.status, transfer_roles(user, transfer))
    actions = transfer_action_forms(transfer, transitions, bound, bound_name)
    blocked = blockers.transfer_blockers(transfer, [t.name for t in transitions], user)
    child = transfer.child
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "child": child,
            "sees_child": children_visible_to(user).filter(pk=child.pk).exists(),
            "visible_cases": list(cases_visible_to(user).filter(child=child).order_by("pk")),
            "open_case": open_case(child) if transfer.is_pending else None,
            "moving": _moving_counts(child) if transfer.is_pending else None,
            "actions": [(t, form, blocked.get(t.name, "")) for t, form in actions],
        },
        status=status,
    )


@login_required
@require_GET
def transfer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_transfer(request, transfer_get_for_user(request.user, pk))


@login_required
@require_POST
def transfer_action_view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    transfer = transfer_get_for_user(request.user, pk)
    if name not in SERVICES:
        raise Http404
    [(_transition, form)] = transfer_action_forms(
        transfer,
        [TRANSFER.get(name)],
        bound=TransferActionForm(request.POST, prefix=name),
        bound_name=name,
    )
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: SERVICES[name](
                actor=request.user,
                transfer=transfer,
                note=form.cleaned_data["note"],
                expected_version=posted_version(form.cleaned_data),
            ),
            current=lambda: transfer_get_for_user(request.user, pk),
            message=_(
                "This transfer was changed by someone else since you opened it. What you typed "
                "is kept below; check the transfer and submit again."
            ),
            on_form=True,
        )
        if saved.ok:
            messages.success(request, _DONE[name]())
            return redirect("transfers:detail", pk=transfer.pk)
        transfer = saved.current or transfer
    return _render_transfer(request, transfer, form, name)


_DONE = {
    "accept": lambda: _("The transfer has been accepted: the child's file and cases have moved."),
    "refuse": lambda: _("The transfer has been refused; nothing has moved."),
    "cancel": lambda: _("The transfer has been cancelled; nothing has moved."),
}
