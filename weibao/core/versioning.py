"""Saving a versioned record from a web form, and what happens when someone was faster.

Every record two people may edit at once (a child's file, a visit draft, a case and its plan, a
report, a partner, a referral, a protection record) carries a version. The form posts the
version the user saw; the service raises ConflictError when the record has moved on since. The
user's input is then never thrown away: the page shows it again, says what happened, and bases it
on the current version, so that saving again is a deliberate choice rather than an accident.

The API's half of the same rule is `core.api.exception_handler`: ConflictError → 409.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.views_helpers import apply_errors

T = TypeVar("T")
R = TypeVar("R")

MISSING_VERSION = -1  # a missing or tampered version can only ever conflict


def posted_version(data, key: str = "version") -> int:
    """The version a form posted, or MISSING_VERSION."""
    try:
        return int(data.get(key, ""))
    except (TypeError, ValueError):
        return MISSING_VERSION


def rebase(form, version: int, field: str = "version"):
    """Keep the user's input but base it on `version` (the form's own prefix applies)."""
    data = form.data.copy()
    data[form.add_prefix(field)] = str(version)
    form.data = data
    return form


class VersionMixin:
    """For forms that post the version of the record they act on (a hidden `version` field)."""

    def posted_version(self) -> int:
        return posted_version(self.data, self.add_prefix("version"))

    def with_version(self, version: int):
        return rebase(self, version)


@dataclass(frozen=True)
class Saved(Generic[T, R]):
    """What came of a versioned save: `ok` and the service's result, or a conflict and the
    record as it is now (`current`), or neither (the service refused the input; the reasons
    are on the form)."""

    ok: bool = False
    result: T | None = None
    conflict: bool = False
    current: R | None = None


def save_versioned(
    request: HttpRequest,
    form,
    save: Callable[[], T],
    *,
    current: Callable[[], R],
    message: str,
    version_of: Callable[[R], int] = lambda record: record.version,
    field: str = "version",
    on_form: bool = False,
    place_errors: bool = True,
) -> Saved[T, R]:
    """Call `save()` (a service call carrying the posted version).

    On a conflict: show `message` (above the page, or on the form with `on_form` where the form
    sits in a panel of a longer page), fetch the record as it is now and rebase the form on its
    version. On a ValidationError: the messages go next to their fields, or above the page when
    there is no form to hold them; with `place_errors=False` it propagates, for a caller whose
    errors may belong to rows of a formset."""
    try:
        return Saved(ok=True, result=save())
    except ConflictError:
        if on_form and form is not None:
            form.add_error(None, message)
        else:
            messages.error(request, message)
        record = current()
        if form is not None:
            rebase(form, version_of(record), field)
        return Saved(conflict=True, current=record)
    except Blocked as exc:
        # Only from a page loaded before the precondition changed: the step is shown
        # disabled otherwise. Said where the user is looking.
        if form is not None:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
        return Saved()
    except ValidationError as exc:
        if not place_errors:
            raise
        if form is None:
            messages.error(request, " ".join(exc.messages))
        else:
            apply_errors(form, exc)
        return Saved()
