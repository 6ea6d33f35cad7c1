"""A report's reference number is given once in the country by a reference table of its own
(reports.ReferenceRegistration, docs/scale.md "What changes in the code", point 7), as an ID
number is: the reporter's lookup by reference and code reads that row, then the report in its
district, and the reports' table keeps the number unique within the district only."""

import importlib

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import RawEditor, report_input
from weibao.children.services import child_update
from weibao.reports import services
from weibao.reports.models import ReferenceRegistration, Report
from weibao.reports.services import Channel


def _registered() -> dict[str, tuple[int, int]]:
    return {r.reference: (r.district_id, r.report_id) for r in ReferenceRegistration.objects.all()}


def test_a_new_report_registers_its_reference_in_its_district(make_report, director_a, areas):
    public = make_report()
    staff = make_report(channel=Channel.STAFF, actor=director_a)
    assert _registered() == {
        public.reference: (areas["district"].pk, public.pk),
        staff.reference: (areas["district"].pk, staff.pk),
    }


def test_the_reporters_lookup_reads_the_registry_then_the_report_in_its_district(make_report):
    report = make_report()
    with CaptureQueriesContext(connection) as ctx:
        assert services.report_status(report.reference, report.test_code) == report
    reads = [q["sql"] for q in ctx.captured_queries]
    assert len(reads) == 2 and "reports_referenceregistration" in reads[0]
    assert "district_id" in reads[1].split("WHERE", 1)[1]
    # An unknown reference: the same two reads, and nothing found.
    with CaptureQueriesContext(connection) as ctx:
        assert services.report_status("R20260101-AAAAA", report.test_code) is None
    assert len(ctx.captured_queries) == 2


def test_a_reference_drawn_twice_at_once_is_drawn_again(make_report, areas, monkeypatch):
    first = make_report()
    drawn = iter([first.reference, "R20261207-BBBBB"])
    # As if the other report took the number between the check and the insert.
    monkeypatch.setattr(services, "_new_reference", lambda: next(drawn))
    second, _code = services.report_create(data=report_input(areas), channel=Channel.PUBLIC)
    assert second.reference == "R20261207-BBBBB"
    assert ReferenceRegistration.objects.get(reference=first.reference).report_id == first.pk
    assert Report.objects.count() == ReferenceRegistration.objects.count() == 2


def test_the_same_number_may_lie_in_two_districts_on_the_reports_table(make_report, other_district):
    """Only the registry holds the number once in the country: the reports' table, split by
    district, holds it once per district."""
    report = make_report()
    elsewhere = other_district.parent.parent
    clone = Report.objects.get(pk=report.pk)
    clone.pk, clone.district_id, clone.subdistrict_id = None, elsewhere.pk, None
    clone.community_id = None
    clone.save()
    assert Report.objects.filter(reference=report.reference).count() == 2
    assert services.report_status(report.reference, report.test_code) == report


def test_linking_a_child_of_another_district_carries_the_registration(
    make_report, officer_of_both, other_district, make_child
):
    report = make_report(subdistrict=None)
    child = make_child("community_a")
    moved = child_update(
        actor=officer_of_both,
        child=child,
        expected_version=child.version,
        data={"community": other_district},
    )
    services.report_link_child(actor=officer_of_both, report=report, child=moved)
    elsewhere = other_district.parent.parent_id
    assert ReferenceRegistration.objects.get(reference=report.reference).district_id == elsewhere
    assert services.report_status(report.reference, report.test_code).district_id == elsewhere


def test_deleting_a_report_deletes_its_registration(make_report):
    report = make_report()
    Report.objects.filter(pk=report.pk).delete()
    assert not ReferenceRegistration.objects.exists()


def test_the_migration_registers_every_report(make_report):
    reports = [make_report(), make_report()]
    ReferenceRegistration.objects.all().delete()
    migration = importlib.import_module("weibao.reports.migrations.0011_reference_registration")
    migration.register_the_references(apps, RawEditor())
    assert _registered() == {r.reference: (r.district_id, r.pk) for r in reports}
