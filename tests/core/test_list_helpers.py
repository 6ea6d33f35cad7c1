"""The helpers that keep a list's rows cheap write what the general tools write:
`choice_label` as `get_<field>_display`, `row_url` as `reverse`."""

import pytest
from django.urls import reverse
from django.utils.translation import override

from weibao.cases.choices import Stage
from weibao.cases.models import Case
from weibao.core.templatetags.core_tags import choice_label
from weibao.core.views_helpers import row_url
from weibao.reports.models import Report


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_choice_label_is_the_display_of_every_choice_in_each_language(language):
    with override(language):
        for stage in Stage.values:
            case = Case(stage=stage)
            assert choice_label(case, "stage") == case.get_stage_display()
        for state in Report.State.values:
            report = Report(state=state)
            assert choice_label(report, "state") == report.get_state_display()


def test_choice_label_follows_the_language_of_the_request():
    case = Case(stage=Stage.FILED)
    with override("en"):
        english = choice_label(case, "stage")
    with override("zh-hans"):
        chinese = choice_label(case, "stage")
    assert english != chinese
    assert chinese == Case(stage=Stage.FILED).get_stage_display()


def test_choice_label_gives_back_a_value_that_is_not_a_choice_as_it_is():
    assert choice_label(Case(stage="nonsense"), "stage") == "nonsense"
    assert (
        choice_label(Case(stage="nonsense"), "stage") == Case(stage="nonsense").get_stage_display()
    )


def test_row_url_is_the_reversed_url_of_each_row():
    for name in ("cases:detail", "reports:detail", "children:detail", "visits:start"):
        url = row_url(name)
        for pk in (1, 42, 2147483646, 2147483647):
            assert url(pk) == reverse(name, args=[pk])
