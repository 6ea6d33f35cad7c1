"""children_create_many: a batch of new files (an import's chunk) gets the same rows as
child_create would give each of them — the file, categories, guardians, an audit row on the
chain, a first due visit, match keys, the tallies — in a number of queries that does not grow
with the batch; each refused item is answered with child_create's words, and the others are
registered all the same."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.conftest import child_data
from tests.helpers import zh
from weibao.audit.chain import label, log_verify
from weibao.audit.models import AuditEvent, ChainHead
from weibao.audit.sealing import opened
from weibao.children import services
from weibao.children.categories import category_bits
from weibao.children.models import Child, Guardian
from weibao.children.selectors import _counted_counts, category_counts
from weibao.children.services import (
    ChildInput,
    GuardianInput,
    child_create,
    children_create_many,
)
from weibao.duplicates.models import MatchKey, PossibleDuplicate
from weibao.visits.jobs import run_daily
from weibao.visits.models import VisitDue


def _item(community, *, categories=("left_behind",), phone="13912345678", **overrides):
    return ChildInput(
        data=child_data(community, **overrides),
        categories=list(categories),
        guardians=[GuardianInput(name="测试家长", relation="mother", phone=phone)],
    )


def _single(director, item: ChildInput) -> Child:
    return child_create(
        actor=director, data=item.data, categories=item.categories, guardians=item.guardians
    )


def test_a_batch_gets_the_rows_child_create_gives_one_file(director_a, areas):
    one = _single(director_a, _item(areas["community_a"], name="单个儿童"))
    [batch] = children_create_many(
        actor=director_a, items=[_item(areas["community_a"], name="批量儿童")]
    )
    assert isinstance(batch, Child)
    for child in (one, batch):
        child.refresh_from_db()
        assert child.name_pinyin and child.id_number_masked and child.district_id
        assert child.category_bits == category_bits({"left_behind"})
        assert Guardian.objects.get(child=child).phone_masked == "139****5678"
        assert VisitDue.objects.get(child=child, state="open").due_date
        assert MatchKey.objects.filter(child=child).count() >= 2
    due = {d.child_id: (d.due_date, d.reason, d.community_id) for d in VisitDue.objects.all()}
    assert due[one.pk] == due[batch.pk]

    audit = {e.child_id: e for e in AuditEvent.objects.filter(action="child.create")}
    mine, theirs = opened(audit[one.pk].changes), opened(audit[batch.pk].changes)
    assert set(mine) == set(theirs)
    assert theirs["guardians"] == [{"op": "add", "name": "测试家长", "phone": "139****5678"}]
    assert theirs["id_number"]["new"] == batch.id_number_masked
    assert audit[batch.pk].actor_id == director_a.pk


def test_the_audit_chain_holds_after_a_batch_and_its_head_moves_once_per_row(director_a, areas):
    _single(director_a, _item(areas["community_a"]))
    children_create_many(actor=director_a, items=[_item(areas["community_a"]) for _ in range(5)])
    _single(director_a, _item(areas["community_a"]))
    assert log_verify("audit").ok
    district = areas["community_a"].district_pk
    head = ChainHead.objects.get(log=label("audit", district))
    assert head.seq == AuditEvent.objects.filter(chain=district).count()
    seqs = list(
        AuditEvent.objects.filter(chain=district).order_by("id").values_list("seq", flat=True)
    )
    assert seqs == sorted(seqs) == list(range(seqs[0], seqs[0] + len(seqs)))


def test_refused_items_get_child_create_words_and_the_others_are_registered(
    director_a, areas, make_child
):
    elsewhere = make_child("community_c", name="别处儿童")
    mine = make_child("community_a", name="已登记儿童")
    twice = _item(areas["community_a"])
    items = [
        _item(areas["community_a"], name="好的"),
        _item(areas["community_a"], name=""),
        _item(areas["community_c"]),  # outside the director's areas
        _item(areas["community_a"], id_number=elsewhere.id_number,
              birth_date=elsewhere.birth_date, sex=elsewhere.sex),
        _item(areas["community_a"], id_number=mine.id_number,
              birth_date=mine.birth_date, sex=mine.sex),
        twice,
        ChildInput(data=dict(twice.data), categories=["orphan"], guardians=[]),
        _item(areas["community_a"], birth_date=dt.date(2000, 1, 1)),
    ]  # fmt: skip
    with translation.override("zh-hans"):
        answers = children_create_many(actor=director_a, items=items)
    assert isinstance(answers[0], Child) and isinstance(answers[5], Child)
    assert "name" in answers[1]
    assert answers[2]["community"] == [zh("You can only register children in your own areas.")]
    # Registered where the director may not look: never whose.
    assert "别处儿童" not in str(answers[3]) and answers[3]["id_number"] == [
        zh(
            "A child with this ID number is already registered in another area. "
            "Please contact your sub-district's child supervisor."
        )
    ]
    assert "已登记儿童" in answers[4]["id_number"][0]
    assert answers[6]["id_number"] == [zh("A child with this ID number is already registered.")]
    assert "birth_date" in answers[7]
    assert Child.objects.filter(created_by=director_a).count() == 2


def test_a_number_taken_meanwhile_refuses_only_that_item(director_a, areas, monkeypatch):
    taken = _single(director_a, _item(areas["community_a"], name="先登记的"))
    # As if someone registered the number between the batch's check and its insert.
    monkeypatch.setattr(services, "id_number_owners", lambda *a, **k: {})
    again = _item(areas["community_a"], id_number=taken.id_number,
                  birth_date=taken.birth_date, sex=taken.sex)  # fmt: skip
    with translation.override("zh-hans"):
        answers = children_create_many(actor=director_a, items=[_item(areas["community_a"]), again])
    assert isinstance(answers[0], Child)
    # Checked again one by one, the item is refused as child_create refuses it.
    assert list(answers[1]) == ["id_number"] and "先登记的" in answers[1]["id_number"][0]
    assert Child.objects.count() == 2
    assert log_verify("audit").ok


def test_a_batch_keeps_the_tallies_equal_to_the_register(request, director_a, areas):
    run_daily()
    children_create_many(
        actor=director_a,
        items=[
            _item(areas["community_a"], categories=["orphan", "economic_hardship"]),
            _item(areas["community_a"], categories=["left_behind"]),
            _item(areas["community_b"], categories=["disability"]),
        ][:2],
    )
    children_create_many(
        actor=request.getfixturevalue("supervisor"),
        items=[_item(areas["community_b"], categories=["disability", "autism"])],
    )
    for persona in ["district_officer", "supervisor", "director_a", "director_b"]:
        user = request.getfixturevalue(persona)
        assert category_counts(user) == _counted_counts(user, None), persona
    assert category_counts(director_a)["total"] == 2


def test_a_batch_records_possible_duplicates_with_files_already_registered(director_a, areas):
    first = _single(director_a, _item(areas["community_a"], name="王小明", phone="13800000001"))
    [second] = children_create_many(
        actor=director_a,
        items=[
            _item(areas["community_a"], name="王小明", birth_date=first.birth_date,
                  phone="13800000001")
        ],
    )  # fmt: skip
    pair = PossibleDuplicate.objects.get()
    assert {pair.child_id, pair.other_id} == {first.pk, second.pk}


def test_the_queries_of_a_batch_do_not_grow_with_its_size(director_a, areas):
    run_daily()
    counted = []
    # The first batch also reads the director's roles (kept on the user afterwards).
    # (At most 28 files: SQLite takes 999 values in one INSERT, a file has 35 columns.)
    for size, start in ((1, 40), (3, 0), (25, 3)):
        # Distinct children (no possible duplicates among them): the same work per child.
        items = [
            _item(
                areas["community_a"],
                name="测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰巳午未申酉亥"[n // 10],
                birth_date=dt.date(2015, 1, 1) + dt.timedelta(days=n),
                phone=f"139{n:08d}",
            )
            for n in range(start, start + size)
        ]
        with CaptureQueriesContext(connection) as queries:
            children_create_many(actor=director_a, items=items)
        counted.append(len(queries))
    assert counted[1] == counted[2]
    assert Child.objects.count() == 29
    assert not PossibleDuplicate.objects.exists()
