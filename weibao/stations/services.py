"""Writes of the workstations app: stations, their zones and photos, the district's standard,
the evidence and its review, and the coverage snapshots. Each runs in a transaction and writes
its audit row (audit.services.audit_record).

Who may: the 街镇's supervisor and the district move a station along its states
(workflow.STATION); its station staff, its supervisor and the district keep its details, zones,
photos, public page and evidence (selectors.can_keep); the district keeps the standard and
reviews the evidence — never the person who submitted it or added one of its files (four eyes:
docs/domain.md §1.12)."""

import datetime as dt
import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_record
from weibao.core import uploads
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import checked_text, clean_text
from weibao.partners.services import PHONE_RE
from weibao.stations import workflow
from weibao.stations.choices import (
    ComputedKind,
    HostFacility,
    ReviewDecision,
    SelfAssessment,
    StationStatus,
    ZoneKind,
)
from weibao.stations.defaults import (
    DEFAULT_ITEMS,
    DEFAULT_NAME,
    DEFAULT_STARTS_ON,
    DEFAULT_VERSION,
    SOURCE,
)
from weibao.stations.models import (
    CoverageSnapshot,
    EvidenceFile,
    ItemEvidence,
    ItemReview,
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
    standard_in_force,
    station_roles,
    subdistricts_for_new_station,
)

FILE_MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 12
MAX_EVIDENCE_FILES = 10
MAX_ZONES = 20
MAX_AREA = Decimal("99999.9")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _lock(station: Workstation, expected_version: int | None) -> Workstation:
    current = lock_where_read(
        Workstation.objects.select_for_update().select_related("subdistrict", "district"), station
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _assert_keeper(actor, station: Workstation) -> None:
    if not can_keep(actor, station):
        raise PermissionDenied


def _kept(actor, station: Workstation) -> Workstation:
    """The station locked, once the actor is seen to keep it (PermissionDenied otherwise)."""
    current = _lock(station, None)
    _assert_keeper(actor, current)
    return current


def _bump(station: Workstation, fields: list[str]) -> None:
    station.version += 1
    station.save(update_fields=[*fields, "version", "updated_at"])


def _area(value: str, field: str, errors: dict) -> Decimal | None:
    """An area in m², or None when left empty; a field error when it is not a positive
    number."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = [_("Please give the area in square metres, e.g. 120 or 35.5.")]
        return None
    if not number.is_finite() or number <= 0 or number > MAX_AREA:
        errors[field] = [_("Please give the area in square metres, e.g. 120 or 35.5.")]
        return None
    return number.quantize(Decimal("0.1"))


def _past_date(value, field: str, errors: dict, today: dt.date) -> dt.date:
    if value in (None, ""):
        return today
    if not isinstance(value, dt.date):
        errors[field] = [_("Please give a date.")]
        return today
    if value > today:
        errors[field] = [_("This date is in the future.")]
    return value


# --- stations ---------------------------------------------------------------------------------

STATION_FIELDS = (
    "name", "host_facility", "host_facility_other", "address", "floor_area", "opening_hours",
    "phone",
)  # fmt: skip
STATION_LIMITS = {
    "name": 100,
    "host_facility_other": 100,
    "address": 200,
    "opening_hours": 200,
    "phone": 30,
}


def _clean_station(data: dict[str, Any], instance: Workstation | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, limit in STATION_LIMITS.items():
        value = data.get(name, getattr(instance, name, "") if instance else "")
        value = clean_text(value)
        if len(value) > limit:
            errors[name] = [_too_long(limit)]
        clean[name] = value
    if not clean["name"]:
        errors["name"] = [_("Please give the station's name.")]
    host = data.get("host_facility", instance.host_facility if instance else "")
    if host not in HostFacility.values:
        errors["host_facility"] = [_("Please choose the facility that houses the station.")]
    elif host == HostFacility.OTHER and not clean["host_facility_other"]:
        errors["host_facility_other"] = [_("Please say which facility houses the station.")]
    elif host != HostFacility.OTHER:
        clean["host_facility_other"] = ""
    clean["host_facility"] = host
    if clean["phone"] and not PHONE_RE.match(clean["phone"]):
        errors["phone"] = [_("Please give a phone number: digits, spaces, +, - and brackets only.")]
    area = data.get("floor_area", instance.floor_area if instance else "")
    clean["floor_area"] = _area(area, "floor_area", errors)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def station_create(*, actor, subdistrict: Area, data: dict[str, Any]) -> Workstation:
    """Record a planned station of a 街镇: its district's staff or the 街镇's supervisor."""
    if not subdistricts_for_new_station(actor).filter(pk=getattr(subdistrict, "pk", None)).exists():
        raise PermissionDenied
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    planned_on = _past_date(data.get("planned_on"), "planned_on", errors, today)
    try:
        clean = _clean_station(data, None)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    station = Workstation.objects.create(
        district_id=subdistrict.parent_id,
        subdistrict=subdistrict,
        planned_on=planned_on,
        status_since=planned_on,
        **clean,
    )
    audit_record(
        actor=actor,
        action="station.create",
        obj=station,
        changes={
            "subdistrict": {"new": subdistrict.pk},
            "planned_on": {"new": planned_on.isoformat()},
            **{name: {"new": _plain(clean[name])} for name in STATION_FIELDS},
        },
    )
    return station


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | dt.date) else value


@transaction.atomic
def station_update(
    *, actor, station: Workstation, data: dict[str, Any], expected_version: int | None = None
) -> Workstation:
    current = _lock(station, expected_version)
    _assert_keeper(actor, current)
    clean = _clean_station(data, current)
    changes = {}
    for name in STATION_FIELDS:
        old, new = getattr(current, name), clean[name]
        if old != new:
            changes[name] = {"old": _plain(old), "new": _plain(new)}
            setattr(current, name, new)
    if not changes:
        return current
    _bump(current, list(changes))
    audit_record(actor=actor, action="station.update", obj=current, changes=changes)
    return current


@transaction.atomic
def station_transition(
    *,
    actor,
    station: Workstation,
    name: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> Workstation:
    """Move a station along workflow.STATION on the day `on` (today when not given; never in
    the future, never before the day it entered its current status). A 街镇 has at most one
    operating station."""
    current = _lock(station, expected_version)
    if name not in workflow.STATION.transitions:
        raise ValidationError({"transition": [_("No such step.")]})
    transition = workflow.STATION.check(name, current.status, station_roles(actor, current))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    on = _past_date(on, "on", errors, today)
    if not errors and on < current.status_since:
        errors["on"] = [
            _("The date cannot be before %(date)s, when the station entered its status.")
            % {"date": current.status_since.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    if transition.target == StationStatus.OPERATING and _other_operating(current):
        raise ValidationError(
            {"transition": [_("Another station of this 街镇 is already operating.")]}
        )
    old = current.status
    current.status = transition.target
    current.status_since = on
    fields = ["status", "status_since"]
    if name == "build":
        current.building_on = on
        fields.append("building_on")
    if transition.target == StationStatus.OPERATING and current.opened_on is None:
        current.opened_on = on
        fields.append("opened_on")
    if transition.target != StationStatus.OPERATING and current.lapsed_since is not None:
        current.lapsed_since = None
        fields.append("lapsed_since")
    try:
        with transaction.atomic():
            _bump(current, fields)
    except IntegrityError as exc:  # opened at the same moment as another
        raise ValidationError(
            {"transition": [_("Another station of this 街镇 is already operating.")]}
        ) from exc
    audit_record(
        actor=actor,
        action=f"station.{name}",
        obj=current,
        changes={"status": {"old": old, "new": current.status}, "on": {"new": on.isoformat()}},
    )
    return current


def _other_operating(station: Workstation) -> bool:
    return (
        Workstation.objects.filter(
            subdistrict_id=station.subdistrict_id, status=StationStatus.OPERATING
        )
        .exclude(pk=station.pk)
        .exists()
    )


@transaction.atomic
def station_set_published(
    *, actor, station: Workstation, published: bool, expected_version: int | None = None
) -> Workstation:
    """Publish the station's public page (the display wall) or take it down."""
    current = _lock(station, expected_version)
    _assert_keeper(actor, current)
    if current.published == bool(published):
        return current
    current.published = bool(published)
    _bump(current, ["published"])
    audit_record(
        actor=actor,
        action="station.publish" if published else "station.unpublish",
        obj=current,
        changes={"published": {"old": not published, "new": bool(published)}},
    )
    return current


# --- zones ------------------------------------------------------------------------------------


def _clean_zone(data: dict[str, Any], zone: StationZone | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = clean_text(data.get("name", zone.name if zone else ""))
    purpose = clean_text(data.get("purpose", zone.purpose if zone else ""))
    kind = data.get("kind", zone.kind if zone else "")
    if not name:
        errors["name"] = [_("Please name the zone.")]
    elif len(name) > 60:
        errors["name"] = [_too_long(60)]
    if len(purpose) > 300:
        errors["purpose"] = [_too_long(300)]
    if kind not in ZoneKind.values:
        errors["kind"] = [_("Please choose the kind of zone.")]
    area = data.get("area", zone.area if zone else "")
    area = _area(area, "area", errors)
    if errors:
        raise ValidationError(errors)
    return {"name": name, "purpose": purpose, "kind": kind, "area": area}


def _zone_name_taken(station: Workstation, name: str, zone: StationZone | None) -> bool:
    clash = StationZone.objects.filter(station=station, name=name)
    if zone is not None:
        clash = clash.exclude(pk=zone.pk)
    return clash.exists()


@transaction.atomic
def zone_add(*, actor, station: Workstation, data: dict[str, Any]) -> StationZone:
    current = _kept(actor, station)
    clean = _clean_zone(data, None)
    if _zone_name_taken(current, clean["name"], None):
        raise ValidationError({"name": [_("The station already has a zone of this name.")]})
    if current.zones.count() >= MAX_ZONES:
        raise ValidationError({"name": [_("At most %(n)d zones per station.") % {"n": MAX_ZONES}]})
    order = (current.zones.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    zone = StationZone.objects.create(station=current, order=order, **clean)
    audit_record(
        actor=actor,
        action="station.zone_add",
        obj=current,
        changes={"zone": {"new": {k: _plain(v) for k, v in clean.items()} | {"id": zone.pk}}},
    )
    return zone


@transaction.atomic
def zone_update(*, actor, zone: StationZone, data: dict[str, Any]) -> StationZone:
    current = _kept(actor, zone.station)
    zone = StationZone.objects.select_for_update().get(pk=zone.pk, station=current)
    clean = _clean_zone(data, zone)
    if _zone_name_taken(current, clean["name"], zone):
        raise ValidationError({"name": [_("The station already has a zone of this name.")]})
    changes = {}
    for name, new in clean.items():
        old = getattr(zone, name)
        if old != new:
            changes[name] = {"old": _plain(old), "new": _plain(new)}
            setattr(zone, name, new)
    if changes:
        zone.save()
        audit_record(
            actor=actor,
            action="station.zone_update",
            obj=current,
            changes={"zone": {"new": zone.pk}, **changes},
        )
    return zone


@transaction.atomic
def zone_remove(*, actor, zone: StationZone) -> None:
    current = _kept(actor, zone.station)
    audit_record(
        actor=actor,
        action="station.zone_remove",
        obj=current,
        changes={"zone": {"old": {"id": zone.pk, "name": zone.name, "kind": zone.kind}}},
    )
    zone.delete()


# --- files (photos, evidence) -----------------------------------------------------------------


def _delete_file_on_commit(field_file) -> None:
    """The stored file goes once the removal is committed: a removal rolled back keeps it."""
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


def _taken_in(upload: UploadedFile, *, allow_pdf: bool):
    """(content, content type) of an upload checked by its content: JPEG and PNG written anew
    without their metadata (core.uploads), PDF kept as sent where allowed; at most 5 MB."""
    if upload is None:
        raise ValidationError({"file": [_("Please choose a file.")]})
    if upload.size > FILE_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    content_type = uploads.sniffed_type(upload)
    if content_type is None or (content_type == uploads.PDF and not allow_pdf):
        if allow_pdf:
            raise ValidationError({"file": [_("Only JPEG or PNG photos and PDF documents.")]})
        raise ValidationError({"file": [_("Only JPEG or PNG photos.")]})
    if content_type == uploads.PDF:
        return upload, content_type
    content = uploads.reencoded_image(upload, content_type)
    if content.size > FILE_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    return content, content_type


@transaction.atomic
def photo_add(
    *, actor, station: Workstation, upload: UploadedFile, caption: str = "", on_wall: bool = False
) -> StationPhoto:
    current = _kept(actor, station)
    caption = clean_text(caption)
    if len(caption) > 100:
        raise ValidationError({"caption": [_too_long(100)]})
    if current.photos.count() >= MAX_PHOTOS:
        raise ValidationError(
            {"file": [_("At most %(n)d photos per station.") % {"n": MAX_PHOTOS}]}
        )
    content, content_type = _taken_in(upload, allow_pdf=False)
    photo = StationPhoto(
        station=current,
        token=secrets.token_hex(16),
        original_name=uploads.display_name(upload.name, content_type),
        content_type=content_type,
        size=content.size,
        caption=caption,
        on_wall=bool(on_wall),
        uploaded_by=actor,
    )
    photo.file.save(photo.token, content, save=False)
    photo.save()
    audit_record(
        actor=actor,
        action="station.photo_add",
        obj=current,
        changes={"photo": {"new": {"id": photo.pk, "name": photo.original_name,
                                   "on_wall": photo.on_wall}}},
    )  # fmt: skip
    return photo


@transaction.atomic
def photo_update(*, actor, photo: StationPhoto, caption: str, on_wall: bool) -> StationPhoto:
    current = _kept(actor, photo.station)
    caption = clean_text(caption)
    if len(caption) > 100:
        raise ValidationError({"caption": [_too_long(100)]})
    changes = {}
    if caption != photo.caption:
        changes["caption"] = {"old": photo.caption, "new": caption}
    if bool(on_wall) != photo.on_wall:
        changes["on_wall"] = {"old": photo.on_wall, "new": bool(on_wall)}
    if changes:
        photo.caption, photo.on_wall = caption, bool(on_wall)
        photo.save(update_fields=["caption", "on_wall"])
        audit_record(
            actor=actor,
            action="station.photo_update",
            obj=current,
            changes={"photo": {"new": photo.pk}, **changes},
        )
    return photo


@transaction.atomic
def photo_remove(*, actor, photo: StationPhoto) -> None:
    current = _kept(actor, photo.station)
    audit_record(
        actor=actor,
        action="station.photo_remove",
        obj=current,
        changes={"photo": {"old": {"id": photo.pk, "name": photo.original_name}}},
    )
    _delete_file_on_commit(photo.file)
    photo.delete()


# --- the standard -----------------------------------------------------------------------------


def standard_ensure_default(*, district: Area) -> Standard:
    """The district's standard, made on first use as the default "八个一" (defaults.py) when it
    has none. Idempotent; two first uses at once make one."""
    existing = Standard.objects.filter(district=district).order_by("-starts_on").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                district=district,
                name=DEFAULT_NAME,
                version_name=DEFAULT_VERSION,
                starts_on=DEFAULT_STARTS_ON,
            )
            StandardItem.objects.bulk_create(
                [
                    StandardItem(
                        standard=standard,
                        code=code,
                        wording=wording,
                        source=SOURCE,
                        required=True,
                        order=index,
                        computed=computed,
                    )
                    for index, (code, wording, computed) in enumerate(DEFAULT_ITEMS, start=1)
                ]
            )
            audit_record(
                actor=None,
                action="standard.create_default",
                obj=standard,
                changes={"items": {"new": [code for code, _w, _c in DEFAULT_ITEMS]}},
            )
    except IntegrityError:  # made at the same moment by another request
        return Standard.objects.filter(district=district).order_by("-starts_on").first()
    return standard


def _assert_standard_keeper(actor, district_id: int) -> None:
    if not can_edit_standard(actor, district_id):
        raise PermissionDenied


def _assert_not_started(standard: Standard) -> None:
    if standard.starts_on <= timezone.localdate():
        raise ValidationError(
            {
                "starts_on": [
                    _(
                        "This version is in force (or was): it can no longer change. Make a "
                        "new version instead."
                    )
                ]
            }
        )


def _clean_version(data: dict[str, Any], standard: Standard | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = clean_text(data.get("name", standard.name if standard else ""))
    version_name = clean_text(data.get("version_name", standard.version_name if standard else ""))
    starts_on = data.get("starts_on", standard.starts_on if standard else None)
    if not name:
        errors["name"] = [_("Please name the standard.")]
    elif len(name) > 60:
        errors["name"] = [_too_long(60)]
    if not version_name:
        errors["version_name"] = [_("Please name the version, e.g. 2025.")]
    elif len(version_name) > 60:
        errors["version_name"] = [_too_long(60)]
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = [_("Please give the date the version comes into force.")]
    elif starts_on <= timezone.localdate():
        errors["starts_on"] = [
            _("A new version comes into force from tomorrow at the earliest, so that it can be "
              "checked before it applies.")
        ]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return {"name": name, "version_name": version_name, "starts_on": starts_on}


def _version_day_taken(district_id: int, starts_on: dt.date, standard: Standard | None) -> bool:
    clash = Standard.objects.filter(district_id=district_id, starts_on=starts_on)
    if standard is not None:
        clash = clash.exclude(pk=standard.pk)
    return clash.exists()


def _day_taken() -> str:
    return _("Another version of the standard comes into force on this day.")


@transaction.atomic
def standard_version_create(
    *, actor, district: Area, data: dict[str, Any], copy_from: Standard | None = None
) -> Standard:
    """A new version of the district's standard, its items copied from `copy_from` (by
    default the version in force today), to be edited before it comes into force."""
    _assert_standard_keeper(actor, district.pk)
    clean = _clean_version(data, None)
    if _version_day_taken(district.pk, clean["starts_on"], None):
        raise ValidationError({"starts_on": [_day_taken()]})
    if copy_from is None:
        copy_from = standard_in_force(district.pk, timezone.localdate())
    elif copy_from.district_id != district.pk:
        raise ValidationError({"copy_from": [_("Copy a version of the same district.")]})
    try:
        with transaction.atomic():
            standard = Standard.objects.create(district=district, created_by=actor, **clean)
    except IntegrityError as exc:
        raise ValidationError({"starts_on": [_day_taken()]}) from exc
    copied = []
    if copy_from is not None:
        for item in copy_from.items.order_by("order", "id"):
            item.pk = None
            item.standard = standard
            copied.append(item)
        StandardItem.objects.bulk_create(copied)
    audit_record(
        actor=actor,
        action="standard.create",
        obj=standard,
        changes={
            **{k: {"new": _plain(v)} for k, v in clean.items()},
            "copied_from": {"new": copy_from.pk if copy_from else None},
            "items": {"new": [item.code for item in copied]},
        },
    )
    return standard


@transaction.atomic
def standard_version_update(*, actor, standard: Standard, data: dict[str, Any]) -> Standard:
    current = lock_where_read(Standard.objects, standard)
    _assert_standard_keeper(actor, current.district_id)
    _assert_not_started(current)
    clean = _clean_version(data, current)
    if _version_day_taken(current.district_id, clean["starts_on"], current):
        raise ValidationError({"starts_on": [_day_taken()]})
    changes = {}
    for name, new in clean.items():
        old = getattr(current, name)
        if old != new:
            changes[name] = {"old": _plain(old), "new": _plain(new)}
            setattr(current, name, new)
    if changes:
        current.save()
        audit_record(actor=actor, action="standard.update", obj=current, changes=changes)
    return current


ITEM_FIELDS = ("code", "wording", "source", "required", "order", "computed", "threshold")


def _clean_item(data: dict[str, Any], item: StandardItem | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def value(name: str, default: Any) -> Any:
        return data[name] if name in data else (getattr(item, name) if item else default)

    code = clean_text(value("code", "")).lower()
    wording = clean_text(value("wording", ""))
    source = clean_text(value("source", ""))
    computed = value("computed", "") or ""
    threshold = value("threshold", None)
    order = value("order", 0)
    if not CODE_RE.match(code):
        errors["code"] = [
            _("A short code of lower-case letters, digits and _ (at most 32), e.g. sh2025_space.")
        ]
    if not wording:
        errors["wording"] = [_("Please give the item's wording.")]
    elif len(wording) > 200:
        errors["wording"] = [_too_long(200)]
    if len(source) > 300:
        errors["source"] = [_too_long(300)]
    if computed not in ComputedKind.values and computed != "":
        errors["computed"] = [_("Please choose a kind of computed evidence, or none.")]
    if threshold in ("", None):
        threshold = None
    elif (
        isinstance(threshold, bool)
        or not isinstance(threshold, int)
        or not 0 <= threshold <= 100_000
    ):
        errors["threshold"] = [_("Please give a whole number, or leave it empty.")]
    elif computed == ComputedKind.ARCHIVE and threshold > 100:
        errors["threshold"] = [_("A share is at most 100 (per cent).")]
    if threshold is not None and computed in ("", ComputedKind.MEETING, ComputedKind.WALL):
        errors["threshold"] = [_("This kind of evidence takes no threshold.")]
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 999:
        errors["order"] = [_("Please give a whole number from 0 to 999.")]
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "wording": wording,
        "source": source,
        "required": bool(value("required", True)),
        "order": order,
        "computed": computed,
        "threshold": threshold,
    }


def _lock_standard(standard: Standard, actor) -> Standard:
    current = lock_where_read(Standard.objects, standard)
    _assert_standard_keeper(actor, current.district_id)
    _assert_not_started(current)
    return current


@transaction.atomic
def standard_item_add(*, actor, standard: Standard, data: dict[str, Any]) -> StandardItem:
    current = _lock_standard(standard, actor)
    clean = _clean_item(data, None)
    if current.items.filter(code=clean["code"]).exists():
        raise ValidationError({"code": [_("This version already has an item with this code.")]})
    if "order" not in data:
        clean["order"] = (
            current.items.order_by("-order").values_list("order", flat=True).first() or 0
        ) + 1
    item = StandardItem.objects.create(standard=current, **clean)
    audit_record(
        actor=actor,
        action="standard.item_add",
        obj=current,
        changes={"item": {"new": {"id": item.pk, **clean}}},
    )
    return item


@transaction.atomic
def standard_item_update(*, actor, item: StandardItem, data: dict[str, Any]) -> StandardItem:
    current = _lock_standard(item.standard, actor)
    item = StandardItem.objects.select_for_update().get(pk=item.pk, standard=current)
    clean = _clean_item(data, item)
    if current.items.filter(code=clean["code"]).exclude(pk=item.pk).exists():
        raise ValidationError({"code": [_("This version already has an item with this code.")]})
    changes = {}
    for name, new in clean.items():
        old = getattr(item, name)
        if old != new:
            changes[name] = {"old": old, "new": new}
            setattr(item, name, new)
    if changes:
        item.save()
        audit_record(
            actor=actor,
            action="standard.item_update",
            obj=current,
            changes={"item": {"new": item.pk}, **changes},
        )
    return item


@transaction.atomic
def standard_item_remove(*, actor, item: StandardItem) -> None:
    current = _lock_standard(item.standard, actor)
    audit_record(
        actor=actor,
        action="standard.item_remove",
        obj=current,
        changes={"item": {"old": {"id": item.pk, "code": item.code, "wording": item.wording}}},
    )
    item.delete()


# --- evidence and review ----------------------------------------------------------------------


def _known_code(station: Workstation, code: str) -> StandardItem:
    """The item of this code in the version in force today, or in one to come (a station
    prepares for it); a field error otherwise."""
    today = timezone.localdate()
    standard_ensure_default(district=station.district)
    standard = standard_in_force(station.district_id, today)
    items = StandardItem.objects.filter(standard__district_id=station.district_id, code=code)
    if standard is not None:
        item = items.filter(standard=standard).first()
        if item is not None:
            return item
    item = items.filter(standard__starts_on__gt=today).order_by("standard__starts_on").first()
    if item is None:
        raise ValidationError({"code": [_("No such item in the standard.")]})
    return item


def _evidence_for(station: Workstation, code: str, *, lock: bool = True) -> ItemEvidence:
    evidence, _created = ItemEvidence.objects.get_or_create(station=station, code=code)
    if lock:
        evidence = ItemEvidence.objects.select_for_update().get(pk=evidence.pk)
    return evidence


def _submitted(evidence: ItemEvidence, actor) -> None:
    evidence.submitted_by = actor
    evidence.submitted_at = timezone.now()
    evidence.version += 1


@transaction.atomic
def evidence_submit(
    *,
    actor,
    station: Workstation,
    code: str,
    note: str,
    self_assessment: str,
    expected_version: int | None = None,
) -> ItemEvidence:
    """Record the station's evidence for an item (a note and a self-assessment; its files are
    added one by one): it now awaits the district's review."""
    current = _kept(actor, station)
    _known_code(current, code)
    note = checked_text(note, "note", required=False)
    if self_assessment not in SelfAssessment.values:
        raise ValidationError({"self_assessment": [_("Please say how far the item is met.")]})
    evidence = _evidence_for(current, code)
    if expected_version is not None and evidence.version != expected_version:
        raise ConflictError
    changes = {}
    if note != evidence.note:
        changes["note"] = {"old": evidence.note, "new": note}
    if self_assessment != evidence.self_assessment:
        changes["self_assessment"] = {"old": evidence.self_assessment, "new": self_assessment}
    evidence.note, evidence.self_assessment = note, self_assessment
    _submitted(evidence, actor)
    evidence.save()
    audit_record(
        actor=actor,
        action="evidence.submit",
        obj=evidence,
        district=current.district_id,
        changes={"station": {"new": current.pk}, "code": {"new": code}, **changes},
    )
    return evidence


@transaction.atomic
def evidence_file_add(
    *, actor, station: Workstation, code: str, upload: UploadedFile
) -> EvidenceFile:
    """Add a file to the station's evidence for an item (JPEG, PNG or PDF, recognised by its
    content, at most 5 MB): the evidence awaits review again."""
    current = _kept(actor, station)
    _known_code(current, code)
    evidence = _evidence_for(current, code)
    if evidence.files.count() >= MAX_EVIDENCE_FILES:
        raise ValidationError(
            {"file": [_("At most %(n)d files per item.") % {"n": MAX_EVIDENCE_FILES}]}
        )
    content, content_type = _taken_in(upload, allow_pdf=True)
    attached = EvidenceFile(
        evidence=evidence,
        token=secrets.token_hex(16),
        original_name=uploads.display_name(upload.name, content_type),
        content_type=content_type,
        size=content.size,
        uploaded_by=actor,
    )
    attached.file.save(attached.token, content, save=False)
    attached.save()
    _submitted(evidence, actor)
    evidence.save()
    audit_record(
        actor=actor,
        action="evidence.file_add",
        obj=evidence,
        district=current.district_id,
        changes={"file": {"new": {"id": attached.pk, "name": attached.original_name}}},
    )
    return attached


@transaction.atomic
def evidence_file_remove(*, actor, attached: EvidenceFile) -> None:
    evidence = ItemEvidence.objects.select_related("station").get(pk=attached.evidence_id)
    current = _kept(actor, evidence.station)
    evidence = _evidence_for(current, evidence.code)
    audit_record(
        actor=actor,
        action="evidence.file_remove",
        obj=evidence,
        district=current.district_id,
        changes={"file": {"old": {"id": attached.pk, "name": attached.original_name}}},
    )
    _delete_file_on_commit(attached.file)
    attached.delete()
    _submitted(evidence, actor)
    evidence.save()


def evidence_contributors(evidence: ItemEvidence) -> set[int]:
    """Who put the evidence as it stands together: its submitter and whoever added one of its
    files. None of them may review it."""
    people = set(evidence.files.values_list("uploaded_by_id", flat=True))
    if evidence.submitted_by_id is not None:
        people.add(evidence.submitted_by_id)
    return people


def four_eyes_message() -> str:
    return _("Evidence is reviewed by someone other than who submitted it or added its files.")


@transaction.atomic
def evidence_review(
    *,
    actor,
    station: Workstation,
    code: str,
    decision: str,
    note: str = "",
    expected_version: int | None = None,
) -> ItemEvidence:
    """The district's review of a station's evidence for an item of the standard in force:
    passed, or needs work (with a note saying what). Never by a contributor (four eyes)."""
    current = _lock(station, None)
    if not can_review(actor, current):
        raise PermissionDenied
    standard_ensure_default(district=current.district)
    standard = standard_in_force(current.district_id, timezone.localdate())
    item = standard.items.filter(code=code).first() if standard is not None else None
    if item is None:
        raise ValidationError({"code": [_("No such item in the standard in force.")]})
    evidence = ItemEvidence.objects.select_for_update().filter(station=current, code=code).first()
    if evidence is None or evidence.submitted_at is None:
        raise ValidationError({"decision": [_("There is no evidence to review yet.")]})
    if expected_version is not None and evidence.version != expected_version:
        raise ConflictError
    if actor.pk in evidence_contributors(evidence):
        raise ValidationError({"decision": ValidationError(four_eyes_message(), code="four_eyes")})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": [_("Please choose passed or needs work.")]})
    note = checked_text(
        note,
        "note",
        required=decision == ReviewDecision.NEEDS_WORK,
        message=_("Please say what needs to be done."),
    )
    now = timezone.now()
    ItemReview.objects.create(
        evidence=evidence,
        item=item,
        decision=decision,
        note=note,
        reviewed_by=actor,
        reviewed_at=now,
    )
    evidence.review_decision, evidence.review_note = decision, note
    evidence.reviewed_by, evidence.reviewed_at = actor, now
    evidence.version += 1
    evidence.save()
    audit_record(
        actor=actor,
        action="evidence.review",
        obj=evidence,
        district=current.district_id,
        changes={
            "station": {"new": current.pk},
            "code": {"new": code},
            "item": {"new": item.pk},
            "decision": {"new": decision},
            "note": {"new": note},
        },
    )
    return evidence


# --- coverage ---------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def coverage_snapshot_take(*, actor, district: Area, coverage) -> CoverageSnapshot | None:
    """Keep the district's coverage (an evidence.Coverage measured today) as its current
    month's figure. Only the current month's row is ever written: earlier months keep the
    figure they had when their month ended. A measurement older than the one kept (a later
    month's, or a later day's) changes nothing: None."""
    if actor is not None and not can_edit_standard(actor, district.pk):
        raise PermissionDenied
    month = month_start(coverage.on)
    latest = (
        CoverageSnapshot.objects.select_for_update()
        .filter(district=district)
        .order_by("-month")
        .first()
    )
    if latest is not None and (latest.month > month or latest.measured_on > coverage.on):
        return None
    rows = [
        {
            "subdistrict": row.subdistrict.pk,
            "name": row.subdistrict.name,
            "station": row.station.pk if row.station else None,
            "status": row.station.status if row.station else "",
            "meets": row.meets,
            "passed": row.standing.passed if row.standing else 0,
        }
        for row in coverage.rows
    ]
    values = {
        "measured_on": coverage.on,
        "subdistricts": coverage.total,
        "meeting": coverage.meeting,
        "standard": coverage.standard,
        "rows": rows,
    }
    snapshot, _created = CoverageSnapshot.objects.update_or_create(
        district=district, month=month, defaults=values
    )
    audit_record(
        actor=actor,
        action="coverage.snapshot",
        obj=snapshot,
        changes={
            "month": {"new": month.isoformat()},
            "meeting": {"new": coverage.meeting},
            "subdistricts": {"new": coverage.total},
        },
    )
    return snapshot


def coverage_exported(*, actor, district: Area, coverage) -> None:
    """Every export of the coverage is in the audit log: who, which district, as of when."""
    audit_record(
        actor=actor,
        action="coverage.export",
        obj=district,
        changes={"on": coverage.on.isoformat(), "subdistricts": coverage.total},
    )


# --- the area tree ----------------------------------------------------------------------------


def area_station_guard(*, area: Area) -> None:
    """areas.hooks.area_close_guards: a 街镇 whose station is operating does not close or merge
    (its people and its public page serve there): the district suspends it first. A planned,
    building or suspended station stays with the closed 街镇, a record of the past
    (docs/domain.md §1.16)."""
    if area.level != Area.Level.SUBDISTRICT:
        return
    station = Workstation.objects.filter(subdistrict=area, status=StationStatus.OPERATING).first()
    if station is not None:
        raise Blocked(
            _("%(station)s is operating in %(area)s: suspend it first.")
            % {"station": station.name, "area": area.name},
            code="station",
        )
