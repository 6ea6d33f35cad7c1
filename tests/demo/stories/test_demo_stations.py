"""The demo's workstations (weibao/demo/stations.py), loaded by weibao.demo.data.load_demo: the
story's five stations operating with every item of "八个一" passed by the district — never by
the person who submitted — so the coverage is 50% (5 of 10); the other five planned or being
built; made once."""

from django.utils import timezone

from weibao.areas.models import Area
from weibao.demo.data import load_demo
from weibao.stations.evidence import district_coverage
from weibao.stations.models import (
    CoverageSnapshot,
    ItemEvidence,
    ItemReview,
    StationPhoto,
    Workstation,
)
from weibao.stations.selectors import standard_in_force

N = 60


def test_the_demo_has_the_storys_five_stations_and_a_coverage_of_50_percent(loaded):
    district = Area.objects.get(code="310105")
    today = timezone.localdate()
    coverage = district_coverage(district, standard_in_force(district.pk, today), today)
    assert (coverage.meeting, coverage.total, coverage.percent) == (5, 10, 50)
    meeting = {row.subdistrict.name for row in coverage.rows if row.meets}
    assert meeting == {"天山路街道", "周家桥街道", "新泾镇", "江苏路街道", "仙霞新村街道"}
    others = Workstation.objects.exclude(status="operating")
    assert set(others.values_list("status", flat=True)) == {"planned", "building"}
    assert CoverageSnapshot.objects.get(district=district).meeting == 5


def test_the_demo_stations_are_as_the_story_tells_them(loaded):
    tianshan = Workstation.objects.get(subdistrict__name="天山路街道")
    assert "天山四村122号" in tianshan.address and tianshan.host_facility == "culture_centre"
    assert [z.name[0] for z in tianshan.zones.all()] == list("医食住乐伴")
    jiangsu = Workstation.objects.get(subdistrict__name="江苏路街道")
    assert jiangsu.host_facility == "civic_centre"
    assert list(jiangsu.zones.values_list("name", flat=True)) == [
        "休闲生活区", "健康生活区", "美好生活区", "快乐生活区",
    ]  # fmt: skip
    xianxia = Workstation.objects.get(subdistrict__name="仙霞新村街道")
    assert xianxia.host_facility == "elderly_centre"
    assert xianxia.zones.filter(kind="counselling").exists()
    assert all(s.name.startswith("演示·") for s in Workstation.objects.all())
    assert StationPhoto.objects.filter(on_wall=True).count() == 5


def test_every_demo_review_is_by_someone_else_than_the_submitter(loaded):
    assert ItemReview.objects.count() == 5 * 8
    for evidence in ItemEvidence.objects.select_related("submitted_by", "reviewed_by"):
        assert evidence.reviewed_by_id != evidence.submitted_by_id


def test_loading_the_demo_again_changes_nothing(loaded):
    before = (Workstation.objects.count(), ItemReview.objects.count())
    load_demo(children=N)
    assert (Workstation.objects.count(), ItemReview.objects.count()) == before
