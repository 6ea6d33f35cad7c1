"""Every category row lies in its child's district (docs/scale.md): the children services write
the district with the row and move it with the child, so a read of a child's categories that
names the child's district (children.selectors.category_rows_of) finds them all."""

from tests.conftest import child_data
from tests.transfers.helpers import accept, ask
from weibao.children.models import Child, ChildCategory
from weibao.children.selectors import category_rows_of, child_categories
from weibao.children.services import ChildInput, child_update, children_create_many
from weibao.transfers.services import move_child_and_records


def _misplaced() -> list[tuple[int, int, int]]:
    """(row, its district, its child's district) of every row that disagrees."""
    district_of = dict(Child.objects.values_list("pk", "district_id"))
    return [
        (pk, district, district_of[child])
        for pk, child, district in ChildCategory.objects.values_list("pk", "child", "district")
        if district != district_of[child]
    ]


def test_a_new_file_has_its_categories_in_its_district(make_child):
    child = make_child(categories=("left_behind", "orphan"))
    assert ChildCategory.objects.filter(district_id=child.district_id).count() == 2
    assert _misplaced() == []


def test_a_batch_of_new_files_has_its_categories_in_their_districts(director_a, areas):
    items = [
        ChildInput(data=child_data(areas["community_a"]), categories=cats, guardians=[])
        for cats in (["left_behind"], ["orphan", "disability"])
    ]
    children = children_create_many(actor=director_a, items=items)
    assert all(isinstance(c, Child) for c in children)
    assert ChildCategory.objects.filter(district_id=areas["district"].pk).count() == 3
    assert _misplaced() == []


def test_changed_categories_are_written_in_the_childs_district(child_a, district_officer):
    child_update(
        actor=district_officer,
        child=child_a,
        expected_version=child_a.version,
        data={},
        categories=["orphan", "autism"],
    )
    assert child_categories(Child.objects.get(pk=child_a.pk)) == ["autism", "orphan"]
    assert _misplaced() == []


def test_a_move_to_another_district_moves_the_categories(child_a, officer_of_both, other_district):
    child_update(
        actor=officer_of_both,
        child=child_a,
        expected_version=child_a.version,
        data={"community": other_district},
        categories=["left_behind", "orphan"],
    )
    moved = Child.objects.get(pk=child_a.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert child_categories(moved) == ["left_behind", "orphan"]
    assert _misplaced() == []


def test_a_transfers_move_to_another_district_moves_the_categories(
    child_a, district_officer, other_district
):
    # What an accepted transfer and a 居民区's administrative move run; the transfer service
    # itself keeps to the district, this is the move it makes, into another one.
    move_child_and_records(
        actor=district_officer,
        child=child_a,
        community=other_district,
        note="",
        owner_if_outside=None,
    )
    moved = Child.objects.get(pk=child_a.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert child_categories(moved) == ["left_behind"]
    assert _misplaced() == []


def test_an_accepted_transfer_keeps_the_categories_with_the_child(
    child_a, director_a, supervisor_elsewhere, areas
):
    accept(supervisor_elsewhere, ask(director_a, child_a, areas["community_c"]))
    assert [r.category for r in category_rows_of(Child.objects.get(pk=child_a.pk))] == [
        "left_behind"
    ]
    assert _misplaced() == []
