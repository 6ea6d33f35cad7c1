"""Shared fixtures and helpers of the mandatory-report tests (imported by the other
test_reports_* modules as `<name>_fixture`), and the tests of the small helpers they rely on."""

import pytest

from tests.conftest import _user
from weibao.accounts.models import Role
from weibao.reports import services
from weibao.reports.choices import Channel, ReporterType, Situation
from weibao.reports.models import Report
from weibao.reports.text import clean_text, normalize_code

REPORTER_NAME = "王秘密举报人"
REPORTER_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(name="station_staff")
def station_staff_fixture(areas):
    """Workstation staff of 天山路 (triage there, but not the reporter's identity)."""
    return _user("station_staff", Role.STATION_STAFF, areas["tianshan"])


@pytest.fixture(name="all_personas")
def all_personas_fixture(personas, station_staff):
    return {**personas, "station_staff": station_staff}


def report_input(areas, *, subdistrict="tianshan", **overrides) -> services.ReportInput:
    data = {
        "situations": [Situation.OTHER_SERIOUS],
        "description": "A child is often heard crying at night and has bruises.",
        "occurred_when": "last week",
        "place": "Building 3",
        "child_name": "小明",
        "child_age": 9,
        "child_sex": "M",
        "child_school": "测试小学",
        "child_address": "测试路88弄3号",
        "district": areas["district"],
        "subdistrict": areas[subdistrict] if subdistrict else None,
        "reporter_type": ReporterType.SCHOOL,
        "reporter_name": REPORTER_NAME,
        "reporter_phone": REPORTER_PHONE,
        "reporter_org": "测试小学",
    }
    data.update(overrides)
    return services.ReportInput(**data)


@pytest.fixture(name="make_report")
def make_report_fixture(areas):
    """A public report (returns the report; its secret code is on report.test_code)."""

    def make(*, channel=Channel.PUBLIC, actor=None, **overrides) -> Report:
        report, code = services.report_create(
            data=report_input(areas, **overrides), channel=channel, actor=actor
        )
        report.test_code = code
        return report

    return make


def move_to(report: Report, state: str, actor, child=None) -> Report:
    """Take a report (situation 9, no police needed) to `state` through the services."""
    if state == Report.State.RECEIVED:
        return report
    report = services.report_acknowledge(actor=actor, report=report)
    if state == Report.State.ACKNOWLEDGED:
        return report
    if state == Report.State.HANDLING:
        services.report_link_child(actor=actor, report=report, child=child)
        services.report_open_case(actor=actor, report=Report.objects.get(pk=report.pk))
        return Report.objects.get(pk=report.pk)
    assert state == Report.State.CLOSED
    return services.report_close(actor=actor, report=report, outcome_message="Done.")


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


# --- the helpers themselves ---------------------------------------------------------------------


def test_control_characters_are_removed_and_markup_kept_as_text():
    assert clean_text("a\x00b\x07c\u202ed") == "abcd"
    assert clean_text("line 1\r\nline 2\x0b", multiline=True) == "line 1\nline 2"
    assert clean_text("one\ntwo\tthree") == "one two three"
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert clean_text(None) == ""


def test_a_secret_code_is_read_whatever_the_case_spaces_and_dashes():
    assert normalize_code(" abcd-efgh jk ") == "ABCDEFGHJK"
