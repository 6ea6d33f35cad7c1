"""Web pages of the possible duplicates (docs/domain.md §10): the list of the pairs in the
user's scope (a phone page), one pair side by side with "是同一人" / "不是同一人", and the
notice on a child's page. A child of a pair the user may not see is "another area's child",
without a name or any detail; a pair out of scope is a 404 like one that does not exist."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.models import Child, Guardian
from weibao.core.hooks import Panel
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import page_of, query_without_page
from weibao.duplicates import services
from weibao.duplicates.forms import DecisionForm, PairFilterForm
from weibao.duplicates.matching import REASON_LABELS
from weibao.duplicates.models import PossibleDuplicate, State
from weibao.duplicates.selectors import (
    child_open_pair_ids,
    may_decide,
    pair_get_for_user,
    pair_list,
    sees_duplicates,
    visible_child_ids,
)

PAGE_SIZE = 30


@dataclass
class Side:
    """One child of a pair as this reader may see it: the file, or None for another area's."""

    child: Child | None
    community: object | None
    guardians: list | None = None


@dataclass
class PairRow:
    pair: PossibleDuplicate
    sides: tuple[Side, Side]
    reasons: list[str]
    can_decide: bool


def _row(pair: PossibleDuplicate, visible: set[int], guardians: dict | None = None) -> PairRow:
    def side(child: Child, community) -> Side:
        if child.pk not in visible:
            return Side(child=None, community=None)
        return Side(
            child=child,
            community=community,
            guardians=(guardians or {}).get(child.pk, []) if guardians is not None else None,
        )

    return PairRow(
        pair=pair,
        sides=(side(pair.child, pair.community), side(pair.other, pair.other_community)),
        reasons=[str(REASON_LABELS.get(r, r)) for r in pair.reasons],
        can_decide=may_decide(None, pair, visible),
    )


def conflict_message() -> str:
    return _("Someone else decided on this pair while you were looking. It is shown as it is now.")


@login_required
@require_GET
def pair_list_view(request: HttpRequest) -> HttpResponse:
    if not sees_duplicates(request.user):
        raise Http404
    form = PairFilterForm(request.GET or None)
    page = page_of(request, pair_list(request.user, form.state_filter()), PAGE_SIZE)
    visible = visible_child_ids(request.user, page.object_list)
    return render(
        request,
        "duplicates/list.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(p, visible) for p in page.object_list],
            "query": query_without_page(request),
        },
    )


def _pair_page(request: HttpRequest, pair: PossibleDuplicate, forms: dict | None = None):
    visible = visible_child_ids(request.user, [pair])
    guardians: dict[int, list] = {}
    # The two files' guardians, read with the files' districts (read with the pair).
    of_pair = Guardian.objects.filter(
        district_id__in={pair.child.district_id, pair.other.district_id}, child_id__in=visible
    )
    for g in of_pair.order_by("pk"):
        guardians.setdefault(g.child_id, []).append(g)
    # The page shows identity details of each file the reader may see: a read of the file.
    for child_id in sorted(visible):
        access_log_record(
            user=request.user,
            child=pair.child if child_id == pair.child_id else pair.other,
            channel=AccessLog.Channel.WEB,
        )
    row = _row(pair, visible, guardians)
    forms = forms or {}
    initial = {"version": pair.version}
    return render(
        request,
        "duplicates/pair.html",
        {
            "row": row,
            "pair": pair,
            "open": pair.state == State.OPEN,
            "confirm_form": forms.get("confirm") or DecisionForm(prefix="confirm", initial=initial),
            "dismiss_form": forms.get("dismiss") or DecisionForm(prefix="dismiss", initial=initial),
        },
    )


@login_required
@require_GET
def pair_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_page(request, pair_get_for_user(request.user, pk))


def _decide(request: HttpRequest, pk: int, key: str, service, done: str) -> HttpResponse:
    pair = pair_get_for_user(request.user, pk)
    if not may_decide(request.user, pair):
        raise PermissionDenied
    form = DecisionForm(request.POST, prefix=key)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: service(
                actor=request.user,
                pair=pair,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            ),
            current=lambda: pair_get_for_user(request.user, pk),
            message=conflict_message(),
            on_form=True,
        )
        if saved.ok:
            messages.success(request, done)
            return redirect("duplicates:list")
        # Someone was faster (a conflict, or the pair decided meanwhile): the page shows the
        # pair as it is now, and when it is decided there is no form left to say why.
        pair = pair_get_for_user(request.user, pk)
        if pair.state != State.OPEN:
            for error in form.non_field_errors():
                messages.error(request, error)
    return _pair_page(request, pair, {key: form})


@login_required
@require_POST
def pair_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        "confirm",
        services.duplicate_confirm,
        _("Recorded as the same child. The owner of the file registered by mistake closes it."),
    )


@login_required
@require_POST
def pair_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        "dismiss",
        services.duplicate_dismiss,
        _("Recorded as two different children. This pair will not be shown again."),
    )


# --- on the child's page ------------------------------------------------------------------------


def child_duplicates_panel(request: HttpRequest, child: Child) -> Panel:
    """children.hooks.child_page_panels: a notice when the child has an open possible
    duplicate the reader may see (the template shows nothing otherwise)."""
    return Panel(
        "duplicates/_child_notice.html",
        {"duplicate_pairs": child_open_pair_ids(request.user, child)},
    )
