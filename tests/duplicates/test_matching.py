"""The matching rule on its own (docs/domain.md §10)."""

from tests.duplicates.helpers import BIRTH, body
from weibao.duplicates.matching import (
    LOOK_ALIKE_GROUPS,
    Identity,
    Reason,
    glyph_name,
    id_slip,
    keys_of,
    spoken,
)


def test_each_look_alike_character_is_read_one_way():
    seen = [ch for group in LOOK_ALIKE_GROUPS for ch in group]
    assert len(seen) == len(set(seen))
    assert all(len(group) > 1 for group in LOOK_ALIKE_GROUPS)


def test_homophones_share_their_pinyin_and_look_alikes_their_reading():
    assert spoken("张小明") == spoken("章晓明")
    assert spoken("王小明") != spoken("玉小明")
    assert glyph_name("玉小明") == glyph_name("王小明")


def test_an_id_slip_is_one_changed_digit_or_two_neighbours_swapped():
    a = body(seq="123")
    assert id_slip(a + "X", a[:-1] + "5" + "0") == Reason.ID_ONE_DIGIT
    assert id_slip(a, a[:-3] + "213") == Reason.ID_TRANSPOSED
    assert id_slip(a, a[:-3] + "321") is None  # two digits apart: not a slip
    assert id_slip(a, a[:-3] + "456") is None
    assert id_slip(a, a) is None
    assert id_slip(a, "") is None


def test_a_plain_name_stores_no_look_alike_key_but_looks_them_up():
    keys = keys_of(Identity(name="张小明", birth_date=BIRTH, phones=("13811112222",)))
    assert sorted(kind for kind, _digest in keys.stored) == ["b", "n", "p"]
    assert keys.stored < keys.probes
    assert sorted(kind for kind, _digest in keys.probes) == ["b", "g", "n", "p", "q"]


def test_a_look_alike_reading_is_looked_up_as_a_name_too():
    plain = keys_of(Identity(name="王小明", birth_date=BIRTH, phones=("13811112222",)))
    alike = keys_of(Identity(name="玉小明", birth_date=BIRTH, phones=("13811112222",)))
    assert len(alike.stored) == 5
    assert len(alike.probes) == 7
    # The look-alike name finds the plain one's name keys, labelled as look-alike matches.
    found = {kind for kind, digest in alike.probes if digest in {d for _k, d in plain.stored}}
    assert found == {"b", "g", "q"}
