"""The web pages of the child registry, tried as each persona would."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client, child_data, web_client
from tests.helpers import page_queries
from weibao.audit.models import AccessLog, AuditEvent
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set

OUT_OF_SCOPE_FOR_CHILD_A = ["director_b", "director_elsewhere", "unassigned"]


def _urls(child):
    return [
        ("get", f"/children/{child.pk}/"),
        ("get", f"/children/{child.pk}/edit/"),
        ("post", f"/children/{child.pk}/edit/"),
        ("post", f"/children/{child.pk}/status/"),
        ("post", f"/children/{child.pk}/reveal/"),
    ]


def form_post(community, **overrides) -> dict:
    data = child_data(community, **overrides)
    post = {k: v for k, v in data.items() if k not in {"community", "boarding"}}
    post["community"] = community.pk
    post["birth_date"] = data["birth_date"].isoformat()
    post["categories"] = ["left_behind", "economic_hardship"]
    post.update(
        {
            "guardians-TOTAL_FORMS": "1",
            "guardians-INITIAL_FORMS": "0",
            "guardians-0-name": "测试母亲",
            "guardians-0-relation": "mother",
            "guardians-0-phone": "13800000009",
            "guardians-0-able_to_guard": "on",
        }
    )
    return post


@pytest.mark.parametrize("path", ["/", "/children/", "/children/new/"])
def test_anonymous_user_is_sent_to_login(db, path):
    response = web_client(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_user_is_sent_to_login_from_a_child_file(child_a):
    for method, url in _urls(child_a):
        response = getattr(web_client(None), method)(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CHILD_A)
def test_child_outside_scope_answers_404_on_every_page(personas, child_a, persona):
    client = web_client(personas[persona])
    for method, url in _urls(child_a):
        assert getattr(client, method)(url).status_code == 404, (persona, url)
    assert not AccessLog.objects.filter(child=child_a).exists()


def test_list_shows_only_children_in_scope(personas, child_a, child_b, child_c):
    expectations = {
        "district_officer": {"张小明", "李小红", "王小华"},
        "supervisor": {"张小明", "李小红"},
        "director_a": {"张小明"},
        "director_b": {"李小红"},
        "director_elsewhere": {"王小华"},
        "unassigned": set(),
    }
    for persona, names in expectations.items():
        html = web_client(personas[persona]).get("/children/").content.decode()
        for name in {"张小明", "李小红", "王小华"}:
            assert (name in html) == (name in names), (persona, name)


def test_search_by_pinyin_initials_finds_the_child(director_a, child_a, make_child):
    make_child("community_a", name="李四")
    html = web_client(director_a).get("/children/?q=zxm").content.decode()
    assert "张小明" in html and "李四" not in html


def test_unknown_filter_values_are_ignored_with_a_message(director_a, child_a):
    response = web_client(director_a).get("/children/?category=nonsense&age_band=x&page=abc")
    assert response.status_code == 200
    assert "张小明" in response.content.decode()


def test_home_counts_children_by_category_in_scope(supervisor, child_a, child_b, child_c):
    response = web_client(supervisor).get("/")
    assert response.status_code == 200
    assert response.context["total"] == 2
    assert dict((k, n) for k, _, n in response.context["cards"])["left_behind"] == 2


def test_director_registers_a_child_and_lands_on_the_file(director_a, areas):
    post = form_post(areas["community_a"], name="赵小龙")
    response = web_client(director_a).post("/children/new/", post)
    child = Child.objects.get(name="赵小龙")
    assert response.status_code == 302
    assert response["Location"] == f"/children/{child.pk}/"
    assert sorted(r.category for r in child.category_rows.all()) == [
        "economic_hardship",
        "left_behind",
    ]
    assert child.guardians.get().phone == "13800000009"
    assert AuditEvent.objects.filter(child=child, action="child.create").count() == 1


def test_bad_id_number_is_explained_next_to_the_field_and_input_is_kept(director_a, areas):
    post = form_post(areas["community_a"], name="钱小多", id_number="31010520150601001")
    response = web_client(director_a).post("/children/new/", post)
    assert response.status_code == 200
    assert "身份证号码应为18位" in response.content.decode()
    assert "钱小多" in response.content.decode()
    assert "13800000009" in response.content.decode()
    assert not Child.objects.filter(name="钱小多").exists()


def test_duplicate_id_in_scope_links_to_the_existing_file(director_a, child_a, areas):
    post = form_post(areas["community_a"], name="重复", id_number=child_a.id_number)
    html = web_client(director_a).post("/children/new/", post).content.decode()
    assert f'href="/children/{child_a.pk}/"' in html


def test_duplicate_id_outside_scope_reveals_nothing(director_b, child_a, areas):
    post = form_post(areas["community_b"], name="重复", id_number=child_a.id_number)
    html = web_client(director_b).post("/children/new/", post).content.decode()
    assert "已在其他地区登记" in html
    assert child_a.name not in html
    assert f"/children/{child_a.pk}/" not in html


def test_viewing_a_file_writes_an_access_log_row(director_a, child_a):
    response = web_client(director_a).get(f"/children/{child_a.pk}/")
    assert response.status_code == 200
    log = AccessLog.objects.get(child=child_a)
    assert (log.user, log.channel, log.kind) == (director_a, "web", "view")


def test_file_shows_masked_identity_and_never_the_full_number(director_a, child_a):
    html = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert child_a.id_number_masked in html
    assert child_a.id_number not in html
    assert "13800000001" not in html


def test_reveal_shows_the_full_number_and_logs_the_reason(director_a, child_a):
    response = web_client(director_a).post(
        f"/children/{child_a.pk}/reveal/", {"field": "id_number", "reason": "办理救助"}
    )
    assert child_a.id_number in response.content.decode()
    log = AccessLog.objects.get(child=child_a, kind="reveal")
    assert (log.field, log.reason) == ("id_number", "办理救助")


def test_reveal_without_permission_shows_nothing(supervisor, director_b, child_b):
    response = web_client(director_b).post(
        f"/children/{child_b.pk}/reveal/", {"field": "id_number", "reason": "想看"}, follow=True
    )
    assert child_b.id_number not in response.content.decode()
    assert not AccessLog.objects.filter(kind="reveal").exists()


def test_edit_saves_changes_into_the_history(director_a, child_a, areas):
    guardian = child_a.guardians.get()
    post = form_post(areas["community_a"], name="张小明", id_number="", school="新学校")
    post.update(
        {
            "version": child_a.version,
            "guardians-INITIAL_FORMS": "1",
            "guardians-0-id": guardian.pk,
            "guardians-0-name": guardian.name,
            "guardians-0-phone": "",
        }
    )
    post["birth_date"] = child_a.birth_date.isoformat()
    post["sex"] = child_a.sex
    response = web_client(director_a).post(f"/children/{child_a.pk}/edit/", post)
    assert response.status_code == 302, response.content.decode()[:3000]
    child_a.refresh_from_db()
    assert child_a.school == "新学校"
    assert child_a.guardians.get().phone == "13800000001"  # empty phone means unchanged
    html = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert "新学校" in html and "测试小学" in html


def test_a_registration_is_one_line_in_the_history_and_edits_list_their_changes(director_a, areas):
    client = web_client(director_a)
    client.post("/children/new/", form_post(areas["community_a"], name="赵小龙"))
    child = Child.objects.get(name="赵小龙")
    html = client.get(f"/children/{child.pk}/").content.decode()
    history = html[html.index('<ol class="history">') :]
    assert history.count("<li>") == 1 and "登记建档" in history
    assert 'class="changes"' not in history
    post = form_post(areas["community_a"], name="赵小龙", id_number="", school="新学校")
    post.update({"version": child.version, "birth_date": child.birth_date.isoformat()})
    post.update({"guardians-INITIAL_FORMS": "1", "guardians-0-id": child.guardians.get().pk})
    assert client.post(f"/children/{child.pk}/edit/", post).status_code == 302
    history = client.get(f"/children/{child.pk}/").content.decode()
    history = history[history.index('<ol class="history">') :]
    assert history.count('class="changes"') == 1 and "新学校" in history


def test_stale_edit_is_refused_and_keeps_what_the_user_typed(director_a, child_a, areas):
    post = form_post(areas["community_a"], name="张小明", id_number="", school="我的修改")
    post.update({"version": child_a.version - 1 if child_a.version > 1 else 0})
    post["birth_date"] = child_a.birth_date.isoformat()
    post["guardians-TOTAL_FORMS"] = "0"
    response = web_client(director_a).post(f"/children/{child_a.pk}/edit/", post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的修改" in html
    assert "其他人" in html or "他人" in html
    child_a.refresh_from_db()
    assert child_a.school == "测试小学"


def test_status_change_needs_a_reason_and_is_recorded(director_a, child_a):
    client = web_client(director_a)
    url = f"/children/{child_a.pk}/status/"
    today = dt.date.today().isoformat()
    bad = client.post(url, {"status": "moved_out", "date": today, "version": child_a.version})
    assert bad.status_code == 200 and "请填写原因" in bad.content.decode()
    ok = client.post(
        url, {"status": "moved_out", "date": today, "reason": "随父母迁往外省", "version": 1}
    )
    assert ok.status_code == 302
    child_a.refresh_from_db()
    assert child_a.status == "moved_out"


def test_names_are_shown_escaped(director_a, make_child):
    child = make_child("community_a", name="<script>alert(1)</script>")
    html = web_client(director_a).get(f"/children/{child.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_rare_and_minority_names_are_shown_exactly(director_a, make_child):
    child = make_child("community_a", name="阿依古丽·𠈌")
    html = web_client(director_a).get(f"/children/{child.pk}/").content.decode()
    assert "阿依古丽·𠈌" in html


def test_pages_switch_to_english(director_a, child_a):
    client = web_client(director_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/children/"})
    html = client.get("/children/").content.decode()
    assert "Register a child" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/children/"})
    assert "登记儿童" in client.get("/children/").content.decode()


def test_login_page_shows_the_demo_banner_only_with_demo_data(db):
    assert "演示数据" not in web_client(None).get("/accounts/login/").content.decode()
    site_state_set(key=SiteState.DEMO_KEY, value="loaded")  # as the demo loader writes it
    assert "演示数据" in web_client(None).get("/accounts/login/").content.decode()


def test_the_demo_banner_is_read_from_the_cache_after_the_first_page(db):
    client = web_client(None)
    client.get("/accounts/login/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/accounts/login/")
    assert not [q for q in ctx.captured_queries if "core_sitestate" in q["sql"]]


def test_check_digit_lowercase_x_via_the_form(director_a, areas):
    birth = dt.date(2012, 3, 4)
    for seq in range(1, 200):
        number = idnumber.make("310105", birth, seq, "F")
        if number.endswith("X"):
            break
    post = form_post(
        areas["community_a"], name="小x", birth_date=birth, sex="F", id_number=number.lower()
    )
    response = web_client(director_a).post("/children/new/", post)
    assert response.status_code == 302
    assert Child.objects.get(name="小x").id_number == number


def test_repeated_failed_logins_are_paused(director_a):
    client = web_client(None)
    for _ in range(10):
        client.post("/accounts/login/", {"username": "director_a", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "director_a", "password": "test-pass-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_nobody_registers_a_child_outside_their_own_areas(personas, areas, persona):
    post = form_post(areas["community_a"], name="越权登记")
    response = web_client(personas[persona]).post("/children/new/", post)
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Child.objects.filter(name="越权登记").exists()


def test_list_pages_cost_the_same_number_of_queries_for_3_or_20_children(supervisor, make_child):
    for _ in range(3):
        make_child("community_a")
    web, api = web_client(supervisor), api_client(supervisor)
    web.get("/")  # a session's first request records when it began (the session limits)
    few = (page_queries(web, "/children/"), page_queries(api, "/api/v1/children/"))
    for _ in range(17):
        make_child("community_b", guardians=[])
    many = (page_queries(web, "/children/"), page_queries(api, "/api/v1/children/"))
    assert few == many


# A 儿童主任 opening a child's file: the load test's most frequent slow page (docs/performance.md,
# "Load test"). Its panels take the child as read through the scope (no second look at whether
# the user sees it) and the open case from the list of the child's cases when it is in it; the
# services and the temporary guardianship (records of the cases the user sees) are not asked
# for when the user sees none of the child's cases; the chain heads are locked in one statement;
# the sign-in gate keeps its two facts (security.selectors).
CHILD_FILE_QUERIES = {"no case": 23, "open case": 24}


def test_a_childs_file_costs_a_fixed_number_of_queries(request, director_a, child_a):
    client = web_client(director_a)
    client.get("/")  # a session's first request records when it began (the session limits)
    # Warm: the visit rules and the demo banner are then in the cache, as on a live server.
    counted = {"no case": page_queries(client, f"/children/{child_a.pk}/", warm=True)}
    request.getfixturevalue("case_a")  # the director's own open case of child A
    counted["open case"] = page_queries(client, f"/children/{child_a.pk}/", warm=True)
    assert counted == CHILD_FILE_QUERIES


def test_edit_page_opens_for_a_child_with_guardians(director_a, child_a):
    response = web_client(director_a).get(f"/children/{child_a.pk}/edit/")
    assert response.status_code == 200
    assert "测试家长" in response.content.decode()


def test_a_child_can_be_registered_without_a_guardian(director_a, areas):
    post = form_post(areas["community_a"], name="无监护人登记")
    post.update(
        {
            "guardians-0-name": "",
            "guardians-0-relation": "",
            "guardians-0-phone": "",
            "guardians-0-able_to_guard": "on",
        }
    )
    response = web_client(director_a).post("/children/new/", post)
    assert response.status_code == 302
    assert not Child.objects.get(name="无监护人登记").guardians.exists()


def test_the_app_serves_its_own_stylesheet_and_script(db):
    for path in ["/static/weibao/app.css", "/static/weibao/app.js"]:
        assert web_client(None).get(path).status_code == 200, path


def test_one_bad_filter_value_does_not_drop_the_others(director_a, child_a, make_child):
    make_child("community_a", name="女孩", sex="F")
    html = web_client(director_a).get("/children/?category=foo&sex=F").content.decode()
    assert "女孩" in html and "张小明" not in html


def test_surname_zeng_is_found_by_its_surname_reading(director_a, make_child):
    make_child("community_a", name="曾一明")
    assert "曾一明" in web_client(director_a).get("/children/?q=zym").content.decode()


def test_edit_form_shows_the_birth_date_in_the_format_a_date_picker_reads(director_a, child_a):
    html = web_client(director_a).get(f"/children/{child_a.pk}/edit/").content.decode()
    assert f'value="{child_a.birth_date.isoformat()}"' in html


def test_more_than_ten_guardian_rows_are_refused_and_the_input_kept(director_a, areas):
    post = form_post(areas["community_a"], name="十一位家长")
    post["guardians-TOTAL_FORMS"] = "12"
    for i in range(12):
        post.update(
            {
                f"guardians-{i}-name": f"家长{i}",
                f"guardians-{i}-relation": "other",
                f"guardians-{i}-phone": "13800000001",
            }
        )
    response = web_client(director_a).post("/children/new/", post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please list at most 10 guardians." in page
    assert 'value="十一位家长"' in page
    assert not Child.objects.filter(name="十一位家长").exists()


def test_the_age_in_english_has_plain_brackets(director_a, child_a):
    page = web_client(director_a).get(f"/children/{child_a.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "years old)" in html and "（" not in html


def test_after_a_stale_edit_saving_again_applies_the_users_entries(director_a, child_a, areas):
    post = form_post(areas["community_a"], name="张小明", id_number="", school="我的修改")
    post.update({"version": child_a.version - 1, "guardians-TOTAL_FORMS": "0"})
    post["birth_date"] = child_a.birth_date.isoformat()
    client = web_client(director_a)
    stale = client.post(f"/children/{child_a.pk}/edit/", post)
    assert f'name="version" value="{child_a.version}"' in stale.content.decode()
    post["version"] = child_a.version  # what the page now carries: saving again is deliberate
    assert client.post(f"/children/{child_a.pk}/edit/", post).status_code == 302
    child_a.refresh_from_db()
    assert child_a.school == "我的修改"


def test_a_stale_status_change_is_refused_on_the_form_and_keeps_the_reason(director_a, child_a):
    today = dt.date.today().isoformat()
    response = web_client(director_a).post(
        f"/children/{child_a.pk}/status/",
        {"status": "moved_out", "date": today, "reason": "随父母迁往外省", "version": 0},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "随父母迁往外省" in html
    assert "他人" in html or "其他人" in html
    child_a.refresh_from_db()
    assert child_a.status != "moved_out"
