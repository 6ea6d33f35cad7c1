"""Web pages of the workstations: the list by 街镇, a station's page with its zones, photos,
status and the items of the standard, an item's evidence and review, the standard's versions,
and the district's coverage with its xlsx export.

Every station comes through selectors.station_get_for_user: out of scope is a 404, as a station
that does not exist. In scope but not allowed (station staff opening a station, a supervisor
reviewing) is a 403."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.areas.models import Area
from weibao.core.scope import get_or_404
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import apply_errors
from weibao.core.xlsx import xlsx_response
from weibao.staff.selectors import honours_of_subdistrict
from weibao.stations import services, workflow
from weibao.stations.defaults import SHANGHAI_2025, SHANGHAI_2025_SOURCE
from weibao.stations.evidence import (
    district_coverage,
    standard_items,
    standings,
)
from weibao.stations.export import coverage_filename, coverage_workbook
from weibao.stations.files import stored_file_response
from weibao.stations.forms import (
    EvidenceFileForm,
    EvidenceForm,
    PhotoForm,
    PhotoUpdateForm,
    PublishForm,
    ReviewForm,
    StandardItemForm,
    StandardVersionForm,
    StationCreateForm,
    StationForm,
    TransitionForm,
    ZoneForm,
)
from weibao.stations.models import (
    EvidenceFile,
    ItemEvidence,
    Standard,
    StandardItem,
    StationPhoto,
    StationZone,
    Workstation,
)
from weibao.stations.selectors import (
    can_edit_standard,
    can_keep,
    can_review,
    coverage_district_get_for_user,
    coverage_districts,
    coverage_readable_districts,
    evidence_files_visible_to,
    is_in_force_or_past,
    photos_visible_to,
    sees_stations,
    snapshots_of,
    standard_districts,
    standard_get_for_user,
    standard_in_force,
    standard_items_visible_to,
    standards_visible_to,
    station_get_for_user,
    station_roles,
    stations_visible_to,
    subdistricts_for_new_station,
)


def require_stations(user) -> None:
    """Someone without a role that sees workstations finds nothing here: a 404."""
    if not sees_stations(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


def _standard_for(station: Workstation) -> Standard | None:
    district = station.district
    services.standard_ensure_default(district=district)
    return standard_in_force(district.pk, timezone.localdate())


# --- the list ---------------------------------------------------------------------------------


@login_required
@require_GET
def station_list_view(request: HttpRequest) -> HttpResponse:
    """Every 街镇 the user follows, with its stations (a map-free list by 街镇)."""
    require_stations(request.user)
    stations = list(
        stations_visible_to(request.user)
        .select_related("subdistrict", "district")
        .order_by("subdistrict__code", "subdistrict__name", "-id")
    )
    districts = [d.pk for d in coverage_districts(request.user)]
    subdistricts = list(
        Area.objects.filter(level=Area.Level.SUBDISTRICT)
        .filter(
            pk__in={s.subdistrict_id for s in stations}
            | set(Area.objects.filter(parent_id__in=districts).values_list("pk", flat=True))
        )
        .order_by("code", "name")
    )
    by_area: dict[int, list[Workstation]] = {}
    for station in stations:
        by_area.setdefault(station.subdistrict_id, []).append(station)
    return render(
        request,
        "stations/list.html",
        {
            "groups": [(sub, by_area.get(sub.pk, [])) for sub in subdistricts],
            "count": len(stations),
            "can_create": subdistricts_for_new_station(request.user).exists(),
            "sees_coverage": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_create_view(request: HttpRequest) -> HttpResponse:
    require_stations(request.user)
    subdistricts = subdistricts_for_new_station(request.user)
    if not subdistricts.exists():
        raise PermissionDenied
    form = StationCreateForm(request.POST or None, subdistricts=subdistricts)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data["planned_on"] = form.cleaned_data.get("planned_on")
        try:
            station = services.station_create(
                actor=request.user, subdistrict=form.cleaned_data["subdistrict"], data=data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The station has been recorded."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/form.html", {"form": form, "station": None})


# --- a station --------------------------------------------------------------------------------


@login_required
@require_GET
def station_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    standard = _standard_for(station)
    items = standard_items(standard)
    standing = standings([station], standard, items, timezone.localdate())[station.pk]
    roles = station_roles(request.user, station)
    return render(
        request,
        "stations/detail.html",
        {
            "station": station,
            "standard": standard,
            "standing": standing,
            "zones": list(station.zones.all()),
            "photos": list(station.photos.all()),
            "honours": honours_of_subdistrict(subdistrict=station.subdistrict, user=request.user),
            "can_keep": bool(roles & workflow.KEEPERS),
            "transitions": workflow.STATION.available(station.status, roles),
            "transition_form": TransitionForm(initial={"version": station.version}),
            "photo_form": PhotoForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    if request.method == "GET":
        form = StationForm(initial=StationForm.initial_from(station))
        return render(request, "stations/form.html", {"form": form, "station": station})
    form = StationForm(request.POST)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.station_update(
                actor=request.user,
                station=station,
                data=form.service_data(),
                expected_version=form.posted_version(),
            ),
            current=lambda: Workstation.objects.get(pk=station.pk),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(request, _("Changes saved."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/form.html", {"form": form, "station": station})


@login_required
@require_POST
def station_transition_view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if name not in workflow.STATION.transitions:
        raise Http404
    if not workflow.STATION.get(name).roles & station_roles(request.user, station):
        raise PermissionDenied
    form = TransitionForm(request.POST)
    on = form.cleaned_data.get("on") if form.is_valid() else None
    if form.errors:
        messages.error(request, _("Please give a valid date."))
        return redirect("stations:detail", pk=station.pk)
    saved = save_versioned(
        request,
        None,
        lambda: services.station_transition(
            actor=request.user,
            station=station,
            name=name,
            on=on,
            expected_version=form.posted_version(),
        ),
        current=lambda: station,
        message=conflict_message(),
    )
    if saved.ok:
        messages.success(
            request,
            _("Status now: %(status)s.") % {"status": saved.result.get_status_display()},
        )
    return redirect("stations:detail", pk=station.pk)


@login_required
@require_POST
def station_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = PublishForm(request.POST)
    form.is_valid()
    published = bool(form.cleaned_data.get("published"))
    saved = save_versioned(
        request,
        None,
        lambda: services.station_set_published(
            actor=request.user,
            station=station,
            published=published,
            expected_version=form.posted_version(),
        ),
        current=lambda: station,
        message=conflict_message(),
    )
    if saved.ok:
        messages.success(
            request,
            _("The public page is published.")
            if published
            else _("The public page is taken down."),
        )
    return redirect("stations:detail", pk=station.pk)


def _station_part(station_id: int, part: str) -> HttpResponse:
    """Back to a part of the station's page (#zones, #photos)."""
    return redirect(reverse("stations:detail", args=[station_id]) + part)


def _told(request: HttpRequest, call: Callable[[], object], success: str) -> None:
    """Run one service call of a page without a form of its own: its refusal, or `success`,
    as the message the next page shows."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)


# --- zones ------------------------------------------------------------------------------------


def _zone_get(user, pk) -> StationZone:
    return get_or_404(
        StationZone.objects.select_related("station").filter(
            station__in=stations_visible_to(user).values("pk")
        ),
        pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def zone_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.zone_add(actor=request.user, station=station, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The zone has been added."))
            return _station_part(station.pk, "#zones")
    return render(request, "stations/zone_form.html", {"form": form, "station": station})


@login_required
@require_http_methods(["GET", "POST"])
def zone_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone_get(request.user, pk)
    station = zone.station
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = ZoneForm(request.POST or None, initial=ZoneForm.initial_from(zone))
    if request.method == "POST" and form.is_valid():
        try:
            services.zone_update(actor=request.user, zone=zone, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return _station_part(station.pk, "#zones")
    return render(
        request, "stations/zone_form.html", {"form": form, "station": station, "zone": zone}
    )


@login_required
@require_POST
def zone_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone_get(request.user, pk)
    if not can_keep(request.user, zone.station):
        raise PermissionDenied
    services.zone_remove(actor=request.user, zone=zone)
    messages.success(request, _("The zone has been removed."))
    return _station_part(zone.station_id, "#zones")


# --- photos -----------------------------------------------------------------------------------


def _photo_get(user, pk) -> StationPhoto:
    return get_or_404(photos_visible_to(user).select_related("station"), pk)


@login_required
@require_POST
def photo_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a photo to add."))
    else:
        _told(
            request,
            lambda: services.photo_add(
                actor=request.user,
                station=station,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data.get("caption", ""),
                on_wall=form.cleaned_data.get("on_wall", False),
            ),
            _("The photo has been added."),
        )
    return _station_part(station.pk, "#photos")


@login_required
@require_GET
def photo_view(request: HttpRequest, pk: int) -> HttpResponse:
    return stored_file_response(_photo_get(request.user, pk), attachment=False)


@login_required
@require_POST
def photo_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    photo = _photo_get(request.user, pk)
    if not can_keep(request.user, photo.station):
        raise PermissionDenied
    form = PhotoUpdateForm(request.POST)
    form.is_valid()
    _told(
        request,
        lambda: services.photo_update(
            actor=request.user,
            photo=photo,
            caption=form.cleaned_data.get("caption", ""),
            on_wall=form.cleaned_data.get("on_wall", False),
        ),
        _("Changes saved."),
    )
    return _station_part(photo.station_id, "#photos")


@login_required
@require_POST
def photo_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    photo = _photo_get(request.user, pk)
    if not can_keep(request.user, photo.station):
        raise PermissionDenied
    station_id = photo.station_id
    services.photo_remove(actor=request.user, photo=photo)
    messages.success(request, _("The photo has been removed."))
    return _station_part(station_id, "#photos")


# --- an item's evidence and review ------------------------------------------------------------


def _item_of(station: Workstation, code: str) -> tuple[Standard | None, StandardItem]:
    """The item of this code in the version in force (or in one to come), else 404."""
    standard = _standard_for(station)
    item = None
    if standard is not None:
        item = standard.items.filter(code=code).first()
    if item is None:
        item = (
            StandardItem.objects.filter(
                standard__district_id=station.district_id,
                standard__starts_on__gt=timezone.localdate(),
                code=code,
            )
            .order_by("standard__starts_on")
            .first()
        )
    if item is None:
        raise Http404
    return standard, item


def _item_page(request, station, code, *, evidence_form=None, file_form=None, review_form=None):
    standard, item = _item_of(station, code)
    cell = standings([station], standard, [item], timezone.localdate())[station.pk].cells[0]
    evidence = cell.evidence
    contributors = services.evidence_contributors(evidence) if evidence else set()
    keeper = can_keep(request.user, station)
    reviewer = can_review(request.user, station) and item.standard_id == getattr(
        standard, "pk", None
    )
    submitted = evidence is not None and evidence.submitted_at is not None
    version = evidence.version if evidence else None
    if evidence_form is None and keeper:
        evidence_form = EvidenceForm(
            initial={
                "note": evidence.note if evidence else "",
                "self_assessment": evidence.self_assessment if evidence else "",
                "version": version,
            }
        )
    if review_form is None and reviewer and submitted:
        review_form = ReviewForm(initial={"version": version})
    return render(
        request,
        "stations/item.html",
        {
            "station": station,
            "standard": standard,
            "item": item,
            "cell": cell,
            "evidence": evidence,
            "files": list(evidence.files.select_related("uploaded_by")) if evidence else [],
            "reviews": list(evidence.reviews.select_related("reviewed_by", "item"))
            if evidence
            else [],
            "can_keep": keeper,
            "evidence_form": evidence_form if keeper else None,
            "file_form": (file_form or EvidenceFileForm()) if keeper else None,
            "reviewer": reviewer,
            # Four eyes: the button is not shown to whoever put the evidence together.
            "may_review": reviewer and submitted and request.user.pk not in contributors,
            "contributed": reviewer and submitted and request.user.pk in contributors,
            "review_form": review_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    if request.method == "GET":
        return _item_page(request, station, code)
    _item_of(station, code)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = EvidenceForm(request.POST)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.evidence_submit(
                actor=request.user,
                station=station,
                code=code,
                note=form.cleaned_data.get("note", ""),
                self_assessment=form.cleaned_data["self_assessment"],
                expected_version=_evidence_version(form),
            ),
            current=lambda: ItemEvidence.objects.get(station=station, code=code),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(request, _("The evidence is submitted: it awaits the review."))
            return redirect("stations:item", pk=station.pk, code=code)
    return _item_page(request, station, code, evidence_form=form)


def _evidence_version(form) -> int | None:
    """The version of the evidence the form was based on; none for evidence not yet there."""
    raw = form.data.get(form.add_prefix("version"), "")
    return None if raw in ("", "None") else form.posted_version()


@login_required
@require_POST
def evidence_file_add_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    _item_of(station, code)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = EvidenceFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a file to add."))
    else:
        _told(
            request,
            lambda: services.evidence_file_add(
                actor=request.user, station=station, code=code, upload=form.cleaned_data["file"]
            ),
            _("The file has been added: the evidence awaits review."),
        )
    return redirect(reverse("stations:item", args=[station.pk, code]) + "#files")


def _evidence_file_get(user, pk) -> EvidenceFile:
    return get_or_404(
        evidence_files_visible_to(user).select_related("evidence", "evidence__station"), pk
    )


@login_required
@require_GET
def evidence_file_view(request: HttpRequest, pk: int) -> HttpResponse:
    return stored_file_response(_evidence_file_get(request.user, pk), attachment=True)


@login_required
@require_POST
def evidence_file_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    attached = _evidence_file_get(request.user, pk)
    station = attached.evidence.station
    if not can_keep(request.user, station):
        raise PermissionDenied
    code = attached.evidence.code
    services.evidence_file_remove(actor=request.user, attached=attached)
    messages.success(request, _("The file has been removed: the evidence awaits review."))
    return redirect(reverse("stations:item", args=[station.pk, code]) + "#files")


@login_required
@require_POST
def review_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    station = station_get_for_user(request.user, pk)
    _item_of(station, code)
    if not can_review(request.user, station):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.evidence_review(
                actor=request.user,
                station=station,
                code=code,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data.get("note", ""),
                expected_version=form.posted_version(),
            ),
            current=lambda: ItemEvidence.objects.get(station=station, code=code),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(request, _("The review has been recorded."))
            return redirect("stations:item", pk=station.pk, code=code)
    return _item_page(request, station, code, review_form=form)


# --- the standard -----------------------------------------------------------------------------


@login_required
@require_GET
def standard_list_view(request: HttpRequest) -> HttpResponse:
    require_stations(request.user)
    for district in Area.objects.filter(pk__in=standard_districts(request.user)):
        services.standard_ensure_default(district=district)
    today = timezone.localdate()
    versions = list(
        standards_visible_to(request.user)
        .select_related("district")
        .order_by("district__code", "-starts_on", "-id")
    )
    in_force = {
        getattr(standard_in_force(d, today), "pk", None) for d in {s.district_id for s in versions}
    }
    return render(
        request,
        "stations/standards.html",
        {
            "versions": [(s, s.pk in in_force, s.starts_on > today) for s in versions],
            "can_create": bool(coverage_districts(request.user)),
        },
    )


@login_required
@require_GET
def standard_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    standard = standard_get_for_user(request.user, pk)
    today = timezone.localdate()
    editable = can_edit_standard(request.user, standard.district_id) and not is_in_force_or_past(
        standard, today
    )
    have = set(standard.items.values_list("code", flat=True))
    return render(
        request,
        "stations/standard.html",
        {
            "standard": standard,
            "items": standard_items(standard),
            "in_force": standard_in_force(standard.district_id, today) == standard,
            "upcoming": standard.starts_on > today,
            "editable": editable,
            "can_copy": can_edit_standard(request.user, standard.district_id),
            "suggestions": [
                (code, wording) for code, wording, _k, _t in SHANGHAI_2025 if code not in have
            ]
            if editable
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_create_view(request: HttpRequest) -> HttpResponse:
    require_stations(request.user)
    districts = coverage_districts(request.user)
    if not districts:
        raise PermissionDenied
    copy_from = None
    if request.GET.get("from"):
        copy_from = standard_get_for_user(request.user, request.GET["from"])
    district = copy_from.district if copy_from else districts[0]
    if not can_edit_standard(request.user, district.pk):
        raise PermissionDenied
    form = StandardVersionForm(
        request.POST or None,
        initial={"name": copy_from.name if copy_from else "八个一"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            standard = services.standard_version_create(
                actor=request.user, district=district, data=form.cleaned_data, copy_from=copy_from
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The new version is made: change its items before it comes into force.")
            )
            return redirect("stations:standard", pk=standard.pk)
    return render(
        request,
        "stations/standard_form.html",
        {"form": form, "standard": None, "copy_from": copy_from, "district": district},
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    standard = standard_get_for_user(request.user, pk)
    if not can_edit_standard(request.user, standard.district_id):
        raise PermissionDenied
    form = StandardVersionForm(
        request.POST or None,
        initial={
            "name": standard.name,
            "version_name": standard.version_name,
            "starts_on": standard.starts_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_version_update(
                actor=request.user, standard=standard, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("stations:standard", pk=standard.pk)
    return render(
        request,
        "stations/standard_form.html",
        {"form": form, "standard": standard, "district": standard.district},
    )


def _suggested(code: str) -> dict:
    for s_code, wording, computed, threshold in SHANGHAI_2025:
        if s_code == code:
            return {
                "code": s_code,
                "wording": wording,
                "source": SHANGHAI_2025_SOURCE,
                "required": True,
                "computed": computed,
                "threshold": threshold,
            }
    return {"required": True}


@login_required
@require_http_methods(["GET", "POST"])
def standard_item_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    standard = standard_get_for_user(request.user, pk)
    if not can_edit_standard(request.user, standard.district_id):
        raise PermissionDenied
    form = StandardItemForm(
        request.POST or None, initial=_suggested(request.GET.get("suggest", ""))
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_item_add(
                actor=request.user, standard=standard, data=form.service_data()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The item has been added."))
            return redirect("stations:standard", pk=standard.pk)
    return render(request, "stations/standard_item_form.html", {"form": form, "standard": standard})


def _standard_item_get(user, pk) -> StandardItem:
    return get_or_404(standard_items_visible_to(user).select_related("standard"), pk)


@login_required
@require_http_methods(["GET", "POST"])
def standard_item_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _standard_item_get(request.user, pk)
    standard = item.standard
    if not can_edit_standard(request.user, standard.district_id):
        raise PermissionDenied
    form = StandardItemForm(request.POST or None, initial=StandardItemForm.initial_from(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_item_update(actor=request.user, item=item, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("stations:standard", pk=standard.pk)
    return render(
        request,
        "stations/standard_item_form.html",
        {"form": form, "standard": standard, "item": item},
    )


@login_required
@require_POST
def standard_item_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _standard_item_get(request.user, pk)
    standard = item.standard
    if not can_edit_standard(request.user, standard.district_id):
        raise PermissionDenied
    _told(
        request,
        lambda: services.standard_item_remove(actor=request.user, item=item),
        _("The item has been removed."),
    )
    return redirect("stations:standard", pk=standard.pk)


# --- coverage ---------------------------------------------------------------------------------


def _coverage_district(request: HttpRequest) -> Area:
    """The district asked for (?district=), or the user's first; 404 for anyone who staffs no
    district, and for a district they do not staff."""
    raw = request.GET.get("district") or request.POST.get("district")
    if raw:
        return coverage_district_get_for_user(request.user, raw)
    districts = coverage_readable_districts(request.user)
    if not districts:
        raise Http404
    return districts[0]


def _require_district_staff(user, district: Area) -> None:
    """Measuring and exporting are the district's (the 街镇 read the coverage only)."""
    if not can_edit_standard(user, district.pk):
        raise PermissionDenied


def _coverage(district: Area):
    services.standard_ensure_default(district=district)
    today = timezone.localdate()
    return district_coverage(district, standard_in_force(district.pk, today), today)


@login_required
@require_GET
def coverage_view(request: HttpRequest) -> HttpResponse:
    district = _coverage_district(request)
    coverage = _coverage(district)
    return render(
        request,
        "stations/coverage.html",
        {
            "district": district,
            "districts": coverage_readable_districts(request.user),
            "coverage": coverage,
            "district_staff": can_edit_standard(request.user, district.pk),
            "snapshots": list(snapshots_of(district)[:36]),
        },
    )


@login_required
@require_POST
def coverage_snapshot_view(request: HttpRequest) -> HttpResponse:
    """Measure now and keep it as this month's figure (the daily job does it every night)."""
    district = _coverage_district(request)
    _require_district_staff(request.user, district)
    services.coverage_snapshot_take(
        actor=request.user, district=district, coverage=_coverage(district)
    )
    messages.success(request, _("This month's figure has been measured and kept."))
    return redirect(f"{reverse('stations:coverage')}?district={district.pk}")


@login_required
@require_GET
def coverage_export_view(request: HttpRequest) -> HttpResponse:
    district = _coverage_district(request)
    _require_district_staff(request.user, district)
    coverage = _coverage(district)
    data = coverage_workbook(coverage, snapshots_of(district))
    services.coverage_exported(actor=request.user, district=district, coverage=coverage)
    return xlsx_response(
        data,
        filename=coverage_filename(district.name, coverage.on),
        fallback=f"station-coverage-{coverage.on:%Y%m%d}.xlsx",
    )
