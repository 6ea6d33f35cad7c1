"""What goes into a child's archive (一人一档): each part read through its own app's scope
function, so the archive holds exactly what the reader may see on the pages — the cases
through cases_visible_to (a director kept off a restricted case gets neither it nor what hangs
off it: plans, services, referrals, protection), the reports through reports_visible_to (the
restricted cases' reports hidden as there), and the reporter's identity only where
reports.selectors.can_see_reporter allows."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from weibao.cases.models import Case, PlannedService, PlanVersion
from weibao.cases.selectors import child_cases_for_user
from weibao.children.models import Child, Guardian
from weibao.children.selectors import category_rows_of, guardian_rows_of
from weibao.core import crypto
from weibao.ledger.models import ServiceRecord
from weibao.ledger.selectors import service_records_visible_to
from weibao.protection.models import ProtectionRecord
from weibao.protection.selectors import protections_visible_to
from weibao.referrals.models import Referral
from weibao.referrals.selectors import referrals_visible_to
from weibao.reports.models import Report
from weibao.reports.selectors import can_see_reporter, reports_visible_to, situation_labels
from weibao.visits.models import Concern, Visit
from weibao.visits.selectors import concerns_visible_to, visits_visible_to


@dataclass
class Revealed:
    """The values shown in full because the reader asked with a reason (each one logged)."""

    id_number: str = ""
    address: str = ""
    guardian_phones: dict[int, str] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.id_number or self.address or self.guardian_phones)


@dataclass
class ArchiveReport:
    report: Report
    situations: list[str]
    reporter_shown: bool


@dataclass
class ArchiveCase:
    case: Case
    plans: list[PlanVersion]
    services: list[ServiceRecord]
    referrals: list[Referral]
    protections: list[ProtectionRecord]


@dataclass
class ChildArchive:
    child: Child
    categories: list[str]
    id_number: str
    address: str
    guardians: list[tuple[Guardian, str]]
    visits: list[Visit]
    concerns: list[Concern]
    reports: list[ArchiveReport]
    cases: list[ArchiveCase]
    revealed: bool
    reader: str
    made_at: dt.datetime


def child_archive(user, child: Child, *, revealed: Revealed, now: dt.datetime) -> ChildArchive:
    """The child's whole file as `user` may see it (a fixed number of queries: one per part).
    `child` was read through children.selectors.child_get_for_user."""
    guardians = [
        (g, revealed.guardian_phones.get(g.pk) or g.phone_masked) for g in guardian_rows_of(child)
    ]
    visits = list(
        visits_visible_to(user)
        .filter(child=child, state=Visit.State.COMPLETED)
        .select_related("author")
        .order_by("-visit_date", "-id")
    )
    concerns = list(
        concerns_visible_to(user)
        .filter(child=child)
        .select_related("raised_by", "handled_by")
        .order_by("-raised_at", "-id")
    )
    reports = [
        ArchiveReport(r, situation_labels(r), can_see_reporter(user, r))
        for r in reports_visible_to(user)
        .filter(child=child)
        .select_related("district", "subdistrict", "community")
        .prefetch_related("situation_rows")
        .order_by("-received_at", "-id")
    ]
    cases = list(
        child_cases_for_user(user, child).prefetch_related(
            Prefetch(
                "plan_versions",
                # The child's cases lie in its district, and so do their plans.
                queryset=PlanVersion.objects.filter(district_id=child.district_id)
                .select_related("created_by")
                .prefetch_related(
                    Prefetch(
                        "services",
                        queryset=PlannedService.objects.select_related(
                            "responsible_user", "responsible_partner"
                        ),
                    )
                )
                .order_by("-number"),
            )
        )
    )
    case_ids = [c.pk for c in cases]
    services = _by_case(
        service_records_visible_to(user)
        .filter(case_id__in=case_ids, voided_at__isnull=True)
        .select_related("provider_user", "provider_partner")
        .order_by("-delivered_on", "-id")
    )
    referrals = _by_case(
        referrals_visible_to(user)
        .filter(case_id__in=case_ids)
        .select_related("partner")
        .order_by("-created_at", "-id")
    )
    protections = _by_case(
        protections_visible_to(user).filter(case_id__in=case_ids).order_by("-started_on", "-id")
    )
    return ChildArchive(
        child=child,
        categories=[r.get_category_display() for r in category_rows_of(child)],
        id_number=revealed.id_number or child.id_number_masked,
        address=revealed.address or crypto.mask_address(child.address),
        guardians=guardians,
        visits=visits,
        concerns=concerns,
        reports=reports,
        cases=[
            ArchiveCase(
                case=c,
                plans=list(c.plan_versions.all()),
                services=services.get(c.pk, []),
                referrals=referrals.get(c.pk, []),
                protections=protections.get(c.pk, []),
            )
            for c in cases
        ],
        revealed=revealed.any,
        reader=user.full_name or user.username,
        made_at=now,
    )


def _by_case(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped
