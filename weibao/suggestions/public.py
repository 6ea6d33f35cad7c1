"""The public board (no login): a station's page where a child leaves a suggestion and reads
the approved ones with their answers, the page that shows the child's code once, and the page
where the child checks their suggestion with that code (docs/domain.md §8.4).

Phone-first, large text, simple words. Limited per client address like the public report door
(counted in the cache, core.counters): every submission, valid or not; every wrong code; and
page reads. What the board shows is only what staff approved: the public text, never what the
child wrote nor their name."""

import datetime as dt
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from weibao.core import counters, crypto
from weibao.core.views_helpers import apply_errors, page_of
from weibao.reports.ratelimit import client_address, limit_message
from weibao.stations.selectors import published_stations
from weibao.suggestions import services
from weibao.suggestions.choices import State
from weibao.suggestions.forms import BoardForm, CheckForm
from weibao.suggestions.selectors import (
    board_communities,
    board_station_get,
    board_suggestions,
    suggestion_by_code,
)

READ, POST, CHECK = "read", "post", "check"
# (how many, per seconds) per client address. [team] A class filling in suggestions on one
# school network stays under the "post" limit; a script does not.
DEFAULT_LIMITS = {
    READ: [(120, 10 * 60), (1000, 24 * 3600)],
    POST: [(20, 10 * 60), (60, 24 * 3600)],
    CHECK: [(10, 10 * 60), (30, 24 * 3600)],
}
SESSION_DONE = "weibao.suggestions.done"
DONE_KEEP = dt.timedelta(minutes=30)
MAX_BODY = 20_000
PAGE_SIZE = 20


def _take(request: HttpRequest, bucket: str) -> counters.Places:
    """A place in each window of the bucket, or Limited with the seconds to wait."""
    limits = (getattr(settings, "SUGGESTION_PUBLIC_LIMITS", None) or DEFAULT_LIMITS)[bucket]
    address = client_address(request)
    now = time.time()
    windows, waits = [], []
    for count, seconds in limits:
        window = int(now // seconds)
        remaining = int((window + 1) * seconds - now) + 1
        key = f"weibao:board-limit:{bucket}:{seconds}:{window}:{address}"
        windows.append((key, count, remaining + 5))
        waits.append(remaining)
    places, over = counters.take(windows)
    if over:
        raise Limited(max(waits[i] for i in over))
    return places


class Limited(Exception):
    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store"
    return response


def _too_big(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY
    except ValueError:
        return True


def _limited_page(request: HttpRequest, wait: int) -> HttpResponse:
    return _no_store(
        render(request, "suggestions/board_limited.html", {"message": limit_message(wait)}, 429)
    )


@require_GET
def board_index_view(request: HttpRequest) -> HttpResponse:
    """The boards of the published stations."""
    try:
        _take(request, READ)
    except Limited as limited:
        return _limited_page(request, limited.wait)
    stations = list(
        published_stations()
        .select_related("subdistrict", "district")
        .order_by("district__code", "subdistrict__code", "id")
    )
    return render(request, "suggestions/board_index.html", {"stations": stations})


def _render_board(request, station, form, *, status: int = 200, error: str = "") -> HttpResponse:
    page = page_of(request, board_suggestions(station), PAGE_SIZE)
    return _no_store(
        render(
            request,
            "suggestions/board.html",
            {"station": station, "form": form, "page": page, "page_error": error},
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def board_view(request: HttpRequest, pk: int) -> HttpResponse:
    """/board/<station>/: the board of a published station, and the form to write on it."""
    station = board_station_get(pk)
    communities = board_communities(station)
    if request.method == "GET":
        try:
            _take(request, READ)
        except Limited as limited:
            return _limited_page(request, limited.wait)
        return _render_board(request, station, BoardForm(communities=communities))
    if _too_big(request):
        return _render_board(
            request,
            station,
            BoardForm(communities=communities),
            status=413,
            error=_("What you sent is too long. Please write a shorter suggestion."),
        )
    form = BoardForm(request.POST, communities=communities)
    try:
        _take(request, POST)
    except Limited as limited:
        form.is_valid()
        form.errors.clear()
        return _render_board(request, station, form, status=429, error=limit_message(limited.wait))
    if form.unknown_fields():
        form.is_valid()
        form.add_error(
            None, _("The form contained fields this page does not know. Nothing was saved.")
        )
        return _render_board(request, station, form, status=400)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _suggestion, code = services.suggestion_submit(
                station=station,
                text=data["text"],
                given_name=data["given_name"],
                age=data["age"],
                community=data["community"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session[SESSION_DONE] = {
                "station": station.pk,
                "code": crypto.encrypt(code),
                "until": (timezone.now() + DONE_KEEP).timestamp(),
            }
            return redirect("board:done")
    return _render_board(request, station, form, status=200)


def _done_code(request: HttpRequest) -> tuple[int, str] | None:
    done = request.session.get(SESSION_DONE)
    try:
        if timezone.now().timestamp() < float(done["until"]):
            return int(done["station"]), crypto.decrypt(done["code"])
    except (KeyError, TypeError, ValueError):
        pass  # nothing kept, or a key rotated away: as if expired
    request.session.pop(SESSION_DONE, None)
    return None


@require_GET
def board_done_view(request: HttpRequest) -> HttpResponse:
    """Thank you, and the child's code (shown while kept in this browser session; only its
    hash is stored)."""
    kept = _done_code(request)
    context: dict = {"check_url": request.build_absolute_uri(reverse("board:check"))}
    if kept:
        station_pk, code = kept
        context.update({"code": services.format_code(code), "station_pk": station_pk})
    return _no_store(render(request, "suggestions/board_done.html", context))


def _child_words(suggestion) -> str:
    """Where the suggestion stands, in words a child reads."""
    words = {
        State.HELD: _("Thank you! A grown-up at the station is reading your suggestion first."),
        State.REJECTED: _("Your suggestion is not shown on the board."),
        State.RECEIVED: _("Your suggestion is on the board. We will find who can help."),
        State.ASSIGNED: _("Your suggestion has been given to the people who can help."),
        State.IN_PROGRESS: _("The people who can help are working on it."),
        State.ANSWERED: _("Your suggestion has an answer!"),
        State.DECLINED: _("Your suggestion cannot be done. Here is why."),
    }
    return str(words.get(suggestion.state, ""))


@require_http_methods(["GET", "POST"])
def board_check_view(request: HttpRequest) -> HttpResponse:
    """/board/check/: the child's code → where their suggestion stands, and its answer."""
    form = CheckForm(request.POST or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if _too_big(request):
            form = CheckForm()
            form.add_error(None, _("What you sent is too long."))
            context["form"], status = form, 413
        elif form.is_valid():
            try:
                place = _take(request, CHECK)
            except Limited as limited:
                form.add_error(None, limit_message(limited.wait))
                status = 429
            else:
                found = suggestion_by_code(services.normalize_code(form.cleaned_data["code"]))
                if found is None:
                    form.add_error(
                        "code",
                        _("We could not find this code. Please check it and type it again."),
                    )
                    status = 404
                else:
                    place.give_back()  # a right code is no guess
                    context.update({"found": found, "words": _child_words(found)})
                    context["form"] = CheckForm()
    return _no_store(render(request, "suggestions/board_check.html", context, status=status))
