"""/healthz: 200 when the database, the cache, the broker (when there is one), the daily job and
the report clocks are well; 503 naming the part that is not. Anyone may ask; it says nothing
else."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from weibao.audit.services import audit_job
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.front import health
from weibao.reports.models import CLOCKS_RAN_KEY

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def daily_ran(db):
    """The daily job's audit row, as visits.jobs.run_daily writes it at the end of a run; and
    the report clocks' last run, as reports.jobs.check_clocks records it (every 5 minutes)."""
    site_state_set(key=CLOCKS_RAN_KEY, value="")
    return audit_job(action="job.daily", run=timezone.localdate().isoformat(), changes={})


def healthz(**headers):
    response = Client(**headers).get("/healthz")
    return response.status_code, response.json()


def test_healthy(daily_ran):
    status, body = healthz()
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "off",
            "daily_job": "ok",
            "report_clocks": "ok",
        },
    }


def test_the_real_jobs_count_as_a_success(db):
    from weibao.reports.jobs import check_clocks
    from weibao.visits.jobs import run_daily

    checks = healthz()[1]["checks"]
    assert checks["daily_job"] == checks["report_clocks"] == "failed"
    run_daily()
    assert healthz()[1]["checks"]["daily_job"] == "ok"
    check_clocks()
    status, body = healthz()
    assert status == 200 and body["checks"]["report_clocks"] == "ok"


def test_anyone_may_ask_and_nothing_is_kept(daily_ran):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-store" in response["Cache-Control"]
    assert Client().post("/healthz").status_code == 405


def test_a_signed_in_person_half_way_through_two_factor_still_gets_the_answer(
    daily_ran, district_officer, settings
):
    settings.WEIBAO_2FA_REQUIRED = True
    client = Client()
    client.force_login(district_officer)
    assert client.get("/healthz").status_code == 200


def test_database_down(daily_ran, monkeypatch):
    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Broken())
    status, body = healthz()
    assert status == 503
    assert body["status"] == "failed"
    assert body["checks"]["database"] == "failed"
    assert body["checks"]["cache"] == "ok"


def test_cache_down(daily_ran, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
        }
    }
    status, body = healthz()
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "cache": "failed",
        "broker": "off",
        "daily_job": "ok",
        "report_clocks": "ok",
    }


def test_cache_that_loses_what_it_was_given(daily_ran, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    status, body = healthz()
    assert status == 503 and body["checks"]["cache"] == "failed"


def test_broker_down(daily_ran, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    status, body = healthz()
    assert status == 503
    assert body["checks"]["broker"] == "failed"
    assert body["checks"]["database"] == "ok" and body["checks"]["daily_job"] == "ok"


@pytest.mark.redis
def test_broker_up(daily_ran, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    status, body = healthz()
    assert status == 200 and body["checks"]["broker"] == "ok"


def test_daily_job_never_ran(db):
    status, body = healthz()
    assert status == 503
    assert body["checks"]["daily_job"] == "failed"
    assert body["checks"]["database"] == "ok"


@pytest.mark.parametrize(("hours", "state"), [(25, "ok"), (27, "failed")])
def test_daily_job_too_long_ago(daily_ran, monkeypatch, hours, state):
    later = daily_ran.at + dt.timedelta(hours=hours)
    monkeypatch.setattr(health, "_now", lambda: later)
    monkeypatch.setattr(health, "clocks_last_run", lambda: later)  # the clocks kept running
    status, body = healthz()
    assert body["checks"]["daily_job"] == state
    assert status == (200 if state == "ok" else 503)


def test_the_allowed_age_is_a_setting(daily_ran, monkeypatch, settings):
    settings.WEIBAO_HEALTH_DAILY_HOURS = 50
    monkeypatch.setattr(health, "_now", lambda: daily_ran.at + dt.timedelta(hours=49))
    assert healthz()[1]["checks"]["daily_job"] == "ok"


def test_report_clocks_never_ran(daily_ran):
    SiteState.objects.filter(key=CLOCKS_RAN_KEY).delete()
    status, body = healthz()
    assert status == 503
    assert body["checks"]["report_clocks"] == "failed" and body["checks"]["daily_job"] == "ok"


@pytest.mark.parametrize(("minutes", "state"), [(14, "ok"), (16, "failed")])
def test_report_clocks_too_long_ago(daily_ran, monkeypatch, minutes, state):
    """A stopped Celery worker or beat: the clocks' deadlines are hours long, so a quarter of an
    hour without a run is what a monitor is told."""
    ran = SiteState.objects.get(key=CLOCKS_RAN_KEY).updated_at
    monkeypatch.setattr(health, "_now", lambda: ran + dt.timedelta(minutes=minutes))
    assert healthz()[1]["checks"]["report_clocks"] == state


def test_the_clocks_allowed_age_is_a_setting(daily_ran, monkeypatch, settings):
    settings.WEIBAO_HEALTH_CLOCKS_MINUTES = 60
    ran = SiteState.objects.get(key=CLOCKS_RAN_KEY).updated_at
    monkeypatch.setattr(health, "_now", lambda: ran + dt.timedelta(minutes=59))
    assert healthz()[1]["checks"]["report_clocks"] == "ok"


def test_a_failure_is_logged_for_the_operator_not_told_to_the_monitor(daily_ran, settings, caplog):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    with caplog.at_level("ERROR", logger="weibao.health"):
        response = Client().get("/healthz")
    assert "Health check broker failed" in caplog.text
    assert "127.0.0.1:1" not in response.content.decode()
