"""Web pages for services delivered: recording a service on a case, and the service ledger
(服务台账) with its xlsx export.

Every record comes through cases.selectors.service_records_visible_to (via
service_records.ledger_records), every case through case_get_for_user: out of scope is a 404."""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from weibao.accounts.models import Role, RoleAssignment
from weibao.accounts.selectors import communities_visible_to, user_role_assignments
from weibao.areas.models import Area
from weibao.cases.models import Case, PlannedService
from weibao.cases.selectors import (
    BACKDATE_DAYS,
    case_get_for_user,
    case_roles,
    case_url,
    earliest_date,
    open_plan_items,
)
from weibao.core.dates import parse_month, shift_month
from weibao.core.forms import DateInput
from weibao.core.text import TEXT_LIMIT
from weibao.core.views_helpers import apply_errors
from weibao.core.xlsx import xlsx_response
from weibao.ledger.export import (
    ledger_filename,
    ledger_title,
    service_ledger_workbook,
)
from weibao.ledger.selectors import service_records_visible_to
from weibao.ledger.services import (
    MAX_MINUTES,
    LedgerFilters,
    ServiceInput,
    can_void,
    hours,
    ledger_records,
    parse_provider,
    service_ledger_exported,
    service_record_create,
    service_record_void,
    validate_service,
)
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner
from weibao.partners.selectors import partners_visible_to

PAGE_SIZE = 50
User = get_user_model()


# --- recording a service --------------------------------------------------------------------


def provider_choices(actor, case: Case) -> list:
    """Staff who work in the child's area, and the active partners the actor can see."""
    child = case.child
    staff = (
        User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.filter(
                area_id__in=[child.community_id, child.subdistrict_id, child.district_id],
                role__in=[Role.DIRECTOR, Role.SUPERVISOR, Role.STATION_STAFF, Role.DISTRICT_STAFF],
            ).values("user_id"),
        )
        .order_by("full_name", "username")
        .distinct()
    )
    partners = (
        partners_visible_to(actor).filter(active=True).select_related("area").order_by("name")
    )
    return _grouped(
        ("", "---------"),
        [(f"user:{u.pk}", str(u)) for u in staff],
        [(f"partner:{p.pk}", f"{p.name} · {p.area.name}") for p in partners],
    )


def _grouped(first: tuple[str, str], staff: list, partners: list) -> list:
    """Choices with the staff and partner groups (an empty group is left out)."""
    choices: list = [first]
    if staff:
        choices.append((_("Staff"), staff))
    if partners:
        choices.append((_("Partners"), partners))
    return choices


class PlannedServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PlannedService) -> str:
        parts = [obj.get_service_type_display(), obj.description, f"{obj.due_on:%Y-%m-%d}"]
        return " · ".join(str(p) for p in parts if p)


class ServiceRecordForm(forms.Form):
    delivered_on = forms.DateField(label=gettext_lazy("date"), widget=DateInput())
    service_type = forms.ChoiceField(
        label=gettext_lazy("service"), choices=[("", "---------"), *ServiceType.choices]
    )
    provider = forms.ChoiceField(
        label=gettext_lazy("provided by"),
        help_text=gettext_lazy("A staff member, or a partner of the 1+N network."),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("duration (minutes)"), min_value=1, max_value=MAX_MINUTES
    )
    notes = forms.CharField(
        label=gettext_lazy("notes"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What was done, and how the child responded."),
    )
    # The items of the case plan still to be done; another case's item is not a valid choice.
    planned_service = PlannedServiceChoiceField(
        label=gettext_lazy("planned service it delivers"),
        queryset=PlannedService.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none of the plan —"),
        help_text=gettext_lazy("The service of the case plan (一人一策) this record delivers."),
    )
    completes_item = forms.BooleanField(
        label=gettext_lazy("this completes the planned service"), required=False
    )

    def __init__(self, *args, actor, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices(actor, case)
        self.fields["planned_service"].queryset = open_plan_items(case)
        today = timezone.localdate()
        self.fields["delivered_on"].widget.attrs.update(
            {"max": today.isoformat(), "min": earliest_date(case).isoformat()}
        )
        self.fields["delivered_on"].help_text = _(
            "Not in the future; at most %(days)d days before the case was opened."
        ) % {"days": BACKDATE_DAYS}

    def providers(self) -> dict:
        kind, pk = parse_provider(self.cleaned_data["provider"]) or ("", 0)
        if kind == "user":
            return {"provider_user": User.objects.filter(pk=pk).first()}
        return {"provider_partner": Partner.objects.filter(pk=pk).first()}


def _render_record(request, case: Case, form: ServiceRecordForm, status: int = 200):
    roles = case_roles(request.user, case)
    return render(
        request,
        "ledger/record.html",
        {
            "case": case,
            "child": case.child,
            "form": form,
            "case_roles": roles,
            "case_url": case_url(case),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(request.user, case_id)
    if request.method == "GET":
        initial = {"delivered_on": timezone.localdate(), "provider": f"user:{request.user.pk}"}
        return _render_record(
            request, case, ServiceRecordForm(initial=initial, actor=request.user, case=case)
        )
    form = ServiceRecordForm(request.POST, actor=request.user, case=case)
    if not form.is_valid():
        _add_rule_errors(form, request.user, case)
    else:
        d = form.cleaned_data
        try:
            service_record_create(
                actor=request.user,
                case=case,
                delivered_on=d["delivered_on"],
                service_type=d["service_type"],
                duration_minutes=d["duration_minutes"],
                notes=d["notes"],
                planned_service=d["planned_service"],
                completes_item=d["completes_item"],
                **form.providers(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The service has been recorded."))
            return redirect(case_url(case) + "#services")
    return _render_record(request, case, form)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is this record wrong?"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Please say why the record is wrong.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def void_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a service record entered by mistake (作废), with the reason; a corrected record is
    then entered as a new one."""
    record = (
        service_records_visible_to(request.user)
        .select_related("case", "case__child", "provider_user", "provider_partner")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    case = record.case
    if record.voided_at is not None:  # a second click, the back button, another tab
        messages.info(request, _("This service record has already been voided."))
        return redirect(case_url(case) + "#services")
    if not can_void(request.user, record):
        raise PermissionDenied
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service_record_void(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The service record is voided; it no longer counts in the ledger.")
            )
            return redirect(case_url(case) + "#services")
    return render(
        request,
        "ledger/void.html",
        {"record": record, "case": case, "child": case.child, "form": form,
         "case_url": case_url(case)},
    )  # fmt: skip


def _add_rule_errors(form: ServiceRecordForm, actor, case: Case) -> None:
    """When the form itself found a problem, also say what the service's rules think of the
    fields the form did accept (a date in the future, a partner no longer active), so that the
    user corrects everything in one go."""
    data = form.cleaned_data
    providers = form.providers() if "provider" in data else {}
    errors = validate_service(
        actor=actor,
        case=case,
        data=ServiceInput(
            delivered_on=data.get("delivered_on"),
            service_type=data.get("service_type", ""),
            duration_minutes=data.get("duration_minutes"),
            provider_user=providers.get("provider_user"),
            provider_partner=providers.get("provider_partner"),
            notes=data.get("notes", ""),
            planned_service=data.get("planned_service"),
            completes_item=data.get("completes_item", False),
        ),
    )
    for field, messages_ in errors.items():
        if field in data:  # fields the form refused already say why
            for message in messages_:
                form.add_error(field, message)


# --- the ledger -----------------------------------------------------------------------------


def ledger_areas(user) -> list[Area]:
    """The areas whose ledger the user can open: a district (all its 街镇) and each 街镇 for
    district staff; the 街镇 for supervisors, station staff and directors (a director sees
    only the services of their own cases)."""
    ids: list[int] = []
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            ids.append(ra.area_id)
            ids.extend(ra.area.children.values_list("pk", flat=True))
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            ids.append(ra.area_id)
        elif ra.role == Role.DIRECTOR and ra.area.parent_id:
            ids.append(ra.area.parent_id)
    areas = Area.objects.filter(pk__in=ids).select_related("parent")
    order = {Area.Level.DISTRICT: 0, Area.Level.SUBDISTRICT: 1}
    return sorted(areas, key=lambda a: (a.parent_id or a.pk, order.get(a.level, 2), a.code, a.name))


def exportable_areas(user) -> list[Area]:
    """Whose ledger the user may export: as for the visit ledger, supervisors and station staff
    their 街镇, district staff their district and its 街镇; a director may not."""
    ids: set[int] = set()
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            ids.add(ra.area_id)
            ids.update(ra.area.children.values_list("pk", flat=True))
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            ids.add(ra.area_id)
    return [a for a in ledger_areas(user) if a.pk in ids]


def _area_filter(area: Area) -> dict:
    if area.level == Area.Level.SUBDISTRICT:
        return {"subdistrict_id": area.pk}
    return {"district_id": area.pk}


class LedgerFilterForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("area"), required=False)
    service_type = forms.ChoiceField(
        label=gettext_lazy("service"),
        choices=[("", gettext_lazy("All services")), *ServiceType.choices],
        required=False,
    )
    provider = forms.ChoiceField(label=gettext_lazy("provided by"), required=False)
    community = forms.ChoiceField(label=gettext_lazy("residential area"), required=False)


@dataclass
class LedgerQuery:
    area: Area
    year: int
    month: int
    form: LedgerFilterForm
    filters: LedgerFilters
    ignored: bool  # some filter was not understood and was dropped


def _ledger_query(request: HttpRequest, areas: list[Area]) -> LedgerQuery:
    """The ledger the request asks for. An area the user may not open is a 404, like any
    object out of scope; other filters that are not understood are dropped with a warning."""
    user, today = request.user, timezone.localdate()
    raw_area = (request.GET.get("area") or "").strip()
    if raw_area:
        area = next((a for a in areas if str(a.pk) == raw_area), None)
        if area is None:
            raise Http404
    elif areas:
        area = areas[0]
    else:
        raise Http404
    year, month, understood = parse_month(request.GET.get("month"), today)
    scoped = ledger_records(user, LedgerFilters(**_area_filter(area)))
    communities = (
        communities_visible_to(user)
        .filter(Q(parent=area) | Q(parent__parent=area))
        .order_by("code", "name")
    )
    staff = User.objects.filter(pk__in=scoped.values("provider_user")).order_by(
        "full_name", "username"
    )
    partners = Partner.objects.filter(pk__in=scoped.values("provider_partner")).order_by("name")
    form = LedgerFilterForm(request.GET)
    form.fields["area"].choices = [(str(a.pk), a.name) for a in areas]
    form.fields["provider"].choices = _grouped(
        ("", _("Everyone")),
        [(f"user:{u.pk}", str(u)) for u in staff],
        [(f"partner:{p.pk}", p.name) for p in partners],
    )
    form.fields["community"].choices = [("", _("All residential areas"))] + [
        (str(c.pk), c.name) for c in communities
    ]
    form.is_valid()
    data = form.cleaned_data
    ignored = not understood or any(name != "area" for name in form.errors)
    filters = LedgerFilters(
        year=year,
        month=month,
        service_type=data.get("service_type") or "",
        provider=data.get("provider") or "",
        community_id=int(data["community"]) if data.get("community") else None,
        **_area_filter(area),
    )
    return LedgerQuery(area, year, month, form, filters, ignored)


def _filter_query(q: LedgerQuery) -> str:
    params = {
        "area": q.area.pk,
        "month": f"{q.year:04d}-{q.month:02d}",
        "service_type": q.filters.service_type,
        "provider": q.filters.provider,
        "community": q.filters.community_id or "",
    }
    return urlencode({k: v for k, v in params.items() if v != ""})


@login_required
@require_GET
def ledger_view(request: HttpRequest) -> HttpResponse:
    areas = ledger_areas(request.user)
    q = _ledger_query(request, areas)
    if q.ignored:
        messages.warning(request, _("Some filters were not understood and were ignored."))
    records = ledger_records(request.user, q.filters)
    totals = records.aggregate(count=Count("pk"), minutes=Sum("duration_minutes"))
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _filter_query(q)
    base = urlencode({k: v for k, v in parse_qsl(query) if k != "month"})
    return render(
        request,
        "ledger/list.html",
        {
            "page": page,
            "form": q.form,
            "area": q.area,
            "areas": areas,
            "month_value": f"{q.year:04d}-{q.month:02d}",
            "prev_month": shift_month(q.year, q.month, -1),
            "next_month": shift_month(q.year, q.month, 1),
            "base_query": base,
            "query": query,
            "total_count": totals["count"] or 0,
            "total_hours": hours(totals["minutes"]),
            "exportable": q.area in exportable_areas(request.user),
        },
    )


@login_required
@require_GET
def ledger_export_view(request: HttpRequest) -> HttpResponse:
    """The filtered ledger as xlsx; every export is recorded in the audit log."""
    areas = exportable_areas(request.user)
    q = _ledger_query(request, areas)
    if q.ignored:
        # A file is no place for a warning: show the ledger page with it instead of exporting
        # something other than what was asked for.
        messages.warning(request, _("Some filters were not understood: nothing was exported."))
        return redirect(f"{reverse('ledger:list')}?{request.GET.urlencode()}")
    title = ledger_title(q.area.name, q.year, q.month)
    data, count = service_ledger_workbook(
        ledger_records(request.user, q.filters).iterator(chunk_size=1000), title=title
    )
    service_ledger_exported(
        actor=request.user, area=q.area, year=q.year, month=q.month, rows=count, filters=q.filters
    )
    return xlsx_response(
        data,
        filename=ledger_filename(q.area.name, q.year, q.month),
        fallback=f"service-ledger-{q.year:04d}-{q.month:02d}.xlsx",
    )
