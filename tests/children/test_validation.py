"""The rules a child's file must satisfy, exercised through services.child_create (and
validate_child_data directly where a fixed "today" is needed)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import child_data
from tests.helpers import (
    error_dict,
    fast_password_hashing,  # noqa: F401  (autouse fixture)
    id_ending_in_x,
    years_before,
    zh,
)
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.children.services import GuardianInput, child_create
from weibao.children.validation import validate_child_data

MSG_NAME = "Please enter the child's name."
MSG_FUTURE = "The birth date cannot be in the future."
MSG_ADULT = "This person is 18 or over and cannot be registered as a minor."
MSG_COMMUNITY = "You can only register children in your own areas."
MSG_NO_COMMUNITY = "Please choose the residential area."
MSG_NO_ID = "Please enter the ID number."
MSG_DUP_ELSEWHERE = (
    "A child with this ID number is already registered in another area. "
    "Please contact your sub-district's child supervisor."
)
MSG_DISABILITY = "Choose the type of disability for this grade."
MSG_DUP_HERE = "A child with this ID number is already registered: %(name)s."
MSG_UNKNOWN_CATEGORY = "Unknown category: %(c)s"


def _create(actor, data, categories=("left_behind",)):
    return child_create(
        actor=actor,
        data=data,
        categories=list(categories),
        guardians=[GuardianInput(name="家长", relation="father", phone="13900000000")],
    )


def _refused(actor, data, categories=("left_behind",)) -> dict[str, list[str]]:
    before = Child.objects.count()
    with pytest.raises(ValidationError) as exc_info:
        _create(actor, data, categories)
    assert Child.objects.count() == before, "a refused child must not be saved"
    return error_dict(exc_info)


def test_valid_data_creates_the_child(director_a, areas):
    child = _create(director_a, child_data(areas["community_a"], name="张小明"))
    assert Child.objects.filter(pk=child.pk, community=areas["community_a"]).exists()


@pytest.mark.parametrize("name", ["", "   ", None])
def test_missing_name_is_refused_on_name(director_a, areas, name):
    errors = _refused(director_a, child_data(areas["community_a"], name=name))
    assert errors == {"name": [zh(MSG_NAME)]}


def test_future_birth_date_is_refused(director_a, areas):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    errors = _refused(director_a, child_data(areas["community_a"], birth_date=tomorrow))
    assert errors["birth_date"] == [zh(MSG_FUTURE)]
    assert set(errors) == {"birth_date"}


def test_child_born_today_is_accepted(director_a, areas):
    today = timezone.localdate()
    child = _create(director_a, child_data(areas["community_a"], birth_date=today))
    assert child.birth_date == today


def test_person_who_turns_18_today_is_refused(director_a, areas):
    birth = years_before(timezone.localdate(), 18)
    errors = _refused(director_a, child_data(areas["community_a"], birth_date=birth))
    assert errors == {"birth_date": [zh(MSG_ADULT)]}


def test_person_who_turns_18_tomorrow_is_accepted(director_a, areas):
    birth = years_before(timezone.localdate() + dt.timedelta(days=1), 18)
    child = _create(director_a, child_data(areas["community_a"], birth_date=birth))
    assert child.is_minor()


def test_adult_well_over_18_is_refused(director_a, areas):
    errors = _refused(director_a, child_data(areas["community_a"], birth_date=dt.date(1990, 1, 1)))
    assert errors == {"birth_date": [zh(MSG_ADULT)]}


@pytest.mark.parametrize(
    "today, birth, refused",
    [
        (dt.date(2024, 2, 29), dt.date(2006, 2, 28), True),  # 18 since yesterday
        (dt.date(2024, 2, 29), dt.date(2006, 3, 1), False),  # 18 tomorrow
        (dt.date(2026, 2, 28), dt.date(2008, 2, 29), False),  # leapling: birthday is 1 March
        (dt.date(2026, 3, 1), dt.date(2008, 2, 29), True),
        (dt.date(2028, 2, 29), dt.date(2010, 2, 28), True),
    ],
)
def test_adult_boundary_around_29_february(director_a, areas, today, birth, refused):
    data = child_data(areas["community_a"], birth_date=birth)
    errors = validate_child_data(actor=director_a, data=data, today=today)
    if refused:
        assert errors == {"birth_date": [zh(MSG_ADULT)]}
    else:
        assert errors == {}


def test_community_outside_the_actors_scope_is_refused(director_a, areas):
    errors = _refused(director_a, child_data(areas["community_b"]))
    assert errors == {"community": [zh(MSG_COMMUNITY)]}


def test_community_in_another_subdistrict_is_refused_for_a_supervisor(supervisor, areas):
    errors = _refused(supervisor, child_data(areas["community_c"]))
    assert errors == {"community": [zh(MSG_COMMUNITY)]}


def test_supervisor_may_register_in_every_community_of_their_subdistrict(supervisor, areas):
    a = _create(supervisor, child_data(areas["community_a"]))
    b = _create(supervisor, child_data(areas["community_b"]))
    assert (a.community, b.community) == (areas["community_a"], areas["community_b"])


@pytest.mark.parametrize("level_key", ["tianshan", "district"])
def test_area_that_is_not_a_community_is_refused_even_inside_scope(
    district_officer, areas, level_key
):
    errors = _refused(district_officer, child_data(areas[level_key]))
    assert errors == {"community": [zh(MSG_COMMUNITY)]}


def test_missing_community_is_refused(director_a, areas):
    data = child_data(areas["community_a"])
    data["community"] = None
    errors = _refused(director_a, data)
    assert errors == {"community": [zh(MSG_NO_COMMUNITY)]}


def test_unassigned_user_cannot_register_anywhere(unassigned, areas):
    errors = _refused(unassigned, child_data(areas["community_a"]))
    assert errors == {"community": [zh(MSG_COMMUNITY)]}


def test_missing_id_number_is_refused(director_a, areas):
    errors = _refused(director_a, child_data(areas["community_a"], id_number=""))
    assert errors == {"id_number": [zh(MSG_NO_ID)]}


def test_malformed_id_number_is_refused_on_id_number(director_a, areas):
    data = child_data(areas["community_a"])
    data["id_number"] = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
    errors = _refused(director_a, data)
    assert list(errors) == ["id_number"]
    assert len(errors["id_number"]) == 1


def test_id_number_disagreeing_with_birth_date_and_sex_is_refused_on_those_fields(
    director_a, areas
):
    data = child_data(areas["community_a"], birth_date=dt.date(2015, 6, 1), sex="M")
    data["id_number"] = idnumber.make("310105", dt.date(2015, 6, 2), 3, "F")
    errors = _refused(director_a, data)
    assert set(errors) == {"birth_date", "sex"}
    assert "2015-06-02" in errors["birth_date"][0]


def test_lowercase_x_check_digit_is_accepted_and_stored_upper(director_a, areas):
    birth = dt.date(2013, 9, 10)
    number = id_ending_in_x(birth, "F")
    data = child_data(areas["community_a"], birth_date=birth, sex="F")
    data["id_number"] = f" {number[:-1]}x "
    child = _create(director_a, data)
    child.refresh_from_db()
    assert child.id_number == number
    assert child.id_number_masked.endswith("X")


def test_duplicate_id_in_scope_names_the_existing_child(director_a, child_a, areas):
    data = child_data(areas["community_a"], name="另一个孩子")
    data["id_number"] = child_a.id_number
    errors = _refused(director_a, data)
    assert list(errors) == ["id_number"]
    assert errors["id_number"] == [zh(MSG_DUP_HERE) % {"name": "张小明"}]
    assert "<a" not in errors["id_number"][0]  # services never render HTML links


def test_duplicate_id_typed_with_lowercase_x_is_still_a_duplicate(director_a, make_child, areas):
    birth = dt.date(2013, 9, 10)
    number = id_ending_in_x(birth, "M")
    make_child("community_a", name="赵小东", birth_date=birth, id_number=number)
    data = child_data(areas["community_a"], birth_date=birth)
    data["id_number"] = number.lower()
    errors = _refused(director_a, data)
    assert "赵小东" in errors["id_number"][0]


def test_duplicate_id_out_of_scope_does_not_disclose_the_other_child(director_a, child_b, areas):
    data = child_data(areas["community_a"], birth_date=child_b.birth_date, sex="F")
    data["id_number"] = child_b.id_number
    errors = _refused(director_a, data)
    assert errors == {"id_number": [zh(MSG_DUP_ELSEWHERE)]}
    message = errors["id_number"][0]
    assert "李小红" not in message
    assert child_b.community.name not in message


def test_same_duplicate_is_named_for_a_supervisor_who_can_see_it(supervisor, child_b, areas):
    data = child_data(areas["community_a"], birth_date=child_b.birth_date, sex="F")
    data["id_number"] = child_b.id_number
    errors = _refused(supervisor, data)
    assert "李小红" in errors["id_number"][0]


def test_validate_child_data_can_link_to_a_visible_duplicate(director_a, child_a, areas):
    data = child_data(areas["community_a"])
    data["id_number"] = child_a.id_number
    errors = validate_child_data(actor=director_a, data=data, link_duplicates=True)
    [message] = errors["id_number"]
    assert f"/{child_a.pk}/" in message and "<a " in message
    assert "张小明" in message


def test_unknown_category_is_refused_and_named(director_a, areas):
    errors = _refused(
        director_a, child_data(areas["community_a"]), categories=["left_behind", "wizard"]
    )
    assert errors == {"categories": [zh(MSG_UNKNOWN_CATEGORY) % {"c": "wizard"}]}


def test_in_difficulty_filter_value_is_not_a_category(director_a, areas):
    errors = _refused(director_a, child_data(areas["community_a"]), categories=["in_difficulty"])
    assert list(errors) == ["categories"]


def test_disability_level_without_type_is_refused_on_type(director_a, areas):
    data = child_data(areas["community_a"], disability_level="2")
    errors = _refused(director_a, data)
    assert errors == {"disability_type": [zh(MSG_DISABILITY)]}


def test_disability_level_with_type_is_accepted(director_a, areas):
    data = child_data(areas["community_a"], disability_level="2", disability_type="hearing")
    child = _create(director_a, data, categories=["disability"])
    assert (child.disability_type, child.disability_level) == ("hearing", "2")


def test_every_problem_is_reported_at_once(director_a, areas):
    data = child_data(
        areas["community_b"], name="", disability_level="1", birth_date=dt.date(2015, 6, 1)
    )
    errors = _refused(director_a, data, categories=["nope"])
    assert set(errors) == {"name", "community", "disability_type", "categories"}


def test_messages_are_chinese_by_default_and_english_on_request(director_a, areas):
    from django.utils import translation

    data = child_data(areas["community_a"], name="")
    assert validate_child_data(actor=director_a, data=data) == {"name": ["请填写儿童姓名。"]}
    with translation.override("en"):
        assert validate_child_data(actor=director_a, data=data) == {"name": [MSG_NAME]}


def test_full_width_form_of_a_registered_number_is_not_a_second_child(
    director_a, make_child, areas
):
    birth = dt.date(2012, 3, 4)
    number = id_ending_in_x(birth, "M")
    make_child("community_a", birth_date=birth, id_number=number)
    data = child_data(areas["community_a"], birth_date=birth)
    data["id_number"] = number[:17].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "X"
    with pytest.raises(ValidationError):
        _create(director_a, data)


def test_superscript_digit_in_id_number_is_a_validation_error_not_a_crash(director_a, areas):
    data = child_data(areas["community_a"])
    data["id_number"] = "²" + data["id_number"][1:]
    with pytest.raises(ValidationError):
        _create(director_a, data)


def test_missing_birth_date_is_refused_on_birth_date(director_a, areas):
    data = child_data(areas["community_a"])
    data["birth_date"] = None
    errors = _refused(director_a, data)
    assert list(errors) == ["birth_date"]


@pytest.mark.parametrize("field", ["sex", "hukou_type"])
def test_missing_required_choice_is_refused(director_a, areas, field):
    data = child_data(areas["community_a"])
    data[field] = ""
    errors = _refused(director_a, data)
    assert list(errors) == [field]
