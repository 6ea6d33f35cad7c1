"""Registering or changing a child records the possible duplicates it makes (docs/domain.md
§10): each kind of match, never on one signal alone, dismissals remembered, and a fixed number
of queries per registration whatever the registry's size."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import _user
from tests.duplicates.helpers import BIRTH, body, id_of, pair_of, register
from weibao.accounts.models import Role
from weibao.areas.models import Area
from weibao.children.services import child_anonymise, child_move, child_update
from weibao.core import crypto
from weibao.duplicates.matching import DIGEST_LENGTH, Reason, glyph_name, spoken
from weibao.duplicates.models import MatchKey, PossibleDuplicate, State
from weibao.duplicates.services import duplicate_dismiss


def test_the_same_name_and_birth_date_make_a_possible_duplicate(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    pair = pair_of(a, b)
    assert pair.state == State.OPEN
    assert pair.reasons[:2] == [Reason.SAME_NAME, Reason.SAME_BIRTH]
    # Routed by both children's areas.
    assert (pair.community_id, pair.other_community_id) == (
        areas["community_a"].pk,
        areas["community_b"].pk,
    )


def test_names_that_sound_the_same_match(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_a"], "章晓明")
    assert Reason.HOMOPHONE in pair_of(a, b).reasons


def test_names_with_look_alike_characters_match(areas, district_officer):
    a = register(district_officer, areas["community_a"], "王小明")
    b = register(district_officer, areas["community_a"], "玉小明")
    assert Reason.LOOK_ALIKE in pair_of(a, b).reasons


def test_a_plain_name_registered_after_its_look_alike_matches_it(areas, district_officer):
    # The plain name keeps no look-alike key: it finds the other by its look-alike key.
    a = register(district_officer, areas["community_a"], "玉小明")
    b = register(district_officer, areas["community_a"], "王小明")
    assert Reason.LOOK_ALIKE in pair_of(a, b).reasons


def test_two_names_with_different_look_alike_characters_match(areas, district_officer):
    a = register(district_officer, areas["community_a"], "主小明")
    b = register(district_officer, areas["community_a"], "玉小明")
    assert Reason.LOOK_ALIKE in pair_of(a, b).reasons


def test_a_look_alike_name_and_a_guardian_phone_match_birth_dates_that_differ(
    areas, district_officer
):
    a = register(district_officer, areas["community_a"], "王小明", phone="13811115555")
    b = register(district_officer, areas["community_a"], "玉小明", phone="13811115555",
                 birth=dt.date(2015, 7, 1))  # fmt: skip
    assert pair_of(a, b).reasons == [Reason.LOOK_ALIKE, Reason.PHONE]


def test_a_name_without_look_alike_characters_keeps_three_keys(areas, district_officer):
    # Its look-alike reading is its own name: those keys would repeat the name keys.
    plain = register(district_officer, areas["community_a"], "张小明")
    alike = register(district_officer, areas["community_a"], "玉小红")
    assert sorted(MatchKey.objects.filter(child=plain).values_list("kind", flat=True)) == [
        "b", "n", "p"
    ]  # fmt: skip
    assert MatchKey.objects.filter(child=alike).count() == 5


def test_keys_written_before_the_repeated_ones_were_left_out_are_still_found(
    areas, district_officer
):
    # A file registered earlier kept all five keys; its look-alike key alone still matches.
    a = register(district_officer, areas["community_a"], "王小明")
    own = MatchKey.objects.get(child=a, kind="n")
    old = MatchKey.objects.filter(child=a)
    old.delete()
    reading = spoken(glyph_name("王小明"))
    MatchKey.objects.create(
        child=a,
        kind="g",
        digest=crypto.lookup_hash(f"dup:g:{reading}|{BIRTH.isoformat()}")[:DIGEST_LENGTH],
        district_id=own.district_id,
        subdistrict_id=own.subdistrict_id,
        community_id=own.community_id,
    )
    b = register(district_officer, areas["community_a"], "玉小明")
    assert Reason.LOOK_ALIKE in pair_of(a, b).reasons


def test_transposed_id_digits_are_named_as_a_reason(areas, district_officer):
    first = body(region="310105", seq="123")
    a = register(district_officer, areas["community_a"], "张小明", id_number=id_of(first))
    b = register(district_officer, areas["community_a"], "章小明",
                 id_number=id_of(first[:-3] + "213"))  # fmt: skip
    pair = pair_of(a, b)
    assert Reason.ID_TRANSPOSED in pair.reasons
    assert pair.score > 60


def test_a_one_digit_id_slip_is_named_as_a_reason(areas, district_officer):
    first = body(region="310105", seq="125")
    a = register(district_officer, areas["community_a"], "李红", id_number=id_of(first))
    b = register(district_officer, areas["community_c"], "李红",
                 id_number=id_of("310106" + first[6:]))  # fmt: skip
    assert Reason.ID_ONE_DIGIT in pair_of(a, b).reasons


def test_a_guardian_phone_and_the_birth_date_match_names_that_differ(areas, district_officer):
    # A nickname on one file, the formal name on the other.
    a = register(district_officer, areas["community_a"], "张小明", phone="13811112222")
    b = register(district_officer, areas["community_b"], "张明", phone="138 1111 2222")
    assert pair_of(a, b).reasons == [Reason.SAME_BIRTH, Reason.PHONE]


def test_a_guardian_phone_and_the_name_match_birth_dates_that_differ(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明", phone="13811113333")
    b = register(district_officer, areas["community_a"], "张小明", phone="13811113333",
                 birth=dt.date(2015, 7, 1))  # fmt: skip
    assert pair_of(a, b).reasons == [Reason.SAME_NAME, Reason.PHONE]


def test_no_match_across_birth_dates_when_names_differ(areas, district_officer):
    # Siblings: one guardian phone, two names, two birth dates.
    a = register(district_officer, areas["community_a"], "张小明", phone="13811114444")
    b = register(district_officer, areas["community_a"], "张小红", phone="13811114444",
                 birth=dt.date(2013, 3, 1))  # fmt: skip
    # And the same name on another birth date without a phone in common.
    c = register(district_officer, areas["community_a"], "张小明", birth=dt.date(2014, 1, 1))
    assert pair_of(a, b) is None
    assert pair_of(a, c) is None


def test_one_signal_alone_is_no_match(areas, district_officer):
    # Born the same day, IDs one digit apart, names unlike, no phone in common.
    first = body(region="310105", seq="141")
    a = register(district_officer, areas["community_a"], "张小明", id_number=id_of(first))
    b = register(district_officer, areas["community_a"], "刘芳",
                 id_number=id_of(first[:-3] + "143"))  # fmt: skip
    assert pair_of(a, b) is None


def test_children_of_another_district_are_not_compared(areas, district_officer):
    other_district = Area.objects.create(name="徐汇区", code="310104", level="district")
    street = Area.objects.create(name="某街道", level="subdistrict", parent=other_district)
    community = Area.objects.create(name="某居民区", level="community", parent=street)
    officer = _user("xuhui", Role.DISTRICT_STAFF, other_district)
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(officer, community, "张小明")
    assert pair_of(a, b) is None


def test_a_dismissal_is_remembered_when_the_files_are_saved_again(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    duplicate_dismiss(actor=district_officer, pair=pair_of(a, b), note="双胞胎")
    b = child_update(actor=district_officer, child=b, expected_version=b.version,
                     data={"name": "章小明"})  # fmt: skip
    b = child_update(actor=district_officer, child=b, expected_version=b.version,
                     data={"name": "张小明"})  # fmt: skip
    assert PossibleDuplicate.objects.count() == 1
    assert pair_of(a, b).state == State.DISMISSED


def test_an_open_pair_is_withdrawn_when_the_name_is_corrected(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    assert pair_of(a, b) is not None
    child_update(actor=district_officer, child=b, expected_version=b.version,
                 data={"name": "刘芳"})  # fmt: skip
    assert pair_of(a, b) is None


def test_a_move_brings_the_pairs_area_columns_along(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    child_move(actor=district_officer, child=b, community=areas["community_c"])
    pair = pair_of(a, b)
    assert pair.other_community_id == areas["community_c"].pk
    assert pair.other_subdistrict_id == areas["xianxia"].pk


def test_the_keys_hold_no_name_phone_or_birth_date_in_clear(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明", phone="13811115555")
    for key in MatchKey.objects.filter(child=a):
        assert len(key.digest) == DIGEST_LENGTH == 16
        assert "13811115555" not in key.digest and "2015" not in key.digest


def _registration_queries(actor, community, name: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        register(actor, community, name, birth=BIRTH)
    # Matching reads the keys by digest (the (district, digest) index) and the children it found
    # by id: never the registry, nor a whole district's keys.
    for query in ctx.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and "duplicates_matchkey" in sql:
            assert '"digest" IN' in sql or "digest = ANY(" in sql, sql
    return len(ctx.captured_queries)


def test_a_registration_runs_the_same_queries_whatever_the_registrys_size(areas, district_officer):
    community = areas["community_a"]
    for i in range(5):
        register(district_officer, community, f"测试甲{i}", birth=BIRTH + dt.timedelta(days=i))
    few = _registration_queries(district_officer, community, "孙悟空")
    for i in range(95):
        register(district_officer, community, f"测试乙{i}", birth=BIRTH + dt.timedelta(days=i))
    assert MatchKey.objects.values("child").distinct().count() == 101
    assert _registration_queries(district_officer, community, "猪八戒") == few


def test_a_registration_with_matches_runs_the_same_queries_for_one_match_and_many(
    areas, district_officer
):
    community = areas["community_a"]
    register(district_officer, community, "张三")
    one = _registration_queries(district_officer, community, "张三")
    for _i in range(20):
        register(district_officer, community, "张三")
    assert _registration_queries(district_officer, community, "张三") == one


def test_an_anonymised_file_is_matched_no_more(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    child_anonymise(actor=None, child=a, reason="保存期满")
    assert not MatchKey.objects.filter(child=a).exists()
    b = register(district_officer, areas["community_b"], "张小明")
    assert pair_of(a, b) is None
