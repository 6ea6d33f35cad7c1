"""A station's stored photo or evidence file, served as it was uploaded: one function for the
web pages and the API, so both send the same type, name and caching headers."""

from django.http import FileResponse

from weibao.core.uploads import stored_file_response as core_file_response
from weibao.stations.models import EvidenceFile, StationPhoto


def stored_file_response(stored: StationPhoto | EvidenceFile, *, attachment: bool) -> FileResponse:
    """A stored photo or evidence file, served as uploaded (a file gone from storage is a 404)."""
    return core_file_response(
        stored.file, filename=stored.original_name, content_type=stored.content_type,
        attachment=attachment,
    )  # fmt: skip
