"""Reads of the imports app: who may import, and THE scope of import jobs."""

from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet

from weibao.accounts.models import Role
from weibao.accounts.selectors import communities_to_pick, user_role_assignments
from weibao.areas.models import Area
from weibao.core.scope import get_or_404
from weibao.imports.models import ImportJob, ImportRow

# Roles that register children, widest first: the area a job is filed under is the widest one
# of the importer's (their district, 街镇 or 居民区).
LEVEL_ORDER = {Area.Level.DISTRICT: 0, Area.Level.SUBDISTRICT: 1, Area.Level.COMMUNITY: 2}


def may_import(user) -> bool:
    """Whoever may register a child somewhere (the registration form's choice of 居民区,
    accounts.selectors.communities_to_pick) may import a register into those 居民区."""
    return user.is_authenticated and communities_to_pick(user).exists()


def import_area_of(user) -> Area | None:
    areas = [a.area for a in user_role_assignments(user) if a.area is not None]
    return min(areas, key=lambda a: (LEVEL_ORDER.get(a.level, 9), a.pk), default=None)


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """THE scope of import jobs: the uploader's own, and those of people below one's role —
    district staff see every job of their district filed under a 街镇 or 居民区, a 街镇's
    supervisor and station staff those filed under its 居民区; the uploader's own only while
    they may still import. A colleague of the same level
    (another 儿童主任 of the 居民区) does not: the job and its refused rows are the uploader's
    work in progress. Everyone else answers 404."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    # The uploader's own jobs while they may still import (a role ended ends the access).
    q = Q(uploaded_by=user) if may_import(user) else Q(pk__in=[])
    for assignment in user_role_assignments(user):
        if assignment.role == Role.DISTRICT_STAFF:
            q |= Q(district_id=assignment.area_id) & ~Q(area_id=assignment.area_id)
        elif assignment.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            q |= Q(subdistrict_id=assignment.area_id) & ~Q(area_id=assignment.area_id)
    return ImportJob.objects.filter(q)


def is_uploader(user, job: ImportJob) -> bool:
    """Those above the uploader see a job; only the uploader maps and commits it."""
    return job.uploaded_by_id == user.pk


def import_job_list(user) -> QuerySet[ImportJob]:
    return import_jobs_visible_to(user).select_related("uploaded_by", "area")


def import_job_get_for_user(user, pk) -> ImportJob:
    return get_or_404(import_jobs_visible_to(user).select_related("uploaded_by", "area"), pk)


def import_rows(job: ImportJob, outcome: str = "") -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(job=job)
    return rows.filter(outcome=outcome) if outcome else rows


def import_dir() -> Path:
    """Where uploaded registers are kept: under MEDIA_ROOT (VAR_DIR/media), like the other
    uploaded files, which no URL serves directly (each is sent by a view that checks scope)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def import_file_path(job: ImportJob) -> Path:
    return import_dir() / job.stored_name
