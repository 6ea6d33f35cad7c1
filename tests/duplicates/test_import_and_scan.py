"""What the spreadsheet import's dry run asks (likely_matches) and the one-off scan of the
registry registered before the feature (docs/domain.md §10)."""

import datetime as dt

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.duplicates.helpers import BIRTH, body, id_of, pair_of, register
from weibao.audit.models import AuditEvent
from weibao.duplicates.matching import Reason
from weibao.duplicates.models import MatchKey, PossibleDuplicate, State
from weibao.duplicates.selectors import likely_matches
from weibao.duplicates.services import duplicate_dismiss


def test_a_row_without_an_id_number_is_matched_by_name_and_birth_date(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明", phone="13822220000")
    register(district_officer, areas["community_a"], "刘芳")
    with CaptureQueriesContext(connection) as ctx:
        found = likely_matches(district=areas["district"], name="章晓明", birth_date=BIRTH,
                               guardian_phone="", id_number="")  # fmt: skip
    assert len(ctx.captured_queries) == 2
    assert [(m.child_id, m.reasons) for m in found] == [
        (a.pk, [Reason.HOMOPHONE, Reason.SAME_BIRTH])
    ]


def test_a_row_names_the_phone_and_the_id_slip(areas, district_officer):
    first = body(region="310105", seq="135")
    a = register(district_officer, areas["community_a"], "张小明", phone="13822221111",
                 id_number=id_of(first))  # fmt: skip
    found = likely_matches(district=areas["district"].pk, name="张小明", birth_date=BIRTH,
                           guardian_phone="+86 138 2222 1111",
                           id_number=id_of(first[:-3] + "153"))  # fmt: skip
    assert found[0].child_id == a.pk
    assert found[0].reasons == [Reason.SAME_NAME, Reason.SAME_BIRTH, Reason.PHONE,
                                Reason.ID_TRANSPOSED]  # fmt: skip
    # The child the row updates is left out by the caller.
    assert likely_matches(district=areas["district"], name="张小明", birth_date=BIRTH,
                          exclude_child_id=a.pk) == []  # fmt: skip


def test_a_row_unlike_anyone_matches_nothing(areas, district_officer):
    register(district_officer, areas["community_a"], "张小明")
    assert likely_matches(district=areas["district"], name="张小明",
                          birth_date=dt.date(2012, 1, 1)) == []  # fmt: skip
    assert likely_matches(district=areas["district"], name="", birth_date=None) == []


def test_the_scan_finds_the_pairs_of_children_registered_before_it(areas, district_officer):
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    c = register(district_officer, areas["community_a"], "王芳")
    d = register(district_officer, areas["community_c"], "玉芳")
    duplicate_dismiss(actor=district_officer, pair=pair_of(c, d))
    # As before the feature: no keys, and the open pair not yet found.
    MatchKey.objects.all().delete()
    PossibleDuplicate.objects.filter(state=State.OPEN).delete()
    call_command("duplicates_scan", "--chunk", "2")
    assert pair_of(a, b).state == State.OPEN
    assert pair_of(c, d).state == State.DISMISSED
    assert PossibleDuplicate.objects.count() == 2
    assert MatchKey.objects.values("child").distinct().count() == 4
    assert AuditEvent.objects.filter(action="duplicates.scan").count() == 1
    # Again: nothing new.
    call_command("duplicates_scan")
    assert PossibleDuplicate.objects.count() == 2
