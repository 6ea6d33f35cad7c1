"""The display wall (展示墙): a station's public page, without signing in, for residents on a
phone and as an A3 poster with a QR code; and the list of published stations by 街镇.

It shows the station (name, address, opening hours, zones, the photos its keepers marked as
showing the place), the people the 街镇 publishes (the staff roster's), where the station
stands against the standard, this year's figures (a count under 5 shown as "<5") and how to
report harm. Never a child's name, face, address or school (docs/domain.md §9): nothing here
reads a child's file, only counts. Pages are limited per client address like the public report
door, counted in the cache (core.counters)."""

import time

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from weibao.core import counters
from weibao.core.hooks import with_panels
from weibao.reports.ratelimit import client_address, limit_message
from weibao.stations.choices import ItemState
from weibao.stations.evidence import standard_items, standings, wall_figures, wall_people
from weibao.stations.hooks import wall_panels
from weibao.stations.models import StationPhoto
from weibao.stations.selectors import published_stations, standard_in_force, wall_station_get

# (pages, per seconds) per client address: a resident reads a few pages, a poster's QR code is
# scanned once each; a crawler that reads thousands is stopped.
DEFAULT_LIMITS = [(120, 10 * 60), (1000, 24 * 3600)]


def _limited(request: HttpRequest) -> int | None:
    """Take a place in each window; the seconds to wait when one is full, else None."""
    limits = getattr(settings, "WALL_PUBLIC_LIMITS", None) or DEFAULT_LIMITS
    address = client_address(request)
    now = time.time()
    windows, waits = [], []
    for count, seconds in limits:
        window = int(now // seconds)
        remaining = int((window + 1) * seconds - now) + 1
        windows.append((f"weibao:wall-limit:{seconds}:{window}:{address}", count, remaining + 5))
        waits.append(remaining)
    _places, over = counters.take(windows)
    return max(waits[i] for i in over) if over else None


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    return render(
        request, "stations/wall_limited.html", {"message": limit_message(wait)}, status=429
    )


def _qr_svg(url: str) -> str:
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(border=2, light="#fff", svgclass="qr", title="QR", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our own URL


def _wall_context(request: HttpRequest, pk: int, *, poster: bool = False) -> dict:
    station = wall_station_get(pk)
    today = timezone.localdate()
    standard = standard_in_force(station.district_id, today)
    items = standard_items(standard)
    standing = standings([station], standard, items, today)[station.pk]
    url = request.build_absolute_uri(reverse("wall:station", args=[station.pk]))
    context = {
        "station": station,
        "zones": list(station.zones.all()),
        "photos": list(station.photos.filter(on_wall=True)),
        "standard": standard,
        "cells": standing.cells,
        "meets": standing.meets,
        "passed_state": ItemState.PASSED,
        "figures": wall_figures(station, today),
        "people": wall_people(station.subdistrict),
        "page_url": url,
    }
    panels = wall_panels.call(station=station, today=today, poster=poster)
    return with_panels(context, [panel for panel in panels if panel], "wall_panels")


@require_GET
def wall_index_view(request: HttpRequest) -> HttpResponse:
    if (wait := _limited(request)) is not None:
        return _too_many(request, wait)
    stations = list(
        published_stations()
        .select_related("subdistrict", "district")
        .order_by("district__code", "subdistrict__code", "subdistrict__name", "id")
    )
    return render(request, "stations/wall_index.html", {"stations": stations})


@require_GET
def wall_station_view(request: HttpRequest, pk: int) -> HttpResponse:
    if (wait := _limited(request)) is not None:
        return _too_many(request, wait)
    return render(request, "stations/wall.html", _wall_context(request, pk))


@require_GET
def wall_poster_view(request: HttpRequest, pk: int) -> HttpResponse:
    if (wait := _limited(request)) is not None:
        return _too_many(request, wait)
    context = _wall_context(request, pk, poster=True)
    context["qr"] = _qr_svg(context["page_url"])
    context["report_url"] = request.build_absolute_uri(reverse("public_report:new"))
    return render(request, "stations/wall_poster.html", context)


@require_GET
def wall_photo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo its keepers put on the public page, of a published station; 404 otherwise."""
    try:
        photo = StationPhoto.objects.get(pk=int(pk), on_wall=True, station__published=True)
        handle = photo.file.open("rb")
    except (StationPhoto.DoesNotExist, ValueError, OverflowError, OSError) as exc:
        raise Http404 from exc
    response = HttpResponse(handle.read(), content_type=photo.content_type)
    handle.close()
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-cache"
    return response
