from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import area_column

# The chain of the rows that name no district (an account, a job's run, a site-wide rule) and of
# every row written before the logs were split into one chain per district (migration 0011).
SITE_CHAIN = 0


def chain_column():
    """The chain a log row is a link of: the district it was written in (its `district` at
    that moment), or SITE_CHAIN. Unlike `district`, it never changes: a row's place in its
    chain was fixed by the hash of the row before it, wherever its child or case moves later.
    A plain number, not a relation: the chain outlives any change to the areas. The database's
    default is the site's chain, for the code of before during an upgrade (ChainHead)."""
    return models.BigIntegerField(db_default=SITE_CHAIN, editable=False)


class AuditEvent(models.Model):
    """One change made through a service: who, what, when, old and new values.

    Written in the same transaction as the change it records, and never edited afterwards.
    Sensitive values are recorded masked, and the values of encrypted fields and the note of a
    change about a child are stored encrypted (audit.sealing: read them with `opened` and
    `opened_note`), so the log itself leaks nothing. Each row is a link
    of one of the log's hash chains (audit.chain): `chain` names it (the district the row was
    written in, or SITE_CHAIN), `seq` numbers the chain's rows without gaps and `chain_hash` is
    the keyed HMAC of the previous row's hash in the chain and this row's content.

    `district` is a copy of the district of the row's case, or of its child when it names no
    case (docs/scale.md): the key a district-partitioned or Citus-distributed table is split
    by, so the reads of a case's timeline and a child's history (which leaves the case rows
    out) name it. Written with the row by services.audit_record / audit_record_many from the
    case or child they are given, moved with the case and the child by
    services.audit_events_move (cases.services.case_move_area; children.services.child_move,
    child_update). A row about neither has the district of the object it names
    (services.own_district: a workstation's, a report's, an area's, a partner's, …; migration
    0010 filled the rows written before), and none if it names none (an account, a role held
    city-wide, a job's run). Like AccessLog's, it is the one column the hash
    chain leaves out of the row's content (audit.chain.NOT_HASHED) and the one the database
    lets change (migration 0009). Its value when the row is written is the row's `chain`, which
    does not move. No index of its own and not checked against the areas: the reads are by
    (district, child) and (district, case), which the (child, -at) and (case, at) indexes
    answer.
    """

    # Set by audit.chain before the row is hashed (auto_now_add would change it after).
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=40)
    # child and case: indexed by Meta's (child, -at) and (case, at), not by a second index
    # of their own that every audit row would keep up to date too.
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        null=True,
        related_name="audit_events",
        db_index=False,
    )
    # The case this change belongs to: the case timeline reads these rows.
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    changes = models.JSONField(_("changes"), default=dict)
    note = models.TextField(_("note"), blank=True)
    chain = chain_column()
    seq = models.PositiveBigIntegerField(editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)
    district = area_column(db_constraint=False, db_index=False, editable=False, null=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["child", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["case", "at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_seq_once_in_chain")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class AccessLog(models.Model):
    """Every read of a child's file, and every reveal of a sensitive value. Hash-chained like
    AuditEvent (chains of its own, one per district and SITE_CHAIN's).

    `district` is a copy of the child's (docs/scale.md), as children.Guardian's is: the key a
    district-partitioned or Citus-distributed table is split by, so the reads of a child's
    access log name it (audit.selectors.access_log_of_child) and read one partition. Written
    with the row by services.access_log_record, moved with the child by
    services.access_log_move (children.services.child_move, child_update). It is the one
    column the hash chain leaves out (audit.chain.NOT_HASHED) and the one the database lets
    change (migration 0008): it moves with the child, and the child, which the hash covers,
    says what it must be. No index of its own and not checked against the areas: the reads
    are by (district, child), which the child's index answers."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")

    class Kind(models.TextChoices):
        VIEW = "view", _("Viewed the file")
        REVEAL = "reveal", _("Revealed a sensitive value")

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = area_column(db_constraint=False, db_index=False, editable=False)
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="access_logs"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.VIEW)
    field = models.CharField(_("field"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    chain = chain_column()
    seq = models.PositiveBigIntegerField(editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["child", "-at"]), models.Index(fields=["user", "-at"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="access_log_seq_once_in_chain")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} child#{self.child_id}"


class ChainHead(models.Model):
    """The last link of one chain of a log: appending locks this row, so two writers can never
    both extend the chain from the same row (which would fork it). One row per log and chain,
    so the writers of two districts never wait for each other (docs/scale.md, "What changes in
    the code", point 3).

    `log` holds the chain's label (audit.chain.label): the log's name for the site's chain,
    the name its one head had before the logs were split, and `<log>@<district>` for a
    district's. So the code of before, which runs for a moment on the migrated database during
    an upgrade (docs/deploy.md: migrate first, then restart) and finds a head by the log's
    name, finds the site's and writes into the site's chain (its rows get `chain`'s database
    default, SITE_CHAIN), as it would have."""

    log = models.CharField(max_length=40, unique=True)
    chain = chain_column()
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Log(models.TextChoices):
        AUDIT = "audit", _("Audit log")
        ACCESS = "access", _("Access log")

    def __str__(self) -> str:
        return f"{self.log} #{self.seq}"
