"""A station's stored photo or evidence file, served as it was uploaded: one function for the
web pages and the API, so both send the same type, name and caching headers."""

import re

from django.http import FileResponse, Http404

from weibao.stations.models import EvidenceFile, StationPhoto

# Control characters never reach a Content-Disposition header.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def stored_file_response(stored: StationPhoto | EvidenceFile, *, attachment: bool) -> FileResponse:
    """A stored photo or evidence file, served as uploaded (a file gone from storage is a 404)."""
    try:
        handle = stored.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=attachment,
        filename=CONTROL_RE.sub("", stored.original_name) or "file",
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
