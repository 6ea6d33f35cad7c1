"""The demo loaded into an empty database, by tests that must not find the module-scoped demo
of the other modules here (tests/demo/conftest.py)."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.demo.conftest import N
from weibao.areas.models import Area
from weibao.cases.models import Case
from weibao.core.models import SiteState
from weibao.demo import cases as demo_cases
from weibao.demo.data import load_demo
from weibao.reports.models import Report


def test_a_demo_too_small_for_every_story_has_no_cases_rather_than_gaps(db):
    result = load_demo(children=N)
    assert result.cases is not None and not result.cases.created
    assert not Case.objects.exists() and not Report.objects.exists()
    assert not SiteState.objects.filter(key=demo_cases.CASES_KEY).exists()


def test_demo_refuses_a_production_instance(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", "--children", str(N), stdout=io.StringIO())
    assert not Area.objects.exists()
