import csv
import datetime as dt
import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from weibao.children import idnumber

HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "民族",
    "户籍地",
    "居住地址",
    "类别",
    "监护人",
    "联系电话",
    "居民区",
]
_seq = itertools.count(300)


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    # The runs happen in the request's thread once its transaction commits; files under tmp.
    settings.IMPORTS_INLINE = True
    settings.MEDIA_ROOT = tmp_path


def number(birth=dt.date(2015, 6, 1), sex="M") -> str:
    # Another region than tests.conftest's children: idnumber.make wraps its sequence at 500,
    # and a row must never take by chance the number of a child a test registered.
    return idnumber.make("310104", birth, next(_seq), sex)


def row(community="测试甲居民区", name="测试甲", birth=dt.date(2015, 6, 1), sex="M", **kw) -> list:
    values = {
        "姓名": name,
        "性别": "男" if sex == "M" else "女",
        "身份证号": kw.pop("id_number", None) or number(birth, sex),
        "出生日期": birth.isoformat(),
        "民族": "汉族",
        "户籍地": "上海市长宁区",
        "居住地址": "测试路1号",
        "类别": "留守儿童",
        "监护人": "测试家长",
        "联系电话": "13800000009",
        "居民区": community,
    }
    values.update(kw)
    return [values[h] for h in HEADER]


def csv_file(rows: list[list], name="register.csv", encoding="utf-8-sig", header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name="register.xlsx", header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())
