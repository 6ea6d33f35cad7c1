"""Simultaneous requests from one address: the public door lets no more reports through than
its limit, and the status check counts guesses no more than its limit, however the requests
interleave (they take their place before they are checked). The report's checks and storage
are stood in for (they take a moment, as real ones do): what is under test is the counting."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from weibao.reports import api, ratelimit, services

API_NEW = "/api/v1/public/reports/"
API_STATUS = "/api/v1/public/reports/status/"
ADDRESS = "198.51.100.77"


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """The limits count in fixed windows (reports.ratelimit): a burst that happens to straddle
    a window's end is counted in two windows, each up to the limit. What is under test is the
    counting of simultaneous requests, so the clock stands still inside one window."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_300.0))


def _all_at_once(n: int, action) -> list:
    barrier = threading.Barrier(n)

    def run(_i):
        barrier.wait()
        return action()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _post(url: str, data: dict) -> int:
    return (
        APIClient(REMOTE_ADDR=ADDRESS)
        .post(url, json.dumps(data), content_type="application/json")
        .status_code
    )


class ValidReport:
    """ReportInputSerializer for a valid report, without the database."""

    def __init__(self, data):
        self.data = data

    def is_valid(self, raise_exception=False):
        return True

    def report_input(self):
        return self.data


@pytest.fixture
def slow_reports(monkeypatch):
    """report_create takes a moment, as a real one does, and records how often it ran."""
    made = []

    def report_create(*, data, channel):
        time.sleep(0.05)
        made.append(data)
        return SimpleNamespace(reference=f"R-{len(made)}"), "ABCDEFGHJK"

    monkeypatch.setattr(api, "ReportInputSerializer", ValidReport)
    monkeypatch.setattr(services, "report_create", report_create)
    return made


def test_30_simultaneous_reports_from_one_address_get_5_through(slow_reports):
    codes = _all_at_once(30, lambda: _post(API_NEW, {"description": "alone at home"}))
    assert codes.count(201) == 5 == len(slow_reports)
    assert codes.count(429) == 25


def test_simultaneous_status_guesses_are_checked_no_more_than_the_limit(settings, monkeypatch):
    settings.REPORT_PUBLIC_LIMITS = {**settings.REPORT_PUBLIC_LIMITS, "status": [(4, 600)]}
    checked = []

    def report_status(reference, code):
        checked.append(code)
        time.sleep(0.02)

    monkeypatch.setattr(services, "report_status", report_status)
    codes = _all_at_once(20, lambda: _post(API_STATUS, {"reference": "R1", "code": "WRONGCODE1"}))
    assert len(checked) == 4 and codes.count(404) == 4 and codes.count(429) == 16
