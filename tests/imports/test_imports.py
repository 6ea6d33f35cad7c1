import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.conftest import api_client, web_client
from tests.imports.conftest import HEADER, csv_file, number, row, xlsx_file
from weibao.audit.models import AuditEvent
from weibao.children.models import CategoryTally, Child
from weibao.children.selectors import category_counts
from weibao.children.tallies import tallies_refresh
from weibao.duplicates.models import PossibleDuplicate
from weibao.imports import services
from weibao.imports.models import ImportJob, ImportMapping, ImportRow
from weibao.imports.selectors import (
    import_file_path,
    import_job_get_for_user,
    import_jobs_visible_to,
)
from weibao.visits.models import VisitDue

pytestmark = pytest.mark.django_db


def upload(actor, file):
    return services.import_upload(actor=actor, upload=file)


def dry_run(actor, job, django_capture_on_commit_callbacks, **mapping):
    with django_capture_on_commit_callbacks(execute=True):
        services.import_map(
            actor=actor, job=job, mapping={**job.mapping, **mapping}, hukou_default="local"
        )
    return ImportJob.objects.get(pk=job.pk)


def commit(actor, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.import_commit(actor=actor, job=job)
    return ImportJob.objects.get(pk=job.pk)


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="refused").values_list("line", "reasons"))


def test_each_refusal_reason_is_said_in_chinese(
    supervisor, child_c, django_capture_on_commit_callbacks
):
    good = number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    adult_birth = dt.date(2000, 1, 1)
    rows = [
        row(id_number=good),  # line 2: good
        row(id_number=bad_check),  # 3: bad check digit
        row(id_number=number(), 出生日期="2014-01-01"),  # 4: birth date ≠ ID number
        row(birth=adult_birth),  # 5: adult
        row(community="不存在居民区"),  # 6: unknown 居民区
        row(community="测试丙居民区"),  # 7: outside the supervisor's 街镇
        row(类别="外星儿童"),  # 8: unknown category
        row(id_number=good),  # 9: duplicate of line 2
        row(id_number=child_c.id_number, community="测试甲居民区"),  # 10: registered elsewhere
    ]
    job = dry_run(
        supervisor, upload(supervisor, csv_file(rows)), django_capture_on_commit_callbacks
    )
    said = reasons(job)
    assert job.state == "checked" and job.created == 1 and job.refused == 8
    assert "校验码" in said[3]
    assert "出生日期与身份证号码不符" in said[4]
    assert "18" in said[5]
    assert "未知的居民区" in said[6]
    assert "不在您的辖区" in said[7]
    assert "外星儿童" in said[8] and "类别" in said[8]
    assert "第 2 行" in said[9]
    assert "其他地区" in said[10]
    # Never whose or where.
    assert child_c.name not in said[10] and "测试丙" not in said[10]


def test_dry_run_makes_no_writes(director_a, django_capture_on_commit_callbacks):
    audit_before = AuditEvent.objects.count()
    job = upload(director_a, csv_file([row(), row()]))
    job = dry_run(director_a, job, django_capture_on_commit_callbacks)
    assert job.created == 2
    assert Child.objects.count() == 0 and VisitDue.objects.count() == 0
    # Only the job's own rows: the upload and the dry run's start.
    assert set(AuditEvent.objects.all()[audit_before:].values_list("action", flat=True)) <= {
        "import.upload",
        "import.dry_run",
    }


def test_commit_creates_and_updates_through_the_services(
    director_a, child_a, django_capture_on_commit_callbacks
):
    tallies_refresh()
    changed = row(id_number=child_a.id_number, name=child_a.name, 类别="留守儿童 孤儿",
                  出生日期=child_a.birth_date.isoformat(), 性别="男")  # fmt: skip
    job = upload(director_a, xlsx_file([row(name="测试新"), changed]))
    job = dry_run(director_a, job, django_capture_on_commit_callbacks)
    assert (job.created, job.updated) == (1, 1)
    job = commit(director_a, job, django_capture_on_commit_callbacks)
    assert (job.state, job.created, job.updated, job.refused) == ("done", 1, 1, 0)
    new = Child.objects.get(name="测试新")
    assert AuditEvent.objects.filter(action="child.create", child=new, actor=director_a).exists()
    assert AuditEvent.objects.filter(action="child.update", child=child_a).exists()
    assert VisitDue.objects.filter(child=new, state="open").exists()
    assert sorted(child_a.category_rows.values_list("category", flat=True)) == [
        "left_behind",
        "orphan",
    ]
    assert new.guardians.get().phone == "13800000009"
    # The tallies follow, counted once per chunk.
    assert category_counts(director_a)["total"] == 2
    assert CategoryTally.objects.filter(community=new.community, key="orphan", n=1).exists()


def test_reimporting_the_same_file_changes_nothing(director_a, django_capture_on_commit_callbacks):
    rows = [row(name="测试一"), row(name="测试二")]
    first = upload(director_a, csv_file(rows))
    commit(director_a, dry_run(director_a, first, django_capture_on_commit_callbacks),
           django_capture_on_commit_callbacks)  # fmt: skip
    audit = AuditEvent.objects.filter(action__startswith="child.").count()
    again = upload(director_a, csv_file(rows))
    again = dry_run(director_a, again, django_capture_on_commit_callbacks)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    again = commit(director_a, again, django_capture_on_commit_callbacks)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.filter(action__startswith="child.").count() == audit
    assert Child.objects.count() == 2


def test_a_bad_row_does_not_undo_the_good_ones(director_a, django_capture_on_commit_callbacks):
    job = upload(director_a, csv_file([row(name="测试好"), row(community="不存在"), row()]))
    job = commit(director_a, dry_run(director_a, job, django_capture_on_commit_callbacks),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert (job.created, job.refused) == (2, 1)
    assert Child.objects.count() == 2


def test_the_mapping_is_remembered_per_uploader(director_a, director_b):
    header = ["孩子名字", *HEADER[1:]]
    job = upload(director_a, csv_file([row()], header=header))
    assert "name" not in job.mapping
    services.import_map(actor=director_a, job=job, mapping={**job.mapping, "name": 0})
    assert ImportMapping.objects.get(user=director_a).mapping["name"] == "孩子名字"
    assert upload(director_a, csv_file([row()], header=header)).mapping["name"] == 0
    # Someone else's guess is their own.
    assert "name" not in upload(director_b, csv_file([row()], header=header)).mapping


def test_the_mapping_needs_the_id_number_and_name(director_a):
    job = upload(director_a, csv_file([row()]))
    with pytest.raises(Exception) as caught:
        services.import_map(actor=director_a, job=job, mapping={"name": 0})
    assert "id_number" in caught.value.message_dict


def test_a_csv_in_gb18030_is_read(director_a, django_capture_on_commit_callbacks):
    job = upload(director_a, csv_file([row(name="测试甲乙")], encoding="gb18030"))
    assert job.encoding == "gb18030" and job.headers[0] == "姓名"
    job = commit(director_a, dry_run(director_a, job, django_capture_on_commit_callbacks),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert Child.objects.get().name == "测试甲乙"


def test_a_csv_with_a_bom_is_read(director_a):
    job = upload(director_a, csv_file([row()], encoding="utf-8-sig"))
    assert job.headers[0] == "姓名" and job.mapping["name"] == 0


def test_the_refused_rows_download_as_formula_safe_xlsx(
    director_a, django_capture_on_commit_callbacks
):
    job = upload(director_a, csv_file([row(), row(name="=HYPERLINK(1)", community="不存在")]))
    job = dry_run(director_a, job, django_capture_on_commit_callbacks)
    response = web_client(director_a).get(f"/imports/{job.pk}/refused.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(__import__("io").BytesIO(b"".join(response.streaming_content))).active
    lines = list(sheet.values)
    assert lines[0][-1] == "拒绝原因" and len(lines) == 2
    assert lines[1][0] == 3 and lines[1][1] == "'=HYPERLINK(1)"
    assert "未知的居民区" in lines[1][-1]


def test_only_the_uploader_and_those_above_see_a_job(
    director_a, director_a2, director_b, supervisor, station_staff, district_officer,
    supervisor_elsewhere, director_elsewhere,
):  # fmt: skip
    job = upload(director_a, csv_file([row()]))
    for user in (director_a, supervisor, station_staff, district_officer):
        assert import_job_get_for_user(user, job.pk) == job
    for user in (director_a2, director_b, supervisor_elsewhere, director_elsewhere):
        assert not import_jobs_visible_to(user).filter(pk=job.pk).exists()
        for url in ("", "refused.xlsx"):
            assert web_client(user).get(f"/imports/{job.pk}/{url}").status_code == 404
        assert api_client(user).get(f"/api/v1/imports/{job.pk}/").status_code == 404
    district_job = upload(district_officer, csv_file([row()]))
    assert not import_jobs_visible_to(supervisor).filter(pk=district_job.pk).exists()


def test_only_the_uploader_commits(director_a, supervisor, django_capture_on_commit_callbacks):
    job = dry_run(
        director_a, upload(director_a, csv_file([row()])), django_capture_on_commit_callbacks
    )
    assert web_client(supervisor).post(f"/imports/{job.pk}/commit/").status_code == 403
    assert api_client(supervisor).post(f"/api/v1/imports/{job.pk}/commit/").status_code == 403


def test_someone_without_an_area_may_not_upload(unassigned):
    response = api_client(unassigned).post(
        "/api/v1/imports/", {"file": csv_file([row()])}, format="multipart"
    )
    assert response.status_code == 403


def test_the_job_list_takes_the_same_queries_for_3_and_20(director_a, supervisor):
    def queries() -> int:
        client = web_client(supervisor)
        client.get("/imports/")  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/imports/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        upload(director_a, csv_file([row()]))
    few = queries()
    for _ in range(17):
        upload(director_a, csv_file([row()]))
    assert queries() == few


def test_the_api_uploads_maps_commits_and_reports(director_a, django_capture_on_commit_callbacks):
    client = api_client(director_a)
    response = client.post("/api/v1/imports/", {"file": xlsx_file([row()])}, format="multipart")
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["mapping"]["id_number"] == 2 and job["state"] == "uploaded"
    bad = client.post(
        f"/api/v1/imports/{job['id']}/mapping/", {"mapping": {"name": 0}}, format="json"
    )
    assert bad.status_code == 400 and "id_number" in bad.json()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            f"/api/v1/imports/{job['id']}/mapping/",
            {"mapping": job["mapping"], "hukou_default": "local"},
            format="json",
        )
    assert ok.status_code == 202, ok.content
    status = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert status["state"] == "checked" and status["counts"]["created"] == 1
    rows = client.get(f"/api/v1/imports/{job['id']}/rows/").json()
    assert rows["results"][0]["outcome"] == "create"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/api/v1/imports/{job['id']}/commit/")
    assert done.status_code == 202
    assert client.get(f"/api/v1/imports/{job['id']}/").json()["counts"]["created"] == 1
    again = client.post(f"/api/v1/imports/{job['id']}/commit/")
    assert again.status_code == 409


def test_the_pages_show_the_progress_and_the_rows(director_a, django_capture_on_commit_callbacks):
    client = web_client(director_a)
    response = client.post("/imports/upload/", {"file": csv_file([row(name="测试页")])})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'name="id_number"' in page
    data = {k: v for k, v in job.mapping.items()} | {"hukou_default": "local"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/mapping/", data)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "测试页" in page and "导入" in page
    ImportJob.objects.filter(pk=job.pk).update(state="importing", total=10, processed=4)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "<progress" in page and "data-refresh" in page and "<script>" not in page


def test_a_bad_file_is_refused_next_to_the_field(director_a):
    client = web_client(director_a)
    response = client.post(
        "/imports/upload/",
        {"file": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
            "x.xlsx", b"not a workbook")},
    )  # fmt: skip
    assert response.status_code == 200
    assert "无法读取" in response.content.decode()


def test_the_commit_refuses_what_the_services_refuse_in_their_words(
    director_a, django_capture_on_commit_callbacks
):
    # Checked by the dry run, then refused by child_create itself at commit (the commit does not
    # check twice): the same message, the row refused, the others imported.
    job = upload(director_a, csv_file([row(name="测试好"), row(birth=dt.date(2000, 1, 1))]))
    job = commit(director_a, dry_run(director_a, job, django_capture_on_commit_callbacks),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert (job.created, job.refused) == (1, 1)
    assert "已满18周岁" in reasons(job)[3]


def test_an_update_keeps_what_the_file_leaves_blank(
    director_a, child_a, django_capture_on_commit_callbacks
):
    header = ["身份证号", "居住地址"]
    job = upload(director_a, csv_file([[child_a.id_number, "测试路9号", child_a.name]],
                                      header=[*header, "姓名"]))  # fmt: skip
    job = commit(director_a, dry_run(director_a, job, django_capture_on_commit_callbacks),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert job.updated == 1
    child = Child.objects.get(pk=child_a.pk)
    assert child.address == "测试路9号" and child.school == "测试小学"
    assert child.guardians.count() == 1


def test_the_api_job_list_takes_the_same_queries_for_3_and_20(director_a, supervisor):
    client = api_client(supervisor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/imports/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        upload(director_a, csv_file([row()]))
    few = queries()
    for _ in range(17):
        upload(director_a, csv_file([row()]))
    assert queries() == few
    assert len(client.get("/api/v1/imports/").json()["results"]) == 20


def test_a_new_row_like_a_registered_child_is_said_a_possible_duplicate(
    supervisor, make_child, django_capture_on_commit_callbacks
):
    # docs/domain.md §10: same name and birth date as a registered child, another ID number.
    seen = make_child("community_b", name="重复甲", birth_date=dt.date(2015, 6, 1))
    hidden = make_child("community_c", name="重复乙", birth_date=dt.date(2015, 6, 1))
    rows = [
        row(name="重复甲", birth=dt.date(2015, 6, 1)),  # line 2: like a child the supervisor sees
        row(name="重复乙", birth=dt.date(2015, 6, 1)),  # 3: like a child of another 街镇
        row(name="全新", birth=dt.date(2012, 3, 3)),  # 4: like nobody
    ]
    job = dry_run(
        supervisor, upload(supervisor, csv_file(rows)), django_capture_on_commit_callbacks
    )
    said = dict(ImportRow.objects.filter(job=job).values_list("line", "reasons"))
    outcomes = dict(ImportRow.objects.filter(job=job).values_list("line", "outcome"))
    assert outcomes == {2: "create", 3: "create", 4: "create"}  # said, never refused
    assert "重复甲" in said[2] and "疑似重复" in said[2]
    assert "其他地区" in said[3] and hidden.name not in said[3] and "测试丙" not in said[3]
    assert said[4] == ""
    assert seen.pk

    # The commit registers all three, records the pairs, and its rows still say it.
    commit(supervisor, job, django_capture_on_commit_callbacks)
    kept = dict(ImportRow.objects.filter(job=job).values_list("line", "reasons"))
    assert kept == said
    for registered in (seen, hidden):
        new = Child.objects.exclude(pk=registered.pk).get(name=registered.name)
        assert PossibleDuplicate.objects.filter(child=registered, other=new).exists()


def test_an_uploader_whose_role_ended_no_longer_sees_their_job(director_a):
    job = upload(director_a, csv_file([row()]))
    director_a.role_assignments.all().delete()
    assert not import_jobs_visible_to(type(director_a).objects.get(pk=director_a.pk)).filter(
        pk=job.pk
    )


def test_the_refused_rows_of_a_file_no_longer_kept_answer_404_and_a_download_is_audited(
    director_a, django_capture_on_commit_callbacks
):
    job = dry_run(
        director_a, upload(director_a, csv_file([row(community="不存在居民区")])),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    client = web_client(director_a)
    assert client.get(f"/imports/{job.pk}/refused.xlsx").status_code == 200
    assert AuditEvent.objects.filter(action="import.refused_download", object_id=str(job.pk))
    import_file_path(job).unlink()
    assert client.get(f"/imports/{job.pk}/refused.xlsx").status_code == 404


def test_the_commit_of_a_chunk_takes_the_same_queries_for_5_and_20_new_rows(
    director_a, django_capture_on_commit_callbacks
):
    def committed_queries(n: int, start: int) -> int:
        # Distinct children (no possible duplicates among them): the same work per row.
        rows = [
            row(name="测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
                birth=dt.date(2012, 1, 1) + dt.timedelta(days=i), 联系电话=f"139{i:08d}")
            for i in range(start, start + n)
        ]  # fmt: skip
        job = dry_run(director_a, upload(director_a, csv_file(rows)),
                      django_capture_on_commit_callbacks)  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            job = commit(director_a, job, django_capture_on_commit_callbacks)
        assert job.created == n
        return len(queries)

    # (SQLite takes at most 999 values in one INSERT: 28 files of 35 columns.)
    assert committed_queries(5, 0) == committed_queries(20, 5)
    assert Child.objects.count() == 25
    assert AuditEvent.objects.filter(action="child.create").count() == 25
    assert VisitDue.objects.filter(state="open").count() == 25
