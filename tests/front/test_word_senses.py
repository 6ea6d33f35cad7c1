"""A short English word means different things on different pages, and Chinese says each one
differently: "name" is 姓名 for a person but 名称 for a place or an organisation, "type" is 走访方式
only for a visit, "from"/"to" are 转出地/转入地 only for a transfer. Each other sense carries its
own message context, so that one page's word never shows on another."""

from django.utils import translation

from weibao.areas.models import Area
from weibao.cases.workflow import CASE
from weibao.partners.models import Partner
from weibao.security.models import ApiToken
from weibao.stations.workflow import STATION
from weibao.visits.models import Visit


def chinese(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def test_an_organisations_name_and_type_are_not_a_persons_name_or_a_visits_type():
    assert chinese(Partner._meta.get_field("name").verbose_name) == "名称"
    assert chinese(Partner._meta.get_field("kind").verbose_name) == "机构类型"


def test_a_places_name_and_a_tokens_name_are_not_a_persons_name():
    assert chinese(Area._meta.get_field("name").verbose_name) == "名称"
    assert chinese(ApiToken._meta.get_field("name").verbose_name) == "名称"


def test_a_visits_type_keeps_its_own_word():
    assert chinese(Visit._meta.get_field("kind").verbose_name) == "走访方式"


def test_a_suspended_workstation_resumes_work_it_does_not_reopen_a_case():
    assert chinese(STATION.get("resume").label) == "恢复运行"
    assert chinese(CASE.get("reopen").label) == "重新开案"
