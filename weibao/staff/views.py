"""Web pages of the staff roster and of the 1+1+X team (docs/domain.md §2.6).

Every person comes through staff_visible_to: out of scope is a 404. In scope but not allowed
(a 儿童主任 editing their 居民区's team, a supervisor opening an account) is a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.accounts.selectors import districts_managed_by, password_link, user_scope_areas
from weibao.areas.models import Area
from weibao.core.crypto import mask_phone
from weibao.core.scope import get_or_404
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.staff import services
from weibao.staff.choices import StaffRole
from weibao.staff.forms import (
    AccountForm,
    EndForm,
    HonourForm,
    LinkForm,
    RevealForm,
    StaffFilterForm,
    StaffForm,
)
from weibao.staff.models import Honour, StaffMember
from weibao.staff.selectors import (
    account_role_for,
    can_keep_member,
    can_link_accounts_for,
    can_open_account_for,
    community_teams,
    director_communities,
    district_team_gaps,
    staff_get_for_user,
    staff_keeper_areas,
    staff_visible_to,
    subdistrict_team,
    team_districts_visible_to,
    team_subdistricts_visible_to,
)

PAGE_SIZE = 50


def require_areas(user) -> None:
    """Someone with no area sees no roster: every page here is a 404 to them."""
    if not user_scope_areas(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


def _filter_areas(user):
    keeper = staff_keeper_areas(user)
    if keeper.exists():
        return keeper
    return Area.objects.filter(pk__in=[a.pk for a in director_communities(user)]).select_related(
        "parent"
    )


# --- the roster -------------------------------------------------------------------------------


@login_required
@require_GET
def staff_list_view(request: HttpRequest) -> HttpResponse:
    require_areas(request.user)
    today = timezone.localdate()
    form = StaffFilterForm(request.GET or None, areas=_filter_areas(request.user))
    if form.is_bound:
        form.is_valid()
    members = form.filter(
        staff_visible_to(request.user).select_related("subdistrict", "community", "user"), today
    )
    page = page_of(request, members.order_by("subdistrict__code", "name", "pk"), PAGE_SIZE)
    rows = [(m, mask_phone(m.phone) if m.phone else "", m.is_active_on(today)) for m in page]
    return render(
        request,
        "staff/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_create": staff_keeper_areas(request.user).exists(),
        },
    )


def _render_detail(request: HttpRequest, member: StaffMember, **extra) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    keeps = can_keep_member(user, member)
    context = {
        "member": member,
        "active": member.is_active_on(today),
        "masked_phone": mask_phone(member.phone) if member.phone else "",
        "honours": list(member.honours.all()),
        "can_keep": keeps,
        "can_open_account": can_open_account_for(user, member, today),
        "can_link_account": can_link_accounts_for(user, member),
        "account_role": account_role_for(member),
        "manages_people": bool(districts_managed_by(user)),
        "end_form": EndForm(initial={"end_date": today, "version": member.version}),
        "reveal_form": RevealForm(),
        "account_form": AccountForm(),
        "link_form": LinkForm(
            initial={"username": member.user.username if member.user else ""}, prefix="link"
        ),
        "honour_form": HonourForm(),
    }
    context.update(extra)
    return render(request, "staff/detail.html", context)


@login_required
@require_GET
def staff_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, staff_get_for_user(request.user, pk))


def _render_form(request, form: StaffForm, member: StaffMember | None) -> HttpResponse:
    return render(request, "staff/form.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def staff_create_view(request: HttpRequest) -> HttpResponse:
    require_areas(request.user)
    areas = staff_keeper_areas(request.user)
    if not areas.exists():
        raise PermissionDenied
    areas = areas.pickable()  # a closed area takes nobody new (docs/domain.md §1.16)
    initial = {"start_date": timezone.localdate()}
    if request.GET.get("area", "").isdigit():
        initial["area"] = int(request.GET["area"])
    if request.GET.get("role") in StaffRole.values:
        initial["role"] = request.GET["role"]
    form = StaffForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s has been added to the roster.") % {"name": member}
            )
            return redirect("staff:detail", pk=member.pk)
    return _render_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = staff_get_for_user(request.user, pk)
    if not can_keep_member(request.user, member):
        raise PermissionDenied
    areas = staff_keeper_areas(request.user).pickable(member.place.pk)
    if request.method == "GET":
        form = StaffForm(initial=StaffForm.initial_from(member), areas=areas, member=member)
        return _render_form(request, form, member)
    form = StaffForm(request.POST, areas=areas, member=member)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.staff_update(
                actor=request.user,
                member=member,
                data=form.service_data(),
                expected_version=posted_version(request.POST),
            ),
            current=lambda: StaffMember.objects.get(pk=member.pk),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(request, _("Changes saved."))
            return redirect("staff:detail", pk=member.pk)
    return _render_form(request, form, member)


@login_required
@require_POST
def staff_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = staff_get_for_user(request.user, pk)
    if not can_keep_member(request.user, member):
        raise PermissionDenied
    form = EndForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, member, end_form=form, end_open=True)
    saved = save_versioned(
        request,
        form,
        lambda: services.staff_end(
            actor=request.user,
            member=member,
            end_date=form.cleaned_data["end_date"],
            note=form.cleaned_data.get("note", ""),
            expected_version=posted_version(request.POST),
        ),
        current=lambda: StaffMember.objects.get(pk=member.pk),
        message=conflict_message(),
        on_form=True,
    )
    if saved.ok:
        messages.success(request, _("%(name)s has left the post.") % {"name": member})
        return redirect("staff:detail", pk=member.pk)
    return _render_detail(request, saved.current or member, end_form=form, end_open=True)


@login_required
@require_POST
def staff_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = staff_get_for_user(request.user, pk)
    if not can_keep_member(request.user, member):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why you need to see it in full."))
        return redirect("staff:detail", pk=member.pk)
    try:
        value = services.staff_phone_reveal(
            actor=request.user, member=member, reason=form.cleaned_data["reason"], channel="web"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/revealed.html", {"member": member, "value": value})


@login_required
@require_POST
def staff_account_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the person's login account in one step; the one-time link with which the person
    sets their password is shown once (never stored, no cache keeps the page)."""
    member = staff_get_for_user(request.user, pk)
    if not can_link_accounts_for(request.user, member):
        raise PermissionDenied
    form = AccountForm(request.POST)
    if form.is_valid():
        try:
            member = services.staff_account_create(
                actor=request.user, member=member, username=form.cleaned_data["username"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            path, expires = password_link(member.user)
            response = render(
                request,
                "staff/account_created.html",
                {
                    "member": member,
                    "link": request.build_absolute_uri(path),
                    "expires": expires,
                },
            )
            add_never_cache_headers(response)
            return response
    return _render_detail(request, member, account_form=form, account_open=True)


@login_required
@require_POST
def staff_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = staff_get_for_user(request.user, pk)
    if not can_link_accounts_for(request.user, member):
        raise PermissionDenied
    # Prefixed: the page holds the account-opening form's username too.
    form = LinkForm(request.POST, prefix="link")
    if form.is_valid():
        try:
            member = services.staff_account_link(
                actor=request.user, member=member, username=form.cleaned_data["username"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if member.user_id:
                messages.success(request, _("The account is linked."))
            else:
                messages.success(request, _("The account is unlinked."))
            return redirect("staff:detail", pk=member.pk)
    return _render_detail(request, member, link_form=form, account_open=True)


@login_required
@require_POST
def honour_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = staff_get_for_user(request.user, pk)
    if not can_keep_member(request.user, member):
        raise PermissionDenied
    form = HonourForm(request.POST)
    if form.is_valid():
        try:
            services.honour_add(actor=request.user, member=member, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The honour has been recorded."))
            return redirect("staff:detail", pk=member.pk)
    return _render_detail(request, member, honour_form=form, honour_open=True)


@login_required
@require_POST
def honour_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    honour = get_or_404(
        Honour.objects.filter(member__in=staff_visible_to(request.user)).select_related("member"),
        pk,
    )
    if not can_keep_member(request.user, honour.member):
        raise PermissionDenied
    services.honour_remove(actor=request.user, honour=honour)
    messages.success(request, _("The honour has been removed."))
    return redirect("staff:detail", pk=honour.member_id)


# --- the 1+1+X team ---------------------------------------------------------------------------


@login_required
@require_GET
def team_view(request: HttpRequest) -> HttpResponse:
    """District staff: each 街镇's gaps. A 街镇's supervisor and staff: their 街镇's team. A
    儿童主任: the team of their own 居民区, read-only."""
    user = request.user
    today = timezone.localdate()
    districts = team_districts_visible_to(user)
    context: dict = {"today": today}
    if districts:
        tables = []
        for district in districts:
            rows = district_team_gaps(district=district, on=today)
            tables.append(
                {
                    "district": district,
                    "rows": rows,
                    "communities": sum(r.communities for r in rows),
                    "without_director": sum(r.without_director for r in rows),
                    "without_social_worker": sum(r.without_social_worker for r in rows),
                    "volunteers": sum(r.volunteers for r in rows),
                }
            )
        context["district_tables"] = tables
    else:
        subdistricts = list(team_subdistricts_visible_to(user).order_by("code", "name"))
        if subdistricts:
            context["teams"] = [subdistrict_team(subdistrict=s, on=today) for s in subdistricts]
        else:
            communities = director_communities(user)
            if not communities:
                raise Http404
            context["community_teams"] = community_teams(communities=communities, on=today)
    return render(request, "staff/team.html", context)


@login_required
@require_GET
def team_subdistrict_view(request: HttpRequest, pk: int) -> HttpResponse:
    subdistrict = get_or_404(team_subdistricts_visible_to(request.user), pk)
    today = timezone.localdate()
    return render(
        request,
        "staff/team.html",
        {
            "today": today,
            "teams": [subdistrict_team(subdistrict=subdistrict, on=today)],
            "one_subdistrict": True,
        },
    )
