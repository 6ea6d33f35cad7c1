"""The archive's writes: what its reading leaves in the access log. Revealing goes through the
children app's own reveal (children.services.child_reveal: the permission, the reason, one
access-log row per value, as on the child's page); the export itself is one more row."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.selectors import REVEAL_PERMISSION
from weibao.archive.selectors import Revealed
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.models import Child
from weibao.children.selectors import guardian_rows_of
from weibao.children.services import child_reveal

# The access-log row of an export names this in its `field` (children.access_views reads it).
ARCHIVE_FIELD = "archive"


@transaction.atomic
def archive_reveal(*, actor, child: Child, reason: str, channel: str) -> Revealed:
    """The ID number, the address and the guardians' phones in full, for an archive the reader
    asked to print unmasked with a reason: refused without the permission or the reason."""
    if not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Please say why you need to see it in full.")]})

    def reveal(field: str, guardian_id: int | None = None) -> str:
        return child_reveal(
            actor=actor,
            child=child,
            field=field,
            reason=reason,
            channel=channel,
            guardian_id=guardian_id,
        )

    revealed = Revealed(id_number=reveal("id_number"))
    if child.address:
        revealed.address = reveal("address")
    for guardian in guardian_rows_of(child):
        if guardian.phone_masked:
            revealed.guardian_phones[guardian.pk] = reveal("guardian_phone", guardian.pk)
    return revealed


@transaction.atomic
def archive_exported(
    *, actor, child: Child, channel: str, reason: str = "", placements: int = 0
) -> AccessLog:
    """Every archive handed out is a reading of the whole file: one access-log row. An archive
    printed in full also shows where the child is placed in temporary guardianship, which only
    the record's own page shows otherwise (protection.services): that reading is logged too,
    with the same reason, once per placement shown."""
    reason = reason.strip()[:200]
    for _placement in range(placements):
        access_log_record(
            user=actor,
            child=child,
            channel=channel,
            kind=AccessLog.Kind.REVEAL,
            field="protection",
            reason=reason,
        )
    return access_log_record(
        user=actor,
        child=child,
        channel=channel,
        kind=AccessLog.Kind.VIEW,
        field=ARCHIVE_FIELD,
        reason=reason,
    )
