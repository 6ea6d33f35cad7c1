"""The partner registry and referral pages, tried as each persona would: scope (404), role
(403), validation with the user's input kept, conflicts, and the case-page partial."""

import pytest

from tests.conftest import en_get, en_post, web_client
from tests.helpers import (
    partner_with_contacts,  # noqa: F401 (this module's `partner`)
    today,
)
from weibao.audit.models import AuditEvent
from weibao.partners import services
from weibao.partners.models import Partner
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("persona", ["director_a", "director_b", "supervisor", "unassigned"])
def test_another_subdistricts_partner_is_404_on_every_page(request, persona, partner_c):
    user = request.getfixturevalue(persona)
    for url in (f"/partners/{partner_c.pk}/", f"/partners/{partner_c.pk}/edit/"):
        assert en_get(user, url).status_code == 404
    assert en_post(user, f"/partners/{partner_c.pk}/edit/", {"name": "x"}).status_code == 404
    assert en_post(user, f"/partners/{partner_c.pk}/active/", {"active": "0"}).status_code == 404
    assert Partner.objects.get(pk=partner_c.pk).active


def test_pages_need_a_login(partner, referral):
    for url in ("/partners/", f"/partners/{partner.pk}/", "/partners/referrals/"):
        response = web_client(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_and_absurd_ids_are_404(supervisor):
    for url in ("/partners/999999/", "/partners/referrals/99999999999999999999/",
                "/partners/refer/0/"):  # fmt: skip
        assert en_get(supervisor, url).status_code == 404


def test_the_registry_lists_partners_serving_the_users_areas(director_a, areas, partner, partner_c):
    district_partner = Partner.objects.create(
        name="长宁区法律援助中心", kind="legal_aid", area=areas["district"]
    )
    page = en_get(director_a, "/partners/").content.decode()
    assert partner.name in page and district_partner.name in page
    assert partner_c.name not in page
    assert "Register a partner" not in page  # a director does not keep the registry


def test_the_registry_filters_by_type_area_activity_and_name(supervisor, areas, partner):
    Partner.objects.create(name="天山路派出所", kind="police", area=areas["tianshan"])
    Partner.objects.create(
        name="测试甲儿童之家", kind="childrens_home", area=areas["community_a"], active=False
    )
    names = lambda url: en_get(supervisor, url).content.decode()  # noqa: E731
    assert "天山路派出所" in names("/partners/?kind=police")
    assert partner.name not in names("/partners/?kind=police")
    assert "测试甲儿童之家" not in names("/partners/")  # active ones by default
    assert "测试甲儿童之家" in names("/partners/?active=0")
    assert "测试甲儿童之家" in names(f"/partners/?active=all&area={areas['community_a'].pk}")
    page = names("/partners/?q=服务中心")
    assert partner.name in page and "天山路派出所" not in page
    assert en_get(supervisor, "/partners/?kind=zoo&area=abc&active=maybe").status_code == 200


def test_partner_detail_shows_contacts_and_its_referrals_in_scope(
    supervisor, director_b, partner, referral, child_a
):
    page = en_get(supervisor, f"/partners/{partner.pk}/").content.decode()
    assert "王老师" in page and "021-62590000" in page
    assert child_a.name in page  # the supervisor sees the case
    other = en_get(director_b, f"/partners/{partner.pk}/").content.decode()
    assert partner.name in other and child_a.name not in other  # not director_b's case


def test_a_supervisor_registers_a_partner_through_the_form(supervisor, areas):
    response = en_post(
        supervisor,
        "/partners/new/",
        {
            "name": "测试甲居民区儿童之家",
            "kind": "childrens_home",
            "area": areas["community_a"].pk,
            "contact_phone": "13800000000",
        },
    )
    partner = Partner.objects.get(name="测试甲居民区儿童之家")
    assert response.status_code == 302 and response["Location"] == f"/partners/{partner.pk}/"
    assert AuditEvent.objects.filter(action="partner.create", object_id=str(partner.pk)).exists()


def test_a_duplicate_name_is_a_clear_message_and_the_input_is_kept(supervisor, areas, partner):
    response = en_post(
        supervisor,
        "/partners/new/",
        {"name": partner.name, "kind": "police", "area": areas["tianshan"].pk,
         "address": "天山路99号"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "is already registered in 天山路街道" in page
    assert "天山路99号" in page
    assert Partner.objects.count() == 1


def test_the_area_choices_are_only_the_areas_the_user_manages(supervisor, areas):
    page = en_get(supervisor, "/partners/new/").content.decode()
    assert areas["community_a"].name in page and areas["tianshan"].name in page
    assert areas["xianxia"].name not in page and areas["community_c"].name not in page
    response = en_post(
        supervisor,
        "/partners/new/",
        {"name": "X", "kind": "police", "area": areas["xianxia"].pk},
    )
    assert response.status_code == 200 and not Partner.objects.exists()


@pytest.mark.parametrize("persona", ["director_a", "director_b"])
def test_a_director_may_not_register_or_edit_partners(request, persona, partner):
    user = request.getfixturevalue(persona)
    assert en_get(user, "/partners/new/").status_code == 403
    assert en_post(user, "/partners/new/", {"name": "X"}).status_code == 403
    assert en_get(user, f"/partners/{partner.pk}/edit/").status_code == 403
    assert en_post(user, f"/partners/{partner.pk}/active/", {"active": "0"}).status_code == 403
    assert Partner.objects.get(pk=partner.pk).active


def test_a_supervisor_cannot_edit_a_district_partner_it_can_see(supervisor, areas):
    district_partner = Partner.objects.create(
        name="长宁区法律援助中心", kind="legal_aid", area=areas["district"]
    )
    assert en_get(supervisor, f"/partners/{district_partner.pk}/").status_code == 200
    assert en_get(supervisor, f"/partners/{district_partner.pk}/edit/").status_code == 403


def test_editing_keeps_the_input_on_a_conflict(supervisor, partner, areas):
    form = {
        "name": partner.name,
        "kind": "service_centre",
        "area": areas["tianshan"].pk,
        "contact_name": "赵老师",
        "version": "1",
    }
    services.partner_update(actor=supervisor, partner=partner, data={"notes": "moved"})
    response = en_post(supervisor, f"/partners/{partner.pk}/edit/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in page and "赵老师" in page
    assert Partner.objects.get(pk=partner.pk).contact_name == "王老师"
    # Saving again (now on version 2) applies the change.
    response = en_post(supervisor, f"/partners/{partner.pk}/edit/", {**form, "version": "2"})
    assert response.status_code == 302
    assert Partner.objects.get(pk=partner.pk).contact_name == "赵老师"


def test_deactivating_and_reactivating_from_the_detail_page(supervisor, partner):
    response = en_post(
        supervisor, f"/partners/{partner.pk}/active/", {"active": "0", "version": "1"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert not partner.active
    page = en_get(supervisor, f"/partners/{partner.pk}/").content.decode()
    assert "Reactivate" in page
    en_post(supervisor, f"/partners/{partner.pk}/active/", {"active": "1", "version": "2"})
    partner.refresh_from_db()
    assert partner.active


def test_a_partner_of_another_subdistrict_cannot_be_posted(director_a, case_a, partner_c):
    response = en_post(
        director_a,
        f"/partners/refer/{case_a.pk}/",
        {"partner": partner_c.pk, "reason": "x", "accept_by": today().isoformat()},
    )
    assert response.status_code == 200 and not Referral.objects.exists()


def test_the_registry_says_partner_name_and_type_not_a_persons_name_or_a_visit_type(
    supervisor, partner
):
    """The words "name" and "type" are translated for people (姓名) and visits (走访方式)
    elsewhere; a partner's are its own words (机构名称, 机构类型)."""
    for url in ("/partners/", f"/partners/{partner.pk}/", "/partners/new/"):
        page = en_get(supervisor, url).content.decode()
        assert "partner type" in page, url
        assert ">type<" not in page and ">name<" not in page, url
    form_page = en_get(supervisor, "/partners/new/").content.decode()
    assert "partner name" in form_page
