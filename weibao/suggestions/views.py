"""Staff pages of the suggestion board (docs/domain.md §8.4): the list with filters by state,
lateness and station, and a suggestion's page with its steps — moderate (publish a cleaned
text, or not), route with a deadline, record progress, answer or decline.

Every suggestion comes through suggestions_visible_to: out of scope is a 404, as for someone
with no role here. In scope but not allowed to take a step (a 儿童主任 routing) is a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import page_of, query_without_page
from weibao.suggestions import services, workflow
from weibao.suggestions.choices import State
from weibao.suggestions.forms import STEP_FORMS, FilterForm, RouteForm
from weibao.suggestions.models import Suggestion
from weibao.suggestions.selectors import (
    routing_communities,
    sees_suggestions,
    stations_for_staff,
    suggestion_get_for_user,
    suggestion_roles,
    suggestions_visible_to,
    with_late,
)

PAGE_SIZE = 50

SERVICES = {
    "approve": (services.suggestion_approve, ("public_text",)),
    "reject": (services.suggestion_reject, ("reason",)),
    "edit": (services.suggestion_edit_public, ("public_text",)),
    "route": (services.suggestion_route, ("department", "routed_community", "deadline")),
    "start": (services.suggestion_start, ("note",)),
    "answer": (services.suggestion_answer, ("answer",)),
    "decline": (services.suggestion_decline, ("reason",)),
}


def conflict_message() -> str:
    return _(
        "Someone else changed this suggestion while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


@login_required
@require_GET
def suggestion_list_view(request: HttpRequest) -> HttpResponse:
    if not sees_suggestions(request.user):
        raise Http404
    form = FilterForm(request.GET or None, stations=stations_for_staff(request.user))
    rows = form.filter(
        with_late(suggestions_visible_to(request.user))
        .select_related("station", "community", "routed_community")
        .order_by("-created_at", "-pk")
    )
    page = page_of(request, rows, PAGE_SIZE)
    return render(
        request,
        "suggestions/list.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


def _allowed(name: str, suggestion: Suggestion, roles: set[str]) -> bool:
    if name == "edit":
        return workflow.KEEPER in roles and suggestion.state not in (State.HELD, State.REJECTED)
    return workflow.SUGGESTION.is_allowed(name, suggestion.state, roles)


def _form(name: str, suggestion: Suggestion, data=None):
    cls = STEP_FORMS[name]
    initial = {"version": suggestion.version}
    if name in ("approve", "edit"):
        initial["public_text"] = suggestion.public_text or suggestion.text
    if name == "route":
        initial.update(
            {
                "department": suggestion.department,
                "routed_community": suggestion.routed_community_id,
                "deadline": suggestion.deadline,
            }
        )
    kwargs = {"prefix": name, "initial": initial}
    if cls is RouteForm:
        kwargs["communities"] = routing_communities(suggestion)
    return cls(data, **kwargs)


def _render_detail(request, suggestion: Suggestion, bound=None, status: int = 200):
    roles = suggestion_roles(request.user, suggestion)
    forms = {}
    for name in STEP_FORMS:
        if _allowed(name, suggestion, roles):
            forms[name] = bound[1] if bound and bound[0] == name else _form(name, suggestion)
    keeper = workflow.KEEPER in roles
    return render(
        request,
        "suggestions/detail.html",
        {
            "s": suggestion,
            "forms": forms,
            "keeper": keeper,
            # What the child wrote and their given name: the keepers' only (it may hold
            # personal data until moderated).
            "show_original": keeper,
        },
        status=status,
    )


@login_required
@require_GET
def suggestion_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, suggestion_get_for_user(request.user, pk))


@login_required
@require_POST
def suggestion_step_view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    suggestion = suggestion_get_for_user(request.user, pk)
    if name not in STEP_FORMS:
        raise Http404
    roles = suggestion_roles(request.user, suggestion)
    takers = workflow.KEEPERS if name == "edit" else workflow.SUGGESTION.get(name).roles
    if not roles & takers:
        raise PermissionDenied
    if not _allowed(name, suggestion, roles):
        messages.error(request, _("This action is not possible in the current state."))
        return redirect("suggestions:detail", pk=suggestion.pk)
    form = _form(name, suggestion, request.POST)
    if form.is_valid():
        service, fields = SERVICES[name]
        data = form.service_data()
        saved = save_versioned(
            request,
            form,
            lambda: service(
                actor=request.user,
                suggestion=suggestion,
                **{field: data.get(field) for field in fields},
                expected_version=form.cleaned_data["version"],
            ),
            current=lambda: Suggestion.objects.get(pk=suggestion.pk),
            message=conflict_message(),
            on_form=True,
        )
        if saved.ok:
            messages.success(request, _("Saved."))
            return redirect("suggestions:detail", pk=suggestion.pk)
    fresh = suggestion_get_for_user(request.user, pk)
    return _render_detail(request, fresh, bound=(name, form), status=200)
