"""The district's area pages (/administration/areas/): the tree of 街镇 and 居民区 with their
children and 儿童主任 counts; create, rename, merge and close. District staff of the district
only: anyone else, and any area of another district, gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.selectors import districts_managed_by
from weibao.administration.forms import (
    AreaCloseForm,
    AreaCreateForm,
    AreaMergeForm,
    AreaRenameForm,
)
from weibao.administration.selectors import (
    area_get_for_manager,
    district_tree,
    merge_targets,
    open_subdistricts,
    roles_on,
)
from weibao.administration.services import (
    area_close_moving,
    community_merge,
    subdistrict_merge,
    subdistrict_merge_blockers,
)
from weibao.areas.models import Area
from weibao.areas.selectors import area_path
from weibao.areas.services import area_close_refusals, area_create, area_rename
from weibao.children.selectors import children_on_register_in
from weibao.core.exceptions import Blocked
from weibao.core.views_helpers import apply_errors

SUBDISTRICT, COMMUNITY = "subdistrict", "community"


def _districts_or_404(request: HttpRequest) -> list[Area]:
    districts = districts_managed_by(request.user)
    if not districts:
        raise Http404
    return districts


def _create_forms(request: HttpRequest, districts, bound: tuple[str, AreaCreateForm] | None):
    parents = {
        SUBDISTRICT: Area.objects.filter(pk__in=[d.pk for d in districts]).order_by("name"),
        COMMUNITY: open_subdistricts(request.user),
    }
    forms = {kind: AreaCreateForm(parents=qs, prefix=kind) for kind, qs in parents.items()}
    if bound is not None:
        forms[bound[0]] = bound[1]
    return forms, parents


def _render_tree(request: HttpRequest, districts, bound=None) -> HttpResponse:
    forms, _parents = _create_forms(request, districts, bound)
    trees = [district_tree(request.user, district) for district in districts]
    return render(
        request,
        "administration/areas.html",
        {
            "trees": trees,
            "subdistrict_form": forms[SUBDISTRICT],
            "community_form": forms[COMMUNITY],
            "one_district": len(districts) == 1,
            # A 居民区 is made in a 街镇: until there is one, the page offers the 街镇's form.
            "has_subdistricts": any(tree.subdistricts for tree in trees),
        },
    )


@login_required
def areas_view(request: HttpRequest) -> HttpResponse:
    return _render_tree(request, _districts_or_404(request))


@login_required
@require_POST
def area_create_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    kind = request.POST.get("kind")
    if kind not in (SUBDISTRICT, COMMUNITY):
        kind = COMMUNITY
    _forms, parents = _create_forms(request, districts, None)
    form = AreaCreateForm(request.POST, parents=parents[kind], prefix=kind)
    if form.is_valid():
        d = form.cleaned_data
        try:
            area = area_create(
                actor=request.user, parent=d["parent"], name=d["name"], code=d["code"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(area)s is created.") % {"area": area_path(area)})
            return redirect("administration:areas")
    return _render_tree(request, districts, (kind, form))


@login_required
def area_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _districts_or_404(request)
    area = area_get_for_manager(request.user, pk)
    form = AreaRenameForm(request.POST or None, initial={"name": area.name, "code": area.code})
    if request.method == "POST" and form.is_valid():
        try:
            area = area_rename(
                actor=request.user,
                area=area,
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        except Blocked as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("administration:area_detail", pk=area.pk)
    return render(
        request,
        "administration/area_detail.html",
        {
            "area": area,
            "path": area_path(area),
            "form": form,
            "on_register": children_on_register_in(area).count(),
            "roles": roles_on(area),
            "communities": area.children.open().order_by("code", "name")
            if area.level == Area.Level.SUBDISTRICT
            else [],
        },
    )


def _closing_context(area: Area, form, *, merging: bool) -> dict:
    # What the page can tell before trying: the children and the roles move with the step
    # (and a 居民区's open cases with its children); anything else that blocks is listed.
    skip = {"roles"} | ({"children", "cases"} if area.level == Area.Level.COMMUNITY else set())
    return {
        "area": area,
        "path": area_path(area),
        "form": form,
        "on_register": children_on_register_in(area).count(),
        "roles": roles_on(area),
        "refusals": [exc.message for exc in area_close_refusals(area, skip=frozenset(skip))],
        "merging": merging,
        "communities": area.children.open().order_by("code", "name")
        if area.level == Area.Level.SUBDISTRICT
        else [],
    }


def _closing(request: HttpRequest, pk: int, *, merging: bool) -> HttpResponse:
    _districts_or_404(request)
    area = area_get_for_manager(request.user, pk)
    if area.closed_at is not None:
        return redirect("administration:area_detail", pk=area.pk)
    whole = merging and area.level == Area.Level.SUBDISTRICT  # a 街镇 into another
    # A closing 街镇 has no children to send anywhere (its 居民区 have closed first).
    closing_whole = not merging and area.level == Area.Level.SUBDISTRICT
    targets = Area.objects.none() if closing_whole else merge_targets(area)
    form_class = AreaMergeForm if merging else AreaCloseForm
    form = form_class(request.POST if request.method == "POST" else None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            if whole:
                closed = subdistrict_merge(
                    actor=request.user, subdistrict=area, into=form.cleaned_data["into"]
                )
            elif merging:
                closed = community_merge(
                    actor=request.user, community=area, into=form.cleaned_data["into"]
                )
            else:
                closed = area_close_moving(
                    actor=request.user, area=area, move_to=form.cleaned_data["move_to"]
                )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        except Blocked as exc:
            form.add_error(None, exc.message)
        else:
            if closed.merged_into is not None:
                message = _("%(area)s is merged into %(into)s.") % {
                    "area": closed.name,
                    "into": closed.merged_into.name,
                }
            else:
                message = _("%(area)s is closed.") % {"area": closed.name}
            messages.success(request, message)
            return redirect("administration:areas")
    template = "administration/area_merge.html" if merging else "administration/area_close.html"
    context = _closing_context(area, form, merging=merging)
    context["whole"] = whole
    if whole:
        context["refusals"] = subdistrict_merge_blockers(area)
    return render(request, template, context)


@login_required
def area_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _closing(request, pk, merging=False)


@login_required
def area_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _closing(request, pk, merging=True)
